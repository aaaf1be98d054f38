package traceview

import (
	"flag"
	"path/filepath"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/ostopo/ostopo/netinspect/topo"
	"github.com/ostopo/ostopo/netinspect/trace"
	"github.com/ostopo/ostopo/ui/pane/panetest"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func traceOf(t testing.TB, s *topo.Snapshot, target string) *trace.Result {
	t.Helper()
	r, err := trace.Trace(s, target, trace.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// firstFIP is the first floating IP a snapshot's routers answer: the
// healthy recordings' addresses change with every recording, so the
// complete trace is of whichever they hold.
func firstFIP(t testing.TB, s *topo.Snapshot) string {
	t.Helper()
	for _, r := range s.Neutron.Routers {
		for _, f := range r.FloatingIPs {
			return f.FloatingIP
		}
	}
	t.Fatalf("%s has no floating IP", s.Host)
	return ""
}

// open makes a focused pane of a trace at a size.
func open(t testing.TB, s *topo.Snapshot, target string, w, h int) *Model {
	t.Helper()
	m := New(panetest.Context(nil), traceOf(t, s, target), s.Host)
	m.SetSize(w, h)
	m.SetFocus(true)
	return m
}

// press types keys into the pane and returns the message the last
// command produced (nil when none).
func press(m *Model, keys ...string) tea.Msg {
	var msg tea.Msg
	for _, k := range keys {
		msg = nil
		if cmd := panetest.Press(m, k); cmd != nil {
			msg = cmd()
		}
	}
	return msg
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	panetest.Golden(t, filepath.Join("testdata", name+".golden"), got, *update)
}
