package neutron_test

import (
	"strings"
	"testing"

	"github.com/ostopo/ostopo/fixtures/fixturetest"
	"github.com/ostopo/ostopo/netinspect/topo"
)

// Each case breaks one fact of the healthy all-in-one recording and says
// which object must report what. These are the branches the lab's faults do
// not reach (wiring a real kernel cannot be talked into, or rarer setups).
func TestDerivationCases(t *testing.T) {
	aio := fixturetest.Load(t, "aio")
	firstInstance := func(s *topo.Snapshot) topo.NPort {
		for _, p := range s.Neutron.Ports {
			if p.Role == topo.RoleInstance {
				return p
			}
		}
		t.Fatal("no instance port in fixture")
		return topo.NPort{}
	}
	inst := firstInstance(aio)
	suffix := inst.ID[:11]
	router := aio.Neutron.Routers[0]
	fip := router.FloatingIPs[0]

	tests := []struct {
		name   string
		break_ func(s *topo.Snapshot)
		object string
		want   string
	}{
		{"veth peer of qvb is not qvo", func(s *topo.Snapshot) {
			s.Root().Link("qvb" + suffix).Peer = &topo.LinkRef{Name: "veth1234"}
		}, "port " + inst.ID, "qvb" + suffix + "'s veth peer is veth1234, not qvo" + suffix},
		{"qbr missing", func(s *topo.Snapshot) { removeLink(s.Root(), "qbr"+suffix) }, "port " + inst.ID, "qbr" + suffix + " missing from the kernel"},
		{"qbr is not a bridge", func(s *topo.Snapshot) { s.Root().Link("qbr" + suffix).Kind = "veth" }, "port " + inst.ID, "not a Linux bridge"},
		{"MTU differs along the chain", func(s *topo.Snapshot) { s.Root().Link("qvo" + suffix).MTU -= 42 }, "port " + inst.ID, "MTU differs along the chain"},
		{"OVS cannot open the device", func(s *topo.Snapshot) {
			ovsIface(s, "qvo"+suffix).Error = "could not open network device qvo" + suffix + " (No such device)"
		}, "port " + inst.ID, "OVS cannot use the device: could not open network device"},
		{"agent never bound the port", func(s *topo.Snapshot) { ovsPort(s, "qvo"+suffix).Tag = 0 }, "port " + inst.ID, "has not bound this port"},
		{"patch peer missing", func(s *topo.Snapshot) { ovsIface(s, "patch-tun").Options["peer"] = "patch-gone" }, "patch patch-tun", "peer patch-gone does not exist"},
		{"patch port never wired", func(s *topo.Snapshot) { ovsIface(s, "phy-br-ex").Options["peer"] = "nonexistent-peer" }, "patch phy-br-ex", "nonexistent-peer"},
		{"tunnel local_ip on no interface", func(s *topo.Snapshot) {
			ovsIface(s, "vxlan-0a1e0015").Options["local_ip"] = "192.0.2.99"
		}, "tunnel vxlan-0a1e0015", "local_ip 192.0.2.99 is on no interface"},
		{"tunnel named for another remote", func(s *topo.Snapshot) {
			ovsIface(s, "vxlan-0a1e0015").Options["remote_ip"] = "10.30.0.99"
		}, "tunnel vxlan-0a1e0015", "the agent would call it vxlan-0a1e0063"},
		{"DNAT without the address on qg-", func(s *topo.Snapshot) {
			removeAddr(s.Namespace(router.Namespace).Link(router.Gateway.Device), fip.FloatingIP+"/32")
		}, "fip " + fip.FloatingIP, "not an address on " + router.Gateway.Device},
		{"SNAT rewrites another fixed IP", func(s *topo.Snapshot) {
			for i, r := range s.Namespace(router.Namespace).NAT.Rules {
				if r.Target == "SNAT" && strings.HasSuffix(r.Chain, "float-snat") {
					s.Namespace(router.Namespace).NAT.Rules[i].Src = "10.9.9.9/32"
				}
			}
		}, "fip " + fip.FloatingIP, "DNAT sends " + fip.FloatingIP + " to " + fip.FixedIP + " but SNAT rewrites 10.9.9.9"},
		{"qr- without address", func(s *topo.Snapshot) {
			s.Namespace(router.Namespace).Link(router.Interfaces[0].Device).Addrs = nil
		}, "router " + router.ID, router.Interfaces[0].Device + " has no address"},
		{"DHCP tap left in the node's namespace", func(s *topo.Snapshot) {
			n := dhcpNamespace(s)
			tap := n.Links[len(n.Links)-1]
			removeLink(n, tap.Name)
			s.Root().Links = append(s.Root().Links, tap)
		}, "port *", "is in the node's own namespace, not in a qdhcp- namespace"},
		{"namespace left behind", func(s *topo.Snapshot) {
			s.Namespaces = append(s.Namespaces, topo.Namespace{Name: "qdhcp-00000000-0000-4000-a000-000000000000", Kind: topo.NSDHCP, ID: "00000000-0000-4000-a000-000000000000"})
		}, "network 00000000-0000-4000-a000-000000000000", "exists but no port of this network is on br-int"},
		{"two networks on one local VLAN", func(s *topo.Snapshot) {
			for _, n := range s.Neutron.Networks {
				if n.LocalVLAN == 3 {
					for _, id := range n.Ports {
						if p := s.Neutron.Port(id); p != nil && p.OVSPort != "" {
							ovsPort(s, p.OVSPort).Tag = 2
							ovsPort(s, p.OVSPort).OtherConfig["tag"] = "2"
						}
					}
				}
			}
		}, "network *", "local VLAN 2 is shared by networks"},
		{"stale br-tun mapping", func(s *topo.Snapshot) {
			b := s.OVS.Bridge("br-tun")
			b.Flows = append(b.Flows, topo.Flow{Table: 4, Priority: 1, Match: "tun_id=0x7d0", Actions: "mod_vlan_vid:99,resubmit(,10)"})
		}, "node", "maps tunnel id 2000 to local VLAN 99, which no port on this node uses"},
		{"provider NIC missing from the kernel", func(s *topo.Snapshot) { removeLink(s.Root(), "eth4") }, "nic eth4", "no such device exists"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := fixturetest.Load(t, "aio")
			tt.break_(s)
			got := problems(derive(s))
			for obj, ps := range got {
				if tt.object == obj || strings.HasSuffix(tt.object, "*") && strings.HasPrefix(obj, strings.TrimSuffix(tt.object, "*")) {
					for _, p := range ps {
						if strings.Contains(p, tt.want) {
							return
						}
					}
				}
			}
			t.Errorf("want a problem on %s containing %q; got %v", tt.object, tt.want, got)
		})
	}
}

// An HA router without a state file is active here when it holds the
// addresses (keepalived puts them only on the primary); holding none, it
// is a standby or a primary that lost them: unknown, never taken for a
// standby (which would hide the lost addresses), nor for a problem.
func TestHARouterState(t *testing.T) {
	s := fixturetest.Load(t, "aio")
	r := s.Neutron.Routers[0]
	ns := s.Namespace(r.Namespace)
	ns.Links = append(ns.Links, topo.Link{Name: "ha-0123456789a", Kind: "tuntap", OperState: "unknown", AdminUp: true})
	n := derive(s)
	got := n.Router(r.ID)
	if got.Kind != "ha" || got.HAState != "" || got.HARole != topo.HARoleActive {
		t.Errorf("router with addresses: kind %q state %q role %q; want ha, no state, active", got.Kind, got.HAState, got.HARole)
	}
	for i := range ns.Links {
		ns.Links[i].Addrs = nil
	}
	n = derive(s)
	got = n.Router(r.ID)
	if got.HAState != "" || got.HARole != "" || len(got.Problems) != 0 || !strings.Contains(strings.Join(got.Unknown, "\n"), "standby here") {
		t.Errorf("router without addresses: state %q role %q problems %v unknown %v; want unknown, no problems", got.HAState, got.HARole, got.Problems, got.Unknown)
	}
	for _, f := range got.FloatingIPs {
		if len(f.Problems) != 0 {
			t.Errorf("floating IP %s of a router in an unknown HA state: %v", f.FloatingIP, f.Problems)
		}
	}
	s.Agent.HARouterStates = map[string]string{r.ID: "primary"}
	n = derive(s)
	if got := n.Router(r.ID); got.HAState != "primary" || got.HARole != topo.HARoleActive || len(got.Problems) == 0 {
		t.Errorf("state file says primary, no addresses: state %q role %q problems %v; want active with problems", got.HAState, got.HARole, got.Problems)
	}
	s.Agent.HARouterStates = map[string]string{r.ID: "backup"}
	n = derive(s)
	if got := n.Router(r.ID); got.HARole != topo.HARoleStandby || len(got.Problems) != 0 {
		t.Errorf("state file says backup, no addresses: role %q problems %v; want standby, no problems", got.HARole, got.Problems)
	}
}

// A tap plugged straight into br-int is an instance with the OVS firewall
// when table 60 has its entry flow, else one without firewall.
func TestDirectTapFirewall(t *testing.T) {
	s := fixturetest.Load(t, "aio")
	br := s.OVS.Bridge("br-int")
	br.Ports = append(br.Ports, topo.Port{Name: "tapa1b2c3d4-e5", Tag: 2, OtherConfig: map[string]string{"net_uuid": s.Neutron.Networks[1].ID, "tag": "2"},
		Interfaces: []topo.Interface{{Name: "tapa1b2c3d4-e5", OFPort: 77, ExternalIDs: map[string]string{
			"iface-id": "a1b2c3d4-e5f6-4789-8abc-def012345678", "attached-mac": "fa:16:3e:1a:2b:3c", "vm-id": "0c7e0d55-1111-4222-8333-944445555666"}}}})
	s.Root().Links = append(s.Root().Links, topo.Link{Index: 9999, Name: "tapa1b2c3d4-e5", Kind: "tuntap", OperState: "unknown", AdminUp: true, Carrier: true, MTU: 1450, MAC: "fe:16:3e:1a:2b:3c"})
	n := derive(s)
	p := n.Port("a1b2c3d4-e5f6-4789-8abc-def012345678")
	if p == nil || p.Role != topo.RoleInstance || p.Firewall != topo.FirewallDirect || p.InstanceID == "" || p.Devices.QVO != nil || len(p.Problems) != 0 {
		t.Fatalf("direct tap port = %+v", p)
	}
	br.Flows = append(br.Flows, topo.Flow{Table: 60, Priority: 100, Match: "in_port=77", Actions: "load:0x4d->NXM_NX_REG5[],load:0x2->NXM_NX_REG6[],resubmit(,71)"},
		topo.Flow{Table: 71, Priority: 65, Match: "ip,reg5=0x4d,in_port=77,dl_src=fa:16:3e:1a:2b:3c,nw_src=10.1.0.77", Actions: "ct(table=72,zone=NXM_NX_REG6[0..15])"})
	n = derive(s)
	p = n.Port("a1b2c3d4-e5f6-4789-8abc-def012345678")
	if p.Firewall != topo.FirewallOVS {
		t.Errorf("firewall = %q, want %q", p.Firewall, topo.FirewallOVS)
	}
	if len(p.FixedIPs) != 1 || p.FixedIPs[0] != "10.1.0.77" {
		t.Errorf("fixed IPs from the OVS firewall flows = %v", p.FixedIPs)
	}
}

func removeLink(n *topo.Namespace, name string) {
	for i := range n.Links {
		if n.Links[i].Name == name {
			n.Links = append(n.Links[:i], n.Links[i+1:]...)
			return
		}
	}
}

func removeAddr(l *topo.Link, prefix string) {
	for i := range l.Addrs {
		if l.Addrs[i].Prefix == prefix {
			l.Addrs = append(l.Addrs[:i], l.Addrs[i+1:]...)
			return
		}
	}
}

func ovsPort(s *topo.Snapshot, name string) *topo.Port {
	for i := range s.OVS.Bridges {
		if p := s.OVS.Bridges[i].Port(name); p != nil {
			return p
		}
	}
	panic("no OVS port " + name)
}

func ovsIface(s *topo.Snapshot, name string) *topo.Interface {
	return &ovsPort(s, name).Interfaces[0]
}

func dhcpNamespace(s *topo.Snapshot) *topo.Namespace {
	for i := range s.Namespaces {
		if s.Namespaces[i].Kind == topo.NSDHCP {
			return &s.Namespaces[i]
		}
	}
	panic("no qdhcp- namespace")
}
