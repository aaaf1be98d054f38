package describe

import (
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/ostopo/ostopo/netinspect/safetext"
	"github.com/ostopo/ostopo/ui/pane"
)

// Model is the detail pane's describe component (a pane.Pane): a stack
// of pages. The bottom page follows the list's cursor (SetPage); a link
// followed pushes a page (Open) and Back returns to the one below, where
// it was left.
type Model struct {
	c       pane.Context
	stack   []*Viewer
	w, h    int
	focused bool
}

var _ pane.Pane = (*Model)(nil)

// New makes an empty describe pane.
func New(c pane.Context) *Model { return &Model{c: c, w: 80, h: 24} }

// SetContext replaces the shared styles, keys and badges (a new snapshot
// brings new badges).
func (m *Model) SetContext(c pane.Context) {
	m.c = c
	for _, v := range m.stack {
		v.SetContext(c)
	}
}

// SetPage shows p alone, from its top: what the root calls when the list's
// cursor moves. Showing again the page of the object already shown (a
// refresh) keeps the cursor and folds where they were.
func (m *Model) SetPage(p Page) {
	if len(m.stack) == 1 && m.stack[0].page.Ref == p.Ref && p.Ref.Kind != "" {
		m.stack[0].Replace(p)
		return
	}
	var v *Viewer
	if len(m.stack) > 0 {
		v = m.stack[0] // reused: no allocation per cursor move
	} else {
		v = m.newViewer()
	}
	clear(m.stack[min(1, len(m.stack)):])
	m.stack = append(m.stack[:0], v)
	v.SetPage(p)
}

// Open pushes p above the page shown (a link followed); opening the page
// already on top does nothing.
func (m *Model) Open(p Page) {
	if n := len(m.stack); n > 0 && m.stack[n-1].page.Ref == p.Ref && p.Ref.Kind != "" {
		return
	}
	v := m.newViewer()
	v.SetPage(p)
	m.stack = append(m.stack, v)
}

// Back returns to the page below and reports whether there was one.
func (m *Model) Back() bool {
	if len(m.stack) <= 1 {
		return false
	}
	m.stack[len(m.stack)-1] = nil
	m.stack = m.stack[:len(m.stack)-1]
	return true
}

// Reset empties the pane.
func (m *Model) Reset() {
	clear(m.stack)
	m.stack = m.stack[:0]
}

// Rebuild builds every page of the stack again from a new snapshot's
// index, each keeping its cursor and folds: a refresh need not lose the
// pages a user opened.
func (m *Model) Rebuild(ix *Index) {
	for _, v := range m.stack {
		v.Replace(ix.Page(v.page.Ref))
	}
}

// Depth is the number of pages on the stack (0: empty).
func (m *Model) Depth() int { return len(m.stack) }

// Page is the page on top ("" Ref when empty).
func (m *Model) Page() Page {
	if v := m.top(); v != nil {
		return v.page
	}
	return Page{}
}

// Current is the line under the cursor of the page on top.
func (m *Model) Current() (Line, bool) {
	if v := m.top(); v != nil {
		return v.Current()
	}
	return Line{}, false
}

// Crumbs are the titles of the stack's pages, bottom first, for the
// root's breadcrumb.
func (m *Model) Crumbs() []string {
	out := make([]string, 0, len(m.stack))
	for _, v := range m.stack {
		out = append(out, v.page.Title)
	}
	return out
}

func (m *Model) newViewer() *Viewer {
	v := NewViewer(m.c)
	v.SetSize(m.w, m.h)
	v.SetFocus(m.focused)
	return v
}

func (m *Model) top() *Viewer {
	if len(m.stack) == 0 {
		return nil
	}
	return m.stack[len(m.stack)-1]
}

// Update handles keys and the mouse wheel on the page on top. It does no
// I/O: Enter on a link returns pane.OpenCmd, y pane.CopyCmd.
func (m *Model) Update(msg tea.Msg) tea.Cmd {
	v := m.top()
	if v == nil {
		return nil
	}
	return v.Update(msg)
}

// View draws the page on top.
func (m *Model) View() string {
	if v := m.top(); v != nil {
		return v.View()
	}
	return pane.Lines([]string{m.c.Styles.Dim.Render(pane.Fit("    nothing selected", m.w))}, m.h)
}

// SetSize gives the pane its cells.
func (m *Model) SetSize(w, h int) {
	m.w, m.h = w, h
	for _, v := range m.stack {
		v.SetSize(w, h)
	}
}

// SetFocus tells the pane whether keys go to it (the cursor shows only
// then).
func (m *Model) SetFocus(f bool) {
	m.focused = f
	for _, v := range m.stack {
		v.SetFocus(f)
	}
}

// Title is the page's title ("port ada3ae32").
func (m *Model) Title() string {
	if v := m.top(); v != nil {
		return v.page.Title
	}
	return "detail"
}

// Selected is the line under the cursor: the object it links to (else
// the page's), what y copies (else the page's id) and what t traces.
func (m *Model) Selected() pane.Selection {
	v := m.top()
	if v == nil {
		return pane.Selection{}
	}
	sel := pane.Selection{Ref: v.page.Ref, Copy: safetext.Term(v.page.Ref.ID), Trace: v.page.Trace}
	if l, ok := v.Current(); ok {
		if l.Link.Kind != "" {
			sel.Ref = l.Link
		}
		if l.Copy != "" {
			sel.Copy = l.Copy
		}
		if l.Trace != "" {
			sel.Trace = l.Trace
		}
	}
	return sel
}

// Keys are the bindings that act on the line under the cursor.
func (m *Model) Keys() []key.Binding {
	v := m.top()
	if v == nil {
		return nil
	}
	keys := v.Keys()
	if len(m.stack) > 1 {
		keys = append(keys, rehelp(m.c.Keys.Back, "back"))
	}
	if v.page.Trace != "" {
		keys = append(keys, rehelp(m.c.Keys.Trace, "trace"))
	}
	return keys
}
