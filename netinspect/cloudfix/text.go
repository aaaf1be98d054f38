package cloudfix

import (
	"fmt"
	"strings"

	"github.com/ostopo/ostopo/netinspect/routefix"
	"github.com/ostopo/ostopo/netinspect/safetext"
)

// stateOrder is the order the count line names the states in.
var stateOrder = []State{StateChanged, StateNeedsChange, StateAlreadyRight, StateRolledBack, StateFailed,
	StateRefused, StateUnreachable, StateUnknown, StateNotAttempted}

// Text is the plan or the summary for the operator: one block per node
// (its state, why, the trap, the routes before and after, what was read
// over a new connection), then one line counting the states. Node names,
// routes and reasons come from the nodes: each line is escaped as a whole
// (safetext.Builder), so a name holding a newline cannot forge a line.
func (s *Summary) Text() string {
	var b safetext.Builder
	dev := s.Dev
	if dev == "" {
		dev = "each node's first management NIC candidate"
	}
	what := "plan"
	if s.Applied {
		what = "run"
	}
	b.Linef("ostopo fix default-route on %d node(s), %s: default via %s dev %s", len(s.Nodes), what, s.Gateway, dev)
	for _, n := range s.Nodes {
		b.Blank()
		head := n.Node + ": " + string(n.State)
		if n.Canary {
			head += " (canary)"
		}
		b.Line(head)
		if n.Why != "" {
			b.Linef("  why: %s", n.Why)
		}
		for _, f := range n.Findings {
			b.Linef("  finding: %s", f.Text())
		}
		if n.After != nil && n.State != StateAlreadyRight {
			b.Linef("  before: %s", routesOf(n))
			b.Linef("  after:  %s", routefix.RouteText(*n.After))
		} else if n.After != nil {
			b.Linef("  route: %s", routesOf(n))
		}
		if n.Now != "" {
			b.Linef("  now (read over a new connection): %s", n.Now)
		}
		if n.Transcript != "" && (n.State == StateFailed || n.State == StateRolledBack) {
			b.Line("  the node said:")
			for _, l := range strings.Split(n.Transcript, "\n") {
				b.Linef("    %s", l)
			}
		}
	}
	b.Blank()
	if s.Stopped != "" {
		b.Linef("the run %s", s.Stopped)
	}
	b.Linef("summary: %s", s.countText())
	return b.String()
}

func routesOf(n NodeResult) string {
	if len(n.Before) == 0 {
		return "(no default route)"
	}
	var parts []string
	for _, r := range n.Before {
		parts = append(parts, routefix.RouteText(r))
	}
	return strings.Join(parts, "; ")
}

func (s *Summary) countText() string {
	c := s.Count()
	var parts []string
	for _, st := range stateOrder {
		if c[st] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", c[st], st))
		}
	}
	if len(parts) == 0 {
		return "no nodes"
	}
	return strings.Join(parts, ", ")
}
