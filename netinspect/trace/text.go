package trace

import (
	"fmt"
	"strings"

	"github.com/ostopo/ostopo/netinspect/safetext"
	"github.com/ostopo/ostopo/netinspect/topo"
)

// Text renders a trace as an operator pastes it into a ticket: one line per
// hop with ✓ (holds), ✗ (broken), ? (not checked: its facts were not
// read) or ○ (an HA router standing by here: the path is another node's), the facts under it, the TTL note, for a broken hop what was
// expected, what was found and what to run next, and the verdict. Every
// line goes through safetext: names in a snapshot may hold escape
// sequences and newlines.
func Text(r *Result, host string) string {
	var b safetext.Builder
	what := TargetText(r.IP, r.FloatingIP, r.FixedIP, r.Role, r.PortID)
	b.Linef("ostopo trace %s on %s (%s)", what, host, r.Direction)
	if r.PortID != "" {
		b.Linef("port %s  network %s  router %s", r.PortID, or(r.NetworkID, "-"), or(r.RouterID, "-"))
	}
	b.Blank()
	ttl := routingHops(r)
	for i := range r.Hops {
		h := &r.Hops[i]
		b.Linef("%2d %s %-18s %s", i+1, Mark(h), h.Kind, Where(h))
		HopDetail(&b, h, 64-ttl)
	}
	b.Blank()
	switch {
	case r.BrokenAt != nil:
		h := r.Hops[*r.BrokenAt]
		b.Linef("path BROKEN at hop %d (%s %s): %s", *r.BrokenAt+1, h.Kind, or(h.Device, h.Namespace), h.Problem)
		if r.UnknownAt != nil {
			u := r.Hops[*r.UnknownAt]
			b.Linef("(hop %d could not be checked: %s)", *r.UnknownAt+1, u.Unknown)
		}
	case r.StandbyAt != nil:
		h := r.Hops[*r.StandbyAt]
		b.Linef("path STANDBY at hop %d (%s %s): %s", *r.StandbyAt+1, h.Kind, or(h.Device, h.Namespace), h.Standby)
		if r.UnknownAt != nil {
			u := r.Hops[*r.UnknownAt]
			b.Linef("(hop %d could not be checked: %s)", *r.UnknownAt+1, u.Unknown)
		}
	case r.UnknownAt != nil:
		h := r.Hops[*r.UnknownAt]
		b.Linef("path UNKNOWN at hop %d (%s %s): %s", *r.UnknownAt+1, h.Kind, or(h.Device, h.Namespace), h.Unknown)
	default:
		line := fmt.Sprintf("path complete: %d hops, %d routing hop(s)", len(r.Hops), ttl)
		if len(r.ContinuesAt) > 0 {
			line += "; continues on the node(s) at " + strings.Join(r.ContinuesAt, ", ")
		}
		if len(r.ArrivesFrom) > 0 {
			line += "; arrives from the node(s) at " + strings.Join(r.ArrivesFrom, ", ")
		}
		b.Line(line)
	}
	return b.String()
}

// TargetText says what a trace follows: "floating IP A → fixed IP B",
// "router interface A", "DHCP port A", "fixed IP A", or the input.
func TargetText(input, floating, fixed, role, portID string) string {
	switch {
	case floating != "" && fixed != "":
		return fmt.Sprintf("floating IP %s → fixed IP %s", floating, fixed)
	case role == topo.RoleRouterInterface:
		return "router interface " + fixed
	case role == topo.RoleRouterGateway:
		return "router gateway " + fixed
	case role == topo.RoleDHCP:
		return "DHCP port " + fixed
	case fixed != "":
		return "fixed IP " + fixed
	case floating == "" && portID != "":
		return "port " + input + " (fixed IP unknown)"
	}
	return input
}

// Mark is a hop's verdict glyph: ✓ holds, ✗ broken, ? not checked (its
// facts were not read), ○ an HA router standing by.
func Mark(h *Hop) string {
	switch {
	case h.Unknown != "":
		return "?"
	case h.Standby != "":
		return "○"
	case !h.OK:
		return "✗"
	}
	return "✓"
}

// Where is a hop's place on one line: device, namespace, bridge, VLAN,
// tunnel id, MTU.
func Where(h *Hop) string {
	var where []string
	for _, f := range []struct{ k, v string }{{"", h.Device}, {"ns ", short(h.Namespace)}, {"bridge ", h.Bridge}} {
		if f.v != "" {
			where = append(where, f.k+f.v)
		}
	}
	if h.VLAN != 0 {
		where = append(where, fmt.Sprintf("vlan %d", h.VLAN))
	}
	if h.TunnelID != 0 {
		where = append(where, fmt.Sprintf("tunnel id %d", h.TunnelID))
	}
	if h.MTU != 0 {
		where = append(where, fmt.Sprintf("mtu %d", h.MTU))
	}
	return strings.Join(where, "  ")
}

// HopDetail writes the lines under a hop: its evidence, the TTL note of a
// routing hop (a ping through the floating IP shows pingTTL), the bridge's
// ofproto/trace verdict, and why it is not OK (expected, found, next).
func HopDetail(b *safetext.Builder, h *Hop, pingTTL int) {
	for _, e := range h.Evidence {
		b.Linef("       %s", e)
	}
	if h.DecrementsTTL {
		b.Linef("       routes here: TTL −1 (why a ping through the floating IP shows TTL %d)", pingTTL)
	}
	if h.OFTrace != nil {
		line := fmt.Sprintf("       ofproto/trace: %s (datapath actions: %s)", h.OFTrace.Verdict, h.OFTrace.DatapathActions)
		if h.OFTrace.Detail != "" {
			line += ": " + h.OFTrace.Detail
		}
		b.Line(line)
	}
	switch {
	case h.Unknown != "":
		b.Linef("       ? not checked: %s", h.Unknown)
		for _, src := range h.Unread {
			if src.Error != "" {
				b.Linef("         %s: %s", src.Name, src.Error)
			}
		}
	case h.Standby != "":
		b.Linef("       ○ %s", h.Standby)
		b.Linef("       next:     %s", h.Next)
	case !h.OK:
		b.Linef("       ✗ %s", h.Problem)
		b.Linef("       expected: %s", h.Expected)
		b.Linef("       found:    %s", h.Found)
		b.Linef("       next:     %s", h.Next)
	}
}

func short(ns string) string {
	if i := strings.IndexByte(ns, '-'); i > 0 && len(ns) > i+9 {
		return ns[:i+9]
	}
	return ns
}

func or(s, alt string) string {
	if s == "" {
		return alt
	}
	return s
}

// routingHops counts the hops that decrement the TTL: one through a
// legacy or HA router, two through a DVR floating IP (fip- and qrouter-).
func routingHops(r *Result) int {
	n := 0
	for _, h := range r.Hops {
		if h.DecrementsTTL {
			n++
		}
	}
	return n
}
