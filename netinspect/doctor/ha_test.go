package doctor_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/ostopo/ostopo/fixtures/fixturetest"
	"github.com/ostopo/ostopo/netinspect/doctor"
	"github.com/ostopo/ostopo/netinspect/neutron"
	"github.com/ostopo/ostopo/netinspect/topo"
)

// The lab's HA router r-ha: primary on netnode, backup on netnode2
// (fixtures/fixturetest/reallab, built by the real Neutron 21 agents).
const (
	haRouter = "f45e1aec-d61a-4ee1-97c4-f3f48e191187"
	haNS     = "qrouter-" + haRouter
	haGW     = "203.0.113.177"
	haFIP    = "203.0.113.104"
)

// haLab decodes a snapshot of the real lab; derive works the Neutron view
// out again with this ostopo (a replay keeps the recorded one).
func haLab(t *testing.T, file string, derive bool) *topo.Snapshot {
	t.Helper()
	s := fixturetest.RealLab(t, file)
	if derive {
		s.Neutron = neutron.Derive(s)
	}
	return s
}

// setProbe records the duplicate-address probe of the router's gateway
// address, answered from mac ("": unanswered).
func setProbe(s *topo.Snapshot, ns, dev, addr, mac string) {
	src := "arp-probe/" + ns
	s.Sources = slices.DeleteFunc(s.Sources, func(x topo.Source) bool { return x.Name == src })
	s.Sources = append(s.Sources, topo.Source{Name: src, OK: true, Detail: "duplicate-address probe for " + addr + " on " + dev})
	s.ARPProbes = []topo.ARPProbe{{Namespace: ns, Device: dev, Address: addr, Answered: mac != "", From: mac, WaitedMS: 1}}
}

// makeHA turns the aio node's first router into an HA router (an ha-
// device in its namespace) whose state file says state; its id.
func makeHA(s *topo.Snapshot, state string) string {
	r := s.Neutron.Routers[0]
	ns := s.Namespace(r.Namespace)
	ns.Links = append(ns.Links, topo.Link{Name: "ha-0123456789a", Kind: "tuntap", OperState: "unknown", AdminUp: true})
	s.Agent.HARouterStates = map[string]string{r.ID: state}
	return r.ID
}

// haAnswered records that another host answered for router id's gateway
// address.
func haAnswered(id string, s *topo.Snapshot, mac string) {
	r := s.Neutron.Router(id)
	setProbe(s, r.Namespace, r.Gateway.Device, neutron.HAGatewayIP(r), mac)
}

func findingsOf(r doctor.Result, check string) []doctor.Finding {
	var out []doctor.Finding
	for _, f := range r.Findings {
		if f.Check == check {
			out = append(out, f)
		}
	}
	return out
}

func uncheckedOf(r doctor.Result, check string) *doctor.Unchecked {
	for i := range r.Unchecked {
		if r.Unchecked[i].Check == check {
			return &r.Unchecked[i]
		}
	}
	return nil
}

// netnode2 holds r-ha as the standby: the DNAT rule of its floating IP and
// no address, by design. No finding, from the recorded view (what
// `ostopo doctor --replay` reads) or this ostopo's; it used to be an
// ERROR fip-nat "DNAT rule for 203.0.113.104 but the address is on no
// qg- device".
func TestHAStandbyIsNoFinding(t *testing.T) {
	for _, derive := range []bool{false, true} {
		r := doctor.Examine(haLab(t, "snap-netnode2.json", derive))
		if len(r.Findings) != 0 || len(r.Unchecked) != 0 || r.ExitCode() != 0 {
			t.Errorf("derive %v: findings %+v unchecked %+v exit %d; want none, 0", derive, r.Findings, r.Unchecked, r.ExitCode())
		}
	}
}

// The standby's floating IP is checked against what a failover would
// bring: keepalived.conf's addresses.
func TestHAStandbyFIPNotInKeepalived(t *testing.T) {
	s := haLab(t, "snap-netnode2.json", false)
	s.Agent.Keepalived = map[string]topo.KeepalivedConf{haRouter: {Interface: "ha-ca5a6c5f-08", VRID: 101, VIPs: []topo.KeepalivedVIP{
		{Address: "10.3.0.1/24", Device: "qr-dc6959ca-b3"}, {Address: haGW + "/24", Device: "qg-5857f130-8c"}}}}
	fs := findingsOf(doctor.Examine(s), "fip-nat")
	if len(fs) != 1 || !strings.Contains(strings.Join(fs[0].Evidence, "\n"), "keepalived.conf gives the primary no "+haFIP+"/32") {
		t.Fatalf("fip-nat findings %+v; want the floating IP missing from keepalived.conf", fs)
	}
	s.Agent.Keepalived[haRouter] = topo.KeepalivedConf{VIPs: append(s.Agent.Keepalived[haRouter].VIPs, topo.KeepalivedVIP{Address: haFIP + "/32", Device: "qg-5857f130-8c"})}
	if fs := findingsOf(doctor.Examine(s), "fip-nat"); len(fs) != 0 {
		t.Errorf("floating IP in keepalived.conf: %+v", fs)
	}
}

// Without the state file, a router holding no address may be a standby or
// a primary that lost them: the checks that would judge the missing
// addresses say they could not, and find nothing. With the state file
// saying primary, the missing addresses are the errors they are.
func TestHAStateUnknownOrPrimary(t *testing.T) {
	for _, derive := range []bool{false, true} {
		s := haLab(t, "snap-netnode2.json", false)
		s.Agent.HARouterStates = nil
		if derive {
			s.Neutron = neutron.Derive(s)
		}
		r := doctor.Examine(s)
		if len(r.Findings) != 0 || r.ExitCode() != 3 {
			t.Errorf("derive %v, no state file: findings %+v exit %d; want none, 3 (unknown)", derive, r.Findings, r.ExitCode())
		}
		for _, check := range []string{"fip-nat", "router-interface-address"} {
			u := uncheckedOf(r, check)
			if u == nil || len(u.Sources) != 1 || u.Sources[0].Name != "ha_confs/"+haRouter+"/state" || !strings.Contains(u.Sources[0].Error, "is standby here is unknown") {
				t.Errorf("derive %v: %s unchecked %+v; want the state file named", derive, check, u)
			}
		}

		s.Agent.HARouterStates = map[string]string{haRouter: "primary"}
		if derive {
			s.Neutron = neutron.Derive(s)
		}
		r = doctor.Examine(s)
		if fs := findingsOf(r, "fip-nat"); len(fs) != 1 || fs[0].Severity != doctor.Error {
			t.Errorf("derive %v, primary without addresses: fip-nat %+v; want an error", derive, fs)
		}
		if fs := findingsOf(r, "router-interface-address"); len(fs) != 1 {
			t.Errorf("derive %v, primary without addresses: router-interface-address %+v", derive, fs)
		}
	}
}

// netnode holds r-ha as the primary. Its snapshot was taken before ostopo
// probed: whether another node holds the gateway address too is unknown.
// Probed and unanswered it is clean; answered, the router is active on
// two nodes (the two instances share the qg- port's MAC: an answer at all
// is the verdict).
func TestHAActiveOnTwoNodes(t *testing.T) {
	for _, derive := range []bool{false, true} {
		s := haLab(t, "snap-netnode.json", derive)
		r := doctor.Examine(s)
		u := uncheckedOf(r, "ha-active-on-two-nodes")
		if len(r.Findings) != 0 || r.ExitCode() != 3 || u == nil || u.Sources[0].Name != "arp-probe/"+haNS || u.Sources[0].Error != neutron.NotRecorded {
			t.Errorf("derive %v, not probed: findings %+v unchecked %+v exit %d; want unknown", derive, r.Findings, r.Unchecked, r.ExitCode())
		}

		s = haLab(t, "snap-netnode.json", false)
		setProbe(s, haNS, "qg-5857f130-8c", haGW, "")
		if derive {
			s.Neutron = neutron.Derive(s)
		}
		if r := doctor.Examine(s); len(r.Findings) != 0 || len(r.Unchecked) != 0 || r.ExitCode() != 0 {
			t.Errorf("derive %v, probed, no answer: findings %+v unchecked %+v", derive, r.Findings, r.Unchecked)
		}

		setProbe(s, haNS, "qg-5857f130-8c", haGW, "fa:16:3e:91:26:0b")
		if derive {
			s.Neutron = neutron.Derive(s)
		}
		r = doctor.Examine(s)
		fs := findingsOf(r, "ha-active-on-two-nodes")
		want := "active on two nodes (" + haGW + " also answered from fa:16:3e:91:26:0b)"
		if len(fs) != 1 || fs[0].Severity != doctor.Error || fs[0].ID != "ha-active-on-two-nodes/router/"+haRouter || fs[0].Evidence[0] != want || r.ExitCode() != 2 {
			t.Errorf("derive %v, answered: %+v exit %d; want one error %q", derive, fs, r.ExitCode(), want)
		}
		if !strings.Contains(doctor.Text(s.Host, r), "ERROR   ha-active-on-two-nodes/router/"+haRouter) {
			t.Errorf("text:\n%s", doctor.Text(s.Host, r))
		}

		// A probe that could not be sent is no verdict either.
		s.Sources = slices.DeleteFunc(s.Sources, func(x topo.Source) bool { return x.Name == "arp-probe/"+haNS })
		s.Sources = append(s.Sources, topo.Source{Name: "arp-probe/" + haNS, Error: "ARP socket on qg-5857f130-8c: operation not permitted"})
		s.ARPProbes = nil
		if derive {
			s.Neutron = neutron.Derive(s)
		}
		r = doctor.Examine(s)
		if u := uncheckedOf(r, "ha-active-on-two-nodes"); u == nil || !strings.Contains(u.Sources[0].Error, "operation not permitted") || len(r.Findings) != 0 {
			t.Errorf("derive %v, probe failed: findings %+v unchecked %+v", derive, r.Findings, r.Unchecked)
		}
	}
}

// A later snapshot of netnode, taken by this ostopo: probed, unanswered,
// clean.
func TestHAProbedSnapshotIsClean(t *testing.T) {
	s := haLab(t, "snap-netnode-probed.json", false)
	if len(s.ARPProbes) != 1 || s.ARPProbes[0].Answered || s.ARPProbes[0].Address != haGW {
		t.Fatalf("probes %+v", s.ARPProbes)
	}
	if r := doctor.Examine(s); len(r.Findings) != 0 || len(r.Unchecked) != 0 {
		t.Errorf("findings %+v unchecked %+v", r.Findings, r.Unchecked)
	}
}

// The state file saying backup while the router holds its addresses (a
// keepalived that died, a stale file), or FAULT, is a warning.
func TestHAStateDisagrees(t *testing.T) {
	s := haLab(t, "snap-netnode.json", false)
	setProbe(s, haNS, "qg-5857f130-8c", haGW, "")
	s.Agent.HARouterStates = map[string]string{haRouter: "backup"}
	fs := findingsOf(doctor.Examine(s), "ha-state")
	if len(fs) != 1 || fs[0].Severity != doctor.Warning || !strings.Contains(fs[0].Evidence[0], "says backup but qg-5857f130-8c holds "+haGW+"/24") {
		t.Errorf("backup holding the addresses: %+v", fs)
	}
	s = haLab(t, "snap-netnode2.json", false)
	s.Agent.HARouterStates = map[string]string{haRouter: "fault"}
	r := doctor.Examine(s)
	if fs := findingsOf(r, "ha-state"); len(fs) != 1 || !strings.Contains(fs[0].Evidence[0], "keepalived is in FAULT") {
		t.Errorf("fault: %+v", fs)
	}
	if fs := findingsOf(r, "fip-nat"); len(fs) != 0 {
		t.Errorf("fault holds no address either: %+v", fs)
	}
}
