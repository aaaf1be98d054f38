package ui

import (
	"context"
	"flag"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"github.com/ostopo/ostopo/fixtures"
	"github.com/ostopo/ostopo/fixtures/fixturetest"
	"github.com/ostopo/ostopo/netinspect/neutron"
	"github.com/ostopo/ostopo/netinspect/topo"
	"github.com/ostopo/ostopo/ui/pane/panetest"
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
	c := panetest.Context(nil)
	o := Options{Source: src, Keys: c.Keys, Styles: c.Styles,
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
		_, cmd := m.Update(panetest.Key(k))
		if k != "q" {
			run(t, m, cmd)
		}
	}
}

func screen(m *Model) string { return ansi.Strip(m.View()) }

// Golden renders of every view, a describe page, a trace, the diagram
// and the help, at the three sizes the issue names, on the all-in-one, the
// broken and the 1000-instance recordings.
func TestGolden(t *testing.T) {
	screens := []struct {
		name string
		keys []string
	}{
		{"topology", nil},
		{"networks", []string{"2"}},
		{"routers", []string{"3"}},
		{"namespaces", []string{"4"}},
		{"ports", []string{"5"}},
		{"flows", []string{"6"}},
		{"problems", []string{"7"}},
		{"diagram", []string{"8"}},
		{"describe-port", []string{"5", "j", "j", "j", "enter"}},
		{"describe-router", []string{"3", "enter"}},
		{"trace", []string{"5", "j", "j", "j", "t"}},
		{"filter", []string{"/", "q", "r", "-", "enter"}},
		{"zoom", []string{"5", "enter", "z"}},
		{"help", []string{"?"}},
	}
	for _, fixture := range []string{"aio", "bad", "scale"} {
		for _, size := range [][2]int{{80, 24}, {120, 40}, {200, 60}} {
			for _, v := range screens {
				name := fixture + "-" + v.name + "-" + strconv.Itoa(size[0]) + "x" + strconv.Itoa(size[1])
				t.Run(name, func(t *testing.T) {
					m := newTest(t, &fixtureSource{names: []string{fixture}}, size[0], size[1])
					keys(t, m, v.keys...)
					got := screen(m)
					if lines := strings.Count(got, "\n") + 1; lines != size[1] && v.name != "help" {
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
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", t.Name()[:strings.Index(t.Name(), "/")], name+".golden")
	panetest.Golden(t, path, got, *update)
}

// What was not read is said on every screen, and the Problems view does
// not call a node clean when OVSDB was not read; the ports it cannot
// place are "bridge unknown", not "on no bridge".
func TestUnreadSourcesAreShown(t *testing.T) {
	s := fixturetest.Load(t, "aio")
	src := s.Source("ovsdb")
	src.OK, src.Error = false, "dial unix /run/openvswitch/db.sock: permission denied"
	s.OVS = topo.OVS{}
	s.Neutron = neutron.Derive(s)
	m := newTest(t, snapSource{snap: s}, 120, 40)
	if v := screen(m); !strings.Contains(strings.SplitN(v, "\n", 2)[0], s.Host+"  ✗ 1 unread") {
		t.Errorf("header does not say what was not read:\n%s", v)
	}
	keys(t, m, "7")
	if v := screen(m); strings.Contains(v, "no problems found") || !strings.Contains(v, "not checked") {
		t.Errorf("Problems view:\n%s", v)
	}
	keys(t, m, "1")
	if v := screen(m); strings.Contains(v, "not on any OVS bridge") || !strings.Contains(v, "bridge unknown: ovsdb was not read") {
		t.Errorf("Topology view:\n%s", v)
	}
}
