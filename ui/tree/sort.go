package tree

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
)

// Column is one column of a tree whose top-level rows are a table (the
// Namespaces view): its title in the sticky heading, its width there,
// and the upper-case letter that sorts the top-level rows by it
// (shift+letter, again to reverse; never one of the key map's own
// upper-case keys). A top-level node's SortKeys hold its values, one per
// column; the rows under it move with it.
type Column struct {
	Title   string
	Width   int
	Sort    rune
	Numeric bool
}

// heading is the sticky line for Options.Columns: each title padded to
// its width, the sort letter's column marked ▲/▼ when sorted by it.
func (m *Model) heading() string {
	if len(m.opt.Columns) == 0 {
		return m.opt.Heading
	}
	var b strings.Builder
	b.WriteString("  ") // under the fold glyph
	for i, c := range m.opt.Columns {
		t := c.Title
		if c.Sort != 0 {
			t += "·" + string(c.Sort)
		}
		if c.Sort == m.sortBy && m.sortBy != 0 {
			t += map[bool]string{false: "▲", true: "▼"}[m.desc]
		}
		if i < len(m.opt.Columns)-1 {
			t = pad(t, c.Width)
		}
		b.WriteString(t)
	}
	return b.String()
}

func pad(s string, w int) string {
	if n := len([]rune(s)); n < w {
		return s + strings.Repeat(" ", w-n)
	}
	return s + " "
}

// sortKey says which column a shift+letter sorts by, or -1: the key is
// one upper-case letter that is a column's and no binding of the key
// map (those win: G is bottom, N the previous match).
func (m *Model) sortKey(msg tea.KeyMsg) int {
	if msg.Type != tea.KeyRunes || len(msg.Runes) != 1 || !unicode.IsUpper(msg.Runes[0]) {
		return -1
	}
	for _, b := range bindings(m) {
		if key.Matches(msg, b) {
			return -1
		}
	}
	for i, c := range m.opt.Columns {
		if c.Sort == msg.Runes[0] {
			return i
		}
	}
	return -1
}

// bindings are the key map's bindings that a sort letter must not take.
func bindings(m *Model) []key.Binding {
	k := m.c.Keys
	return []key.Binding{k.Bottom, k.PrevMatch, k.Fix, k.CopyMarkdown, k.Diagram, k.Quit, k.Help}
}

// sortRoots orders the top-level rows by a column (again: reversed) and
// rebuilds the tree with the same folding, cursor and filter.
func (m *Model) sortRoots(col int) {
	c := m.opt.Columns[col]
	if m.sortBy == c.Sort {
		m.desc = !m.desc
	} else {
		m.sortBy, m.desc = c.Sort, false
	}
	roots := slices.Clone(m.roots)
	value := func(n *Node) string {
		if col < len(n.SortKeys) {
			return n.SortKeys[col]
		}
		return ""
	}
	slices.SortStableFunc(roots, func(a, b *Node) int {
		var r int
		if c.Numeric {
			// Numbers in order, values that are none ("-") after them.
			num := func(s string) (int, int) {
				if n, err := strconv.Atoi(s); err == nil {
					return 0, n
				}
				return 1, 0
			}
			ka, x := num(value(a))
			kb, y := num(value(b))
			r = cmp.Or(cmp.Compare(ka, kb), cmp.Compare(x, y))
		} else {
			r = strings.Compare(value(a), value(b))
		}
		if m.desc {
			r = -r
		}
		return r
	})
	next := New(m.c, roots, m.opt)
	next.sortBy, next.desc = m.sortBy, m.desc
	next.KeepState(m)
	if m.filtering {
		next.SetFilter(m.query)
	}
	*m = *next
}

// sortBinding is the key bar's entry for the sort letters.
func (m *Model) sortBinding() (key.Binding, bool) {
	var letters []string
	for _, c := range m.opt.Columns {
		if c.Sort != 0 {
			letters = append(letters, string(c.Sort))
		}
	}
	if len(letters) == 0 {
		return key.Binding{}, false
	}
	return key.NewBinding(key.WithKeys(), key.WithHelp("S-"+strings.Join(letters, ","), "sort")), true
}
