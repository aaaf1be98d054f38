package table

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/x/ansi"
	"github.com/ostopo/ostopo/ui/filter"
	"github.com/ostopo/ostopo/ui/pane"
	"github.com/ostopo/ostopo/ui/render"
)

// Model is a table pane. Make one with New; the root gives it a size, the
// focus, keys and filters, and on a refresh new Data with SetData.
type Model struct {
	c       pane.Context
	p       *prepared
	w, h    int
	focused bool

	sortCol int // -1: the order the view gave
	desc    bool

	query   filter.Query
	match   []bool // each row's match of the query; nil without a filter
	visible []int  // the rows shown, in order
	pos     []int  // each row's index in visible, -1 when hidden
	cursor  int    // index into visible
	offset  int    // first visible row on screen
	// back is where the cursor was before the filter began: an empty
	// filter puts it back there (esc restores the row you were on).
	back *mark

	wide    bool
	hscroll int
	lay     layout
	head    struct {
		key  headKey
		text string
	}
	buf strings.Builder
}

// mark is a cursor position that survives sorting, filtering and new
// data: the object, the row (when the object is gone), the screen line.
type mark struct {
	ref    render.Ref
	row    int
	screen int
}

type headKey struct {
	w, hscroll, sortCol int
	desc, wide          bool
}

var (
	_ pane.Filterable = (*Model)(nil)
	_ pane.Selectable = (*Model)(nil)
)

// New makes a table of d, sorted by d.SortBy.
func New(c pane.Context, d Data) *Model {
	m := &Model{c: c, p: prepare(d)}
	m.sortCol, m.desc = m.p.column(d.SortBy), d.Descending
	m.rebuild()
	return m
}

// SetData replaces the rows (a refresh) and keeps what the user chose:
// see KeepState.
func (m *Model) SetData(c pane.Context, d Data) {
	next := New(c, d)
	next.KeepState(m)
	*m = *next
}

// KeepState carries what the user did in prev, the same view's table of
// an earlier snapshot, over to m (built off the Update path from the new
// rows): the sort column (by title), the filter (matched again), the wide
// mode and horizontal scroll, the size and focus, the object under the
// cursor and its line on screen, and the row esc goes back to. Call it in
// Update; prev must not change meanwhile.
func (m *Model) KeepState(prev *Model) {
	at := prev.mark()
	if prev.sortCol >= 0 {
		title := prev.p.Columns[prev.sortCol].Title
		for i, col := range m.p.Columns {
			if col.Title == title {
				m.sortCol, m.desc = i, prev.desc
			}
		}
	}
	m.wide, m.hscroll, m.focused, m.back = prev.wide, prev.hscroll, prev.focused, prev.back
	m.w, m.h = prev.w, prev.h
	m.query = prev.query
	if prev.match != nil {
		m.matchQuery()
	}
	m.rebuild()
	m.relayout()
	m.restore(at)
}

// SetSize gives the table its cells: one line for the heading, the rest
// for rows.
func (m *Model) SetSize(w, h int) {
	m.w, m.h = max(w, 0), max(h, 0)
	m.relayout()
	m.place(m.cursor, m.cursor-m.offset)
}

// SetFocus says whether keys come here (the cursor is dimmer without).
func (m *Model) SetFocus(focused bool) { m.focused = focused }

// Title is the view's name with the rows shown and the rows in all
// ("Ports [12/1050]": with a filter, its matches).
func (m *Model) Title() string {
	return fmt.Sprintf("%s [%d/%d]", m.p.Name, len(m.visible), len(m.p.Rows))
}

// Selected is the row under the cursor.
func (m *Model) Selected() pane.Selection {
	if len(m.visible) == 0 {
		return pane.Selection{}
	}
	r := &m.p.Rows[m.visible[m.cursor]]
	return pane.Selection{Ref: r.Ref, Copy: r.Copy, Trace: r.Trace}
}

// body is the number of lines for rows.
func (m *Model) body() int { return max(m.h-1, 0) }

// relayout fits the columns to the width (once per width, data or mode).
func (m *Model) relayout() {
	m.lay = fit(m.p, m.w-pane.GutterWidth, m.wide)
	m.hscroll = min(m.hscroll, m.maxScroll())
	m.head.key = headKey{}
	m.head.text = ""
}

// View draws the heading and the rows on screen, exactly h lines.
func (m *Model) View() string {
	if m.h <= 0 {
		return ""
	}
	lines := make([]string, 0, m.h)
	lines = append(lines, m.headingLine())
	if len(m.visible) == 0 {
		text, class := "no row matches the filter", render.Dim
		if len(m.p.Rows) == 0 {
			text, class = m.p.Empty, m.p.EmptyClass
		}
		lines = append(lines, pane.Line(m.c, pane.Row{Text: text, Class: class, NoBadge: true}, false, m.focused, m.w, 0))
	}
	end := min(m.offset+m.body(), len(m.visible))
	for vi := m.offset; vi < end; vi++ {
		i := m.visible[vi]
		r := &m.p.Rows[i]
		text := m.p.line(&m.buf, i, &m.lay)
		lines = append(lines, pane.Line(m.c, pane.Row{Text: text, Class: r.Class, Ref: r.Ref, Key: r.Key, NoBadge: r.NoBadge},
			vi == m.cursor, m.focused, m.w, m.hscroll))
	}
	if m.w < pane.GutterWidth {
		// Too narrow even for the gutter: cut every line.
		for i, l := range lines {
			lines[i] = ansi.Truncate(l, m.w, "")
		}
	}
	return pane.Lines(lines, m.h)
}

// headingLine is the column headings, cut like the rows in the wide mode;
// it is redrawn only when what it shows changes.
func (m *Model) headingLine() string {
	k := headKey{w: m.w, hscroll: m.hscroll, sortCol: m.sortCol, desc: m.desc, wide: m.wide}
	if m.head.text != "" && m.head.key == k {
		return m.head.text
	}
	text := m.p.heading(&m.lay, m.c.Styles.Header, m.sortCol, m.desc)
	if m.hscroll > 0 {
		text = ansi.Cut(text, m.hscroll, m.hscroll+m.w)
	}
	m.head.key = k
	m.head.text = strings.Repeat(" ", pane.GutterWidth) + pane.FitStyled(text, m.w-pane.GutterWidth)
	return m.head.text
}
