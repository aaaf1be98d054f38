package tree

import (
	"sort"
	"strconv"

	"github.com/ostopo/ostopo/ui/filter"
	"github.com/ostopo/ostopo/ui/pane"
	"github.com/ostopo/ostopo/ui/render"
)

// Model is a folding tree pane.
type Model struct {
	c   pane.Context
	opt Options

	// roots are the top-level nodes as given (or as last sorted): a sort
	// rebuilds the entries from them.
	roots  []*Node
	sortBy rune // the column letter the roots are sorted by; 0: as given
	desc   bool

	// e holds every node in pre-order, so that a node's subtree is the
	// range [i, e[i].end) and skipping a folded group is one jump.
	e []entry
	// open is the folding outside a filter; fopen the folding while one
	// is set (esc gives open back untouched).
	open, fopen []bool
	groups      int

	// The filter: q, flags per node (match, shown), the matching nodes in
	// pre-order, and where the cursor was before it (entry, screen row).
	filtering bool
	query     filter.Query
	flags     []uint8
	matches   []int32
	before    int
	beforeRow int

	// visible are the entries that show, in order: recomputed when the
	// folding or the filter changes, never per frame.
	visible []int32
	cursor  int // index into visible
	offset  int // first visible row on screen
	hscroll int

	w, h    int
	focused bool
}

// entry is a node with what the pane works out once per snapshot.
type entry struct {
	n      *Node
	parent int32 // -1 for a root
	depth  int32
	end    int32 // the entry after the last of its subtree
	// obj is the nearest entry, itself included, with a Ref: what the
	// row stands for when it has none (-1: nothing).
	obj int32
	// problems and unknowns count the rows of the subtree, itself
	// included, with a problem or with facts not read (explanation lines
	// left out: their object counts).
	problems, unknowns int32
	// changed is the first entry of the subtree, itself included, whose
	// row changed since the last snapshot (-1: none): a folded group
	// carries its mark.
	changed int32
	// suffix is a group's count and marks, drawn after its text.
	suffix string
}

var (
	_ pane.Filterable = (*Model)(nil)
	_ pane.Selectable = (*Model)(nil)
)

// Filter flags.
const (
	fMatch uint8 = 1 << iota
	fShown       // a match, an ancestor of one, or a descendant of one
	fUnder       // a descendant of a match
)

// New makes a tree pane of roots. Groups with a problem in their subtree
// start open, healthy ones folded (see Options.OpenDepth and
// Node.StartFolded).
func New(c pane.Context, roots []*Node, opt Options) *Model {
	m := &Model{c: c, opt: opt, before: -1, roots: roots}
	for _, n := range roots {
		m.add(n, -1, 0)
	}
	m.open = make([]bool, len(m.e))
	for i := range m.e {
		e := &m.e[i]
		if !m.group(i) {
			continue
		}
		m.groups++
		m.open[i] = !e.n.StartFolded && (int(e.depth) < opt.OpenDepth || e.problems > 0)
	}
	m.flatten()
	return m
}

// add appends n and its subtree in pre-order and rolls up its marks.
func (m *Model) add(n *Node, parent, depth int32) {
	i := int32(len(m.e))
	obj := int32(-1)
	switch {
	case n.Ref != render.Ref{}:
		obj = i
	case parent >= 0:
		obj = m.e[parent].obj
	}
	m.e = append(m.e, entry{n: n, parent: parent, depth: depth, obj: obj, changed: -1})
	for _, ch := range n.Children {
		m.add(ch, i, depth+1)
	}
	e := &m.e[i] // after the children: append may have moved the slice
	e.end = int32(len(m.e))
	if !n.NoBadge {
		switch {
		case n.Health.Problem():
			e.problems++
		case n.Health == Unknown:
			e.unknowns++
		}
	}
	if n.Key != "" && m.c.Changed != nil && m.c.Changed(n.Key) {
		e.changed = i
	}
	for j := i + 1; j < e.end; j = m.e[j].end {
		ch := &m.e[j]
		e.problems += ch.problems
		e.unknowns += ch.unknowns
		if e.changed < 0 {
			e.changed = ch.changed
		}
	}
	if len(n.Children) > 0 {
		e.suffix = suffix(n, e.problems, e.unknowns)
	}
}

// suffix is a group's "  (1,004)  ✗3 ?2".
func suffix(n *Node, problems, unknowns int32) string {
	s := ""
	if !n.NoCount {
		s += "  (" + thousands(len(n.Children)) + ")"
	}
	if problems > 0 {
		s += "  ✗" + thousands(int(problems))
	}
	if unknowns > 0 {
		s += "  ?" + thousands(int(unknowns))
	}
	return s
}

// thousands writes n with commas (4,004), as the counts are read.
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0 && s[i-1] != '-'; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

func (m *Model) group(i int) bool { return m.e[i].end > int32(i)+1 }

func (m *Model) parent(i int) int { return int(m.e[i].parent) }

// folding is the folding in force: the filter's while one is set.
func (m *Model) folding() []bool {
	if m.filtering {
		return m.fopen
	}
	return m.open
}

// flatten recomputes the visible rows.
func (m *Model) flatten() {
	open := m.folding()
	vis := m.visible[:0]
	for i := 0; i < len(m.e); {
		if m.filtering && m.flags[i]&fShown == 0 {
			// Nothing below shows either: a shown descendant would make
			// this node an ancestor of a match or a descendant of one.
			i = int(m.e[i].end)
			continue
		}
		vis = append(vis, int32(i))
		if open[i] {
			i++
		} else {
			i = int(m.e[i].end)
		}
	}
	m.visible = vis
}

// node is the entry under the cursor, -1 when nothing shows.
func (m *Model) node() int {
	if m.cursor < 0 || m.cursor >= len(m.visible) {
		return -1
	}
	return int(m.visible[m.cursor])
}

// position is the visible row of entry i, or of its nearest visible
// ancestor, or of the first visible row after it.
func (m *Model) position(i int) int {
	if i < 0 {
		return 0
	}
	first := -1
	for j := i; j >= 0; j = m.parent(j) {
		k := sort.Search(len(m.visible), func(k int) bool { return int(m.visible[k]) >= j })
		if first < 0 {
			first = k
		}
		if k < len(m.visible) && int(m.visible[k]) == j {
			return k
		}
	}
	return max(0, min(first, len(m.visible)-1))
}

// refold recomputes the visible rows and puts the cursor on entry i (or
// what shows of it).
func (m *Model) refold(i int) {
	m.flatten()
	m.cursor = m.position(i)
	m.keepVisible()
}

// openTo unfolds every ancestor of entry i in the folding in force.
func (m *Model) openTo(i int) {
	open := m.folding()
	for p := m.parent(i); p >= 0; p = m.parent(p) {
		open[p] = true
	}
}

// goTo reveals entry i and puts the cursor on it, with what follows it
// in view when it was off screen.
func (m *Model) goTo(i int) {
	m.openTo(i)
	m.flatten()
	m.cursor = m.position(i)
	if h := m.rows(); m.cursor < m.offset || m.cursor >= m.offset+h {
		m.offset = m.cursor - h/3
	}
	m.keepVisible()
}

// rows is the height left for rows under the heading (at least one).
func (m *Model) rows() int {
	h := m.h
	if m.heading() != "" {
		h--
	}
	return max(1, h)
}

// keepVisible clamps the cursor and scrolls it into view.
func (m *Model) keepVisible() {
	m.cursor = max(0, min(m.cursor, len(m.visible)-1))
	h := m.rows()
	if m.cursor < m.offset {
		m.offset = m.cursor
	}
	if m.cursor >= m.offset+h {
		m.offset = m.cursor - h + 1
	}
	m.offset = max(0, min(m.offset, len(m.visible)-h))
}

// move moves the cursor by delta rows.
func (m *Model) move(delta int) {
	m.cursor += delta
	m.keepVisible()
}

// page scrolls by delta rows and moves the cursor with the page, so that
// a page down shows a whole new page (not one more line at the bottom).
func (m *Model) page(delta int) {
	m.offset += delta
	m.cursor += delta
	m.offset = max(0, min(m.offset, len(m.visible)-m.rows()))
	m.keepVisible()
}
