package tree

import (
	"strings"

	"github.com/charmbracelet/x/ansi"
	"github.com/ostopo/ostopo/ui/pane"
	"github.com/ostopo/ostopo/ui/render"
)

// SetSize gives the pane its cells.
func (m *Model) SetSize(w, h int) {
	m.w, m.h = w, h
	m.keepVisible()
}

// SetFocus draws the cursor bright with the focus, faint without.
func (m *Model) SetFocus(focused bool) { m.focused = focused }

// Title is the view's name with its size, or the filter's match count.
func (m *Model) Title() string {
	if m.filtering {
		what := " matches]"
		if len(m.matches) == 1 {
			what = " match]"
		}
		return m.opt.Name + " [" + thousands(len(m.matches)) + what
	}
	return m.opt.Name + " [" + thousands(m.groups) + " groups, " + thousands(len(m.e)) + " rows]"
}

// Selected is the row's object (a section's is its parent's), what `y`
// copies and what `t` traces.
func (m *Model) Selected() pane.Selection {
	i := m.node()
	if i < 0 {
		return pane.Selection{}
	}
	n := m.e[i].n
	s := pane.Selection{Ref: n.Ref, Copy: n.Copy, Trace: n.Trace}
	if o := m.e[i].obj; n.Ref == (render.Ref{}) && o >= 0 {
		s.Ref = m.e[o].n.Ref
		if s.Copy == "" {
			s.Copy = m.e[o].n.Copy
		}
	}
	return s
}

// View draws the rows on screen, and only those.
func (m *Model) View() string {
	if m.w <= 0 || m.h <= 0 {
		return pane.Lines(nil, m.h)
	}
	lines := make([]string, 0, m.h)
	dim := m.c.Styles.Dim
	if h := m.heading(); h != "" {
		lines = append(lines, dim.Render(pane.Fit(strings.Repeat(" ", pane.GutterWidth)+h, m.w)))
	}
	if len(m.visible) == 0 {
		msg := "nothing to show"
		if m.filtering {
			msg = "no row matches the filter (esc clears it)"
		}
		lines = append(lines, dim.Render(pane.Fit(strings.Repeat(" ", pane.GutterWidth)+msg, m.w)))
	}
	for k := m.offset; k < len(m.visible) && len(lines) < m.h; k++ {
		lines = append(lines, m.line(k))
	}
	return pane.Lines(lines, m.h)
}

// line draws visible row k: indentation by depth, the fold glyph, the
// text cut so that a group's count and marks stay on screen.
func (m *Model) line(k int) string {
	i := int(m.visible[k])
	e := &m.e[i]
	n := e.n
	glyph := "  "
	key := n.Key
	if m.group(i) {
		glyph = "▼ "
		if !m.folding()[i] {
			glyph = "▶ "
			if e.changed >= 0 {
				// What changed inside a folded group marks the group.
				key = m.e[e.changed].n.Key
			}
		}
	}
	text := strings.Repeat("  ", int(e.depth)) + glyph + n.Text
	if e.suffix != "" && m.hscroll == 0 {
		text = pane.Fit(text, m.w-pane.GutterWidth-ansi.StringWidth(e.suffix)) + e.suffix
	} else {
		text += e.suffix
	}
	row := pane.Row{Text: text, Class: n.Class, Ref: n.Ref, Key: key, NoBadge: n.NoBadge}
	return pane.Line(m.c, row, k == m.cursor, m.focused, m.w, m.hscroll)
}
