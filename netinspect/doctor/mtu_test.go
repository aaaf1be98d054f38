package doctor_test

import (
	"strings"
	"testing"

	"github.com/ostopo/ostopo/fixtures/fixturetest"
	"github.com/ostopo/ostopo/netinspect/doctor"
	"github.com/ostopo/ostopo/netinspect/neutron"
	"github.com/ostopo/ostopo/netinspect/topo"
)

// setChainMTU sets every kernel device of an instance port to one MTU: the
// chain agrees with itself but not with its network.
func setChainMTU(t *testing.T, s *topo.Snapshot, p topo.NPort, mtu int) {
	t.Helper()
	for _, d := range []*topo.Device{p.Devices.Tap, p.Devices.QBR, p.Devices.QVB, p.Devices.QVO} {
		if d == nil {
			continue
		}
		l := s.Root().Link(d.Name)
		if l == nil {
			t.Fatalf("no link %s", d.Name)
		}
		l.MTU = mtu
	}
}

// networkMTUEvidence returns the mtu-mismatch evidence line on the
// network's MTU for a port.
func networkMTUEvidence(t *testing.T, s *topo.Snapshot, portID string) string {
	t.Helper()
	for _, f := range doctor.Run(s) {
		if f.Check != "mtu-mismatch" || f.Objects[0].ID != portID {
			continue
		}
		for _, e := range f.Evidence {
			if strings.HasPrefix(e, "network ") {
				return e
			}
		}
		t.Fatalf("mtu-mismatch for %s without the network's MTU: %v", portID, f.Evidence)
	}
	t.Fatalf("no mtu-mismatch for port %s", portID)
	return ""
}

// The evidence says where the network's MTU was read: its DHCP/router
// ports' devices when it has them (the all-in-one node), its instance
// ports' devices otherwise (a compute node), and nothing it cannot tell.
func TestMTUMismatchNetworkSource(t *testing.T) {
	portOf := func(s *topo.Snapshot, net string, role string) topo.NPort {
		for _, p := range s.Neutron.Ports {
			if p.NetworkID == net && p.Role == role {
				return p
			}
		}
		t.Fatalf("no %s port on %s", role, net)
		return topo.NPort{}
	}

	t.Run("DHCP/router ports", func(t *testing.T) {
		s := fixturetest.Load(t, "aio")
		const net = "5c157c01-c44f-4457-abf8-f9651826db6f"
		victim, dhcp := portOf(s, net, topo.RoleInstance), portOf(s, net, topo.RoleDHCP)
		setChainMTU(t, s, victim, 1500)
		s.Neutron = neutron.Derive(s)
		ev := networkMTUEvidence(t, s, victim.ID)
		if !strings.Contains(ev, "mtu 1450 (taken from its DHCP/router ports' devices: ") || !strings.Contains(ev, dhcp.Devices.Tap.Name) {
			t.Errorf("evidence %q: want the MTU taken from the DHCP/router devices, naming %s", ev, dhcp.Devices.Tap.Name)
		}
		if strings.Contains(ev, "instance") || strings.Contains(ev, victim.Devices.Tap.Name) {
			t.Errorf("evidence %q names instance devices", ev)
		}
	})

	t.Run("instance ports", func(t *testing.T) {
		s := fixturetest.Load(t, "cmp")
		const net = "19e1f7a0-4bee-473d-a2d3-9e35b6b62e9f"
		victim := portOf(s, net, topo.RoleInstance)
		setChainMTU(t, s, victim, 9000)
		s.Neutron = neutron.Derive(s)
		ev := networkMTUEvidence(t, s, victim.ID)
		if !strings.Contains(ev, "mtu 1450 (taken from its instance ports' devices: ") {
			t.Errorf("evidence %q: want the MTU taken from the instance devices", ev)
		}
		if strings.Contains(ev, "DHCP") || strings.Contains(ev, victim.Devices.Tap.Name) {
			t.Errorf("evidence %q: a compute node has no DHCP/router port here, and the victim does not carry 1450", ev)
		}
	})

	t.Run("unknown", func(t *testing.T) {
		s := fixturetest.Load(t, "cmp")
		const net = "19e1f7a0-4bee-473d-a2d3-9e35b6b62e9f"
		victim := portOf(s, net, topo.RoleInstance)
		// A model whose network MTU no device carries (derived elsewhere):
		// nothing to name, and no claim on where it came from.
		s.Neutron.Network(net).MTU = 1400
		ev := networkMTUEvidence(t, s, victim.ID)
		if !strings.HasSuffix(ev, "mtu 1400 (taken from its ports' devices)") {
			t.Errorf("evidence %q: want a neutral source", ev)
		}
	})
}
