package routefix

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ostopo/ostopo/fixtures/fixturetest"
	"github.com/ostopo/ostopo/netinspect/topo"
)

func TestDiagnoseKollaTrap(t *testing.T) {
	f := Diagnose(fixturetest.Load(t, "bad"))
	if len(f) != 1 {
		t.Fatalf("findings %+v", f)
	}
	got := f[0]
	if got.Dev != "eth4" || got.Bridge != "br-ex" || got.Why != "bridge-port" || got.Route != "default via 203.0.113.1 dev eth4" {
		t.Errorf("finding %+v", got)
	}
	if len(got.Candidates) == 0 || got.Candidates[0].Dev != "eth1" {
		t.Errorf("candidates %+v", got.Candidates)
	}
	if txt := got.Text(); !strings.Contains(txt, "eth4 is a port of br-ex") || !strings.Contains(txt, "candidates: eth1 (10.20.0.11/24)") {
		t.Errorf("text %q", txt)
	}
}

func TestDiagnoseHealthyNodes(t *testing.T) {
	for _, name := range []string{"aio", "net", "cmp"} {
		if f := Diagnose(fixturetest.Load(t, name)); len(f) != 0 {
			t.Errorf("%s: %+v", name, f)
		}
	}
}

// Not only the default route: any route someone chose, through a port of
// an OVS bridge, a NIC that is down, or one without carrier.
func TestDiagnoseOtherRoutes(t *testing.T) {
	s := fixturetest.Load(t, "aio")
	root := s.Root()
	root.Routes = append(root.Routes,
		topo.Route{Table: topo.RouteTableMain, Dst: "198.51.100.0/24", Gateway: "203.0.113.254", Dev: "eth4", Protocol: "static", Family: 4},
		topo.Route{Table: topo.RouteTableMain, Dst: "203.0.113.0/24", Dev: "eth4", Protocol: "kernel", Scope: "link", Family: 4})
	eth2 := root.Link("eth2")
	eth2.Carrier = false
	root.Routes = append(root.Routes, topo.Route{Table: topo.RouteTableMain, Dst: "10.99.0.0/16", Gateway: "10.30.0.1", Dev: "eth2", Protocol: "dhcp", Family: 4})
	f := Diagnose(s)
	if len(f) != 2 || f[0].Why != "bridge-port" || f[0].Route != "198.51.100.0/24 via 203.0.113.254 dev eth4 proto static" ||
		f[1].Why != "no-carrier" || f[1].Dev != "eth2" {
		t.Fatalf("findings %+v", f)
	}
	for _, c := range f[1].Candidates {
		if c.Dev == "eth2" {
			t.Error("a NIC without carrier offered as a candidate")
		}
	}
}

func TestPlan(t *testing.T) {
	s := fixturetest.Load(t, "bad")
	p, err := NewPlan(s, "", "10.20.0.1")
	if err != nil {
		t.Fatal(err)
	}
	if !p.OK() || p.Dev != "eth1" || p.Command != "ip route replace default via 10.20.0.1 dev eth1" {
		t.Errorf("plan %+v", p)
	}
	if len(p.Before) != 1 || RouteText(p.Before[0]) != "default via 203.0.113.1 dev eth4" || RouteText(p.After) != "default via 10.20.0.1 dev eth1 proto static" {
		t.Errorf("before %v after %v", p.Before, p.After)
	}
	if !strings.Contains(p.Reminder, "-s 10.20.0.0/24 -j MASQUERADE") || !strings.Contains(p.Reminder, "ip_forward=1") {
		t.Errorf("reminder %q", p.Reminder)
	}

	failed := func(p *Plan) []string {
		var out []string
		for _, c := range p.Checks {
			if !c.OK {
				out = append(out, c.What+": "+c.Detail)
			}
		}
		return out
	}
	for _, tc := range []struct{ dev, gw, want string }{
		{"eth1", "192.0.2.1", "gateway inside one of the device's subnets: 192.0.2.1 is in none of eth1's subnets"},
		{"eth1", "10.20.0.11", "gateway inside one of the device's subnets"}, // the node's own address
		{"eth4", "203.0.113.1", "device is not an OVS port: eth4 is a port of br-ex"},
		{"eth9", "10.20.0.1", "device exists: eth9 is not a device of the node"},
	} {
		p, err := NewPlan(s, tc.dev, tc.gw)
		if err != nil {
			t.Fatal(err)
		}
		if f := failed(p); p.OK() || len(f) == 0 || !strings.HasPrefix(f[0], tc.want) {
			t.Errorf("--dev %s --gateway %s: failed checks %q, want %q", tc.dev, tc.gw, f, tc.want)
		}
	}
	for _, gw := range []string{"", "fe80::1", "10.20.0"} {
		if _, err := NewPlan(s, "eth1", gw); err == nil {
			t.Errorf("gateway %q accepted", gw)
		}
	}
	down := fixturetest.Load(t, "bad")
	down.Root().Link("eth1").OperState = "down"
	if p, _ := NewPlan(down, "eth1", "10.20.0.1"); p.OK() {
		t.Error("a plan over a NIC that is down passed")
	}
}

func TestPersistFor(t *testing.T) {
	p, _ := NewPlan(fixturetest.Load(t, "bad"), "eth1", "10.20.0.1")
	mk := func(t *testing.T, files ...string) string {
		etc := t.TempDir()
		for _, f := range files {
			os.MkdirAll(filepath.Dir(filepath.Join(etc, f)), 0o755)
			os.WriteFile(filepath.Join(etc, f), []byte("x"), 0o644)
		}
		return etc
	}
	t.Run("netplan", func(t *testing.T) {
		etc := mk(t, "netplan/50-cloud-init.yaml", "network/interfaces")
		per := PersistFor(etc, p)
		if per.Manager != "netplan" || per.File != filepath.Join(etc, "netplan/90-ostopo-default-route.yaml") ||
			!strings.Contains(per.Content, "eth1:\n      routes:\n        - to: default\n          via: 10.20.0.1\n") {
			t.Fatalf("%+v", per)
		}
		state := t.TempDir()
		if err := per.Write(state); err != nil {
			t.Fatal(err)
		}
		st, err := os.Stat(per.File)
		if err != nil || st.Mode().Perm() != 0o600 {
			t.Errorf("written %v, mode %v", err, st.Mode())
		}
		log, _ := os.ReadFile(filepath.Join(state, "fix.log"))
		if !strings.Contains(string(log), "persisted for netplan: "+per.File+"; before (none)") {
			t.Errorf("log %s", log)
		}
	})
	t.Run("ifupdown", func(t *testing.T) {
		etc := mk(t, "network/interfaces")
		per := PersistFor(etc, p)
		if per.Manager != "ifupdown" || !strings.Contains(per.Content, `[ "$IFACE" = "eth1" ] || exit 0`) ||
			!strings.Contains(per.Content, "ip route replace default via 10.20.0.1 dev eth1") {
			t.Fatalf("%+v", per)
		}
		if err := per.Write(t.TempDir()); err != nil {
			t.Fatal(err)
		}
		if st, _ := os.Stat(per.File); st == nil || st.Mode().Perm() != 0o755 {
			t.Errorf("hook not executable: %v", st)
		}
	})
	t.Run("NetworkManager", func(t *testing.T) {
		per := PersistFor(mk(t, "NetworkManager/NetworkManager.conf"), p)
		if per.Manager != "NetworkManager" || per.File != "" || !strings.Contains(per.Explain, "nmcli connection modify") {
			t.Fatalf("%+v", per)
		}
		if err := per.Write(t.TempDir()); err == nil {
			t.Error("wrote a file for NetworkManager")
		}
	})
	t.Run("unknown", func(t *testing.T) {
		if per := PersistFor(mk(t), p); per.Manager != "unknown" || !strings.Contains(per.Explain, p.Command) {
			t.Fatalf("%+v", per)
		}
	})
}
