package describe

import (
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/ostopo/ostopo/ui/pane"
	"github.com/ostopo/ostopo/ui/render"
)

// Update handles the keys a page takes: movement, folds, Enter on a link
// (which asks the root to open it), jumps by section and by problem, y.
func (v *Viewer) Update(msg tea.Msg) tea.Cmd {
	k := v.c.Keys
	switch msg := msg.(type) {
	case tea.MouseMsg:
		switch msg.Button {
		case tea.MouseButtonWheelUp:
			v.move(-3)
		case tea.MouseButtonWheelDown:
			v.move(3)
		}
	case tea.KeyMsg:
		switch {
		case key.Matches(msg, k.Up):
			v.move(-1)
		case key.Matches(msg, k.Down):
			v.move(1)
		case key.Matches(msg, k.Top):
			v.cursor = 0
			v.scroll()
		case key.Matches(msg, k.Bottom):
			v.all()
			v.move(len(v.rows))
		case key.Matches(msg, k.PageUp):
			v.move(-max(1, v.h-1))
		case key.Matches(msg, k.PageDown):
			v.move(max(1, v.h-1))
		case key.Matches(msg, k.HalfUp):
			v.move(-max(1, v.h/2))
		case key.Matches(msg, k.HalfDown):
			v.move(max(1, v.h/2))
		case key.Matches(msg, k.ScrollLeft):
			v.hscroll = max(0, v.hscroll-8)
		case key.Matches(msg, k.ScrollRight):
			v.hscroll += 8
		case key.Matches(msg, k.Enter):
			sec, line := v.At()
			if l, ok := v.Current(); ok && l.Link.Kind != "" {
				return pane.OpenCmd(l.Link)
			}
			if line < 0 {
				v.SetFolded(sec, !v.Folded(sec))
			}
		case key.Matches(msg, k.Fold):
			sec, _ := v.At()
			v.SetFolded(sec, !v.Folded(sec))
		case key.Matches(msg, k.FoldAll):
			v.FoldAll(true)
		case key.Matches(msg, k.UnfoldAll):
			v.FoldAll(false)
		case key.Matches(msg, k.NextGroup), key.Matches(msg, k.PrevGroup):
			v.Find(dir(msg, k.NextGroup), func(_, line int, _ Line) bool { return line < 0 })
		case key.Matches(msg, k.NextProblem), key.Matches(msg, k.PrevProblem):
			v.Find(dir(msg, k.NextProblem), func(_, _ int, l Line) bool { return l.Class == render.Problem })
		case key.Matches(msg, k.Copy):
			if l, ok := v.Current(); ok && l.Copy != "" {
				return pane.CopyCmd(l.Copy, "line")
			}
		}
	}
	return nil
}

func dir(msg tea.KeyMsg, forward key.Binding) int {
	if key.Matches(msg, forward) {
		return 1
	}
	return -1
}

// Keys are the bindings that act on the line under the cursor, most
// useful first.
func (v *Viewer) Keys() []key.Binding {
	k := v.c.Keys
	var out []key.Binding
	l, ok := v.Current()
	sec, line := v.At()
	if ok && l.Link.Kind != "" {
		out = append(out, rehelp(k.Enter, "open "+l.Link.Kind))
	}
	if _, hasHeader := v.header(sec); hasHeader && len(v.rows) > 0 {
		what := "fold"
		if v.Folded(sec) {
			what = "unfold"
		}
		if line < 0 && l.Link.Kind == "" {
			out = append(out, rehelp(k.Enter, what))
		}
		out = append(out, rehelp(k.Fold, what+" section"))
	}
	if ok && l.Copy != "" {
		out = append(out, rehelp(k.Copy, "copy"))
	}
	out = append(out, rehelp(k.NextGroup, "next section"), rehelp(k.NextProblem, "next problem"), k.Up, k.Down)
	return out
}

// rehelp is a binding with the help text of what it does here.
func rehelp(b key.Binding, desc string) key.Binding {
	return key.NewBinding(key.WithKeys(b.Keys()...), key.WithHelp(b.Help().Key, desc))
}
