// Package panetest has helpers for the tests of the ui panes: a context
// without colour, keys as a terminal sends them, golden files.
package panetest

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
	"github.com/ostopo/ostopo/ui/pane"
	"github.com/ostopo/ostopo/ui/render"
	"github.com/ostopo/ostopo/ui/theme"
)

// Context is what the root gives every pane, without a terminal: styles
// that write no escape sequences (as the goldens and NO_COLOR have it), on
// a dark background (there is no terminal to ask), the default key map
// and the doctor's badges (nil for none).
func Context(badges map[render.Ref]string) pane.Context {
	r := lipgloss.NewRenderer(&bytes.Buffer{})
	r.SetColorProfile(termenv.Ascii)
	r.SetHasDarkBackground(true)
	return pane.Context{Styles: theme.DefaultStyles(r), Keys: theme.DefaultKeyMap(), Badges: badges}
}

// keys are the named keys, as bubbletea (v1) spells them.
var keys = map[string]tea.KeyMsg{
	"enter":     {Type: tea.KeyEnter},
	"esc":       {Type: tea.KeyEsc},
	"tab":       {Type: tea.KeyTab},
	"shift+tab": {Type: tea.KeyShiftTab},
	"pgdown":    {Type: tea.KeyPgDown},
	"pgup":      {Type: tea.KeyPgUp},
	"up":        {Type: tea.KeyUp},
	"down":      {Type: tea.KeyDown},
	"left":      {Type: tea.KeyLeft},
	"right":     {Type: tea.KeyRight},
	"home":      {Type: tea.KeyHome},
	"end":       {Type: tea.KeyEnd},
	"backspace": {Type: tea.KeyBackspace},
	"ctrl+d":    {Type: tea.KeyCtrlD},
	"ctrl+u":    {Type: tea.KeyCtrlU},
}

// Key is a key as the terminal sends it: a name above, "space" (the space
// bar, which bubbletea spells " "), or else the runes typed ("j", "G",
// "/").
func Key(name string) tea.KeyMsg {
	if name == "space" {
		return tea.KeyMsg{Type: tea.KeySpace, Runes: []rune{' '}}
	}
	if k, ok := keys[name]; ok {
		return k
	}
	return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(name)}
}

// Press types keys (see Key) into a pane, one Update each, and returns the
// command the last one returned (it runs none).
func Press(p interface{ Update(tea.Msg) tea.Cmd }, keys ...string) tea.Cmd {
	var cmd tea.Cmd
	for _, k := range keys {
		cmd = p.Update(Key(k))
	}
	return cmd
}

// Bare is a drawn line without its gutter.
func Bare(line string) string {
	if len(line) < pane.GutterWidth {
		return ""
	}
	return strings.TrimRight(line[pane.GutterWidth:], " ")
}

// Golden holds got to the golden file at path: with update it writes the
// file (and its directory) instead.
func Golden(t testing.TB, path, got string, update bool) {
	t.Helper()
	if update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test -update writes it)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs from the golden file (go test -update rewrites it); got:\n%s", path, got)
	}
}
