// Package ui is ostopo's terminal UI: a bubbletea program over the snapshot
// model. It does no I/O in Update: snapshots arrive through a Source in a
// command, with every view's rows already built, and keys only move through
// and filter those rows.
package ui

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/aymanbagabas/go-osc52/v2"
	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/ostopo/ostopo/netinspect/doctor"
	"github.com/ostopo/ostopo/netinspect/safetext"
	"github.com/ostopo/ostopo/netinspect/topo"
	"github.com/ostopo/ostopo/netinspect/trace"
	"github.com/ostopo/ostopo/ui/render"
	"github.com/ostopo/ostopo/ui/theme"
)

// Options configure the TUI.
type Options struct {
	Source Source
	Keys   theme.KeyMap
	Styles theme.Styles
	// Watch refreshes on this interval (live sources only); 0 is off.
	Watch time.Duration
	// View and Filter open a view with a filter at start.
	View   string
	Filter string
	// Clipboard receives OSC 52 sequences for `y` (the terminal).
	Clipboard io.Writer
	// Now is the clock for the snapshot's age; nil is time.Now.
	Now func() time.Time
	// Fixer applies the default-route repair (live node only; nil: the
	// action explains why it is not available).
	Fixer Fixer
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

	views  [viewCount]*pane
	active int
	detail []*pane // drill-down stack over the active view

	mode  mode
	input textinput.Model

	fix *fixSession // the default-route repair, once started

	baseline *loaded // rows of Options.Baseline, built once
}

// New builds the model; Init starts the first load.
func New(ctx context.Context, opt Options) *Model {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	in := textinput.New()
	in.Prompt = ""
	in.Cursor.SetMode(cursor.CursorStatic) // no blink timer redrawing the screen
	m := &Model{opt: opt, ctx: ctx, input: in, width: 80, height: 24}
	if opt.Baseline != nil {
		b := build(opt.Baseline)
		m.baseline = &b
	}
	for i, v := range views() {
		m.views[i] = newPane(v.name, nil, nil)
		if strings.EqualFold(v.name, opt.View) {
			m.active = i
		}
	}
	return m
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
	against := m.current
	if m.baseline != nil {
		against = m.baseline
	}
	return load(m.ctx, m.opt.Source, m.seq, against)
}

// pane is what the body shows: the top of the detail stack or the view.
func (m *Model) pane() *pane {
	if n := len(m.detail); n > 0 {
		return m.detail[n-1]
	}
	return m.views[m.active]
}

// bodyHeight is the rows left for the list: header, breadcrumb, footer.
func (m *Model) bodyHeight() int { return max(1, m.height-3) }

// Update handles one message. It does no I/O.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		return m, nil
	case loaded:
		return m, m.applyLoaded(msg)
	case tick:
		if m.opt.Source.Live() {
			return m, tea.Batch(m.refresh(), tickAfter(m.opt.Watch))
		}
		return m, nil
	case copiedMsg:
		m.status = "copied " + string(msg)
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
			if key.Matches(msg, m.opt.Keys.Quit) && msg.String() == "ctrl+c" {
				return m, tea.Quit
			}
			m.mode = modeNormal
			return m, nil
		}
		return m, m.normalKey(msg)
	}
	return m, nil
}

// applyLoaded installs a finished load unless a newer one was asked for.
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
	first := m.current == nil
	m.err = nil
	m.current = &l
	for i := range m.views {
		old := m.views[i]
		sel, hadSel := old.selected()
		p := newPane(views()[i].name, l.rows[i], l.changed[i])
		p.badges = views()[i].build != nil // not on the Problems view itself
		filter := old.filter
		if first && i == m.active {
			filter = m.opt.Filter
		}
		p.applyFilter(filter)
		if hadSel && filter == "" {
			p.selectRef(sel.Ref)
		}
		m.views[i] = p
	}
	// Detail pages are rebuilt from the new snapshot (a repair's page is
	// its own record and stays).
	for i, d := range m.detail {
		if d.ref.Kind == "fix" {
			continue
		}
		rows := render.Detail(l.snap, d.ref)
		if d.ref.Kind == "trace" {
			r, err := trace.Trace(l.snap, d.ref.ID, trace.Options{Reverse: strings.HasSuffix(d.title, "(outbound)")})
			if err != nil {
				rows = []render.Row{{Text: "trace: " + err.Error(), Class: render.Problem}}
			} else {
				rows = render.Trace(r, l.snap.Host)
			}
		}
		m.detail[i] = newPane(d.title, rows, nil)
		m.detail[i].ref = d.ref
	}
	return next
}

func (m *Model) normalKey(msg tea.KeyMsg) tea.Cmd {
	k := m.opt.Keys
	p := m.pane()
	h := m.bodyHeight()
	m.status = ""
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
	case key.Matches(msg, k.Fix):
		return m.startFix("")
	case key.Matches(msg, k.Help):
		m.mode = modeHelp
	case key.Matches(msg, k.Up):
		p.move(-1)
	case key.Matches(msg, k.Down):
		p.move(1)
	case key.Matches(msg, k.Left):
		p.hscroll = max(0, p.hscroll-8)
	case key.Matches(msg, k.Right):
		p.hscroll += 8
	case key.Matches(msg, k.Top):
		p.cursor = 0
	case key.Matches(msg, k.Bottom):
		p.cursor = len(p.visible) - 1
	case key.Matches(msg, k.PageUp):
		p.move(-h)
	case key.Matches(msg, k.PageDown):
		p.move(h)
	case key.Matches(msg, k.HalfUp):
		p.move(-h / 2)
	case key.Matches(msg, k.HalfDown):
		p.move(h / 2)
	case key.Matches(msg, k.NextView):
		m.switchView((m.active + 1) % len(m.views))
	case key.Matches(msg, k.PrevView):
		m.switchView((m.active + len(m.views) - 1) % len(m.views))
	case key.Matches(msg, k.Views):
		if n, err := strconv.Atoi(msg.String()); err == nil && n >= 1 && n <= len(m.views) {
			m.switchView(n - 1)
		}
	case key.Matches(msg, k.Enter):
		m.drill()
	case key.Matches(msg, k.Back):
		switch {
		case len(m.detail) > 0:
			m.detail = m.detail[:len(m.detail)-1]
		case p.filter != "":
			p.applyFilter("")
		}
	case key.Matches(msg, k.Filter):
		m.mode = modeFilter
		m.input.SetValue(p.filter)
		m.input.CursorEnd()
		return m.input.Focus()
	case key.Matches(msg, k.NextMatch):
		p.jumpMatch(1, false)
	case key.Matches(msg, k.PrevMatch):
		p.jumpMatch(-1, false)
	case key.Matches(msg, k.Command):
		m.mode = modeCommand
		m.input.SetValue("")
		return m.input.Focus()
	case key.Matches(msg, k.Trace):
		if r, ok := p.selected(); ok {
			m.openTrace(traceTarget(r), false)
		}
	case key.Matches(msg, k.Copy):
		if r, ok := p.selected(); ok && r.Copy != "" {
			return copyCmd(m.opt.Clipboard, r.Copy)
		}
	case key.Matches(msg, k.Refresh):
		if !m.opt.Source.Live() {
			m.status = "replaying a snapshot: nothing to refresh"
			return nil
		}
		return m.refresh()
	}
	return nil
}

func (m *Model) switchView(i int) {
	m.active = i
	m.detail = nil
}

// drill opens the detail page of the selected row's object.
func (m *Model) drill() {
	r, ok := m.pane().selected()
	if !ok || r.Ref.Kind == "" || m.current == nil {
		return
	}
	d := newPane(render.Title(r.Ref), render.Detail(m.current.snap, r.Ref), nil)
	d.ref = r.Ref
	m.detail = append(m.detail, d)
}

// openTrace pushes the trace of a floating IP, fixed IP or port id. A
// trace is a pure function of the snapshot (no I/O), cheap enough here.
func (m *Model) openTrace(target string, reverse bool) {
	if m.current == nil {
		return
	}
	if target == "" {
		m.status = "nothing to trace here: select a port or a floating IP, or :trace IP"
		return
	}
	r, err := trace.Trace(m.current.snap, target, trace.Options{Reverse: reverse})
	if err != nil {
		m.status = "trace: " + err.Error()
		return
	}
	title := "trace " + target
	if reverse {
		title += " (outbound)"
	}
	d := newPane(title, render.Trace(r, m.current.snap.Host), nil)
	d.ref = render.Ref{Kind: "trace", ID: target}
	m.detail = append(m.detail, d)
}

// traceTarget is what `t` traces for a row: a port, or a floating IP.
func traceTarget(r render.Row) string {
	switch {
	case r.Ref.Kind == "port":
		return r.Ref.ID
	case strings.HasPrefix(strings.TrimSpace(r.Text), "fip "):
		return r.Copy
	}
	return ""
}

// inputKey edits the filter (applied as you type) or the command line.
func (m *Model) inputKey(msg tea.KeyMsg) tea.Cmd {
	switch msg.String() {
	case "esc":
		if m.mode == modeFilter {
			m.pane().applyFilter("")
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
			m.input.SetValue(complete(m.input.Value()))
			m.input.CursorEnd()
			return nil
		}
	case "ctrl+c":
		return tea.Quit
	}
	var cmd tea.Cmd
	m.input, cmd = m.input.Update(msg)
	if m.mode == modeFilter {
		m.pane().applyFilter(m.input.Value())
	}
	return cmd
}

func (m *Model) mouse(msg tea.MouseMsg) tea.Cmd {
	p := m.pane()
	switch {
	case msg.Button == tea.MouseButtonWheelUp:
		p.move(-3)
	case msg.Button == tea.MouseButtonWheelDown:
		p.move(3)
	case msg.Action == tea.MouseActionPress && msg.Button == tea.MouseButtonLeft:
		row := p.offset + msg.Y - 2 // body starts on the third line
		if msg.Y >= 2 && row < len(p.visible) {
			p.cursor = row
		}
	}
	return nil
}

type copiedMsg string

// copyCmd writes an OSC 52 clipboard sequence, which terminals honour over
// SSH too.
func copyCmd(w io.Writer, text string) tea.Cmd {
	return func() tea.Msg {
		if w != nil {
			_, _ = osc52.New(text).WriteTo(w)
		}
		return copiedMsg(text)
	}
}

// View draws the screen: header, breadcrumb, body, footer.
func (m *Model) View() string {
	s := m.opt.Styles
	if m.mode == modeHelp {
		return m.helpView()
	}
	var b strings.Builder
	b.WriteString(m.header())
	b.WriteByte('\n')
	b.WriteString(m.crumb())
	b.WriteByte('\n')
	p := m.pane()
	h := m.bodyHeight()
	p.scrollTo(h)
	switch {
	case m.current == nil && m.err != nil:
		// Errors quote names and file paths (a --replay file's name).
		b.WriteString(s.Error.Render(fit(safetext.Term("cannot read the node: "+m.err.Error()), m.width)))
		h--
	case m.current == nil:
		b.WriteString(s.Status.Render(safetext.Term("reading " + m.opt.Source.Describe() + "…")))
		h--
	}
	for i := 0; i < h; i++ {
		if m.current != nil {
			if vi := p.offset + i; vi < len(p.visible) {
				b.WriteString(m.row(p, vi))
			}
		}
		b.WriteByte('\n')
	}
	b.WriteString(m.footer())
	return b.String()
}

// row draws one body line: a cursor and change gutter, then the text cut to
// the width (the full text is in the detail page).
func (m *Model) row(p *pane, vi int) string {
	s := m.opt.Styles
	idx := p.visible[vi]
	r := p.rows[idx]
	// Gutter: cursor, change since the last snapshot, doctor badge (E/W
	// on the objects the Problems view lists), then a space.
	g := []rune("    ")
	if vi == p.cursor {
		g[0] = '>'
	}
	if p.changed != nil && p.changed[idx] {
		g[1] = '•'
	}
	if m.current != nil && p.badges && !strings.HasPrefix(strings.TrimSpace(r.Text), "✗") {
		switch m.current.badges[r.Ref] {
		case doctor.Error:
			g[2] = 'E'
		case doctor.Warning:
			g[2] = 'W'
		}
	}
	gutter := string(g)
	text := r.Text
	if p.hscroll > 0 {
		text = ansi.Cut(text, p.hscroll, p.hscroll+m.width)
	}
	text = fit(text, m.width-4)
	style := s.Normal
	switch r.Class {
	case render.Header:
		style = s.Header
	case render.Dim:
		style = s.Dim
	case render.Good:
		style = s.Good
	case render.Problem:
		style = s.Problem
	}
	if p.changed != nil && p.changed[idx] {
		style = style.Inherit(s.Changed)
	}
	if vi == p.cursor {
		style = style.Inherit(s.Cursor).Reverse(true)
	}
	return gutter + style.Render(text)
}

func (m *Model) header() string {
	s := m.opt.Styles
	var tabs []string
	for i, v := range views() {
		t := strconv.Itoa(i+1) + " " + v.name
		if i == m.active {
			tabs = append(tabs, s.ActiveTab.Render(t))
		} else {
			tabs = append(tabs, s.Tab.Render(t))
		}
	}
	host := ""
	age := ""
	if m.current != nil {
		host = safetext.Term(m.current.snap.Host)
		age = "age " + m.opt.Now().Sub(m.current.snap.TakenAt).Round(time.Second).String()
		if !m.opt.Source.Live() {
			age = "replay " + m.current.snap.TakenAt.Format("2006-01-02 15:04")
		}
	}
	if m.loading {
		age += " ⟳"
	}
	rest := "  " + strings.Join(tabs, " ") + "  " + s.Status.Render(age)
	if m.current != nil && m.current.unread != "" {
		// What was not read is unknown, not clean: said on every screen,
		// before the tabs so that it is never cut (the Problems view lists
		// the checks it stopped).
		rest = "  " + s.Error.Render("✗ "+m.current.unread) + rest
	}
	// A long host name (someone else's snapshot, escapes shown as text) is
	// cut so that the tabs stay in view.
	host = fit(host, max(16, m.width-len("ostopo ")-lipgloss.Width(rest)))
	line := s.Title.Render("ostopo") + " " + host + rest
	return fitStyled(line, m.width)
}

func (m *Model) crumb() string {
	s := m.opt.Styles
	parts := []string{views()[m.active].name}
	for _, d := range m.detail {
		parts = append(parts, d.title)
	}
	line := strings.Join(parts, " › ") // pane titles are terminal text (newPane)
	if m.baseline != nil {
		line += "   • differs from " + safetext.Term(m.opt.BaselineName)
	}
	p := m.pane()
	if p.filter != "" {
		line += fmt.Sprintf("   /%s  %d matches", safetext.Term(p.filter), p.matches)
	}
	if m.err != nil && m.current != nil {
		return fitStyled(s.Crumb.Render(line)+"  "+s.Error.Render(safetext.Term("refresh failed: "+m.err.Error())), m.width)
	}
	return fitStyled(s.Crumb.Render(line), m.width)
}

func (m *Model) footer() string {
	s := m.opt.Styles
	switch m.mode {
	case modeFilter:
		return s.Input.Render("/") + m.input.View()
	case modeCommand:
		return s.Input.Render(":") + m.input.View()
	case modeFix:
		return s.Input.Render(m.fixPrompt()) + m.input.View()
	}
	if m.status != "" {
		// Status lines quote what was copied, traced or typed, and errors.
		return fitStyled(s.Status.Render(safetext.Term(m.status)), m.width)
	}
	var parts []string
	for _, b := range m.opt.Keys.ShortHelp() {
		parts = append(parts, b.Help().Key+" "+b.Help().Desc)
	}
	return fitStyled(s.Help.Render(strings.Join(parts, " · ")), m.width)
}

// helpView lists every binding (from the key map, so it is never out of
// date) in as many columns as fit, then the commands.
func (m *Model) helpView() string {
	s := m.opt.Styles
	var entries []string
	for _, group := range m.opt.Keys.FullHelp() {
		for _, k := range group {
			// Keys come from the key map file: terminal text too.
			entries = append(entries, safetext.Term(fmt.Sprintf("%-14s %s", k.Help().Key, k.Help().Desc)))
		}
	}
	const colWidth = 38
	cols := max(1, min(3, (m.width-2)/colWidth))
	perCol := (len(entries) + cols - 1) / cols
	lines := []string{s.Title.Render("ostopo — keys") + "  (any key closes)", ""}
	for r := 0; r < perCol; r++ {
		var b strings.Builder
		b.WriteString("  ")
		for c := 0; c < cols; c++ {
			if i := c*perCol + r; i < len(entries) {
				b.WriteString(fmt.Sprintf("%-*s", colWidth, entries[i]))
			}
		}
		lines = append(lines, strings.TrimRight(b.String(), " "))
	}
	lines = append(lines, "", "  commands (:)")
	line := " "
	for _, c := range commandNames() {
		if len(line)+len(c)+1 > m.width-1 {
			lines = append(lines, line)
			line = " "
		}
		line += " " + c
	}
	lines = append(lines, line, "", "  :view FILTER opens a view filtered; :ns PREFIX the namespaces")
	if len(lines) > m.height {
		lines = lines[:m.height]
	}
	for i := range lines {
		lines[i] = fitStyled(lines[i], m.width)
	}
	return strings.Join(lines, "\n")
}

// fit cuts plain text to width with an ellipsis.
func fit(s string, w int) string {
	if w <= 0 {
		return ""
	}
	return ansi.Truncate(s, w, "…")
}

// fitStyled cuts styled text to width, keeping its escape sequences valid.
func fitStyled(s string, w int) string {
	if lipgloss.Width(s) <= w {
		return s
	}
	return ansi.Truncate(s, w, "…")
}
