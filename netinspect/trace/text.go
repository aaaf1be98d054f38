package trace

import (
	"fmt"
	"strings"
)

// Text renders a trace as an operator pastes it into a ticket: one line per
// hop with ✓/✗, the facts under it, the TTL note, and for a broken path
// what was expected, what was found and what to run next.
func Text(r *Result, host string) string {
	var b strings.Builder
	what := r.IP
	switch {
	case r.FloatingIP != "" && r.FixedIP != "":
		what = fmt.Sprintf("floating IP %s → fixed IP %s", r.FloatingIP, r.FixedIP)
	case r.FixedIP != "":
		what = "fixed IP " + r.FixedIP
	}
	fmt.Fprintf(&b, "ostopo trace %s on %s (%s)\n", what, host, r.Direction)
	if r.PortID != "" {
		fmt.Fprintf(&b, "port %s  network %s  router %s\n", r.PortID, or(r.NetworkID, "-"), or(r.RouterID, "-"))
	}
	b.WriteByte('\n')
	ttl := 0
	for i, h := range r.Hops {
		mark := "✓"
		if !h.OK {
			mark = "✗"
		}
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
		fmt.Fprintf(&b, "%2d %s %-18s %s\n", i+1, mark, h.Kind, strings.Join(where, "  "))
		for _, e := range h.Evidence {
			fmt.Fprintf(&b, "       %s\n", e)
		}
		if h.DecrementsTTL {
			ttl++
			b.WriteString("       routes here: TTL −1 (why a ping through the floating IP shows TTL 63)\n")
		}
		if h.OFTrace != nil {
			fmt.Fprintf(&b, "       ofproto/trace: %s (datapath actions: %s)\n", h.OFTrace.Verdict, h.OFTrace.DatapathActions)
		}
		if !h.OK {
			fmt.Fprintf(&b, "       ✗ %s\n       expected: %s\n       found:    %s\n       next:     %s\n", h.Problem, h.Expected, h.Found, h.Next)
		}
	}
	b.WriteByte('\n')
	if r.Complete {
		fmt.Fprintf(&b, "path complete: %d hops, %d routing hop(s)", len(r.Hops), ttl)
		if len(r.ContinuesAt) > 0 {
			fmt.Fprintf(&b, "; continues on the node(s) at %s", strings.Join(r.ContinuesAt, ", "))
		}
		b.WriteString("\n")
	} else {
		h := r.Hops[*r.BrokenAt]
		fmt.Fprintf(&b, "path BROKEN at hop %d (%s %s): %s\n", *r.BrokenAt+1, h.Kind, or(h.Device, h.Namespace), h.Problem)
	}
	return b.String()
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
