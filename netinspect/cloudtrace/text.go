package cloudtrace

import (
	"cmp"
	"fmt"
	"strings"

	"github.com/ostopo/ostopo/netinspect/safetext"
	"github.com/ostopo/ostopo/netinspect/trace"
)

// Text renders a trace across the cloud as trace.Text renders one node's,
// each hop prefixed by its node, the crossings with both local VLANs and
// the VNI, and the verdict naming the node of its hop. Every line goes
// through safetext: node names and everything else in a snapshot may
// hold escape sequences and newlines.
func Text(r *Result) string {
	var b safetext.Builder
	what := trace.TargetText(r.Target, r.FloatingIP, r.FixedIP, r.Role, "")
	b.Linef("ostopo trace %s across %s (%s)", what, nodesText(r.Nodes), r.Direction)
	if r.PortID != "" || r.RouterID != "" {
		b.Linef("port %s  network %s  router %s", orDash(r.PortID), orDash(r.NetworkID), orDash(r.RouterID))
	}
	for _, c := range r.Crossings {
		b.Line("crossing: " + crossingText(c))
	}
	for _, n := range r.Notes {
		b.Line("note: " + n)
	}
	b.Blank()
	width := 1
	for _, h := range r.Hops {
		width = max(width, min(len(nodeOf(h)), 24))
	}
	ttl := routingHops(r)
	for i := range r.Hops {
		h := &r.Hops[i]
		b.Linef("%2d %s %-*s %-18s %s", i+1, trace.Mark(&h.Hop), width, nodeOf(*h), h.Kind, trace.Where(&h.Hop))
		trace.HopDetail(&b, &h.Hop, 64-ttl)
	}
	b.Blank()
	at := func(i int) string {
		h := r.Hops[i]
		return fmt.Sprintf("hop %d on %s (%s %s)", i+1, nodeOf(h), h.Kind, orDash(cmp.Or(h.Device, cmp.Or(h.Namespace, h.Bridge))))
	}
	switch {
	case r.BrokenAt != nil:
		b.Linef("path BROKEN at %s: %s", at(*r.BrokenAt), r.Hops[*r.BrokenAt].Problem)
		if r.UnknownAt != nil {
			b.Linef("(%s could not be checked: %s)", at(*r.UnknownAt), r.Hops[*r.UnknownAt].Unknown)
		}
	case r.StandbyAt != nil:
		b.Linef("path STANDBY at %s: %s", at(*r.StandbyAt), r.Hops[*r.StandbyAt].Standby)
		if r.UnknownAt != nil {
			b.Linef("(%s could not be checked: %s)", at(*r.UnknownAt), r.Hops[*r.UnknownAt].Unknown)
		}
	case r.UnknownAt != nil:
		b.Linef("path UNKNOWN at %s: %s", at(*r.UnknownAt), r.Hops[*r.UnknownAt].Unknown)
	default:
		line := fmt.Sprintf("path complete: %d hops on %s, %d routing hop(s)", len(r.Hops), nodesText(r.Nodes), ttl)
		for _, c := range r.Crossings {
			line += fmt.Sprintf("; VNI %d from %s to %s", c.VNI, c.From, cmp.Or(c.To, c.ToIP))
		}
		if len(r.ContinuesAt) > 0 {
			line += "; continues at " + strings.Join(r.ContinuesAt, ", ")
		}
		b.Line(line)
	}
	return b.String()
}

// crossingText is "netnode (10.30.0.11) local VLAN 1 → vxlan-0a1e0015,
// VNI 1853 → compute1 (10.30.0.21) local VLAN 1".
func crossingText(c Crossing) string {
	from := fmt.Sprintf("%s (%s) local VLAN %s", c.From, orDash(c.FromIP), vlanText(c.FromVLAN))
	port := ""
	if c.Port != "" {
		port = c.Port + ", "
	}
	to := c.ToIP + " (not in the collected cloud)"
	if c.To != "" {
		to = fmt.Sprintf("%s (%s) local VLAN %s", c.To, orDash(c.ToIP), vlanText(c.ToVLAN))
	}
	return fmt.Sprintf("%s → %sVNI %d → %s", from, port, c.VNI, to)
}

func vlanText(v int) string {
	if v == 0 {
		return "?"
	}
	return fmt.Sprint(v)
}

func nodesText(nodes []string) string {
	if len(nodes) == 0 {
		return "the cloud"
	}
	return strings.Join(nodes, " → ")
}

// nodeOf is the hop's node, "?" for one not in the cloud.
func nodeOf(h Hop) string { return cmp.Or(h.Node, "?") }

// routingHops counts the hops that decrement the TTL.
func routingHops(r *Result) int {
	n := 0
	for _, h := range r.Hops {
		if h.DecrementsTTL {
			n++
		}
	}
	return n
}
