package diagram

import (
	"slices"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/ostopo/ostopo/ui/pane"
	"github.com/ostopo/ostopo/ui/render"
)

// panStep is how far a pan key moves the window, in cells.
const panStep = 16

// Model is the diagram pane: the layout drawn into cells once, a window
// on it that pans and scrolls, and a cursor on one box. It implements
// pane.Pane and pane.Selectable.
//
// The grid is drawn once per layout (per snapshot, and when a lane is
// expanded); moving the cursor only recomputes the highlight of the
// selected box, and a frame only cuts its window out of the grid.
type Model struct {
	c       pane.Context
	l       *Layout
	g       *grid
	sel     int // index into l.Order; -1 when there is nothing to select
	x0, y0  int // the window's top-left cell
	w, h    int
	focused bool
	hl      *highlight
	paint   [2]*painter // unfocused, focused
}

// New makes the pane for a layout (nil draws nothing).
func New(c pane.Context, l *Layout) *Model {
	if l == nil {
		l = &Layout{byID: map[string]int{}}
	}
	m := &Model{c: c, l: l, sel: -1}
	m.paint[0], m.paint[1] = newPainter(c.Styles, false), newPainter(c.Styles, true)
	if len(l.Order) > 0 {
		m.sel = 0
		// Start on the first broken object, if any: what the operator
		// opened the diagram for.
		for i, bi := range l.Order {
			if l.Boxes[bi].Health == Error {
				m.sel = i
				break
			}
		}
	}
	m.selectionChanged()
	return m
}

// Layout is the layout drawn.
func (m *Model) Layout() *Layout { return m.l }

// SetSize gives the pane its cells.
func (m *Model) SetSize(w, h int) {
	m.w, m.h = max(w, 0), max(h, 0)
	m.follow()
}

// SetFocus tells the pane whether keys go to it.
func (m *Model) SetFocus(f bool) { m.focused = f }

// Title is "Diagram" and the selection's name.
func (m *Model) Title() string {
	if b := m.box(); b != nil && b.Name != "" {
		return "Diagram · " + b.Name
	}
	return "Diagram"
}

func (m *Model) box() *Box {
	if m.sel < 0 || m.sel >= len(m.l.Order) {
		return nil
	}
	return &m.l.Boxes[m.l.Order[m.sel]]
}

// Selected is the selected box's object, with what y copies and t traces
// as a list row of it would.
func (m *Model) Selected() pane.Selection {
	b := m.box()
	if b == nil {
		return pane.Selection{}
	}
	return pane.Selection{Ref: b.Ref, Copy: b.Copy, Trace: b.Trace}
}

// Keys are the bindings that act on the diagram.
func (m *Model) Keys() []key.Binding {
	k := m.c.Keys
	ks := []key.Binding{k.Up, k.Down, k.ScrollLeft, k.ScrollRight}
	if b := m.box(); b != nil {
		if b.Kind == KindStub && b.Lane >= 0 {
			ks = append(ks, withHelp(k.Enter, "show all"))
		} else {
			ks = append(ks, k.Enter)
		}
		if b.Lane >= 0 && m.expanded(b.Lane) {
			ks = append(ks, withHelp(k.Fold, "fold lane"))
		}
	}
	return append(ks, k.NextProblem, k.PrevProblem, k.NextGroup, k.PrevGroup, k.PageDown, k.PageUp, k.Top, k.Bottom)
}

func withHelp(b key.Binding, desc string) key.Binding {
	b.SetHelp(b.Help().Key, desc)
	return b
}

// Update moves the cursor and the window; Enter opens the selected
// object's page (or shows what a stub leaves out).
func (m *Model) Update(msg tea.Msg) tea.Cmd {
	if mm, ok := msg.(tea.MouseMsg); ok {
		m.wheel(mm)
		return nil
	}
	km, ok := msg.(tea.KeyMsg)
	if !ok {
		return nil
	}
	k := m.c.Keys
	switch {
	case key.Matches(km, k.Down):
		m.move(m.sel + 1)
	case key.Matches(km, k.Up):
		m.move(m.sel - 1)
	case key.Matches(km, k.Top):
		m.move(0)
	case key.Matches(km, k.Bottom):
		m.move(len(m.l.Order) - 1)
	case key.Matches(km, k.PageDown):
		m.moveBy(m.h)
	case key.Matches(km, k.PageUp):
		m.moveBy(-m.h)
	case key.Matches(km, k.HalfDown):
		m.moveBy(m.h / 2)
	case key.Matches(km, k.HalfUp):
		m.moveBy(-m.h / 2)
	case key.Matches(km, k.ScrollRight):
		m.pan(panStep)
	case key.Matches(km, k.ScrollLeft):
		m.pan(-panStep)
	case key.Matches(km, k.NextProblem):
		m.seek(1, func(b *Box) bool { return b.Health >= Warning })
	case key.Matches(km, k.PrevProblem):
		m.seek(-1, func(b *Box) bool { return b.Health >= Warning })
	case key.Matches(km, k.NextGroup):
		m.seek(1, func(b *Box) bool { return b.Kind == KindNetwork || b.Shape == Bus })
	case key.Matches(km, k.PrevGroup):
		m.seek(-1, func(b *Box) bool { return b.Kind == KindNetwork || b.Shape == Bus })
	case key.Matches(km, k.Fold):
		if b := m.box(); b != nil && b.Lane >= 0 && m.expanded(b.Lane) {
			m.setExpanded(b.Lane, false, b.Ref)
		}
	case key.Matches(km, k.Enter):
		b := m.box()
		if b == nil {
			return nil
		}
		if b.Kind == KindStub && b.Lane >= 0 {
			m.setExpanded(b.Lane, true, render.Ref{})
			return nil
		}
		return pane.OpenCmd(b.Ref)
	}
	return nil
}

// View draws the window: exactly the size set.
func (m *Model) View() string {
	if m.w <= 0 || m.h <= 0 {
		return ""
	}
	if m.g == nil {
		m.g = draw(m.l)
	}
	p := m.paint[0]
	if m.focused {
		p = m.paint[1]
	}
	return pane.Lines(m.g.window(m.x0, m.y0, m.w, m.h, m.hl, p), m.h)
}

// Select puts the cursor on the box of ref, showing a lane whole when
// ref is a port its stub counts.
func (m *Model) Select(ref render.Ref) bool {
	if i := m.l.Find(ref); i >= 0 {
		m.move(slices.Index(m.l.Order, i))
		return true
	}
	if ref.Kind != "port" {
		return false
	}
	lane, hidden := m.l.laneOf(ref.ID)
	if lane < 0 || !hidden {
		return false
	}
	m.setExpanded(lane, true, ref)
	return m.l.Find(ref) >= 0
}

// move puts the cursor on the i-th box of the reading order (clamped).
func (m *Model) move(i int) {
	if len(m.l.Order) == 0 {
		return
	}
	m.sel = min(max(i, 0), len(m.l.Order)-1)
	m.selectionChanged()
	m.follow()
}

// moveBy moves the cursor to the first box at least dy rows below (or
// above) the selected one, nearest it across.
func (m *Model) moveBy(dy int) {
	b := m.box()
	if b == nil || dy == 0 {
		return
	}
	ty := b.Y + dy
	best, bestD := -1, 0
	for i, bi := range m.l.Order {
		c := &m.l.Boxes[bi]
		if dy > 0 && c.Y < ty || dy < 0 && c.Y > ty {
			continue
		}
		d := abs(c.Y-ty)*4 + abs(c.X-b.X)
		if best < 0 || d < bestD {
			best, bestD = i, d
		}
	}
	if best < 0 {
		// Nothing that far: the last (or first) box.
		best = 0
		if dy > 0 {
			best = len(m.l.Order) - 1
		}
	}
	m.move(best)
}

// seek moves to the next box (dir 1) or previous one (-1) that ok accepts,
// wrapping round.
func (m *Model) seek(dir int, ok func(*Box) bool) {
	n := len(m.l.Order)
	for step := 1; step <= n; step++ {
		i := ((m.sel+dir*step)%n + n) % n
		if ok(&m.l.Boxes[m.l.Order[i]]) {
			m.move(i)
			return
		}
	}
}

// wheel scrolls the window with the mouse wheel (sideways with shift, or
// a tilt), leaving the cursor where it is.
func (m *Model) wheel(mm tea.MouseMsg) {
	if mm.Action != tea.MouseActionPress {
		return
	}
	switch mm.Button {
	case tea.MouseButtonWheelUp, tea.MouseButtonWheelDown:
		d := 3
		if mm.Button == tea.MouseButtonWheelUp {
			d = -3
		}
		if mm.Shift {
			m.pan(d * 4)
			return
		}
		m.y0 = max(min(m.y0+d, m.l.H-m.h), 0)
	case tea.MouseButtonWheelLeft:
		m.pan(-panStep)
	case tea.MouseButtonWheelRight:
		m.pan(panStep)
	}
}

// pan moves the window across, within the drawing.
func (m *Model) pan(dx int) {
	m.x0 = max(min(m.x0+dx, m.l.W-m.w), 0)
}

// follow scrolls the window so that the selected box is in it (its
// top-left corner first when it is larger than the window).
func (m *Model) follow() {
	b := m.box()
	if b == nil || m.w <= 0 || m.h <= 0 {
		return
	}
	x1, y1 := b.X+b.W-1, b.Y+b.H-1
	if b.Shape == Group {
		// A chain: its devices, not its long label, need to be seen.
		x1 = b.X + min(b.W, m.w) - 1
	}
	if x1 >= m.x0+m.w {
		m.x0 = x1 - m.w + 1
	}
	if b.X-1 < m.x0 {
		m.x0 = max(b.X-1, 0)
	}
	if y1 >= m.y0+m.h {
		m.y0 = y1 - m.h + 1
	}
	if b.Y < m.y0 {
		m.y0 = b.Y
	}
	if b.Kind == KindNetwork || b.Kind == KindStub {
		// A heading's trunk is left of it.
		m.x0 = max(min(m.x0, b.X-4), 0)
	}
}

// selectionChanged works out the highlight of the selected box (the grid
// is drawn first if it is not yet).
func (m *Model) selectionChanged() {
	b := m.box()
	if b == nil {
		m.hl = nil
		return
	}
	if m.g == nil {
		m.g = draw(m.l)
	}
	m.hl = highlightOf(m.l, m.g, b)
}

// expanded reports whether a lane is shown whole.
func (m *Model) expanded(lane int) bool {
	if lane < 0 || lane >= len(m.l.Lanes) {
		return false
	}
	return slices.Contains(m.l.opt.Expand, m.l.Lanes[lane].Key)
}

// setExpanded shows a lane whole (or folds it back to its stub), builds
// the layout again, and puts the cursor on ref, or on what was shown
// first, or on the lane's heading.
func (m *Model) setExpanded(lane int, on bool, ref render.Ref) {
	if m.l.snap == nil || lane < 0 || lane >= len(m.l.Lanes) {
		return
	}
	ln := m.l.Lanes[lane]
	opt := m.l.opt
	opt.Expand = slices.DeleteFunc(slices.Clone(opt.Expand), func(k string) bool { return k == ln.Key })
	if on {
		opt.Expand = append(opt.Expand, ln.Key)
	}
	var first render.Ref
	if on && len(ln.Hidden) > 0 {
		first = render.Ref{Kind: "port", ID: ln.Hidden[0]}
	}
	keep := m.Selected().Ref
	m.l = m.l.Rebuild(opt)
	m.g = nil
	target := -1
	for _, r := range []render.Ref{ref, first, keep} {
		if r != (render.Ref{}) {
			if target = m.l.Find(r); target >= 0 {
				break
			}
		}
	}
	if target < 0 && lane < len(m.l.Lanes) {
		target = m.l.byID[m.l.Lanes[lane].Header]
	}
	m.sel = max(slices.Index(m.l.Order, target), 0)
	m.x0 = min(m.x0, max(m.l.W-m.w, 0))
	m.selectionChanged()
	m.follow()
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}
