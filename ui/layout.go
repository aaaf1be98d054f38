package ui

import (
	"fmt"

	tea "github.com/charmbracelet/bubbletea"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/lipgloss"
	"github.com/ostopo/ostopo/netinspect/doctor"
	"github.com/ostopo/ostopo/netinspect/safetext"
	"github.com/ostopo/ostopo/ui/pane"
)

// Side by side from this width on; below it the detail pane goes under
// the list (a 100-column terminal splits into 55 + 44).
const sideBySide = 100

// chrome is the lines around the body: header, tabs, breadcrumb, key bar.
const chrome = 4

// box is where a pane is drawn: its title line, then w×h cells.
type box struct{ x, y, w, h int }

// boxes places the list and the detail pane in the body. A zoomed pane,
// or a list without a detail, takes the whole body.
func (m *Model) boxes() (list, detail box, showList, showDetail bool) {
	bodyH := max(2, m.height-chrome)
	full := box{0, 0, m.width, bodyH - 1}
	showDetail = m.detail() != nil
	switch {
	case !showDetail:
		return full, box{}, true, false
	case m.zoom && m.focus == focusDetail:
		return box{}, full, false, true
	case m.zoom:
		return full, box{}, true, false
	case m.width >= sideBySide:
		lw := m.width * 55 / 100
		return box{0, 0, lw, bodyH - 1}, box{lw + 1, 0, m.width - lw - 1, bodyH - 1}, true, true
	}
	lh := max(3, bodyH*55/100)
	return box{0, 0, m.width, lh - 1}, box{0, lh, m.width, bodyH - lh - 1}, true, true
}

// layout gives every pane its size (all views' list panes share one).
func (m *Model) layout() {
	list, detail, _, _ := m.boxes()
	if m.current != nil {
		for _, p := range m.current.panes {
			p.SetSize(list.w, max(1, list.h))
		}
		for i, p := range m.current.panes {
			p.SetFocus(i == m.active && m.focus == focusList)
		}
	}
	if cs := m.cloud; cs != nil {
		for _, p := range []pane.Pane{cs.nodes, cs.mesh} {
			p.SetSize(list.w, max(1, list.h))
			p.SetFocus(p == m.list() && m.focus == focusList)
		}
	}
	if d := m.detail(); d != nil {
		w, h := detail.w, detail.h
		if w == 0 { // hidden by the list's zoom: keep a sane size
			w, h = m.width, max(1, m.height-chrome-1)
		}
		d.SetSize(w, max(1, h))
		d.SetFocus(m.focus == focusDetail)
	}
}

// View draws the screen: header, tabs, breadcrumb, the panes, key bar.
func (m *Model) View() string {
	if m.mode == modeHelp {
		return m.helpView()
	}
	s := m.opt.Styles
	lines := []string{m.header(), m.tabs(), m.crumb()}
	bodyH := max(2, m.height-chrome)
	body := make([]string, bodyH)
	switch {
	case m.list() == nil && m.err != nil:
		what := "the node"
		if m.opt.Cloud != nil {
			what = "the cloud"
		}
		body[0] = s.Error.Render(pane.Fit("cannot read "+what+": "+safetext.Term(m.err.Error()), m.width))
	case m.list() == nil && m.cloud != nil:
		body[0] = s.Status.Render(pane.Fit("building the views of "+m.cloud.scopeName(m.cloud.scope)+"…", m.width))
	case m.list() == nil:
		body[0] = s.Status.Render(pane.Fit("reading "+safetext.Term(m.opt.Source.Describe())+"…", m.width))
	default:
		list, detail, showList, showDetail := m.boxes()
		if showList {
			m.draw(body, list, m.list(), m.focus == focusList || !showDetail)
		}
		if showList && showDetail && detail.x > 0 {
			for y := range body {
				body[y] = padTo(body[y], list.w) + s.Dim.Render("│")
			}
		}
		if showDetail {
			m.draw(body, detail, m.detail(), m.focus == focusDetail)
		}
	}
	lines = append(lines, body...)
	lines = append(lines, m.footer())
	return strings.Join(lines, "\n")
}

// draw puts a pane's title line and its view into the body lines.
func (m *Model) draw(body []string, b box, p pane.Pane, focused bool) {
	s := m.opt.Styles
	title := p.Title()
	style := s.Crumb
	if focused {
		title = "▌" + title
		style = s.Header
	} else {
		title = " " + title
	}
	lines := append([]string{style.Render(pane.Fit(title, b.w))}, strings.Split(p.View(), "\n")...)
	for i, l := range lines {
		y := b.y + i
		if y >= len(body) || i > b.h {
			break
		}
		if b.x == 0 {
			body[y] = pane.FitStyled(l, b.w)
		} else {
			body[y] = padTo(body[y], b.x) + pane.FitStyled(l, b.w)
		}
	}
}

// padTo pads styled text with spaces to w cells.
func padTo(s string, w int) string {
	if n := lipgloss.Width(s); n < w {
		return s + strings.Repeat(" ", w-n)
	}
	return s
}

// header: host, source, age, totals, the doctor's counts and what was
// not read.
func (m *Model) header() string {
	s := m.opt.Styles
	line := s.Title.Render("ostopo")
	if m.cloud != nil {
		return m.cloudHeader()
	}
	if m.current == nil {
		return pane.FitStyled(line+" "+s.Status.Render(safetext.Term(m.opt.Source.Describe())), m.width)
	}
	snap := m.current.snap
	source := "live · age " + m.opt.Now().Sub(snap.TakenAt).Round(time.Second).String()
	if !m.opt.Source.Live() {
		source = safetext.Term(m.opt.Source.Describe()) + " · " + snap.TakenAt.Format("2006-01-02 15:04")
	}
	if m.loading {
		source += " ⟳"
	}
	n := &snap.Neutron
	totals := fmt.Sprintf("%d bridges · %d ports · %d networks · %d routers · %d ns",
		len(snap.OVS.Bridges), len(n.Ports), len(n.Networks), len(n.Routers), len(snap.Namespaces))
	var counts []string
	errs, warns := severityCounts(m.current.exam)
	if errs > 0 {
		counts = append(counts, s.Error.Render("E "+strconv.Itoa(errs)))
	}
	if warns > 0 {
		counts = append(counts, s.Changed.Render("W "+strconv.Itoa(warns)))
	}
	if u := m.current.unread; u != "" {
		// What was not read is unknown, not clean: said on every screen.
		counts = append(counts, s.Error.Render("✗ "+u))
	}
	if errs == 0 && warns == 0 && m.current.unread == "" {
		counts = append(counts, s.Good.Render("✓ healthy"))
	}
	// Host, then the doctor's counts, then where the snapshot comes from
	// and the totals, which are cut first on a narrow terminal. A host
	// name from someone else's snapshot can be long: it gets at most half
	// the line.
	host := pane.Fit(safetext.Term(snap.Host), max(16, m.width/2))
	line += " " + s.Header.Render(host) + "  " + strings.Join(counts, " ") + "  " + s.Status.Render(source+" · "+totals)
	return pane.FitStyled(line, m.width)
}

func severityCounts(r doctor.Result) (errs, warns int) {
	for _, f := range r.Findings {
		switch f.Severity {
		case doctor.Error:
			errs++
		case doctor.Warning:
			warns++
		}
	}
	return errs, warns
}

// tabs: the views with their numbers; Problems with its count.
func (m *Model) tabs() string {
	s := m.opt.Styles
	var out []string
	titles := viewTitles()
	if m.cloud != nil {
		t := "0 Nodes"
		if m.active == viewNodes {
			out = append(out, s.ActiveTab.Render(t))
		} else {
			out = append(out, s.Tab.Render(t))
		}
		if m.width < 100 {
			// Nine tabs: the long titles give way so that 8 Diagram
			// still shows at 80 columns.
			titles = [viewCount]string{"Topo", "Nets", "Routers", "NS", "Ports", "Flows", "Problems", "Diagram"}
		}
	}
	for i, v := range titles {
		t := strconv.Itoa(i+1) + " " + v
		if i == viewProblems && m.current != nil {
			n := len(m.current.exam.Findings) + len(m.current.exam.Unchecked)
			if m.cloud != nil && m.cloud.scope == "" {
				n += len(m.cloud.c.Problems) + len(m.cloud.c.Unknown)
			}
			t += " (" + strconv.Itoa(n) + ")"
		}
		if i == m.active {
			out = append(out, s.ActiveTab.Render(t))
		} else {
			out = append(out, s.Tab.Render(t))
		}
	}
	return pane.FitStyled(strings.Join(out, " "), m.width)
}

// crumb: where you are (view › pane titles), the filter with its count,
// the baseline, a refresh error.
func (m *Model) crumb() string {
	s := m.opt.Styles
	parts := []string{viewTitle(m.active)}
	if m.active == viewNodes && m.cloud != nil && m.cloud.showMesh {
		parts = append(parts, "Mesh")
	}
	if m.describe != nil && m.focus == focusDetail && m.detailPane == nil {
		parts = append(parts, m.describe.Crumbs()...)
	} else if m.detailPane != nil {
		parts = append(parts, m.detailPane.Title())
	}
	line := s.Crumb.Render(strings.Join(parts, " › "))
	if f := m.filters[m.active]; f != "" {
		what := "matches"
		if m.matches[m.active] == 1 {
			what = "match"
		}
		line += s.Input.Render(fmt.Sprintf("   /%s  %d %s", safetext.Term(f), m.matches[m.active], what))
	}
	if m.opt.Baseline != nil {
		line += s.Crumb.Render("   • differs from " + safetext.Term(m.opt.BaselineName))
	}
	if m.err != nil && m.current != nil {
		line += "  " + s.Error.Render("refresh failed: "+safetext.Term(m.err.Error()))
	}
	return pane.FitStyled(line, m.width)
}

// footer: the input line while typing, else the status, else the key bar
// of the focused pane, which always ends in "? help".
func (m *Model) footer() string {
	s := m.opt.Styles
	switch m.mode {
	case modeFilter:
		return s.Input.Render("/") + m.input.View()
	case modeCommand:
		line := s.Input.Render(":") + m.input.View()
		if m.status != "" {
			// What tab found (the nodes a name could be).
			line += "   " + s.Status.Render(m.status)
		}
		return pane.FitStyled(line, m.width)
	case modeFix:
		return s.Input.Render(m.fixPrompt()) + m.input.View()
	}
	if m.status != "" {
		return pane.FitStyled(s.Status.Render(m.status), m.width)
	}
	return m.keyBar()
}

// keyBar lists as many of the focused pane's keys, then the root's, as
// fit before "? help".
func (m *Model) keyBar() string {
	k := m.opt.Keys
	var bs []key.Binding
	if p := m.focused(); p != nil {
		bs = append(bs, p.Keys()...)
	}
	bs = append(bs, k.FocusNext, k.Filter, k.Trace, k.Zoom, k.Command)
	if m.cloud != nil {
		bs = append(bs, k.Nodes)
	}
	bs = append(bs, k.Views, k.Quit)
	tail := k.Help.Help().Key + " " + k.Help.Help().Desc
	sep := " · "
	var parts []string
	used := len(tail)
	seen := map[string]bool{}
	for _, b := range bs {
		h := b.Help()
		if h.Key == "" || seen[h.Key] || !b.Enabled() {
			continue
		}
		seen[h.Key] = true
		part := h.Key + " " + h.Desc
		if used+len(sep)+lipgloss.Width(part) > m.width {
			continue
		}
		used += len(sep) + lipgloss.Width(part)
		parts = append(parts, part)
	}
	return m.opt.Styles.Help.Render(strings.Join(append(parts, tail), sep))
}

// legend explains every glyph the panes draw.
func legend() [][2]string {
	return [][2]string{
		{"─", "a device and its bridge or neighbour (tap ─ qbr)"},
		{"═", "a veth pair or a patch port pair (qvb ═ qvo)"},
		{"✗", "broken or missing (✗tap… a device that is not there)"},
		{"↓", "a device that is down (set down or without carrier)"},
		{"?", "unknown: its facts were not read"},
		{"▶ ▼", "a folded / an open group (space folds)"},
		{"•", "changed since the last refresh or the --baseline"},
		{"E W", "the doctor found an error / a warning on this object"},
		{"▲ ▼", "a table's sort column and order (in its heading)"},
		{"▌", "the pane that has the keys"},
	}
}

// helpView shows the help from its scroll offset.
func (m *Model) helpView() string {
	lines := m.helpLines()
	top, body := lines[:2], lines[2:]
	h := max(1, m.height-len(top))
	off := max(0, min(m.helpOffset, len(body)-h))
	body = body[off:]
	if len(body) > h {
		body = append(body[:h-1], m.opt.Styles.Status.Render(fmt.Sprintf("  ↓ %d more lines (j, PgDn)", len(body)-h+1)))
	}
	lines = append(top, body...)
	for i := range lines {
		lines[i] = pane.FitStyled(lines[i], m.width)
	}
	return strings.Join(lines, "\n")
}

// helpLines list every binding (from the key map, so it is never out of
// date), the glyph legend and the commands: a title line, a blank one,
// then the body.
func (m *Model) helpLines() []string {
	s := m.opt.Styles
	var entries []string
	for _, group := range m.opt.Keys.FullHelp() {
		for _, k := range group {
			entries = append(entries, fmt.Sprintf("%-14s %s", k.Help().Key, k.Help().Desc))
		}
	}
	entries = append(entries, fmt.Sprintf("%-14s %s", "S-letter", "sort a table by the column showing that letter"))
	const colWidth = 38
	cols := max(1, min(3, (m.width-2)/colWidth))
	perCol := (len(entries) + cols - 1) / cols
	lines := []string{s.Title.Render("ostopo — keys") + "  (j/k scroll, any other key closes)", ""}
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
	lines = append(lines, "", s.Header.Render("  glyphs"))
	for _, g := range legend() {
		lines = append(lines, fmt.Sprintf("  %-4s %s", g[0], g[1]))
	}
	if m.cloud != nil {
		lines = append(lines, "", s.Header.Render("  cloud ("+strconv.Itoa(len(m.cloud.c.Nodes))+" nodes)"))
		for _, k := range m.opt.Keys.CloudHelp() {
			lines = append(lines, fmt.Sprintf("  %-14s %s", k.Help().Key, k.Help().Desc))
		}
		lines = append(lines,
			"  0 Nodes: enter on a node scopes every view to it, on \"all\" to every node (each",
			"    node's rows under its heading: space folds); :node NAME (tab completes), :node all",
			"  m the tunnel mesh (row node → column; the columns are numbered as the rows), enter",
			"    or the detail pane: the cell's evidence; :trace IP traces across the nodes")
	}
	lines = append(lines, "", s.Header.Render("  commands (:)"))
	line := " "
	for _, c := range m.commandNames() {
		if len(line)+len(c)+1 > m.width-1 {
			lines = append(lines, line)
			line = " "
		}
		line += " " + c
	}
	lines = append(lines, line, "  :VIEW FILTER opens a view filtered; :ns PREFIX the namespaces; :trace IP [reverse]",
		"  filter: text, =exact, /regex/, !not, "+strings.Join(filterKeys(), ":… ")+":…")
	return lines
}

// helpKey scrolls the help; any other key closes it.
func (m *Model) helpKey(msg tea.KeyMsg) tea.Cmd {
	k := m.opt.Keys
	switch {
	case key.Matches(msg, k.Quit) && msg.String() == "ctrl+c":
		return tea.Quit
	case key.Matches(msg, k.Down):
		m.helpOffset++
	case key.Matches(msg, k.Up):
		m.helpOffset = max(0, m.helpOffset-1)
	case key.Matches(msg, k.PageDown), key.Matches(msg, k.HalfDown):
		m.helpOffset += max(1, m.height-4)
	case key.Matches(msg, k.PageUp), key.Matches(msg, k.HalfUp):
		m.helpOffset = max(0, m.helpOffset-max(1, m.height-4))
	default:
		m.mode, m.helpOffset = modeNormal, 0
		return nil
	}
	// Taller than the terminal it scrolls, never past its last line.
	m.helpOffset = min(m.helpOffset, max(0, len(m.helpLines())-2-max(1, m.height-2)))
	return nil
}
