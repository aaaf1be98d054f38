package trace_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/ostopo/ostopo/fixtures/fixturetest"
	"github.com/ostopo/ostopo/netinspect/topo"
	"github.com/ostopo/ostopo/netinspect/trace"
)

// The lab of fixtures/fixturetest/reallab (real Neutron 21 agents, l2population,
// VXLAN, every OVS agent with enable_distributed_routing) has no router
// for these instances on their compute nodes: vm1 (private, VNI 1306 =
// 0x51a) is routed by r-legacy on netnode, so the network node's trace of
// its floating IP ends "continues on the node(s) at 10.30.0.21". On
// compute1 br-tun has vxlan-0a1e000b (ofport 2, netnode 10.30.0.11) and
// vxlan-0a1e0016 (ofport 3, compute2 10.30.0.22), both flooded to for
// local VLAN 1; patch-tun is br-int's ofport 3.
const (
	vm1IP   = "10.1.0.211"
	vm1MAC  = "fa:16:3e:d8:3d:e4"
	vm2IP   = "10.1.0.9"      // private, on compute2 (openvswitch firewall)
	vm4IP   = "198.51.100.98" // vlan101 (physnet2 on br-vlan, VLAN 101), on compute2
	vm1Tun4 = "table=4, priority=1,tun_id=0x51a actions=mod_vlan_vid:1,resubmit(,9)"
)

// reallab decodes a snapshot of fixtures/fixturetest/reallab; derive works the Neutron
// view out again (as --replay shows the files, the view is the one the
// ostopo that took them derived).
func reallab(t *testing.T, node string, derive bool) *topo.Snapshot {
	t.Helper()
	s := fixturetest.RealLab(t, "snap-"+node+".json")
	if derive {
		rederive(s)
	}
	return s
}

func traceOf(t *testing.T, s *topo.Snapshot, target string) *trace.Result {
	t.Helper()
	r, err := trace.Trace(s, target, trace.Options{})
	if err != nil {
		t.Fatalf("trace %s: %v", target, err)
	}
	return r
}

// dropFlows removes a bridge's flows whose table and match are these.
func dropFlows(s *topo.Snapshot, bridge string, table int, match string) int {
	b := s.OVS.Bridge(bridge)
	n := len(b.Flows)
	b.Flows = slices.DeleteFunc(b.Flows, func(f topo.Flow) bool { return f.Table == table && f.Match == match })
	return n - len(b.Flows)
}

func evidence(h *trace.Hop) string { return strings.Join(h.Evidence, "\n") }

// On the compute node hosting an instance no router of which routes to
// it, the inbound path starts where the packet arrives: the tunnels
// carrying its network, br-tun's table 0 → 4 (tun_id → local VLAN) → 9
// (DVR) → 10 to patch-int, the patch pair, br-int, then the chain.
func TestArrivesFromTheTunnel(t *testing.T) {
	for _, derive := range []bool{false, true} {
		s := reallab(t, "compute1", derive)
		r := traceOf(t, s, vm1IP)
		if !r.Complete {
			t.Fatalf("derive=%v: not complete:\n%s", derive, trace.Text(r, s.Host))
		}
		if got, want := kinds(r), "tunnel tunnel_bridge patch integration_bridge qvo qvb qbr tap"; got != want {
			t.Fatalf("derive=%v: path %q, want %q", derive, got, want)
		}
		tun := r.Hops[0]
		if tun.Kind != trace.KindTunnel || tun.TunnelID != 1306 || tun.Device != "vxlan-0a1e000b, vxlan-0a1e0016" || tun.Bridge != "br-tun" {
			t.Errorf("first hop %+v, want the tunnels vxlan-0a1e000b, vxlan-0a1e0016 with tunnel id 1306", tun)
		}
		for _, want := range []string{"remote_ip=10.30.0.11", "remote_ip=10.30.0.22", "table=22, priority=1,dl_vlan=1 actions=strip_vlan,load:0x51a->NXM_NX_TUN_ID[],output:2,output:3"} {
			if !strings.Contains(evidence(&tun), want) {
				t.Errorf("tunnel hop evidence lacks %q:\n%s", want, evidence(&tun))
			}
		}
		if !slices.Equal(r.ArrivesFrom, []string{"10.30.0.11", "10.30.0.22"}) {
			t.Errorf("arrives from %v", r.ArrivesFrom)
		}
		tb := r.Hops[1]
		for _, want := range []string{"br-tun: table=0, priority=1,in_port=2 actions=resubmit(,4)", "br-tun: table=0, priority=1,in_port=3 actions=resubmit(,4)",
			"br-tun: " + vm1Tun4, "br-tun: table=9, priority=0 actions=resubmit(,10)", "br-tun: table=10, priority=1 actions=learn("} {
			if !strings.Contains(evidence(&tb), want) {
				t.Errorf("br-tun hop evidence lacks %q:\n%s", want, evidence(&tb))
			}
		}
		if tb.VLAN != 1 || tb.TunnelID != 1306 || tb.Packet == nil || tb.Packet.Flow() != "in_port=2,tun_id=0x51a,dl_dst="+vm1MAC+",ip,nw_dst="+vm1IP {
			t.Errorf("br-tun hop vlan %d tunnel id %d, packet %+v", tb.VLAN, tb.TunnelID, tb.Packet)
		}
		if p := r.Hops[2]; p.Device != "patch-int ⇄ patch-tun" {
			t.Errorf("patch hop %q", p.Device)
		}
		ib := r.Hops[3]
		if !strings.Contains(evidence(&ib), "br-int: table=60, priority=3 actions=NORMAL") || ib.VLAN != 1 ||
			ib.Packet == nil || ib.Packet.Flow() != "in_port=3,dl_vlan=1,dl_dst="+vm1MAC+",ip,nw_dst="+vm1IP {
			t.Errorf("br-int hop vlan %d packet %+v evidence:\n%s", ib.VLAN, ib.Packet, evidence(&ib))
		}
		if text := trace.Text(r, s.Host); !strings.Contains(text, "arrives from the node(s) at 10.30.0.11, 10.30.0.22") {
			t.Errorf("text:\n%s", text)
		}
	}
	// Outbound the path is the instance's chain, as before.
	s := reallab(t, "compute1", false)
	r, err := trace.Trace(s, vm1IP, trace.Options{Reverse: true})
	if err != nil || kinds(r) != "tap qbr qvb qvo" {
		t.Errorf("outbound: %v %q", err, kinds(r))
	}
}

// The native firewall's instance: the tap on br-int, which hands the frame
// to the firewall's table 81; a provider (VLAN) network's instance: from
// the NIC through br-vlan, int-br-vlan and br-int's VLAN translation.
func TestArrivesOnCompute2(t *testing.T) {
	s := reallab(t, "compute2", true)
	r := traceOf(t, s, vm2IP)
	if got, want := kinds(r), "tunnel tunnel_bridge patch integration_bridge tap"; got != want || !r.Complete {
		t.Fatalf("path %q complete %v, want %q complete:\n%s", got, r.Complete, want, trace.Text(r, s.Host))
	}
	if r.Hops[0].Device != "vxlan-0a1e0015, vxlan-0a1e000b" || !slices.Equal(r.ArrivesFrom, []string{"10.30.0.21", "10.30.0.11"}) {
		t.Errorf("tunnels %q, arrives from %v", r.Hops[0].Device, r.ArrivesFrom)
	}
	if ev := evidence(&r.Hops[3]); !strings.Contains(ev, "table=60, priority=90,dl_vlan=1,dl_dst=fa:16:3e:d5:69:2f") || !strings.Contains(ev, "firewall's table 81") {
		t.Errorf("br-int evidence:\n%s", ev)
	}

	r = traceOf(t, s, vm4IP)
	if got, want := kinds(r), "provider_nic physical_bridge patch integration_bridge tap"; got != want || !r.Complete {
		t.Fatalf("path %q complete %v, want %q complete:\n%s", got, r.Complete, want, trace.Text(r, s.Host))
	}
	nic, phys, patch, ib := r.Hops[0], r.Hops[1], r.Hops[2], r.Hops[3]
	if nic.Device != "eth3" || phys.Bridge != "br-vlan" || phys.VLAN != 101 || patch.Device != "phy-br-vlan ⇄ int-br-vlan" || ib.VLAN != 2 {
		t.Errorf("nic %q, physical bridge %q vlan %d, patch %q, br-int vlan %d", nic.Device, phys.Bridge, phys.VLAN, patch.Device, ib.VLAN)
	}
	if ev := evidence(&phys); !strings.Contains(ev, "br-vlan: table=3, priority=1 actions=NORMAL") || !strings.Contains(ev, "replies: br-vlan: table=2, priority=4,in_port=2,dl_vlan=2 actions=mod_vlan_vid:101,NORMAL") {
		t.Errorf("physical bridge evidence:\n%s", ev)
	}
	if ev := evidence(&ib); !strings.Contains(ev, "br-int: table=0, priority=3,in_port=2,dl_vlan=101 actions=mod_vlan_vid:2,resubmit(,59)") {
		t.Errorf("br-int evidence:\n%s", ev)
	}
	if p := phys.Packet; p == nil || p.Flow() != "in_port=1,dl_vlan=101,dl_dst=fa:16:3e:19:88:20,ip,nw_dst="+vm4IP {
		t.Errorf("physical bridge packet %+v", p)
	}
	// A router on this node that routes to the instance keeps its path:
	// vm6 behind the distributed r-dvr.
	if r := traceOf(t, s, "10.4.0.56"); r.Hops[0].Kind == trace.KindTunnel || slices.ContainsFunc(r.Hops, func(h trace.Hop) bool { return h.Kind == trace.KindTunnelBridge }) {
		t.Errorf("vm6 behind r-dvr on compute2: %q", kinds(r))
	}
}

// Each way the arrival breaks is named at its hop, with the flow text.
func TestArrivalBreaks(t *testing.T) {
	tests := []struct {
		name   string
		node   string
		target string
		derive bool
		breakf func(t *testing.T, s *topo.Snapshot)
		kind   string
		says   []string
	}{
		{"no table 4 flow for the VNI", "compute1", vm1IP, true, func(t *testing.T, s *topo.Snapshot) {
			if dropFlows(s, "br-tun", 4, "tun_id=0x51a") != 1 {
				t.Fatal("no table 4 flow to drop")
			}
		}, trace.KindTunnelBridge, []string{"no br-tun table 4 flow maps tunnel id 1306 (tun_id=0x51a) to local VLAN 1", "vxlan-0a1e000b (remote_ip 10.30.0.11)"}},
		{"table 4 maps the VNI to another VLAN", "compute1", vm1IP, false, func(t *testing.T, s *topo.Snapshot) {
			b := s.OVS.Bridge("br-tun")
			for i := range b.Flows {
				if b.Flows[i].Table == 4 && b.Flows[i].Match == "tun_id=0x51a" {
					b.Flows[i].Actions = "mod_vlan_vid:7,resubmit(,9)"
				}
			}
		}, trace.KindTunnelBridge, []string{"br-tun gives tunnel id 1306 local VLAN 7, but qvo250235e6-dc is on local VLAN 1"}},
		{"table 0 drops a tunnel's frames", "compute1", vm1IP, false, func(t *testing.T, s *topo.Snapshot) {
			dropFlows(s, "br-tun", 0, "in_port=2")
		}, trace.KindTunnelBridge, []string{"br-tun table 0 drops frames arriving on vxlan-0a1e000b (remote_ip 10.30.0.11)"}},
		{"the tunnel port to the network node is gone", "compute1", vm1IP, true, func(t *testing.T, s *topo.Snapshot) {
			b := s.OVS.Bridge("br-tun")
			b.Ports = slices.DeleteFunc(b.Ports, func(p topo.Port) bool { return p.Name == "vxlan-0a1e000b" })
		}, trace.KindTunnel, []string{"br-tun table 22 sends local VLAN 1 to port 2, which is not a tunnel port of br-tun"}},
		{"no tunnel at all", "compute1", vm1IP, true, func(t *testing.T, s *topo.Snapshot) {
			b := s.OVS.Bridge("br-tun")
			b.Ports = slices.DeleteFunc(b.Ports, func(p topo.Port) bool { return strings.HasPrefix(p.Name, "vxlan-") })
			dropFlows(s, "br-tun", 22, "dl_vlan=1")
		}, trace.KindTunnel, []string{"no tunnel port on br-tun carries the network"}},
		{"br-int drops what comes from patch-tun", "compute1", vm1IP, false, func(t *testing.T, s *topo.Snapshot) {
			b := s.OVS.Bridge("br-int")
			b.Flows = append(b.Flows, topo.Flow{Table: 0, Priority: 3, Match: "in_port=3", Actions: "drop"})
		}, trace.KindIntegration, []string{"br-int drops frames from patch-tun in table 0", "table=0, priority=3,in_port=3 actions=drop"}},
		{"no VLAN translation, view as taken", "compute2", vm4IP, false, func(t *testing.T, s *topo.Snapshot) {
			dropFlows(s, "br-int", 0, "in_port=2,dl_vlan=101")
		}, trace.KindIntegration, []string{"no br-int flow translates VLAN 101 from int-br-vlan to local VLAN 2: table 0 drops them", "table=0, priority=2,in_port=2 actions=drop"}},
		{"no VLAN translation, view derived again", "compute2", vm4IP, true, func(t *testing.T, s *topo.Snapshot) {
			dropFlows(s, "br-int", 0, "in_port=2,dl_vlan=101")
		}, trace.KindPhysicalBridge, []string{"no br-int flow translates VLAN 101 of physical network physnet2 to local VLAN 2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := reallab(t, tt.node, false)
			tt.breakf(t, s)
			if tt.derive {
				rederive(s)
			}
			r := traceOf(t, s, tt.target)
			if r.BrokenAt == nil {
				t.Fatalf("not broken:\n%s", trace.Text(r, s.Host))
			}
			h := r.Hops[*r.BrokenAt]
			if h.Kind != tt.kind {
				t.Errorf("broken at %s, want %s:\n%s", h.Kind, tt.kind, trace.Text(r, s.Host))
			}
			all := h.Problem + "\n" + h.Expected + "\n" + h.Found
			for _, want := range tt.says {
				if !strings.Contains(all, want) {
					t.Errorf("problem lacks %q:\n%s", want, all)
				}
			}
			if h.Next == "" || trace.ExitCode(r, nil) != 1 {
				t.Errorf("next %q, exit %d", h.Next, trace.ExitCode(r, nil))
			}
		})
	}
}

// br-tun's flows not read: which tunnels carry the network and what br-tun
// does with their frames are unknown, not broken.
func TestArrivalUnread(t *testing.T) {
	s := reallab(t, "compute1", false)
	notRead(s, "openflow/br-tun", "ovs-ofctl: br-tun is not a bridge or a socket")
	rederive(s)
	r := traceOf(t, s, vm1IP)
	if r.BrokenAt != nil || !r.Unknown || r.UnknownAt == nil || r.Hops[*r.UnknownAt].Kind != trace.KindTunnelBridge {
		t.Fatalf("broken %v unknown at %v:\n%s", r.BrokenAt, r.UnknownAt, trace.Text(r, s.Host))
	}
	if ev := evidence(&r.Hops[0]); !strings.Contains(ev, "its flows were not read") || r.Hops[0].Device != "vxlan-0a1e000b, vxlan-0a1e000c, vxlan-0a1e0016" {
		t.Errorf("tunnel hop %q:\n%s", r.Hops[0].Device, ev)
	}
}
