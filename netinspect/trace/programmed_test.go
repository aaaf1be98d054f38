package trace_test

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/ostopo/ostopo/fixtures/fixturetest"
	"github.com/ostopo/ostopo/netinspect/neutron"
	"github.com/ostopo/ostopo/netinspect/topo"
	"github.com/ostopo/ostopo/netinspect/trace"
	"github.com/ostopo/ostopo/ovs"
)

// nativeFirewall reprograms br-int as the Zed agent does with
// firewall_driver = openvswitch: no table 0/24/25 anti-spoofing, the
// firewall's base tables, per instance port its table 60 entry flow, a
// table 71 egress flow naming its address and a table 81 output flow,
// and per router or DHCP port the trusted port's entry flow (an excerpt
// of what the firewall installs, as ovs-ofctl prints it).
func nativeFirewall(t *testing.T, s *topo.Snapshot) {
	t.Helper()
	b := s.OVS.Bridge("br-int")
	b.Flows = slices.DeleteFunc(b.Flows, func(f topo.Flow) bool {
		return f.Table == 0 && (f.Priority == 9 || f.Priority == 10) || f.Table == 25 || f.Table == 24 && f.Priority > 0
	})
	const c = " cookie=0x9d4e8bf1c6a20b31, duration=901.117s, "
	dump := c + "table=71, n_packets=0, n_bytes=0, priority=110,ct_state=+trk actions=ct_clear,resubmit(,71)\n"
	for _, table := range []int{71, 72, 73, 81, 82} {
		dump += fmt.Sprintf("%stable=%d, n_packets=0, n_bytes=0, priority=0 actions=drop\n", c, table)
	}
	for _, p := range s.Neutron.Ports {
		n, v := p.OFPort, p.LocalVLAN
		if p.Bridge != "br-int" || n <= 0 {
			continue
		}
		if p.Role != topo.RoleInstance || len(p.FixedIPs) == 0 {
			// Router and DHCP ports are trusted: process_trusted_ports
			// gives them the entry flow without filtering.
			dump += fmt.Sprintf("%stable=60, n_packets=9, n_bytes=810, priority=100,in_port=%d actions=set_field:%#x->reg5,set_field:%#x->reg6,resubmit(,73)\n", c, n, n, v) +
				fmt.Sprintf("%stable=73, n_packets=9, n_bytes=810, priority=80,reg5=%#x actions=resubmit(,94)\n", c, n)
			continue
		}
		dump += fmt.Sprintf("%stable=60, n_packets=57, n_bytes=5098, priority=100,in_port=%d actions=set_field:%#x->reg5,set_field:%#x->reg6,resubmit(,71)\n", c, n, n, v) +
			fmt.Sprintf("%stable=60, n_packets=41, n_bytes=3870, priority=90,dl_vlan=%d,dl_dst=%s actions=set_field:%#x->reg5,set_field:%#x->reg6,strip_vlan,resubmit(,81)\n", c, v, p.MAC, n, v) +
			fmt.Sprintf("%stable=71, n_packets=4, n_bytes=168, priority=95,arp,reg5=%#x,in_port=%d,dl_src=%s,arp_spa=%s actions=resubmit(,94)\n", c, n, n, p.MAC, p.FixedIPs[0]) +
			fmt.Sprintf("%stable=81, n_packets=4, n_bytes=168, priority=100,arp,reg5=%#x actions=output:%d\n", c, n, n)
	}
	fs, err := ovs.ParseDumpFlows(dump)
	if err != nil {
		t.Fatal(err)
	}
	b.Flows = append(b.Flows, fs...)
	rederive(s)
}

// unprogram is what was done on the real node: the OVS agent stopped,
// then `ovs-ofctl del-flows br-int in_port=N` and the port's reg5 and
// MAC flows deleted.
func unprogram(s *topo.Snapshot, p *topo.NPort) {
	s.OVS.Bridge("br-int").Controllers = []topo.Controller{{Target: "tcp:127.0.0.1:6633"}}
	b := s.OVS.Bridge("br-int")
	b.Flows = slices.DeleteFunc(b.Flows, func(f topo.Flow) bool {
		in, _ := f.MatchField("in_port")
		reg5, ok := f.MatchInt("reg5")
		src, _ := f.MatchField("dl_src")
		dst, _ := f.MatchField("dl_dst")
		return in == strconv.Itoa(p.OFPort) || ok && reg5 == p.OFPort || src == p.MAC || dst == p.MAC
	})
	rederive(s)
}

// A port plugged but not programmed by the agent (the OVS firewall's
// entry flow gone with the agent stopped) breaks the path at its hop on
// br-int: a definite break (exit 1), not an unknown.
func TestNotProgrammedPortBreaksTrace(t *testing.T) {
	s := fixturetest.Load(t, "aio")
	nativeFirewall(t, s)
	f := fip(s)
	if r, _ := trace.Trace(s, f.FloatingIP, trace.Options{}); !r.Complete {
		t.Fatalf("the native-firewall node's path is not complete:\n%s", trace.Text(r, s.Host))
	}
	unprogram(s, s.Neutron.Port(f.PortID))
	r, err := trace.Trace(s, f.FloatingIP, trace.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if r.BrokenAt == nil || trace.ExitCode(r, nil) != 1 {
		t.Fatalf("not broken (exit %d):\n%s", trace.ExitCode(r, nil), trace.Text(r, s.Host))
	}
	h := r.Hops[*r.BrokenAt]
	if h.Kind != trace.KindQVO || h.Problem != neutron.NotProgrammedProblem || !strings.Contains(h.Found, "table 60 priority 100 in_port=2") || h.Expected == "" || h.Next == "" {
		t.Errorf("broken at %s: %q found %q expected %q next %q", h.Kind, h.Problem, h.Found, h.Expected, h.Next)
	}
	if text := trace.Text(r, s.Host); !strings.Contains(text, "path BROKEN at hop 8 (qvo qvo938ad2e2-7d): port plugged but not programmed by the OVS agent") {
		t.Errorf("text:\n%s", text)
	}
}

// On a compute node the flows were the only record of the port's fixed
// IP: the port traces by its id to the break, and its address is unknown
// (exit 3), not bad input.
func TestNotProgrammedComputePort(t *testing.T) {
	const id, ip = "1735a01a-aca4-4989-a2e6-a50edba6d4b1", "10.1.1.12"
	s := fixturetest.Load(t, "cmp")
	nativeFirewall(t, s)
	unprogram(s, s.Neutron.Port(id))
	for _, in := range []string{id, "1735a01a", "qvo1735a01a-ac"} {
		r, err := trace.Trace(s, in, trace.Options{})
		if err != nil {
			t.Fatalf("trace %s: %v", in, err)
		}
		if r.BrokenAt == nil || trace.ExitCode(r, nil) != 1 || r.FixedIP != "" || r.PortID != id {
			t.Fatalf("trace %s: exit %d\n%s", in, trace.ExitCode(r, nil), trace.Text(r, s.Host))
		}
		if h := r.Hops[*r.BrokenAt]; h.Kind != trace.KindQVO || h.Problem != neutron.NotProgrammedProblem {
			t.Errorf("trace %s: broken at %s: %q", in, h.Kind, h.Problem)
		}
		if text := trace.Text(r, s.Host); !strings.HasPrefix(text, "ostopo trace port "+in+" (fixed IP unknown) on cmp.lab") {
			t.Errorf("text:\n%s", text)
		}
	}
	_, err := trace.Trace(s, ip, trace.Options{})
	var ue *trace.UnreadError
	if !errors.As(err, &ue) || !errors.Is(err, trace.ErrUnread) || trace.ExitCode(nil, err) != 3 || !slices.Equal(ue.Ports, []string{id}) ||
		!strings.Contains(err.Error(), "the fixed IPs of port(s) "+id+" are unknown") {
		t.Errorf("trace %s: %v (exit %d)", ip, err, trace.ExitCode(nil, err))
	}
}

// iptables_hybrid installs no anti-spoofing flows for a port without port
// security: their absence leaves the port's programming unknown (exit 3),
// never broken. Flows that were not read leave it unknown too.
func TestUnprogrammedHybridPortIsUnknown(t *testing.T) {
	const id = "1735a01a-aca4-4989-a2e6-a50edba6d4b1"
	s := fixturetest.Load(t, "cmp")
	unprogram(s, s.Neutron.Port(id))
	r, err := trace.Trace(s, id, trace.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if r.BrokenAt != nil || !r.Unknown || trace.ExitCode(r, nil) != 3 {
		t.Fatalf("exit %d:\n%s", trace.ExitCode(r, nil), trace.Text(r, s.Host))
	}
	if h := r.Hops[*r.UnknownAt]; h.Kind != trace.KindQVO || !strings.HasPrefix(h.Unknown, neutron.ProgrammedUnknown) || !strings.Contains(h.Unknown, "port security disabled") {
		t.Errorf("unknown at %s: %q", h.Kind, h.Unknown)
	}

	notRead(s, "openflow/br-int", "ovs-ofctl: br-int is not a bridge or a socket")
	rederive(s)
	if _, err := trace.Trace(s, id, trace.Options{}); !errors.Is(err, trace.ErrUnread) || !strings.Contains(err.Error(), "openflow/br-int") {
		t.Errorf("flows not read: %v", err)
	}
}

// A port the agent never tagged is not programmed either.
func TestUntaggedPortBreaksTrace(t *testing.T) {
	s := fixturetest.Load(t, "cmp")
	ovsPort(s, "qvo1735a01a-ac").Tag = 0
	rederive(s)
	r, err := trace.Trace(s, "10.1.1.12", trace.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if r.BrokenAt == nil {
		t.Fatalf("not broken:\n%s", trace.Text(r, s.Host))
	}
	if h := r.Hops[*r.BrokenAt]; h.Kind != trace.KindQVO || h.Problem != neutron.NotProgrammedProblem || !strings.Contains(h.Found, "no local VLAN tag") {
		t.Errorf("broken at %s: %q found %q", h.Kind, h.Problem, h.Found)
	}
}
