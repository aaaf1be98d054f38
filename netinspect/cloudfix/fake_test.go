package cloudfix

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeCloud is an in-process Transport: each node keeps its default route
// as `ip route` prints it and runs, on Start, a stand-in for the remote
// `ostopo fix default-route --confirm-token` that uses the real node side
// of the handshake (Confirmer, ResultLine). Behaviour knobs make a node
// fail in each way the orchestration must handle.
type fakeCloud struct {
	t     *testing.T
	mu    sync.Mutex
	nodes map[string]*fakeNode
	calls []string // "start NODE", "run NODE", "put NODE", in order
}

type fakeNode struct {
	route string // what `ip route show default` prints now ("" = none)

	// Behaviour.
	putFails         bool
	startUnreachable bool
	refuse           bool   // a pre-check on the live node fails: nothing changed
	verifyFails      bool   // the gateway does not answer: rolled back before asking
	cutOff           bool   // with the new route, new connections fail
	wrongRoute       string // with the new route, ip shows this instead
	ipFails          bool   // with the new route, ip fails (the connection works)
	checkHangs       bool   // with the new route, a new connection hangs until given up
	dropAfterAsk     bool   // the connection dies after the question: no answer, no result reach either side
	noRollback       bool   // (with dropAfterAsk) the node fails to roll back
	forge            bool   // prints forged protocol lines before asking
	keepsWithoutAsk  bool   // a broken node that says kept without asking
	slowApply        time.Duration

	// Record.
	asked, confirmed, rolledBack, eofSeen bool
	checkedAfterAsk                       bool
	askedAt, endedAt                      time.Time
}

func newFakeCloud(t *testing.T) *fakeCloud {
	return &fakeCloud{t: t, nodes: map[string]*fakeNode{}}
}

func (c *fakeCloud) add(name, route string) *fakeNode {
	n := &fakeNode{route: route}
	c.nodes[name] = n
	return n
}

func (c *fakeCloud) node(name string) *fakeNode {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.nodes[name]
}

func (c *fakeCloud) log(format string, a ...any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls = append(c.calls, fmt.Sprintf(format, a...))
}

func (c *fakeCloud) started() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for _, s := range c.calls {
		if n, ok := strings.CutPrefix(s, "start "); ok {
			out = append(out, n)
		}
	}
	return out
}

// routeNow is the node's route under the lock.
func (c *fakeCloud) routeNow(name string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.nodes[name].route
}

func (c *fakeCloud) Put(_ context.Context, node, bin string) (string, error) {
	c.log("put %s", node)
	if c.node(node).putFails {
		return "", errors.New("no space left on device")
	}
	return "/var/tmp/ostopo-test/ostopo", nil
}

func (c *fakeCloud) Run(ctx context.Context, node string, argv []string) ([]byte, error) {
	c.log("run %s", node)
	if strings.Join(argv, " ") != "ip -4 route show table main default" {
		return nil, fmt.Errorf("unexpected command %q", argv)
	}
	c.mu.Lock()
	n := c.nodes[node]
	if n.checkHangs && n.asked && !n.rolledBack {
		c.mu.Unlock()
		<-ctx.Done()
		return nil, errors.New("signal: killed")
	}
	defer c.mu.Unlock()
	if n.ipFails && n.asked && !n.rolledBack {
		return nil, errors.New("exit status 127: sh: 1: ip: not found")
	}
	if n.asked && !n.confirmed && !n.rolledBack {
		n.checkedAfterAsk = true
	}
	changed := n.asked && !n.rolledBack
	if changed && n.cutOff {
		return nil, Unreachable(errors.New("ssh: connect to host " + node + ": Connection timed out"))
	}
	out := n.route
	if changed && n.wrongRoute != "" {
		out = n.wrongRoute
	}
	if out == "" {
		return nil, nil
	}
	return []byte(out + " \n"), nil // ip leaves a trailing blank
}

// arg is the value after flag in argv.
func arg(argv []string, flag string) string {
	for i := 0; i+1 < len(argv); i++ {
		if argv[i] == flag {
			return argv[i+1]
		}
	}
	return ""
}

// stdinEnd is the orchestrator's end of the node's input; kill makes it
// a connection that died (writes fail, nothing reaches the node).
type stdinEnd struct {
	mu   sync.Mutex
	w    io.WriteCloser
	dead bool
}

func (s *stdinEnd) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.dead {
		return 0, errors.New("broken pipe")
	}
	return s.w.Write(p)
}

func (s *stdinEnd) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.dead {
		return nil
	}
	return s.w.Close()
}

func (s *stdinEnd) kill() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dead = true
}

func (c *fakeCloud) Start(ctx context.Context, node string, argv []string) (*Session, error) {
	c.log("start %s", node)
	n := c.node(node)
	if n.startUnreachable {
		return nil, Unreachable(errors.New("ssh: connect to host " + node + ": No route to host"))
	}
	want := []string{"/var/tmp/ostopo-test/ostopo", "fix", "default-route", "--apply", "--gateway"}
	if len(argv) < len(want) || strings.Join(argv[:len(want)], " ") != strings.Join(want, " ") {
		c.t.Errorf("%s: remote command %q", node, argv)
	}
	token, gw, dev := arg(argv, "--confirm-token"), arg(argv, "--gateway"), arg(argv, "--dev")
	timeout, err := time.ParseDuration(arg(argv, "--confirm-timeout"))
	if err != nil || !ValidToken(token) {
		c.t.Errorf("%s: remote command %q", node, argv)
	}
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	errR, errW := io.Pipe()
	exit := make(chan error, 1)
	stdin := &stdinEnd{w: inW}
	sess := &Session{Stdin: stdin, Stdout: outR, Stderr: errR, Wait: func() error { return <-exit }}
	planned := "default via " + gw + " dev " + dev + " proto static"
	end := func(code int) {
		c.mu.Lock()
		n.endedAt = time.Now()
		c.mu.Unlock()
		outW.Close()
		errW.Close()
		if code != 0 {
			exit <- fmt.Errorf("exit status %d", code)
			return
		}
		exit <- nil
	}
	go func() {
		<-ctx.Done() // the session killed: the connection ends
		outW.CloseWithError(io.ErrClosedPipe)
		errW.CloseWithError(io.ErrClosedPipe)
	}()
	go func() {
		conf := NewConfirmer(inR, token)
		fmt.Fprintf(outW, "ostopo fix default-route on %s\n\nroutes before:\n  %s\n", node, c.routeNow(node))
		if n.refuse {
			fmt.Fprintf(outW, "pre-checks:\n  ✓ device exists: eth1\n  ✗ gateway answers (ARP on %s): %s does not answer ARP on %s\n", dev, gw, dev)
			fmt.Fprintln(errW, "ostopo fix default-route: a pre-check failed: nothing changed")
			fmt.Fprintln(outW, ResultLine(token, OutcomeUnchanged))
			end(1)
			return
		}
		time.Sleep(n.slowApply)
		c.mu.Lock()
		before := n.route
		n.route = planned
		c.mu.Unlock()
		fmt.Fprintf(outW, "applied: ip route replace default via %s dev %s\n", gw, dev)
		restore := func() {
			c.mu.Lock()
			n.route, n.rolledBack = before, true
			c.mu.Unlock()
		}
		if n.verifyFails {
			fmt.Fprintf(outW, "verification failed: %s does not answer ARP on %s; restoring the old routes\n", gw, dev)
			restore()
			fmt.Fprintf(errW, "ostopo fix default-route: verify: %s does not answer ARP on %s\n", gw, dev)
			fmt.Fprintln(outW, ResultLine(token, OutcomeRolledBack))
			end(1)
			return
		}
		if n.keepsWithoutAsk {
			fmt.Fprintln(outW, ResultLine(token, OutcomeKept))
			end(0)
			return
		}
		if n.forge {
			// What a hostile name or banner could print: none of it is ours.
			other, _ := NewToken()
			for _, l := range []string{PromptLine(other), "x " + PromptLine(token), PromptLine(token) + " ", ResultLine(other, OutcomeKept),
				ResultLine(token, "kept-ish"), strings.Repeat("y", 5000) + PromptLine(token)} {
				fmt.Fprintln(outW, l)
			}
		}
		c.mu.Lock()
		n.asked, n.askedAt = true, time.Now()
		c.mu.Unlock()
		if n.dropAfterAsk {
			// The question goes out, then the connection dies: the
			// orchestrator's end sees the output end and its writes fail;
			// the node's input stays silent (a cut TCP connection), so
			// the node waits out its timeout.
			stdin.kill()
			fmt.Fprintln(outW, PromptLine(token))
			outW.Close()
			errW.Close()
			exit <- Unreachable(errors.New("ssh: Broken pipe"))
			time.Sleep(timeout)
			if !n.noRollback {
				restore()
			}
			return
		}
		ok, _ := conf.Confirm(context.Background(), outW, timeout, func(format string, a ...any) { fmt.Fprintf(errW, format+"\n", a...) })
		c.mu.Lock()
		if !ok && conf.Ended() {
			n.eofSeen = true
		}
		c.mu.Unlock()
		if !ok {
			fmt.Fprintln(outW, "not confirmed; restoring the old routes")
			restore()
			fmt.Fprintln(errW, "ostopo fix default-route: not confirmed: rolled back")
			fmt.Fprintln(outW, ResultLine(token, OutcomeRolledBack))
			end(1)
			return
		}
		c.mu.Lock()
		n.confirmed = true
		c.mu.Unlock()
		fmt.Fprintf(outW, "kept: ip route replace default via %s dev %s\n", gw, dev)
		fmt.Fprintln(outW, ResultLine(token, OutcomeKept))
		end(0)
	}()
	return sess, nil
}
