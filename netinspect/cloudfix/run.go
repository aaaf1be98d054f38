package cloudfix

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// Transport reaches the nodes. netinspect/fleet's SSH does it with the
// system ssh client (cmd/ostopo adapts it); tests use an in-process fake
// or local namespaces. Each call is a new connection: that a node answers
// a new one after its route changed is what the run confirms on.
type Transport interface {
	// Start runs argv on node with its standard input, output and error
	// connected to the Session.
	Start(ctx context.Context, node string, argv []string) (*Session, error)
	// Run runs argv on node with no input and returns its standard output.
	Run(ctx context.Context, node string, argv []string) ([]byte, error)
	// Put installs the ostopo binary localBinary on node and returns its
	// path there.
	Put(ctx context.Context, node, localBinary string) (string, error)
}

// Session is one command running on a node. Stdout and Stderr are read to
// their end by the run; Stdin is closed when the run has nothing more to
// say; Wait is called once, after that.
type Session struct {
	Stdin  io.WriteCloser
	Stdout io.Reader
	Stderr io.Reader
	Wait   func() error
}

// ErrUnreachable marks a Transport error that says the node could not be
// reached at all (the command did not run): wrap it with Unreachable.
var ErrUnreachable = errors.New("unreachable")

// Unreachable marks err as the node being unreachable; its text stays
// err's.
func Unreachable(err error) error { return unreachableError{err} }

type unreachableError struct{ err error }

func (e unreachableError) Error() string        { return e.err.Error() }
func (e unreachableError) Unwrap() error        { return e.err }
func (e unreachableError) Is(target error) bool { return target == ErrUnreachable }

// Options are the repair and how the run goes.
type Options struct {
	// Gateway and Dev are the repair, as routefix.NewPlan takes them: Dev
	// "" takes each node's first management NIC candidate (and the run
	// then names it to the node).
	Gateway string
	Dev     string
	// Apply changes the nodes; without it Run only plans.
	Apply bool
	// Canary is the node changed first; "" is the first node that needs
	// a change. It must need one.
	Canary string
	// LocalBinary is the ostopo binary Put on every node changed.
	LocalBinary string
	// RemoteFlags are given to the remote ostopo before the command's own
	// (e.g. --ovsdb for a node with non-default paths), one argument each.
	RemoteFlags func(node string) []string
	// ConfirmTimeout is the node's --confirm-timeout: how long it keeps
	// the new route without confirmation. 60s when 0.
	ConfirmTimeout time.Duration
	// Probe is given to the node as --probe (HOST:PORT it must reach
	// after the change); "" for none.
	Probe string
	// RemoteStateDir is given to the node as --state-dir; "" leaves the
	// node's default (/var/lib/ostopo), where `ostopo fix rollback` looks.
	RemoteStateDir string
	// RemoteStateDirOf overrides RemoteStateDir for one node (the
	// inventory's ostopo_state_dir) when it says one.
	RemoteStateDirOf func(node string) string
	// ApplyTimeout bounds the node's work before the question (its
	// snapshot, plan, gateway check, change and verification). 2m when 0.
	ApplyTimeout time.Duration
	// CheckTimeout bounds the new connection that reads the node's route
	// before confirming. Half of ConfirmTimeout, at most 30s, when 0.
	CheckTimeout time.Duration
}

func (o Options) confirmTimeout() time.Duration {
	if o.ConfirmTimeout > 0 {
		return o.ConfirmTimeout
	}
	return 60 * time.Second
}

func (o Options) applyTimeout() time.Duration {
	if o.ApplyTimeout > 0 {
		return o.ApplyTimeout
	}
	return 2 * time.Minute
}

func (o Options) checkTimeout() time.Duration {
	if o.CheckTimeout > 0 {
		return o.CheckTimeout
	}
	return min(o.confirmTimeout()/2, 30*time.Second)
}

// Step is a point of the run between two actions on a node.
type Step string

// Steps, in the order a node goes through them. Every node the run
// attempts gets StepStart, then StepApplied if the node changed its route
// and waits for the confirmation, then exactly one of StepConfirmed,
// StepRolledBack, StepFailed.
const (
	// StepStart: nothing was done on the node yet.
	StepStart Step = "start"
	// StepApplied: the node applied the new route and verified it; it
	// waits for the confirmation (its timeout runs: an observer must be
	// quick).
	StepApplied Step = "applied"
	// StepConfirmed: the node kept the new route.
	StepConfirmed Step = "confirmed"
	// StepRolledBack: the node restored its old routes.
	StepRolledBack Step = "rolled-back"
	// StepFailed: anything else; Result.Why says what.
	StepFailed Step = "failed"
)

// Event is one step of one node.
type Event struct {
	Node   string
	Step   Step
	Result NodeResult // as far as known at this step
}

// Observer is called between the steps of the run, on the run's
// goroutine: a test reads every node's routes there, the command prints
// progress. Nil is allowed.
type Observer func(Event)

// Summary is the plan, or the result of the run, per node in the order
// the nodes were given.
type Summary struct {
	Gateway string       `json:"gateway"`
	Dev     string       `json:"dev,omitempty"` // as given; "" = each node's first candidate
	Applied bool         `json:"applied"`
	Nodes   []NodeResult `json:"nodes"`
	// Stopped says why the run stopped before the last node ("" when it
	// did not).
	Stopped string `json:"stopped,omitempty"`
}

// OK reports whether every node is (or, for a plan, can be made) right:
// changed or already right, or needs-change in a plan.
func (s *Summary) OK() bool {
	for _, n := range s.Nodes {
		switch n.State {
		case StateChanged, StateAlreadyRight:
		case StateNeedsChange:
			if s.Applied {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// Count is how many nodes are in each state.
func (s *Summary) Count() map[State]int {
	m := map[State]int{}
	for _, n := range s.Nodes {
		m[n.State]++
	}
	return m
}

// OptionError is a mistake in Options (no such canary, a canary that
// needs no change): nothing was done.
type OptionError struct{ Msg string }

func (e *OptionError) Error() string { return e.Msg }

// Run plans every node and, with o.Apply, repairs the nodes that need it,
// one at a time: the canary first, then the others in the order given,
// stopping at the first node that does not end changed (the nodes after
// it are not attempted). Unreachable, unknown, refused and already-right
// nodes are never touched, and do not stop the run. The error is an
// *OptionError, or ctx's when the run was interrupted before it began;
// what happened on each node is in the Summary.
func Run(ctx context.Context, nodes []Node, t Transport, o Options, obs Observer) (*Summary, error) {
	if obs == nil {
		obs = func(Event) {}
	}
	s := &Summary{Gateway: o.Gateway, Dev: o.Dev, Applied: o.Apply}
	for _, n := range nodes {
		s.Nodes = append(s.Nodes, planNode(n, o.Gateway, o.Dev))
	}
	order, err := applyOrder(s.Nodes, o.Canary)
	if err != nil {
		return nil, err
	}
	if len(order) > 0 {
		s.Nodes[order[0]].Canary = true
	}
	if !o.Apply {
		return s, nil
	}
	if t == nil {
		return nil, &OptionError{"applying needs a transport"}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for i, idx := range order {
		r := &s.Nodes[idx]
		if err := ctx.Err(); err != nil {
			s.Stopped = "interrupted before " + r.Node
			markNotAttempted(s, order[i:], s.Stopped)
			break
		}
		obs(Event{Node: r.Node, Step: StepStart, Result: *r})
		applyNode(ctx, t, o, r, obs)
		switch r.State {
		case StateChanged:
			obs(Event{Node: r.Node, Step: StepConfirmed, Result: *r})
			continue
		case StateRolledBack:
			obs(Event{Node: r.Node, Step: StepRolledBack, Result: *r})
		default:
			obs(Event{Node: r.Node, Step: StepFailed, Result: *r})
		}
		what := "canary " + r.Node
		if i > 0 {
			what = r.Node
		}
		s.Stopped = fmt.Sprintf("stopped after %s ended %s", what, r.State)
		markNotAttempted(s, order[i+1:], fmt.Sprintf("the run stopped after %s ended %s", r.Node, r.State))
		break
	}
	return s, nil
}

func markNotAttempted(s *Summary, idx []int, why string) {
	for _, j := range idx {
		s.Nodes[j].State, s.Nodes[j].Why = StateNotAttempted, why
	}
}

// applyOrder is the indexes of the nodes that need a change, the canary
// first.
func applyOrder(nodes []NodeResult, canary string) ([]int, error) {
	var order []int
	first := -1
	for i, n := range nodes {
		if canary != "" && n.Node == canary {
			if n.State != StateNeedsChange {
				return nil, &OptionError{fmt.Sprintf("canary %s: %s, not a node that needs the change", n.Node, n.State)}
			}
			first = i
		}
		if n.State == StateNeedsChange {
			order = append(order, i)
		}
	}
	if canary != "" && first < 0 {
		return nil, &OptionError{fmt.Sprintf("canary %s: no such node", canary)}
	}
	if first >= 0 {
		rest := []int{first}
		for _, i := range order {
			if i != first {
				rest = append(rest, i)
			}
		}
		order = rest
	}
	return order, nil
}

// remoteArgv is the command the node runs: the single-node repair with
// the handshake.
func remoteArgv(bin string, o Options, r *NodeResult, token string) []string {
	argv := []string{bin}
	if o.RemoteFlags != nil {
		argv = append(argv, o.RemoteFlags(r.Node)...)
	}
	argv = append(argv, "fix", "default-route", "--apply",
		"--gateway", r.plan.Gateway, "--dev", r.plan.Dev,
		"--confirm-timeout", o.confirmTimeout().String(), "--confirm-token", token)
	if o.Probe != "" {
		argv = append(argv, "--probe", o.Probe)
	}
	dir := o.RemoteStateDir
	if o.RemoteStateDirOf != nil {
		if d := o.RemoteStateDirOf(r.Node); d != "" {
			dir = d
		}
	}
	if dir != "" {
		argv = append(argv, "--state-dir", dir)
	}
	return argv
}

// remoteOutput is what the node's session printed, as the run sees it.
type remoteOutput struct {
	prompt  chan struct{} // closed at the question
	done    chan struct{} // closed at the end of standard output
	mu      sync.Mutex
	outcome Outcome // from the result line; "" if none (yet)
	tail    []string
	// spoke: ostopo printed something on standard output (its plan comes
	// before any change; ssh's own errors go to standard error).
	spoke bool
}

const transcriptLines = 40

func (ro *remoteOutput) keep(line string) {
	ro.mu.Lock()
	defer ro.mu.Unlock()
	ro.tail = append(ro.tail, line)
	if len(ro.tail) > transcriptLines {
		ro.tail = ro.tail[len(ro.tail)-transcriptLines:]
	}
}

func (ro *remoteOutput) result() (Outcome, string) {
	ro.mu.Lock()
	defer ro.mu.Unlock()
	return ro.outcome, strings.Join(ro.tail, "\n")
}

func (ro *remoteOutput) said() bool {
	ro.mu.Lock()
	defer ro.mu.Unlock()
	return ro.spoke
}

// failedChecks are the plan's failed pre-checks as the node printed them
// ("  ✗ gateway answers (ARP on eth1): ..."), joined.
func (ro *remoteOutput) failedChecks() string {
	ro.mu.Lock()
	defer ro.mu.Unlock()
	var out []string
	for _, l := range ro.tail {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(l), "✗ "); ok {
			out = append(out, rest)
		}
	}
	return strings.Join(out, "; ")
}

// lastError is the last line the node printed that reads as its error
// (ostopo prints "ostopo fix default-route: ..." on standard error), or
// the last line.
func (ro *remoteOutput) lastError() string {
	ro.mu.Lock()
	defer ro.mu.Unlock()
	last := ""
	for i := len(ro.tail) - 1; i >= 0; i-- {
		l := strings.TrimSpace(ro.tail[i])
		if l == "" {
			continue
		}
		if last == "" {
			last = l
		}
		if rest, ok := strings.CutPrefix(l, "ostopo fix default-route: "); ok {
			return rest
		}
	}
	return last
}

// readSession reads the node's standard output and error to their end.
func readSession(sess *Session, token string) *remoteOutput {
	ro := &remoteOutput{prompt: make(chan struct{}), done: make(chan struct{})}
	var once sync.Once
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		readLines(sess.Stderr, func(line string, _ bool) { ro.keep(line) })
	}()
	go func() {
		readLines(sess.Stdout, func(line string, cut bool) {
			ro.mu.Lock()
			ro.spoke = true
			ro.mu.Unlock()
			kind, o := lineOther, Outcome("")
			if !cut {
				kind, o = parseLine(line, token)
			}
			switch kind {
			case linePrompt:
				once.Do(func() { close(ro.prompt) })
			case lineResult:
				ro.mu.Lock()
				if ro.outcome == "" {
					ro.outcome = o
				}
				ro.mu.Unlock()
			default:
				ro.keep(line)
			}
		})
		// Standard error, too, before the run reads the transcript.
		wg.Wait()
		close(ro.done)
	}()
	return ro
}

// applyNode runs the repair on one node and sets r's state.
func applyNode(ctx context.Context, t Transport, o Options, r *NodeResult, obs Observer) {
	set := func(st State, format string, args ...any) {
		r.State, r.Why = st, fmt.Sprintf(format, args...)
	}
	bin, err := t.Put(ctx, r.Node, o.LocalBinary)
	if err != nil {
		if errors.Is(err, ErrUnreachable) {
			set(StateUnreachable, "could not connect to install ostopo, nothing changed: %v", err)
			return
		}
		set(StateFailed, "could not install ostopo, nothing changed: %v", err)
		return
	}
	token, err := NewToken()
	if err != nil {
		set(StateFailed, "nothing changed: %v", err)
		return
	}
	// The session lives in its own context: cancelling ctx (an operator's
	// ^C) must not kill the connection before the node heard that it is
	// not confirmed; closing its input says so.
	sctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	defer cancel()
	sess, err := t.Start(sctx, r.Node, remoteArgv(bin, o, r, token))
	if err != nil {
		if errors.Is(err, ErrUnreachable) {
			set(StateUnreachable, "could not connect, nothing changed: %v", err)
			return
		}
		set(StateFailed, "could not start ostopo, nothing changed: %v", err)
		return
	}
	ro := readSession(sess, token)
	// wait ends the session: the output read to its end (or given up on
	// after grace, then the connection killed), then its exit status.
	wait := func(grace time.Duration) (waitErr error, ended bool) {
		select {
		case <-ro.done:
			ended = true
		case <-time.After(grace):
			cancel()
			<-ro.done
		}
		return sess.Wait(), ended
	}

	applyTimer := time.NewTimer(o.applyTimeout())
	defer applyTimer.Stop()
	var prompted bool
	var interrupted error
	select {
	case <-ro.prompt:
		prompted = true
	case <-ro.done:
	case <-applyTimer.C:
	case <-ctx.Done():
		interrupted = ctx.Err()
	}
	// The question and the end of the output can arrive together (the
	// connection died right after it): the question counts.
	select {
	case <-ro.prompt:
		prompted = true
	default:
	}
	if !prompted {
		// No question: the node refused, failed, or rolled back after a
		// failed verification; or it is too slow, and closing its input
		// says "not confirmed" should it ask later.
		sess.Stdin.Close()
		werr, _ := wait(o.confirmTimeout() + 30*time.Second)
		outcome, tail := ro.result()
		r.Transcript = tail
		switch outcome {
		case OutcomeRolledBack:
			set(StateRolledBack, "%s", orElse(ro.lastError(), "verification failed on the node"))
		case OutcomeUnchanged:
			// A pre-check on the live node (the gateway must answer
			// before anything changes) is a refusal, like the plan's.
			if failed := ro.failedChecks(); failed != "" {
				set(StateRefused, "a pre-check failed on the node, nothing changed: %s", failed)
			} else {
				set(StateFailed, "nothing changed: %s", orElse(ro.lastError(), "refused on the node"))
			}
		case OutcomeFailed:
			set(StateFailed, "the change or its rollback failed; the node may be changed (ostopo fix rollback there): %s", ro.lastError())
		case OutcomeKept:
			// Impossible without a question: the node would have
			// confirmed something it was never asked.
			set(StateFailed, "the node says kept without asking: a protocol error; check it (ostopo fix rollback there)")
		default:
			switch {
			case interrupted != nil:
				set(StateFailed, "interrupted before the node asked for confirmation: it rolls back unless it finished already; check it")
			case errors.Is(werr, ErrUnreachable) && !ro.said():
				// ostopo prints its plan before it changes anything: silent,
				// it changed nothing, or (cut off before it could speak) it
				// finds its input gone when it asks and rolls back.
				set(StateUnreachable, "could not connect, nothing changed: %v", werr)
			default:
				set(StateFailed, "the node never asked for confirmation and gave no result (%s): it rolls back by itself if it changed anything; check it", orElse(errText(werr), "exit 0"))
			}
		}
		if r.State != StateUnreachable {
			r.Now = readNow(ctx, t, o, r)
		}
		return
	}

	promptAt := time.Now()
	r.State = StateNeedsChange // unchanged until the node says otherwise
	obs(Event{Node: r.Node, Step: StepApplied, Result: *r})
	confirmed := false
	var declined string
	if interrupted = ctx.Err(); interrupted != nil {
		declined = "interrupted: not confirmed"
	} else if why := checkNode(ctx, t, o, r); why != "" {
		declined = why
	} else {
		// The answer is one write of one line: the node reads whole lines.
		if _, err := io.WriteString(sess.Stdin, ConfirmLine(token)+"\n"); err != nil {
			declined = "the confirmation could not be sent: " + err.Error()
		} else {
			confirmed = true
		}
	}
	// Closing the input after a confirmation changes nothing; without one
	// it is the end of input the node takes as "not confirmed, roll back
	// now" (unless the connection is cut: then its timeout does it).
	sess.Stdin.Close()
	werr, ended := wait(o.confirmTimeout() + 30*time.Second)
	outcome, tail := ro.result()
	r.Transcript = tail
	switch {
	case outcome == OutcomeKept && confirmed:
		r.State, r.Why = StateChanged, ""
	case outcome == OutcomeKept:
		set(StateFailed, "the node says kept without the confirmation (%s): a protocol error; check it (ostopo fix rollback there)", declined)
	case outcome == OutcomeRolledBack && declined != "":
		set(StateRolledBack, "not confirmed: %s", declined)
	case outcome == OutcomeRolledBack:
		set(StateRolledBack, "%s", orElse(ro.lastError(), "the node rolled back"))
	case outcome == OutcomeFailed:
		set(StateFailed, "the rollback failed on the node; it may be left changed (ostopo fix rollback there): %s", ro.lastError())
	case confirmed:
		set(StateFailed, "confirmed, but the node gave no result (%s): check it", sessionEnd(werr, ended))
		r.Now = readNow(ctx, t, o, r)
	default:
		// Not confirmed and the connection lost: the node rolls back by
		// itself at its timeout (at once if it saw its input end). Look
		// once that time is over.
		now, planned, err := afterTimeout(ctx, t, o, r, promptAt)
		r.Now = now
		lost := fmt.Sprintf("not confirmed (%s) and the connection lost (%s)", declined, sessionEnd(werr, ended))
		switch {
		case err != nil:
			set(StateFailed, "%s; the node should have rolled back by itself at its timeout, but it cannot be reached to tell (%v): check it (ostopo fix rollback there)", lost, err)
		case planned:
			set(StateFailed, "%s; after its timeout the node still has the new route: run ostopo fix rollback there", lost)
		default:
			set(StateRolledBack, "%s; read over a new connection after its timeout, the node has its old route again", lost)
		}
	}
	if r.State != StateChanged && r.Now == "" && !errors.Is(ctx.Err(), context.Canceled) {
		r.Now = readNow(ctx, t, o, r)
	}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func sessionEnd(err error, ended bool) string {
	switch {
	case !ended:
		return "the session hung and was closed"
	case err != nil:
		return "session: " + err.Error()
	}
	return "the session ended"
}

// afterTimeout waits until the node's confirmation timeout, counted from
// its question, is over and reads its route over a new connection.
func afterTimeout(ctx context.Context, t Transport, o Options, r *NodeResult, asked time.Time) (string, bool, error) {
	// A little past the timeout: the node's clock started when it asked.
	grace := min(5*time.Second, o.confirmTimeout()/2)
	if d := time.Until(asked.Add(o.confirmTimeout() + grace)); d > 0 {
		select {
		case <-time.After(d):
		case <-ctx.Done():
			return "", false, ctx.Err()
		}
	}
	return readRoute(ctx, t, o, r)
}
