package doctor_test

import (
	"strings"
	"testing"

	"github.com/ostopo/ostopo/fixtures/fixturetest"
	"github.com/ostopo/ostopo/netinspect/doctor"
	"github.com/ostopo/ostopo/netinspect/neutron"
	"github.com/ostopo/ostopo/netinspect/topo"
)

// device-no-carrier on an instance's tap sends the operator to libvirt
// the way the node runs it: kolla's nova_libvirt container only on a
// kolla node, plain virsh on a packaged one, both when unknown.
func TestNoCarrierFixFollowsDeployment(t *testing.T) {
	fix := func(t *testing.T, dep *topo.Deployment) string {
		t.Helper()
		s := fixturetest.Load(t, "aio")
		s.Deployment = dep
		for _, p := range s.Neutron.Ports {
			if p.Role == topo.RoleInstance && p.Devices.Tap != nil {
				l := s.Root().Link(p.Devices.Tap.Name)
				l.Kind, l.TunMode, l.Peer, l.Carrier, l.OperState = "tuntap", "tap", nil, false, "down"
				break
			}
		}
		s.Neutron = neutron.Derive(s)
		for _, f := range doctor.Run(s) {
			if f.Check == "device-no-carrier" {
				return f.Fix
			}
		}
		t.Fatal("no device-no-carrier finding")
		return ""
	}
	if f := fix(t, &topo.Deployment{Style: topo.DeployKolla, Engine: "docker"}); !strings.Contains(f, "on this node: docker exec nova_libvirt virsh domstate ") {
		t.Errorf("kolla node: fix %q", f)
	}
	if f := fix(t, &topo.Deployment{Style: topo.DeploySystemd}); strings.Contains(f, "nova_libvirt") || !strings.Contains(f, "on this node: virsh domstate ") {
		t.Errorf("packaged node: fix %q names kolla's container", f)
	}
	if f := fix(t, nil); !strings.Contains(f, "on this node: virsh domstate ") || !strings.Contains(f, "kolla: docker exec nova_libvirt virsh") {
		t.Errorf("unknown node: fix %q should name both", f)
	}
}
