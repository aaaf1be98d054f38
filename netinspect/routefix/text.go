package routefix

import (
	"strings"

	"github.com/ostopo/ostopo/netinspect/safetext"
)

// Text is the plan as the operator reads it before anything changes: the
// findings, routes before and after, the equivalent command (with -n for a
// named namespace), the pre-checks, what the gateway must do, and how to
// make it last. Host, device and namespace names come from the node (or a
// snapshot from anywhere): each line is escaped as a whole
// (safetext.Builder), so a name holding an escape sequence or a newline
// shows as such and cannot retitle the terminal or forge a line.
func (p *Plan) Text(host, ns string, findings []Finding, per Persistence) string {
	var b safetext.Builder
	where := host
	if ns != "" {
		where += " (namespace " + ns + ")"
	}
	b.Linef("ostopo fix default-route on %s", where)
	b.Blank()
	for _, f := range findings {
		b.Linef("finding: %s", f.Text())
	}
	if len(findings) == 0 {
		b.Line("finding: none (no route of the node leaves through an OVS port or a dead NIC)")
	}
	b.Blank()
	b.Line("routes before:")
	if len(p.Before) == 0 && p.Family == 6 {
		b.Line("  (no IPv6 default route)")
	} else if len(p.Before) == 0 {
		b.Line("  (no default route)")
	}
	for _, r := range p.Before {
		b.Linef("  %s", RouteText(r))
	}
	b.Line("route after:")
	b.Linef("  %s", RouteText(p.After))
	cmd := p.Command
	if ns != "" {
		// ip takes its options in any order: "ip -n NS -6 route ...".
		cmd = "ip -n " + ns + " " + strings.TrimPrefix(cmd, "ip ")
	}
	b.Line("equivalent command:")
	b.Linef("  %s", cmd)
	b.Blank()
	b.Line("pre-checks:")
	for _, c := range p.Checks {
		mark := "✓"
		switch {
		case c.Skipped:
			mark = "·"
		case !c.OK:
			mark = "✗"
		}
		b.Linef("  %s %s: %s", mark, c.What, c.Detail)
	}
	b.Blank()
	b.Linef("reminder: %s", p.Reminder)
	b.Linef("boot-time: %s", per.Explain)
	return b.String()
}
