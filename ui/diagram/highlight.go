package diagram

// highlight is what the selection changes on the grid: the cells drawn
// reversed (the selected box, what is in it, its links) and the glyphs
// replaced (its frame heavy, a ▶ before a heading), so that the cursor is
// seen without colour too.
type highlight struct {
	rects []rect
	cells map[int]bool
	over  map[int]rune
}

type rect struct{ x0, y0, x1, y1 int }

func (h *highlight) lit(k, x, y int) bool {
	if h == nil {
		return false
	}
	if h.cells[k] {
		return true
	}
	for _, r := range h.rects {
		if x >= r.x0 && x <= r.x1 && y >= r.y0 && y <= r.y1 {
			return true
		}
	}
	return false
}

func (h *highlight) overRune(k int) (rune, bool) {
	if h == nil {
		return 0, false
	}
	r, ok := h.over[k]
	return r, ok
}

// highlightOf is the highlight of box b: it and what is drawn in it
// (a chain's devices, a router's ports) reversed, their labels, the links
// that touch them; their frames heavy, a ▶ before a heading.
func highlightOf(l *Layout, g *grid, b *Box) *highlight {
	hl := &highlight{cells: map[int]bool{}, over: map[int]rune{}}
	ids := map[string]bool{b.ID: true}
	for i := range l.Boxes {
		if l.Boxes[i].Parent == b.ID {
			ids[l.Boxes[i].ID] = true
		}
	}
	for i := range l.Boxes {
		c := &l.Boxes[i]
		if !ids[c.ID] {
			continue
		}
		if c.Shape != Group {
			// A group is lit by what is in it, not the blanks between.
			hl.rects = append(hl.rects, rect{c.X, c.Y, c.X + c.W - 1, c.Y + c.H - 1})
		}
		switch c.Shape {
		case Frame, Bus:
			for x := c.X; x < c.X+c.W; x++ {
				for _, y := range []int{c.Y, c.Y + c.H - 1} {
					if g.in(x, y) {
						hl.over[g.at(x, y)] = heavy(g.runes[g.at(x, y)])
					}
				}
			}
			for y := c.Y; y < c.Y+c.H; y++ {
				for _, x := range []int{c.X, c.X + c.W - 1} {
					if g.in(x, y) {
						hl.over[g.at(x, y)] = heavy(g.runes[g.at(x, y)])
					}
				}
			}
		case Heading:
			if g.in(c.X-1, c.Y) {
				hl.over[g.at(c.X-1, c.Y)] = '▶'
			}
		}
	}
	for _, lb := range l.Labels {
		if ids[lb.Owner] {
			hl.rects = append(hl.rects, rect{lb.X, lb.Y, lb.X + textWidth(lb.Text) - 1, lb.Y})
		}
	}
	for i := range l.Links {
		lk := &l.Links[i]
		if !ids[lk.From] && !ids[lk.To] {
			continue
		}
		for j := 1; j < len(lk.Points); j++ {
			p, q := lk.Points[j-1], lk.Points[j]
			dx, dy := sign(q.X-p.X), sign(q.Y-p.Y)
			for x, y := p.X, p.Y; ; x, y = x+dx, y+dy {
				if g.in(x, y) {
					hl.cells[g.at(x, y)] = true
				}
				if x == q.X && y == q.Y {
					break
				}
			}
		}
	}
	return hl
}
