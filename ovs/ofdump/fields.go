package ofdump

// Fields named in actions (load, move, learn, a ct zone): a 32-bit NXM or
// OXM header on the wire, written by mf_format_subfield as the field's NXM
// name (the OXM one where it has none) and the bits: "[]" for the whole
// field, "[N]" for one bit, "[A..B]" for a range.

import (
	"fmt"
	"strconv"
)

// field is one field's printed name and width in bits.
type field struct {
	name string
	bits int
}

// canonicalHeader maps an OXM header to the NXM header of the same field
// (ovs-ofctl prints one name per field, whichever header the switch
// sent), and clears the mask bit and length: what is left identifies the
// field.
func canonicalHeader(h uint32) uint32 {
	class, f := h>>16, h>>9&0x7f
	if class == 0x8000 {
		if nx, ok := oxmToNXM(f); ok {
			return nx << 9
		}
	}
	return h &^ 0x1ff
}

// oxmToNXM is the NXM (class<<7 | field) of an OpenFlow basic field that
// has one (meta-flow's field table).
func oxmToNXM(f uint32) (uint32, bool) {
	const nxmOF, nxmNX = 0 << 7, 1 << 7
	switch f {
	case 3: // ETH_DST
		return nxmOF | 1, true
	case 4: // ETH_SRC
		return nxmOF | 2, true
	case 5: // ETH_TYPE
		return nxmOF | 3, true
	case 10: // IP_PROTO
		return nxmOF | 6, true
	case 11: // IPV4_SRC
		return nxmOF | 7, true
	case 12: // IPV4_DST
		return nxmOF | 8, true
	case 13, 14, 15, 16: // TCP_SRC, TCP_DST, UDP_SRC, UDP_DST
		return nxmOF | (f - 4), true
	case 21: // ARP_OP
		return nxmOF | 15, true
	case 22: // ARP_SPA
		return nxmOF | 16, true
	case 23: // ARP_TPA
		return nxmOF | 17, true
	case 24: // ARP_SHA
		return nxmNX | 17, true
	case 25: // ARP_THA
		return nxmNX | 18, true
	case 26: // IPV6_SRC
		return nxmNX | 19, true
	case 27: // IPV6_DST
		return nxmNX | 20, true
	case 38: // TUNNEL_ID
		return nxmNX | 16, true
	}
	return 0, false
}

// lookupField names the field of a header (mask bit and length ignored).
func lookupField(h uint32) (field, bool) {
	c := canonicalHeader(h)
	class, f := c>>16, c>>9&0x7f
	switch class {
	case 0x0000:
		switch f {
		case 0:
			return field{"NXM_OF_IN_PORT", 16}, true
		case 1:
			return field{"NXM_OF_ETH_DST", 48}, true
		case 2:
			return field{"NXM_OF_ETH_SRC", 48}, true
		case 3:
			return field{"NXM_OF_ETH_TYPE", 16}, true
		case 4:
			return field{"NXM_OF_VLAN_TCI", 16}, true
		case 6:
			return field{"NXM_OF_IP_PROTO", 8}, true
		case 7:
			return field{"NXM_OF_IP_SRC", 32}, true
		case 8:
			return field{"NXM_OF_IP_DST", 32}, true
		case 9:
			return field{"NXM_OF_TCP_SRC", 16}, true
		case 10:
			return field{"NXM_OF_TCP_DST", 16}, true
		case 11:
			return field{"NXM_OF_UDP_SRC", 16}, true
		case 12:
			return field{"NXM_OF_UDP_DST", 16}, true
		case 13:
			return field{"NXM_OF_ICMP_TYPE", 8}, true
		case 14:
			return field{"NXM_OF_ICMP_CODE", 8}, true
		case 15:
			return field{"NXM_OF_ARP_OP", 16}, true
		case 16:
			return field{"NXM_OF_ARP_SPA", 32}, true
		case 17:
			return field{"NXM_OF_ARP_TPA", 32}, true
		}
	case 0x0001:
		switch {
		case f <= 15:
			return field{"NXM_NX_REG" + strconv.Itoa(int(f)), 32}, true
		case f == 16:
			return field{"NXM_NX_TUN_ID", 64}, true
		case f == 17:
			return field{"NXM_NX_ARP_SHA", 48}, true
		case f == 18:
			return field{"NXM_NX_ARP_THA", 48}, true
		case f == 19:
			return field{"NXM_NX_IPV6_SRC", 128}, true
		case f == 20:
			return field{"NXM_NX_IPV6_DST", 128}, true
		case f == 21:
			return field{"NXM_NX_ICMPV6_TYPE", 8}, true
		case f == 22:
			return field{"NXM_NX_ICMPV6_CODE", 8}, true
		case f == 23:
			return field{"NXM_NX_ND_TARGET", 128}, true
		case f == 24:
			return field{"NXM_NX_ND_SLL", 48}, true
		case f == 25:
			return field{"NXM_NX_ND_TLL", 48}, true
		case f == 29:
			return field{"NXM_NX_IP_TTL", 8}, true
		case f == 31:
			return field{"NXM_NX_TUN_IPV4_SRC", 32}, true
		case f == 32:
			return field{"NXM_NX_TUN_IPV4_DST", 32}, true
		case f == 33:
			return field{"NXM_NX_PKT_MARK", 32}, true
		case f == 35:
			return field{"NXM_NX_DP_HASH", 32}, true
		case f == 36:
			return field{"NXM_NX_RECIRC_ID", 32}, true
		case f == 37:
			return field{"NXM_NX_CONJ_ID", 32}, true
		case f == 105:
			return field{"NXM_NX_CT_STATE", 32}, true
		case f == 106:
			return field{"NXM_NX_CT_ZONE", 16}, true
		case f == 107:
			return field{"NXM_NX_CT_MARK", 32}, true
		case f == 108:
			return field{"NXM_NX_CT_LABEL", 128}, true
		}
	case 0x8000:
		switch f {
		case 0:
			return field{"OXM_OF_IN_PORT", 32}, true
		case 2:
			return field{"OXM_OF_METADATA", 64}, true
		}
	}
	return field{}, false
}

// subfield writes bits [ofs, ofs+n) of the field of header h.
func subfield(h uint32, ofs, n int) (string, error) {
	f, ok := lookupField(h)
	if !ok {
		return "", unwritten("field", fmt.Sprintf("%08x", h))
	}
	if n < 1 || ofs+n > f.bits {
		return "", fmt.Errorf("actions: bits %d..%d of %s, a %d-bit field", ofs, ofs+n-1, f.name, f.bits)
	}
	switch {
	case ofs == 0 && n == f.bits:
		return f.name + "[]", nil
	case n == 1:
		return f.name + "[" + strconv.Itoa(ofs) + "]", nil
	}
	return f.name + "[" + strconv.Itoa(ofs) + ".." + strconv.Itoa(ofs+n-1) + "]", nil
}
