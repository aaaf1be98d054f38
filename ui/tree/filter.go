package tree

import (
	"sort"

	"github.com/ostopo/ostopo/ui/filter"
	"github.com/ostopo/ostopo/ui/render"
)

// SetFilter shows the nodes q matches, each under its ancestors in the
// model (the context is the tree's parent links, never a guess from how a
// row looks), unfolded down to the match; a matching group shows its
// children when unfolded. The cursor goes to the first match. An empty
// query gives back the folding and the row the cursor was on before the
// filter. It returns the number of matching nodes.
func (m *Model) SetFilter(q filter.Query) int {
	m.query = q
	if q.Empty() {
		if m.filtering {
			m.filtering = false
			m.matches = m.matches[:0]
			m.refold(m.before)
			m.offset = m.cursor - m.beforeRow
			m.keepVisible()
			m.before = -1
		}
		return 0
	}
	if !m.filtering {
		m.before, m.beforeRow = m.node(), m.cursor-m.offset
		m.filtering = true
		m.flags = make([]uint8, len(m.e))
		m.fopen = make([]bool, len(m.e))
	} else {
		clear(m.flags)
		clear(m.fopen)
	}
	m.matches = m.matches[:0]
	for i := range m.e {
		if q.Match(m.e[i].n.Fields) {
			m.flags[i] |= fMatch | fShown
			m.matches = append(m.matches, int32(i))
		}
	}
	for _, i := range m.matches {
		// Stop at an ancestor already open: its own are too.
		for p := m.parent(int(i)); p >= 0 && !m.fopen[p]; p = m.parent(p) {
			m.fopen[p] = true
			m.flags[p] |= fShown
		}
	}
	// A match's descendants show (folded) as well: parents come first in
	// pre-order, so one pass carries it down.
	for i := range m.e {
		if p := m.parent(i); p >= 0 && m.flags[p]&(fMatch|fUnder) != 0 {
			m.flags[i] |= fUnder | fShown
		}
	}
	m.flatten()
	m.cursor, m.offset = 0, 0
	if len(m.matches) > 0 {
		best := m.matches[0]
		for _, i := range m.matches {
			if q.Exact(m.e[i].n.Fields) {
				best = i
				break
			}
		}
		m.cursor = m.position(int(best))
	}
	m.keepVisible()
	return len(m.matches)
}

// NextMatch moves the cursor to the next (dir 1) or previous (-1) match,
// round the end, unfolding what hides it.
func (m *Model) NextMatch(dir int) {
	if !m.filtering || len(m.matches) == 0 {
		return
	}
	cur := int32(m.node())
	k := sort.Search(len(m.matches), func(k int) bool { return m.matches[k] >= cur })
	n := len(m.matches)
	switch {
	case dir > 0 && k < n && m.matches[k] == cur:
		k = (k + 1) % n
	case dir > 0:
		k %= n
	default:
		k = (k - 1 + n) % n
	}
	m.goTo(int(m.matches[k]))
}

// Select puts the cursor on the first row of ref, unfolding what hides
// it. Under a filter, a row the filter hides is not found.
func (m *Model) Select(ref render.Ref) bool {
	if ref == (render.Ref{}) {
		return false
	}
	for i := range m.e {
		if m.e[i].n.Ref != ref {
			continue
		}
		if m.filtering && m.flags[i]&fShown == 0 {
			return false
		}
		m.goTo(i)
		return true
	}
	return false
}

// Matches is the number of nodes the filter matches (0 without one).
func (m *Model) Matches() int { return len(m.matches) }
