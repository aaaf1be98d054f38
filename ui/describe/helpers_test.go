package describe

import (
	"flag"
	"path/filepath"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/ostopo/ostopo/fixtures/fixturetest"
	"github.com/ostopo/ostopo/netinspect/doctor"
	"github.com/ostopo/ostopo/netinspect/topo"
	"github.com/ostopo/ostopo/ui/pane"
	"github.com/ostopo/ostopo/ui/pane/panetest"
	"github.com/ostopo/ostopo/ui/render"
	"github.com/ostopo/ostopo/ui/table"
	"github.com/ostopo/ostopo/ui/tree"
	"github.com/ostopo/ostopo/ui/views"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func index(t testing.TB, name string) *Index {
	s := fixturetest.Load(t, name)
	return NewIndex(s, doctor.Examine(s))
}

// firstInstance is a snapshot's first instance port with a fixed IP on a
// network: the recordings' IDs and addresses change with every recording.
func firstInstance(t testing.TB, s *topo.Snapshot) topo.NPort {
	t.Helper()
	for _, p := range s.Neutron.Ports {
		if p.Role == topo.RoleInstance && p.NetworkID != "" && len(p.FixedIPs) > 0 {
			return p
		}
	}
	t.Fatalf("%s has no instance port with a fixed IP", s.Host)
	return topo.NPort{}
}

// show puts a page in a describe pane of a size.
func show(p Page, w, h int, focused bool) *Model {
	m := New(panetest.Context(nil))
	m.SetSize(w, h)
	m.SetFocus(focused)
	m.SetPage(p)
	return m
}

// press types keys into a pane and returns the message the last command
// produced (nil when none).
func press(p pane.Pane, keys ...string) tea.Msg {
	var msg tea.Msg
	for _, k := range keys {
		msg = nil
		if cmd := panetest.Press(p, k); cmd != nil {
			msg = cmd()
		}
	}
	return msg
}

// refs are every object of a snapshot a page can be asked for: what the
// views' rows name, what the doctor names, every device, OVS port and
// flow.
func refs(s *topo.Snapshot, exam doctor.Result) []render.Ref {
	seen := map[render.Ref]bool{}
	var out []render.Ref
	add := func(r render.Ref) {
		if r.Kind != "" && !seen[r] {
			seen[r] = true
			out = append(out, r)
		}
	}
	badges := render.Badges(exam.Findings)
	var walk func(ns []*tree.Node)
	walk = func(ns []*tree.Node) {
		for _, n := range ns {
			add(n.Ref)
			walk(n.Children)
		}
	}
	walk(views.Topology(s, badges))
	walk(views.Namespaces(s, badges))
	for _, d := range []table.Data{views.Networks(s), views.Routers(s), views.Ports(s), views.Flows(s), views.Problems(exam)} {
		for _, r := range d.Rows {
			add(r.Ref)
		}
	}
	for _, f := range exam.Findings {
		for _, o := range f.Objects {
			add(render.Ref{Kind: o.Kind, ID: o.ID})
		}
	}
	n := &s.Neutron
	for _, p := range n.Ports {
		add(render.Ref{Kind: "port", ID: p.ID})
	}
	for _, nw := range n.Networks {
		add(render.Ref{Kind: "network", ID: nw.ID})
	}
	for _, r := range n.Routers {
		add(render.Ref{Kind: "router", ID: r.ID})
	}
	for _, ns := range s.Namespaces {
		add(render.Ref{Kind: "namespace", ID: ns.Name})
		for _, l := range ns.Links {
			add(render.Ref{Kind: "link", ID: ns.Name + "/" + l.Name})
		}
	}
	for _, pp := range n.PatchPairs {
		add(render.Ref{Kind: "patch", ID: pp.Bridge + "/" + pp.Port})
	}
	for _, t := range n.Tunnels {
		add(render.Ref{Kind: "tunnel", ID: t.Port})
	}
	for _, nic := range n.ProviderNICs {
		add(render.Ref{Kind: "nic", ID: nic.Name})
	}
	return out
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	panetest.Golden(t, filepath.Join("testdata", name+".golden"), got, *update)
}
