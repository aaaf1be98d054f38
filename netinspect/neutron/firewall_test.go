package neutron_test

import (
	"testing"

	"github.com/ostopo/ostopo/fixtures/fixturetest"
	"github.com/ostopo/ostopo/netinspect/topo"
)

// The OVS firewall's entry flow for a tap plugged straight into br-int,
// as each dump syntax prints it: plain ovs-ofctl (OpenFlow 1.0, as ostopo
// runs it) and a sosreport's ovs-ofctl -O OpenFlow13. Both are the native
// firewall; only a table 60 entry flow that loads no reg5 is not.
func TestDirectTapFirewallDumpSyntax(t *testing.T) {
	const id, dev = "a1b2c3d4-e5f6-4789-8abc-def012345678", "tapa1b2c3d4-e5"
	cases := []struct {
		name, dump string
		want       string
	}{
		{"OpenFlow 1.0", `NXST_FLOW reply (xid=0x4):
 cookie=0x9d4e8bf1c6a20b31, duration=812.402s, table=60, n_packets=57, n_bytes=5098, priority=100,in_port=77 actions=load:0x4d->NXM_NX_REG5[],load:0x2->NXM_NX_REG6[],resubmit(,71)
`, topo.FirewallOVS},
		{"OpenFlow 1.3", `OFPST_FLOW reply (OF1.3) (xid=0x2):
 cookie=0x9d4e8bf1c6a20b31, duration=812.402s, table=60, n_packets=57, n_bytes=5098, priority=100,in_port=77 actions=set_field:0x4d->reg5,set_field:0x2->reg6,resubmit(,71)
`, topo.FirewallOVS},
		{"OpenFlow 1.3, bit range", `OFPST_FLOW reply (OF1.3) (xid=0x2):
 cookie=0x9d4e8bf1c6a20b31, duration=812.402s, table=60, n_packets=57, n_bytes=5098, priority=100,in_port=77 actions=load:0x4d->reg5[0..15],resubmit(,71)
`, topo.FirewallOVS},
		{"no reg5", `OFPST_FLOW reply (OF1.3) (xid=0x2):
 cookie=0x9d4e8bf1c6a20b31, duration=812.402s, table=60, n_packets=57, n_bytes=5098, priority=100,in_port=77 actions=set_field:0x2->reg6,resubmit(,71)
`, topo.FirewallDirect},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := fixturetest.Load(t, "aio")
			br := s.OVS.Bridge("br-int")
			br.Ports = append(br.Ports, topo.Port{Name: dev, Tag: 2, OtherConfig: map[string]string{"net_uuid": s.Neutron.Networks[1].ID, "tag": "2"},
				Interfaces: []topo.Interface{{Name: dev, OFPort: 77, ExternalIDs: map[string]string{
					"iface-id": id, "attached-mac": "fa:16:3e:1a:2b:3c", "vm-id": "0c7e0d55-1111-4222-8333-944445555666"}}}})
			s.Root().Links = append(s.Root().Links, topo.Link{Index: 9999, Name: dev, Kind: "tuntap", OperState: "unknown", AdminUp: true, Carrier: true, MTU: 1450, MAC: "fe:16:3e:1a:2b:3c"})
			addFlows(t, br, c.dump)
			n := derive(s)
			p := n.Port(id)
			if p == nil {
				t.Fatal("direct tap port not derived")
			}
			if p.Firewall != c.want {
				t.Errorf("firewall = %q, want %q", p.Firewall, c.want)
			}
		})
	}
}
