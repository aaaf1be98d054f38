package neutron_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/ostopo/ostopo/fixtures"
	"github.com/ostopo/ostopo/fixtures/fixturetest"
	"github.com/ostopo/ostopo/fixtures/lab"
	"github.com/ostopo/ostopo/netinspect/neutron"
	"github.com/ostopo/ostopo/netinspect/topo"
)

// derive recomputes the Neutron view the way collection does.
func derive(s *topo.Snapshot) topo.Neutron {
	s.Neutron = neutron.Derive(s)
	s.Normalize()
	return s.Neutron
}

// Every node recorded from the imitation lab (fixtures/lab) matches what
// the lab built: right ids, VLANs, devices, routers, floating IPs and
// tunnels, and nothing extra. The other recordings come from real Neutron
// agents (fixtures/neutronlab), whose tests hold them to the Neutron API.
func TestFixturesMatchTheLabThatBuiltThem(t *testing.T) {
	for _, name := range []string{"bad", "scale"} {
		t.Run(name, func(t *testing.T) {
			spec, ok := lab.Named(name)
			if !ok {
				t.Fatalf("fixtures/lab builds no %s", name)
			}
			got := derive(fixturetest.Load(t, name))
			for _, d := range spec.Check(got) {
				t.Error(d)
			}
		})
	}
}

// The derivation is deterministic and the recordings are current: deriving
// again gives exactly the recorded view.
func TestDeriveReproducesRecording(t *testing.T) {
	for _, name := range fixtures.Names() {
		t.Run(name, func(t *testing.T) {
			s := fixturetest.Load(t, name)
			want := s.Neutron
			if diff := cmp.Diff(want, derive(s)); diff != "" {
				t.Errorf("re-derived view differs from the recording (-recorded +derived):\n%s", diff)
			}
		})
	}
}

// problems gathers every problem with the object it is attached to.
func problems(n topo.Neutron) map[string][]string {
	out := map[string][]string{}
	add := func(key string, ps []string) {
		if len(ps) > 0 {
			out[key] = append(out[key], ps...)
		}
	}
	for _, p := range n.Ports {
		add("port "+p.ID, p.Problems)
	}
	for _, x := range n.Networks {
		add("network "+x.ID, x.Problems)
	}
	for _, r := range n.Routers {
		add("router "+r.ID, r.Problems)
		for _, f := range r.FloatingIPs {
			add("fip "+f.FloatingIP, f.Problems)
		}
	}
	for _, x := range n.Tunnels {
		add("tunnel "+x.Port, x.Problems)
	}
	for _, x := range n.PatchPairs {
		add("patch "+x.Port, x.Problems)
	}
	for _, x := range n.ProviderNICs {
		add("nic "+x.Name, x.Problems)
	}
	add("node", n.Problems)
	return out
}

func TestHealthyNodesHaveNoProblems(t *testing.T) {
	for _, name := range []string{"aio", "net", "net2", "cmp", "cmp-ovsfw", "scale"} {
		t.Run(name, func(t *testing.T) {
			for obj, ps := range problems(derive(fixturetest.Load(t, name))) {
				t.Errorf("%s: %v", obj, ps)
			}
		})
	}
}

// Each fault the lab injected for real is reported on the right object and
// nothing else is reported.
func TestBrokenNodeReportsEachFault(t *testing.T) {
	spec := lab.Broken()
	got := problems(derive(fixturetest.Load(t, "bad")))
	in := spec.Instances
	want := map[string]string{
		"port " + in[0].ID:                        "never bound",
		"port " + in[1].ID:                        "killed by the OVS agent",
		"port " + in[2].ID:                        in[2].Device("qvb") + " is not in " + in[2].Device("qbr"),
		"port " + in[3].ID:                        in[3].Device("tap") + " missing from the kernel",
		"port " + in[4].ID[:11]:                   in[4].Device("qvo") + " is not a port of br-int",
		"port " + in[5].ID:                        in[5].Device("qvb") + " is down",
		"port " + in[6].ID:                        "OVS tag 3004 differs from other_config:tag 4",
		"network " + in[6].Network:                "different local VLANs",
		"network " + spec.Networks[3].ID:          "no br-tun table 4 flow mapping tunnel id 1003",
		"fip " + spec.Routers[0].FIPs[0].Floating: "no DNAT rule",
		"router " + spec.Routers[1].ID:            "ip_forward is 0",
		"nic eth4":                                "holds 203.0.113.11/24 but is a port of br-ex",
	}
	for obj, text := range want {
		found := false
		for _, p := range got[obj] {
			found = found || strings.Contains(p, text)
		}
		if !found {
			t.Errorf("%s: want a problem containing %q, got %q", obj, text, got[obj])
		}
	}
	for obj, ps := range got {
		if _, ok := want[obj]; !ok {
			t.Errorf("unexpected problems on %s: %v", obj, ps)
		}
	}
}
