//go:build linux

package collect

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"slices"

	"github.com/ostopo/ostopo/netinspect/topo"
	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netlink/nl"
	"golang.org/x/sys/unix"
)

// Addresses and routes are read here rather than with the library's
// AddrList and RouteListFiltered for the reason links are (listLinks): a
// node's own namespace has an IPv6 link-local address, and a fe80::/64
// route, on each of 3,000 devices. The routes are dropped (see derived)
// before anything is decoded, and the addresses are
// turned straight into facts. TestRouteAndAddrDumpsAgreeWithLibrary holds
// both to the library's reading.

// kernelAddr is one address and the ifindex of its device.
type kernelAddr struct {
	index int
	addr  topo.Addr // Label is the kernel's (the device name unless an alias)
}

// kernelRoute is one route with the ifindex of its device still to name.
type kernelRoute struct {
	topo.Route
	oif int
}

// listAddrs dumps the IPv4 and IPv6 addresses of the socket's namespace.
func listAddrs(sock *dumpSocket) ([]kernelAddr, error) {
	var out []kernelAddr
	err := dump(sock, unix.RTM_GETADDR, unix.RTM_NEWADDR, func(m []byte) error {
		a, ok, err := parseAddr(m)
		if ok {
			out = append(out, a)
		}
		return err
	}, nl.NewIfAddrmsg(netlink.FAMILY_ALL))
	return out, err
}

// parseAddr reads one RTM_NEWADDR message. As the library (and libnl)
// do: IPv4 sends IFA_LOCAL and IFA_ADDRESS, the latter being the peer
// when they differ; IPv6 sends IFA_ADDRESS alone, except for a
// point-to-point address.
func parseAddr(m []byte) (kernelAddr, bool, error) {
	if len(m) < unix.SizeofIfAddrmsg {
		return kernelAddr{}, false, fmt.Errorf("decode address: message of %d bytes", len(m))
	}
	hdr := nl.DeserializeIfAddrmsg(m)
	var local, address []byte
	var label string
	err := eachAttr(m[unix.SizeofIfAddrmsg:], func(typ uint16, v []byte) {
		switch typ {
		case unix.IFA_ADDRESS:
			address = v
		case unix.IFA_LOCAL:
			local = v
		case unix.IFA_LABEL:
			label = cString(v)
		}
	})
	if err != nil {
		return kernelAddr{}, false, fmt.Errorf("decode address on %d: %w", hdr.Index, err)
	}
	var ipnet net.IPNet
	switch {
	case local != nil && !(hdr.Family == unix.AF_INET && address != nil && net.IP(local).Equal(address)):
		ipnet = net.IPNet{IP: local, Mask: net.CIDRMask(8*len(local), 8*len(local))}
	case address != nil:
		ipnet = net.IPNet{IP: address, Mask: net.CIDRMask(int(hdr.Prefixlen), 8*len(address))}
	default:
		return kernelAddr{}, false, nil
	}
	return kernelAddr{
		index: int(hdr.Index),
		addr:  topo.Addr{Prefix: ipnet.String(), Scope: scopeName(int(hdr.Scope)), Label: label},
	}, true, nil
}

// listRoutes reads the IPv4 routes of every table and the IPv6 routes of
// every table but local. The kernel alone writes the IPv6 local table (a
// local and a multicast route for each address and device: 8,000 entries
// on a 1000-instance node), so with strict checking the kernel is asked
// for the other tables only: main and those the IPv6 rules name. A kernel
// without strict checking (before 4.20) gets the full dump. It returns
// the routes kept and how many derived ones it left out.
func listRoutes(sock *dumpSocket, rules []topo.Rule) ([]kernelRoute, int, error) {
	type answer struct {
		routes  []kernelRoute
		omitted int
	}
	var all answer
	read := func(family, table int) error {
		msg := &nl.RtMsg{RtMsg: unix.RtMsg{Family: uint8(family)}}
		data := []nl.NetlinkRequestData{msg}
		if table >= 256 {
			data = append(data, nl.NewRtAttr(unix.RTA_TABLE, nl.Uint32Attr(uint32(table))))
		} else {
			msg.Table = uint8(table)
		}
		got, err := retry("list routes", func() (answer, error) {
			var a answer
			err := dump(sock, unix.RTM_GETROUTE, unix.RTM_NEWROUTE, func(m []byte) error {
				r, verdict, err := parseRoute(m, family, table)
				switch verdict {
				case routeKept:
					a.routes = append(a.routes, r)
				case routeDerived:
					a.omitted++
				}
				return err
			}, data...)
			return a, err
		})
		all.routes = append(all.routes, got.routes...)
		all.omitted += got.omitted
		return err
	}
	if err := unix.SetsockoptInt(sock.GetFd(), unix.SOL_NETLINK, unix.NETLINK_GET_STRICT_CHK, 1); err != nil {
		err := read(netlink.FAMILY_ALL, unix.RT_TABLE_UNSPEC)
		return all.routes, all.omitted, err
	}
	if err := read(netlink.FAMILY_V4, unix.RT_TABLE_UNSPEC); err != nil {
		return nil, 0, err
	}
	// IPv6 rules name main (and nothing else unless someone added policy
	// routing); the local table is the kernel's.
	tables := []int{unix.RT_TABLE_MAIN}
	for _, r := range rules {
		if r.Family == 6 && r.Table > 0 && r.Table != unix.RT_TABLE_LOCAL && !slices.Contains(tables, r.Table) {
			tables = append(tables, r.Table)
		}
	}
	for _, t := range tables {
		switch err := read(netlink.FAMILY_V6, t); {
		case errors.Is(err, unix.ENOENT):
			continue // strict checking answers ENOENT for a table with no routes
		case err != nil:
			return all.routes, all.omitted, err
		}
	}
	return all.routes, all.omitted, nil
}

// What parseRoute makes of a route message.
const (
	routeSkipped = iota // not asked for: another family or table, a cached clone
	routeDerived        // made by the kernel for an address (see derived)
	routeKept
)

// parseRoute reads one RTM_NEWROUTE message of a dump asked for family
// and table (0: all), skipping what the library's RouteListFiltered would
// not have returned. A derived route is not decoded further.
func parseRoute(m []byte, family, table int) (kernelRoute, int, error) {
	var r kernelRoute
	if len(m) < unix.SizeofRtMsg {
		return r, routeSkipped, fmt.Errorf("decode route: message of %d bytes", len(m))
	}
	hdr := nl.DeserializeRtMsg(m)
	if family != netlink.FAMILY_ALL && int(hdr.Family) != family || hdr.Flags&unix.RTM_F_CLONED != 0 {
		return r, routeSkipped, nil
	}
	var dst, gw, src, mpath []byte
	rt := int(hdr.Table)
	err := eachAttr(m[unix.SizeofRtMsg:], func(typ uint16, v []byte) {
		switch typ {
		case unix.RTA_TABLE:
			rt = int(u32(v))
		case unix.RTA_DST:
			dst = v
		case unix.RTA_GATEWAY:
			gw = v
		case unix.RTA_PREFSRC:
			src = v
		case unix.RTA_OIF:
			r.oif = int(u32(v))
		case unix.RTA_PRIORITY:
			r.Metric = int(u32(v))
		case unix.RTA_MULTIPATH:
			mpath = v
		}
	})
	switch {
	case err != nil:
		return r, routeSkipped, fmt.Errorf("decode route: %w", err)
	case table != unix.RT_TABLE_UNSPEC && rt != table:
		return r, routeSkipped, nil
	case derived(hdr, rt, dst):
		return r, routeDerived, nil
	}
	r.Table = rt
	r.Family = 4
	if hdr.Family == unix.AF_INET6 {
		r.Family = 6
	}
	r.Type = routeType(int(hdr.Type))
	r.Protocol = routeProtocol(int(hdr.Protocol))
	r.Scope = scopeName(int(hdr.Scope))
	r.Dst = "default"
	switch {
	case dst != nil && (hdr.Dst_len > 0 || !net.IP(dst).IsUnspecified()):
		r.Dst = (&net.IPNet{IP: dst, Mask: net.CIDRMask(int(hdr.Dst_len), 8*len(dst))}).String()
	case dst == nil && hdr.Dst_len > 0:
		zero := zeroIP(hdr.Family)
		r.Dst = (&net.IPNet{IP: zero, Mask: net.CIDRMask(int(hdr.Dst_len), 8*len(zero))}).String()
	}
	if gw != nil {
		r.Gateway = net.IP(gw).String()
	}
	if src != nil {
		r.Src = net.IP(src).String()
	}
	// A multipath route is shown by its first hop when that has a gateway.
	if len(mpath) >= unix.SizeofRtNexthop {
		size := int(binary.NativeEndian.Uint16(mpath[0:2]))
		if size >= unix.SizeofRtNexthop && size <= len(mpath) {
			var hopGW []byte
			_ = eachAttr(mpath[unix.SizeofRtNexthop:size], func(typ uint16, v []byte) {
				if typ == unix.RTA_GATEWAY {
					hopGW = v
				}
			})
			if hopGW != nil {
				r.Gateway = net.IP(hopGW).String()
				r.oif = int(int32(binary.NativeEndian.Uint32(mpath[4:8])))
			}
		}
	}
	return r, routeKept, nil
}

// derived reports whether the kernel made a route only because an address
// or IPv6 exists on a device: the local table's local, broadcast and
// multicast entries, and IPv6 fe80::/64 per device. Routes anyone added,
// and IPv4 connected routes, are kept.
func derived(hdr *nl.RtMsg, table int, dst []byte) bool {
	if hdr.Protocol != unix.RTPROT_KERNEL {
		return false
	}
	switch {
	case table == unix.RT_TABLE_LOCAL && (hdr.Type == unix.RTN_LOCAL || hdr.Type == unix.RTN_BROADCAST || hdr.Type == unix.RTN_MULTICAST):
		return true
	case hdr.Family == unix.AF_INET6 && hdr.Dst_len == 64 && len(dst) == net.IPv6len:
		return net.IP(dst).IsLinkLocalUnicast()
	}
	return false
}

func zeroIP(family uint8) net.IP {
	if family == unix.AF_INET6 {
		return net.IPv6zero
	}
	return net.IPv4zero.To4()
}
