// Package ui is ostopo's terminal UI: a bubbletea program over the snapshot
// model. The root (this package) owns the layout like k9s and lazygit —
// header, tabs, breadcrumb, a list pane and a detail pane beside it that
// follows the cursor, a key bar — and the focus; the panes are components
// (ui/tree, ui/table, ui/describe, ui/diagram, ui/traceview) behind the
// ui/pane contract: sizes go to every pane, keys only to the focused one.
// It does no I/O in Update: snapshots arrive through a Source in a command
// with every view already built, trace verification and the repair run in
// commands.
package ui

import (
	"context"
	"io"
	"time"

	"github.com/aymanbagabas/go-osc52/v2"
	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/ostopo/ostopo/netinspect/safetext"
	"github.com/ostopo/ostopo/netinspect/topo"
	"github.com/ostopo/ostopo/netinspect/trace"
	"github.com/ostopo/ostopo/ui/describe"
	"github.com/ostopo/ostopo/ui/filter"
	"github.com/ostopo/ostopo/ui/pane"
	"github.com/ostopo/ostopo/ui/render"
	"github.com/ostopo/ostopo/ui/table"
	"github.com/ostopo/ostopo/ui/theme"
	"github.com/ostopo/ostopo/ui/traceview"
	"github.com/ostopo/ostopo/ui/tree"
)

// Options configure the TUI.
type Options struct {
	Source Source
	// Cloud, instead of Source, gives many nodes' snapshots read as one
	// cloud (--replay-dir): the Nodes view, the views scoped to a node or
	// to all, the tunnel mesh and the trace across nodes (see cloud.go).
	// A cloud of one node is Source's TUI.
	Cloud  CloudSource
	Keys   theme.KeyMap
	Styles theme.Styles
	// Watch refreshes on this interval (live sources only); 0 is off.
	Watch time.Duration
	// View and Filter open a view with a filter at start ("nodes" and
	// "mesh" on a cloud).
	View   string
	Filter string
	// Clipboard receives OSC 52 sequences for `y` (the terminal).
	Clipboard io.Writer
	// Now is the clock for the snapshot's age; nil is time.Now.
	Now func() time.Time
	// Fixer applies the default-route repair (live node only; nil: the
	// action explains why it is not available).
	Fixer Fixer
	// Verifier asks the live node's bridges about a trace; nil on a
	// replay (the recorded verdicts are shown).
	Verifier Verifier
	// ReadOnly turns off every action that changes the node.
	ReadOnly bool
	// Baseline, when set, is what the • marks compare with (instead of the
	// previous refresh): `ostopo --baseline FILE` shows what differs from
	// a snapshot taken before a change.
	Baseline     *topo.Snapshot
	BaselineName string
}

type mode int

const (
	modeNormal mode = iota
	modeFilter
	modeCommand
	modeHelp
	modeFix // the default-route repair asks something
)

// focus is which pane keys go to.
type focus int

const (
	focusList focus = iota
	focusDetail
)

// Model is the root of the TUI.
type Model struct {
	opt    Options
	ctx    context.Context
	width  int
	height int

	seq     int // of the newest refresh asked for
	loading bool
	current *loaded
	err     error
	status  string

	active int // the view in the list pane
	// filters are each view's filter as typed (a view keeps its own; on
	// a cloud, across scopes).
	filters [viewSlots]string
	matches [viewSlots]int

	// cloud is the TUI of a cloud of several nodes (nil for one node);
	// startMesh opens its Nodes view on the mesh (--view mesh).
	cloud     *cloudState
	startMesh bool
	// viewGiven: Options.View named a view (else a cloud opens on its
	// Nodes view, one node on Topology).
	viewGiven bool

	// The detail pane: the describe pages that follow the list's cursor,
	// or a trace, or the repair's page (detailPane), whichever was opened
	// last.
	describe   *describe.Model
	detailPane pane.Pane
	followRef  render.Ref // the list selection the describe page shows

	focus focus
	zoom  bool

	mode       mode
	input      textinput.Model
	helpOffset int // the help's first line, when it is taller than the screen

	fix *fixSession // the default-route repair, once started

	baselineKeys map[string]bool // row keys of Options.Baseline, built once
}

// New builds the model; Init starts the first load.
func New(ctx context.Context, opt Options) *Model {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Cloud != nil && opt.Source == nil {
		opt.Source = cloudAdapter{opt.Cloud}
	}
	in := textinput.New()
	in.Prompt = ""
	in.Cursor.SetMode(cursor.CursorStatic) // no blink timer redrawing the screen
	m := &Model{opt: opt, ctx: ctx, input: in, width: 80, height: 24}
	if opt.Baseline != nil {
		m.baselineKeys = build(opt.Baseline, nil, m.paneContext(nil)).keys
	}
	if i := viewIndex(opt.View); i >= 0 {
		m.active = i
	}
	if ok, mesh := cloudView(opt.View); ok {
		m.active, m.startMesh = viewNodes, mesh
	}
	m.viewGiven = opt.View != ""
	m.filters[m.active] = opt.Filter
	return m
}

// paneContext is what the panes share (badges and marks come with a
// snapshot).
func (m *Model) paneContext(l *loaded) pane.Context {
	c := pane.Context{Styles: m.opt.Styles, Keys: m.opt.Keys}
	if l != nil {
		c.Badges = l.badges
	}
	return c
}

// Init starts loading the first snapshot.
func (m *Model) Init() tea.Cmd {
	return m.refresh()
}

func (m *Model) refresh() tea.Cmd {
	if m.loading {
		return nil // never overlap refreshes; the one running will do
	}
	m.seq++
	m.loading = true
	if m.opt.Cloud != nil {
		return loadCloud(m.ctx, m.opt.Cloud, m.seq, m.paneContext(nil))
	}
	var against map[string]bool
	switch {
	case m.baselineKeys != nil:
		against = m.baselineKeys
	case m.current != nil:
		against = m.current.keys
	}
	return load(m.ctx, m.opt.Source, m.seq, against, m.paneContext(nil))
}

// list is the active view's pane (nil before the first snapshot, and on
// a cloud while the scope's views are being built).
func (m *Model) list() pane.Pane {
	if m.active == viewNodes {
		switch {
		case m.cloud == nil:
			return nil
		case m.cloud.showMesh:
			return m.cloud.mesh
		}
		return m.cloud.nodes
	}
	if m.current == nil {
		return nil
	}
	return m.current.panes[m.active]
}

// detail is what the detail pane shows.
func (m *Model) detail() pane.Pane {
	if m.detailPane != nil {
		return m.detailPane
	}
	if m.describe != nil {
		return m.describe
	}
	return nil
}

// focused is the pane keys go to.
func (m *Model) focused() pane.Pane {
	if m.focus == focusDetail && m.detail() != nil {
		return m.detail()
	}
	return m.list()
}

// Update handles one message. It does no I/O.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.layout()
		return m, nil
	case loaded:
		return m, m.applyLoaded(msg)
	case cloudLoaded:
		return m, m.applyCloud(msg)
	case scopeBuilt:
		return m, m.scopeBuilt(msg)
	case cloudTraced:
		return m, m.cloudTraced(msg)
	case tick:
		if m.opt.Source.Live() {
			return m, tea.Batch(m.refresh(), tickAfter(m.opt.Watch))
		}
		return m, nil
	case pane.OpenMsg:
		return m, m.open(msg.Ref)
	case pane.CopyMsg:
		return m, copyCmd(m.opt.Clipboard, msg.Text, msg.What)
	case pane.TraceMsg:
		return m, m.openTrace(msg.Target, msg.Reverse)
	case pane.StatusMsg:
		m.status = safetext.Term(string(msg))
		return m, nil
	case copiedMsg:
		m.status = "copied " + msg.what + ": " + safetext.Term(msg.text)
		return m, nil
	case verified:
		if tv, ok := m.detailPane.(*traceview.Model); ok && tv == msg.view {
			if msg.err != nil {
				tv.SetVerifyError(msg.err)
			} else {
				tv.SetVerified(msg.records)
			}
		}
		return m, nil
	case fixPlanned:
		return m, m.fixPlanned(msg)
	case fixEvent:
		return m, m.fixEvent(msg)
	case fixTick:
		if m.fix != nil && m.fix.stage == fixKeep {
			return m, fixTickCmd() // redraws the countdown
		}
		return m, nil
	case tea.MouseMsg:
		return m, m.mouse(msg)
	case tea.KeyMsg:
		if msg.Type == tea.KeyRunes && len(msg.Runes) > 1 && !msg.Paste {
			// Keys typed fast (or sent by a script) can arrive as one
			// message; each is its own command ("/qr-" is / then q, r, -).
			var cmds []tea.Cmd
			for _, r := range msg.Runes {
				_, c := m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}, Alt: msg.Alt})
				cmds = append(cmds, c)
			}
			return m, tea.Batch(cmds...)
		}
		switch m.mode {
		case modeFilter, modeCommand:
			return m, m.inputKey(msg)
		case modeFix:
			return m, m.fixKey(msg)
		case modeHelp:
			return m, m.helpKey(msg)
		}
		return m, m.normalKey(msg)
	}
	return m, nil
}

// applyLoaded installs a finished load unless a newer one was asked for:
// each view keeps its filter and its selection, the detail pane its page.
func (m *Model) applyLoaded(l loaded) tea.Cmd {
	if l.seq != m.seq {
		return nil // stale: an older refresh finished late
	}
	m.loading = false
	var next tea.Cmd
	if m.opt.Watch > 0 && m.current == nil && m.opt.Source.Live() {
		next = tickAfter(m.opt.Watch)
	}
	if l.err != nil {
		m.err = l.err
		return next
	}
	if m.active == viewNodes {
		// --view nodes on one node: it has no Nodes view.
		m.active = viewTopology
		m.status = "one node: no Nodes view (a cloud's: ostopo --replay-dir DIR)"
	}
	c := l.ctx
	if prev := m.current; prev != nil {
		m.keepState(prev, &l)
	} else {
		for i, p := range l.panes {
			if f, ok := p.(pane.Filterable); ok && m.filters[i] != "" {
				if q, err := filter.Parse(m.filters[i]); err == nil {
					m.matches[i] = f.SetFilter(q)
				}
			}
		}
	}
	m.err = nil
	m.current = &l
	if m.describe == nil {
		m.describe = describe.New(c)
	} else {
		// The pages the operator opened stay, rebuilt from the new facts.
		m.describe.SetContext(c)
		m.describe.Rebuild(l.pages)
	}
	switch d := m.detailPane.(type) {
	case *textPane:
		d.setContext(c)
	case *traceview.Model:
		d.SetContext(c)
	}
	m.followRef = render.Ref{}
	m.layout()
	m.follow()
	return next
}

// keepState carries what the operator did to each view over to the new
// snapshot's panes (built in the load command, off the Update path): a
// table its sort, wide mode and cursor, a tree its folding, and each its
// filter and selected object.
func (m *Model) keepState(prev, l *loaded) {
	for i, p := range l.panes {
		selected := prev.panes[i].Selected().Ref
		switch old := prev.panes[i].(type) {
		case *table.Model:
			p.(*table.Model).KeepState(old)
		case *tree.Model:
			p.(*tree.Model).KeepState(old)
		}
		if f, ok := p.(pane.Filterable); ok && m.filters[i] != "" {
			if q, err := filter.Parse(m.filters[i]); err == nil {
				m.matches[i] = f.SetFilter(q)
			}
		}
		if s, ok := p.(pane.Selectable); ok && selected.Kind != "" {
			s.Select(selected)
		}
	}
}

// follow shows the list selection's page in the detail pane (when the
// detail pane shows pages that follow, not a trace or a followed link).
func (m *Model) follow() {
	l := m.list()
	if l == nil || m.describe == nil || m.describe.Depth() > 1 {
		return
	}
	ref := l.Selected().Ref
	if ref == m.followRef {
		return
	}
	m.followRef = ref
	m.describe.SetPage(m.pageOf(ref))
}

// pageOf is the describe page of a row's object: the Nodes view's from
// the cloud, the others' from the scope's snapshots.
func (m *Model) pageOf(ref render.Ref) describe.Page {
	if m.cloud != nil && (m.active == viewNodes || m.current == nil) {
		return m.cloud.pages.Page(ref)
	}
	return m.current.pager.Page(ref)
}

// open pushes an object's page on the detail pane and gives it the focus
// (Enter on a list row, a link, a diagram box).
func (m *Model) open(ref render.Ref) tea.Cmd {
	if m.list() == nil || ref.Kind == "" {
		return nil
	}
	if m.active == viewNodes && m.focus == focusList && !m.cloud.showMesh {
		// Enter on a node (or on all of them) scopes the views to it.
		return m.scopeTo(ref)
	}
	m.detailPane = nil
	if m.focus == focusList && ref == m.followRef {
		// Enter on the row the page already follows: go read it.
		m.focus = focusDetail
		m.layout()
		return nil
	}
	m.describe.Open(m.pageOf(ref))
	m.focus = focusDetail
	m.layout()
	return nil
}

// openTrace shows the trace of a floating IP, fixed IP or port in the
// detail pane. The trace is a pure function of the snapshot; on the live
// node it is then verified with ofproto/trace in a command.
func (m *Model) openTrace(target string, reverse bool) tea.Cmd {
	if m.current == nil && m.cloud == nil {
		return nil
	}
	if target == "" {
		m.status = "nothing to trace here: select a port or a floating IP, or :trace IP"
		return nil
	}
	if m.cloud != nil {
		return m.cloudTrace(target, reverse)
	}
	r, err := trace.Trace(m.current.snap, target, trace.Options{Reverse: reverse})
	if err != nil {
		m.status = "trace: " + safetext.Term(err.Error())
		return nil
	}
	if !m.opt.Source.Live() {
		trace.Attach(r, m.current.snap.OFTraces)
	}
	tv := traceview.New(m.paneContext(m.current), r, m.current.snap.Host)
	m.detailPane = tv
	m.focus = focusDetail
	m.layout()
	if m.opt.Verifier == nil || !m.opt.Source.Live() {
		return nil
	}
	tv.SetVerifying()
	verifier, ctx := m.opt.Verifier, m.ctx
	return func() tea.Msg {
		recs, err := verifier.Verify(ctx, r)
		return verified{view: tv, records: recs, err: err}
	}
}

// verified carries ofproto/trace's verdicts back to the trace they are of.
type verified struct {
	view    *traceview.Model
	records []topo.OFTraceRecord
	err     error
}

// back is esc: the filter first, then the detail pane's stack, then the
// focus.
func (m *Model) back() {
	switch {
	case m.focus == focusList && m.filters[m.active] != "":
		m.setFilter("")
	case m.focus == focusList && m.active == viewNodes && m.cloud != nil && m.cloud.showMesh:
		m.toggleMesh()
	case m.focus == focusDetail && m.detailPane != nil:
		m.detailPane = nil
		m.layout()
	case m.focus == focusDetail && m.describe != nil && m.describe.Depth() > 1:
		m.describe.Back()
		if m.describe.Depth() <= 1 {
			m.followRef = render.Ref{}
			m.follow()
		}
	case m.focus == focusDetail:
		m.focus = focusList
		m.zoom = false
		m.layout()
	}
}

// setFilter filters the active view; an empty filter restores its rows
// and the row the cursor was on.
func (m *Model) setFilter(text string) {
	f, ok := m.list().(pane.Filterable)
	if !ok {
		return
	}
	q, err := filter.Parse(text)
	if err != nil {
		m.status = safetext.Term(err.Error())
		return
	}
	m.filters[m.active] = text
	m.matches[m.active] = f.SetFilter(q)
	if m.current != nil && m.active < viewCount {
		m.current.applied[m.active], m.current.matches[m.active] = text, m.matches[m.active]
	}
	m.status = ""
	m.follow()
}

func (m *Model) normalKey(msg tea.KeyMsg) tea.Cmd {
	k := m.opt.Keys
	m.status = ""
	if m.list() == nil {
		switch {
		case key.Matches(msg, k.Quit):
			return tea.Quit
		case key.Matches(msg, k.Help):
			m.mode = modeHelp
		case m.cloud == nil:
			// Before the first snapshot: nothing else to act on.
		case key.Matches(msg, k.Nodes):
			return m.switchView(viewNodes)
		case key.Matches(msg, k.Views):
			// Another view while the scope's views are being built.
			if n := int(msg.String()[0] - '0'); n >= 1 && n <= viewCount {
				return m.switchView(n - 1)
			}
		case key.Matches(msg, k.Command):
			m.mode = modeCommand
			m.input.SetValue("")
			return m.input.Focus()
		}
		return nil
	}
	f := m.focused()
	switch {
	case key.Matches(msg, k.Quit):
		if m.fix != nil && (m.fix.stage == fixApplying || m.fix.stage == fixKeep) {
			// Never leave a changed route behind unconfirmed: roll back first.
			m.fix.quit = true
			m.cancelFix()
			m.status = "restoring the old routes before quitting…"
			return nil
		}
		return tea.Quit
	case key.Matches(msg, k.Help):
		m.mode = modeHelp
	case key.Matches(msg, k.Views):
		if n := int(msg.String()[0] - '0'); n >= 1 && n <= viewCount {
			return m.switchView(n - 1)
		}
	case key.Matches(msg, k.Nodes):
		if m.cloud == nil {
			m.status = "one node: no Nodes view (a cloud's: ostopo --replay-dir DIR)"
			return nil
		}
		return m.switchView(viewNodes)
	case m.cloud != nil && key.Matches(msg, k.Mesh):
		if m.active != viewNodes {
			cmd := m.switchView(viewNodes)
			if !m.cloud.showMesh {
				m.toggleMesh()
			}
			return cmd
		}
		m.toggleMesh()
	case key.Matches(msg, k.FocusNext), key.Matches(msg, k.FocusPrev):
		m.toggleFocus()
	case key.Matches(msg, k.FocusLeft):
		m.setFocus(focusList)
	case key.Matches(msg, k.FocusRight):
		m.setFocus(focusDetail)
	case key.Matches(msg, k.Zoom):
		m.zoom = !m.zoom
		m.layout()
	case key.Matches(msg, k.Back):
		m.back()
	case key.Matches(msg, k.Filter):
		if _, ok := m.list().(pane.Filterable); !ok {
			m.status = "this view has no filter"
			return nil
		}
		m.focus = focusList
		m.mode = modeFilter
		m.input.SetValue(m.filters[m.active])
		m.input.CursorEnd()
		return m.input.Focus()
	case key.Matches(msg, k.NextMatch), key.Matches(msg, k.PrevMatch):
		if fl, ok := m.list().(pane.Filterable); ok && m.filters[m.active] != "" {
			dir := 1
			if key.Matches(msg, k.PrevMatch) {
				dir = -1
			}
			fl.NextMatch(dir)
			m.follow()
		}
	case key.Matches(msg, k.Command):
		m.mode = modeCommand
		m.input.SetValue("")
		return m.input.Focus()
	case key.Matches(msg, k.Trace) && !isTrace(f):
		return m.openTrace(f.Selected().Trace, false)
	case key.Matches(msg, k.Copy) && !isTrace(f):
		if s := f.Selected(); s.Copy != "" {
			return copyCmd(m.opt.Clipboard, s.Copy, "id")
		}
	case key.Matches(msg, k.Diagram):
		ref := m.list().Selected().Ref
		if m.cloud != nil && (m.active == viewNodes || m.cloud.scope == "") {
			// The diagram draws one node: the one the row is of.
			node, own, ok := nodeOfRow(ref)
			if !ok {
				m.status = "the diagram draws one node: select a row of a node, or :node NAME"
				return nil
			}
			return m.setScope(node, func(m *Model) {
				m.switchView(viewDiagram)
				if s, ok := m.list().(pane.Selectable); ok && own.Kind != "" {
					s.Select(own)
				}
			})
		}
		m.switchView(viewDiagram)
		if s, ok := m.list().(pane.Selectable); ok && ref.Kind != "" {
			s.Select(ref)
		}
	case key.Matches(msg, k.Fix):
		return m.startFix("")
	case key.Matches(msg, k.Refresh):
		if !m.opt.Source.Live() {
			m.status = "replaying a snapshot: nothing to refresh"
			return nil
		}
		return m.refresh()
	default:
		cmd := f.Update(msg)
		if f == m.list() {
			m.follow()
		}
		return cmd
	}
	return nil
}

// mouse sends a mouse event to the pane under the pointer, in the pane's
// own coordinates (its first line is 0); a click there also gives it the
// focus.
func (m *Model) mouse(msg tea.MouseMsg) tea.Cmd {
	if m.list() == nil {
		return nil
	}
	const top = chrome - 1 // header, tabs, breadcrumb
	list, detail, showList, showDetail := m.boxes()
	for _, c := range []struct {
		p    pane.Pane
		b    box
		show bool
		f    focus
	}{{m.list(), list, showList, focusList}, {m.detail(), detail, showDetail, focusDetail}} {
		y := msg.Y - top - c.b.y - 1 // below the pane's title line
		if !c.show || c.p == nil || msg.X < c.b.x || msg.X >= c.b.x+c.b.w || y < 0 || y >= c.b.h {
			continue
		}
		if msg.Action == tea.MouseActionPress && msg.Button == tea.MouseButtonLeft && m.focus != c.f {
			m.focus = c.f
			m.layout()
		}
		msg.X, msg.Y = msg.X-c.b.x, y
		cmd := c.p.Update(msg)
		if c.f == focusList {
			m.follow()
		}
		return cmd
	}
	return nil
}

// isTrace says whether a pane is a trace (which has its own y, Y and t).
func isTrace(p pane.Pane) bool {
	_, ok := p.(*traceview.Model)
	return ok
}

// switchView shows view i. On a cloud, a view of a scope whose views are
// not built yet starts building them (the command returned).
func (m *Model) switchView(i int) tea.Cmd {
	m.active = i
	m.focus = focusList
	m.detailPane = nil
	if m.describe != nil {
		m.describe.Reset()
	}
	m.followRef = render.Ref{}
	m.layout()
	m.follow()
	if cs := m.cloud; cs != nil && i != viewNodes {
		cs.lastView = i
		if m.current == nil && cs.building == "" {
			return m.setScope(cs.scope, cs.then)
		}
	}
	return nil
}

// toggleMesh switches the Nodes view between the node table and the
// tunnel mesh; the detail pane follows the one shown.
func (m *Model) toggleMesh() {
	m.cloud.showMesh = !m.cloud.showMesh
	m.focus = focusList
	m.detailPane = nil
	if m.describe != nil {
		m.describe.Reset()
	}
	m.followRef = render.Ref{}
	m.layout()
	m.follow()
}

func (m *Model) toggleFocus() {
	if m.focus == focusList {
		m.setFocus(focusDetail)
	} else {
		m.setFocus(focusList)
	}
}

func (m *Model) setFocus(f focus) {
	if f == focusDetail && m.detail() == nil {
		return
	}
	m.focus = f
	m.layout()
}

// inputKey edits the filter (applied as you type) or the command line.
func (m *Model) inputKey(msg tea.KeyMsg) tea.Cmd {
	if m.mode == modeCommand && msg.String() != "tab" {
		m.status = "" // what the last tab listed
	}
	switch msg.String() {
	case "esc":
		if m.mode == modeFilter {
			m.setFilter("")
		}
		m.mode = modeNormal
		m.input.Blur()
		return nil
	case "enter":
		mode := m.mode
		m.mode = modeNormal
		m.input.Blur()
		if mode == modeCommand {
			return m.runCommand(m.input.Value())
		}
		return nil
	case "tab":
		if m.mode == modeCommand {
			m.input.SetValue(m.complete(m.input.Value()))
			m.input.CursorEnd()
			return nil
		}
	case "ctrl+c":
		return tea.Quit
	}
	var cmd tea.Cmd
	m.input, cmd = m.input.Update(msg)
	if m.mode == modeFilter {
		m.setFilter(m.input.Value())
	}
	return cmd
}

type copiedMsg struct{ text, what string }

// copyCmd writes an OSC 52 clipboard sequence, which terminals honour over
// SSH too (the text is base64 inside it: nothing in it reaches the
// terminal as such).
func copyCmd(w io.Writer, text, what string) tea.Cmd {
	return func() tea.Msg {
		if w != nil {
			_, _ = osc52.New(text).WriteTo(w)
		}
		return copiedMsg{text, what}
	}
}
