package tree

import (
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/ostopo/ostopo/ui/pane"
	"github.com/ostopo/ostopo/ui/render"
)

// Update handles the keys of the focused pane (movement, folding, enter,
// horizontal scroll) and the mouse. The filter's keys (/, n, N, esc) are
// the root's: it calls SetFilter and NextMatch.
func (m *Model) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case tea.KeyMsg:
		return m.key(msg)
	case tea.MouseMsg:
		m.mouse(msg)
	}
	return nil
}

func (m *Model) key(msg tea.KeyMsg) tea.Cmd {
	k := m.c.Keys
	h := m.rows()
	if col := m.sortKey(msg); col >= 0 {
		m.sortRoots(col)
		return nil
	}
	switch {
	case key.Matches(msg, k.Up):
		m.move(-1)
	case key.Matches(msg, k.Down):
		m.move(1)
	case key.Matches(msg, k.Top):
		m.cursor, m.offset = 0, 0
	case key.Matches(msg, k.Bottom):
		m.move(len(m.visible))
	case key.Matches(msg, k.PageUp):
		m.page(-h)
	case key.Matches(msg, k.PageDown):
		m.page(h)
	case key.Matches(msg, k.HalfUp):
		m.page(-max(1, h/2))
	case key.Matches(msg, k.HalfDown):
		m.page(max(1, h/2))
	case key.Matches(msg, k.ScrollLeft):
		m.hscroll = max(0, m.hscroll-8)
	case key.Matches(msg, k.ScrollRight):
		m.hscroll += 8
	case key.Matches(msg, k.Enter):
		return m.enter()
	case key.Matches(msg, k.Fold):
		m.toggle()
	case key.Matches(msg, k.FoldAll):
		m.setAll(false)
	case key.Matches(msg, k.UnfoldAll):
		m.setAll(true)
	case key.Matches(msg, k.NextGroup):
		m.nextGroup(1)
	case key.Matches(msg, k.PrevGroup):
		m.nextGroup(-1)
	case key.Matches(msg, k.NextProblem):
		return m.nextProblem(1)
	case key.Matches(msg, k.PrevProblem):
		return m.nextProblem(-1)
	}
	return nil
}

// enter opens the object of the row; on a section (no object of its
// own) it folds or unfolds it.
func (m *Model) enter() tea.Cmd {
	i := m.node()
	if i < 0 {
		return nil
	}
	if ref := m.e[i].n.Ref; ref != (render.Ref{}) {
		return pane.OpenCmd(ref)
	}
	if m.group(i) {
		m.toggle()
	}
	return nil
}

// toggle folds or unfolds the group under the cursor; on a leaf it folds
// the leaf's group and puts the cursor on it.
func (m *Model) toggle() {
	i := m.node()
	if i < 0 {
		return
	}
	open := m.folding()
	if !m.group(i) {
		p := m.parent(i)
		if p < 0 {
			return
		}
		open[p] = false
		m.refold(p)
		return
	}
	open[i] = !open[i]
	m.refold(i)
}

// setAll folds or unfolds every group; the cursor stays on its row, or
// on the group that now holds it.
func (m *Model) setAll(unfold bool) {
	i := m.node()
	open := m.folding()
	for j := range open {
		open[j] = unfold && m.group(j)
	}
	m.refold(i)
}

// nextGroup moves to the next (dir 1) or previous (-1) group row on
// screen.
func (m *Model) nextGroup(dir int) {
	for k := m.cursor + dir; k >= 0 && k < len(m.visible); k += dir {
		if m.group(int(m.visible[k])) {
			m.cursor = k
			m.keepVisible()
			return
		}
	}
}

// nextProblem moves to the next (dir 1) or previous (-1) row with a
// problem of its own, unfolding what hides it, round the end of the tree.
func (m *Model) nextProblem(dir int) tea.Cmd {
	n := len(m.e)
	if n == 0 {
		return nil
	}
	start := max(m.node(), 0)
	if m.node() < 0 && dir < 0 {
		start = n
	}
	for k := 1; k <= n; k++ {
		i := ((start+dir*k)%n + n) % n
		e := &m.e[i]
		if e.n.NoBadge || !e.n.Health.Problem() || m.filtering && m.flags[i]&fShown == 0 {
			continue
		}
		m.goTo(i)
		return nil
	}
	return pane.StatusCmd("no problem here")
}

// mouse: the wheel moves the cursor; a click selects a row, and a click
// on the selected group folds or unfolds it. Y counts from the pane's
// first line (the root translates the screen's coordinates).
func (m *Model) mouse(msg tea.MouseMsg) {
	switch {
	case msg.Button == tea.MouseButtonWheelUp:
		m.move(-3)
	case msg.Button == tea.MouseButtonWheelDown:
		m.move(3)
	case msg.Action == tea.MouseActionPress && msg.Button == tea.MouseButtonLeft:
		y := msg.Y
		if m.heading() != "" {
			y--
		}
		k := m.offset + y
		if y < 0 || k >= len(m.visible) {
			return
		}
		if k == m.cursor && m.group(int(m.visible[k])) {
			m.toggle()
			return
		}
		m.cursor = k
	}
}

// Keys are the bindings that act on the row under the cursor, most
// useful first: on a group folding, on a leaf opening.
func (m *Model) Keys() []key.Binding {
	k := m.c.Keys
	i := m.node()
	if i < 0 {
		return nil
	}
	var out []key.Binding
	open := relabel(k.Enter, "open")
	if m.group(i) {
		what := "unfold"
		if m.folding()[i] {
			what = "fold"
		}
		out = append(out, relabel(k.Fold, what))
		if m.e[i].n.Ref != (render.Ref{}) {
			out = append(out, open)
		}
	} else {
		out = append(out, open)
		if m.parent(i) >= 0 {
			out = append(out, relabel(k.Fold, "fold group"))
		}
	}
	out = append(out, k.NextProblem, k.NextGroup)
	if b, ok := m.sortBinding(); ok {
		out = append(out, b)
	}
	return append(out, k.UnfoldAll, k.FoldAll, k.PrevProblem, k.PrevGroup)
}

// relabel is a binding with the help that says what it does here.
func relabel(b key.Binding, desc string) key.Binding {
	return key.NewBinding(key.WithKeys(b.Keys()...), key.WithHelp(b.Help().Key, desc))
}
