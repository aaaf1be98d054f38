//go:build linux

package collect

import (
	"encoding/binary"
	"encoding/json"
	"net"
	"testing"

	"github.com/ostopo/ostopo/netinspect/topo"
	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netlink/nl"
	"golang.org/x/sys/unix"
)

// nlMessage is a route netlink message body: a fixed header, then
// attributes, as the kernel sends them in a dump.
func nlMessage(hdr []byte, attrs ...*nl.RtAttr) []byte {
	m := append([]byte{}, hdr...)
	for _, a := range attrs {
		m = append(m, a.Serialize()...)
	}
	return m
}

// ndmsg is struct ndmsg: family, 3 bytes of padding, ifindex, state,
// flags, type.
func ndmsg(family uint8, index int32, state uint16) []byte {
	b := make([]byte, 12)
	b[0] = family
	binary.NativeEndian.PutUint32(b[4:8], uint32(index))
	binary.NativeEndian.PutUint16(b[8:10], state)
	return b
}

// FuzzNetlinkMessage feeds one route netlink message body to each of the
// dump parsers (links, addresses, routes, neighbours, rules): they read
// the kernel's binary answers without the library, slicing by the lengths
// the messages state. One target for the five because they share the
// attribute walk (eachAttr) and the header reads, and every message is
// food for all of them. A parser that fails returns nothing else, one
// that keeps a message returns what the message holds, and what it
// returns is in proportion to the message.
func FuzzNetlinkMessage(f *testing.F) {
	link := nl.NewIfInfomsg(unix.AF_UNSPEC)
	link.Index, link.Flags = 7, unix.IFF_UP|unix.IFF_LOWER_UP
	info := nl.NewRtAttr(unix.IFLA_LINKINFO, nil)
	info.AddRtAttr(unix.IFLA_INFO_KIND, nl.ZeroTerminated("veth"))
	f.Add(nlMessage(link.Serialize(),
		nl.NewRtAttr(unix.IFLA_IFNAME, nl.ZeroTerminated("qvo5c6e1f0b-2a")),
		nl.NewRtAttr(unix.IFLA_MTU, nl.Uint32Attr(1450)),
		nl.NewRtAttr(unix.IFLA_ADDRESS, []byte{0xfa, 0x16, 0x3e, 0x1a, 0x2b, 0x3c}),
		nl.NewRtAttr(unix.IFLA_OPERSTATE, []byte{6}),
		nl.NewRtAttr(unix.IFLA_MASTER, nl.Uint32Attr(3)),
		nl.NewRtAttr(unix.IFLA_LINK, nl.Uint32Attr(8)),
		nl.NewRtAttr(unix.IFLA_LINK_NETNSID, nl.Uint32Attr(0xffffffff)),
		info))
	for _, kind := range []struct {
		name string
		data *nl.RtAttr
	}{
		{"vlan", nl.NewRtAttr(unix.IFLA_VLAN_ID, nl.Uint16Attr(101))},
		{"vxlan", nl.NewRtAttr(unix.IFLA_VXLAN_ID, nl.Uint32Attr(1001))},
		{"tun", nl.NewRtAttr(unix.IFLA_TUN_TYPE, []byte{unix.IFF_TUN})},
	} {
		info := nl.NewRtAttr(unix.IFLA_LINKINFO, nil)
		info.AddRtAttr(unix.IFLA_INFO_KIND, nl.ZeroTerminated(kind.name))
		data := info.AddRtAttr(unix.IFLA_INFO_DATA, nil)
		data.AddChild(kind.data)
		f.Add(nlMessage(link.Serialize(), nl.NewRtAttr(unix.IFLA_IFNAME, nl.ZeroTerminated(kind.name+"0")), info))
	}

	addr := nl.NewIfAddrmsg(unix.AF_INET)
	addr.Prefixlen, addr.Index = 24, 7
	f.Add(nlMessage(addr.Serialize(),
		nl.NewRtAttr(unix.IFA_ADDRESS, net.IPv4(10, 0, 0, 1).To4()),
		nl.NewRtAttr(unix.IFA_LOCAL, net.IPv4(10, 0, 0, 1).To4()),
		nl.NewRtAttr(unix.IFA_LABEL, nl.ZeroTerminated("qr-1a2b3c4d-5e"))))
	addr6 := nl.NewIfAddrmsg(unix.AF_INET6)
	addr6.Prefixlen, addr6.Index, addr6.Scope = 64, 7, unix.RT_SCOPE_LINK
	f.Add(nlMessage(addr6.Serialize(), nl.NewRtAttr(unix.IFA_ADDRESS, net.ParseIP("fe80::f816:3eff:fe1a:2b3c"))))

	route := &nl.RtMsg{RtMsg: unix.RtMsg{Family: unix.AF_INET, Dst_len: 24, Table: unix.RT_TABLE_MAIN,
		Protocol: unix.RTPROT_BOOT, Scope: unix.RT_SCOPE_UNIVERSE, Type: unix.RTN_UNICAST}}
	hop := make([]byte, unix.SizeofRtNexthop)
	hop = append(hop, nl.NewRtAttr(unix.RTA_GATEWAY, net.IPv4(192, 0, 2, 1).To4()).Serialize()...)
	binary.NativeEndian.PutUint16(hop[0:2], uint16(len(hop)))
	binary.NativeEndian.PutUint32(hop[4:8], 3)
	f.Add(nlMessage(route.Serialize(),
		nl.NewRtAttr(unix.RTA_TABLE, nl.Uint32Attr(unix.RT_TABLE_MAIN)),
		nl.NewRtAttr(unix.RTA_DST, net.IPv4(10, 0, 0, 0).To4()),
		nl.NewRtAttr(unix.RTA_GATEWAY, net.IPv4(10, 0, 0, 1).To4()),
		nl.NewRtAttr(unix.RTA_PREFSRC, net.IPv4(10, 0, 0, 2).To4()),
		nl.NewRtAttr(unix.RTA_OIF, nl.Uint32Attr(7)),
		nl.NewRtAttr(unix.RTA_PRIORITY, nl.Uint32Attr(100)),
		nl.NewRtAttr(unix.RTA_MULTIPATH, hop)))
	route6 := &nl.RtMsg{RtMsg: unix.RtMsg{Family: unix.AF_INET6, Dst_len: 64, Table: unix.RT_TABLE_MAIN,
		Protocol: unix.RTPROT_KERNEL, Type: unix.RTN_UNICAST}}
	f.Add(nlMessage(route6.Serialize(), nl.NewRtAttr(unix.RTA_DST, net.ParseIP("fe80::"))))

	f.Add(nlMessage(ndmsg(unix.AF_INET, 7, netlink.NUD_REACHABLE),
		nl.NewRtAttr(unix.NDA_DST, net.IPv4(10, 0, 0, 5).To4()),
		nl.NewRtAttr(unix.NDA_LLADDR, []byte{0xfa, 0x16, 0x3e, 0, 0, 5})))
	f.Add(nlMessage(ndmsg(unix.AF_INET, 9, netlink.NUD_PERMANENT),
		nl.NewRtAttr(unix.NDA_DST, net.IPv4(10, 0, 0, 6).To4()),
		nl.NewRtAttr(unix.NDA_LLADDR, net.IPv4(192, 0, 2, 9).To4())))

	rule := &nl.RtMsg{RtMsg: unix.RtMsg{Family: unix.AF_INET, Src_len: 24, Dst_len: 32, Table: unix.RT_TABLE_MAIN}}
	f.Add(nlMessage(rule.Serialize(),
		nl.NewRtAttr(unix.FRA_TABLE, nl.Uint32Attr(1000)),
		nl.NewRtAttr(unix.FRA_PRIORITY, nl.Uint32Attr(32766)),
		nl.NewRtAttr(unix.FRA_SRC, net.IPv4(10, 0, 0, 0).To4()),
		nl.NewRtAttr(unix.FRA_DST, net.IPv4(10, 0, 0, 9).To4()),
		nl.NewRtAttr(unix.FRA_IIFNAME, nl.ZeroTerminated("qg-8e2a77d4-c1")),
		nl.NewRtAttr(unix.FRA_FWMARK, nl.Uint32Attr(0x4000)),
		nl.NewRtAttr(unix.FRA_FWMASK, nl.Uint32Attr(0xffff))))

	// Hostile: lengths that lie, attributes of every odd size, nesting in
	// nesting, and the smallest and largest prefix lengths.
	f.Add([]byte{})
	f.Add(make([]byte, 12))
	f.Add(nlMessage(link.Serialize(), &nl.RtAttr{RtAttr: unix.RtAttr{Len: 0xffff, Type: unix.IFLA_IFNAME}}))
	f.Add(append(link.Serialize(), 4, 0, unix.IFLA_IFNAME, 0, 3, 0))
	f.Add(nlMessage((&nl.RtMsg{RtMsg: unix.RtMsg{Family: unix.AF_INET6, Dst_len: 255, Src_len: 255}}).Serialize(),
		nl.NewRtAttr(unix.RTA_DST, []byte{1, 2, 3}), nl.NewRtAttr(unix.RTA_MULTIPATH, []byte{8, 0, 0, 0, 1, 0, 0, 0}),
		nl.NewRtAttr(unix.FRA_SRC, make([]byte, 255))))

	f.Fuzz(func(t *testing.T, m []byte) {
		// What a parser returns grows with the message at most as text
		// does: a byte as two hex digits and a colon, or a byte that is
		// not UTF-8 as \ufffd.
		bounded := func(what string, v any) {
			b, err := json.Marshal(v)
			if err != nil {
				t.Fatalf("%s: %v", what, err)
			}
			if len(b) > 8*len(m)+1024 {
				t.Errorf("%s: %d bytes of JSON from a message of %d", what, len(b), len(m))
			}
		}

		l, refs, err := parseLink(m)
		if err != nil {
			if l.Name != "" || l.Index != 0 || refs != (linkRefs{}) {
				t.Errorf("parseLink failed (%v) and returned %+v %+v", err, l, refs)
			}
		} else {
			if int32(l.Index) != int32(binary.NativeEndian.Uint32(m[4:8])) || l.Kind == "" || l.Addrs == nil {
				t.Errorf("parseLink = %+v", l)
			}
			bounded("parseLink", l)
		}

		a, ok, err := parseAddr(m)
		if err != nil && ok {
			t.Errorf("parseAddr kept an address and failed: %v", err)
		}
		if ok {
			if a.addr.Prefix == "" {
				t.Errorf("parseAddr = %+v", a)
			}
			bounded("parseAddr", a.addr)
		}

		for _, q := range []struct{ family, table int }{
			{netlink.FAMILY_ALL, unix.RT_TABLE_UNSPEC},
			{netlink.FAMILY_V4, unix.RT_TABLE_UNSPEC},
			{netlink.FAMILY_V6, unix.RT_TABLE_MAIN},
		} {
			r, verdict, err := parseRoute(m, q.family, q.table)
			switch {
			case err != nil && verdict != routeSkipped:
				t.Errorf("parseRoute(%d, %d) failed (%v) with verdict %d", q.family, q.table, err, verdict)
			case verdict == routeKept:
				if r.Dst == "" || r.Family != 4 && r.Family != 6 ||
					q.family == netlink.FAMILY_V6 && r.Family != 6 || q.family == netlink.FAMILY_V4 && r.Family != 4 ||
					q.table != unix.RT_TABLE_UNSPEC && r.Table != q.table {
					t.Errorf("parseRoute(%d, %d) kept %+v", q.family, q.table, r.Route)
				}
				bounded("parseRoute", r.Route)
			case verdict != routeSkipped && verdict != routeDerived:
				t.Errorf("parseRoute verdict %d", verdict)
			}
		}

		n, ok, err := parseNeighbour(m)
		if err != nil && ok {
			t.Errorf("parseNeighbour kept a neighbour and failed: %v", err)
		}
		if ok {
			if n.neigh.IP == "" || n.neigh.State == "" {
				t.Errorf("parseNeighbour = %+v", n)
			}
			bounded("parseNeighbour", n.neigh)
		}

		rule, err := parseRule(m)
		if err != nil {
			if rule != (topo.Rule{}) {
				t.Errorf("parseRule failed (%v) and returned %+v", err, rule)
			}
		} else {
			if rule.Family != 4 && rule.Family != 6 {
				t.Errorf("parseRule = %+v", rule)
			}
			bounded("parseRule", rule)
		}
	})
}
