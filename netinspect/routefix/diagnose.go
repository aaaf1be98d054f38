// Package routefix diagnoses and plans the "default route via the
// management NIC" repair. Diagnosis and plan are pure functions of a
// snapshot. Apply (apply_linux.go) and Persistence.Write (persist.go,
// only on --persist) are the only code in ostopo that changes a node: Apply
// journals first and rolls back on its own, and both log to fix.log.
package routefix

import (
	"fmt"
	"net/netip"
	"sort"
	"strings"

	"github.com/ostopo/ostopo/netinspect/safetext"
	"github.com/ostopo/ostopo/netinspect/topo"
)

// Finding is a route the host needs that cannot work as it is.
type Finding struct {
	Namespace string `json:"namespace"` // "" = the node's own
	Route     string `json:"route"`     // "default via 203.0.113.1 dev eth4"
	Dev       string `json:"dev"`
	Gateway   string `json:"gateway,omitempty"`
	// Why: "bridge-port" (the NIC is a port of an OVS bridge), "down", or
	// "no-carrier".
	Why    string `json:"why"`
	Bridge string `json:"bridge,omitempty"`
	// Candidates are interfaces that could carry the route instead:
	// up, with carrier and a global IPv4 address, not bridge ports.
	Candidates []Candidate `json:"candidates"`
}

// Candidate is a possible management NIC.
type Candidate struct {
	Dev     string `json:"dev"`
	Address string `json:"address"`
}

// Text describes the finding in one sentence, with the interfaces that
// could carry the route instead. It is one line of terminal text: device
// and bridge names come from the node and are escaped (safetext.Term).
func (f Finding) Text() string {
	return safetext.Term(f.text())
}

func (f Finding) text() string {
	var s string
	switch f.Why {
	case "bridge-port":
		s = fmt.Sprintf("%s, but %s is a port of %s: the host's own traffic cannot leave through it", f.Route, f.Dev, f.Bridge)
	case "down":
		s = fmt.Sprintf("%s, but %s is set down (ip link set %s up)", f.Route, f.Dev, f.Dev)
	default:
		s = fmt.Sprintf("%s, but %s has no carrier (cable, switch port: ethtool %s)", f.Route, f.Dev, f.Dev)
	}
	if len(f.Candidates) == 0 {
		return s + "; no management NIC candidate (up, carrier, IPv4 address, not an OVS port)"
	}
	var c []string
	for _, m := range f.Candidates {
		c = append(c, m.Dev+" ("+m.Address+")")
	}
	return s + "; management NIC candidates: " + strings.Join(c, ", ")
}

// Diagnose finds the routes of the node's namespace that leave through an
// OVS bridge port, a device that is down, or one without carrier (the kolla
// trap: the uplink given as neutron_external_interface). It looks at the
// default route and every other route someone added (static, DHCP, RA) in
// the main table; the kernel's own connected routes follow the addresses
// and are not routes anyone chose.
func Diagnose(s *topo.Snapshot) []Finding {
	root := s.Root()
	if root == nil {
		return nil
	}
	ovsPorts := s.OVS.PortIndex()
	var out []Finding
	for _, rt := range root.Routes {
		if rt.Table != topo.RouteTableMain || rt.Protocol == "kernel" || rt.Dev == "" ||
			(rt.Type != "" && rt.Type != "unicast") {
			continue
		}
		f := Finding{Route: RouteText(rt), Dev: rt.Dev, Gateway: rt.Gateway}
		l := root.Link(rt.Dev)
		switch {
		case ovsPorts[rt.Dev].Bridge != nil:
			f.Why, f.Bridge = "bridge-port", ovsPorts[rt.Dev].Bridge.Name
		case l != nil && !l.AdminUp:
			f.Why = "down"
		case l != nil && (!l.Carrier || !l.Up()):
			// Set up but the kernel reports it down: no link (cable,
			// switch port), which `ip link set up` does not change.
			f.Why = "no-carrier"
		default:
			continue
		}
		f.Candidates = Candidates(root, ovsPorts)
		out = append(out, f)
	}
	return out
}

// Candidates lists interfaces that could carry the host's default route:
// up, with carrier and an IPv4 address, and not a port of OVS (ovsPorts,
// from topo.OVS.PortIndex).
func Candidates(ns *topo.Namespace, ovsPorts map[string]topo.PortOnBridge) []Candidate {
	out := []Candidate{}
	for _, l := range ns.Links {
		if l.Kind == "loopback" || ovsPorts[l.Name].Bridge != nil || !l.Up() || !l.Carrier || l.Master != "" {
			continue
		}
		for _, a := range l.Addrs {
			if p, err := netip.ParsePrefix(a.Prefix); err == nil && p.Addr().Is4() && a.Scope == "global" {
				out = append(out, Candidate{Dev: l.Name, Address: a.Prefix})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Dev < out[j].Dev })
	return out
}

// RouteText prints a route as `ip route` does.
func RouteText(rt topo.Route) string {
	parts := []string{rt.Dst}
	if rt.Gateway != "" {
		parts = append(parts, "via", rt.Gateway)
	}
	if rt.Dev != "" {
		parts = append(parts, "dev", rt.Dev)
	}
	if rt.Protocol != "" && rt.Protocol != "boot" {
		parts = append(parts, "proto", rt.Protocol)
	}
	if rt.Metric != 0 {
		parts = append(parts, "metric", fmt.Sprint(rt.Metric))
	}
	return strings.Join(parts, " ")
}
