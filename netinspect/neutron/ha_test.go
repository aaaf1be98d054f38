package neutron_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/ostopo/ostopo/fixtures/fixturetest"
	"github.com/ostopo/ostopo/netinspect/neutron"
	"github.com/ostopo/ostopo/netinspect/topo"
)

// The lab's HA router r-ha (fixtures/fixturetest/reallab, built by the real Neutron 21
// agents): primary on netnode, backup on netnode2.
const (
	haRouter = "f45e1aec-d61a-4ee1-97c4-f3f48e191187"
	haNS     = "qrouter-" + haRouter
	haGW     = "203.0.113.177"
)

func reallab(t *testing.T, file string) *topo.Snapshot {
	t.Helper()
	return fixturetest.RealLab(t, file)
}

func haRouterOf(t *testing.T, n topo.Neutron) *topo.Router {
	t.Helper()
	r := n.Router(haRouter)
	if r == nil || r.Kind != "ha" {
		t.Fatalf("no HA router %s: %+v", haRouter, r)
	}
	return r
}

// netnode2 stands by: its floating IP has the DNAT rule and no address, as
// keepalived leaves it on a standby; that is no problem (it used to be
// "has a DNAT rule but is not an address on qg-…").
func TestHAStandbyDerived(t *testing.T) {
	for _, file := range []string{"snap-netnode2.json", "snap-netnode2-probed.json"} {
		s := reallab(t, file)
		r := haRouterOf(t, neutron.Derive(s))
		if r.HAState != "backup" || r.HARole != topo.HARoleStandby || len(r.Problems) != 0 || len(r.Unknown) != 0 {
			t.Errorf("%s: state %q role %q problems %v unknown %v", file, r.HAState, r.HARole, r.Problems, r.Unknown)
		}
		if len(r.FloatingIPs) != 1 || len(r.FloatingIPs[0].Problems) != 0 || r.FloatingIPs[0].OnGateway {
			t.Errorf("%s: floating IPs %+v", file, r.FloatingIPs)
		}
	}
	// With keepalived.conf: what a failover brings, and the instance's
	// port found through the subnet keepalived would put on qr-.
	r := haRouterOf(t, neutron.Derive(reallab(t, "snap-netnode2-probed.json")))
	if !slices.Contains(r.HAVIPs, "203.0.113.104/32 dev qg-5857f130-8c") || !slices.Contains(r.HAVIPs, "10.3.0.1/24 dev qr-dc6959ca-b3") {
		t.Errorf("VIPs %v", r.HAVIPs)
	}
}

// keepalived.conf gives a standby's qg- and qr- ports their fixed IPs (the
// devices hold none), and takes keepalived's own VRRP address off the
// primary's ha- port: the ports' fixed IPs are then the API's.
func TestHAPortFixedIPs(t *testing.T) {
	n := neutron.Derive(reallab(t, "snap-netnode2-probed.json"))
	for id, want := range map[string]string{
		"5857f130-8c27-4487-bcb4-0ba286d4da7f": "203.0.113.177/24", // qg-
		"dc6959ca-b34e-4c80-8297-d9b700a02a6f": "10.3.0.1/24",      // qr-
	} {
		if p := n.Port(id); p == nil || strings.Join(p.FixedIPs, " ") != want {
			t.Errorf("standby port %s: %+v; want %s", id, p, want)
		}
	}
	n = neutron.Derive(reallab(t, "snap-netnode-probed.json"))
	if p := n.Port("1a66c787-ef13-4b3a-95fe-4fd7a8594c1a"); p == nil || strings.Join(p.FixedIPs, " ") != "169.254.193.117/18" {
		t.Errorf("primary's ha- port: %+v; want its fixed IP only", p)
	}
	// Without keepalived.conf the devices are all there is.
	n = neutron.Derive(reallab(t, "snap-netnode2.json"))
	if p := n.Port("5857f130-8c27-4487-bcb4-0ba286d4da7f"); p == nil || len(p.FixedIPs) != 0 {
		t.Errorf("standby qg- port without keepalived.conf: %+v", p)
	}
}

// A state file not read stays unknown: not backup (which would hide a
// primary that lost its addresses) nor primary (which would make the
// missing addresses errors).
func TestHAStateUnread(t *testing.T) {
	s := reallab(t, "snap-netnode2.json")
	s.Agent.HARouterStates = nil
	r := haRouterOf(t, neutron.Derive(s))
	if r.HAState != "" || r.HARole != "" || len(r.Problems) != 0 || len(r.FloatingIPs[0].Problems) != 0 ||
		len(r.Unknown) != 1 || !strings.Contains(r.Unknown[0], "whether the router is standby here") || !strings.Contains(r.Unknown[0], "no /tmp/nl1/netnode2/state/ha_confs/"+haRouter+"/state") {
		t.Errorf("state %q role %q problems %v unknown %v", r.HAState, r.HARole, r.Problems, r.Unknown)
	}
	s.Sources = slices.DeleteFunc(s.Sources, func(x topo.Source) bool { return x.Name == "agent-files" })
	if h := neutron.HAOf(s, haRouterOf(t, s.Neutron)); h.Role != "" || !strings.Contains(h.Unknown[0], "agent-files not read") {
		t.Errorf("agent files not read: %+v", h)
	}
}

// netnode holds r-ha. Not probed, whether it is also active elsewhere is
// unknown; the probe answered from the wire, it is active on two nodes.
func TestHAProbeDerived(t *testing.T) {
	s := reallab(t, "snap-netnode.json")
	r := haRouterOf(t, neutron.Derive(s))
	if r.HARole != topo.HARoleActive || len(r.Problems) != 0 || len(r.Unknown) != 1 || !strings.Contains(r.Unknown[0], "whether another node also holds "+haGW) {
		t.Errorf("not probed: role %q problems %v unknown %v", r.HARole, r.Problems, r.Unknown)
	}
	r = haRouterOf(t, neutron.Derive(reallab(t, "snap-netnode-probed.json")))
	if r.HARole != topo.HARoleActive || len(r.Problems) != 0 || len(r.Unknown) != 0 || r.HAAnsweredFrom != "" {
		t.Errorf("probed, unanswered: %+v", r)
	}
	s = reallab(t, "snap-netnode-probed.json")
	s.ARPProbes[0].Answered, s.ARPProbes[0].From = true, "fa:16:3e:91:26:0b"
	r = haRouterOf(t, neutron.Derive(s))
	want := "active on two nodes (" + haGW + " also answered from fa:16:3e:91:26:0b)"
	if r.HAAnsweredFrom != "fa:16:3e:91:26:0b" || len(r.Problems) != 1 || r.Problems[0] != want {
		t.Errorf("answered: from %q problems %v; want %q", r.HAAnsweredFrom, r.Problems, want)
	}
	// The state file saying backup while the router holds its addresses.
	s.ARPProbes[0].Answered, s.ARPProbes[0].From = false, ""
	s.Agent.HARouterStates[haRouter] = "backup"
	r = haRouterOf(t, neutron.Derive(s))
	if r.HARole != topo.HARoleActive || len(r.Problems) != 1 || !strings.Contains(r.Problems[0], "state says backup but qg-5857f130-8c holds "+haGW+"/24") {
		t.Errorf("backup holding the addresses: role %q problems %v", r.HARole, r.Problems)
	}
}
