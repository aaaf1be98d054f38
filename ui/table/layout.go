package table

import (
	"strings"
	"unicode/utf8"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
)

// colSep is between two columns.
const colSep = "  "

// FlexMin is the width the Flex column keeps before other columns (with
// Priority > 0) are, unless its Min says otherwise.
const FlexMin = 30

// layout is where the columns go at one width: worked out when the width,
// the data or the wide mode change, never per frame.
type layout struct {
	cols   []int // the columns shown, in order
	widths []int // their widths in cells
	starts []int // where each begins in a line's text
	total  int   // the width of a whole line's text
}

// fit lays the columns out in avail cells. The wide mode shows every
// column at its natural width (the screen scrolls sideways). Otherwise
// each column gets its width up to its Max; while they do not fit, the
// column with the highest Priority is dropped (never a Priority 0 one),
// then the rest shrink toward their Min; the Flex column takes what
// remains, and what remains beyond its widest cell goes back to the
// columns Max had capped.
func fit(p *prepared, avail int, wide bool) layout {
	n := len(p.Columns)
	if n == 0 {
		return layout{}
	}
	width := make([]int, n)
	if wide {
		copy(width, p.natural)
		return place(allColumns(n), width)
	}
	flex := n - 1
	for c, col := range p.Columns {
		if col.Flex {
			flex = c
		}
	}
	floor := make([]int, n)
	for c, col := range p.Columns {
		capw := col.Max
		if capw <= 0 {
			capw = DefaultMax
		}
		width[c] = max(min(p.natural[c], capw), col.Min)
		floor[c] = col.Min
		if floor[c] <= 0 {
			floor[c] = min(width[c], ansi.StringWidth(p.labels[c].text)+1)
		}
	}
	if p.Columns[flex].Min <= 0 {
		// Enough of the flex column to read a problem; no more than its
		// widest cell (a healthy node's "ok" leaves the room to others).
		floor[flex] = min(p.natural[flex], FlexMin)
	}
	kept := allColumns(n)
	need := func() int {
		total := floor[flex] + len(colSep)*(len(kept)-1)
		for _, c := range kept {
			if c != flex {
				total += width[c]
			}
		}
		return total
	}
	for need() > avail {
		drop := -1
		for k, c := range kept {
			if c != flex && p.Columns[c].Priority > 0 && (drop < 0 || p.Columns[c].Priority >= p.Columns[kept[drop]].Priority) {
				drop = k
			}
		}
		if drop < 0 {
			break
		}
		kept = append(kept[:drop], kept[drop+1:]...)
	}
	// Still too wide with only the columns that are never dropped: take
	// a cell at a time from the one with the most to spare.
	for over := need() - avail; over > 0; over-- {
		most := -1
		for _, c := range kept {
			if c != flex && width[c] > floor[c] && (most < 0 || width[c]-floor[c] > width[most]-floor[most]) {
				most = c
			}
		}
		if most < 0 {
			break
		}
		width[most]--
	}
	rest := avail - (need() - floor[flex])
	if rest > p.natural[flex] {
		surplus := rest - p.natural[flex]
		for _, c := range kept {
			if c != flex && width[c] < p.natural[c] {
				grow := min(surplus, p.natural[c]-width[c])
				width[c] += grow
				surplus -= grow
			}
		}
		rest = p.natural[flex] + surplus
	}
	width[flex] = max(rest, floor[flex])
	return place(kept, width)
}

func allColumns(n int) []int {
	cols := make([]int, n)
	for i := range cols {
		cols[i] = i
	}
	return cols
}

// place computes where the kept columns start.
func place(cols []int, width []int) layout {
	l := layout{cols: cols, widths: make([]int, len(cols)), starts: make([]int, len(cols))}
	x := 0
	for k, c := range cols {
		if k > 0 {
			x += len(colSep)
		}
		l.starts[k] = x
		l.widths[k] = width[c]
		x += width[c]
	}
	l.total = x
	return l
}

// line is row i's text in the layout: each cell cut to its column with
// an ellipsis, numbers right-aligned, columns two spaces apart, no
// trailing spaces after the last.
func (p *prepared) line(b *strings.Builder, i int, l *layout) string {
	b.Reset()
	row := &p.Rows[i]
	last := len(l.cols) - 1
	for k, c := range l.cols {
		if k > 0 {
			b.WriteString(colSep)
		}
		cell, cw, w := row.Cells[c], p.widths[i][c], l.widths[k]
		if cw > w {
			cell = ansi.Truncate(cell, w, "…")
			cw = ansi.StringWidth(cell)
		}
		pad := w - cw
		switch {
		case p.Columns[c].Numeric:
			writeSpaces(b, pad)
			b.WriteString(cell)
		case k == last:
			b.WriteString(cell)
		default:
			b.WriteString(cell)
			writeSpaces(b, pad)
		}
	}
	return b.String()
}

func writeSpaces(b *strings.Builder, n int) {
	for ; n > 0; n-- {
		b.WriteByte(' ')
	}
}

// heading is the styled heading line's text in the layout: each title
// with its sort letter underlined, the sorted column marked ▲ (ascending)
// or ▼.
func (p *prepared) heading(l *layout, style lipgloss.Style, sortCol int, desc bool) string {
	var b strings.Builder
	under := style.Underline(true)
	for k, c := range l.cols {
		if k > 0 {
			b.WriteString(style.Render(colSep))
		}
		lab, w := p.labels[c], l.widths[k]
		arrow := ""
		if c == sortCol {
			arrow = "▲"
			if desc {
				arrow = "▼"
			}
		}
		text := lab.text
		if tw := ansi.StringWidth(text) + ansi.StringWidth(arrow); tw > w {
			text = ansi.Truncate(text, max(w-ansi.StringWidth(arrow), 0), "…")
		}
		pad := max(w-ansi.StringWidth(text)-ansi.StringWidth(arrow), 0)
		if k == len(l.cols)-1 && !p.Columns[c].Numeric {
			pad = 0
		}
		var cell strings.Builder
		if p.Columns[c].Numeric {
			cell.WriteString(style.Render(strings.Repeat(" ", pad)))
		}
		// The sort letter, underlined where the (maybe cut) title still
		// holds it.
		if i := lab.letter; i >= 0 {
			_, size := utf8.DecodeRuneInString(lab.text[i:])
			if i+size <= len(text) && text[i:i+size] == lab.text[i:i+size] {
				cell.WriteString(style.Render(text[:i]) + under.Render(text[i:i+size]) + style.Render(text[i+size:]+arrow))
			} else {
				cell.WriteString(style.Render(text + arrow))
			}
		} else {
			cell.WriteString(style.Render(text + arrow))
		}
		if !p.Columns[c].Numeric {
			cell.WriteString(style.Render(strings.Repeat(" ", pad)))
		}
		b.WriteString(cell.String())
	}
	return b.String()
}
