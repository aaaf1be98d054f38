package ui

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/muesli/termenv"
	"github.com/ostopo/ostopo/fixtures"
	"github.com/ostopo/ostopo/netinspect/neutron"
	"github.com/ostopo/ostopo/netinspect/topo"
	"github.com/ostopo/ostopo/ui/theme"
)

var update = flag.Bool("update", false, "rewrite golden files")

// fixtureSource serves recorded snapshots, one per refresh, in order.
type fixtureSource struct {
	names []string
	calls int
	live  bool
}

func (f *fixtureSource) Snapshot(context.Context) (*topo.Snapshot, error) {
	name := f.names[min(f.calls, len(f.names)-1)]
	f.calls++
	return fixtures.Load(name)
}
func (f *fixtureSource) Live() bool       { return f.live }
func (f *fixtureSource) Describe() string { return "fixture" }

// newTest builds a model at a size, loads its first snapshot synchronously
// (as the program would run the command) and returns it.
func newTest(t testing.TB, src Source, w, h int, opt ...func(*Options)) *Model {
	t.Helper()
	r := lipgloss.NewRenderer(&bytes.Buffer{})
	r.SetColorProfile(termenv.Ascii)
	r.SetHasDarkBackground(true) // no terminal to ask
	o := Options{Source: src, Keys: theme.DefaultKeyMap(), Styles: theme.DefaultStyles(r),
		Now: func() time.Time { return time.Date(2026, 11, 21, 13, 0, 0, 0, time.UTC) }}
	for _, f := range opt {
		f(&o)
	}
	m := New(context.Background(), o)
	m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	run(t, m, m.Init())
	return m
}

// run executes a command and feeds its messages back, as the runtime does
// (timers are not waited for).
func run(t testing.TB, m *Model, cmd tea.Cmd) {
	t.Helper()
	if cmd == nil {
		return
	}
	switch msg := cmd().(type) {
	case tea.BatchMsg:
		for _, c := range msg {
			run(t, m, c)
		}
	case nil, tick:
	default:
		_, next := m.Update(msg)
		run(t, m, next)
	}
}

// keys types each key as the terminal would send it.
func keys(t testing.TB, m *Model, ks ...string) {
	t.Helper()
	for _, k := range ks {
		var msg tea.KeyMsg
		switch k {
		case "enter":
			msg = tea.KeyMsg{Type: tea.KeyEnter}
		case "esc":
			msg = tea.KeyMsg{Type: tea.KeyEsc}
		case "tab":
			msg = tea.KeyMsg{Type: tea.KeyTab}
		case "shift+tab":
			msg = tea.KeyMsg{Type: tea.KeyShiftTab}
		case "ctrl+d":
			msg = tea.KeyMsg{Type: tea.KeyCtrlD}
		default:
			msg = tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k)}
		}
		_, cmd := m.Update(msg)
		if k != "q" {
			run(t, m, cmd)
		}
	}
}

func screen(m *Model) string { return ansi.Strip(m.View()) }

// Golden renders of every view at the two sizes the issue names.
func TestGolden(t *testing.T) {
	views := []struct {
		name string
		keys []string
	}{
		{"topology", nil},
		{"networks", []string{"2"}},
		{"namespaces", []string{"3"}},
		{"ports", []string{"4"}},
		{"flows", []string{"5"}},
		{"problems", []string{"6"}},
		{"detail-port", []string{"4", "j", "j", "j", "enter"}},
		{"filter", []string{"/", "q", "r", "-", "enter"}},
		{"help", []string{"?"}},
	}
	for _, size := range [][2]int{{80, 24}, {160, 48}} {
		for _, v := range views {
			name := v.name + "-" + strconv.Itoa(size[0]) + "x" + strconv.Itoa(size[1])
			t.Run(name, func(t *testing.T) {
				m := newTest(t, &fixtureSource{names: []string{"bad"}}, size[0], size[1])
				keys(t, m, v.keys...)
				got := screen(m)
				if lines := strings.Count(got, "\n") + 1; lines > size[1] && v.name != "help" {
					t.Errorf("%d lines at height %d", lines, size[1])
				}
				for i, line := range strings.Split(got, "\n") {
					if w := ansi.StringWidth(line); w > size[0] {
						t.Errorf("line %d is %d wide at width %d: %q", i, w, size[0], line)
					}
				}
				golden(t, name, got)
			})
		}
	}
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", t.Name()[:strings.Index(t.Name(), "/")], name+".golden")
	if *update {
		os.MkdirAll(filepath.Dir(path), 0o755)
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./ui -update)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs from the golden file; got:\n%s", path, got)
	}
}

// What was not read is said on every screen, and the Problems view does
// not call a node clean when OVSDB was not read; the ports it cannot
// place are "bridge unknown", not "on no bridge".
func TestUnreadSourcesAreShown(t *testing.T) {
	s, err := fixtures.Load("aio")
	if err != nil {
		t.Fatal(err)
	}
	src := s.Source("ovsdb")
	src.OK, src.Error = false, "dial unix /run/openvswitch/db.sock: permission denied"
	s.OVS = topo.OVS{}
	s.Neutron = neutron.Derive(s)
	m := newTest(t, snapSource{snap: s}, 120, 40)
	if v := m.View(); !strings.Contains(v, "aio.lab  ✗ 1 unread  1 Topology") {
		t.Errorf("header does not say what was not read:\n%s", v)
	}
	keys(t, m, "6")
	if v := m.View(); strings.Contains(v, "no problems found") || !strings.Contains(v, "could not run") {
		t.Errorf("Problems view:\n%s", v)
	}
	keys(t, m, "1")
	if v := m.View(); strings.Contains(v, "not on any OVS bridge") || !strings.Contains(v, "bridge unknown: ovsdb was not read") {
		t.Errorf("Topology view:\n%s", v)
	}
}
