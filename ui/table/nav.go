package table

import (
	"github.com/ostopo/ostopo/ui/filter"
	"github.com/ostopo/ostopo/ui/render"
)

// rebuild lists the rows shown: the sorted order (cached per column),
// without the rows the filter's matches (worked out per query) leave
// out. It runs on a sort, a filter or new data, never on a move.
func (m *Model) rebuild() {
	order := m.p.order(m.sortCol, m.desc)
	m.visible = m.visible[:0]
	if len(m.pos) != len(order) {
		m.pos = make([]int, len(order))
	}
	for _, i := range order {
		m.pos[i] = -1
		if m.match == nil || m.match[i] {
			m.pos[i] = len(m.visible)
			m.visible = append(m.visible, i)
		}
	}
}

// place puts the cursor on visible row vi, on screen line screen if the
// rows allow (so that what the user looked at stays where it was).
func (m *Model) place(vi, screen int) {
	n, body := len(m.visible), m.body()
	m.cursor = clamp(vi, 0, n-1)
	screen = clamp(screen, 0, body-1)
	m.offset = clamp(m.cursor-screen, 0, max(n-body, 0))
}

// show scrolls as little as keeps the cursor on screen.
func (m *Model) show() {
	body := m.body()
	switch {
	case m.cursor < m.offset:
		m.offset = m.cursor
	case m.cursor >= m.offset+body:
		m.offset = m.cursor - body + 1
	}
	m.offset = clamp(m.offset, 0, max(len(m.visible)-body, 0))
}

// move moves the cursor by delta rows.
func (m *Model) move(delta int) {
	m.cursor = clamp(m.cursor+delta, 0, len(m.visible)-1)
	m.show()
}

// page moves the view and the cursor together by delta rows, as less and
// vim do: after a page down the screen shows a whole new page, starting
// with the row after the last one it showed, and the cursor keeps its
// line. At either end the view stops and the cursor goes on to the
// first or last row.
func (m *Model) page(delta int) {
	n, body := len(m.visible), m.body()
	offset := clamp(m.offset+delta, 0, max(n-body, 0))
	cursor := m.cursor + delta
	if offset == m.offset {
		// The view cannot move: the cursor goes all the way.
		if delta > 0 {
			cursor = n - 1
		} else {
			cursor = 0
		}
	}
	m.offset, m.cursor = offset, clamp(cursor, 0, n-1)
	m.show()
}

// scroll moves the view by delta rows (the mouse wheel), taking the
// cursor along only when it would leave the screen.
func (m *Model) scroll(delta int) {
	body := m.body()
	m.offset = clamp(m.offset+delta, 0, max(len(m.visible)-body, 0))
	m.cursor = clamp(m.cursor, m.offset, min(m.offset+body, len(m.visible))-1)
	m.cursor = clamp(m.cursor, 0, len(m.visible)-1)
}

// sortBy sorts by column c, or reverses the sort when it is by c
// already. The cursor stays on its row, on its screen line.
func (m *Model) sortBy(c int) {
	if c < 0 || c >= len(m.p.Columns) {
		return
	}
	at := m.mark()
	if m.sortCol == c {
		m.desc = !m.desc
	} else {
		m.sortCol, m.desc = c, false
	}
	m.rebuild()
	m.restore(at)
}

// mark is where the cursor is now.
func (m *Model) mark() mark {
	if len(m.visible) == 0 {
		return mark{row: -1}
	}
	i := m.visible[m.cursor]
	return mark{ref: m.p.Rows[i].Ref, row: i, screen: m.cursor - m.offset}
}

// restore puts the cursor back on a mark's object (its row if the object
// has no ref or is gone), on the same screen line; on the first row
// shown when that row is hidden.
func (m *Model) restore(at mark) {
	row := at.row
	if at.ref != (render.Ref{}) {
		if i, ok := m.p.byRef[at.ref]; ok {
			row = i
		}
	}
	vi := 0
	if row >= 0 && row < len(m.pos) && m.pos[row] >= 0 {
		vi = m.pos[row]
	} else if row >= len(m.pos) && len(m.visible) > 0 {
		vi = len(m.visible) - 1
	}
	m.place(vi, at.screen)
}

// SetFilter shows the rows q matches (a table has no parents to show for
// context) and returns their number. The cursor stays on its row while
// that row matches, else goes to the first match; an empty query shows
// every row again and puts the cursor back where it was before the
// filter began.
func (m *Model) SetFilter(q filter.Query) int {
	at := m.mark()
	m.query = q
	if q.Empty() {
		m.match = nil
		m.rebuild()
		if m.back != nil {
			at, m.back = *m.back, nil
		}
		m.restore(at)
		return len(m.visible)
	}
	if m.back == nil {
		b := at
		m.back = &b
	}
	m.matchQuery()
	m.rebuild()
	stays := at.row >= 0 && m.pos[at.row] >= 0
	switch exact := m.firstExact(); {
	case exact >= 0 && !(stays && m.query.Exact(m.p.Rows[at.row].Fields)):
		// An exact match (the port with this address, not the first of
		// those whose addresses start with it) takes the cursor.
		m.place(exact, 0)
	case stays:
		m.restore(at)
	default:
		m.place(0, 0)
	}
	return len(m.visible)
}

// firstExact is the position of the first row shown that the query
// matches exactly (filter.Query.Exact), or -1.
func (m *Model) firstExact() int {
	for vi, i := range m.visible {
		if m.query.Exact(m.p.Rows[i].Fields) {
			return vi
		}
	}
	return -1
}

// matchQuery works out which rows the query matches: once per query.
func (m *Model) matchQuery() {
	if cap(m.match) >= len(m.p.Rows) {
		m.match = m.match[:len(m.p.Rows)]
	} else {
		m.match = make([]bool, len(m.p.Rows))
	}
	for i := range m.p.Rows {
		m.match[i] = m.query.Match(m.p.Rows[i].Fields)
	}
}

// NextMatch moves to the next (dir 1) or previous (-1) row: every row a
// filtered table shows is a match. It wraps around.
func (m *Model) NextMatch(dir int) {
	n := len(m.visible)
	if n == 0 || dir == 0 {
		return
	}
	m.cursor = ((m.cursor+dir)%n + n) % n
	m.show()
}

// Select puts the cursor on the (first) row of ref. It reports false when
// the table has no such row or the filter hides it (a table hides rows
// only by the filter, which is the root's to clear).
func (m *Model) Select(ref render.Ref) bool {
	i, ok := m.p.byRef[ref]
	if !ok || m.pos[i] < 0 {
		return false
	}
	m.cursor = m.pos[i]
	m.show()
	return true
}

func clamp(v, lo, hi int) int {
	if v > hi {
		v = hi
	}
	if v < lo {
		v = lo
	}
	return v
}
