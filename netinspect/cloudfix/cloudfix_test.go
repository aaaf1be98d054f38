package cloudfix

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ostopo/ostopo/fixtures/fixturetest"
	"github.com/ostopo/ostopo/netinspect/routefix"
	"github.com/ostopo/ostopo/netinspect/topo"
)

const (
	trapRoute  = "default via 203.0.113.1 dev eth4"
	rightRoute = "default via 10.20.0.1 dev eth1 proto static"
)

// trapNode is the kolla trap (fixture "bad": default via eth4, a port of
// br-ex; eth1 holds 10.20.0.11/24), named name.
func trapNode(t *testing.T, name string) Node {
	s := fixturetest.Load(t, "bad")
	s.Host = name
	return Node{Name: name, Snapshot: s}
}

// rightNode already has its default route through eth1.
func rightNode(t *testing.T, name string) Node {
	n := trapNode(t, name)
	root := n.Snapshot.Root()
	var routes []topo.Route
	for _, r := range root.Routes {
		if r.Dst != "default" {
			routes = append(routes, r)
		}
	}
	root.Routes = append(routes, topo.Route{Table: topo.RouteTableMain, Dst: "default", Gateway: "10.20.0.1", Dev: "eth1", Protocol: "static", Family: 4})
	return n
}

func states(s *Summary) map[string]State {
	m := map[string]State{}
	for _, n := range s.Nodes {
		m[n.Node] = n.State
	}
	return m
}

func result(t *testing.T, s *Summary, node string) NodeResult {
	t.Helper()
	for _, n := range s.Nodes {
		if n.Node == node {
			return n
		}
	}
	t.Fatalf("no node %s in the summary", node)
	return NodeResult{}
}

func opts() Options {
	return Options{Gateway: "10.20.0.1", Dev: "eth1", Apply: true, LocalBinary: "/usr/bin/ostopo", ConfirmTimeout: 5 * time.Second}
}

// The plan sorts every node: the trap, already right, unreachable,
// unknown (not collected, or routes not read), refused (the gateway is not
// on that node's management subnet); nothing is run anywhere.
func TestPlanStates(t *testing.T) {
	unread := trapNode(t, "unread")
	for i := range unread.Snapshot.Sources {
		if unread.Snapshot.Sources[i].Name == "netlink/(root)" {
			unread.Snapshot.Sources[i].OK, unread.Snapshot.Sources[i].Error = false, "context deadline exceeded"
		}
	}
	if unread.Snapshot.Source("netlink/(root)") == nil {
		unread.Snapshot.Sources = append(unread.Snapshot.Sources, topo.Source{Name: "netlink/(root)", OK: false, Error: "context deadline exceeded"})
	}
	other := trapNode(t, "elsewhere")
	other.Snapshot.Root().Link("eth1").Addrs[0].Prefix = "10.99.0.11/24"
	nodes := []Node{
		rightNode(t, "right"),
		trapNode(t, "trap1"),
		{Name: "gone", Unreachable: true, Problem: "ssh: connect to host gone port 22: No route to host"},
		{Name: "failed", Problem: "ostopo snapshot: exit status 1"},
		unread,
		other,
		trapNode(t, "trap2"),
	}
	c := newFakeCloud(t)
	o := opts()
	o.Apply = false
	s, err := Run(context.Background(), nodes, c, o, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]State{"right": StateAlreadyRight, "trap1": StateNeedsChange, "trap2": StateNeedsChange, "gone": StateUnreachable,
		"failed": StateUnknown, "unread": StateUnknown, "elsewhere": StateRefused}
	if got := states(s); !maps(got, want) {
		t.Errorf("states %v, want %v", got, want)
	}
	if len(c.calls) != 0 {
		t.Errorf("a plan reached the nodes: %v", c.calls)
	}
	if !result(t, s, "trap1").Canary || result(t, s, "trap2").Canary {
		t.Error("the canary is not the first node that needs the change")
	}
	if w := result(t, s, "unread").Why; !strings.Contains(w, "routes were not read") {
		t.Errorf("unread: %q", w)
	}
	if w := result(t, s, "elsewhere").Why; !strings.Contains(w, "gateway inside one of the device's subnets") {
		t.Errorf("elsewhere: %q", w)
	}
	trap := result(t, s, "trap1")
	if trap.Command != "ip route replace default via 10.20.0.1 dev eth1" || len(trap.Findings) != 1 || len(trap.Before) != 1 {
		t.Errorf("trap1 %+v", trap)
	}
	if s.OK() {
		t.Error("OK() with refused, unreachable and unknown nodes")
	}
	txt := s.Text()
	for _, want := range []string{"trap1: needs-change (canary)", "right: already-right", "gone: unreachable", "  why: ssh: connect to host gone",
		"  before: default via 203.0.113.1 dev eth4", "  after:  default via 10.20.0.1 dev eth1 proto static", "eth4 is a port of br-ex",
		"summary: 2 needs-change, 1 already-right, 1 refused, 1 unreachable, 2 unknown"} {
		if !strings.Contains(txt, want) {
			t.Errorf("text lacks %q:\n%s", want, txt)
		}
	}
	// --dev left out: each node's first candidate, eth1 here.
	o.Dev = ""
	if s, _ := Run(context.Background(), nodes[:2], c, o, nil); result(t, s, "trap1").Command != "ip route replace default via 10.20.0.1 dev eth1" {
		t.Errorf("no --dev: %+v", result(t, s, "trap1"))
	}
}

func maps(a, b map[string]State) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// events records the observer's calls and every node's route at each.
type events struct {
	c   *fakeCloud
	log []string
}

func (e *events) observe(ev Event) {
	var routes []string
	for _, n := range []string{"a", "b", "c", "d", "e"} {
		if e.c.nodes[n] != nil {
			routes = append(routes, n+"="+short(e.c.routeNow(n)))
		}
	}
	e.log = append(e.log, ev.Node+" "+string(ev.Step)+" ["+strings.Join(routes, " ")+"]")
}

func short(route string) string {
	switch route {
	case trapRoute:
		return "trap"
	case rightRoute:
		return "eth1"
	case "":
		return "none"
	}
	return route
}

// The canary first, then the others in order, one at a time; already
// right and unreachable nodes never touched; the observer sees each step
// with every node's route.
func TestApplyCanaryFirstThenTheRest(t *testing.T) {
	c := newFakeCloud(t)
	for _, n := range []string{"a", "c", "e"} {
		c.add(n, trapRoute)
	}
	c.add("b", rightRoute)
	c.add("d", trapRoute)
	nodes := []Node{trapNode(t, "a"), rightNode(t, "b"), trapNode(t, "c"), {Name: "d", Unreachable: true, Problem: "timed out"}, trapNode(t, "e")}
	o := opts()
	o.Canary = "c"
	ev := &events{c: c}
	s, err := Run(context.Background(), nodes, c, o, ev.observe)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]State{"a": StateChanged, "b": StateAlreadyRight, "c": StateChanged, "d": StateUnreachable, "e": StateChanged}
	// d was not reached: the cloud is not all right.
	if got := states(s); !maps(got, want) || s.OK() {
		t.Fatalf("states %v, want %v\n%s", got, want, s.Text())
	}
	if got := c.started(); !slices.Equal(got, []string{"c", "a", "e"}) {
		t.Errorf("order %v, want the canary c, then a, e", got)
	}
	for _, n := range []string{"b", "d"} {
		for _, call := range c.calls {
			if strings.HasSuffix(call, " "+n) {
				t.Errorf("%s was touched: %s", n, call)
			}
		}
		if c.routeNow(n) != map[string]string{"b": rightRoute, "d": trapRoute}[n] {
			t.Errorf("%s's route changed: %s", n, c.routeNow(n))
		}
	}
	wantLog := []string{
		"c start [a=trap b=eth1 c=trap d=trap e=trap]",
		"c applied [a=trap b=eth1 c=eth1 d=trap e=trap]",
		"c confirmed [a=trap b=eth1 c=eth1 d=trap e=trap]",
		"a start [a=trap b=eth1 c=eth1 d=trap e=trap]",
		"a applied [a=eth1 b=eth1 c=eth1 d=trap e=trap]",
		"a confirmed [a=eth1 b=eth1 c=eth1 d=trap e=trap]",
		"e start [a=eth1 b=eth1 c=eth1 d=trap e=trap]",
		"e applied [a=eth1 b=eth1 c=eth1 d=trap e=eth1]",
		"e confirmed [a=eth1 b=eth1 c=eth1 d=trap e=eth1]",
	}
	if !slices.Equal(ev.log, wantLog) {
		t.Errorf("steps:\n%s\nwant:\n%s", strings.Join(ev.log, "\n"), strings.Join(wantLog, "\n"))
	}
	for _, n := range []string{"a", "c", "e"} {
		fn := c.node(n)
		if !fn.checkedAfterAsk || !fn.confirmed {
			t.Errorf("%s: confirmed %v without a new connection after the change (%v)", n, fn.confirmed, fn.checkedAfterAsk)
		}
		if r := result(t, s, n); r.Now != rightRoute || !r.Canary == (n == "c") {
			t.Errorf("%s: %+v", n, r)
		}
	}
	b, err := json.Marshal(s)
	if err != nil || !strings.Contains(string(b), `"node":"c","state":"changed","canary":true`) {
		t.Errorf("JSON %s %v", b, err)
	}
}

// A node whose gateway does not answer rolls back and stops the run: the
// nodes after it are not attempted and keep their routes.
func TestStopsAtTheFirstFailure(t *testing.T) {
	for _, tc := range []struct {
		name      string
		fail      func(*fakeNode)
		canary    string
		state     State
		why       string
		attempted []string
	}{
		{"verification fails on the second node", func(n *fakeNode) { n.verifyFails = true }, "", StateRolledBack, "verify: 10.20.0.1 does not answer ARP on eth1", []string{"a", "b"}},
		{"the canary fails", func(n *fakeNode) { n.verifyFails = true }, "b", StateRolledBack, "verify: ", []string{"b"}},
		{"refused on the live node", func(n *fakeNode) { n.refuse = true }, "", StateRefused,
			"a pre-check failed on the node, nothing changed: gateway answers (ARP on eth1): 10.20.0.1 does not answer ARP on eth1", []string{"a", "b"}},
		{"cannot install ostopo", func(n *fakeNode) { n.putFails = true }, "", StateFailed, "could not install ostopo, nothing changed: no space left", []string{"a"}},
		{"unreachable when its turn comes", func(n *fakeNode) { n.startUnreachable = true }, "", StateUnreachable, "could not connect, nothing changed", []string{"a", "b"}},
		{"cut off by the new route", func(n *fakeNode) { n.cutOff = true }, "", StateRolledBack, "not confirmed: the node did not answer a new connection after the change", []string{"a", "b"}},
		{"another route than planned", func(n *fakeNode) { n.wrongRoute = "default via 203.0.113.1 dev eth4" }, "", StateRolledBack,
			"not the planned default via 10.20.0.1 dev eth1", []string{"a", "b"}},
		{"the route cannot be read", func(n *fakeNode) { n.ipFails = true }, "", StateRolledBack,
			"not confirmed: a new connection reached the node but could not read its default route: exit status 127", []string{"a", "b"}},
		{"a new connection hangs", func(n *fakeNode) { n.checkHangs = true }, "", StateRolledBack,
			"not confirmed: the node did not answer a new connection after the change: no answer within 100ms", []string{"a", "b"}},
		{"says kept without asking", func(n *fakeNode) { n.keepsWithoutAsk = true }, "", StateFailed, "protocol error", []string{"a", "b"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newFakeCloud(t)
			var nodes []Node
			for _, n := range []string{"a", "b", "c", "d"} {
				c.add(n, trapRoute)
				nodes = append(nodes, trapNode(t, n))
			}
			tc.fail(c.node("b"))
			o := opts()
			o.Canary = tc.canary
			o.CheckTimeout = 100 * time.Millisecond
			ev := &events{c: c}
			start := time.Now()
			s, err := Run(context.Background(), nodes, c, o, ev.observe)
			if err != nil {
				t.Fatal(err)
			}
			if d := time.Since(start); d > 3*time.Second {
				t.Errorf("took %v: a declined node must roll back at once, not at its timeout", d)
			}
			b := result(t, s, "b")
			if b.State != tc.state || !strings.Contains(b.Why, tc.why) {
				t.Errorf("b: %s %q, want %s %q", b.State, b.Why, tc.state, tc.why)
			}
			if got := c.started(); !slices.Equal(got, tc.attempted) {
				t.Errorf("started %v, want %v", got, tc.attempted)
			}
			for _, n := range []string{"c", "d"} {
				if r := result(t, s, n); r.State != StateNotAttempted || !strings.Contains(r.Why, "stopped after b ended "+string(tc.state)) {
					t.Errorf("%s: %s %q", n, r.State, r.Why)
				}
			}
			if tc.name != "says kept without asking" {
				for _, n := range []string{"b", "c", "d"} {
					if c.routeNow(n) != trapRoute {
						t.Errorf("%s left with %q", n, c.routeNow(n))
					}
				}
			}
			if tc.canary == "" && result(t, s, "a").State != StateChanged {
				t.Errorf("a: %+v", result(t, s, "a"))
			}
			if s.OK() || !strings.Contains(s.Stopped, "b ended "+string(tc.state)) {
				t.Errorf("OK %v, stopped %q", s.OK(), s.Stopped)
			}
			if tc.state == StateRolledBack && b.Now != "default via 203.0.113.1 dev eth4" {
				t.Errorf("b now %q: the route read after the rollback", b.Now)
			}
			if fn := c.node("b"); fn.asked && (!fn.eofSeen || fn.confirmed) {
				t.Errorf("b: eof %v confirmed %v: a declined node must see its input end", fn.eofSeen, fn.confirmed)
			}
		})
	}
}

// The connection dies after the node asked: no answer reaches the node,
// no result the orchestrator. The node rolls back by itself at its
// timeout; the orchestrator reads the node over a new connection after
// that timeout and says so. If the node did not roll back, it says that.
func TestConnectionLostAfterTheQuestion(t *testing.T) {
	for _, broken := range []bool{false, true} {
		c := newFakeCloud(t)
		c.add("a", trapRoute)
		c.add("b", trapRoute)
		fn := c.node("a")
		fn.dropAfterAsk, fn.noRollback = true, broken
		o := opts()
		o.ConfirmTimeout = 400 * time.Millisecond
		start := time.Now()
		s, err := Run(context.Background(), []Node{trapNode(t, "a"), trapNode(t, "b")}, c, o, nil)
		if err != nil {
			t.Fatal(err)
		}
		a := result(t, s, "a")
		if time.Since(start) < o.ConfirmTimeout {
			t.Errorf("read the node before its timeout was over")
		}
		switch {
		case !broken && (a.State != StateRolledBack || !strings.Contains(a.Why, "connection lost") || a.Now != trapRoute):
			t.Errorf("a: %+v", a)
		case broken && (a.State != StateFailed || !strings.Contains(a.Why, "still has the new route: run ostopo fix rollback there")):
			t.Errorf("broken a: %+v", a)
		}
		if fn.confirmed || result(t, s, "b").State != StateNotAttempted {
			t.Errorf("confirmed %v, b %s", fn.confirmed, result(t, s, "b").State)
		}
	}
}

// Nothing the node prints can stand for the question: forged prompts
// (another token, the right one inside a line or with trailing text, a
// prompt at the end of an over-long line) and forged results are ignored,
// and the answer goes out only after the real question.
func TestForgedProtocolLinesIgnored(t *testing.T) {
	c := newFakeCloud(t)
	c.add("a", trapRoute)
	c.node("a").forge = true
	s, err := Run(context.Background(), []Node{trapNode(t, "a")}, c, opts(), nil)
	if err != nil {
		t.Fatal(err)
	}
	// An answer to a forged question would reach the node before its own
	// question: it would refuse it and roll back.
	if a := result(t, s, "a"); a.State != StateChanged || !s.OK() {
		t.Errorf("a: %s %q\n%s", a.State, a.Why, a.Transcript)
	}
}

// An operator's ^C while a node waits for its confirmation: not confirmed,
// the node rolls back at once, nothing else is attempted.
func TestInterruptedWhileWaiting(t *testing.T) {
	c := newFakeCloud(t)
	c.add("a", trapRoute)
	c.add("b", trapRoute)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	obs := func(ev Event) {
		if ev.Step == StepApplied {
			cancel()
		}
	}
	s, err := Run(ctx, []Node{trapNode(t, "a"), trapNode(t, "b")}, c, opts(), obs)
	if err != nil {
		t.Fatal(err)
	}
	if a := result(t, s, "a"); a.State != StateRolledBack || !strings.Contains(a.Why, "interrupted") || c.routeNow("a") != trapRoute {
		t.Errorf("a: %+v, route %q", a, c.routeNow("a"))
	}
	if b := result(t, s, "b"); b.State != StateNotAttempted || slices.Contains(c.started(), "b") {
		t.Errorf("b: %+v", b)
	}
}

// A node too slow to ask within ApplyTimeout: its input is closed, so the
// question it asks later is not confirmed and it rolls back.
func TestSlowNodeNotConfirmed(t *testing.T) {
	c := newFakeCloud(t)
	c.add("a", trapRoute)
	c.node("a").slowApply = 300 * time.Millisecond
	o := opts()
	o.ApplyTimeout = 50 * time.Millisecond
	s, _ := Run(context.Background(), []Node{trapNode(t, "a")}, c, o, nil)
	if a := result(t, s, "a"); a.State != StateRolledBack || c.routeNow("a") != trapRoute || c.node("a").confirmed {
		t.Errorf("a: %+v", a)
	}
}

func TestCanaryMustNeedTheChange(t *testing.T) {
	nodes := []Node{rightNode(t, "a"), trapNode(t, "b"), {Name: "c", Unreachable: true}}
	for canary, want := range map[string]string{"a": "canary a: already-right", "c": "canary c: unreachable", "zz": "canary zz: no such node"} {
		o := opts()
		o.Canary = canary
		c := newFakeCloud(t)
		if _, err := Run(context.Background(), nodes, c, o, nil); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("canary %s: %v", canary, err)
		}
		if len(c.calls) != 0 {
			t.Errorf("canary %s: calls %v", canary, c.calls)
		}
	}
}

// Node names and reasons are the nodes' words: the text escapes them.
func TestTextEscapesNodeText(t *testing.T) {
	s := &Summary{Gateway: "10.20.0.1", Nodes: []NodeResult{{Node: "evil\x1b]0;pwned\x07\nfake: changed", State: StateUnreachable, Why: "x\ny: changed"}}}
	txt := s.Text()
	if strings.ContainsAny(txt, "\x1b\x07") || strings.Contains(txt, "\nfake: changed") || strings.Contains(txt, "\ny: changed") {
		t.Errorf("unescaped:\n%q", txt)
	}
}

func TestParseRoutes(t *testing.T) {
	r := &NodeResult{}
	r.plan = planFor(t)
	for out, want := range map[string]bool{
		"default via 10.20.0.1 dev eth1 proto static \n":           true,
		"default via 10.20.0.1 dev eth1 proto static metric 100\n": true,
		"":                                 false,
		"default via 10.20.0.1 dev eth2\n": false,
		"default via 10.20.0.1 dev eth1\ndefault via 203.0.113.1 dev eth4 metric 5\n":               false,
		"default proto static \n\tnexthop via 10.20.0.1 dev eth1 weight 1\n\tnexthop via 10.20.0.2": false,
		"default via 10.20.0.1 dev eth1\n\tnexthop via 10.20.0.9 dev eth1":                          false,
	} {
		if got := isPlanned(parseRoutes(out), r); got != want {
			t.Errorf("%q: planned %v, want %v", out, got, want)
		}
	}
}

func planFor(t *testing.T) *routefix.Plan {
	return planNode(trapNode(t, "a"), "10.20.0.1", "eth1").plan
}

// A node's own journal directory (the inventory's ostopo_state_dir) wins
// over the run's --state-dir; without one the run's applies.
func TestRemoteStateDirPerNode(t *testing.T) {
	o := Options{RemoteStateDir: "/run-wide", RemoteStateDirOf: func(node string) string {
		if node == "n1" {
			return "/n1-own"
		}
		return ""
	}}
	for node, want := range map[string]string{"n1": "/n1-own", "n2": "/run-wide"} {
		r := &NodeResult{Node: node, plan: &routefix.Plan{Gateway: "10.0.0.1", Dev: "eth1"}}
		argv := remoteArgv("/bin/ostopo", o, r, "tok")
		i := slices.Index(argv, "--state-dir")
		if i < 0 || i+1 >= len(argv) || argv[i+1] != want {
			t.Errorf("%s: %q, want --state-dir %s", node, argv, want)
		}
	}
}
