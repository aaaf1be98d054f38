package views

import (
	"strings"
	"testing"

	"github.com/ostopo/ostopo/fixtures/fixturetest"
	"github.com/ostopo/ostopo/ui/render"
)

// On the SNAT node recorded from real agents (net), a distributed
// router's qg- is in its snat- namespace: the gateway cell says so, as
// the NAMESPACE column names its qrouter-.
func TestRouterGatewayInSNAT(t *testing.T) {
	s := fixturetest.Load(t, "net")
	d := Routers(s)
	gateway := -1
	for i, c := range d.Columns {
		if c.Title == "GATEWAY" {
			gateway = i
		}
	}
	found := false
	for _, r := range s.Neutron.Routers {
		if r.SNATNamespace == "" || r.Gateway == nil {
			continue
		}
		found = true
		for _, row := range d.Rows {
			if row.Ref != (render.Ref{Kind: "router", ID: r.ID}) {
				continue
			}
			if got := row.Cells[gateway]; !strings.HasPrefix(got, r.Gateway.Device+" ") || !strings.HasSuffix(got, " in "+tableNSShort(r.SNATNamespace)) {
				t.Errorf("router %s gateway %q", r.ID, got)
			}
		}
	}
	if !found {
		t.Fatal("net has no router with a snat- namespace")
	}
}

// On the nodes recorded from real agents the tunnels' local IP is on
// br-phy's internal port (a userspace datapath), a bridge Neutron gives no
// role: the Topology tree lists its ports, the endpoint said.
func TestTopologyOtherBridgePorts(t *testing.T) {
	for _, name := range []string{"aio", "net", "cmp", "cmp-ovsfw"} {
		s := fixturetest.Load(t, name)
		if len(s.Neutron.Tunnels) == 0 {
			t.Fatalf("%s: no tunnel", name)
		}
		local := s.Neutron.Tunnels[0].LocalIP
		var holder string
		for _, l := range s.Root().Links {
			for _, a := range l.Addrs {
				if strings.HasPrefix(a.Prefix, local+"/") {
					holder = l.Name
				}
			}
		}
		var bridge string
		for _, br := range s.OVS.Bridges {
			for _, p := range br.Ports {
				if p.Name == holder {
					bridge = br.Name
				}
			}
		}
		if bridge == "" {
			t.Fatalf("%s: %s (%s) is on no OVS bridge", name, local, holder)
		}
		for _, n := range Topology(s, nil) {
			if n.Ref != (render.Ref{Kind: "bridge", ID: bridge}) {
				continue
			}
			var rows []string
			for _, c := range n.Children {
				rows = append(rows, c.Text)
			}
			if want := holder + "  internal  "; !strings.Contains(strings.Join(rows, "\n"), want) ||
				!strings.Contains(strings.Join(rows, "\n"), local+"/") || !strings.Contains(strings.Join(rows, "\n"), "tunnel endpoint") {
				t.Errorf("%s: %s's rows do not say the tunnel endpoint %s:\n%s", name, bridge, local, strings.Join(rows, "\n"))
			}
		}
	}
}
