package cloud

import (
	"fmt"

	"github.com/ostopo/ostopo/netinspect/topo"
)

// Health states of a node.
const (
	// HealthOK: every source was read and nothing is wrong.
	HealthOK = "ok"
	// HealthProblems: the node's own Neutron view, or a cross-node check
	// naming it, found a problem.
	HealthProblems = "problems"
	// HealthUnknown: nothing wrong was found, but a source was not read
	// (or something could not be checked): not clean.
	HealthUnknown = "unknown"
)

// Health sums up a node: its own Neutron view's problems (ostopo doctor
// on the node says more), the cross-node problems naming it, and what was
// not read.
type Health struct {
	State string `json:"state"`
	// Problems counts the problems of the node's own Neutron view.
	Problems int `json:"problems"`
	// CrossProblems counts the cross-node problems naming the node.
	CrossProblems int `json:"cross_problems"`
	// Unknown counts what the node's Neutron view could not check.
	Unknown int `json:"unknown"`
	// FailedSources are the sources that were not read, as
	// "name: error".
	FailedSources []string `json:"failed_sources,omitempty"`
}

func (c *Cloud) health() {
	for i := range c.Nodes {
		n := &c.Nodes[i]
		h := Health{Problems: ownProblems(&n.Snap.Neutron), Unknown: ownUnknown(&n.Snap.Neutron), CrossProblems: len(c.ProblemsOf(n.Name))}
		for _, s := range n.Snap.FailedSources() {
			h.FailedSources = append(h.FailedSources, fmt.Sprintf("%s: %s", s.Name, s.Error))
		}
		if len(n.Snap.Sources) == 0 {
			h.FailedSources = append(h.FailedSources, "(none): the snapshot records no source at all")
		}
		switch {
		case h.Problems+h.CrossProblems > 0:
			h.State = HealthProblems
		case len(h.FailedSources) > 0 || h.Unknown > 0:
			h.State = HealthUnknown
		default:
			h.State = HealthOK
		}
		n.Health = h
	}
}

func ownProblems(v *topo.Neutron) int {
	k := len(v.Problems)
	for _, p := range v.Ports {
		k += len(p.Problems)
	}
	for _, n := range v.Networks {
		k += len(n.Problems)
	}
	for _, r := range v.Routers {
		k += len(r.Problems)
		for _, f := range r.FloatingIPs {
			k += len(f.Problems)
		}
	}
	for _, t := range v.Tunnels {
		k += len(t.Problems)
	}
	for _, p := range v.PatchPairs {
		k += len(p.Problems)
	}
	for _, p := range v.ProviderNICs {
		k += len(p.Problems)
	}
	return k
}

func ownUnknown(v *topo.Neutron) int {
	k := 0
	for _, p := range v.Ports {
		k += len(p.Unknown)
	}
	for _, n := range v.Networks {
		k += len(n.Unknown)
	}
	for _, r := range v.Routers {
		k += len(r.Unknown)
	}
	return k
}
