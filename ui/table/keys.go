package table

import (
	"strings"
	"unicode"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/ostopo/ostopo/ui/pane"
	"github.com/ostopo/ostopo/ui/render"
)

// wheelStep is how many rows a turn of the mouse wheel scrolls;
// hscrollStep how many cells the wide view scrolls within the last column.
const (
	wheelStep   = 3
	hscrollStep = 8
)

// Update handles the keys of a table (they arrive only with the focus)
// and the mouse. Enter returns pane.OpenCmd of the row's object.
func (m *Model) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case tea.KeyMsg:
		return m.key(msg)
	case tea.MouseMsg:
		m.mouse(msg)
	}
	return nil
}

func (m *Model) key(msg tea.KeyMsg) tea.Cmd {
	k := m.c.Keys
	half := max(m.body()/2, 1)
	switch {
	case key.Matches(msg, k.Up):
		m.move(-1)
	case key.Matches(msg, k.Down):
		m.move(1)
	case key.Matches(msg, k.Top):
		m.move(-len(m.visible))
	case key.Matches(msg, k.Bottom):
		m.move(len(m.visible))
	case key.Matches(msg, k.PageDown):
		m.page(max(m.body(), 1))
	case key.Matches(msg, k.PageUp):
		m.page(-max(m.body(), 1))
	case key.Matches(msg, k.HalfDown):
		m.page(half)
	case key.Matches(msg, k.HalfUp):
		m.page(-half)
	case key.Matches(msg, k.NextMatch):
		if m.match != nil {
			m.NextMatch(1)
		}
	case key.Matches(msg, k.PrevMatch):
		if m.match != nil {
			m.NextMatch(-1)
		}
	case key.Matches(msg, k.Enter):
		if sel := m.Selected(); sel.Ref != (render.Ref{}) {
			return pane.OpenCmd(sel.Ref)
		}
	case key.Matches(msg, k.Wide):
		m.wide = !m.wide
		m.hscroll = 0
		m.relayout()
	case key.Matches(msg, k.ScrollRight):
		m.scrollColumns(1)
	case key.Matches(msg, k.ScrollLeft):
		m.scrollColumns(-1)
	default:
		if r, ok := m.sortLetter(msg); ok {
			m.sortBy(m.p.column(r))
		}
	}
	return nil
}

// sortLetter returns the upper-case letter of a shift+letter key that the
// key map does not bind (its bindings win over the columns').
func (m *Model) sortLetter(msg tea.KeyMsg) (rune, bool) {
	if msg.Type != tea.KeyRunes || len(msg.Runes) != 1 || msg.Alt || !unicode.IsUpper(msg.Runes[0]) {
		return 0, false
	}
	for _, group := range m.c.Keys.FullHelp() {
		for _, b := range group {
			if key.Matches(msg, b) {
				return 0, false
			}
		}
	}
	return msg.Runes[0], true
}

// scrollColumns moves the wide view sideways by one column.
func (m *Model) scrollColumns(dir int) {
	if !m.wide {
		return
	}
	next := 0
	if dir > 0 {
		// The next column's start; past the last one's, a few cells at a
		// time to the end of its text.
		next = m.hscroll + hscrollStep
		for _, s := range m.lay.starts {
			if s > m.hscroll {
				next = s
				break
			}
		}
	} else {
		for _, s := range m.lay.starts {
			if s < m.hscroll {
				next = s
			}
		}
	}
	m.hscroll = min(next, m.maxScroll())
}

// maxScroll is how far the wide view scrolls: until the end of the
// widest line shows.
func (m *Model) maxScroll() int {
	return max(m.lay.total-(m.w-pane.GutterWidth), 0)
}

// mouse scrolls with the wheel; a click (its Y and X relative to the
// pane, which the root translates) selects a row or sorts by the column
// of the heading clicked.
func (m *Model) mouse(msg tea.MouseMsg) {
	if msg.Action != tea.MouseActionPress {
		return
	}
	switch msg.Button {
	case tea.MouseButtonWheelUp:
		m.scroll(-wheelStep)
	case tea.MouseButtonWheelDown:
		m.scroll(wheelStep)
	case tea.MouseButtonLeft:
		if msg.Y == 0 {
			x := msg.X - pane.GutterWidth + m.hscroll
			for k, s := range m.lay.starts {
				if x >= s && x < s+m.lay.widths[k] {
					m.sortBy(m.lay.cols[k])
				}
			}
			return
		}
		if vi := m.offset + msg.Y - 1; msg.Y <= m.body() && vi < len(m.visible) {
			m.cursor = vi
		}
	}
}

// Keys are the bindings that act on the table now, most useful first:
// open, trace and copy when the row has them, sorting (one binding for
// all the columns' letters), the wide mode (and sideways scrolling in
// it), then movement.
func (m *Model) Keys() []key.Binding {
	k := m.c.Keys
	var out []key.Binding
	if len(m.visible) > 0 {
		sel := m.Selected()
		if sel.Ref != (render.Ref{}) {
			out = append(out, k.Enter)
		}
		if sel.Trace != "" {
			out = append(out, k.Trace)
		}
		if sel.Copy != "" {
			out = append(out, k.Copy)
		}
	}
	if b, ok := m.sortBinding(); ok {
		out = append(out, b)
	}
	out = append(out, k.Wide)
	if m.wide {
		out = append(out, k.ScrollLeft, k.ScrollRight)
	}
	if m.match != nil {
		out = append(out, k.NextMatch, k.PrevMatch)
	}
	return append(out, k.Down, k.Up, k.PageDown, k.PageUp, k.Top, k.Bottom, k.HalfDown, k.HalfUp)
}

// sortBinding describes the sort keys: "S-P,R,M… sort".
func (m *Model) sortBinding() (key.Binding, bool) {
	var letters []string
	for _, col := range m.p.Columns {
		if col.Sort == 0 {
			continue
		}
		msg := tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{col.Sort}}
		if _, ok := m.sortLetter(msg); ok {
			letters = append(letters, string(col.Sort))
		}
	}
	if len(letters) == 0 {
		return key.Binding{}, false
	}
	return key.NewBinding(key.WithKeys(letters...), key.WithHelp("S-"+strings.Join(letters, ","), "sort (again: reverse)")), true
}
