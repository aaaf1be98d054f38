package ui

import (
	"strings"

	"github.com/ostopo/ostopo/netinspect/safetext"
	"github.com/ostopo/ostopo/ui/render"
)

// pane is one scrollable list of rows: a view, or a detail page. Rows are
// built once per snapshot; filtering keeps the indexes of matching rows and
// of the group headers above them (a match is shown in its context).
type pane struct {
	title   string
	rows    []render.Row
	lower   []string // lower-case text+search of each row, for filtering
	changed []bool   // row differs from the previous snapshot
	ref     render.Ref
	badges  bool // show the doctor's E/W marks

	filter  string
	visible []int // indexes into rows, in order
	matches int
	cursor  int // index into visible
	offset  int // first visible row on screen
	hscroll int
}

// newPane is where every row a pane shows, and its title, becomes terminal
// text: views, detail pages, traces and the repair's page are all built
// here from strings of the snapshot, which whoever ran the node named
// (safeRows).
func newPane(title string, rows []render.Row, changed []bool) *pane {
	rows = safeRows(rows)
	p := &pane{title: safetext.Term(title), rows: rows, changed: changed, lower: make([]string, len(rows))}
	for i, r := range rows {
		p.lower[i] = strings.ToLower(r.Text + "\x00" + r.Search)
	}
	p.applyFilter("")
	return p
}

// applyFilter recomputes the visible rows for a filter term.
func (p *pane) applyFilter(term string) {
	p.filter = term
	term = strings.ToLower(term)
	p.visible = p.visible[:0]
	p.matches = 0
	if term == "" {
		for i := range p.rows {
			p.visible = append(p.visible, i)
		}
	} else {
		lastHeader := -1
		for i, r := range p.rows {
			if r.Class == render.Header {
				lastHeader = i
			}
			if !strings.Contains(p.lower[i], term) {
				continue
			}
			p.matches++
			if lastHeader >= 0 && lastHeader != i && (len(p.visible) == 0 || p.visible[len(p.visible)-1] < lastHeader) {
				p.visible = append(p.visible, lastHeader)
			}
			p.visible = append(p.visible, i)
		}
	}
	p.cursor, p.offset = 0, 0
	if term != "" {
		p.jumpMatch(1, true)
	}
}

// isMatch reports whether visible row i matches the filter (headers shown
// only for context do not).
func (p *pane) isMatch(i int) bool {
	return p.filter == "" || strings.Contains(p.lower[p.visible[i]], strings.ToLower(p.filter))
}

// jumpMatch moves the cursor to the next (dir 1) or previous (-1) match.
func (p *pane) jumpMatch(dir int, includeCurrent bool) {
	n := len(p.visible)
	if n == 0 {
		return
	}
	start := p.cursor
	if !includeCurrent {
		start += dir
	}
	for k := 0; k < n; k++ {
		i := ((start+dir*k)%n + n) % n
		if p.isMatch(i) {
			p.cursor = i
			return
		}
	}
}

func (p *pane) move(delta int) {
	p.cursor += delta
	p.clamp()
}

func (p *pane) clamp() {
	if p.cursor >= len(p.visible) {
		p.cursor = len(p.visible) - 1
	}
	if p.cursor < 0 {
		p.cursor = 0
	}
}

// scrollTo keeps the cursor on screen for a body of height h.
func (p *pane) scrollTo(h int) {
	if h < 1 {
		h = 1
	}
	if p.cursor < p.offset {
		p.offset = p.cursor
	}
	if p.cursor >= p.offset+h {
		p.offset = p.cursor - h + 1
	}
	if max := len(p.visible) - h; p.offset > max {
		p.offset = max
	}
	if p.offset < 0 {
		p.offset = 0
	}
}

// selected returns the row under the cursor.
func (p *pane) selected() (render.Row, bool) {
	if len(p.visible) == 0 {
		return render.Row{}, false
	}
	return p.rows[p.visible[p.cursor]], true
}

// selectRef puts the cursor on the first row standing for ref, if any.
func (p *pane) selectRef(ref render.Ref) {
	for i, idx := range p.visible {
		if p.rows[idx].Ref == ref {
			p.cursor = i
			return
		}
	}
}

// safeRow returns r with its text, what a filter matches and what `y`
// copies as one line of terminal text each (safetext.Term): an escape
// sequence or a newline in a name is shown as \x1b or \n, never sent to
// the terminal, and never reaches the clipboard to be pasted into a shell.
// Ref stays as it is: it looks the object up in the snapshot.
func safeRow(r render.Row) render.Row {
	r.Text, r.Search, r.Copy = safetext.Term(r.Text), safetext.Term(r.Search), safetext.Term(r.Copy)
	return r
}

// safeRows is safeRow of every row. rows is not modified (a load's rows
// are compared with the next load's); a copy is made only when a row
// changes, so a clean snapshot's thousands of rows cost a scan and no
// allocation.
func safeRows(rows []render.Row) []render.Row {
	var out []render.Row
	for i, r := range rows {
		s := safeRow(r)
		if out == nil {
			if s == r {
				continue
			}
			out = make([]render.Row, len(rows))
			copy(out, rows[:i])
		}
		out[i] = s
	}
	if out == nil {
		return rows
	}
	return out
}
