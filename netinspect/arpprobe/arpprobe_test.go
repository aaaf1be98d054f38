package arpprobe

import (
	"net"
	"net/netip"
	"testing"
)

func TestARPPacket(t *testing.T) {
	gw := netip.MustParseAddr("10.20.0.1")
	me := netip.MustParseAddr("10.20.0.11")
	mac := net.HardwareAddr{2, 0, 0, 0, 0, 1}
	req := Packet(OpRequest, mac, me, make(net.HardwareAddr, 6), gw)
	if len(req) != 28 || req[7] != 1 || req[24] != 10 || req[27] != 1 {
		t.Fatalf("request % x", req)
	}
	if _, ok := ReplyFrom(req, gw); ok {
		t.Error("a request taken for a reply")
	}
	reply := Packet(OpReply, net.HardwareAddr{2, 0, 0, 0, 0, 9}, gw, mac, me)
	if got, ok := ReplyFrom(reply, gw); !ok || got.String() != "02:00:00:00:00:09" {
		t.Errorf("reply: %v %v", got, ok)
	}
	if _, ok := ReplyFrom(reply, me); ok {
		t.Error("a reply from another host accepted")
	}
	if _, ok := ReplyFrom(reply[:27], gw); ok {
		t.Error("a short packet accepted")
	}
}

// A duplicate-address probe comes from 0.0.0.0 with ProbeMAC; only the
// answer a host holding the address gives to such a probe (target
// 0.0.0.0) is taken: an ordinary reply from that address (to the node's
// own request, or the node's own reply to someone else) is not.
func TestProbeAnswer(t *testing.T) {
	ip := netip.MustParseAddr("203.0.113.177")
	probe := ProbePacket(ip)
	if op, sha, spa, tpa, ok := arp(probe); !ok || op != OpRequest || sha.String() != "02:6f:73:74:6f:70" || !spa.IsUnspecified() || tpa != ip {
		t.Fatalf("probe %d %v %v %v %v", op, sha, spa, tpa, ok)
	}
	if _, ok := ProbeAnswer(probe, ip); ok {
		t.Error("the probe taken for its answer")
	}
	qg := net.HardwareAddr{0xfa, 0x16, 0x3e, 0x91, 0x26, 0x0b}
	// What Linux's arp_process sends to a probe: a reply to 0.0.0.0 and
	// the prober's hardware address.
	answer := Packet(OpReply, qg, ip, ProbeMAC(), netip.IPv4Unspecified())
	if got, ok := ProbeAnswer(answer, ip); !ok || got.String() != qg.String() {
		t.Errorf("answer: %v %v", got, ok)
	}
	if _, ok := ProbeAnswer(answer, netip.MustParseAddr("203.0.113.1")); ok {
		t.Error("an answer for another address taken")
	}
	ordinary := Packet(OpReply, qg, ip, net.HardwareAddr{2, 0, 0, 0, 0, 1}, netip.MustParseAddr("203.0.113.1"))
	if _, ok := ProbeAnswer(ordinary, ip); ok {
		t.Error("an ordinary reply taken for an answer to the probe")
	}
	garp := Packet(OpRequest, qg, ip, make(net.HardwareAddr, 6), ip)
	if _, ok := ProbeAnswer(garp, ip); ok {
		t.Error("a gratuitous ARP taken for an answer")
	}
}
