package trace_test

import (
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/ostopo/ostopo/fixtures/fixturetest"
	"github.com/ostopo/ostopo/netinspect/topo"
	"github.com/ostopo/ostopo/netinspect/trace"
	"github.com/ostopo/ostopo/ovs"
)

// tunnelPort is a VXLAN port of br-tun.
type tunnelPort struct {
	name   string
	ofport int
	remote string
}

// l2Target is an instance of another node that the network node reaches
// through br-tun: its address and MAC (from the DHCP agent's host file),
// its network's local VLAN and VNI, the tunnels the network floods to
// (table 22) and br-tun's patch port.
type l2Target struct {
	ip, mac, net string
	vlan, vni    int
	flood        []tunnelPort
	patch        tunnelPort
}

// l2Setup loads the lab's network node (net: real agents, l2population on)
// and picks a remote instance on a network that floods to two nodes and
// has an l2population entry for it. Its own l2population entry, learned
// entry and ARP responder entry are then deleted, as if l2population had
// not (yet) told this node about the port: each test adds what it is
// about.
func l2Setup(t *testing.T) (*topo.Snapshot, l2Target) {
	t.Helper()
	s := fixturetest.Load(t, "net")
	tun := s.OVS.Bridge("br-tun")
	byOFPort := map[int]tunnelPort{}
	var patch tunnelPort
	for _, p := range tun.Ports {
		for _, i := range p.Interfaces {
			switch i.Type {
			case "vxlan":
				byOFPort[i.OFPort] = tunnelPort{i.Name, i.OFPort, i.Options["remote_ip"]}
			case "patch":
				patch = tunnelPort{name: i.Name, ofport: i.OFPort}
			}
		}
	}
	flood := func(vlan int) []tunnelPort {
		var out []tunnelPort
		for _, f := range tun.Flows {
			if v, ok := f.MatchInt("dl_vlan"); f.Table != 22 || f.Priority != 1 || !ok || v != vlan {
				continue
			}
			for _, o := range f.Outputs() {
				n, _ := strconv.Atoi(o)
				if tp, ok := byOFPort[n]; ok {
					out = append(out, tp)
				}
			}
		}
		return out
	}
	l2pop := func(vlan int, mac string) bool {
		for _, f := range tun.Flows {
			v, ok := f.MatchInt("dl_vlan")
			if dst, _ := f.MatchField("dl_dst"); f.Table == 20 && f.Priority == 2 && ok && v == vlan && dst == mac {
				return true
			}
		}
		return false
	}
	for _, d := range s.Agent.DHCP {
		nw := s.Neutron.Network(d.NetworkID)
		if nw == nil || nw.NetworkType != "vxlan" || nw.SegmentationID == nil {
			continue
		}
		fl := flood(nw.LocalVLAN)
		if len(fl) < 2 {
			continue
		}
		for _, h := range d.Hosts {
			if !l2pop(nw.LocalVLAN, h.MAC) {
				continue
			}
			x := l2Target{ip: h.IP, mac: h.MAC, net: nw.ID, vlan: nw.LocalVLAN, vni: *nw.SegmentationID, flood: fl, patch: patch}
			if r := l2Trace(t, s, x); !r.Complete {
				t.Fatalf("the recorded path to %s is not complete:\n%s", x.ip, trace.Text(r, s.Host))
			}
			tun.Flows = slices.DeleteFunc(tun.Flows, func(f topo.Flow) bool {
				dst, _ := f.MatchField("dl_dst")
				tpa, _ := f.MatchField("arp_tpa")
				return f.Table == 20 && dst == x.mac || f.Table == 21 && tpa == x.ip
			})
			return s, x
		}
	}
	t.Fatal("net: no remote instance with an l2population entry on a network flooded to two nodes")
	return nil, l2Target{}
}

// forgetMAC drops the instance from the DHCP agent's host file: the MAC is
// then known only from br-tun's flows.
func forgetMAC(s *topo.Snapshot, x l2Target) {
	for i := range s.Agent.DHCP {
		d := &s.Agent.DHCP[i]
		d.Hosts = slices.DeleteFunc(d.Hosts, func(h topo.DHCPHost) bool { return h.MAC == x.mac })
	}
}

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

func l2Trace(t *testing.T, s *topo.Snapshot, x l2Target) *trace.Result {
	t.Helper()
	rederive(s)
	r, err := trace.Trace(s, x.ip, trace.Options{})
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

// macHex is a MAC as a load: action writes it (0xfa163eaabbcc).
func macHex(mac string) string { return "0x" + strings.ReplaceAll(strings.ToLower(mac), ":", "") }

// ipHex is an IPv4 address as a load: action writes it (0xa01010a).
func ipHex(t *testing.T, ip string) string {
	t.Helper()
	a, err := netip.ParseAddr(ip)
	if err != nil || !a.Is4() {
		t.Fatalf("not an IPv4 address: %q", ip)
	}
	b := a.As4()
	return fmt.Sprintf("%#x", uint32(b[0])<<24|uint32(b[1])<<16|uint32(b[2])<<8|uint32(b[3]))
}

// The recorded node: l2population sends the instance's MAC to the node
// that hosts it. Which node that is, the lab's compute nodes say: the one
// with an instance port of that MAC, at its tunnel's local_ip.
func TestL2populationRecorded(t *testing.T) {
	_, x := l2Setup(t)
	s := fixturetest.Load(t, "net") // the entries l2Setup deleted are there
	var host string
	for _, name := range []string{"cmp", "cmp-ovsfw"} {
		c := fixturetest.Load(t, name)
		if slices.ContainsFunc(c.Neutron.Ports, func(p topo.NPort) bool { return p.Role == topo.RoleInstance && strings.EqualFold(p.MAC, x.mac) }) && len(c.Neutron.Tunnels) > 0 {
			host = c.Neutron.Tunnels[0].LocalIP
		}
	}
	if host == "" {
		t.Fatalf("no compute node holds %s", x.mac)
	}
	r := l2Trace(t, s, x)
	if !r.Complete || !slices.Equal(r.ContinuesAt, []string{host}) {
		t.Fatalf("complete %v, continues at %v; want the node at %s:\n%s", r.Complete, r.ContinuesAt, host, trace.Text(r, s.Host))
	}
	if ev := strings.Join(hopOf(r, trace.KindTunnelBridge).Evidence, "\n"); !strings.Contains(ev, "table=20, priority=2,dl_vlan="+strconv.Itoa(x.vlan)+",dl_dst="+x.mac) ||
		!strings.Contains(ev, "l2population: "+x.mac) {
		t.Errorf("br-tun evidence:\n%s", ev)
	}
}

// With l2population, br-tun table 20 holds one flow per remote port MAC
// (br_tun.install_unicast_to_tun): the packet goes to that one node, not
// to every node table 22 floods to. Both spellings ovs-ofctl has used
// for the actions, port numbers or names, and the MAC from the DHCP host
// file or from the ARP responder entry l2population programs, all lead
// to the tunnel the flow names.
func TestL2populationUnicast(t *testing.T) {
	_, x := l2Setup(t)
	t1, t2 := x.flood[0], x.flood[1]
	vni := fmt.Sprintf("%#x", x.vni)
	tests := []struct {
		name, flows string
		dhcp        bool
		tunnel      tunnelPort
		what        string
	}{
		{"OVS 3 spelling, port number", fmt.Sprintf(" cookie=0x8c2f5e0a9d417b36, duration=91855.512s, table=20, n_packets=40977, n_bytes=4060554, priority=2,dl_vlan=%d,dl_dst=%s actions=pop_vlan,set_field:%s->tun_id,output:%d\n", x.vlan, x.mac, vni, t1.ofport),
			true, t1, "l2population"},
		{"OF1.0 spelling, port name", fmt.Sprintf(" cookie=0x8c2f5e0a9d417b36, duration=91855.512s, table=20, n_packets=40977, n_bytes=4060554, priority=2,dl_vlan=%d,dl_dst=%s actions=strip_vlan,load:%s->NXM_NX_TUN_ID[],output:%q\n", x.vlan, strings.ToUpper(x.mac), vni, t2.name),
			true, t2, "l2population"},
		{"MAC from the ARP responder", fmt.Sprintf(" cookie=0x8c2f5e0a9d417b36, duration=91855.510s, table=21, n_packets=301, n_bytes=12642, priority=1,arp,dl_vlan=%d,arp_tpa=%s actions=load:0x2->NXM_OF_ARP_OP[],move:NXM_NX_ARP_SHA[]->NXM_NX_ARP_THA[],move:NXM_OF_ARP_SPA[]->NXM_OF_ARP_TPA[],load:%s->NXM_NX_ARP_SHA[],load:%s->NXM_OF_ARP_SPA[],move:NXM_OF_ETH_SRC[]->NXM_OF_ETH_DST[],mod_dl_src:%s,IN_PORT\n", x.vlan, x.ip, macHex(x.mac), ipHex(t, x.ip), x.mac) +
			fmt.Sprintf(" cookie=0x8c2f5e0a9d417b36, duration=91855.512s, table=20, n_packets=40977, n_bytes=4060554, priority=2,dl_vlan=%d,dl_dst=%s actions=strip_vlan,load:%s->NXM_NX_TUN_ID[],output:%d\n", x.vlan, x.mac, vni, t2.ofport),
			false, t2, "l2population"},
		{"learned by table 10", fmt.Sprintf(" cookie=0x8c2f5e0a9d417b36, duration=212.044s, table=20, n_packets=14, n_bytes=1372, hard_timeout=300, priority=1,vlan_tci=0x%04x/0x0fff,dl_dst=%s actions=load:0->NXM_OF_VLAN_TCI[],load:%s->NXM_NX_TUN_ID[],output:%d\n", x.vlan, x.mac, vni, t1.ofport),
			true, t1, "learned from traffic by table 10"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, x := l2Setup(t)
			if !tt.dhcp {
				forgetMAC(s, x)
			}
			// Another MAC's entry and another VLAN's are not this one's.
			addTunFlows(t, s, fmt.Sprintf(" cookie=0x8c2f5e0a9d417b36, duration=9.1s, table=20, n_packets=0, n_bytes=0, priority=2,dl_vlan=%d,dl_dst=fa:16:3e:00:00:01 actions=strip_vlan,load:%s->NXM_NX_TUN_ID[],output:%d\n", x.vlan, vni, t2.ofport)+
				fmt.Sprintf(" cookie=0x8c2f5e0a9d417b36, duration=9.1s, table=20, n_packets=0, n_bytes=0, priority=2,dl_vlan=%d,dl_dst=%s actions=strip_vlan,load:%#x->NXM_NX_TUN_ID[],output:%d\n", x.vlan+100, x.mac, x.vni+1, t2.ofport)+tt.flows)
			r := l2Trace(t, s, x)
			if !r.Complete {
				t.Fatalf("not complete:\n%s", trace.Text(r, s.Host))
			}
			if got := tunnels(r); !slices.Equal(got, []string{tt.tunnel.name}) {
				t.Errorf("tunnel hops %v, want [%s]", got, tt.tunnel.name)
			}
			if !slices.Equal(r.ContinuesAt, []string{tt.tunnel.remote}) {
				t.Errorf("continues at %v, want [%s]", r.ContinuesAt, tt.tunnel.remote)
			}
			tb := hopOf(r, trace.KindTunnelBridge)
			ev := strings.Join(tb.Evidence, "\n")
			if !strings.Contains(ev, "table=20, priority=") || !strings.Contains(ev, tt.what+": "+x.mac) || strings.Contains(ev, "flooded") {
				t.Errorf("br-tun evidence:\n%s", ev)
			}
			if tb.Packet == nil || tb.Packet.DstMAC == "" || !strings.EqualFold(tb.Packet.DstMAC, x.mac) {
				t.Errorf("br-tun packet for ofproto/trace: %+v", tb.Packet)
			}
			tun := hopOf(r, trace.KindTunnel)
			if ev := strings.Join(tun.Evidence, "\n"); !strings.Contains(ev, "remote_ip="+tt.tunnel.remote) || !strings.Contains(ev, "unicast to "+x.mac+": the node at "+tt.tunnel.remote+" ("+tt.what+")") {
				t.Errorf("tunnel evidence:\n%s", ev)
			}
			if text := trace.Text(r, s.Host); !strings.Contains(text, "continues on the node(s) at "+tt.tunnel.remote+"\n") {
				t.Errorf("text:\n%s", text)
			}
		})
	}
}

// Without a table 20 entry for the MAC the packet is flooded to every
// node table 22 names, and the trace says why.
func TestFloodedWithoutL2populationEntry(t *testing.T) {
	s, x := l2Setup(t)
	r := l2Trace(t, s, x)
	var names, remotes []string
	for _, tp := range x.flood {
		names, remotes = append(names, tp.name), append(remotes, tp.remote)
	}
	if !r.Complete || !slices.Equal(tunnels(r), names) || !slices.Equal(r.ContinuesAt, remotes) {
		t.Fatalf("complete %v, tunnels %v, continues at %v; want %v, %v", r.Complete, tunnels(r), r.ContinuesAt, names, remotes)
	}
	ev := strings.Join(hopOf(r, trace.KindTunnelBridge).Evidence, "\n")
	if !strings.Contains(ev, "flooded, no l2population entry for "+x.mac) || !strings.Contains(ev, fmt.Sprintf("table=22, priority=1,dl_vlan=%d ", x.vlan)) {
		t.Errorf("br-tun evidence:\n%s", ev)
	}
}

// A table 20 flow the node's own facts contradict breaks the path at
// br-tun: to no tunnel, with another tunnel id, or (l2population) to a
// node the network's flood flow leaves out. One the node cannot tell
// from the right one still names where it goes.
func TestL2populationWrongTunnel(t *testing.T) {
	_, x := l2Setup(t)
	t1, t2 := x.flood[0], x.flood[1]
	entry := func(actions string) string {
		return fmt.Sprintf(" cookie=0x1, duration=1.0s, table=20, n_packets=0, n_bytes=0, priority=2,dl_vlan=%d,dl_dst=%s actions=%s\n", x.vlan, x.mac, actions)
	}
	var (
		toPatch  = entry(fmt.Sprintf("strip_vlan,load:%#x->NXM_NX_TUN_ID[],output:%d", x.vni, x.patch.ofport))
		otherVNI = entry(fmt.Sprintf("pop_vlan,set_field:%#x->tun_id,output:%d", x.vni-1, t1.ofport))
		toT2     = entry(fmt.Sprintf("pop_vlan,set_field:%#x->tun_id,output:%d", x.vni, t2.ofport))
	)
	floodOnlyT1 := func(s *topo.Snapshot) {
		b := s.OVS.Bridge("br-tun")
		for i, f := range b.Flows {
			if f.Table == 22 && f.Priority == 1 && f.Match == "dl_vlan="+strconv.Itoa(x.vlan) {
				b.Flows[i].Actions = fmt.Sprintf("strip_vlan,load:%#x->NXM_NX_TUN_ID[],output:%d", x.vni, t1.ofport)
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
		{"to a port that is no tunnel", toPatch, nil, fmt.Sprintf("br-tun table 20 sends %s to %s, which is not a tunnel port", x.mac, x.patch.name), fmt.Sprintf("output:%d", x.patch.ofport)},
		{"with another tunnel id", otherVNI, nil, fmt.Sprintf("sends %s with tunnel id %d, but the network's segmentation id is %d", x.mac, x.vni-1, x.vni), fmt.Sprintf("set_field:%#x->tun_id", x.vni-1)},
		{"to a node the network does not flood to", toT2, floodOnlyT1, fmt.Sprintf("l2population sends %s to %s (%s), which is not among the nodes the network floods to", x.mac, t2.remote, t2.name), t2.name + " → remote_ip " + t2.remote},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, x := l2Setup(t)
			if tt.flood != nil {
				tt.flood(s)
			}
			addTunFlows(t, s, tt.flows)
			r := l2Trace(t, s, x)
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
	for _, tp := range x.flood {
		s, x := l2Setup(t)
		addTunFlows(t, s, entry(fmt.Sprintf("pop_vlan,set_field:%#x->tun_id,output:%d", x.vni, tp.ofport)))
		r := l2Trace(t, s, x)
		if !r.Complete || !slices.Equal(r.ContinuesAt, []string{tp.remote}) {
			t.Errorf("complete %v, continues at %v; want %s named", r.Complete, r.ContinuesAt, tp.remote)
		}
	}
}
