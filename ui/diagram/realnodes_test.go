package diagram

import (
	"slices"
	"strings"
	"testing"

	"github.com/ostopo/ostopo/fixtures/fixturetest"
	"github.com/ostopo/ostopo/netinspect/doctor"
	"github.com/ostopo/ostopo/netinspect/neutron"
	"github.com/ostopo/ostopo/ui/render"
)

// An HA router standing by on this node (net: r-ha's backup, recorded
// from real agents) holds none of its addresses: keepalived puts its
// floating IPs on the primary's qg- only. The drawing does not call it
// broken for that, but still does for what a standby must have (DNAT).
func TestHAStandbyIsNotBroken(t *testing.T) {
	s := fixturetest.Load(t, "net")
	standby := -1
	for i := range s.Neutron.Routers {
		if r := &s.Neutron.Routers[i]; neutron.HAStandby(r) && len(r.FloatingIPs) > 0 {
			standby = i
		}
	}
	if standby < 0 {
		t.Fatal("net has no HA router standing by with a floating IP")
	}
	r := &s.Neutron.Routers[standby]
	ref := render.Ref{Kind: "router", ID: r.ID}
	l := Build(s, doctor.Examine(s), Options{})
	if h := l.HealthOf(ref); h != OK {
		t.Errorf("standby router %s drawn %v", r.ID, h)
	}
	for _, b := range l.Boxes {
		if b.Ref == ref && strings.Contains(strings.Join(b.Lines, "\n"), "✗") {
			t.Errorf("standby router box says ✗:\n%s", strings.Join(b.Lines, "\n"))
		}
	}
	if note := FloatingIPNote(r, r.FloatingIPs[0]); note != "" {
		t.Errorf("standby floating IP note %q", note)
	}
	// What a standby must have all the same: its DNAT rule.
	r.FloatingIPs[0].DNAT = false
	l = Build(s, doctor.Examine(s), Options{})
	if h := l.HealthOf(ref); h != Error {
		t.Errorf("standby router without DNAT drawn %v", h)
	}
	if note := FloatingIPNote(r, r.FloatingIPs[0]); note != " (no DNAT)" {
		t.Errorf("standby floating IP without DNAT: note %q", note)
	}
}

// On the nodes recorded from real agents the tunnels leave from br-phy's
// internal port (a userspace datapath): its box says the tunnel IP.
func TestTunnelEndpointBridge(t *testing.T) {
	for _, name := range []string{"aio", "net", "cmp", "cmp-ovsfw"} {
		s, l := build(t, name, Options{})
		if len(s.Neutron.Tunnels) == 0 {
			t.Fatalf("%s: no tunnel", name)
		}
		want := "tunnel IP " + s.Neutron.Tunnels[0].LocalIP
		found := false
		for _, b := range l.Boxes {
			if b.Kind == KindBridge && slices.Contains(b.Lines, want) {
				found = found || b.Ref.ID != "br-tun"
			}
		}
		if !found {
			t.Errorf("%s: no bridge box says %q", name, want)
		}
	}
}
