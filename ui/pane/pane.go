// Package pane is the contract between the TUI's root (package ui: layout,
// focus, header, breadcrumb, key bar, help) and its components, one
// package each: tree (Topology, Namespaces), table (Networks, Routers,
// Ports, Flows, Problems), describe (the detail page that follows the
// cursor), diagram (the node drawn in the course layout) and traceview.
//
// As in soft-serve: a component is a model with its own key map and a
// size. The root sends window sizes to every pane and keys only to the
// focused one; a component asks the root for what it cannot do itself
// (open an object's page, copy, trace) with the messages below, and never
// does I/O in Update.
package pane

import (
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/ostopo/ostopo/ui/filter"
	"github.com/ostopo/ostopo/ui/render"
	"github.com/ostopo/ostopo/ui/theme"
)

// Pane is one component of the screen.
type Pane interface {
	// Update handles a message: keys arrive only while the pane has the
	// focus. It does no I/O; what needs the root is a returned command
	// producing one of the messages below.
	Update(msg tea.Msg) tea.Cmd
	// View draws exactly the size last set: h lines (joined by "\n", no
	// trailing newline), none wider than w cells.
	View() string
	// SetSize gives the pane its cells.
	SetSize(w, h int)
	// SetFocus tells the pane whether keys go to it (it may draw its
	// cursor differently without).
	SetFocus(focused bool)
	// Title names the pane above it and in the breadcrumb, with a count
	// where it lists things ("Ports [12/1050]").
	Title() string
	// Selected is what the cursor is on: the detail pane follows it, t
	// traces it, y copies it. The zero Selection when there is nothing.
	Selected() Selection
	// Keys are the bindings that act now (on this pane, this row kind),
	// most useful first: the key bar shows as many as fit, then "? help".
	Keys() []key.Binding
}

// Filterable panes take the `/` filter and `n`/`N`.
type Filterable interface {
	Pane
	// SetFilter shows the rows q matches, each with its parent in the
	// model for context (never inferred from a row's style), and returns
	// the number of matches. An empty query shows everything and puts the
	// cursor back on the row it was on before the filter.
	SetFilter(q filter.Query) (matches int)
	// NextMatch moves the cursor to the next (dir 1) or previous (-1)
	// match.
	NextMatch(dir int)
}

// Selectable panes can put their cursor on an object (after a refresh,
// or when a link of a describe page names an object the list shows).
type Selectable interface {
	Pane
	// Select puts the cursor on the row of ref (unfolding what hides it)
	// and reports whether it found one.
	Select(ref render.Ref) bool
}

// Selection is the object under a pane's cursor.
type Selection struct {
	Ref render.Ref
	// Copy is what `y` puts on the clipboard (an id, an address, a
	// command); "" copies nothing.
	Copy string
	// Trace is what `t` traces (a port id, a floating IP); "" when the
	// row is nothing to trace.
	Trace string
}

// Context is what every pane of one screen shares.
type Context struct {
	Styles theme.Styles
	Keys   theme.KeyMap
	// Badges are the doctor's worst severity per object ("error",
	// "warning"): the E and W marks.
	Badges map[render.Ref]string
	// Changed reports whether a row (by its Key) differs from the
	// previous refresh or the --baseline: the • mark. Nil marks nothing.
	Changed func(key string) bool
}

// OpenMsg asks the root to open an object's describe page (a link was
// followed, a diagram box chosen).
type OpenMsg struct{ Ref render.Ref }

// OpenCmd returns the command sending OpenMsg.
func OpenCmd(ref render.Ref) tea.Cmd { return func() tea.Msg { return OpenMsg{ref} } }

// CopyMsg asks the root to copy text to the clipboard (OSC 52); What
// names it for the status line ("command", "trace as Markdown").
type CopyMsg struct{ Text, What string }

// CopyCmd returns the command sending CopyMsg.
func CopyCmd(text, what string) tea.Cmd {
	return func() tea.Msg { return CopyMsg{Text: text, What: what} }
}

// TraceMsg asks the root to trace a target (a port id, a floating IP).
type TraceMsg struct {
	Target  string
	Reverse bool
}

// StatusMsg is a line for the status bar.
type StatusMsg string

// StatusCmd returns the command sending StatusMsg.
func StatusCmd(s string) tea.Cmd { return func() tea.Msg { return StatusMsg(s) } }
