package describe

import (
	"github.com/charmbracelet/x/ansi"
	"github.com/ostopo/ostopo/ui/pane"
)

// Viewer shows one Page in a pane: a cursor over its lines (Enter on a
// link opens it), sections folded and unfolded, long lines wrapped or
// scrolled sideways. Model keeps a stack of them; the trace view draws
// its hops with one.
type Viewer struct {
	c      pane.Context
	page   Page
	folded []bool
	built  [][]Line // each section's lines, lazy ones once built
	// rows are what is drawn, laid out section by section as far as the
	// window (or a key) needs: a page's last sections (its trace, its
	// raw facts) are built only when scrolled to.
	rows    []row
	next    int // the first section not laid out yet
	cursor  int // a row that starts a line
	offset  int // first row drawn
	hscroll int
	w, h    int
	focused bool
}

// row is one drawn row: a section's header, or a line or a wrapped part
// of one.
type row struct {
	sec, line int // line -1: the section's header
	text      string
	start     int // the row where the line begins (the cursor sits there)
}

// NewViewer makes an empty viewer.
func NewViewer(c pane.Context) *Viewer { return &Viewer{c: c, w: 80, h: 24} }

// SetContext replaces the shared styles, keys and badges.
func (v *Viewer) SetContext(c pane.Context) { v.c = c }

// SetPage shows a page from its top, its sections folded as it says.
// It lays out only the sections the window shows (a lazy one is built
// when it is reached).
func (v *Viewer) SetPage(p Page) {
	v.page = p
	v.folded = make([]bool, len(p.Sections))
	v.built = make([][]Line, len(p.Sections))
	for i, s := range p.Sections {
		_, hasHeader := s.header()
		v.folded[i] = s.Folded && hasHeader
		v.built[i] = s.Lines
	}
	v.cursor, v.offset, v.hscroll = 0, 0, 0
	v.layout()
}

// Page is the page shown.
func (v *Viewer) Page() Page { return v.page }

// SetSize gives the viewer its cells.
func (v *Viewer) SetSize(w, h int) {
	if w != v.w {
		v.w, v.h = w, h
		line := v.rows0()
		v.layout()
		v.cursorTo(line)
		return
	}
	v.h = h
	v.scroll()
}

// SetFocus says whether keys go to the viewer.
func (v *Viewer) SetFocus(f bool) { v.focused = f }

// rows0 is the (section, line) of the cursor, to find it again after a
// re-layout.
func (v *Viewer) rows0() [2]int {
	if v.cursor < len(v.rows) {
		r := v.rows[v.cursor]
		return [2]int{r.sec, r.line}
	}
	return [2]int{0, -1}
}

// cursorTo puts the cursor on a line (or the nearest row before it).
func (v *Viewer) cursorTo(at [2]int) {
	v.ensureSection(at[0])
	v.cursor = 0
	for i, r := range v.rows {
		if r.start != i {
			continue
		}
		if r.sec < at[0] || r.sec == at[0] && r.line <= at[1] {
			v.cursor = i
		}
	}
	v.scroll()
}

// header is the header line of a section, with its fold mark.
func (v *Viewer) header(i int) (Line, bool) {
	h, ok := v.page.Sections[i].header()
	if !ok {
		return h, false
	}
	mark := "▾ "
	if v.folded[i] {
		mark = "▸ "
	}
	h.Text = mark + h.Text
	return h, true
}

// lines returns a section's lines, building a lazy one now.
func (v *Viewer) lines(i int) []Line {
	if v.built[i] == nil && v.page.Sections[i].Lazy != nil {
		v.built[i] = v.page.Sections[i].Lazy()
		if v.built[i] == nil {
			v.built[i] = []Line{}
		}
	}
	return v.built[i]
}

// layout lays the rows out again from the top (folds or width changed),
// as far as the window needs.
func (v *Viewer) layout() {
	v.rows, v.next = v.rows[:0], 0
	v.ensure(max(v.cursor, v.offset) + v.h + 1)
	if v.cursor >= len(v.rows) {
		v.cursor = max(0, len(v.rows)-1)
	}
	if len(v.rows) > 0 {
		v.cursor = v.rows[v.cursor].start
	}
	v.scroll()
}

// ensure lays out sections until there are n rows or none is left.
func (v *Viewer) ensure(n int) {
	for v.next < len(v.page.Sections) && len(v.rows) < n {
		v.layoutSection(v.next)
		v.next++
	}
}

// ensureSection lays out sections up to sec.
func (v *Viewer) ensureSection(sec int) {
	for v.next < len(v.page.Sections) && v.next <= sec {
		v.layoutSection(v.next)
		v.next++
	}
}

// all lays out every section.
func (v *Viewer) all() { v.ensure(int(^uint(0) >> 1)) }

// layoutSection appends a section's rows: its header, and unless it is
// folded its lines (indented under a header), long wrapped lines in
// parts.
func (v *Viewer) layoutSection(i int) {
	text := max(8, v.w-pane.GutterWidth)
	add := func(line int, l Line, indent string) {
		start := len(v.rows)
		if !l.Wrap || ansi.StringWidth(indent+l.Text) <= text {
			v.rows = append(v.rows, row{i, line, indent + l.Text, start})
			return
		}
		for _, part := range wrap(indent+l.Text, text) {
			v.rows = append(v.rows, row{i, line, part, start})
		}
	}
	indent := ""
	if h, ok := v.header(i); ok {
		add(-1, h, "")
		indent = "  "
	}
	if v.folded[i] {
		return
	}
	for j, l := range v.lines(i) {
		add(j, l, indent)
	}
}

// scroll keeps the cursor's line in view.
func (v *Viewer) scroll() {
	if v.h <= 0 {
		return
	}
	v.ensure(max(v.cursor, v.offset) + v.h + 1)
	end := v.cursor
	for end+1 < len(v.rows) && v.rows[end+1].start == v.cursor {
		end++
	}
	if end >= v.offset+v.h {
		v.offset = end - v.h + 1
	}
	if v.cursor < v.offset {
		v.offset = v.cursor
	}
	v.offset = max(0, min(v.offset, len(v.rows)-v.h))
}

// move moves the cursor by n lines (negative: up).
func (v *Viewer) move(n int) {
	for ; n > 0; n-- {
		next := v.cursor + 1
		v.ensure(next + 1)
		for next < len(v.rows) && v.rows[next].start != next {
			next++
			v.ensure(next + 1)
		}
		if next >= len(v.rows) {
			break
		}
		v.cursor = next
	}
	for ; n < 0 && v.cursor > 0; n++ {
		v.cursor = v.rows[v.cursor-1].start
	}
	v.scroll()
}

// Current is the line under the cursor (a header is its section's header
// line) and whether there is one.
func (v *Viewer) Current() (Line, bool) {
	if v.cursor >= len(v.rows) {
		return Line{}, false
	}
	r := v.rows[v.cursor]
	if r.line < 0 {
		h, _ := v.page.Sections[r.sec].header()
		return h, true
	}
	return v.built[r.sec][r.line], true
}

// At is the section and line (-1 on a header) under the cursor.
func (v *Viewer) At() (sec, line int) {
	if v.cursor >= len(v.rows) {
		return 0, -1
	}
	return v.rows[v.cursor].sec, v.rows[v.cursor].line
}

// Folded reports whether a section is folded.
func (v *Viewer) Folded(sec int) bool { return sec < len(v.folded) && v.folded[sec] }

// SetFolded folds or unfolds a section (one with a header), keeping the
// cursor on its line, or on the header when its line folds away.
func (v *Viewer) SetFolded(sec int, folded bool) {
	if sec >= len(v.folded) || v.folded[sec] == folded {
		return
	}
	if _, ok := v.page.Sections[sec].header(); !ok {
		return
	}
	at := v.rows0()
	if folded && at[0] == sec {
		at[1] = -1
	}
	v.folded[sec] = folded
	v.layout()
	v.cursorTo(at)
	if !folded && at[0] == sec && at[1] < 0 && v.h > 0 {
		// Unfolded from its header: show the lines it opens, as much of
		// them as fits under the header (the raw section at the page's
		// end used to open below the screen).
		v.ensure(v.cursor + v.h)
		v.offset = max(v.offset, min(v.cursor, len(v.rows)-v.h))
	}
}

// FoldAll folds (or unfolds) every section that has a header.
func (v *Viewer) FoldAll(folded bool) {
	at := v.rows0()
	for i := range v.folded {
		if _, ok := v.page.Sections[i].header(); ok {
			v.folded[i] = folded
		}
	}
	if folded {
		at[1] = -1
	}
	v.layout()
	v.cursorTo(at)
}

// MoveTo puts the cursor on a section's line (-1: its header), unfolding
// the section when the line is in it.
func (v *Viewer) MoveTo(sec, line int) {
	if line >= 0 && v.Folded(sec) {
		v.folded[sec] = false
		v.layout()
	}
	v.cursorTo([2]int{sec, line})
	// Show what follows a header (the lines it opens) when there is room.
	if line < 0 && v.h > 0 {
		v.ensure(v.cursor + v.h)
		v.offset = max(0, min(v.cursor, len(v.rows)-v.h))
	}
}

// Find moves the cursor to the next (dir 1) or previous (-1) line that
// matches, from the cursor, and reports whether it found one. Headers
// are offered with line -1.
func (v *Viewer) Find(dir int, match func(sec, line int, l Line) bool) bool {
	for i := v.cursor + dir; i >= 0; i += dir {
		if v.ensure(i + 1); i >= len(v.rows) {
			break
		}
		r := v.rows[i]
		if r.start != i {
			continue
		}
		var l Line
		if r.line < 0 {
			l, _ = v.page.Sections[r.sec].header()
		} else {
			l = v.built[r.sec][r.line]
		}
		if match(r.sec, r.line, l) {
			v.cursor = i
			v.scroll()
			return true
		}
	}
	return false
}

// View draws the rows in view, exactly h lines of at most w cells.
func (v *Viewer) View() string {
	if v.h <= 0 {
		return ""
	}
	v.ensure(v.offset + v.h)
	out := make([]string, 0, v.h)
	for i := v.offset; i < len(v.rows) && len(out) < v.h; i++ {
		r := v.rows[i]
		var l Line
		if r.line < 0 {
			l, _ = v.header(r.sec)
		} else {
			l = v.built[r.sec][r.line]
		}
		out = append(out, pane.Line(v.c, pane.Row{Text: r.text, Class: l.Class, Ref: l.Link, NoBadge: l.Link.Kind == ""},
			r.start == v.cursor && v.focused, v.focused, v.w, v.hscroll))
	}
	return pane.Lines(out, v.h)
}

// Replace shows a new build of the same object's page, keeping the
// cursor's line, the scroll and the folds (sections matched by name).
func (v *Viewer) Replace(p Page) {
	folds := map[string]bool{}
	for i, s := range v.page.Sections {
		if s.Name != "" {
			folds[s.Name] = v.folded[i]
		}
	}
	at, offset := v.rows0(), v.offset
	v.page = p
	v.folded = make([]bool, len(p.Sections))
	v.built = make([][]Line, len(p.Sections))
	for i, s := range p.Sections {
		f, seen := folds[s.Name]
		if !seen {
			f = s.Folded
		}
		_, hasHeader := s.header()
		v.folded[i] = f && hasHeader
		v.built[i] = s.Lines
	}
	v.layout()
	v.cursorTo(at)
	v.ensure(offset + v.h)
	v.offset = max(0, min(offset, len(v.rows)-v.h))
	v.scroll()
}
