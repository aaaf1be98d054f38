// Package table is the TUI's table pane (Networks, Routers, Ports, Flows,
// Problems): rows of cells under a heading that never scrolls away, sorted
// by a column with shift+letter (as in k9s), filtered with ui/filter, and
// fitted to the width by dropping the least useful columns first, or shown
// whole and scrolled sideways in the wide mode (w).
//
// It is built for thousands of rows: everything that depends on the data
// (cell widths, sort keys, each column's sorted order) is worked out once
// per Data, what depends on the width once per width, the matches once
// per filter; a key that only moves the cursor touches none of it, and
// View draws only the rows on screen.
//
// The model implements pane.Pane, pane.Filterable and pane.Selectable.
package table

import (
	"github.com/charmbracelet/x/ansi"
	"github.com/ostopo/ostopo/netinspect/safetext"
	"github.com/ostopo/ostopo/ui/filter"
	"github.com/ostopo/ostopo/ui/render"
)

// Column describes one column of a table.
type Column struct {
	// Title is the heading ("PORT"), upper-case by convention.
	Title string
	// Min and Max bound the column's cells when the width is short; Max 0
	// means as wide as its widest cell, up to DefaultMax (the wide mode
	// has no cap).
	Min, Max int
	// Priority says which columns give way when the width is short: the
	// highest is dropped first. 0 is never dropped (the id, the state or
	// problem column).
	Priority int
	// Sort is the upper-case letter whose key (shift+letter) sorts by this
	// column; again reverses. It is underlined in the heading. 0: the
	// column does not sort. A letter the key map binds (G N F Y D by
	// default) never sorts: the key map wins.
	Sort rune
	// Numeric columns sort by the number their cells start with (empty
	// and "-" last) and are right-aligned.
	Numeric bool
	// Flex is the column that takes the width the others leave (the
	// problem text, a flow's actions); without one, the last column does.
	// Columns are dropped before it has less than its Min (FlexMin when
	// 0, or its widest cell if narrower).
	Flex bool
}

// DefaultMax caps a column with Max 0 outside the wide mode.
const DefaultMax = 40

// Row is one row: an object of the snapshot.
type Row struct {
	// Cells are the texts of the columns, in order: terminal-safe (built
	// from safetext.Term'd strings; the table escapes them again, which
	// changes nothing on safe text).
	Cells []string
	// SortKeys, where not nil, replace a cell's text for sorting where the
	// text does not sort right ("error" before "warning", a problem
	// before "ok"); "" keeps the cell's text.
	SortKeys []string
	Class    render.Class
	// Ref is the object: the detail pane, the E/W badge, Select.
	Ref render.Ref
	// Key identifies the row across refreshes for the • change mark; ""
	// has none.
	Key string
	// Copy is what y copies, Trace what t traces ("" nothing).
	Copy, Trace string
	// Fields are what a filter matches (filter.NewFields).
	Fields filter.Fields
	// NoBadge: the row says its severity itself (the Problems view), so
	// the object's E/W badge is not repeated.
	NoBadge bool
}

// Data is what a view shows: built once per snapshot by ui/views.
type Data struct {
	// Name titles the pane ("Ports"); the title adds the counts.
	Name    string
	Columns []Column
	Rows    []Row
	// SortBy is the Sort letter of the column the rows start sorted by
	// (Descending to reverse); 0 keeps them in the order given.
	SortBy     rune
	Descending bool
	// Empty is said (styled by EmptyClass) when there are no rows at all
	// ("no routers on this node").
	Empty      string
	EmptyClass render.Class
}

// prepared is a Data with what every frame would otherwise recompute.
type prepared struct {
	Data
	widths  [][]int // display width of each cell
	natural []int   // each column's widest cell or heading (with room for ▲)
	labels  []label // each column's heading
	keys    [][]sortKey
	orders  map[orderKey][]int // cached sorted orders
	byRef   map[render.Ref]int // first row of each object
}

type orderKey struct {
	col  int
	desc bool
}

// label is a column heading: the title with its sort letter marked.
type label struct {
	text   string
	letter int // byte offset of the sort letter in text, -1 none
}

// prepare escapes what the table will print (idempotent on safe text)
// and measures it once.
func prepare(d Data) *prepared {
	p := &prepared{Data: d, orders: map[orderKey][]int{}, byRef: make(map[render.Ref]int, len(d.Rows))}
	p.Name = safetext.Term(d.Name)
	p.Empty = safetext.Term(d.Empty)
	p.Columns = make([]Column, len(d.Columns))
	p.natural = make([]int, len(d.Columns))
	p.labels = make([]label, len(d.Columns))
	for c, col := range d.Columns {
		col.Title = safetext.Term(col.Title)
		p.Columns[c] = col
		p.labels[c] = newLabel(col)
		p.natural[c] = ansi.StringWidth(p.labels[c].text) + 1 // ▲
	}
	p.Rows = make([]Row, len(d.Rows))
	p.widths = make([][]int, len(d.Rows))
	flat := make([]int, len(d.Rows)*len(d.Columns))
	for i, r := range d.Rows {
		cells := make([]string, len(d.Columns))
		for c := range cells {
			if c < len(r.Cells) {
				cells[c] = safetext.Term(r.Cells[c])
			}
		}
		r.Cells = cells
		r.Copy, r.Trace = safetext.Term(r.Copy), safetext.Term(r.Trace)
		p.Rows[i] = r
		w := flat[i*len(d.Columns) : (i+1)*len(d.Columns)]
		for c, cell := range cells {
			w[c] = cellWidth(cell)
			p.natural[c] = max(p.natural[c], w[c])
		}
		p.widths[i] = w
		if _, ok := p.byRef[r.Ref]; !ok && r.Ref != (render.Ref{}) {
			p.byRef[r.Ref] = i
		}
	}
	p.keys = make([][]sortKey, len(d.Columns))
	return p
}

// cellWidth is a cell's width in cells; ASCII (nearly every cell: ids,
// addresses, flows) is its length.
func cellWidth(s string) int {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return ansi.StringWidth(s)
		}
	}
	return len(s)
}

// newLabel marks the first occurrence of the column's sort letter in its
// title, or appends it ("FWD·W") when the title lacks it.
func newLabel(c Column) label {
	l := label{text: c.Title, letter: -1}
	if c.Sort == 0 {
		return l
	}
	for i, r := range c.Title {
		if r == c.Sort || r == c.Sort+('a'-'A') {
			l.letter = i
			return l
		}
	}
	l.letter = len(l.text) + len("·")
	l.text += "·" + string(c.Sort)
	return l
}

// column returns the index of the column sorted by letter r, or -1.
func (p *prepared) column(r rune) int {
	if r == 0 {
		return -1
	}
	for c, col := range p.Columns {
		if col.Sort == r {
			return c
		}
	}
	return -1
}
