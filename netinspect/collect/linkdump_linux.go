//go:build linux

package collect

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"net"

	"github.com/ostopo/ostopo/netinspect/topo"
	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netlink/nl"
	"golang.org/x/sys/unix"
)

// rtextFilterSkipStats asks the kernel to leave per-device IPv6 and VF
// statistics out of a link dump (RTEXT_FILTER_SKIP_STATS, Linux 4.19+;
// older kernels ignore the bit). golang.org/x/sys does not name it.
const rtextFilterSkipStats = 1 << 3

// linkDump is a link dump as ostopo keeps it: the links, and beside each
// (refs[i] for links[i]) the indexes it refers to, still to be named (they
// may point at devices later in the dump). Two slices rather than one of
// both, so that the links become the namespace's without another copy of
// 4,000 of them.
type linkDump struct {
	links []topo.Link
	refs  []linkRefs
}

type linkRefs struct {
	master   int // IFLA_MASTER: the bridge or bond it is enslaved to
	parent   int // IFLA_LINK: a veth's peer, a VLAN's or macvlan's lower device
	peerNSID int // IFLA_LINK_NETNSID: the namespace of parent, -1 when it is this one
	veth     bool
}

// listLinks dumps the links of the socket's namespace. A device in a dump
// carries some forty attributes (counters, the IPv4 and IPv6 settings of
// its AF_SPEC, bridge and bridge-port settings) of which ostopo keeps ten;
// on a node with 4,000 devices that is 5 MB which netlink.LinkDeserialize
// would decode into a netlink.Link each: a tenth of ostopo's CPU. So
// the messages are read here, attribute by attribute, without copies; the
// library still sends the request and receives the dump. Kinds are the
// kernel's (IFLA_INFO_KIND) under the library's names: "tun" is "tuntap",
// a device without a kind is "device". TestListLinksAgreesWithLibrary holds
// this to the library's reading.
func listLinks(sock *dumpSocket) (linkDump, error) {
	var d linkDump
	err := dump(sock, unix.RTM_GETLINK, unix.RTM_NEWLINK, func(m []byte) error {
		l, refs, err := parseLink(m)
		if err == nil {
			d.links = append(d.links, l)
			d.refs = append(d.refs, refs)
		}
		return err
	}, nl.NewIfInfomsg(unix.AF_UNSPEC), nl.NewRtAttr(unix.IFLA_EXT_MASK, nl.Uint32Attr(rtextFilterSkipStats)))
	return d, err
}

// parseLink reads one RTM_NEWLINK message (ifinfomsg and attributes).
func parseLink(m []byte) (topo.Link, linkRefs, error) {
	if len(m) < unix.SizeofIfInfomsg {
		return topo.Link{}, linkRefs{}, fmt.Errorf("decode link: message of %d bytes", len(m))
	}
	hdr := nl.DeserializeIfInfomsg(m)
	l := topo.Link{
		Index:   int(hdr.Index),
		AdminUp: hdr.Flags&unix.IFF_UP != 0,
		Carrier: hdr.Flags&unix.IFF_LOWER_UP != 0,
		Addrs:   []topo.Addr{},
	}
	refs := linkRefs{peerNSID: -1}
	var oper uint8 // IF_OPER_UNKNOWN when the kernel does not say
	var kind string
	var data []byte
	err := eachAttr(m[unix.SizeofIfInfomsg:], func(typ uint16, v []byte) {
		switch typ {
		case unix.IFLA_IFNAME:
			l.Name = cString(v)
		case unix.IFLA_MTU:
			l.MTU = int(u32(v))
		case unix.IFLA_ADDRESS:
			if len(bytes.Trim(v, "\x00")) > 0 { // lo and tun devices report zeros
				l.MAC = net.HardwareAddr(v).String()
			}
		case unix.IFLA_OPERSTATE:
			if len(v) > 0 {
				oper = v[0]
			}
		case unix.IFLA_MASTER:
			refs.master = int(u32(v))
		case unix.IFLA_LINK:
			refs.parent = int(u32(v))
		case unix.IFLA_LINK_NETNSID:
			refs.peerNSID = int(int32(u32(v)))
		case unix.IFLA_LINKINFO:
			_ = eachAttr(v, func(typ uint16, v []byte) {
				switch typ {
				case unix.IFLA_INFO_KIND:
					kind = cString(v)
				case unix.IFLA_INFO_DATA:
					data = v
				}
			})
		}
	})
	if err != nil {
		return topo.Link{}, linkRefs{}, fmt.Errorf("decode link %d: %w", hdr.Index, err)
	}
	l.OperState = netlink.LinkOperState(oper).String()
	l.Kind = topo.LinkKind(kind, hdr.Flags&unix.IFF_LOOPBACK != 0)
	switch kind {
	case "veth":
		refs.veth = true
	case "tun":
		l.TunMode = "tap"
		_ = eachAttr(data, func(typ uint16, v []byte) {
			if typ == unix.IFLA_TUN_TYPE && len(v) > 0 && v[0] == unix.IFF_TUN {
				l.TunMode = "tun"
			}
		})
	case "vlan":
		_ = eachAttr(data, func(typ uint16, v []byte) {
			if typ == unix.IFLA_VLAN_ID && len(v) >= 2 {
				l.VLANID = int(binary.NativeEndian.Uint16(v))
			}
		})
	case "vxlan":
		_ = eachAttr(data, func(typ uint16, v []byte) {
			if typ == unix.IFLA_VXLAN_ID {
				l.VNI = int(u32(v))
			}
		})
	}
	return l, refs, nil
}

// eachAttr calls fn with the type (flags cleared) and value of each
// netlink attribute in b, without copying.
func eachAttr(b []byte, fn func(typ uint16, v []byte)) error {
	for len(b) >= unix.SizeofRtAttr {
		size := int(binary.NativeEndian.Uint16(b[0:2]))
		typ := binary.NativeEndian.Uint16(b[2:4]) &^ (unix.NLA_F_NESTED | unix.NLA_F_NET_BYTEORDER)
		if size < unix.SizeofRtAttr || size > len(b) {
			return fmt.Errorf("attribute %d of %d bytes in %d", typ, size, len(b))
		}
		fn(typ, b[unix.SizeofRtAttr:size])
		b = b[min((size+unix.NLA_ALIGNTO-1)&^(unix.NLA_ALIGNTO-1), len(b)):]
	}
	return nil
}

func u32(v []byte) uint32 {
	if len(v) < 4 {
		return 0
	}
	return binary.NativeEndian.Uint32(v)
}

// cString is a NUL-terminated attribute value as a string.
func cString(v []byte) string {
	if i := bytes.IndexByte(v, 0); i >= 0 {
		v = v[:i]
	}
	return string(v)
}
