//go:build linux

package routefix

import (
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
// namespace (netnsx.Do puts it in the node's).
func arpProbe(dev string, gateway netip.Addr, timeout time.Duration) (net.HardwareAddr, error) {
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
	deadline := time.Now().Add(timeout)
	buf := make([]byte, 128)
	// Three requests, like arping -c 3, so one lost frame is not a verdict.
	for try := 0; try < 3 && time.Now().Before(deadline); try++ {
		if err := unix.Sendto(fd, req, 0, to); err != nil {
			return nil, fmt.Errorf("send ARP request on %s: %w", dev, err)
		}
		wait := min(time.Until(deadline), timeout/3)
		until := time.Now().Add(wait)
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
				return nil, fmt.Errorf("read ARP on %s: %w", dev, err)
			}
			if mac, ok := arpReplyFrom(buf[:n], gateway); ok {
				return mac, nil
			}
		}
	}
	return nil, fmt.Errorf("%s does not answer ARP on %s (3 requests in %s)", gateway, dev, timeout)
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
