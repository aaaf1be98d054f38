package ofdump

// The match: NXM TLVs (and the OXM ones OVS puts in an NXM match for
// fields with no NXM name) decoded into the fields Neutron's flows use,
// then written as lib/match.c match_format() writes them (OVS 3.1). A field
// not decoded here is an UnwrittenError: leaving it out would show a
// narrower flow as a wider one.

import (
	"encoding/binary"
	"fmt"
	"math/bits"
	"net/netip"
	"strconv"
	"strings"
)

type u128 = [16]byte

type match struct {
	inPort, inPortM                  uint32
	ethSrc, ethSrcM, ethDst, ethDstM [6]byte
	ethType                          uint16
	hasEthType                       bool
	tci, tciM                        uint16
	nwProto                          uint8
	hasNwProto                       bool
	nwSrc, nwSrcM, nwDst, nwDstM     uint32
	v6Src, v6SrcM, v6Dst, v6DstM     u128
	ndTarget, ndTargetM              u128
	v6Label, v6LabelM                uint32
	nwTos, nwTosM                    uint8 // DSCP (high 6 bits) and ECN (low 2) share nw_tos
	nwTTL, nwTTLM                    uint8
	nwFrag, nwFragM                  uint8
	tpSrc, tpSrcM, tpDst, tpDstM     uint16
	arpSha, arpShaM, arpTha, arpThaM [6]byte
	regs, regsM                      [16]uint32
	tunID, tunIDM                    uint64
	tunSrc, tunSrcM, tunDst, tunDstM uint32
	metadata, metadataM              uint64
	ctState, ctStateM                uint32
	ctZone, ctZoneM                  uint16
	ctMark, ctMarkM                  uint32
	ctLabel, ctLabelM                u128
	conjID                           uint32
	hasConjID                        bool
	recircID, recircIDM              uint32
	pktMark, pktMarkM                uint32
	dpHash, dpHashM                  uint32
	tcpFlags, tcpFlagsM              uint16
}

// beUint reads up to 8 big-endian bytes.
func beUint(b []byte) uint64 {
	var v uint64
	for _, c := range b {
		v = v<<8 | uint64(c)
	}
	return v
}

// decodeMatch parses a flow's NXM TLVs.
func decodeMatch(b []byte) (*match, error) {
	m := &match{}
	for len(b) > 0 {
		if len(b) < 4 {
			return nil, fmt.Errorf("match: %d bytes left, short of a field header", len(b))
		}
		h := binary.BigEndian.Uint32(b)
		class, field, hasMask, l := uint16(h>>16), uint8(h>>9)&0x7f, h&0x100 != 0, int(h&0xff)
		if len(b)-4 < l || l == 0 || hasMask && l%2 != 0 {
			return nil, fmt.Errorf("match: field %08x of length %d in %d bytes", h, l, len(b)-4)
		}
		p := b[4 : 4+l]
		b = b[4+l:]
		if class == 0xffff { // experimenter OXM: OVS writes none in an NXM match
			return nil, unwritten("match field", fmt.Sprintf("experimenter %08x", h))
		}
		val, msk := p, []byte(nil)
		if hasMask {
			val, msk = p[:l/2], p[l/2:]
		} else {
			msk = make([]byte, l)
			for i := range msk {
				msk[i] = 0xff
			}
		}
		if !m.set(class, field, val, msk, beUint(val), beUint(msk)) {
			return nil, unwritten("match field", fmt.Sprintf("%04x:%d (%d bytes)", class, field, l))
		}
	}
	return m, nil
}

// set stores one field. The widths are checked: a field of an unexpected
// width is one this package does not know.
func (m *match) set(class uint16, field uint8, val, msk []byte, v, mk uint64) bool {
	n := len(val)
	ok := func(width int) bool { return n == width }
	switch class {
	case 0x0000: // NXM_OF_*
		switch field {
		case 0:
			m.inPort, m.inPortM = uint32(v), uint32(mk)
			return ok(2)
		case 1:
			copy(m.ethDst[:], val)
			copy(m.ethDstM[:], msk)
			return ok(6)
		case 2:
			copy(m.ethSrc[:], val)
			copy(m.ethSrcM[:], msk)
			return ok(6)
		case 3:
			m.ethType, m.hasEthType = uint16(v), true
			return ok(2) && mk == 0xffff
		case 4:
			m.tci, m.tciM = uint16(v), uint16(mk)
			return ok(2)
		case 5:
			m.nwTos |= uint8(v) & 0xfc
			m.nwTosM |= 0xfc
			return ok(1)
		case 6:
			m.nwProto, m.hasNwProto = uint8(v), true
			return ok(1) && mk == 0xff
		case 7, 16: // IPv4 source; ARP sender address (OVS keeps both in nw_src)
			m.nwSrc, m.nwSrcM = uint32(v), uint32(mk)
			return ok(4)
		case 8, 17: // IPv4 destination; ARP target address
			m.nwDst, m.nwDstM = uint32(v), uint32(mk)
			return ok(4)
		case 9, 11: // TCP, UDP source port
			m.tpSrc, m.tpSrcM = uint16(v), uint16(mk)
			return ok(2)
		case 10, 12: // TCP, UDP destination port
			m.tpDst, m.tpDstM = uint16(v), uint16(mk)
			return ok(2)
		case 13: // ICMP type, never masked: OVS keeps it in tp_src whole
			m.tpSrc, m.tpSrcM = uint16(v), 0xffff
			return ok(1)
		case 14: // ICMP code, in tp_dst
			m.tpDst, m.tpDstM = uint16(v), 0xffff
			return ok(1)
		case 15: // ARP opcode
			m.nwProto, m.hasNwProto = uint8(v), true
			return ok(2)
		}
	case 0x0001: // NXM_NX_*
		switch {
		case field <= 15:
			m.regs[field], m.regsM[field] = uint32(v), uint32(mk)
			return ok(4)
		case field == 16:
			m.tunID, m.tunIDM = v, mk
			return ok(8)
		case field == 17:
			copy(m.arpSha[:], val)
			copy(m.arpShaM[:], msk)
			return ok(6)
		case field == 18:
			copy(m.arpTha[:], val)
			copy(m.arpThaM[:], msk)
			return ok(6)
		case field == 19:
			copy(m.v6Src[:], val)
			copy(m.v6SrcM[:], msk)
			return ok(16)
		case field == 20:
			copy(m.v6Dst[:], val)
			copy(m.v6DstM[:], msk)
			return ok(16)
		case field == 21: // ICMPv6 type
			m.tpSrc, m.tpSrcM = uint16(v), 0xffff
			return ok(1)
		case field == 22: // ICMPv6 code
			m.tpDst, m.tpDstM = uint16(v), 0xffff
			return ok(1)
		case field == 23:
			copy(m.ndTarget[:], val)
			copy(m.ndTargetM[:], msk)
			return ok(16)
		case field == 24: // ND source link-layer address
			copy(m.arpSha[:], val)
			copy(m.arpShaM[:], msk)
			return ok(6)
		case field == 25: // ND target link-layer address
			copy(m.arpTha[:], val)
			copy(m.arpThaM[:], msk)
			return ok(6)
		case field == 26:
			m.nwFrag, m.nwFragM = uint8(v), uint8(mk)
			return ok(1)
		case field == 27:
			m.v6Label, m.v6LabelM = uint32(v), uint32(mk)
			return ok(4)
		case field == 28:
			m.nwTos |= uint8(v) & 3
			m.nwTosM |= 3
			return ok(1)
		case field == 29:
			m.nwTTL, m.nwTTLM = uint8(v), 0xff
			return ok(1)
		case field == 31:
			m.tunSrc, m.tunSrcM = uint32(v), uint32(mk)
			return ok(4)
		case field == 32:
			m.tunDst, m.tunDstM = uint32(v), uint32(mk)
			return ok(4)
		case field == 33:
			m.pktMark, m.pktMarkM = uint32(v), uint32(mk)
			return ok(4)
		case field == 34:
			m.tcpFlags, m.tcpFlagsM = uint16(v), uint16(mk)
			return ok(2)
		case field == 35:
			m.dpHash, m.dpHashM = uint32(v), uint32(mk)
			return ok(4)
		case field == 36:
			m.recircID, m.recircIDM = uint32(v), uint32(mk)
			return ok(4)
		case field == 37:
			m.conjID, m.hasConjID = uint32(v), true
			return ok(4)
		case field == 105:
			m.ctState, m.ctStateM = uint32(v)&0xff, uint32(mk)&0xff
			return ok(4)
		case field == 106:
			m.ctZone, m.ctZoneM = uint16(v), uint16(mk)
			return ok(2)
		case field == 107:
			m.ctMark, m.ctMarkM = uint32(v), uint32(mk)
			return ok(4)
		case field == 108:
			copy(m.ctLabel[:], val)
			copy(m.ctLabelM[:], msk)
			return ok(16)
		}
	case 0x8000: // OXM_OF_*: metadata and SCTP ports have no NXM name
		switch field {
		case 2:
			m.metadata, m.metadataM = v, mk
			return ok(8)
		case 17:
			m.tpSrc, m.tpSrcM = uint16(v), uint16(mk)
			return ok(2)
		case 18:
			m.tpDst, m.tpDstM = uint16(v), uint16(mk)
			return ok(2)
		}
	}
	return false
}

// formatPort is ofputil_format_port without a port map: the reserved
// OpenFlow 1.0 ports by name, the rest by number.
func formatPort(p uint32) string {
	switch p {
	case 0xfff7:
		return "UNSET"
	case 0xfff8:
		return "IN_PORT"
	case 0xfff9:
		return "TABLE"
	case 0xfffa:
		return "NORMAL"
	case 0xfffb:
		return "FLOOD"
	case 0xfffc:
		return "ALL"
	case 0xfffd:
		return "CONTROLLER"
	case 0xfffe:
		return "LOCAL"
	case 0xffff:
		return "ANY"
	}
	return strconv.FormatUint(uint64(p), 10)
}

// hexC is C's "%#x": "0" for zero, "0x…" otherwise.
func hexC(v uint64) string {
	if v == 0 {
		return "0"
	}
	return "0x" + strconv.FormatUint(v, 16)
}

func allOnes(b []byte) bool {
	for _, c := range b {
		if c != 0xff {
			return false
		}
	}
	return true
}

func isZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// formatEth is ETH_ADDR_FMT. (A flow table's thousands of flows are
// written with strconv and appends rather than fmt: fmt was a third of
// the time of a 1000-instance br-int's dump.)
func formatEth(a []byte) string {
	const hex = "0123456789abcdef"
	var b [17]byte
	for i := range 6 {
		b[i*3], b[i*3+1] = hex[a[i]>>4], hex[a[i]&0xf]
		if i < 5 {
			b[i*3+2] = ':'
		}
	}
	return string(b[:])
}

// formatIP4 is IP_FMT.
func formatIP4(v uint32) string {
	b := make([]byte, 0, 15)
	for i := 3; i >= 0; i-- {
		b = strconv.AppendUint(b, uint64(v>>(8*i)&0xff), 10)
		if i > 0 {
			b = append(b, '.')
		}
	}
	return string(b)
}

// fields writes "name=value," pairs; the last comma is cut at the end.
type fields struct{ b strings.Builder }

func (f *fields) put(format string, a ...any) {
	fmt.Fprintf(&f.b, format, a...)
	f.b.WriteByte(',')
}

// word writes a bare word ("ip", "commit").
func (f *fields) word(w string) {
	f.b.WriteString(w)
	f.b.WriteByte(',')
}

// kv writes name=value.
func (f *fields) kv(name, value string) {
	f.b.WriteString(name)
	f.b.WriteByte('=')
	f.b.WriteString(value)
	f.b.WriteByte(',')
}

func itoa[T ~uint8 | ~uint16 | ~uint32](v T) string { return strconv.FormatUint(uint64(v), 10) }

func (f *fields) u32(name string, v, m uint32) { // format_uint32_masked
	if m == 0 {
		return
	}
	if m != 0xffffffff {
		f.kv(name, hexC(uint64(v))+"/"+hexC(uint64(m)))
	} else {
		f.kv(name, hexC(uint64(v)))
	}
}

func (f *fields) u64(name string, v, m uint64) { // format_be64_masked
	if m == 0 {
		return
	}
	if m != ^uint64(0) {
		f.kv(name, hexC(v)+"/"+hexC(m))
	} else {
		f.kv(name, hexC(v))
	}
}

func (f *fields) u16(name string, v, m uint16) { // format_be16_masked, format_uint16_masked
	if m == 0 {
		return
	}
	if m == 0xffff {
		f.kv(name, itoa(v))
	} else {
		f.put("%s=0x%x/0x%x", name, v, m)
	}
}

func (f *fields) eth(name string, v, m [6]byte) { // format_eth_masked
	if isZero(m[:]) {
		return
	}
	if allOnes(m[:]) {
		f.kv(name, formatEth(v[:]))
	} else {
		f.kv(name, formatEth(v[:])+"/"+formatEth(m[:]))
	}
}

func (f *fields) ip(name string, v, m uint32) { // format_ip_netmask
	if m == 0 {
		return
	}
	f.kv(name, formatIP4Masked(v, m))
}

// formatIP4Masked is ip_format_masked: a prefix length when the mask is
// one, else the mask.
func formatIP4Masked(v, m uint32) string {
	s := formatIP4(v)
	if m != 0xffffffff {
		if n := bits.LeadingZeros32(^m); m == ^uint32(0)<<(32-n) {
			s += "/" + strconv.Itoa(n)
		} else {
			s += "/" + formatIP4(m)
		}
	}
	return s
}

func prefixLen128(m u128) (int, bool) {
	n := 0
	for n < 128 && m[n/8]&(0x80>>(n%8)) != 0 {
		n++
	}
	for i := n; i < 128; i++ {
		if m[i/8]&(0x80>>(i%8)) != 0 {
			return 0, false
		}
	}
	return n, true
}

func (f *fields) ip6(name string, v, m u128) { // format_ipv6_netmask
	if isZero(m[:]) {
		return
	}
	s := formatIP6(v)
	if !allOnes(m[:]) {
		if n, ok := prefixLen128(m); ok {
			s += "/" + strconv.Itoa(n)
		} else {
			s += "/" + formatIP6(m)
		}
	}
	f.kv(name, s)
}

// formatIP6 is glibc's inet_ntop, which OVS's ipv6_format_addr calls: as
// RFC 5952 (netip) but for the IPv4-compatible form, 96 zero bits and a
// non-zero seventh group, written ::a.b.c.d (::10.0.0.1, not ::a00:1).
func formatIP6(a u128) string {
	if isZero(a[:12]) && (a[12] != 0 || a[13] != 0) {
		return "::" + formatIP4(binary.BigEndian.Uint32(a[12:]))
	}
	return netip.AddrFrom16(a).String()
}

// ctStateName and tcpFlagName are lib/flow.c's and lib/packets.c's names
// of one flag bit ("" when it has none).
func ctStateName(bit uint32) string {
	switch bit {
	case 1:
		return "new"
	case 2:
		return "est"
	case 4:
		return "rel"
	case 8:
		return "rpl"
	case 0x10:
		return "inv"
	case 0x20:
		return "trk"
	case 0x40:
		return "snat"
	case 0x80:
		return "dnat"
	}
	return ""
}

func tcpFlagName(bit uint32) string {
	switch bit {
	case 1:
		return "fin"
	case 2:
		return "syn"
	case 4:
		return "rst"
	case 8:
		return "psh"
	case 0x10:
		return "ack"
	case 0x20:
		return "urg"
	case 0x40:
		return "ece"
	case 0x80:
		return "cwr"
	case 0x100:
		return "ns"
	case 0x200:
		return "[200]"
	case 0x400:
		return "[400]"
	case 0x800:
		return "[800]"
	}
	return ""
}

// formatFlags is lib/flow.c format_flags with '|': lowest bit first, an
// unnamed bit in hex, no flags "0".
func formatFlags(name func(uint32) string, v uint32) string {
	if v == 0 {
		return "0"
	}
	var s strings.Builder
	for v != 0 {
		bit := v & -v
		if s.Len() > 0 {
			s.WriteByte('|')
		}
		if n := name(bit); n != "" {
			s.WriteString(n)
		} else {
			fmt.Fprintf(&s, "0x%x", bit)
		}
		v &^= bit
	}
	return s.String()
}

// formatFlagsMasked is format_flags_masked: every flag when the mask is
// whole, else +name/-name for each bit of the mask.
func formatFlagsMasked(name func(uint32) string, v, m, whole uint32) string {
	if m == whole {
		return formatFlags(name, v)
	}
	if m == 0 {
		return "0/0"
	}
	var s strings.Builder
	for m != 0 {
		bit := m & -m
		if v&bit != 0 {
			s.WriteByte('+')
		} else {
			s.WriteByte('-')
		}
		if n := name(bit); n != "" {
			s.WriteString(n)
		} else {
			s.WriteString("[Unknown]")
		}
		m &^= bit
	}
	return s.String()
}

// putHex is lib/dynamic-string.c ds_put_hex: 0x and the bytes from the
// first non-zero one, "0" for none.
func putHex(b []byte) string {
	var s strings.Builder
	for _, c := range b {
		if s.Len() == 0 {
			if c != 0 {
				fmt.Fprintf(&s, "0x%x", c)
			}
		} else {
			fmt.Fprintf(&s, "%02x", c)
		}
	}
	if s.Len() == 0 {
		return "0"
	}
	return s.String()
}

// format writes the match the way match_format does, without the
// priority (a topo.Flow holds it apart).
func (m *match) format() string {
	f := &fields{}
	f.u32("pkt_mark", m.pktMark, m.pktMarkM)
	f.u32("recirc_id", m.recircID, m.recircIDM)
	f.u32("dp_hash", m.dpHash, m.dpHashM)
	if m.hasConjID {
		f.kv("conj_id", itoa(m.conjID))
	}
	if m.ctStateM != 0 {
		f.kv("ct_state", formatFlagsMasked(ctStateName, m.ctState, m.ctStateM, 0xff))
	}
	if m.ctZoneM != 0 {
		f.u16("ct_zone", m.ctZone, m.ctZoneM)
	}
	f.u32("ct_mark", m.ctMark, m.ctMarkM)
	if !isZero(m.ctLabelM[:]) {
		if allOnes(m.ctLabelM[:]) {
			f.put("ct_label=%s", putHex(m.ctLabel[:]))
		} else {
			f.put("ct_label=%s/%s", putHex(m.ctLabel[:]), putHex(m.ctLabelM[:]))
		}
	}
	skipType, skipProto := false, false
	dl := m.ethType
	if m.hasEthType {
		skipType = true
		switch dl {
		case 0x0800, 0x86dd:
			v6 := dl == 0x86dd
			name, sfx := "ip", ""
			if v6 {
				name, sfx = "ipv6", "6"
			}
			if m.hasNwProto {
				skipProto = true
				switch {
				case !v6 && m.nwProto == 1:
					name = "icmp"
				case v6 && m.nwProto == 58:
					name = "icmp6"
				case m.nwProto == 6:
					name = "tcp" + sfx
				case m.nwProto == 17:
					name = "udp" + sfx
				case m.nwProto == 132:
					name = "sctp" + sfx
				default:
					skipProto = false
				}
			}
			f.word(name)
		case 0x0806:
			f.word("arp")
		case 0x8035:
			f.word("rarp")
		case 0x8847:
			f.word("mpls")
		case 0x8848:
			f.word("mplsm")
		default:
			skipType = false
		}
	}
	for i := range 16 {
		if m.regsM[i] != 0 {
			f.u32("reg"+strconv.Itoa(i), m.regs[i], m.regsM[i])
		}
	}
	f.u64("tun_id", m.tunID, m.tunIDM)
	f.ip("tun_src", m.tunSrc, m.tunSrcM)
	f.ip("tun_dst", m.tunDst, m.tunDstM)
	f.u64("metadata", m.metadata, m.metadataM)
	if m.inPortM != 0 {
		f.kv("in_port", formatPort(m.inPort))
	}
	if m.tciM != 0 {
		vid, pcp, cfi := m.tciM&0x0fff, m.tciM&0xe000, m.tciM&0x1000
		switch {
		case cfi != 0 && m.tci&0x1000 != 0 && (vid == 0 || vid == 0x0fff) && (pcp == 0 || pcp == 0xe000) && (vid|pcp) != 0:
			if vid != 0 {
				f.kv("dl_vlan", itoa(m.tci&0x0fff))
			}
			if pcp != 0 {
				f.kv("dl_vlan_pcp", itoa(m.tci>>13))
			}
		case m.tciM == 0xffff:
			f.put("vlan_tci=0x%04x", m.tci)
		default:
			f.put("vlan_tci=0x%04x/0x%04x", m.tci, m.tciM)
		}
	}
	f.eth("dl_src", m.ethSrc, m.ethSrcM)
	f.eth("dl_dst", m.ethDst, m.ethDstM)
	if !skipType && m.hasEthType {
		f.put("dl_type=0x%04x", dl)
	}
	isARP := dl == 0x0806 || dl == 0x8035
	switch {
	case dl == 0x86dd:
		f.ip6("ipv6_src", m.v6Src, m.v6SrcM)
		f.ip6("ipv6_dst", m.v6Dst, m.v6DstM)
		if m.v6LabelM != 0 {
			if m.v6LabelM == 0xffffffff {
				f.put("ipv6_label=0x%05x", m.v6Label)
			} else {
				f.put("ipv6_label=0x%05x/0x%05x", m.v6Label, m.v6LabelM)
			}
		}
	case isARP:
		f.ip("arp_spa", m.nwSrc, m.nwSrcM)
		f.ip("arp_tpa", m.nwDst, m.nwDstM)
	default:
		f.ip("nw_src", m.nwSrc, m.nwSrcM)
		f.ip("nw_dst", m.nwDst, m.nwDstM)
	}
	if !skipProto && m.hasNwProto {
		if isARP {
			f.kv("arp_op", itoa(m.nwProto))
		} else {
			f.kv("nw_proto", itoa(m.nwProto))
		}
	}
	if isARP {
		f.eth("arp_sha", m.arpSha, m.arpShaM)
		f.eth("arp_tha", m.arpTha, m.arpThaM)
	}
	if m.nwTosM&0xfc != 0 {
		f.put("nw_tos=%d", m.nwTos&0xfc)
	}
	if m.nwTosM&3 != 0 {
		f.put("nw_ecn=%d", m.nwTos&3)
	}
	if m.nwTTLM != 0 {
		f.put("nw_ttl=%d", m.nwTTL)
	}
	switch m.nwFragM & 3 {
	case 3:
		s := "no"
		switch m.nwFrag & 3 {
		case 1:
			s = "first"
		case 3:
			s = "later"
		case 2:
			s = "<error>"
		}
		f.put("nw_frag=%s", s)
	case 1:
		f.put("nw_frag=%s", map[bool]string{true: "yes", false: "no"}[m.nwFrag&1 != 0])
	case 2:
		f.put("nw_frag=%s", map[bool]string{true: "later", false: "not_later"}[m.nwFrag&2 != 0])
	}
	switch {
	case dl == 0x0800 && m.nwProto == 1:
		f.u16("icmp_type", m.tpSrc, m.tpSrcM)
		f.u16("icmp_code", m.tpDst, m.tpDstM)
	case dl == 0x86dd && m.nwProto == 58:
		f.u16("icmp_type", m.tpSrc, m.tpSrcM)
		f.u16("icmp_code", m.tpDst, m.tpDstM)
		f.ip6("nd_target", m.ndTarget, m.ndTargetM)
		f.eth("nd_sll", m.arpSha, m.arpShaM)
		f.eth("nd_tll", m.arpTha, m.arpThaM)
	default:
		f.u16("tp_src", m.tpSrc, m.tpSrcM)
		f.u16("tp_dst", m.tpDst, m.tpDstM)
	}
	if (dl == 0x0800 || dl == 0x86dd) && m.nwProto == 6 && m.tcpFlagsM != 0 {
		f.put("tcp_flags=%s", formatFlagsMasked(tcpFlagName, uint32(m.tcpFlags), uint32(m.tcpFlagsM&0x0fff), 0x0fff))
	}
	return strings.TrimSuffix(f.b.String(), ",")
}
