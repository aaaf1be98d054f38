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

// KeyMap is every binding. Movement keys are never reused for anything else.
type KeyMap struct {
	Up, Down, Left, Right, Top, Bottom, PageUp, PageDown, HalfUp, HalfDown key.Binding
	NextView, PrevView, Views                                              key.Binding
	Enter, Back, Filter, NextMatch, PrevMatch, Command                     key.Binding
	Copy, Trace, Fix, Refresh, Help, Quit                                  key.Binding
}

// DefaultKeyMap follows the conventions of k9s, lazygit and gh-dash.
func DefaultKeyMap() KeyMap {
	b := func(help string, keys ...string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(strings.Join(keys, "/"), help))
	}
	return KeyMap{
		Up:        b("up", "k", "up"),
		Down:      b("down", "j", "down"),
		Left:      b("scroll left", "h", "left"),
		Right:     b("scroll right", "l", "right"),
		Top:       b("top", "g", "home"),
		Bottom:    b("bottom", "G", "end"),
		PageUp:    b("page up", "pgup"),
		PageDown:  b("page down", "pgdown"),
		HalfUp:    b("half page up", "ctrl+u"),
		HalfDown:  b("half page down", "ctrl+d"),
		NextView:  b("next view", "tab"),
		PrevView:  b("previous view", "shift+tab"),
		Views:     b("view 1…6", "1", "2", "3", "4", "5", "6"),
		Enter:     b("details", "enter"),
		Back:      b("back / clear filter", "esc", "backspace"),
		Filter:    b("filter", "/"),
		NextMatch: b("next match", "n"),
		PrevMatch: b("previous match", "N"),
		Command:   b("command", ":"),
		Copy:      b("copy id (OSC 52)", "y"),
		Trace:     b("trace selection", "t"),
		Fix:       b("fix default route", "F"),
		Refresh:   b("refresh", "r"),
		Help:      b("help", "?"),
		Quit:      b("quit", "q", "ctrl+c"),
	}
}

// bindings names every binding for rebinding and help.
func (k *KeyMap) bindings() map[string]*key.Binding {
	return map[string]*key.Binding{
		"up": &k.Up, "down": &k.Down, "left": &k.Left, "right": &k.Right, "top": &k.Top, "bottom": &k.Bottom,
		"page_up": &k.PageUp, "page_down": &k.PageDown, "half_up": &k.HalfUp, "half_down": &k.HalfDown,
		"next_view": &k.NextView, "prev_view": &k.PrevView, "enter": &k.Enter, "back": &k.Back,
		"filter": &k.Filter, "next_match": &k.NextMatch, "prev_match": &k.PrevMatch, "command": &k.Command,
		"copy": &k.Copy, "trace": &k.Trace, "fix": &k.Fix, "refresh": &k.Refresh, "help": &k.Help, "quit": &k.Quit,
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
		b.SetKeys(ks...)
		b.SetHelp(strings.Join(ks, "/"), b.Help().Desc)
	}
	return nil
}

// ShortHelp is the footer line.
func (k KeyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Views, k.Enter, k.Back, k.Filter, k.Command, k.Copy, k.Refresh, k.Help, k.Quit}
}

// FullHelp is the ? screen, generated from the bindings so it never lies.
func (k KeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Up, k.Down, k.Left, k.Right, k.Top, k.Bottom, k.PageUp, k.PageDown, k.HalfUp, k.HalfDown},
		{k.NextView, k.PrevView, k.Views, k.Enter, k.Back},
		{k.Filter, k.NextMatch, k.PrevMatch, k.Command, k.Copy, k.Trace, k.Fix, k.Refresh, k.Help, k.Quit},
	}
}
