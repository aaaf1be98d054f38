package doctor_test

import (
	"fmt"
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
		// A tunnelled network (MTU below 1500) with an instance and a
		// DHCP port on the node.
		var nw *topo.Network
		for i := range s.Neutron.Networks {
			n := &s.Neutron.Networks[i]
			if n.MTU > 0 && n.MTU < 1500 && hasRole(s, n.ID, topo.RoleInstance) && hasRole(s, n.ID, topo.RoleDHCP) {
				nw = n
				break
			}
		}
		if nw == nil {
			t.Fatal("aio: no network below MTU 1500 with an instance and a DHCP port")
		}
		net, mtu := nw.ID, nw.MTU
		victim, dhcp := portOf(s, net, topo.RoleInstance), portOf(s, net, topo.RoleDHCP)
		setChainMTU(t, s, victim, 1500)
		s.Neutron = neutron.Derive(s)
		ev := networkMTUEvidence(t, s, victim.ID)
		if !strings.Contains(ev, fmt.Sprintf("mtu %d (taken from its DHCP/router ports' devices: ", mtu)) || !strings.Contains(ev, dhcp.Devices.Tap.Name) {
			t.Errorf("evidence %q: want the MTU taken from the DHCP/router devices, naming %s", ev, dhcp.Devices.Tap.Name)
		}
		if strings.Contains(ev, "instance") || strings.Contains(ev, victim.Devices.Tap.Name) {
			t.Errorf("evidence %q names instance devices", ev)
		}
	})

	t.Run("instance ports", func(t *testing.T) {
		s := fixturetest.Load(t, "cmp")
		// The lab's compute node has one instance per network: plug a
		// second one into the victim's network, so that the network's MTU
		// is read from a device the victim does not own.
		victim, other := twoInstancesOnOneNetwork(t, s)
		net, mtu := victim.NetworkID, s.Neutron.Network(victim.NetworkID).MTU
		setChainMTU(t, s, victim, 9000)
		s.Neutron = neutron.Derive(s)
		ev := networkMTUEvidence(t, s, victim.ID)
		if !strings.Contains(ev, fmt.Sprintf("network %s mtu %d (taken from its instance ports' devices: ", net, mtu)) || !strings.Contains(ev, other.Devices.QVO.Name) {
			t.Errorf("evidence %q: want the MTU taken from the instance devices, naming %s", ev, other.Devices.QVO.Name)
		}
		if strings.Contains(ev, "DHCP") || strings.Contains(ev, victim.Devices.Tap.Name) {
			t.Errorf("evidence %q: a compute node has no DHCP/router port here, and the victim does not carry 1450", ev)
		}
	})

	t.Run("unknown", func(t *testing.T) {
		s := fixturetest.Load(t, "cmp")
		victim := firstInstance(t, s)
		net := victim.NetworkID
		// A model whose network MTU no device carries (derived elsewhere):
		// nothing to name, and no claim on where it came from.
		s.Neutron.Network(net).MTU = 1400
		ev := networkMTUEvidence(t, s, victim.ID)
		if !strings.HasSuffix(ev, "mtu 1400 (taken from its ports' devices)") {
			t.Errorf("evidence %q: want a neutral source", ev)
		}
	})
}

func hasRole(s *topo.Snapshot, net, role string) bool {
	for _, p := range s.Neutron.Ports {
		if p.NetworkID == net && p.Role == role {
			return true
		}
	}
	return false
}

func firstInstance(t *testing.T, s *topo.Snapshot) topo.NPort {
	t.Helper()
	for _, p := range s.Neutron.Ports {
		if p.Role == topo.RoleInstance && p.Devices.Tap != nil {
			return p
		}
	}
	t.Fatalf("%s: no instance port", s.Host)
	return topo.NPort{}
}

// twoInstancesOnOneNetwork moves a second instance port of s (re-derived)
// into the first one's network, re-tagging its OVS port with that
// network's local VLAN and net_uuid as the agent would have.
func twoInstancesOnOneNetwork(t *testing.T, s *topo.Snapshot) (victim, other topo.NPort) {
	t.Helper()
	victim = firstInstance(t, s)
	for _, p := range s.Neutron.Ports {
		if p.Role == topo.RoleInstance && p.ID != victim.ID && p.OVSPort != "" && p.Devices.Tap != nil {
			other = p
			break
		}
	}
	if other.ID == "" {
		t.Fatalf("%s: a single instance port", s.Host)
	}
	if other.NetworkID != victim.NetworkID {
		op := ovsPort(s, other.OVSPort)
		op.Tag = victim.LocalVLAN
		op.OtherConfig["net_uuid"] = victim.NetworkID
		op.OtherConfig["tag"] = fmt.Sprint(victim.LocalVLAN)
		s.Neutron = neutron.Derive(s)
	}
	for _, p := range s.Neutron.Ports {
		if p.ID == other.ID {
			other = p
		}
	}
	if other.NetworkID != victim.NetworkID {
		t.Fatalf("%s: port %s not moved to network %s", s.Host, other.ID, victim.NetworkID)
	}
	return victim, other
}
