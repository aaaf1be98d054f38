package trace_test

import (
	"strings"
	"testing"

	"github.com/ostopo/ostopo/fixtures/fixturetest"
	"github.com/ostopo/ostopo/netinspect/trace"
)

// The recorded lab cloud (fixtures/snapshots): vm1 10.1.0.11 on compute1
// (10.30.0.21, hybrid firewall), network private VNI 1853 on local VLAN 1
// there, routed by r-legacy on netnode (10.30.0.11, qr- MAC
// fa:16:3e:f6:ab:41); compute1's tunnel to netnode is vxlan-0a1e000b.
const (
	crossVM     = "10.1.0.11"
	crossVNI    = 1853
	netnodeIP   = "10.30.0.11"
	compute1IP  = "10.30.0.21"
	legacyQRMAC = "fa:16:3e:f6:ab:41"
)

func crossTrace(t *testing.T, fixture, target string, o trace.Options) *trace.Result {
	t.Helper()
	r, err := trace.Trace(fixturetest.Load(t, fixture), target, o)
	if err != nil {
		t.Fatalf("%s on %s: %v", target, fixture, err)
	}
	return r
}

// From: the arrival is checked from the one tunnel to the sending node,
// with the VNI it sends.
func TestArrivalFromAPeer(t *testing.T) {
	r := crossTrace(t, "cmp", crossVM, trace.Options{From: &trace.Peer{Node: "netnode", RemoteIP: netnodeIP, TunnelID: crossVNI}})
	if !r.Complete || kinds(r) != "tunnel tunnel_bridge patch integration_bridge qvo qvb qbr tap" || r.Hops[0].Device != "vxlan-0a1e000b" ||
		len(r.ArrivesFrom) != 1 || r.ArrivesFrom[0] != netnodeIP {
		t.Fatalf("from netnode: %q %+v\n%s", kinds(r), r.ArrivesFrom, trace.Text(r, "compute1"))
	}
	// A node it has no tunnel to.
	r = crossTrace(t, "cmp", crossVM, trace.Options{From: &trace.Peer{Node: "ghost", RemoteIP: "10.30.0.99", TunnelID: crossVNI}})
	if r.BrokenAt == nil || *r.BrokenAt != 0 || !strings.Contains(r.Hops[0].Problem, "no tunnel port on br-tun to ghost (10.30.0.99)") ||
		!strings.Contains(r.Hops[0].Found, "vxlan-0a1e000b → 10.30.0.11") {
		t.Errorf("from a node without a tunnel:\n%s", trace.Text(r, "compute1"))
	}
	// Another VNI than the one table 4 maps: dropped at br-tun.
	r = crossTrace(t, "cmp", crossVM, trace.Options{From: &trace.Peer{Node: "netnode", RemoteIP: netnodeIP, TunnelID: crossVNI + 1}})
	if r.BrokenAt == nil || r.Hops[*r.BrokenAt].Kind != trace.KindTunnelBridge || !strings.Contains(r.Hops[*r.BrokenAt].Problem, "tunnel id 1854") {
		t.Errorf("another VNI:\n%s", trace.Text(r, "compute1"))
	}
	// Not the instance's node: From does not apply, the trace is the
	// node's own.
	want := trace.Text(crossTrace(t, "net", "203.0.113.143", trace.Options{}), "netnode")
	if got := trace.Text(crossTrace(t, "net", "203.0.113.143", trace.Options{From: &trace.Peer{RemoteIP: compute1IP}}), "netnode"); got != want {
		t.Errorf("From changed the router node's inbound trace:\n%s\nwant:\n%s", got, want)
	}
}

// To: outbound, the instance's frame to the router's MAC leaves through
// br-int, the patch pair and br-tun by the tunnel to the router's node.
func TestDepartureToAPeer(t *testing.T) {
	r := crossTrace(t, "cmp", crossVM, trace.Options{Reverse: true, To: &trace.Peer{Node: "netnode", RemoteIP: netnodeIP, MAC: legacyQRMAC}})
	if !r.Complete || kinds(r) != "tap qbr qvb qvo integration_bridge patch tunnel_bridge tunnel" || len(r.ContinuesAt) != 1 || r.ContinuesAt[0] != netnodeIP {
		t.Fatalf("to netnode: %q\n%s", kinds(r), trace.Text(r, "compute1"))
	}
	tb, tun := r.Hops[6], r.Hops[7]
	if !strings.Contains(evidence(&tb), "table=20, priority=2,dl_vlan=1,dl_dst="+legacyQRMAC) || tb.VLAN != 1 || tun.Device != "vxlan-0a1e000b" || tun.TunnelID != crossVNI ||
		tb.Packet == nil || tb.Packet.DstMAC != legacyQRMAC {
		t.Errorf("br-tun %+v / tunnel %+v", tb, tun)
	}
	if ib := r.Hops[4]; !strings.Contains(evidence(&ib), "table=25, priority=2,in_port=4,dl_src=") {
		t.Errorf("br-int does not pass the anti-spoofing table with the instance's MAC:\n%s", evidence(&ib))
	}
	// The router's MAC unknown: the ARP for the gateway, flooded to
	// every tunnel of the network, the router's node's among them.
	r = crossTrace(t, "cmp", crossVM, trace.Options{Reverse: true, To: &trace.Peer{Node: "netnode", RemoteIP: netnodeIP}})
	if !r.Complete || !strings.Contains(evidence(&r.Hops[6]), "table=22") {
		t.Errorf("broadcast:\n%s", trace.Text(r, "compute1"))
	}
	// A node it has no tunnel to.
	r = crossTrace(t, "cmp", crossVM, trace.Options{Reverse: true, To: &trace.Peer{Node: "ghost", RemoteIP: "10.30.0.99", MAC: legacyQRMAC}})
	if r.BrokenAt == nil || r.Hops[*r.BrokenAt].Kind != trace.KindTunnel || !strings.Contains(r.Hops[*r.BrokenAt].Problem, "no tunnel port on br-tun to ghost") {
		t.Errorf("to a node without a tunnel:\n%s", trace.Text(r, "compute1"))
	}
	// Without To the outbound path is the chain alone, as before.
	if r := crossTrace(t, "cmp", crossVM, trace.Options{Reverse: true}); kinds(r) != "tap qbr qvb qvo" {
		t.Errorf("without To: %q", kinds(r))
	}
}

// From, outbound on the router's node: the packet arrives from the
// instance's node's tunnel and reaches the router's qr- port; the hops
// that leave towards the instance's node are not part of it.
func TestArrivalBackFromAPeer(t *testing.T) {
	r := crossTrace(t, "net", "203.0.113.143", trace.Options{Reverse: true, From: &trace.Peer{Node: "compute1", RemoteIP: compute1IP, TunnelID: crossVNI, DstIP: "203.0.113.1"}})
	want := "tunnel tunnel_bridge patch integration_bridge router_interface router router_gateway integration_bridge patch physical_bridge provider_nic"
	if !r.Complete || kinds(r) != want || r.Hops[0].Device != "vxlan-0a1e0015" || len(r.ArrivesFrom) != 1 || r.ArrivesFrom[0] != compute1IP {
		t.Fatalf("%q\n%s", kinds(r), trace.Text(r, "netnode"))
	}
	if tb := r.Hops[1]; tb.Packet == nil || tb.Packet.DstMAC != legacyQRMAC || tb.Packet.TunID != crossVNI || !strings.Contains(evidence(&tb), "table=4, priority=1,tun_id=0x73d actions=mod_vlan_vid:1") {
		t.Errorf("br-tun hop %+v", tb)
	}
}
