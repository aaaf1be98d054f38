package ui

import (
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/ostopo/ostopo/netinspect/safetext"
	"github.com/ostopo/ostopo/ui/pane"
	"github.com/ostopo/ostopo/ui/render"
)

// textPane is a page of lines that scrolls: the repair's plan and
// progress, a load error. Everything it shows is escaped (safetext.Term):
// it quotes devices, addresses and errors.
type textPane struct {
	c       pane.Context
	title   string
	rows    []pane.Row
	cursor  int
	offset  int
	w, h    int
	focused bool
}

func newTextPane(c pane.Context, title string) *textPane {
	return &textPane{c: c, title: safetext.Term(title)}
}

// add appends a line and follows it (progress reads from the bottom).
func (p *textPane) add(text string, class render.Class) {
	p.rows = append(p.rows, pane.Row{Text: safetext.Term(text), Class: class})
	p.cursor = len(p.rows) - 1
	p.scroll()
}

func (p *textPane) Update(msg tea.Msg) tea.Cmd {
	k, ok := msg.(tea.KeyMsg)
	if !ok {
		return nil
	}
	keys := p.c.Keys
	switch {
	case key.Matches(k, keys.Up):
		p.cursor--
	case key.Matches(k, keys.Down):
		p.cursor++
	case key.Matches(k, keys.Top):
		p.cursor = 0
	case key.Matches(k, keys.Bottom):
		p.cursor = len(p.rows) - 1
	case key.Matches(k, keys.PageUp):
		p.cursor -= p.h
	case key.Matches(k, keys.PageDown):
		p.cursor += p.h
	case key.Matches(k, keys.Copy):
		if p.cursor >= 0 && p.cursor < len(p.rows) {
			return pane.CopyCmd(p.rows[p.cursor].Text, "line")
		}
	}
	p.scroll()
	return nil
}

func (p *textPane) scroll() {
	p.cursor = max(0, min(p.cursor, len(p.rows)-1))
	h := max(1, p.h)
	if p.cursor < p.offset {
		p.offset = p.cursor
	}
	if p.cursor >= p.offset+h {
		p.offset = p.cursor - h + 1
	}
	p.offset = max(0, min(p.offset, len(p.rows)-h))
}

func (p *textPane) View() string {
	var lines []string
	for i := p.offset; i < len(p.rows) && i < p.offset+p.h; i++ {
		lines = append(lines, pane.Line(p.c, p.rows[i], i == p.cursor, p.focused, p.w, 0))
	}
	return pane.Lines(lines, p.h)
}

func (p *textPane) SetSize(w, h int)         { p.w, p.h = w, h; p.scroll() }
func (p *textPane) SetFocus(f bool)          { p.focused = f }
func (p *textPane) Title() string            { return p.title }
func (p *textPane) Selected() pane.Selection { return pane.Selection{} }
func (p *textPane) Keys() []key.Binding {
	return []key.Binding{p.c.Keys.Up, p.c.Keys.Down, p.c.Keys.Copy}
}
func (p *textPane) setContext(c pane.Context) { p.c = c }
