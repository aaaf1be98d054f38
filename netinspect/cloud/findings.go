package cloud

import (
	"cmp"
	"slices"
	"strings"
)

// Severities of a Problem (doctor's words).
const (
	Error   = "error"
	Warning = "warning"
)

// Kinds of Problem.
const (
	// ProblemPortOnTwoNodes: one Neutron port plugged into the
	// integration bridge of two nodes. A distributed router's qr- ports
	// and an HA router's ports exist on several nodes by design and are
	// left out.
	ProblemPortOnTwoNodes = "port-on-two-nodes"
	// ProblemMACOnTwoNodes: two different ports with one MAC address on
	// two nodes (the same caveats).
	ProblemMACOnTwoNodes = "mac-on-two-nodes"
	// ProblemVNIClash: one tunnel id (VNI) carries two networks on two
	// nodes: their traffic mixes across the tunnel.
	ProblemVNIClash = "vni-clash"
	// ProblemSegmentDiffers: one network has two segments (type or
	// segmentation id) on two nodes.
	ProblemSegmentDiffers = "segment-differs"
	// ProblemRouterActiveTwice: a router answers on two nodes: an HA
	// router active on two, a legacy router's namespace on two, or a
	// distributed router's centralized SNAT on two (without HA).
	ProblemRouterActiveTwice = "router-active-on-two-nodes"
	// ProblemTunnelMissing: two nodes host ports of one tunnelled
	// network, and neither has a tunnel to the other.
	ProblemTunnelMissing = "tunnel-missing"
	// ProblemTunnelOneWay: A has a tunnel to B, B none back to A.
	ProblemTunnelOneWay = "tunnel-one-way"
	// ProblemTunnelForeign: a tunnel to an address no node of the cloud
	// has (a node that was not collected, or a stale tunnel).
	ProblemTunnelForeign = "tunnel-to-unknown-node"
	// ProblemTunnelIPClash: two nodes with one local_ip.
	ProblemTunnelIPClash = "tunnel-ip-on-two-nodes"
	// ProblemFloodMissing: a node's flood list of a tunnelled network
	// lacks a node that hosts ports of it: broadcasts (ARP, DHCP) from
	// here do not reach them.
	ProblemFloodMissing = "flood-missing"
	// ProblemFloodExtra: a node floods a network to a node that hosts no
	// port of it (stale l2population state).
	ProblemFloodExtra = "flood-extra"
)

// Problem is one thing wrong that shows only across nodes.
type Problem struct {
	Kind     string `json:"kind"`
	Severity string `json:"severity"`
	// Nodes are the nodes involved, sorted.
	Nodes []string `json:"nodes"`
	// Subject names the object: "port <id>", "router <id>", "VNI 1001",
	// "tunnel netnode -> compute1".
	Subject  string   `json:"subject"`
	Text     string   `json:"text"`
	Evidence []string `json:"evidence"`
}

// UnknownOVSDB is the Unknown kind of a node whose OVSDB was not read:
// every cross-node check that needs its ports, networks or tunnels.
const UnknownOVSDB = "ovsdb-not-read"

// Unknown is a cross-node check that could not be made, wholly or for
// some objects, because facts it needs were not read.
type Unknown struct {
	// Kind is the Problem kind the check would have found, or
	// UnknownOVSDB.
	Kind    string   `json:"kind"`
	Nodes   []string `json:"nodes"`
	Subject string   `json:"subject"`
	Text    string   `json:"text"`
}

// ExitCode is 0 when nothing was found and nothing is unknown, 1 when a
// problem was found (a node's own or a cross-node one), 3 when nothing was
// found but something could not be checked.
func (c *Cloud) ExitCode() int {
	if len(c.Problems) > 0 {
		return 1
	}
	unknown := len(c.Unknown) > 0
	for _, n := range c.Nodes {
		switch n.Health.State {
		case HealthProblems:
			return 1
		case HealthUnknown:
			unknown = true
		}
	}
	if unknown {
		return 3
	}
	return 0
}

// ProblemsOf are the problems that name node.
func (c *Cloud) ProblemsOf(node string) []Problem {
	var out []Problem
	for _, p := range c.Problems {
		if slices.Contains(p.Nodes, node) {
			out = append(out, p)
		}
	}
	return out
}

func (c *Cloud) sortFindings() {
	rank := func(s string) int { return slices.Index([]string{Error, Warning}, s) }
	slices.SortStableFunc(c.Problems, func(a, b Problem) int {
		return cmp.Or(cmp.Compare(rank(a.Severity), rank(b.Severity)), cmp.Compare(a.Kind, b.Kind),
			cmp.Compare(a.Subject, b.Subject), cmp.Compare(strings.Join(a.Nodes, ","), strings.Join(b.Nodes, ",")))
	})
	slices.SortStableFunc(c.Unknown, func(a, b Unknown) int {
		return cmp.Or(cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Subject, b.Subject), cmp.Compare(strings.Join(a.Nodes, ","), strings.Join(b.Nodes, ",")))
	})
	if c.Problems == nil {
		c.Problems = []Problem{}
	}
	if c.Unknown == nil {
		c.Unknown = []Unknown{}
	}
}
