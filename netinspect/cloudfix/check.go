package cloudfix

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// routeArgv reads the node's main-table default routes of the family:
// `ip route show default` selects the default route exactly. ip, not the
// node's ostopo: the check must not depend on what it checks.
func routeArgv(family int) []string {
	f := "-4"
	if family == 6 {
		f = "-6"
	}
	return []string{"ip", f, "route", "show", "table", "main", "default"}
}

// defaultRoute is one default route as ip printed it.
type defaultRoute struct {
	text      string
	via, dev  string
	multipath bool // nexthop lines follow: not the single route planned
}

// maxRouteLines bounds what is kept of a node's answer.
const maxRouteLines = 16

// parseRoutes reads `ip route show default` output. Lines that begin with
// white space are a multipath route's nexthops.
func parseRoutes(out string) []defaultRoute {
	var rs []defaultRoute
	for _, line := range strings.Split(out, "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		if line[0] == ' ' || line[0] == '\t' {
			if len(rs) > 0 {
				rs[len(rs)-1].multipath = true
			}
			continue
		}
		if len(rs) == maxRouteLines {
			break
		}
		f := strings.Fields(line)
		r := defaultRoute{text: strings.Join(f, " ")}
		if len(r.text) > 200 {
			r.text = r.text[:200]
		}
		for i := 0; i+1 < len(f); i++ {
			switch f[i] {
			case "via":
				if r.via == "" {
					r.via = f[i+1]
				}
			case "dev":
				if r.dev == "" {
					r.dev = f[i+1]
				}
			}
		}
		rs = append(rs, r)
	}
	return rs
}

// routesText is the routes read, for the operator ("(no default route)"
// when there is none).
func routesText(rs []defaultRoute) string {
	if len(rs) == 0 {
		return "(no default route)"
	}
	var parts []string
	for _, r := range rs {
		t := r.text
		if r.multipath {
			t += " (multipath)"
		}
		parts = append(parts, t)
	}
	return strings.Join(parts, "; ")
}

// isPlanned: the routes are exactly the planned one (one route, through
// the planned device to the planned gateway).
func isPlanned(rs []defaultRoute, r *NodeResult) bool {
	if len(rs) != 1 || rs[0].multipath || r.plan == nil {
		return false
	}
	return rs[0].dev == r.plan.Dev && sameAddr(rs[0].via, r.plan.Gateway)
}

// readRoute reads the node's default routes over a new connection.
func readRoute(ctx context.Context, t Transport, o Options, r *NodeResult) (now string, planned bool, err error) {
	if err := ctx.Err(); err != nil {
		return "", false, err
	}
	cctx, cancel := context.WithTimeout(ctx, o.checkTimeout())
	defer cancel()
	family := 4
	if r.plan != nil {
		family = r.plan.Family
	}
	out, err := t.Run(cctx, r.Node, routeArgv(family))
	if err != nil {
		if cctx.Err() != nil && ctx.Err() == nil {
			// Killed at the deadline: the node did not answer in time.
			return "", false, Unreachable(fmt.Errorf("no answer within %s: %w", o.checkTimeout(), err))
		}
		return "", false, err
	}
	rs := parseRoutes(string(out))
	return routesText(rs), isPlanned(rs, r), nil
}

// checkNode is the proof the run confirms on: the node answers a new
// connection after its change, and its default route is the planned one.
// It returns why not, or "".
func checkNode(ctx context.Context, t Transport, o Options, r *NodeResult) string {
	now, planned, err := readRoute(ctx, t, o, r)
	switch {
	case errors.Is(err, ErrUnreachable) || ctx.Err() != nil:
		return "the node did not answer a new connection after the change: " + err.Error()
	case err != nil:
		// Reached, but the route could not be read: still no proof.
		return "a new connection reached the node but could not read its default route: " + err.Error()
	}
	r.Now = now
	if !planned {
		return fmt.Sprintf("over a new connection the node's default route is %s, not the planned default via %s dev %s", now, r.plan.Gateway, r.plan.Dev)
	}
	return ""
}

// readNow is the node's default route over a new connection, for the
// summary, or "" when it cannot be read.
func readNow(ctx context.Context, t Transport, o Options, r *NodeResult) string {
	now, _, err := readRoute(ctx, t, o, r)
	if err != nil {
		return ""
	}
	return now
}
