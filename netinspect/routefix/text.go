package routefix

import (
	"fmt"
	"strings"
)

// Text is the plan as the operator reads it before anything changes: the
// findings, routes before and after, the equivalent command (with -n for a
// named namespace), the pre-checks, what the gateway must do, and how to
// make it last.
func (p *Plan) Text(host, ns string, findings []Finding, per Persistence) string {
	var b strings.Builder
	where := host
	if ns != "" {
		where += " (namespace " + ns + ")"
	}
	fmt.Fprintf(&b, "ostopo fix default-route on %s\n\n", where)
	for _, f := range findings {
		fmt.Fprintf(&b, "finding: %s\n", f.Text())
	}
	if len(findings) == 0 {
		b.WriteString("finding: none (no route of the node leaves through an OVS port or a dead NIC)\n")
	}
	b.WriteString("\nroutes before:\n")
	if len(p.Before) == 0 {
		b.WriteString("  (no default route)\n")
	}
	for _, r := range p.Before {
		fmt.Fprintf(&b, "  %s\n", RouteText(r))
	}
	fmt.Fprintf(&b, "route after:\n  %s\n", RouteText(p.After))
	cmd := p.Command
	if ns != "" {
		cmd = strings.Replace(cmd, "ip route", "ip -n "+ns+" route", 1)
	}
	fmt.Fprintf(&b, "equivalent command:\n  %s\n\npre-checks:\n", cmd)
	for _, c := range p.Checks {
		mark := "✓"
		switch {
		case c.Skipped:
			mark = "·"
		case !c.OK:
			mark = "✗"
		}
		fmt.Fprintf(&b, "  %s %s: %s\n", mark, c.What, c.Detail)
	}
	fmt.Fprintf(&b, "\nreminder: %s\n", p.Reminder)
	fmt.Fprintf(&b, "boot-time: %s\n", per.Explain)
	return b.String()
}
