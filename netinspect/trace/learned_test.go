package trace_test

import (
	"strings"
	"testing"

	"github.com/ostopo/ostopo/netinspect/topo"
	"github.com/ostopo/ostopo/netinspect/trace"
)

// On netnode (fixtures/fixturetest/reallab) vm1's floating IP 203.0.113.199 leaves by
// br-tun on local VLAN 5: l2population's table 20 flow for vm1's MAC
// outputs to port 2 (vxlan-0a1e0015, compute1 10.30.0.21), and so does the
// flow table 10 learned from vm1's own frames; port 4 is vxlan-0a1e0016
// (compute2 10.30.0.22), which local VLAN 5 also floods to.
const (
	vm1FIP      = "203.0.113.199"
	l2popVM1    = "dl_vlan=5,dl_dst=fa:16:3e:d8:3d:e4"
	learnedVM1  = "vlan_tci=0x0005/0x0fff,dl_dst=fa:16:3e:d8:3d:e4"
	toCompute1  = "output:2"
	toCompute2  = "output:4"
	compute1Tun = "10.30.0.21 (vxlan-0a1e0015"
	compute2Tun = "10.30.0.22 (vxlan-0a1e0016)"
)

// setOutput points the br-tun table 20 flow with that match to another port.
func setOutput(t *testing.T, s *topo.Snapshot, match, from, to string) {
	t.Helper()
	b := s.OVS.Bridge("br-tun")
	for i := range b.Flows {
		if f := &b.Flows[i]; f.Table == 20 && f.Match == match {
			if !strings.HasSuffix(f.Actions, from) {
				t.Fatalf("%s: actions %s", match, f.Actions)
			}
			f.Actions = strings.TrimSuffix(f.Actions, from) + to
			return
		}
	}
	t.Fatalf("no table 20 flow %s", match)
}

// When l2population's flow and the learned one for the same VLAN and MAC
// name different tunnels, frames from the MAC came in from another node
// than the one l2population sends it to: the br-tun hop is broken, naming
// both, and where the frames arrived from.
func TestL2populationAgainstLearned(t *testing.T) {
	tests := []struct {
		name           string
		match, to      string
		sends, arrived string // the remote l2population sends to, the one frames came from
	}{
		{"l2population points to the wrong node", l2popVM1, toCompute2, compute2Tun, compute1Tun},
		{"frames come from another node than l2population says", learnedVM1, toCompute2, "10.30.0.21 (vxlan-0a1e0015)", "10.30.0.22 (vxlan-0a1e0016"},
	}
	for _, tt := range tests {
		for _, derive := range []bool{false, true} {
			s := reallab(t, "netnode", derive)
			setOutput(t, s, tt.match, toCompute1, tt.to)
			r := traceOf(t, s, vm1FIP)
			if r.BrokenAt == nil {
				t.Fatalf("%s (derive=%v): not broken:\n%s", tt.name, derive, trace.Text(r, s.Host))
			}
			h := r.Hops[*r.BrokenAt]
			if h.Kind != trace.KindTunnelBridge && h.Kind != trace.KindTunnel {
				t.Errorf("%s: broken at %s", tt.name, h.Kind)
			}
			want := "l2population sends fa:16:3e:d8:3d:e4 to " + tt.sends + ", but frames from it arrived from " + tt.arrived
			if !strings.Contains(h.Problem, want) || !strings.Contains(h.Found, "learned: table=20, priority=1,"+learnedVM1) {
				t.Errorf("%s (derive=%v): problem %q found %q, want it to say %q", tt.name, derive, h.Problem, h.Found, want)
			}
		}
	}
	// Both agree on the lab as it ran: complete.
	s := reallab(t, "netnode", true)
	if r := traceOf(t, s, vm1FIP); !r.Complete {
		t.Errorf("as taken, not complete:\n%s", trace.Text(r, s.Host))
	}
	// A learned flow whose port is no tunnel (a port since deleted) says
	// nothing of where frames come from.
	setOutput(t, s, learnedVM1, toCompute1, "output:9")
	if r := traceOf(t, s, vm1FIP); !r.Complete {
		t.Errorf("learned flow to no tunnel: not complete:\n%s", trace.Text(r, s.Host))
	}
}

// The tunnel hop on the receiving node names the MACs whose frames table
// 10 learned on each tunnel.
func TestArrivalShowsLearnedMACs(t *testing.T) {
	s := reallab(t, "compute1", false)
	r := traceOf(t, s, vm1IP)
	ev := evidence(&r.Hops[0])
	if !strings.Contains(ev, "vxlan-0a1e000b: frames from fa:16:3e:0b:8a:bf arrived on it") || !strings.Contains(ev, "vxlan-0a1e0016: frames from fa:16:3e:d5:69:2f arrived on it") {
		t.Errorf("tunnel hop evidence:\n%s", ev)
	}
}
