package doctor_test

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/ostopo/ostopo/fixtures/fixturetest"
	"github.com/ostopo/ostopo/netinspect/doctor"
	"github.com/ostopo/ostopo/netinspect/neutron"
	"github.com/ostopo/ostopo/netinspect/topo"
	"github.com/ostopo/ostopo/ovs"
)

// The cmp fixture's qvo1735a01a-ac: ofport 9, MAC fa:16:3e:3a:14:1e.
const (
	progPort = "1735a01a-aca4-4989-a2e6-a50edba6d4b1"
	progMAC  = "fa:16:3e:3a:14:1e"
)

// withOVSFirewall reprograms br-int as the Zed agent does with
// firewall_driver = openvswitch: the firewall's base tables instead of
// table 0/24/25 anti-spoofing, and per port its table 60 entry flow and a
// table 71 flow naming its address (an excerpt, as ovs-ofctl prints it).
func withOVSFirewall(t *testing.T, s *topo.Snapshot) {
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
		if p.Bridge != "br-int" || p.OFPort <= 0 {
			continue
		}
		dump += fmt.Sprintf("%stable=60, n_packets=57, n_bytes=5098, priority=100,in_port=%d actions=set_field:%#x->reg5,set_field:%#x->reg6,resubmit(,71)\n", c, p.OFPort, p.OFPort, p.LocalVLAN)
		if p.Role == topo.RoleInstance && len(p.FixedIPs) > 0 {
			dump += fmt.Sprintf("%stable=71, n_packets=4, n_bytes=168, priority=95,arp,reg5=%#x,in_port=%d,dl_src=%s,arp_spa=%s actions=resubmit(,94)\n", c, p.OFPort, p.OFPort, p.MAC, p.FixedIPs[0])
		}
	}
	fs, err := ovs.ParseDumpFlows(dump)
	if err != nil {
		t.Fatal(err)
	}
	b.Flows = append(b.Flows, fs...)
	s.Neutron = neutron.Derive(s)
}

// stopAgentAndDeleteFlows: the OVS agent stopped (br-int's controller
// disconnected), then the port's flows deleted by hand (in_port, reg5, MAC).
func stopAgentAndDeleteFlows(s *topo.Snapshot) {
	b := s.OVS.Bridge("br-int")
	for i := range b.Controllers {
		b.Controllers[i].IsConnected = false
	}
	b.Flows = slices.DeleteFunc(b.Flows, func(f topo.Flow) bool {
		in, _ := f.MatchField("in_port")
		reg5, ok := f.MatchInt("reg5")
		src, _ := f.MatchField("dl_src")
		dst, _ := f.MatchField("dl_dst")
		return in == "9" || ok && reg5 == 9 || src == progMAC || dst == progMAC
	})
	s.Neutron = neutron.Derive(s)
}

func findings(s *topo.Snapshot, check string) []doctor.Finding {
	var out []doctor.Finding
	for _, f := range doctor.Run(s) {
		if f.Check == check {
			out = append(out, f)
		}
	}
	return out
}

// A port plugged but not programmed is an error naming the port, its
// device and why; with br-int's controller disconnected both findings
// say so, each pointing at the other.
func TestPortNotProgrammed(t *testing.T) {
	s := fixturetest.Load(t, "cmp")
	withOVSFirewall(t, s)
	if fs := doctor.Run(s); len(fs) != 0 {
		t.Fatalf("the OVS-firewall node is not clean: %+v", fs)
	}
	stopAgentAndDeleteFlows(s)
	fs := findings(s, "port-not-programmed")
	if len(fs) != 1 {
		t.Fatalf("findings %+v", fs)
	}
	f := fs[0]
	ev := strings.Join(f.Evidence, "\n")
	if f.Severity != doctor.Error || f.ID != "port-not-programmed/port/"+progPort || f.Title != neutron.NotProgrammedProblem ||
		!strings.Contains(ev, "OVSDB: Port qvo1735a01a-ac on br-int tag=2 ofport 9") || !strings.Contains(ev, "no br-int table 60 priority 100 in_port=9 flow") ||
		!strings.Contains(ev, "fixed IPs are unknown") || !strings.Contains(ev, "br-int's controller tcp:127.0.0.1:6633 is not connected") {
		t.Errorf("finding %+v", f)
	}
	if !strings.Contains(f.Fix, "grep -w in_port=9") || strings.Contains(f.Fix, "check its log") {
		t.Errorf("fix %q", f.Fix)
	}
	ctl := findings(s, "controller")
	if len(ctl) != 1 || ctl[0].Objects[0].ID != "br-int" || !strings.Contains(strings.Join(ctl[0].Evidence, "\n"), "1 port(s) on br-int plugged but not programmed") {
		t.Errorf("controller findings %+v", ctl)
	}
	if doctor.Examine(s).ExitCode() != 2 {
		t.Errorf("exit %d, want 2 (an error)", doctor.Examine(s).ExitCode())
	}
}

// Without the flows the check does not run: unknown, not clean. A hybrid
// port without its anti-spoofing flows may have port security disabled:
// information, not an error.
func TestPortNotProgrammedUnreadAndHybrid(t *testing.T) {
	s := fixturetest.Load(t, "cmp")
	withOVSFirewall(t, s)
	stopAgentAndDeleteFlows(s)
	notRead(s, "openflow/br-int", "ovs-ofctl: br-int is not a bridge or a socket")
	s.Neutron = neutron.Derive(s)
	exam := doctor.Examine(s)
	if !slices.ContainsFunc(exam.Unchecked, func(u doctor.Unchecked) bool { return u.Check == "port-not-programmed" }) || len(findings(s, "port-not-programmed")) != 0 {
		t.Errorf("flows not read: unchecked %+v", exam.Unchecked)
	}

	s = fixturetest.Load(t, "cmp")
	stopAgentAndDeleteFlows(s)
	fs := findings(s, "port-not-programmed")
	if len(fs) != 1 || fs[0].Severity != doctor.Info || !strings.Contains(fs[0].Fix, "port_security_enabled") ||
		!strings.Contains(strings.Join(fs[0].Evidence, "\n"), "table 0/24/25 in_port="+strconv.Itoa(9)) {
		t.Errorf("hybrid: %+v", fs)
	}
}
