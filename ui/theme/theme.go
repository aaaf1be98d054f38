// Package theme holds the TUI's styles and key map: one Styles struct and
// one KeyMap, built by DefaultStyles and DefaultKeyMap and passed down, so
// that nothing is package-level state and keys can be rebound from a file.
package theme

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/lipgloss"
)

// Styles are every style the TUI uses. Colours are adaptive (readable on
// dark and light terminals); every fact is also in text, so NO_COLOR loses
// nothing.
type Styles struct {
	Title, Tab, ActiveTab, Crumb, Status, Error lipgloss.Style
	Normal, Header, Dim, Good, Problem          lipgloss.Style
	Cursor, Changed, Help, Input                lipgloss.Style
}

// DefaultStyles builds the styles for a renderer (which knows whether the
// terminal has colour).
func DefaultStyles(r *lipgloss.Renderer) Styles {
	c := func(light, dark string) lipgloss.AdaptiveColor {
		return lipgloss.AdaptiveColor{Light: light, Dark: dark}
	}
	s := r.NewStyle
	return Styles{
		Title:     s().Bold(true).Foreground(c("#5A2CA0", "#B39DFF")),
		Tab:       s().Foreground(c("#555555", "#AAAAAA")),
		ActiveTab: s().Bold(true).Underline(true).Foreground(c("#000000", "#FFFFFF")),
		Crumb:     s().Foreground(c("#555555", "#AAAAAA")),
		Status:    s().Foreground(c("#555555", "#AAAAAA")),
		Error:     s().Bold(true).Foreground(c("#B00020", "#FF6B6B")),
		Normal:    s(),
		Header:    s().Bold(true).Foreground(c("#1E4FA0", "#82AAFF")),
		Dim:       s().Foreground(c("#777777", "#888888")),
		Good:      s().Foreground(c("#1B7F3B", "#7FD88F")),
		Problem:   s().Foreground(c("#B00020", "#FF6B6B")),
		Cursor:    s().Reverse(true),
		Changed:   s().Bold(true).Foreground(c("#8A5A00", "#FFD166")),
		Help:      s().Foreground(c("#333333", "#CCCCCC")),
		Input:     s().Bold(true),
	}
}

// KeyMap is every binding. Movement keys are never reused for anything
// else; a pane shows the ones that act on it in the key bar.
type KeyMap struct {
	// Movement in a list, a page or the diagram.
	Up, Down, Top, Bottom, PageUp, PageDown, HalfUp, HalfDown key.Binding
	// ScrollLeft and ScrollRight move wide rows (and pan the diagram).
	ScrollLeft, ScrollRight key.Binding
	// Focus moves between the list and the detail pane; Zoom gives the
	// focused one the whole body.
	FocusNext, FocusPrev, FocusLeft, FocusRight, Zoom  key.Binding
	Views                                              key.Binding
	Enter, Back, Filter, NextMatch, PrevMatch, Command key.Binding
	// Trees: fold the group under the cursor, all groups; move by group
	// and by problem row (also in a trace: the broken hops).
	Fold, FoldAll, UnfoldAll, NextGroup, PrevGroup, NextProblem, PrevProblem key.Binding
	// Tables: the wide mode (every column); shift+letter sorts (the
	// letters are the columns', shown in their headings).
	Wide key.Binding
	// Actions.
	Copy, CopyMarkdown, Trace, Diagram, Fix, Refresh, Help, Quit key.Binding
	// A cloud of many nodes (--replay-dir): Nodes opens the Nodes view,
	// Mesh switches it between the node table and the tunnel mesh. They
	// act only on a cloud, so they are not in FullHelp (the help of a
	// cloud lists them: CloudHelp).
	Nodes, Mesh key.Binding
}

// DefaultKeyMap follows the conventions of k9s, lazygit and gh-dash.
// The upper-case letters it binds (G, N, F, Y, D) are never a table
// column's sort key.
func DefaultKeyMap() KeyMap {
	b := func(help string, keys ...string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(strings.Join(keys, "/"), help))
	}
	return KeyMap{
		Up:          b("up", "k", "up"),
		Down:        b("down", "j", "down"),
		Top:         b("top", "g", "home"),
		Bottom:      b("bottom", "G", "end"),
		PageUp:      b("page up", "pgup"),
		PageDown:    b("page down", "pgdown"),
		HalfUp:      b("half page up", "ctrl+u"),
		HalfDown:    b("half page down", "ctrl+d"),
		ScrollLeft:  b("scroll left", "left", "<"),
		ScrollRight: b("scroll right", "right", ">"),
		FocusNext:   b("next pane", "tab"),
		FocusPrev:   b("previous pane", "shift+tab"),
		FocusLeft:   b("pane left", "h"),
		FocusRight:  b("pane right", "l"),
		Zoom:        b("zoom pane", "z"),
		Views:       b("view 1…8", "1", "2", "3", "4", "5", "6", "7", "8"),
		Enter:       b("open", "enter"),
		Back:        b("back / clear filter", "esc", "backspace"),
		Filter:      b("filter", "/"),
		NextMatch:   b("next match", "n"),
		PrevMatch:   b("previous match", "N"),
		Command:     b("command", ":"),
		// bubbletea v1 names the space bar " ".
		Fold:         key.NewBinding(key.WithKeys(" "), key.WithHelp("space", "fold/unfold")),
		FoldAll:      b("fold all", "-"),
		UnfoldAll:    b("unfold all", "="),
		NextGroup:    b("next group", "]"),
		PrevGroup:    b("previous group", "["),
		NextProblem:  b("next problem", "}"),
		PrevProblem:  b("previous problem", "{"),
		Wide:         b("wide columns", "w"),
		Copy:         b("copy (OSC 52)", "y"),
		CopyMarkdown: b("copy as Markdown", "Y"),
		Trace:        b("trace selection", "t"),
		Diagram:      b("diagram", "D"),
		Fix:          b("fix default route", "F"),
		Refresh:      b("refresh", "r"),
		Help:         b("help", "?"),
		Quit:         b("quit", "q", "ctrl+c"),
		Nodes:        b("nodes (a cloud)", "0"),
		Mesh:         b("tunnel mesh / node table", "m"),
	}
}

// bindings names every binding for rebinding (keys.json) and help.
func (k *KeyMap) bindings() map[string]*key.Binding {
	return map[string]*key.Binding{
		"up": &k.Up, "down": &k.Down, "top": &k.Top, "bottom": &k.Bottom,
		"page_up": &k.PageUp, "page_down": &k.PageDown, "half_up": &k.HalfUp, "half_down": &k.HalfDown,
		"scroll_left": &k.ScrollLeft, "scroll_right": &k.ScrollRight,
		"focus_next": &k.FocusNext, "focus_prev": &k.FocusPrev, "focus_left": &k.FocusLeft, "focus_right": &k.FocusRight,
		"zoom": &k.Zoom, "enter": &k.Enter, "back": &k.Back,
		"filter": &k.Filter, "next_match": &k.NextMatch, "prev_match": &k.PrevMatch, "command": &k.Command,
		"fold": &k.Fold, "fold_all": &k.FoldAll, "unfold_all": &k.UnfoldAll,
		"next_group": &k.NextGroup, "prev_group": &k.PrevGroup, "next_problem": &k.NextProblem, "prev_problem": &k.PrevProblem,
		"wide": &k.Wide, "copy": &k.Copy, "copy_markdown": &k.CopyMarkdown, "trace": &k.Trace, "diagram": &k.Diagram,
		"fix": &k.Fix, "refresh": &k.Refresh, "help": &k.Help, "quit": &k.Quit,
		"nodes": &k.Nodes, "mesh": &k.Mesh,
	}
}

// Rebind replaces the keys of named actions ({"quit": ["q", "ctrl+q"]}).
func (k *KeyMap) Rebind(keys map[string][]string) error {
	all := k.bindings()
	for action, ks := range keys {
		b, ok := all[action]
		if !ok {
			names := slices.Sorted(maps.Keys(all))
			return fmt.Errorf("unknown action %q (actions: %s)", action, strings.Join(names, ", "))
		}
		if len(ks) == 0 {
			return fmt.Errorf("action %q: no keys", action)
		}
		b.SetHelp(strings.Join(ks, "/"), b.Help().Desc)
		// People write "space"; bubbletea names the key " ".
		ks = slices.Clone(ks)
		for i, k := range ks {
			if k == "space" {
				ks[i] = " "
			}
		}
		b.SetKeys(ks...)
	}
	return nil
}

// FullHelp is the ? screen, generated from the bindings so it never lies.
func (k KeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Up, k.Down, k.Top, k.Bottom, k.PageUp, k.PageDown, k.HalfUp, k.HalfDown, k.ScrollLeft, k.ScrollRight},
		{k.Views, k.FocusNext, k.FocusPrev, k.FocusLeft, k.FocusRight, k.Zoom, k.Enter, k.Back, k.Filter, k.NextMatch, k.PrevMatch, k.Command},
		{k.Fold, k.FoldAll, k.UnfoldAll, k.NextGroup, k.PrevGroup, k.NextProblem, k.PrevProblem, k.Wide},
		{k.Copy, k.CopyMarkdown, k.Trace, k.Diagram, k.Fix, k.Refresh, k.Help, k.Quit},
	}
}

// CloudHelp are the bindings that act only on a cloud of many nodes, for
// its help screen.
func (k KeyMap) CloudHelp() []key.Binding { return []key.Binding{k.Nodes, k.Mesh} }
