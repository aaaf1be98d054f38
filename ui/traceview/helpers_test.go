package traceview

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
	"github.com/ostopo/ostopo/fixtures"
	"github.com/ostopo/ostopo/netinspect/topo"
	"github.com/ostopo/ostopo/netinspect/trace"
	"github.com/ostopo/ostopo/ui/pane"
	"github.com/ostopo/ostopo/ui/theme"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// testContext styles for a terminal without colour, as the goldens are.
func testContext() pane.Context {
	r := lipgloss.NewRenderer(&bytes.Buffer{})
	r.SetColorProfile(termenv.Ascii)
	r.SetHasDarkBackground(true)
	return pane.Context{Styles: theme.DefaultStyles(r), Keys: theme.DefaultKeyMap()}
}

func load(t testing.TB, name string) *topo.Snapshot {
	t.Helper()
	s, err := fixtures.Load(name)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func traceOf(t testing.TB, s *topo.Snapshot, target string) *trace.Result {
	t.Helper()
	r, err := trace.Trace(s, target, trace.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// open makes a focused pane of a trace at a size.
func open(t testing.TB, s *topo.Snapshot, target string, w, h int) *Model {
	t.Helper()
	m := New(testContext(), traceOf(t, s, target), s.Host)
	m.SetSize(w, h)
	m.SetFocus(true)
	return m
}

// press types keys into the pane and returns the message the last
// command produced (nil when none).
func press(m *Model, keys ...string) tea.Msg {
	var msg tea.Msg
	for _, k := range keys {
		var km tea.KeyMsg
		switch k {
		case "space":
			km = tea.KeyMsg{Type: tea.KeySpace, Runes: []rune{' '}}
		case "enter":
			km = tea.KeyMsg{Type: tea.KeyEnter}
		default:
			km = tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k)}
		}
		msg = nil
		if cmd := m.Update(km); cmd != nil {
			msg = cmd()
		}
	}
	return msg
}

// bare is a drawn line without its gutter.
func bare(line string) string {
	if len(line) < pane.GutterWidth {
		return ""
	}
	return strings.TrimRight(line[pane.GutterWidth:], " ")
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to write it)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs from the golden file (go test -update rewrites it); got:\n%s", name, got)
	}
}
