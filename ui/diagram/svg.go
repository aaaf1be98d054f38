package diagram

import (
	"fmt"
	"html"
	"strings"

	"github.com/ostopo/ostopo/netinspect/safetext"
)

// SVG sizes: a cell is cellW × cellH pixels at 100 %; the 13px monospace
// font advances about 7.8px, so a label fits the cells it was laid out in.
const (
	cellW   = 8
	cellH   = 16
	svgTop  = 30 // the title above the grid
	svgSide = 12
)

// SVG draws a layout as one SVG element: the same boxes, links, labels
// and health as the terminal, each cell cellW × cellH pixels. Every text
// is written visibly (safetext.Term) and escaped for XML. The element is
// as wide as the drawing but shrinks to its container (max-width 100 %),
// so that a page shows it whole; a layout built with Options.Width wraps
// its lanes to stay readable at that size.
func SVG(l *Layout) string {
	var b strings.Builder
	w, h := max(l.W, textWidth(l.Title)+4)*cellW+2*svgSide, l.H*cellH+svgTop+svgSide
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" class="topology" width="%d" height="%d" viewBox="0 0 %d %d" style="max-width:100%%;height:auto" font-family="DejaVu Sans Mono, monospace" font-size="13">`+"\n", w, h, w, h)
	b.WriteString(`<style>` +
		`text{white-space:pre;fill:#111}` +
		`rect{fill:#fff;stroke:#555;stroke-width:1}` +
		`.bridge>rect{fill:#e8f0fe;stroke:#1a56c4;stroke-width:2}` +
		`.bus>rect{fill:#e8f0fe;stroke:#1a56c4;stroke-width:3}` +
		`.router>rect,.namespace>rect{fill:#fdf6e3;stroke:#a67c00;stroke-dasharray:5 3}` +
		`.nic>rect,.tunnel>rect{fill:#eef7ee;stroke:#2b7a3d}` +
		`.port>rect{fill:#f4f4f4}` +
		`.bridge>text.name,.router>text.name,.network>text.name{font-weight:bold}` +
		`.network>text.name{fill:#1a56c4}` +
		`.stub>text,text.label{fill:#555}` +
		`polyline{fill:none;stroke:#555;stroke-width:1.5}` +
		`polyline.patch{stroke:#1a56c4;stroke-width:4}` +
		`polyline.veth{stroke:#333;stroke-width:3}` +
		`polyline.tunnel{stroke:#2b7a3d;stroke-dasharray:5 4}` +
		`[data-health=error]>rect{fill:#fde8e8;stroke:#b00020;stroke-width:2;stroke-dasharray:none}` +
		`[data-health=error]>text,[data-health=error]>text.name,text.error{fill:#b00020}polyline.error{stroke:#b00020}` +
		`[data-health=warning]>rect{fill:#fff4d6;stroke:#a66a00}` +
		`[data-health=warning]>text,text.warning{fill:#8a5a00}polyline.warning{stroke:#a66a00}` +
		`[data-health=unknown]>rect{stroke-dasharray:2 2}[data-health=unknown]>text,text.unknown{fill:#777}` +
		`text.title{font-size:15px;font-weight:bold}` +
		"</style>\n")
	fmt.Fprintf(&b, `<text class="title" x="%d" y="20">%s</text>`+"\n", svgSide, esc(l.Title))
	fmt.Fprintf(&b, `<g transform="translate(%d %d)">`+"\n", svgSide, svgTop)
	for i := range l.Links {
		lk := &l.Links[i]
		var pts []string
		for _, p := range lk.Points {
			pts = append(pts, fmt.Sprintf("%d,%d", p.X*cellW+cellW/2, p.Y*cellH+cellH/2))
		}
		cls := lk.Kind.String()
		if lk.Health != OK {
			cls += " " + lk.Health.String()
		}
		fmt.Fprintf(&b, `<polyline class="%s" points="%s"/>`+"\n", cls, strings.Join(pts, " "))
	}
	children := map[string][]int{}
	labels := map[string][]int{}
	for i := range l.Boxes {
		if p := l.Boxes[i].Parent; p != "" {
			children[p] = append(children[p], i)
		}
	}
	for i, lb := range l.Labels {
		labels[lb.Owner] = append(labels[lb.Owner], i)
	}
	var box func(i int)
	box = func(i int) {
		bx := &l.Boxes[i]
		b.WriteString(boxOpen(bx))
		if bx.Problem != "" {
			fmt.Fprintf(&b, `<title>%s</title>`, esc(bx.Problem))
		}
		x, y := bx.X*cellW+cellW/2, bx.Y*cellH+cellH/2
		switch bx.Shape {
		case Frame, Bus:
			rx := 0
			if bx.Rounded {
				rx = 6
			}
			fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" rx="%d"/>`, x, y, (bx.W-1)*cellW, (bx.H-1)*cellH, rx)
			tx := bx.X + 1 + bx.Pad
			if bx.Shape == Bus {
				tx = bx.X + 2
			}
			for j, line := range bx.Lines {
				textAt(&b, tx, bx.Y+1+j, line, j == 0 && bx.Kind != KindPort)
			}
		case Heading:
			for j, line := range bx.Lines {
				textAt(&b, bx.X, bx.Y+j, line, j == 0 && bx.Kind == KindNetwork)
			}
		}
		for _, c := range children[bx.ID] {
			box(c)
		}
		for _, j := range labels[bx.ID] {
			lb := l.Labels[j]
			fmt.Fprintf(&b, `<text class="label %s" x="%d" y="%d">%s</text>`, lb.Health, lb.X*cellW, lb.Y*cellH+12, esc(lb.Text))
		}
		b.WriteString("</g>\n")
	}
	for i := range l.Boxes {
		if p := l.Boxes[i].Parent; p == "" || l.Box(p) == nil {
			box(i)
		}
	}
	for _, lb := range l.Labels {
		if lb.Owner == "" || l.Box(lb.Owner) == nil {
			fmt.Fprintf(&b, `<text class="label %s" x="%d" y="%d">%s</text>`+"\n", lb.Health, lb.X*cellW, lb.Y*cellH+12, esc(lb.Text))
		}
	}
	b.WriteString("</g>\n</svg>\n")
	return b.String()
}

// boxOpen opens a box's group: its kind as class, the object it stands
// for as data attributes (a bridge by name, a chain by port, the rest
// by id), its health when not ok.
func boxOpen(bx *Box) string {
	cls := string(bx.Kind)
	if bx.Shape == Bus {
		cls = "bridge bus"
	}
	attr := "id"
	switch bx.Kind {
	case KindBridge:
		attr = "name"
	case KindChain:
		attr = "port"
	}
	s := `<g class="` + cls + `" data-` + attr + `="` + esc(bx.Ref.ID) + `"`
	if bx.Health != OK {
		s += ` data-health="` + bx.Health.String() + `"`
	}
	return s + ">"
}

// textAt writes a line of text whose first cell is x, y.
func textAt(b *strings.Builder, x, y int, s string, name bool) {
	cls := ""
	if name {
		cls = ` class="name"`
	}
	fmt.Fprintf(b, `<text%s x="%d" y="%d">%s</text>`, cls, x*cellW, y*cellH+12, esc(s))
}

// esc is text for SVG (XML): every control character written visibly
// (XML cannot hold most C0 controls at all, and a drawing's text is also
// copied into terminals), then tags and entities escaped.
func esc(s string) string { return html.EscapeString(safetext.Term(s)) }
