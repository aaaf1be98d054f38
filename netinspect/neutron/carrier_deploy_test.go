package neutron_test

import (
	"strings"
	"testing"

	"github.com/ostopo/ostopo/fixtures/fixturetest"
	"github.com/ostopo/ostopo/netinspect/neutron"
	"github.com/ostopo/ostopo/netinspect/topo"
)

// A tap without carrier sends the operator to libvirt: in kolla's
// nova_libvirt container only on a kolla node, plain virsh on a node
// whose agents run from packages or by hand, and both ways when how the
// node runs is unknown (or neither: another orchestrator, a mix).
func TestTapNoCarrierVirshByDeployment(t *testing.T) {
	const inst = "5b1c0e4e-0000-4000-8000-000000000001"
	tap := &topo.Link{Name: "tap0123abcd-ef", Kind: "tuntap", AdminUp: true, OperState: "down"}
	plain := "virsh domstate " + inst + "; virsh list --all"
	cases := []struct {
		name      string
		dep       *topo.Deployment
		want, not []string
	}{
		{"kolla, docker", &topo.Deployment{Style: topo.DeployKolla, Engine: "docker"},
			[]string{"docker exec nova_libvirt virsh domstate " + inst, "docker exec nova_libvirt virsh list --all"}, []string{"on this node: virsh", "podman"}},
		{"kolla, podman", &topo.Deployment{Style: topo.DeployKolla, Engine: "podman"},
			[]string{"podman exec nova_libvirt virsh domstate " + inst}, []string{"docker", "on this node: virsh"}},
		{"kolla, engine unknown", &topo.Deployment{Style: topo.DeployKolla},
			[]string{"docker exec nova_libvirt virsh domstate " + inst, "podman exec under podman"}, []string{"on this node: virsh"}},
		{"packages", &topo.Deployment{Style: topo.DeploySystemd}, []string{"on this node: " + plain + "; who holds"}, []string{"kolla", "nova_libvirt", "docker"}},
		{"by hand", &topo.Deployment{Style: topo.DeployProcess}, []string{"on this node: " + plain + "; who holds"}, []string{"kolla", "nova_libvirt"}},
		{"unknown", nil, []string{"on this node: " + plain, "kolla: docker exec nova_libvirt virsh"}, nil},
		{"style unknown", &topo.Deployment{}, []string{"on this node: " + plain, "kolla: docker exec nova_libvirt virsh"}, nil},
		{"other containers", &topo.Deployment{Style: topo.DeployContainer, Engine: "kubernetes"}, []string{"on this node: " + plain, "kolla: docker exec nova_libvirt virsh"}, nil},
		{"mixed", &topo.Deployment{Style: topo.DeployMixed}, []string{"on this node: " + plain, "kolla: docker exec nova_libvirt virsh"}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tr := neutron.TroubleOn(c.dep, "", tap, inst, "0123abcd-ef00-4000-8000-000000000002", nil)
			if tr == nil || tr.Fault != neutron.FaultNoCarrier {
				t.Fatalf("trouble %+v", tr)
			}
			for _, w := range c.want {
				if !strings.Contains(tr.Next, w) {
					t.Errorf("next %q lacks %q", tr.Next, w)
				}
			}
			for _, n := range c.not {
				if strings.Contains(tr.Next, n) {
					t.Errorf("next %q names %q", tr.Next, n)
				}
			}
		})
	}
	// TroubleOf knows no deployment: it is the unknown case.
	if a, b := neutron.TroubleOf("", tap, inst, "p", nil), neutron.TroubleOn(nil, "", tap, inst, "p", nil); a.Next != b.Next {
		t.Errorf("TroubleOf %q differs from TroubleOn(nil) %q", a.Next, b.Next)
	}
}

// A port's troubles follow the snapshot's deployment (PortTroublesOn).
func TestPortTroublesOnDeployment(t *testing.T) {
	s := fixturetest.Load(t, "aio")
	var p *topo.NPort
	for i := range s.Neutron.Ports {
		if s.Neutron.Ports[i].Role == topo.RoleInstance && s.Neutron.Ports[i].Devices.Tap != nil {
			p = &s.Neutron.Ports[i]
			break
		}
	}
	if p == nil {
		t.Fatal("no instance port with a tap")
	}
	l := s.Root().Link(p.Devices.Tap.Name)
	l.Kind, l.TunMode, l.Peer, l.Carrier, l.OperState = "tuntap", "tap", nil, false, "down"
	links := neutron.Links(s)
	next := func(dep *topo.Deployment) string {
		for _, tr := range neutron.PortTroublesOn(dep, p, links) {
			if tr.Device == l.Name {
				return tr.Next
			}
		}
		t.Fatalf("no trouble for %s", l.Name)
		return ""
	}
	if n := next(&topo.Deployment{Style: topo.DeployKolla, Engine: "docker"}); !strings.Contains(n, "docker exec nova_libvirt virsh domstate") {
		t.Errorf("kolla node: %q", n)
	}
	if n := next(&topo.Deployment{Style: topo.DeploySystemd}); strings.Contains(n, "nova_libvirt") || !strings.Contains(n, "virsh domstate") {
		t.Errorf("packaged node: %q", n)
	}
	if n := next(nil); !strings.Contains(n, "kolla: docker exec nova_libvirt") {
		t.Errorf("unknown node: %q", n)
	}
}
