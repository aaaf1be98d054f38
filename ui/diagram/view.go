package diagram

import (
	"strings"

	"github.com/charmbracelet/lipgloss"
	"github.com/ostopo/ostopo/ui/theme"
)

// painter holds each class's escape sequences, worked out once from the
// styles (a frame writes runs of cells, never asks lipgloss per cell).
type painter struct {
	pre, post [2][numClasses]string // [highlighted][class]
}

func newPainter(s theme.Styles, focused bool) *painter {
	base := [numClasses]lipgloss.Style{
		clsNormal:  s.Normal,
		clsDim:     s.Dim,
		clsHeader:  s.Header,
		clsError:   s.Problem,
		clsWarning: s.Changed, // the theme's amber: warnings are said in it
		clsUnknown: s.Dim,
	}
	p := &painter{}
	for c, st := range base {
		for hl := range 2 {
			if hl == 1 {
				st = st.Inherit(s.Cursor).Reverse(true)
				if !focused {
					st = st.Faint(true)
				}
			}
			r := st.Render("x")
			i := strings.IndexByte(r, 'x')
			if i < 0 {
				continue
			}
			p.pre[hl][c], p.post[hl][c] = r[:i], r[i+1:]
		}
	}
	return p
}

// window draws the cells from x0, y0, w wide and h high: a line per row,
// each at most w cells, trailing blanks left out.
func (g *grid) window(x0, y0, w, h int, hl *highlight, p *painter) []string {
	lines := make([]string, 0, h)
	var b, run strings.Builder
	for y := y0; y < y0+h; y++ {
		if y < 0 || y >= g.h {
			lines = append(lines, "")
			continue
		}
		b.Reset()
		run.Reset()
		cur, curHL := class(0), false
		pending := 0 // plain blanks not written yet (dropped at the end)
		flush := func() {
			if run.Len() > 0 {
				hi := 0
				if curHL {
					hi = 1
				}
				b.WriteString(p.pre[hi][cur])
				b.WriteString(run.String())
				b.WriteString(p.post[hi][cur])
				run.Reset()
			}
		}
		end := min(x0+w, g.w)
		for x := max(x0, 0); x < end; x++ {
			k := g.at(x, y)
			r := g.runes[k]
			lit := hl.lit(k, x, y)
			if o, ok := hl.overRune(k); ok {
				r = o
			}
			switch {
			case r == cont:
				if x == x0 {
					r = ' ' // the first half is left of the window
				} else {
					continue
				}
			case r != 0 && x+1 < g.w && g.runes[k+1] == cont && x+1 >= end:
				r = ' ' // the second half is right of the window
			}
			if r == 0 {
				r = ' '
			}
			if r == ' ' && !lit {
				pending++
				continue
			}
			c := g.cls[k]
			if c != cur || lit != curHL {
				flush()
				cur, curHL = c, lit
			}
			if pending > 0 {
				// Blanks between styled runs are written plain.
				if run.Len() > 0 {
					flush()
				}
				b.WriteString(strings.Repeat(" ", pending))
				pending = 0
			}
			run.WriteRune(r)
			if e, ok := g.extra[k]; ok {
				run.WriteString(e)
			}
		}
		flush()
		lines = append(lines, b.String())
	}
	return lines
}

// Text is the whole drawing as plain text, a line per row (trailing
// blanks left out), for printing without the TUI (--plain, a pipe). Its
// names are terminal-safe (safetext.Term), so it can be written to a
// terminal as it is.
func Text(l *Layout) string {
	g := draw(l)
	return strings.Join(g.window(0, 0, g.w, g.h, nil, &painter{}), "\n") + "\n"
}
