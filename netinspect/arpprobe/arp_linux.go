//go:build linux

package arpprobe

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// Conn is an ARP socket bound to one device, made in the network
// namespace of the thread that opened it (netnsx.Do): it keeps asking
// there from any thread, so a caller enters the namespace only to open it.
type Conn struct {
	f       *os.File
	dev     string
	ifindex int
	mac     net.HardwareAddr
}

// Open binds an ARP socket to dev in the calling thread's namespace.
func Open(dev string) (*Conn, error) {
	ifi, err := net.InterfaceByName(dev)
	if err != nil {
		return nil, fmt.Errorf("device %s: %w", dev, err)
	}
	return openIface(ifi)
}

// OpenIndex is Open for a device whose index and MAC the caller has just
// read (the collector has), saving the device lookup: a netlink dump of
// the namespace's links.
func OpenIndex(dev string, index int, mac net.HardwareAddr) (*Conn, error) {
	return openIface(&net.Interface{Name: dev, Index: index, HardwareAddr: mac})
}

func openIface(ifi *net.Interface) (*Conn, error) {
	proto := htons(unix.ETH_P_ARP)
	f, err := NewSocket(unix.AF_PACKET, unix.SOCK_DGRAM, int(proto))
	if err != nil {
		return nil, fmt.Errorf("ARP socket on %s: %w", ifi.Name, err)
	}
	c := &Conn{f: f, dev: ifi.Name, ifindex: ifi.Index, mac: ifi.HardwareAddr}
	rc, err := f.SyscallConn()
	if err == nil {
		ctlErr := rc.Control(func(fd uintptr) {
			err = unix.Bind(int(fd), &unix.SockaddrLinklayer{Protocol: proto, Ifindex: ifi.Index})
		})
		err = errors.Join(ctlErr, err)
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("ARP socket on %s: %w", ifi.Name, err)
	}
	return c, nil
}

// Close closes the socket.
func (c *Conn) Close() error { return c.f.Close() }

// MAC is the device's hardware address.
func (c *Conn) MAC() net.HardwareAddr { return c.mac }

// broadcast is where requests go.
func (c *Conn) broadcast() *unix.SockaddrLinklayer {
	return &unix.SockaddrLinklayer{Protocol: htons(unix.ETH_P_ARP), Ifindex: c.ifindex, Halen: 6, Addr: [8]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}}
}

// Answer is what a duplicate-address probe heard.
type Answer struct {
	// From is the hardware address of the host that answered; nil when
	// none did.
	From   net.HardwareAddr
	Sent   int           // probes sent
	Waited time.Duration // until the answer, or the whole wait
}

// Duplicate sends one duplicate-address probe for ip (ProbePacket) and
// waits up to timeout for another host to answer that it holds ip. No
// answer is no error: Answer.From is nil. The node's own kernel does not
// answer its own probe on the wire, and frames the node sends itself are
// never taken for an answer, so whatever answers is another host,
// whatever its MAC (an HA router's two instances share one).
func (c *Conn) Duplicate(ctx context.Context, ip netip.Addr, timeout time.Duration) (Answer, error) {
	if !ip.Is4() {
		return Answer{}, fmt.Errorf("duplicate-address probe for %s: not an IPv4 address", ip)
	}
	start := time.Now()
	from, err := Ask(ctx, c.f, ProbePacket(ip), c.broadcast(), timeout, 1,
		Words{Asking: "duplicate-address probe", Request: "ARP probe", Reading: "ARP", Answer: "ARP probes"}, ip, c.dev,
		func(b []byte, sa unix.Sockaddr) (net.HardwareAddr, bool) {
			if ll, ok := sa.(*unix.SockaddrLinklayer); ok && ll.Pkttype == unix.PACKET_OUTGOING {
				return nil, false // the node's own frame (e.g. its answer to someone else's probe)
			}
			return ProbeAnswer(b, ip)
		})
	var none *NoAnswer
	switch {
	case errors.As(err, &none):
		return Answer{Sent: none.Sent, Waited: none.Waited}, nil
	case err != nil:
		return Answer{}, err
	}
	return Answer{From: from, Sent: 1, Waited: time.Since(start)}, nil
}

// Gateway asks "who has gateway?" on dev and waits for the answer, the way
// arping does, three times within timeout (or ctx's deadline, whichever
// comes first). It runs in the calling thread's namespace.
func Gateway(ctx context.Context, dev string, gateway netip.Addr, timeout time.Duration) (net.HardwareAddr, error) {
	ifi, err := net.InterfaceByName(dev)
	if err != nil {
		return nil, fmt.Errorf("device %s: %w", dev, err)
	}
	src, err := sourceFor(ifi, gateway)
	if err != nil {
		return nil, err
	}
	c, err := openIface(ifi)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	req := Packet(OpRequest, ifi.HardwareAddr, src, make(net.HardwareAddr, 6), gateway)
	return Ask(ctx, c.f, req, c.broadcast(), timeout, 3, ARPWords(), gateway, dev,
		func(b []byte, _ unix.Sockaddr) (net.HardwareAddr, bool) { return ReplyFrom(b, gateway) })
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

func htons(v uint16) uint16 { return v<<8 | v>>8 }
