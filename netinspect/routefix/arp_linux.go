//go:build linux

package routefix

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"time"

	"golang.org/x/sys/unix"
)

// arpProbe asks "who has gateway?" on dev and waits for the answer, the way
// arping does. The kernel's neighbour cache cannot tell: an entry stays
// STALE for minutes after its host died. It runs in the calling thread's
// namespace (netnsx.Do puts it in the node's). It gives up at the timeout
// or when ctx is done, whichever comes first.
func arpProbe(ctx context.Context, dev string, gateway netip.Addr, timeout time.Duration) (net.HardwareAddr, error) {
	ifi, err := net.InterfaceByName(dev)
	if err != nil {
		return nil, fmt.Errorf("device %s: %w", dev, err)
	}
	src, err := sourceFor(ifi, gateway)
	if err != nil {
		return nil, err
	}
	proto := htons(unix.ETH_P_ARP)
	fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, int(proto))
	if err != nil {
		return nil, fmt.Errorf("ARP socket on %s: %w", dev, err)
	}
	defer unix.Close(fd)
	if err := unix.Bind(fd, &unix.SockaddrLinklayer{Protocol: proto, Ifindex: ifi.Index}); err != nil {
		return nil, fmt.Errorf("ARP socket on %s: %w", dev, err)
	}
	req := arpPacket(1, ifi.HardwareAddr, src, make(net.HardwareAddr, 6), gateway)
	to := &unix.SockaddrLinklayer{Protocol: proto, Ifindex: ifi.Index, Halen: 6, Addr: [8]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}}
	return askThrice(ctx, fd, req, to, timeout, probeWords{"ARP", "ARP request", "ARP", "ARP", " requests"}, gateway, dev,
		func(b []byte) (net.HardwareAddr, bool) { return arpReplyFrom(b, gateway) })
}

// probeWords name a probe in its errors: "ARP for G on D", "send ARP
// request on D", "read ARP on D", "G does not answer ARP on D (3 requests
// in 1.5s)".
type probeWords struct{ asking, request, reading, answer, sent string }

// askThrice sends req to `to` on fd up to three times, like arping -c 3,
// so that one lost frame is not a verdict, sharing the time left evenly
// (also when the caller's deadline is the shorter), and returns the
// hardware address of the first answer that accept takes.
func askThrice(ctx context.Context, fd int, req []byte, to unix.Sockaddr, timeout time.Duration, w probeWords,
	gateway netip.Addr, dev string, accept func([]byte) (net.HardwareAddr, bool)) (net.HardwareAddr, error) {
	deadline := time.Now().Add(timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	buf := make([]byte, 1500)
	start, sent := time.Now(), 0
	for ; sent < 3 && time.Now().Before(deadline); sent++ {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("%s for %s on %s: %w", w.asking, gateway, dev, err)
		}
		if err := unix.Sendto(fd, req, 0, to); err != nil {
			return nil, fmt.Errorf("send %s on %s: %w", w.request, dev, err)
		}
		until := time.Now().Add(time.Until(deadline) / time.Duration(3-sent))
		for time.Now().Before(until) {
			tv := unix.NsecToTimeval(time.Until(until).Nanoseconds())
			if err := unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv); err != nil {
				return nil, err
			}
			n, _, err := unix.Recvfrom(fd, buf, 0)
			if errors.Is(err, unix.EAGAIN) || errors.Is(err, unix.EINTR) {
				break
			}
			if err != nil {
				return nil, fmt.Errorf("read %s on %s: %w", w.reading, dev, err)
			}
			if mac, ok := accept(buf[:n]); ok {
				return mac, nil
			}
		}
	}
	if err := ctx.Err(); err != nil && sent == 0 {
		return nil, fmt.Errorf("%s for %s on %s: %w", w.asking, gateway, dev, err)
	}
	return nil, fmt.Errorf("%s does not answer %s on %s (%d%s in %s)", gateway, w.answer, dev, sent, w.sent, time.Since(start).Round(100*time.Millisecond))
}

// sourceFor is dev's IPv4 address on the gateway's subnet (the sender
// address of the request), or any of its IPv4 addresses.
func sourceFor(ifi *net.Interface, gateway netip.Addr) (netip.Addr, error) {
	addrs, err := ifi.Addrs()
	if err != nil {
		return netip.Addr{}, fmt.Errorf("addresses of %s: %w", ifi.Name, err)
	}
	var any netip.Addr
	for _, a := range addrs {
		p, err := netip.ParsePrefix(a.String())
		if err != nil || !p.Addr().Is4() {
			continue
		}
		if p.Masked().Contains(gateway) {
			return p.Addr(), nil
		}
		any = p.Addr()
	}
	if !any.IsValid() {
		return any, fmt.Errorf("%s has no IPv4 address to ask from", ifi.Name)
	}
	return any, nil
}

// arpPacket builds an Ethernet/IPv4 ARP packet (RFC 826).
func arpPacket(op uint16, sha net.HardwareAddr, spa netip.Addr, tha net.HardwareAddr, tpa netip.Addr) []byte {
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

// arpReplyFrom reports whether b is an ARP reply from ip, and its MAC.
func arpReplyFrom(b []byte, ip netip.Addr) (net.HardwareAddr, bool) {
	if len(b) < 28 || binary.BigEndian.Uint16(b[6:]) != 2 || b[4] != 6 || b[5] != 4 {
		return nil, false
	}
	if netip.AddrFrom4([4]byte(b[14:18])) != ip {
		return nil, false
	}
	return net.HardwareAddr(append([]byte(nil), b[8:14]...)), true
}

func htons(v uint16) uint16 { return v<<8 | v>>8 }
