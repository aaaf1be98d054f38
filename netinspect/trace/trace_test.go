package trace_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/ostopo/ostopo/fixtures/fixturetest"
	"github.com/ostopo/ostopo/netinspect/neutron"
	"github.com/ostopo/ostopo/netinspect/topo"
	"github.com/ostopo/ostopo/netinspect/trace"
)

func kinds(r *trace.Result) string {
	var k []string
	for _, h := range r.Hops {
		k = append(k, h.Kind)
	}
	return strings.Join(k, " ")
}

// The first floating IP of a fixture's first router.
func fip(s *topo.Snapshot) topo.FloatingIP { return s.Neutron.Routers[0].FloatingIPs[0] }

// legacyRouter is a fixture's first legacy router with a floating IP: a
// path neither an HA standby (the lab's network node holds r-ha's
// standby) nor DVR.
func legacyRouter(t testing.TB, s *topo.Snapshot) topo.Router {
	t.Helper()
	for _, r := range s.Neutron.Routers {
		if r.Kind == "legacy" && len(r.FloatingIPs) > 0 {
			return r
		}
	}
	t.Fatalf("%s: no legacy router with a floating IP", s.Host)
	return topo.Router{}
}

// hostOfMAC is the tunnel address of the lab's compute node (cmp,
// cmp-ovsfw) that holds an instance port with the MAC.
func hostOfMAC(t *testing.T, mac string) string {
	t.Helper()
	for _, name := range []string{"cmp", "cmp-ovsfw"} {
		c := fixturetest.Load(t, name)
		if slices.ContainsFunc(c.Neutron.Ports, func(p topo.NPort) bool { return p.Role == topo.RoleInstance && strings.EqualFold(p.MAC, mac) }) && len(c.Neutron.Tunnels) > 0 {
			return c.Neutron.Tunnels[0].LocalIP
		}
	}
	t.Fatalf("no compute node holds %s", mac)
	return ""
}

// macOf is the MAC the DHCP agent's host file gives an address.
func macOf(t *testing.T, s *topo.Snapshot, ip string) string {
	t.Helper()
	for _, d := range s.Agent.DHCP {
		for _, h := range d.Hosts {
			if h.IP == ip {
				return h.MAC
			}
		}
	}
	t.Fatalf("%s: no DHCP host %s", s.Host, ip)
	return ""
}

func TestCompleteToLocalInstance(t *testing.T) {
	s := fixturetest.Load(t, "aio")
	f := fip(s)
	r, err := trace.Trace(s, f.FloatingIP, trace.Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := "provider_nic physical_bridge patch integration_bridge router_gateway router router_interface qvo qvb qbr tap"
	if got := kinds(r); got != want || !r.Complete || r.BrokenAt != nil {
		t.Fatalf("path %q complete=%v broken=%v; want %q complete", got, r.Complete, r.BrokenAt, want)
	}
	if r.FixedIP != f.FixedIP || r.PortID != f.PortID {
		t.Errorf("resolved to %s / %s, want %s / %s", r.FixedIP, r.PortID, f.FixedIP, f.PortID)
	}
	ttl := 0
	for _, h := range r.Hops {
		if len(h.Evidence) == 0 {
			t.Errorf("hop %s has no evidence", h.Kind)
		}
		if h.DecrementsTTL {
			ttl++
		}
	}
	if ttl != 1 {
		t.Errorf("%d hops decrement TTL, want 1 (the router)", ttl)
	}
	router := r.Hops[5]
	if !strings.Contains(strings.Join(router.Evidence, "\n"), "-j DNAT --to-destination "+f.FixedIP) {
		t.Errorf("router hop does not show the DNAT rule: %q", router.Evidence)
	}
	// The same path by fixed IP and by port id.
	for _, in := range []string{f.FixedIP, f.PortID} {
		r2, err := trace.Trace(s, in, trace.Options{})
		if err != nil || kinds(r2) != want {
			t.Errorf("trace %s: %v, %q", in, err, kinds(r2))
		}
	}
}

// The network node routes a floating IP to an instance on a compute
// node: out through br-tun, unicast by l2population to the node that
// holds the instance (the lab's compute node recordings say which).
func TestLeavesThroughBrTun(t *testing.T) {
	s := fixturetest.Load(t, "net")
	f := legacyRouter(t, s).FloatingIPs[0]
	r, err := trace.Trace(s, f.FloatingIP, trace.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := kinds(r); got != "provider_nic physical_bridge patch integration_bridge router_gateway router router_interface patch tunnel_bridge tunnel" || !r.Complete {
		t.Fatalf("path %q complete=%v:\n%s", got, r.Complete, trace.Text(r, s.Host))
	}
	tb := r.Hops[8]
	seg := *s.Neutron.Network(r.NetworkID).SegmentationID
	if tb.TunnelID != seg || tb.VLAN == 0 || !strings.Contains(strings.Join(tb.Evidence, " "), fmt.Sprintf("load:%#x->NXM_NX_TUN_ID[]", seg)) {
		t.Errorf("br-tun hop (segment %d): %+v", seg, tb)
	}
	if host := hostOfMAC(t, macOf(t, s, f.FixedIP)); !slices.Equal(r.ContinuesAt, []string{host}) {
		t.Errorf("continues at %v, want [%s]", r.ContinuesAt, host)
	}
}

func TestReverse(t *testing.T) {
	s := fixturetest.Load(t, "aio")
	f := fip(s)
	r, err := trace.Trace(s, f.FloatingIP, trace.Options{Reverse: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := kinds(r); !strings.HasPrefix(got, "tap qbr qvb qvo router_interface router router_gateway") || !strings.HasSuffix(got, "provider_nic") {
		t.Fatalf("outbound path %q", got)
	}
	ev := strings.Join(r.Hops[5].Evidence, "\n")
	if !strings.Contains(ev, "-j SNAT --to-source "+f.FloatingIP) || strings.Contains(ev, "DNAT") || !strings.Contains(ev, "route default via") {
		t.Errorf("outbound router hop evidence: %s", ev)
	}
	// No SNAT rule: the outbound path breaks at the router, inbound does not.
	removeRules(s, f.FloatingIP, "SNAT")
	rederive(s)
	r, _ = trace.Trace(s, f.FloatingIP, trace.Options{Reverse: true})
	if r.Complete || r.Hops[*r.BrokenAt].Kind != trace.KindRouter || !strings.Contains(r.Hops[*r.BrokenAt].Problem, "no SNAT rule") {
		t.Errorf("outbound without SNAT: %+v", r.Hops[len(r.Hops)/2])
	}
}

func rederive(s *topo.Snapshot) { s.Neutron = neutron.Derive(s); s.Normalize() }

func removeRules(s *topo.Snapshot, ip, target string) {
	for ni := range s.Namespaces {
		ns := &s.Namespaces[ni]
		if ns.NAT == nil {
			continue
		}
		var keep []topo.NATRule
		for _, r := range ns.NAT.Rules {
			if r.Target == target && (topo.HostIP(r.Dst) == ip || r.ToSource == ip) {
				continue
			}
			keep = append(keep, r)
		}
		ns.NAT.Rules = keep
	}
}

func ovsPort(s *topo.Snapshot, name string) *topo.Port {
	if p := s.OVS.Port(name); p != nil {
		return p
	}
	panic("no OVS port " + name)
}

// Every broken case of the issue, each made by changing the raw facts of
// the healthy all-in-one node (the lab test makes some for real): the
// first broken hop, and what it says.
func TestBrokenCases(t *testing.T) {
	tests := []struct {
		name    string
		fixture string
		breakIt func(s *topo.Snapshot, f topo.FloatingIP, inst *topo.NPort, qr string)
		hop     string
		problem string
	}{
		{"floating IP not on qg-", "aio", func(s *topo.Snapshot, f topo.FloatingIP, _ *topo.NPort, _ string) {
			r := legacyRouter(t, s)
			l := s.Namespace(r.Namespace).Link(r.Gateway.Device)
			var keep []topo.Addr
			for _, a := range l.Addrs {
				if a.Prefix != f.FloatingIP+"/32" {
					keep = append(keep, a)
				}
			}
			l.Addrs = keep
		}, trace.KindRouter, "is not on any qg- device"},
		{"no DNAT rule", "aio", func(s *topo.Snapshot, f topo.FloatingIP, _ *topo.NPort, _ string) {
			removeRules(s, f.FloatingIP, "DNAT")
		}, trace.KindRouter, "no DNAT rule"},
		{"DNAT to a fixed IP nobody owns", "aio", func(s *topo.Snapshot, f topo.FloatingIP, _ *topo.NPort, _ string) {
			for ni := range s.Namespaces {
				if ns := &s.Namespaces[ni]; ns.NAT != nil {
					for i, r := range ns.NAT.Rules {
						if r.ToDestination == f.FixedIP {
							ns.NAT.Rules[i].ToDestination = "10.99.0.5"
						}
						if r.ToSource == f.FloatingIP {
							ns.NAT.Rules[i].Src = "10.99.0.5/32"
						}
					}
				}
			}
		}, trace.KindRouter, "is in none of the router's subnets"},
		{"qr- port in VLAN 4095", "aio", func(s *topo.Snapshot, _ topo.FloatingIP, _ *topo.NPort, qr string) {
			ovsPort(s, qr).Tag = topo.DeadVLAN
		}, trace.KindRouterIf, "dead VLAN 4095"},
		{"instance port in VLAN 4095", "aio", func(s *topo.Snapshot, _ topo.FloatingIP, p *topo.NPort, _ string) {
			op := ovsPort(s, p.OVSPort)
			op.Tag, op.Trunks = topo.DeadVLAN, []int{topo.DeadVLAN}
		}, trace.KindQVO, "dead VLAN 4095 (never_bound)"},
		{"qr- and instance on different VLANs", "aio", func(s *topo.Snapshot, _ topo.FloatingIP, p *topo.NPort, _ string) {
			op := ovsPort(s, p.OVSPort)
			op.Tag, op.OtherConfig["tag"] = 9, "9"
		}, trace.KindQVO, "is on local VLAN 9"},
		{"qvb not in qbr", "aio", func(s *topo.Snapshot, _ topo.FloatingIP, p *topo.NPort, _ string) {
			s.Root().Link(p.Devices.QVB.Name).Master = ""
		}, trace.KindQBR, "is not in " + "qbr"},
		{"qvo missing from br-int", "aio", func(s *topo.Snapshot, _ topo.FloatingIP, p *topo.NPort, _ string) {
			// Without its OVS port only the kernel chain tells the port:
			// its tap's MAC, which libvirt sets to the instance's with
			// fe: for fa: (the lab's relay taps have random MACs).
			s.Root().Link(p.Devices.Tap.Name).MAC = "fe" + p.MAC[2:]
			b := s.OVS.Bridge("br-int")
			var keep []topo.Port
			for _, op := range b.Ports {
				if op.Name != p.OVSPort {
					keep = append(keep, op)
				}
			}
			b.Ports = keep
		}, trace.KindQVO, "is not a port of br-int"},
		{"tap missing", "aio", func(s *topo.Snapshot, _ topo.FloatingIP, p *topo.NPort, _ string) {
			root := s.Root()
			var keep []topo.Link
			for _, l := range root.Links {
				if l.Name != p.Devices.Tap.Name {
					keep = append(keep, l)
				}
			}
			root.Links = keep
		}, trace.KindTap, "is missing from the kernel"},
		{"device down", "aio", func(s *topo.Snapshot, _ topo.FloatingIP, p *topo.NPort, _ string) {
			l := s.Root().Link(p.Devices.QVB.Name)
			l.OperState, l.AdminUp = "down", false
		}, trace.KindQVB, "is down"},
		{"MTU smaller than at the start", "aio", func(s *topo.Snapshot, _ topo.FloatingIP, p *topo.NPort, _ string) {
			s.Root().Link(p.Devices.Tap.Name).MTU = 1400
		}, trace.KindTap, "MTU 1400"},
		{"no tunnel-id mapping in br-tun", "net", func(s *topo.Snapshot, f topo.FloatingIP, _ *topo.NPort, _ string) {
			healthy, _ := trace.Trace(s, f.FloatingIP, trace.Options{})
			seg := *s.Neutron.Network(healthy.NetworkID).SegmentationID
			b := s.OVS.Bridge("br-tun")
			var keep []topo.Flow
			for _, f := range b.Flows {
				if !(f.Table == 4 && strings.Contains(f.Match, fmt.Sprintf("tun_id=%#x", seg))) {
					keep = append(keep, f)
				}
			}
			b.Flows = keep
		}, trace.KindTunnelBridge, "has no tunnel-id mapping"},
		{"provider NIC missing from br-ex", "aio", func(s *topo.Snapshot, _ topo.FloatingIP, _ *topo.NPort, _ string) {
			b := s.OVS.Bridge("br-ex")
			var keep []topo.Port
			for _, op := range b.Ports {
				if op.Name != "eth4" {
					keep = append(keep, op)
				}
			}
			b.Ports = keep
		}, trace.KindProviderNIC, "no provider NIC"},
		{"ip_forward off", "aio", func(s *topo.Snapshot, _ topo.FloatingIP, _ *topo.NPort, _ string) {
			off := false
			s.Namespace(legacyRouter(t, s).Namespace).IPForward = &off
		}, trace.KindRouter, "ip_forward is 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := fixturetest.Load(t, tt.fixture)
			router := legacyRouter(t, s)
			f := router.FloatingIPs[0]
			inst := s.Neutron.Port(f.PortID)
			qr := ""
			for _, i := range router.Interfaces {
				if inst != nil && i.NetworkID == inst.NetworkID {
					qr = i.Device
				}
			}
			if ok, _ := trace.Trace(s, f.FloatingIP, trace.Options{}); !ok.Complete {
				t.Fatalf("the healthy path is not complete")
			}
			tt.breakIt(s, f, inst, qr)
			rederive(s)
			r, err := trace.Trace(s, f.FloatingIP, trace.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if r.Complete || r.BrokenAt == nil {
				t.Fatalf("path still complete: %s", kinds(r))
			}
			h := r.Hops[*r.BrokenAt]
			if h.Kind != tt.hop || !strings.Contains(h.Problem, tt.problem) {
				t.Errorf("broken at %s: %q; want %s: %q", h.Kind, h.Problem, tt.hop, tt.problem)
			}
			if h.Expected == "" || h.Found == "" || h.Next == "" {
				t.Errorf("broken hop lacks expected/found/next: %+v", h)
			}
		})
	}
}

func TestBadInput(t *testing.T) {
	s := fixturetest.Load(t, "aio")
	for _, in := range []string{"not-an-ip", "198.51.100.7", "00000000-0000-4000-a000-000000000000"} {
		if _, err := trace.Trace(s, in, trace.Options{}); err == nil {
			t.Errorf("Trace(%q) succeeded", in)
		} else if in != "not-an-ip" && !errors.Is(err, trace.ErrUnknown) {
			t.Errorf("Trace(%q) = %v, want ErrUnknown", in, err)
		}
	}
}

func BenchmarkTraceScale(b *testing.B) {
	s := fixturetest.Load(b, "scale")
	ip := fip(s).FloatingIP
	for b.Loop() {
		if _, err := trace.Trace(s, ip, trace.Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
