// Package arpprobe asks the wire who holds an address, the one question a
// node's own tables cannot answer (a neighbour entry stays STALE for
// minutes after its host died, and no table says whether another host
// holds one of our addresses):
//   - Gateway: an ARP request for a gateway, the way arping does (is it
//     alive?), for the route repair;
//   - Conn.Duplicate: a duplicate-address probe (RFC 5227: sender address
//     0.0.0.0) for an address this node holds, for an HA router: an answer
//     means another node holds it too, so both keepalived instances are
//     primary.
//
// Ask, the send-and-wait loop both use, also serves the route repair's
// IPv6 neighbour solicitation. The packet code here is pure and builds
// anywhere; the sockets are Linux's (AF_PACKET).
package arpprobe

import (
	"encoding/binary"
	"net"
	"net/netip"
	"time"
)

// ARP operations (RFC 826).
const (
	OpRequest = 1
	OpReply   = 2
)

// Words name a probe in its errors: "ARP for G on D", "send ARP
// request on D", "read ARP on D", "G does not answer ARP on D (3 requests
// in 1.5s)".
type Words struct{ Asking, Request, Reading, Answer, Sent string }

// ARPWords are the words of an ARP probe.
func ARPWords() Words {
	return Words{Asking: "ARP", Request: "ARP request", Reading: "ARP", Answer: "ARP", Sent: " requests"}
}

// NoAnswer is Ask's error when nothing answered: how many requests went
// out and how long it waited.
type NoAnswer struct {
	Sent   int
	Waited time.Duration
	text   string
}

func (e *NoAnswer) Error() string { return e.text }

// ProbeMAC returns the sender hardware address our duplicate-address
// probes carry in the ARP payload (the frame's source stays the device's
// own MAC): 02:6f:73:74:6f:70, locally administered and "ostop". An
// answer is sent to the probe's sender hardware address, and the two
// keepalived instances of an HA router share one MAC (one Neutron port on
// both nodes): an answer sent to that MAC comes back, on any learning
// switch, from the port the switch has just learned it on, and is dropped
// as a hairpin. An address no switch has learned is flooded instead, and
// the answer reaches the prober whatever the MACs are. No frame ever
// carries this address as its source, so no switch learns it, and the
// answerer's ARP cache is not touched by a probe (sender 0.0.0.0).
func ProbeMAC() net.HardwareAddr { return net.HardwareAddr{0x02, 0x6f, 0x73, 0x74, 0x6f, 0x70} }

// Packet builds an Ethernet/IPv4 ARP packet (RFC 826).
func Packet(op uint16, sha net.HardwareAddr, spa netip.Addr, tha net.HardwareAddr, tpa netip.Addr) []byte {
	b := make([]byte, 28)
	binary.BigEndian.PutUint16(b[0:], 1)      // Ethernet
	binary.BigEndian.PutUint16(b[2:], 0x0800) // IPv4
	b[4], b[5] = 6, 4
	binary.BigEndian.PutUint16(b[6:], op)
	copy(b[8:14], sha)
	s4, t4 := spa.As4(), tpa.As4()
	copy(b[14:18], s4[:])
	copy(b[18:24], tha)
	copy(b[24:28], t4[:])
	return b
}

// ProbePacket is a duplicate-address probe for ip (RFC 5227 §2.1.1):
// a request from sender address 0.0.0.0, so that no host that hears it
// takes an address from it, with ProbeMAC as sender hardware address.
func ProbePacket(ip netip.Addr) []byte {
	return Packet(OpRequest, ProbeMAC(), netip.IPv4Unspecified(), make(net.HardwareAddr, 6), ip)
}

// arp is the fields of an Ethernet/IPv4 ARP packet, ok false when b is
// not one.
func arp(b []byte) (op uint16, sha net.HardwareAddr, spa, tpa netip.Addr, ok bool) {
	if len(b) < 28 || binary.BigEndian.Uint16(b[0:]) != 1 || binary.BigEndian.Uint16(b[2:]) != 0x0800 || b[4] != 6 || b[5] != 4 {
		return 0, nil, netip.Addr{}, netip.Addr{}, false
	}
	return binary.BigEndian.Uint16(b[6:]), net.HardwareAddr(append([]byte(nil), b[8:14]...)),
		netip.AddrFrom4([4]byte(b[14:18])), netip.AddrFrom4([4]byte(b[24:28])), true
}

// ReplyFrom reports whether b is an ARP reply from ip, and its MAC.
func ReplyFrom(b []byte, ip netip.Addr) (net.HardwareAddr, bool) {
	op, sha, spa, _, ok := arp(b)
	if !ok || op != OpReply || spa != ip {
		return nil, false
	}
	return sha, true
}

// ProbeAnswer reports whether b answers a duplicate-address probe for ip:
// a reply from ip to target address 0.0.0.0, which is what a host
// holding ip sends to a probe (Linux's arp_process, RFC 5227 §2.1.1),
// and the answerer's MAC. Its ordinary replies name the asker's address,
// so the node's own traffic is never taken for an answer.
func ProbeAnswer(b []byte, ip netip.Addr) (net.HardwareAddr, bool) {
	op, sha, spa, tpa, ok := arp(b)
	if !ok || op != OpReply || spa != ip || tpa != netip.IPv4Unspecified() {
		return nil, false
	}
	return sha, true
}
