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
)

// progTarget is the port the tests unprogram: the node's first instance
// port on br-int with an ofport and a fixed IP.
func progTarget(t *testing.T, s *topo.Snapshot) topo.NPort {
	t.Helper()
	for _, p := range s.Neutron.Ports {
		if p.Role == topo.RoleInstance && p.Bridge == "br-int" && p.OFPort > 0 && len(p.FixedIPs) > 0 {
			return p
		}
	}
	t.Fatalf("%s: no instance port on br-int", s.Host)
	return topo.NPort{}
}

// stopAgentAndDeleteFlows: the OVS agent stopped (br-int's controller
// disconnected), then the port's flows deleted by hand (in_port, reg5, MAC).
func stopAgentAndDeleteFlows(s *topo.Snapshot, p topo.NPort) {
	b := s.OVS.Bridge("br-int")
	for i := range b.Controllers {
		b.Controllers[i].IsConnected = false
	}
	ofport := strconv.Itoa(p.OFPort)
	b.Flows = slices.DeleteFunc(b.Flows, func(f topo.Flow) bool {
		in, _ := f.MatchField("in_port")
		reg5, ok := f.MatchInt("reg5")
		src, _ := f.MatchField("dl_src")
		dst, _ := f.MatchField("dl_dst")
		return in == ofport || ok && reg5 == p.OFPort || src == p.MAC || dst == p.MAC
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
// cmp-ovsfw is the lab's compute node with firewall_driver = openvswitch.
func TestPortNotProgrammed(t *testing.T) {
	s := fixturetest.Load(t, "cmp-ovsfw")
	if fs := doctor.Run(s); len(fs) != 0 {
		t.Fatalf("the OVS-firewall node is not clean: %+v", fs)
	}
	p := progTarget(t, s)
	target := s.OVS.Bridge("br-int").Controllers[0].Target
	stopAgentAndDeleteFlows(s, p)
	fs := findings(s, "port-not-programmed")
	if len(fs) != 1 {
		t.Fatalf("findings %+v", fs)
	}
	f := fs[0]
	ev := strings.Join(f.Evidence, "\n")
	if f.Severity != doctor.Error || f.ID != "port-not-programmed/port/"+p.ID || f.Title != neutron.NotProgrammedProblem ||
		!strings.Contains(ev, fmt.Sprintf("OVSDB: Port %s on br-int tag=%d ofport %d", p.OVSPort, p.LocalVLAN, p.OFPort)) ||
		!strings.Contains(ev, fmt.Sprintf("no br-int table 60 priority 100 in_port=%d flow", p.OFPort)) ||
		!strings.Contains(ev, "fixed IPs are unknown") || !strings.Contains(ev, "br-int's controller "+target+" is not connected") {
		t.Errorf("finding %+v", f)
	}
	if !strings.Contains(f.Fix, fmt.Sprintf("grep -w in_port=%d", p.OFPort)) || strings.Contains(f.Fix, "check its log") {
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
	s := fixturetest.Load(t, "cmp-ovsfw")
	stopAgentAndDeleteFlows(s, progTarget(t, s))
	notRead(s, "openflow/br-int", "ovs-ofctl: br-int is not a bridge or a socket")
	s.Neutron = neutron.Derive(s)
	exam := doctor.Examine(s)
	if !slices.ContainsFunc(exam.Unchecked, func(u doctor.Unchecked) bool { return u.Check == "port-not-programmed" }) || len(findings(s, "port-not-programmed")) != 0 {
		t.Errorf("flows not read: unchecked %+v", exam.Unchecked)
	}

	s = fixturetest.Load(t, "cmp")
	p := progTarget(t, s)
	stopAgentAndDeleteFlows(s, p)
	fs := findings(s, "port-not-programmed")
	if len(fs) != 1 || fs[0].Severity != doctor.Info || fs[0].Objects[0].ID != p.ID || !strings.Contains(fs[0].Fix, "port_security_enabled") ||
		!strings.Contains(strings.Join(fs[0].Evidence, "\n"), "table 0/24/25 in_port="+strconv.Itoa(p.OFPort)) {
		t.Errorf("hybrid: %+v", fs)
	}
}
