package trace_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/ostopo/ostopo/fixtures/fixturetest"
	"github.com/ostopo/ostopo/netinspect/topo"
	"github.com/ostopo/ostopo/netinspect/trace"
	"github.com/ostopo/ostopo/ovs"
)

// On the net fixture the floating IP's instance (10.1.1.10, network
// af549770, local VLAN 3, VNI 1002 = 0x3ea) lives on another node; br-tun
// has vxlan-0a1e0015 (ofport 3, remote 10.30.0.21) and vxlan-0a1e001f
// (ofport 1, remote 10.30.0.31), patch-int is ofport 2.
const (
	l2IP  = "10.1.1.10"
	l2MAC = "fa:16:3e:aa:bb:cc"
	l2Net = "af549770-8634-43ca-a173-360b52cb3128"
)

// addTunFlows adds br-tun flows as ovs-ofctl dump-flows prints them.
func addTunFlows(t *testing.T, s *topo.Snapshot, dump string) {
	t.Helper()
	fs, err := ovs.ParseDumpFlows(dump)
	if err != nil {
		t.Fatal(err)
	}
	b := s.OVS.Bridge("br-tun")
	b.Flows = append(b.Flows, fs...)
}

// knowMAC gives the network node the instance's DHCP host entry, as the
// DHCP agent writes every port of its networks into the host file.
func knowMAC(s *topo.Snapshot) {
	for i := range s.Agent.DHCP {
		if d := &s.Agent.DHCP[i]; d.NetworkID == l2Net {
			d.Hosts = append(d.Hosts, topo.DHCPHost{MAC: l2MAC, Hostname: "host-10-1-1-10.openstacklocal", IP: l2IP})
		}
	}
}

func l2Trace(t *testing.T, s *topo.Snapshot) *trace.Result {
	t.Helper()
	rederive(s)
	r, err := trace.Trace(s, l2IP, trace.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func hopOf(r *trace.Result, kind string) *trace.Hop {
	for i := range r.Hops {
		if r.Hops[i].Kind == kind {
			return &r.Hops[i]
		}
	}
	return nil
}

func tunnels(r *trace.Result) []string {
	var out []string
	for _, h := range r.Hops {
		if h.Kind == trace.KindTunnel {
			out = append(out, h.Device)
		}
	}
	return out
}

// With l2population, br-tun table 20 holds one flow per remote port MAC
// (br_tun.install_unicast_to_tun): the packet goes to that one node, not
// to every node table 22 floods to. Both spellings ovs-ofctl has used
// for the actions, port numbers or names, and the MAC from the DHCP host
// file or from the ARP responder entry l2population programs, all lead
// to the tunnel the flow names.
func TestL2populationUnicast(t *testing.T) {
	tests := []struct {
		name, flows string
		dhcp        bool
		tunnel      string
		remote      string
		what        string
	}{
		{"OVS 3 spelling, port number", " cookie=0x8c2f5e0a9d417b36, duration=91855.512s, table=20, n_packets=40977, n_bytes=4060554, priority=2,dl_vlan=3,dl_dst=fa:16:3e:aa:bb:cc actions=pop_vlan,set_field:0x3ea->tun_id,output:3\n",
			true, "vxlan-0a1e0015", "10.30.0.21", "l2population"},
		{"OF1.0 spelling, port name", " cookie=0x8c2f5e0a9d417b36, duration=91855.512s, table=20, n_packets=40977, n_bytes=4060554, priority=2,dl_vlan=3,dl_dst=FA:16:3E:AA:BB:CC actions=strip_vlan,load:0x3ea->NXM_NX_TUN_ID[],output:\"vxlan-0a1e001f\"\n",
			true, "vxlan-0a1e001f", "10.30.0.31", "l2population"},
		{"MAC from the ARP responder", " cookie=0x8c2f5e0a9d417b36, duration=91855.510s, table=21, n_packets=301, n_bytes=12642, priority=1,arp,dl_vlan=3,arp_tpa=10.1.1.10 actions=load:0x2->NXM_OF_ARP_OP[],move:NXM_NX_ARP_SHA[]->NXM_NX_ARP_THA[],move:NXM_OF_ARP_SPA[]->NXM_OF_ARP_TPA[],load:0xfa163eaabbcc->NXM_NX_ARP_SHA[],load:0xa01010a->NXM_OF_ARP_SPA[],move:NXM_OF_ETH_SRC[]->NXM_OF_ETH_DST[],mod_dl_src:fa:16:3e:aa:bb:cc,IN_PORT\n" +
			" cookie=0x8c2f5e0a9d417b36, duration=91855.512s, table=20, n_packets=40977, n_bytes=4060554, priority=2,dl_vlan=3,dl_dst=fa:16:3e:aa:bb:cc actions=strip_vlan,load:0x3ea->NXM_NX_TUN_ID[],output:1\n",
			false, "vxlan-0a1e001f", "10.30.0.31", "l2population"},
		{"learned by table 10", " cookie=0x8c2f5e0a9d417b36, duration=212.044s, table=20, n_packets=14, n_bytes=1372, hard_timeout=300, priority=1,vlan_tci=0x0003/0x0fff,dl_dst=fa:16:3e:aa:bb:cc actions=load:0->NXM_OF_VLAN_TCI[],load:0x3ea->NXM_NX_TUN_ID[],output:3\n",
			true, "vxlan-0a1e0015", "10.30.0.21", "learned from traffic by table 10"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := fixturetest.Load(t, "net")
			if tt.dhcp {
				knowMAC(s)
			}
			// Another MAC's entry and another VLAN's are not this one's.
			addTunFlows(t, s, " cookie=0x8c2f5e0a9d417b36, duration=9.1s, table=20, n_packets=0, n_bytes=0, priority=2,dl_vlan=3,dl_dst=fa:16:3e:00:00:01 actions=strip_vlan,load:0x3ea->NXM_NX_TUN_ID[],output:1\n"+
				" cookie=0x8c2f5e0a9d417b36, duration=9.1s, table=20, n_packets=0, n_bytes=0, priority=2,dl_vlan=2,dl_dst=fa:16:3e:aa:bb:cc actions=strip_vlan,load:0x3e9->NXM_NX_TUN_ID[],output:1\n"+tt.flows)
			r := l2Trace(t, s)
			if !r.Complete {
				t.Fatalf("not complete:\n%s", trace.Text(r, s.Host))
			}
			if got := tunnels(r); !slices.Equal(got, []string{tt.tunnel}) {
				t.Errorf("tunnel hops %v, want [%s]", got, tt.tunnel)
			}
			if !slices.Equal(r.ContinuesAt, []string{tt.remote}) {
				t.Errorf("continues at %v, want [%s]", r.ContinuesAt, tt.remote)
			}
			tb := hopOf(r, trace.KindTunnelBridge)
			ev := strings.Join(tb.Evidence, "\n")
			if !strings.Contains(ev, "table=20, priority=") || !strings.Contains(ev, tt.what+": "+l2MAC) || strings.Contains(ev, "flooded") {
				t.Errorf("br-tun evidence:\n%s", ev)
			}
			if tb.Packet == nil || tb.Packet.DstMAC == "" || !strings.EqualFold(tb.Packet.DstMAC, l2MAC) {
				t.Errorf("br-tun packet for ofproto/trace: %+v", tb.Packet)
			}
			tun := hopOf(r, trace.KindTunnel)
			if ev := strings.Join(tun.Evidence, "\n"); !strings.Contains(ev, "remote_ip="+tt.remote) || !strings.Contains(ev, "unicast to "+l2MAC+": the node at "+tt.remote+" ("+tt.what+")") {
				t.Errorf("tunnel evidence:\n%s", ev)
			}
			if text := trace.Text(r, s.Host); !strings.Contains(text, "continues on the node(s) at "+tt.remote+"\n") {
				t.Errorf("text:\n%s", text)
			}
		})
	}
}

// Without a table 20 entry for the MAC the packet is flooded to every
// node table 22 names, and the trace says why.
func TestFloodedWithoutL2populationEntry(t *testing.T) {
	s := fixturetest.Load(t, "net")
	knowMAC(s)
	r := l2Trace(t, s)
	if !r.Complete || !slices.Equal(tunnels(r), []string{"vxlan-0a1e0015", "vxlan-0a1e001f"}) || strings.Join(r.ContinuesAt, ",") != "10.30.0.21,10.30.0.31" {
		t.Fatalf("complete %v, tunnels %v, continues at %v", r.Complete, tunnels(r), r.ContinuesAt)
	}
	ev := strings.Join(hopOf(r, trace.KindTunnelBridge).Evidence, "\n")
	if !strings.Contains(ev, "flooded, no l2population entry for "+l2MAC) || !strings.Contains(ev, "table=22, priority=1,dl_vlan=3") {
		t.Errorf("br-tun evidence:\n%s", ev)
	}
}

// A table 20 flow the node's own facts contradict breaks the path at
// br-tun: to no tunnel, with another tunnel id, or (l2population) to a
// node the network's flood flow leaves out. One the node cannot tell
// from the right one still names where it goes.
func TestL2populationWrongTunnel(t *testing.T) {
	const (
		toPatch  = " cookie=0x1, duration=1.0s, table=20, n_packets=0, n_bytes=0, priority=2,dl_vlan=3,dl_dst=fa:16:3e:aa:bb:cc actions=strip_vlan,load:0x3ea->NXM_NX_TUN_ID[],output:2\n"
		otherVNI = " cookie=0x1, duration=1.0s, table=20, n_packets=0, n_bytes=0, priority=2,dl_vlan=3,dl_dst=fa:16:3e:aa:bb:cc actions=pop_vlan,set_field:0x3e9->tun_id,output:3\n"
		toCmp2   = " cookie=0x1, duration=1.0s, table=20, n_packets=0, n_bytes=0, priority=2,dl_vlan=3,dl_dst=fa:16:3e:aa:bb:cc actions=pop_vlan,set_field:0x3ea->tun_id,output:1\n"
	)
	floodOnlyCmp1 := func(s *topo.Snapshot) {
		for i, f := range s.OVS.Bridge("br-tun").Flows {
			if f.Table == 22 && f.Match == "dl_vlan=3" {
				s.OVS.Bridge("br-tun").Flows[i].Actions = "strip_vlan,load:0x3ea->NXM_NX_TUN_ID[],output:3"
			}
		}
	}
	tests := []struct {
		name    string
		flows   string
		flood   func(*topo.Snapshot)
		problem string
		found   string
	}{
		{"to a port that is no tunnel", toPatch, nil, "br-tun table 20 sends fa:16:3e:aa:bb:cc to patch-int, which is not a tunnel port", "output:2"},
		{"with another tunnel id", otherVNI, nil, "sends fa:16:3e:aa:bb:cc with tunnel id 1001, but the network's segmentation id is 1002", "set_field:0x3e9->tun_id"},
		{"to a node the network does not flood to", toCmp2, floodOnlyCmp1, "l2population sends fa:16:3e:aa:bb:cc to 10.30.0.31 (vxlan-0a1e001f), which is not among the nodes the network floods to", "vxlan-0a1e001f → remote_ip 10.30.0.31"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := fixturetest.Load(t, "net")
			knowMAC(s)
			if tt.flood != nil {
				tt.flood(s)
			}
			addTunFlows(t, s, tt.flows)
			r := l2Trace(t, s)
			if r.BrokenAt == nil || trace.ExitCode(r, nil) != 1 {
				t.Fatalf("not broken:\n%s", trace.Text(r, s.Host))
			}
			h := r.Hops[*r.BrokenAt]
			if h.Kind != trace.KindTunnelBridge || !strings.Contains(h.Problem, tt.problem) || !strings.Contains(h.Found, tt.found) || h.Expected == "" || h.Next == "" {
				t.Errorf("broken at %s: %q (found %q, expected %q)", h.Kind, h.Problem, h.Found, h.Expected)
			}
		})
	}
	// Both nodes carry the network: the node cannot tell the entry is
	// wrong, but the trace names the one node it goes to.
	s := fixturetest.Load(t, "net")
	knowMAC(s)
	addTunFlows(t, s, toCmp2)
	r := l2Trace(t, s)
	if !r.Complete || !slices.Equal(r.ContinuesAt, []string{"10.30.0.31"}) {
		t.Errorf("complete %v, continues at %v; want 10.30.0.31 named", r.Complete, r.ContinuesAt)
	}
}
