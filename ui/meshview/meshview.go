// Package meshview is the tunnel mesh of a cloud as a matrix pane: one
// row per node, one column per node (then per address no node has), each
// cell cloud.Mark's mark of what the row node has towards the column
// (a tunnel both ways, one way, missing, none needed, to a foreign
// address, unknown). The columns are numbered as the rows ("3" is the
// third row's node: a key under the matrix says so, and the foreign
// addresses' "x1"…), so that 20 nodes fit 80 columns; the matrix
// scrolls both ways with the cursor, and the detail pane shows the
// selected cell's whole story (its nodes' full names and local IPs, the
// ports, the networks they share and the evidence) through Page.
//
// Everything drawn comes from snapshots and goes through safetext.Term.
package meshview

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/ostopo/ostopo/netinspect/cloud"
	"github.com/ostopo/ostopo/netinspect/safetext"
	"github.com/ostopo/ostopo/ui/pane"
	"github.com/ostopo/ostopo/ui/render"
)

// Kind is the Ref kind of a cell ("mesh", ID "row,col").
const Kind = "mesh"

// Model is the mesh pane (a pane.Pane and pane.Selectable).
type Model struct {
	c    pane.Context
	mesh *cloud.Mesh
	// names are the rows' and columns' names, terminal-safe; labels the
	// columns' short labels ("1", "x1").
	rows, cols []string
	labels     []string
	// row, col are the cursor; top, left the first row and column on
	// screen.
	row, col  int
	top, left int
	w, h      int
	focused   bool
}

var _ pane.Selectable = (*Model)(nil)

// New makes the pane of a cloud's mesh.
func New(c pane.Context, mesh *cloud.Mesh) *Model {
	m := &Model{c: c, mesh: mesh}
	for _, r := range mesh.Rows {
		m.rows = append(m.rows, safetext.Term(r))
	}
	foreign := 0
	for i, col := range mesh.Cols {
		m.cols = append(m.cols, safetext.Term(col.Name))
		if col.Node {
			m.labels = append(m.labels, strconv.Itoa(i+1))
		} else {
			foreign++
			m.labels = append(m.labels, "x"+strconv.Itoa(foreign))
		}
	}
	if len(m.rows) > 1 {
		m.col = 1 // the first cell off the diagonal
	}
	return m
}

// SetContext replaces the shared styles and keys.
func (m *Model) SetContext(c pane.Context) { m.c = c }

// Label is a column's short label ("3", "x1").
func (m *Model) Label(col int) string { return m.labels[col] }

// cellW is a column's width: its widest label or mark, and a space.
func (m *Model) cellW() int {
	w := 3 // "ext"
	for _, l := range m.labels {
		w = max(w, len(l))
	}
	return w + 1
}

// labelW is the width of the rows' labels (" 3 compute3", "12
// compute12"): the widest, at most a third of the pane (the detail pane
// has the full name), and two spaces.
func (m *Model) labelW() int {
	w := 4
	for _, r := range m.rows {
		w = max(w, m.numW()+1+ansi.StringWidth(r))
	}
	return max(4, min(w, m.w/3)) + 2
}

// numW is the width of the rows' numbers.
func (m *Model) numW() int { return len(strconv.Itoa(len(m.rows))) }

// footer is the key under the matrix: each column label with its full
// name, then the marks' legend, cut into lines of the pane's width. When
// the pane is too short for every row and the whole key, the key says
// that a node's column has its row's number (the row labels are the
// key) and names only the addresses no node has.
func (m *Model) footer() []string {
	var parts []string
	for i, l := range m.labels {
		parts = append(parts, l+" "+m.cols[i])
	}
	key := wrap("key: ", parts, "  ", m.w-pane.GutterWidth)
	if 1+len(m.rows)+len(key)+2 > m.h {
		parts = []string{"column n is row n's node"}
		for i, l := range m.labels[len(m.rows):] {
			parts = append(parts, l+" "+m.cols[len(m.rows)+i])
		}
		key = wrap("key: ", parts, "  ", m.w-pane.GutterWidth)
	}
	var legend []string
	for _, st := range []string{cloud.TunnelOK, cloud.TunnelOneWay, cloud.TunnelMissing, cloud.TunnelNone, cloud.TunnelForeign, cloud.TunnelUnknown} {
		legend = append(legend, cloud.Mark(st)+" "+shortMeaning(st))
	}
	return append(key, wrap("marks: ", legend, " · ", m.w-pane.GutterWidth)...)
}

// shortMeaning is a state's legend in a few words (the detail pane's
// legend says it whole).
func shortMeaning(state string) string {
	switch state {
	case cloud.TunnelOK:
		return "both ways"
	case cloud.TunnelOneWay:
		return "one way"
	case cloud.TunnelMissing:
		return "missing"
	case cloud.TunnelNone:
		return "none needed"
	case cloud.TunnelForeign:
		return "to no node"
	case cloud.TunnelUnknown:
		return "unknown"
	}
	return state
}

// wrap joins parts with sep into lines of at most w cells, the first
// starting with lead and the others indented as far.
func wrap(lead string, parts []string, sep string, w int) []string {
	var out []string
	line := lead
	for _, p := range parts {
		if line != lead && ansi.StringWidth(line)+len(sep)+ansi.StringWidth(p) > w {
			out = append(out, line)
			line = strings.Repeat(" ", ansi.StringWidth(lead))
		} else if line != lead && strings.TrimSpace(line) != "" {
			line += sep
		}
		line += p
	}
	return append(out, line)
}

// layout is how many matrix rows show and the key lines under them: the
// rows get at least half the pane (or all of them when fewer).
func (m *Model) layout() (rows int, key []string) {
	avail := max(0, m.h-1) // below the column labels
	key = m.footer()
	keep := min(len(m.rows), max(3, avail/2))
	if n := avail - keep; n < len(key) {
		key = key[:max(0, n)]
	}
	return max(1, avail-len(key)), key
}

// visibleCols is how many columns fit beside the row labels (and the
// ◀ ▶ that say more are off screen).
func (m *Model) visibleCols() int {
	return max(1, (m.w-pane.GutterWidth-m.labelW()-2)/m.cellW())
}

// scroll keeps the cursor's row and column on screen.
func (m *Model) scroll() {
	m.row = max(0, min(m.row, len(m.rows)-1))
	m.col = max(0, min(m.col, len(m.cols)-1))
	rows, _ := m.layout()
	if m.row < m.top {
		m.top = m.row
	}
	if m.row >= m.top+rows {
		m.top = m.row - rows + 1
	}
	m.top = max(0, min(m.top, len(m.rows)-rows))
	cols := m.visibleCols()
	if m.col < m.left {
		m.left = m.col
	}
	if m.col >= m.left+cols {
		m.left = m.col - cols + 1
	}
	m.left = max(0, min(m.left, len(m.cols)-cols))
}

// Update moves the cursor: j/k and the arrows up and down a row, ←/→ (and
// < >) a column, g/G the first and last row, the pages; enter opens the
// cell's page; a click selects a cell.
func (m *Model) Update(msg tea.Msg) tea.Cmd {
	k := m.c.Keys
	rows, _ := m.layout()
	switch msg := msg.(type) {
	case tea.KeyMsg:
		switch {
		case key.Matches(msg, k.Up):
			m.row--
		case key.Matches(msg, k.Down):
			m.row++
		case key.Matches(msg, k.ScrollLeft):
			m.col--
		case key.Matches(msg, k.ScrollRight):
			m.col++
		case key.Matches(msg, k.Top):
			m.row = 0
		case key.Matches(msg, k.Bottom):
			m.row = len(m.rows) - 1
		case key.Matches(msg, k.PageUp):
			m.row -= rows
		case key.Matches(msg, k.PageDown):
			m.row += rows
		case key.Matches(msg, k.HalfUp):
			m.row -= max(1, rows/2)
		case key.Matches(msg, k.HalfDown):
			m.row += max(1, rows/2)
		case key.Matches(msg, k.Enter):
			m.scroll()
			return pane.OpenCmd(m.Selected().Ref)
		}
	case tea.MouseMsg:
		switch {
		case msg.Button == tea.MouseButtonWheelUp:
			m.row -= 3
		case msg.Button == tea.MouseButtonWheelDown:
			m.row += 3
		case msg.Action == tea.MouseActionPress && msg.Button == tea.MouseButtonLeft:
			if r := m.top + msg.Y - 1; msg.Y >= 1 && msg.Y <= rows && r < len(m.rows) {
				m.row = r
			}
			if x := msg.X - pane.GutterWidth - m.labelW(); x >= 0 {
				if c := m.left + x/m.cellW(); c < len(m.cols) {
					m.col = c
				}
			}
		}
	}
	m.scroll()
	return nil
}

// View draws the column labels, the rows on screen and the key.
func (m *Model) View() string {
	if m.w <= 0 || m.h <= 0 {
		return pane.Lines(nil, m.h)
	}
	s := m.c.Styles
	rows, key := m.layout()
	lw, cw, ncols := m.labelW(), m.cellW(), m.visibleCols()
	end := min(m.left+ncols, len(m.cols))
	var b strings.Builder
	b.WriteString(strings.Repeat(" ", pane.GutterWidth+lw))
	for j := m.left; j < end; j++ {
		l := pad(m.labels[j], cw)
		if j == m.col {
			l = s.Header.Underline(true).Render(strings.TrimRight(l, " ")) + strings.Repeat(" ", cw-len(m.labels[j]))
		} else {
			l = s.Header.Render(l)
		}
		b.WriteString(l)
	}
	more := ""
	if m.left > 0 {
		more += "◀"
	}
	if end < len(m.cols) {
		more += "▶"
	}
	lines := []string{pane.FitStyled(b.String()+s.Dim.Render(more), m.w)}
	for i := m.top; i < len(m.rows) && i < m.top+rows; i++ {
		b.Reset()
		g := "  "
		if i == m.row {
			g = "> "
		}
		label := pane.Fit(fmt.Sprintf("%*d %s", m.numW(), i+1, m.rows[i]), lw-2)
		b.WriteString(g + "  ")
		if i == m.row {
			b.WriteString(s.Header.Render(pad(label, lw)))
		} else {
			b.WriteString(pad(label, lw))
		}
		for j := m.left; j < end; j++ {
			cell := m.mesh.Cells[i][j]
			mark := cloud.Mark(cell.State)
			st := styleOf(m.c, cell.State)
			if i == m.row && j == m.col {
				st = st.Inherit(s.Cursor).Reverse(true)
				if !m.focused {
					st = st.Faint(true)
				}
				b.WriteString(st.Render(pad(mark, cw-1)) + " ")
				continue
			}
			b.WriteString(st.Render(pad(mark, cw)))
		}
		lines = append(lines, pane.FitStyled(b.String(), m.w))
	}
	for _, l := range key {
		lines = append(lines, s.Dim.Render(pane.Fit(strings.Repeat(" ", pane.GutterWidth)+l, m.w)))
	}
	return pane.Lines(lines, m.h)
}

// styleOf colours a mark by what it means (every mark also says it in
// text).
func styleOf(c pane.Context, state string) lipgloss.Style {
	s := c.Styles
	switch state {
	case cloud.TunnelOK:
		return s.Good
	case cloud.TunnelOneWay, cloud.TunnelMissing:
		return s.Problem
	case cloud.TunnelForeign:
		return s.Changed
	case cloud.TunnelSelf, cloud.TunnelNone, cloud.TunnelUnknown:
		return s.Dim
	}
	return s.Normal
}

func pad(s string, w int) string {
	if n := ansi.StringWidth(s); n < w {
		return s + strings.Repeat(" ", w-n)
	}
	return s
}

// SetSize gives the pane its cells.
func (m *Model) SetSize(w, h int) {
	m.w, m.h = w, h
	m.scroll()
}

// SetFocus draws the cursor bright with the focus.
func (m *Model) SetFocus(f bool) { m.focused = f }

// Title is "Mesh [4 nodes, row → column]".
func (m *Model) Title() string {
	t := "Mesh [" + strconv.Itoa(len(m.rows)) + " nodes"
	if f := len(m.cols) - len(m.rows); f > 0 {
		t += " + " + strconv.Itoa(f) + " foreign"
	}
	return t + ", row → column]"
}

// Selected is the cell under the cursor: y copies its tunnel ports (or
// "row → column").
func (m *Model) Selected() pane.Selection {
	if len(m.rows) == 0 || len(m.cols) == 0 {
		return pane.Selection{}
	}
	cell := m.mesh.Cells[m.row][m.col]
	cp := strings.Join(cell.Ports, " ")
	if cp == "" {
		cp = m.rows[m.row] + " → " + m.cols[m.col]
	}
	return pane.Selection{Ref: CellRef(m.row, m.col), Copy: safetext.Term(cp)}
}

// Select puts the cursor on a cell (a mesh Ref) or on a node's row (a
// node's name as the ID of a Ref of any other kind).
func (m *Model) Select(ref render.Ref) bool {
	if r, c, ok := parseRef(ref); ok && r < len(m.rows) && c < len(m.cols) {
		m.row, m.col = r, c
		m.scroll()
		return true
	}
	for i, n := range m.mesh.Rows {
		if n == ref.ID && ref.Kind != Kind {
			m.row = i
			m.scroll()
			return true
		}
	}
	return false
}

// Keys are the mesh's bindings, most useful first.
func (m *Model) Keys() []key.Binding {
	k := m.c.Keys
	return []key.Binding{
		relabel(k.Enter, "evidence"),
		key.NewBinding(key.WithKeys(k.ScrollLeft.Keys()...), key.WithHelp(k.ScrollLeft.Help().Key+" "+k.ScrollRight.Help().Key, "column")),
		k.Up, k.Down, relabel(k.Mesh, "node table"),
	}
}

func relabel(b key.Binding, desc string) key.Binding {
	return key.NewBinding(key.WithKeys(b.Keys()...), key.WithHelp(b.Help().Key, desc))
}

// CellRef is the Ref of a cell.
func CellRef(row, col int) render.Ref {
	return render.Ref{Kind: Kind, ID: strconv.Itoa(row) + "," + strconv.Itoa(col)}
}

func parseRef(ref render.Ref) (row, col int, ok bool) {
	if ref.Kind != Kind {
		return 0, 0, false
	}
	a, b, found := strings.Cut(ref.ID, ",")
	r, err1 := strconv.Atoi(a)
	c, err2 := strconv.Atoi(b)
	if !found || err1 != nil || err2 != nil || r < 0 || c < 0 {
		return 0, 0, false
	}
	return r, c, true
}
