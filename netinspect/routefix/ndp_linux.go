//go:build linux

package routefix

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"time"

	"github.com/ostopo/ostopo/netinspect/arpprobe"
	"golang.org/x/sys/unix"
)

// ICMPv6 neighbour discovery (RFC 4861).
const (
	ndpSolicit    = 135
	ndpAdvert     = 136
	ndpOptSrcLL   = 1
	ndpOptTgtLL   = 2
	ndpHopLimit   = 255 // a receiver drops NDP with any other hop limit
	ndpMessageLen = 24  // type, code, checksum, flags/reserved, target
)

// ndpProbe is arpprobe.Gateway for IPv6: it sends neighbour solicitations for
// gateway on dev to its solicited-node group, the way ndisc6 does, and
// waits for the advertisement. It runs in the calling thread's namespace.
func ndpProbe(ctx context.Context, dev string, gateway netip.Addr, timeout time.Duration) (net.HardwareAddr, error) {
	ifi, err := net.InterfaceByName(dev)
	if err != nil {
		return nil, fmt.Errorf("device %s: %w", dev, err)
	}
	f, err := arpprobe.NewSocket(unix.AF_INET6, unix.SOCK_RAW, unix.IPPROTO_ICMPV6)
	if err != nil {
		return nil, fmt.Errorf("ICMPv6 socket on %s: %w", dev, err)
	}
	defer f.Close()
	rc, err := f.SyscallConn()
	if err != nil {
		return nil, fmt.Errorf("ICMPv6 socket on %s: %w", dev, err)
	}
	var fd int
	if err := rc.Control(func(s uintptr) { fd = int(s) }); err != nil {
		return nil, fmt.Errorf("ICMPv6 socket on %s: %w", dev, err)
	}
	// Only advertisements, only from dev: the socket otherwise sees every
	// ICMPv6 message of the namespace.
	var filter unix.ICMPv6Filter
	for i := range filter.Data {
		filter.Data[i] = ^uint32(0)
	}
	filter.Data[ndpAdvert>>5] &^= 1 << (ndpAdvert & 31)
	for _, set := range []func() error{
		func() error { return unix.SetsockoptICMPv6Filter(fd, unix.SOL_ICMPV6, unix.ICMPV6_FILTER, &filter) },
		func() error { return unix.SetsockoptString(fd, unix.SOL_SOCKET, unix.SO_BINDTODEVICE, dev) },
		func() error { return unix.SetsockoptInt(fd, unix.IPPROTO_IPV6, unix.IPV6_MULTICAST_HOPS, ndpHopLimit) },
		func() error { return unix.SetsockoptInt(fd, unix.IPPROTO_IPV6, unix.IPV6_UNICAST_HOPS, ndpHopLimit) },
		func() error { return unix.SetsockoptInt(fd, unix.IPPROTO_IPV6, unix.IPV6_MULTICAST_IF, ifi.Index) },
	} {
		if err := set(); err != nil {
			return nil, fmt.Errorf("ICMPv6 socket on %s: %w", dev, err)
		}
	}
	req := ndpSolicitation(gateway, ifi.HardwareAddr)
	to := &unix.SockaddrInet6{Addr: solicitedNode(gateway).As16(), ZoneId: uint32(ifi.Index)}
	// The kernel fills in the checksum of a raw ICMPv6 socket.
	return arpprobe.Ask(ctx, f, req, to, timeout, 3, ndpWords(), gateway, dev,
		func(b []byte, _ unix.Sockaddr) (net.HardwareAddr, bool) { return ndpAdvertFrom(b, gateway) })
}

// solicitedNode is the multicast group ff02::1:ffXX:XXXX a node joins for
// each of its addresses.
func solicitedNode(a netip.Addr) netip.Addr {
	b := a.As16()
	return netip.AddrFrom16([16]byte{0xff, 0x02, 10: 0, 11: 1, 12: 0xff, 13: b[13], 14: b[14], 15: b[15]})
}

// ndpSolicitation is a neighbour solicitation for target with our MAC as
// source link-layer option (the answer can then come at once, without a
// solicitation back).
func ndpSolicitation(target netip.Addr, mac net.HardwareAddr) []byte {
	b := make([]byte, ndpMessageLen, ndpMessageLen+8)
	b[0] = ndpSolicit
	t := target.As16()
	copy(b[8:24], t[:])
	if len(mac) == 6 {
		b = append(b, ndpOptSrcLL, 1)
		b = append(b, mac...)
	}
	return b
}

// ndpAdvertFrom reports whether b (an ICMPv6 message, no IPv6 header) is a
// neighbour advertisement for target, and its MAC if it gives one.
func ndpAdvertFrom(b []byte, target netip.Addr) (net.HardwareAddr, bool) {
	if len(b) < ndpMessageLen || b[0] != ndpAdvert || b[1] != 0 {
		return nil, false
	}
	if netip.AddrFrom16([16]byte(b[8:24])) != target {
		return nil, false
	}
	for opts := b[ndpMessageLen:]; len(opts) >= 8; {
		n := int(opts[1]) * 8
		if n == 0 || n > len(opts) {
			break
		}
		if opts[0] == ndpOptTgtLL && n >= 8 {
			return net.HardwareAddr(append([]byte(nil), opts[2:8]...)), true
		}
		opts = opts[n:]
	}
	return nil, true
}

// ndpWords name a neighbour solicitation in Ask's errors: "fe80::1 does not
// answer neighbour solicitations on eth1 (3 in 3s)".
func ndpWords() arpprobe.Words {
	return arpprobe.Words{Asking: "neighbour solicitation", Request: "neighbour solicitation", Reading: "ICMPv6", Answer: "neighbour solicitations"}
}
