package trace_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/ostopo/ostopo/fixtures/fixturetest"
	"github.com/ostopo/ostopo/netinspect/neutron"
	"github.com/ostopo/ostopo/netinspect/topo"
	"github.com/ostopo/ostopo/netinspect/trace"
)

// The lab's HA router r-ha (fixtures/fixturetest/reallab, built by the real
// Neutron 21 agents): primary on netnode, backup on netnode2; floating IP
// 203.0.113.104 → 10.3.0.18, gateway address 203.0.113.177.
const (
	haRouter = "f45e1aec-d61a-4ee1-97c4-f3f48e191187"
	haNS     = "qrouter-" + haRouter
	haFIP    = "203.0.113.104"
	haGW     = "203.0.113.177"
	haMAC    = "fa:16:3e:91:26:0b"
)

func haLab(t *testing.T, file string, derive bool) *topo.Snapshot {
	t.Helper()
	s := fixturetest.RealLab(t, file)
	if derive {
		s.Neutron = neutron.Derive(s)
	}
	return s
}

// haProbe records the probe of the gateway address, answered from mac
// ("": unanswered).
func haProbe(s *topo.Snapshot, mac string) {
	src := "arp-probe/" + haNS
	s.Sources = slices.DeleteFunc(s.Sources, func(x topo.Source) bool { return x.Name == src })
	s.Sources = append(s.Sources, topo.Source{Name: src, OK: true, Detail: "duplicate-address probe for " + haGW + " on qg-5857f130-8c"})
	s.ARPProbes = []topo.ARPProbe{{Namespace: haNS, Device: "qg-5857f130-8c", Address: haGW, Answered: mac != "", From: mac}}
}

func hopKinds(r *trace.Result) string {
	var k []string
	for _, h := range r.Hops {
		k = append(k, h.Kind)
	}
	return strings.Join(k, " ")
}

func mustTrace(t *testing.T, s *topo.Snapshot, target string, reverse bool) *trace.Result {
	t.Helper()
	r, err := trace.Trace(s, target, trace.Options{Reverse: reverse})
	if err != nil {
		t.Fatalf("trace %s: %v", target, err)
	}
	return r
}

// On netnode2 r-ha stands by: the floating IP's path comes from the
// provider network to the router hop, which says the router is active on
// the other node. Not complete, not broken: exit 4. It used to break
// there ("not on any qg- device") and again at br-tun (10.3.0.18 on no
// subnet of the router: a standby's qr- has no address either).
func TestHAStandbyTrace(t *testing.T) {
	for _, derive := range []bool{false, true} {
		s := haLab(t, "snap-netnode2.json", derive)
		for _, reverse := range []bool{false, true} {
			r := mustTrace(t, s, haFIP, reverse)
			want := "provider_nic physical_bridge patch integration_bridge router_gateway router"
			at := 5
			if reverse {
				want, at = "router router_gateway integration_bridge patch physical_bridge provider_nic", 0
			}
			if got := hopKinds(r); got != want || r.StandbyAt == nil || *r.StandbyAt != at || !r.Standby || r.Complete || r.BrokenAt != nil || r.Unknown || trace.ExitCode(r, nil) != 4 {
				t.Fatalf("derive %v reverse %v: %q standby %v at %v broken %v exit %d\n%s", derive, reverse, got, r.Standby, r.StandbyAt, r.BrokenAt, trace.ExitCode(r, nil), trace.Text(r, s.Host))
			}
			h := r.Hops[at]
			if h.Standby != trace.StandbyText || h.OK || h.Problem != "" || h.DecrementsTTL || !strings.Contains(h.Next, "openstack network agent list --router "+haRouter) {
				t.Errorf("router hop %+v", h)
			}
			text := trace.Text(r, s.Host)
			for _, w := range []string{"○ router", "ha_confs/" + haRouter + "/state: backup", "○ standby here: the router is active on the other L3 agent's node",
				"path STANDBY at hop " + string(rune('1'+at)) + " (router " + haNS + ")"} {
				if !strings.Contains(text, w) {
					t.Errorf("derive %v reverse %v: text lacks %q:\n%s", derive, reverse, w, text)
				}
			}
		}
	}
}

// With keepalived.conf read (a snapshot this ostopo took), the router's
// own addresses, held by the primary, trace to the standby hop too, and
// the floating IP's hop names the address a failover would bring.
func TestHAStandbyKeepalivedAddresses(t *testing.T) {
	s := haLab(t, "snap-netnode2-probed.json", false)
	for target, want := range map[string]string{
		haGW:       "provider_nic physical_bridge patch integration_bridge router_gateway router",
		"10.3.0.1": "router",
		haFIP:      "provider_nic physical_bridge patch integration_bridge router_gateway router",
	} {
		r := mustTrace(t, s, target, false)
		if got := hopKinds(r); got != want || trace.ExitCode(r, nil) != 4 {
			t.Errorf("%s: %q exit %d\n%s", target, got, trace.ExitCode(r, nil), trace.Text(r, s.Host))
		}
		if ev := strings.Join(r.Hops[*r.StandbyAt].Evidence, "\n"); !strings.Contains(ev, "keepalived.conf: "+target+"/") {
			t.Errorf("%s: router hop evidence:\n%s", target, ev)
		}
	}
}

// Without the state file, a router holding no address may stand by or
// have lost them: the router hop is unknown and the walk stops there (it
// used to break at br-tun). With the state file saying primary, the
// missing addresses break it.
func TestHAStandbyOrNot(t *testing.T) {
	for _, derive := range []bool{false, true} {
		s := haLab(t, "snap-netnode2.json", false)
		s.Agent.HARouterStates = nil
		if derive {
			s.Neutron = neutron.Derive(s)
		}
		r := mustTrace(t, s, haFIP, false)
		if r.UnknownAt == nil || *r.UnknownAt != 5 || r.BrokenAt != nil || r.Standby || len(r.Hops) != 6 || trace.ExitCode(r, nil) != 3 ||
			!strings.Contains(r.Hops[5].Unknown, "whether the router is standby here") || r.Hops[5].Unread[0].Name != "ha_confs/"+haRouter+"/state" {
			t.Errorf("derive %v, no state file:\n%s", derive, trace.Text(r, s.Host))
		}
		s.Agent.HARouterStates = map[string]string{haRouter: "primary"}
		if derive {
			s.Neutron = neutron.Derive(s)
		}
		r = mustTrace(t, s, haFIP, false)
		if r.BrokenAt == nil || *r.BrokenAt != 5 || !strings.Contains(r.Hops[5].Problem, "is not on any qg- device") || trace.ExitCode(r, nil) != 1 {
			t.Errorf("derive %v, primary without addresses:\n%s", derive, trace.Text(r, s.Host))
		}
	}
}

// On netnode r-ha is active. Whether the other node holds its gateway
// address too is what the duplicate-address probe tells: not probed, the
// router hop is unknown; probed and unanswered, the path is complete;
// answered (from the MAC both nodes' qg- share), the router is active on
// two nodes: broken there.
func TestHAActiveOnTwoNodesTrace(t *testing.T) {
	for _, derive := range []bool{false, true} {
		s := haLab(t, "snap-netnode.json", derive)
		r := mustTrace(t, s, haFIP, false)
		if r.UnknownAt == nil || *r.UnknownAt != 5 || r.BrokenAt != nil || trace.ExitCode(r, nil) != 3 || !strings.Contains(r.Hops[5].Unknown, "whether another node also holds "+haGW) {
			t.Errorf("derive %v, not probed:\n%s", derive, trace.Text(r, s.Host))
		}

		s = haLab(t, "snap-netnode.json", false)
		haProbe(s, "")
		if derive {
			s.Neutron = neutron.Derive(s)
		}
		if r := mustTrace(t, s, haFIP, false); !r.Complete || trace.ExitCode(r, nil) != 0 {
			t.Errorf("derive %v, probed, no answer:\n%s", derive, trace.Text(r, s.Host))
		}

		haProbe(s, haMAC)
		if derive {
			s.Neutron = neutron.Derive(s)
		}
		for _, reverse := range []bool{false, true} {
			r := mustTrace(t, s, haFIP, reverse)
			want := "active on two nodes (" + haGW + " also answered from " + haMAC + ")"
			if r.BrokenAt == nil || r.Hops[*r.BrokenAt].Kind != trace.KindRouter || r.Hops[*r.BrokenAt].Problem != want || trace.ExitCode(r, nil) != 1 {
				t.Errorf("derive %v reverse %v, answered:\n%s", derive, reverse, trace.Text(r, s.Host))
			}
			if !strings.Contains(trace.Text(r, s.Host), "path BROKEN at hop") {
				t.Errorf("text:\n%s", trace.Text(r, s.Host))
			}
		}
	}
}

// A snapshot this ostopo took on netnode: probed, unanswered, complete,
// with the probe as evidence.
func TestHAProbedTraceComplete(t *testing.T) {
	s := haLab(t, "snap-netnode-probed.json", false)
	r := mustTrace(t, s, haFIP, false)
	if !r.Complete || !strings.Contains(strings.Join(r.Hops[5].Evidence, "\n"), "duplicate-address probe for "+haGW+" on qg-5857f130-8c: no answer in") {
		t.Errorf("\n%s", trace.Text(r, s.Host))
	}
}

func TestHAExitCodes(t *testing.T) {
	five := 5
	for _, tc := range []struct {
		r    trace.Result
		want int
	}{
		{trace.Result{Standby: true, StandbyAt: &five}, 4},
		{trace.Result{Standby: true, StandbyAt: &five, Unknown: true, UnknownAt: &five}, 4},
		{trace.Result{Standby: true, StandbyAt: &five, BrokenAt: &five}, 1},
	} {
		if got := trace.ExitCode(&tc.r, nil); got != tc.want {
			t.Errorf("%+v: exit %d, want %d", tc.r, got, tc.want)
		}
	}
}
