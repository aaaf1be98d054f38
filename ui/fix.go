package ui

import (
	"context"
	"fmt"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/ostopo/ostopo/netinspect/routefix"
	"github.com/ostopo/ostopo/netinspect/safetext"
	"github.com/ostopo/ostopo/netinspect/topo"
	"github.com/ostopo/ostopo/ui/render"
)

// Fixer is the default-route repair as the TUI drives it. cmd wires the
// live node's; on a replay, the demo or with --readonly there is none and
// the action says why. Both methods do I/O and run in commands, never in
// Update.
type Fixer interface {
	// Plan works out and pre-checks the repair (it may ask the network
	// whether the gateway answers); text is what the operator reads.
	Plan(ctx context.Context, snap *topo.Snapshot, dev, gateway string) (plan *routefix.Plan, text string, err error)
	// Apply journals, changes the route, verifies, then asks confirm; no
	// confirmation or a failed check restores the old routes.
	Apply(ctx context.Context, plan *routefix.Plan, confirm func(context.Context) (bool, error), say func(string)) error
	// ConfirmTimeout is how long the new route waits to be kept.
	ConfirmTimeout() time.Duration
}

// fixStage is where a repair started from the TUI stands.
type fixStage int

const (
	fixGateway  fixStage = iota // typing the gateway
	fixPlanning                 // pre-checks running
	fixConfirm                  // plan shown; typing "yes" applies
	fixApplying                 // route changed, verifying
	fixKeep                     // verified; typing "yes" keeps, the countdown restores
	fixDone                     // kept, rolled back or refused: the pane shows which
)

// fixSession is one repair from the action key to its result.
type fixSession struct {
	stage    fixStage
	plan     *routefix.Plan
	page     *textPane
	events   chan fixEvent // from the goroutine running Apply
	answer   chan bool     // to it: keep the new route?
	deadline time.Time     // of the keep countdown
	quit     bool          // the operator quit while the fix ran: roll back, then quit
	started  chan struct{} // closed when the command started Apply
	finished chan struct{} // closed when Apply has returned
}

type fixPlanned struct {
	plan *routefix.Plan
	text string
	err  error
}

type fixEvent struct {
	line    string
	waiting bool // verified; the countdown starts
	done    bool
	err     error
}

type fixTick struct{}

// startFix opens the repair: it asks for the gateway first.
func (m *Model) startFix(arg string) tea.Cmd {
	switch {
	case m.current == nil && m.cloud == nil:
		return nil
	case m.opt.ReadOnly:
		m.status = "--readonly: actions that change the node are off"
		return nil
	case m.opt.Fixer == nil:
		m.status = "the default-route repair changes the live node; this is " + safetext.Term(m.opt.Source.Describe())
		return nil
	case m.current == nil || m.current.snap == nil:
		m.status = "the repair changes one node: choose it first (:node NAME)"
		return nil
	case m.fix != nil && m.fix.stage != fixDone:
		m.status = "a repair is already running"
		return nil
	}
	m.fix = &fixSession{stage: fixGateway}
	if arg != "" {
		return m.planFix(arg)
	}
	m.mode = modeFix
	m.input.SetValue("")
	return m.input.Focus()
}

// planFix runs the pre-checks for "GATEWAY [DEV]" off the Update path.
func (m *Model) planFix(line string) tea.Cmd {
	f := strings.Fields(line)
	if len(f) == 0 {
		m.fix = nil
		m.status = "no gateway: nothing changed"
		return nil
	}
	gw, dev := f[0], ""
	if len(f) > 1 {
		dev = f[1]
	}
	m.fix.stage = fixPlanning
	m.status = "checking the plan…"
	fixer, ctx, snap := m.opt.Fixer, m.ctx, m.current.snap
	return func() tea.Msg {
		p, text, err := fixer.Plan(ctx, snap, dev, gw)
		return fixPlanned{p, text, err}
	}
}

func (m *Model) fixPlanned(msg fixPlanned) tea.Cmd {
	if m.fix == nil {
		return nil
	}
	if msg.err != nil {
		m.fix = nil
		m.status = "fix: " + msg.err.Error()
		return nil
	}
	m.fix.plan = msg.plan
	m.fix.page = newTextPane(m.paneContext(m.current), "fix default-route")
	for _, r := range textRows(msg.text) {
		m.fix.page.add(r.Text, r.Class)
	}
	m.fix.page.cursor = 0
	m.fix.page.scroll()
	m.detailPane = m.fix.page
	m.focus = focusDetail
	m.layout()
	m.status = ""
	if !msg.plan.OK() {
		m.fix.stage = fixDone
		m.fixSay("refused: a pre-check failed; nothing changed")
		return nil
	}
	m.fix.stage = fixConfirm
	m.mode = modeFix
	m.input.SetValue("")
	return m.input.Focus()
}

// fixAnswer takes what was typed at the fix prompt.
func (m *Model) fixAnswer(text string) tea.Cmd {
	yes := strings.TrimSpace(text) == "yes"
	switch m.fix.stage {
	case fixGateway:
		return m.planFix(text)
	case fixConfirm:
		if !yes {
			m.fix.stage = fixDone
			m.fixSay("not applied: nothing changed")
			return nil
		}
		return m.applyFix()
	case fixKeep:
		m.fix.answer <- yes // buffered: Apply is waiting for it
		m.fix.stage = fixApplying
	}
	return nil
}

// applyFix returns the command that starts Apply (Update itself starts
// nothing); its progress comes back as messages.
func (m *Model) applyFix() tea.Cmd {
	s := m.fix
	s.stage = fixApplying
	s.events = make(chan fixEvent, 16)
	s.answer = make(chan bool, 1)
	s.started, s.finished = make(chan struct{}), make(chan struct{})
	fixer, ctx, plan := m.opt.Fixer, m.ctx, s.plan
	timeout := fixer.ConfirmTimeout()
	apply := func() {
		confirm := func(ctx context.Context) (bool, error) {
			if ctx.Err() == nil {
				s.events <- fixEvent{waiting: true}
			}
			select {
			case ok := <-s.answer:
				return ok, nil
			case <-time.After(timeout):
				return false, nil
			case <-ctx.Done():
				return false, ctx.Err()
			}
		}
		say := func(line string) {
			select {
			case s.events <- fixEvent{line: line}:
			default: // the TUI is gone (killed by a signal); the log has it
			}
		}
		err := fixer.Apply(ctx, plan, confirm, say)
		close(s.finished)
		s.events <- fixEvent{done: true, err: err}
	}
	return func() tea.Msg {
		close(s.started)
		go apply()
		return <-s.events
	}
}

func nextFixEvent(ch chan fixEvent) tea.Cmd {
	return func() tea.Msg { return <-ch }
}

func (m *Model) fixEvent(e fixEvent) tea.Cmd {
	s := m.fix
	if s == nil {
		return nil
	}
	switch {
	case e.done:
		s.stage = fixDone
		m.mode = modeNormal
		m.input.Blur()
		if e.err != nil {
			m.fixSay("result: " + e.err.Error())
		} else {
			m.fixSay("result: kept " + s.plan.Command + " (until reboot; `ostopo fix rollback` undoes it)")
		}
		if s.quit {
			return tea.Quit
		}
		if m.opt.Source.Live() {
			return m.refresh() // show the node as the repair left it
		}
		return nil
	case e.waiting && s.quit:
		s.answer <- false // quitting while it verified: restore, then quit
	case e.waiting:
		s.stage = fixKeep
		s.deadline = m.opt.Now().Add(m.opt.Fixer.ConfirmTimeout())
		m.fixSay("type yes and Enter to keep the new route; anything else, or nothing, restores the old one")
		m.mode = modeFix
		m.input.SetValue("")
		return tea.Batch(nextFixEvent(s.events), m.input.Focus(), fixTickCmd())
	default:
		m.fixSay(e.line)
	}
	return nextFixEvent(s.events)
}

func fixTickCmd() tea.Cmd {
	return tea.Tick(time.Second, func(time.Time) tea.Msg { return fixTick{} })
}

// fixSay appends a progress line to the repair's page (escaped there:
// progress lines quote devices, addresses and errors).
func (m *Model) fixSay(line string) {
	p := m.fix.page
	if p == nil {
		m.status = safetext.Term(line)
		return
	}
	class := render.Normal
	if strings.Contains(line, "fail") || strings.Contains(line, "restor") || strings.HasPrefix(line, "refused") || strings.Contains(line, "rolled back") {
		class = render.Problem
	}
	p.add(line, class)
}

// cancelFix answers the running repair with "no" (Esc, or quitting).
func (m *Model) cancelFix() {
	switch m.fix.stage {
	case fixKeep:
		m.fix.answer <- false
		m.fix.stage = fixApplying
	case fixGateway, fixConfirm:
		m.fix.stage = fixDone
		m.fixSay("not applied: nothing changed")
	}
}

// fixPrompt is the footer while the repair asks something.
func (m *Model) fixPrompt() string {
	switch m.fix.stage {
	case fixGateway:
		return "fix default-route: gateway IP [dev] (Esc cancels): "
	case fixConfirm:
		// The command names the snapshot's devices.
		return "type yes and Enter to apply " + safetext.Term(m.fix.plan.Command) + " (Esc cancels): "
	case fixKeep:
		left := max(0, m.fix.deadline.Sub(m.opt.Now()).Round(time.Second))
		return fmt.Sprintf("keep the new route? type yes and Enter; restoring the old one in %s: ", left)
	}
	return ""
}

// textRows turns plain text into rows: ✗ lines are problems, ✓ lines good.
func textRows(text string) []render.Row {
	var rows []render.Row
	for _, line := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
		class := render.Normal
		switch t := strings.TrimSpace(line); {
		case strings.HasPrefix(t, "✗"), strings.HasPrefix(t, "finding: ") && !strings.HasPrefix(t, "finding: none"):
			class = render.Problem
		case strings.HasPrefix(t, "✓"):
			class = render.Good
		case strings.HasSuffix(t, ":") && !strings.HasPrefix(line, " "):
			class = render.Header
		}
		rows = append(rows, render.Row{Text: line, Class: class})
	}
	return rows
}

// fixKey edits the fix prompt; Enter answers, Esc cancels.
func (m *Model) fixKey(msg tea.KeyMsg) tea.Cmd {
	switch msg.String() {
	case "esc":
		m.mode = modeNormal
		m.input.Blur()
		m.cancelFix()
		return nil
	case "enter":
		m.mode = modeNormal
		m.input.Blur()
		return m.fixAnswer(m.input.Value())
	case "ctrl+c":
		m.mode = modeNormal
		m.input.Blur()
		if m.fix.stage == fixKeep {
			m.fix.quit = true
			m.cancelFix()
			return nil
		}
		return tea.Quit
	}
	var cmd tea.Cmd
	m.input, cmd = m.input.Update(msg)
	return cmd
}

// WaitForRepair blocks until a repair still running when the program ended
// (a signal cancelled its context: it is restoring the old routes) has
// returned, so that ostopo never exits with an unconfirmed route in place.
func (m *Model) WaitForRepair(timeout time.Duration) bool {
	if m.fix == nil || m.fix.started == nil {
		return true
	}
	select {
	case <-m.fix.started:
	default:
		return true // the program ended before Apply began: nothing changed
	}
	select {
	case <-m.fix.finished:
		return true
	case <-time.After(timeout):
		return false
	}
}
