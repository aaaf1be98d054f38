// Package cloudfix applies the default-route repair (netinspect/routefix)
// to every node of a cloud, one node at a time: it plans each node from
// its collected snapshot, then, with Apply, runs the single-node repair on
// each node that needs it over a Transport (ssh), a canary first, and
// stops at the first node that does not end changed. Each node journals
// its own change and rolls it back by itself unless the orchestrator
// confirms it over the connection (see protocol.go); the orchestrator
// confirms only after it reached the node again over a new connection and
// read there the default route it planned. docs/cloudfix.md tells the
// whole story.
package cloudfix

import (
	"net/netip"

	"github.com/ostopo/ostopo/netinspect/routefix"
	"github.com/ostopo/ostopo/netinspect/topo"
)

// Node is one node of the cloud as collection left it.
type Node struct {
	// Name is the node's name for the Transport (the inventory host name).
	Name string
	// Snapshot is the node's collected snapshot; nil when it was not
	// collected (then Unreachable or Problem says why).
	Snapshot *topo.Snapshot
	// Unreachable: collection could not reach the node.
	Unreachable bool
	// Problem is why the node was not collected (untrusted text from the
	// node or the transport).
	Problem string
}

// State is where a node stands in the plan or after the run.
type State string

// Node states. A plan has needs-change, already-right, refused,
// unreachable and unknown; a run turns needs-change into changed,
// rolled-back, failed or not-attempted.
const (
	// StateNeedsChange: the plan would change the node (plan only).
	StateNeedsChange State = "needs-change"
	// StateAlreadyRight: the node's only default route of the family is
	// the planned one; it is left alone.
	StateAlreadyRight State = "already-right"
	// StateRefused: no plan could be made for the node, or one of its
	// pre-checks failed (the gateway not on the device's subnet, the device
	// missing or an OVS port; on the live node, when the run applies, also
	// the gateway that does not answer): nothing is changed there.
	StateRefused State = "refused"
	// StateUnreachable: the node could not be reached (collection, or
	// the run's connection): nothing is changed there.
	StateUnreachable State = "unreachable"
	// StateUnknown: the node was reached but its routes are not known
	// (collection failed on it, or its snapshot lacks them): nothing is
	// changed there.
	StateUnknown State = "unknown"
	// StateChanged: the new route was applied, verified on the node,
	// seen over a new connection, and confirmed.
	StateChanged State = "changed"
	// StateRolledBack: the new route was applied and the node restored its
	// old routes (verification failed, or no confirmation came).
	StateRolledBack State = "rolled-back"
	// StateFailed: the node's repair went wrong in another way (ostopo
	// could not be installed or run there, not root, the rollback failed,
	// the session ended without a result);
	// Why says what, and whether the node may be left changed.
	StateFailed State = "failed"
	// StateNotAttempted: the run stopped before reaching the node.
	StateNotAttempted State = "not-attempted"
)

// NodeResult is one node in the plan or the summary.
type NodeResult struct {
	Node  string `json:"node"`
	State State  `json:"state"`
	// Canary: the node the run changes first.
	Canary bool `json:"canary,omitempty"`
	// Why explains every state but changed and already-right: the failed
	// pre-check, the reason of a rollback, the error (untrusted text).
	Why string `json:"why,omitempty"`
	// Findings are the routes routefix.Diagnose finds unusable (the trap).
	Findings []routefix.Finding `json:"findings,omitempty"`
	// Before are the node's default routes of the family, from its
	// snapshot; After and Command the planned change (nil and "" when no
	// plan could be made).
	Before  []topo.Route `json:"before,omitempty"`
	After   *topo.Route  `json:"after,omitempty"`
	Command string       `json:"command,omitempty"`
	// Checks are the plan's pre-checks (the gateway is checked on the live
	// node only, when the run applies).
	Checks []routefix.Check `json:"checks,omitempty"`
	// Now is the default route read over a new connection after the
	// node's step (ip route), when the run read it.
	Now string `json:"now,omitempty"`
	// Transcript is the end of what the node printed during the run
	// (untrusted text), for the operator to read when it went wrong.
	Transcript string `json:"transcript,omitempty"`

	plan *routefix.Plan
}

// planNode is the pure part: the node's state and change from its
// snapshot alone.
func planNode(n Node, gateway, dev string) NodeResult {
	r := NodeResult{Node: n.Name}
	switch {
	case n.Snapshot == nil && n.Unreachable:
		r.State, r.Why = StateUnreachable, orElse(n.Problem, "not reached by collection")
		return r
	case n.Snapshot == nil:
		r.State, r.Why = StateUnknown, orElse(n.Problem, "not collected")
		return r
	}
	s := n.Snapshot
	// Routes that were not read are unknown, not absent: planning on them
	// would call a node without a default route one that has no snapshot
	// of its routes.
	if src := s.Source("netlink/(root)"); src != nil && !src.OK {
		r.State, r.Why = StateUnknown, "the node's own routes were not read: "+orElse(src.Error, "no reason recorded")
		return r
	}
	if s.Root() == nil {
		r.State, r.Why = StateUnknown, "the snapshot has no node namespace"
		return r
	}
	r.Findings = routefix.Diagnose(s)
	p, err := routefix.NewPlan(s, dev, gateway)
	if err != nil {
		r.State, r.Why = StateRefused, err.Error()
		return r
	}
	p.Checks = append(p.Checks, routefix.Check{What: "gateway answers", OK: true, Skipped: true,
		Detail: "checked on the node itself when the run applies (a collected snapshot cannot ask the network)"})
	r.plan = p
	r.Before, r.Command, r.Checks = p.Before, p.Command, p.Checks
	after := p.After
	r.After = &after
	switch {
	case !p.OK():
		r.State, r.Why = StateRefused, "a pre-check failed: "+failedChecks(p)
	case alreadyRight(p):
		r.State = StateAlreadyRight
	default:
		r.State = StateNeedsChange
	}
	return r
}

// alreadyRight: the node's only main-table default route of the family
// goes through the planned device to the planned gateway. A second
// default route beside it is a change (the repair leaves one).
func alreadyRight(p *routefix.Plan) bool {
	if len(p.Before) != 1 {
		return false
	}
	b := p.Before[0]
	return b.Dev == p.Dev && sameAddr(b.Gateway, p.Gateway)
}

// sameAddr compares two addresses as addresses (fe80::1 and fe80:0::1).
func sameAddr(a, b string) bool {
	x, err1 := netip.ParseAddr(a)
	y, err2 := netip.ParseAddr(b)
	if err1 != nil || err2 != nil {
		return a == b
	}
	return x.WithZone("") == y.WithZone("")
}

func failedChecks(p *routefix.Plan) string {
	s := ""
	for _, c := range p.Checks {
		if c.OK {
			continue
		}
		if s != "" {
			s += "; "
		}
		s += c.What + ": " + c.Detail
	}
	return s
}

func orElse(s, dflt string) string {
	if s == "" {
		return dflt
	}
	return s
}
