package diagram

import (
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
)

// class is how a cell is styled in the terminal.
type class uint8

const (
	clsNormal class = iota
	clsDim
	clsHeader
	clsError
	clsWarning
	clsUnknown
	numClasses
)

// healthClass is the style of a healthy-or-not thing; ok is the class of
// a healthy one.
func healthClass(h Health, ok class) class {
	switch h {
	case Error:
		return clsError
	case Warning:
		return clsWarning
	case Unknown:
		return clsUnknown
	}
	return ok
}

// cont marks the second cell of a wide character.
const cont = -1

// grid is the whole layout drawn into terminal cells, once per layout:
// a frame only cuts the visible window out of it.
type grid struct {
	w, h  int
	runes []rune
	cls   []class
	// extra holds what follows a cell's rune without taking a cell of its
	// own (combining marks), by cell index.
	extra map[int]string
}

func (g *grid) at(x, y int) int { return y*g.w + x }

func (g *grid) in(x, y int) bool { return x >= 0 && y >= 0 && x < g.w && y < g.h }

// draw renders a layout into cells.
func draw(l *Layout) *grid {
	g := &grid{w: max(l.W, 1), h: max(l.H, 1)}
	n := g.w * g.h
	g.runes = make([]rune, n)
	g.cls = make([]class, n)
	a := make([]arms, n)
	dashed := map[int]bool{}
	lineCls := make([]class, n)
	round := map[int]bool{}

	put := func(x, y int, side uint, weight uint8) {
		if g.in(x, y) {
			i := g.at(x, y)
			a[i] = a[i].with(side, weight)
		}
	}
	// Frames.
	for i := range l.Boxes {
		b := &l.Boxes[i]
		if b.Shape != Frame && b.Shape != Bus {
			continue
		}
		wt := uint8(1)
		if b.Shape == Bus || b.Kind == KindBridge {
			wt = 2
		}
		x0, y0, x1, y1 := b.X, b.Y, b.X+b.W-1, b.Y+b.H-1
		c := healthClass(b.Health, clsNormal)
		if c == clsNormal && b.Kind == KindBridge {
			c = clsHeader
		}
		for x := x0; x <= x1; x++ {
			if x > x0 {
				put(x, y0, armW, wt)
				put(x, y1, armW, wt)
			}
			if x < x1 {
				put(x, y0, armE, wt)
				put(x, y1, armE, wt)
			}
		}
		for y := y0; y <= y1; y++ {
			if y > y0 {
				put(x0, y, armN, wt)
				put(x1, y, armN, wt)
			}
			if y < y1 {
				put(x0, y, armS, wt)
				put(x1, y, armS, wt)
			}
		}
		for x := x0; x <= x1; x++ {
			for _, y := range []int{y0, y1} {
				if g.in(x, y) {
					lineCls[g.at(x, y)] = c
				}
			}
		}
		for y := y0; y <= y1; y++ {
			for _, x := range []int{x0, x1} {
				if g.in(x, y) {
					lineCls[g.at(x, y)] = c
				}
			}
		}
		if b.Rounded && wt == 1 {
			for _, p := range []Point{{x0, y0}, {x1, y0}, {x0, y1}, {x1, y1}} {
				if g.in(p.X, p.Y) {
					round[g.at(p.X, p.Y)] = true
				}
			}
		}
	}
	// Links, over the frames: a link's end on a frame makes a junction.
	for i := range l.Links {
		lk := &l.Links[i]
		wt := uint8(1)
		if lk.Kind == Veth || lk.Kind == Patch {
			wt = 2
		}
		c := healthClass(lk.Health, clsNormal)
		pts := lk.Points
		for j := 1; j < len(pts); j++ {
			p, q := pts[j-1], pts[j]
			dx, dy := sign(q.X-p.X), sign(q.Y-p.Y)
			for x, y := p.X, p.Y; ; x, y = x+dx, y+dy {
				if dx > 0 && x < q.X || dx < 0 && x > q.X {
					put(x, y, side(dx, 0), wt)
				}
				if dx > 0 && x > p.X || dx < 0 && x < p.X {
					put(x, y, side(-dx, 0), wt)
				}
				if dy > 0 && y < q.Y || dy < 0 && y > q.Y {
					put(x, y, side(0, dy), wt)
				}
				if dy > 0 && y > p.Y || dy < 0 && y < p.Y {
					put(x, y, side(0, -dy), wt)
				}
				if g.in(x, y) {
					k := g.at(x, y)
					if lk.Kind == Tunnel {
						dashed[k] = true
					}
					// A broken link's colour wins where lines meet.
					if lineCls[k] == clsNormal || c > lineCls[k] {
						lineCls[k] = c
					}
				}
				if x == q.X && y == q.Y {
					break
				}
			}
		}
		// A link into a text (a heading, a stub) runs on into it.
		if to := l.Box(lk.To); to != nil && to.Shape == Heading && len(pts) > 1 {
			p, q := pts[len(pts)-2], pts[len(pts)-1]
			put(q.X, q.Y, side(sign(q.X-p.X), sign(q.Y-p.Y)), wt)
		}
	}
	for i, ar := range a {
		if ar == 0 {
			continue
		}
		r := glyph(ar, dashed[i])
		if round[i] {
			r = rounded(r)
		}
		g.runes[i], g.cls[i] = r, lineCls[i]
	}
	// Text: labels, then boxes' lines (over whatever was under them).
	for _, lb := range l.Labels {
		c := healthClass(lb.Health, clsDim)
		g.text(lb.X, lb.Y, lb.Text, c, -1)
	}
	for i := range l.Boxes {
		b := &l.Boxes[i]
		switch b.Shape {
		case Frame:
			for j, line := range b.Lines {
				c := healthClass(b.Health, clsNormal)
				if j == 0 && c == clsNormal && (b.Kind == KindBridge || b.Kind == KindRouter) {
					c = clsHeader
				}
				g.text(b.X+1+b.Pad, b.Y+1+j, line, c, b.X+b.W-1)
			}
		case Bus:
			c := healthClass(b.Health, clsHeader)
			g.text(b.X+2, b.Y+1, b.Lines[0], c, b.X+b.W-1)
		case Heading:
			for j, line := range b.Lines {
				c := healthClass(b.Health, clsNormal)
				if j == 0 && c == clsNormal && b.Kind == KindNetwork {
					c = clsHeader
				}
				if b.Kind == KindStub {
					c = clsDim
				}
				g.text(b.X, b.Y+j, line, c, -1)
			}
		}
	}
	return g
}

// text writes s from x, y in class c, stopping before the cell limit
// (-1: the grid's edge). A wide character takes two cells; a character
// of no width rides on the cell before it.
func (g *grid) text(x, y int, s string, c class, limit int) {
	if y < 0 || y >= g.h {
		return
	}
	if limit < 0 || limit > g.w {
		limit = g.w
	}
	for len(s) > 0 {
		r, size := utf8.DecodeRuneInString(s)
		s = s[size:]
		w := ansi.StringWidth(string(r))
		if w == 0 {
			if x > 0 && x-1 < limit {
				k := g.at(x-1, y)
				if g.extra == nil {
					g.extra = map[int]string{}
				}
				g.extra[k] += string(r)
			}
			continue
		}
		if x+w > limit {
			return
		}
		if x >= 0 {
			k := g.at(x, y)
			g.runes[k], g.cls[k] = r, c
			if w == 2 {
				g.runes[k+1], g.cls[k+1] = cont, c
			}
		}
		x += w
	}
}

func sign(v int) int {
	switch {
	case v > 0:
		return 1
	case v < 0:
		return -1
	}
	return 0
}

// side is the arm pointing in direction dx, dy.
func side(dx, dy int) uint {
	switch {
	case dx > 0:
		return armE
	case dx < 0:
		return armW
	case dy > 0:
		return armS
	}
	return armN
}
