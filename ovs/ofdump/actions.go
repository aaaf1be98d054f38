package ofdump

// The actions: OpenFlow 1.0 and Nicira extension actions, as the switch
// re-encodes them for an OpenFlow 1.0 dump, written as lib/ofp-actions.c's
// format_* functions write them (OVS 3.1). Only the actions Neutron's
// agents install (and a few plain ones beside them) are written; any other
// is an UnwrittenError, so the caller asks ovs-ofctl instead of guessing.

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// UnwrittenError says a flow holds something this package does not write
// in ovs-ofctl's syntax: the bridge's flows must come from ovs-ofctl.
type UnwrittenError struct {
	What string // "action", "match field", "field"
	Code string // the wire code, for the note that says why
}

func (e *UnwrittenError) Error() string {
	return fmt.Sprintf("%s %s is not written without ovs-ofctl", e.What, e.Code)
}

func unwritten(what, code string) error { return &UnwrittenError{What: what, Code: code} }

// IsUnwritten says whether err is (or wraps) an UnwrittenError.
func IsUnwritten(err error) bool {
	var u *UnwrittenError
	return errors.As(err, &u)
}

// OpenFlow 1.0 action types (include/openflow/openflow-1.0.h).
const (
	of10Output     = 0
	of10SetVLANVID = 1
	of10SetVLANPCP = 2
	of10StripVLAN  = 3
	of10SetDLSrc   = 4
	of10SetDLDst   = 5
	of10SetNWSrc   = 6
	of10SetNWDst   = 7
	of10SetNWTos   = 8
	of10SetTPSrc   = 9
	of10SetTPDst   = 10
	of10Enqueue    = 11
	ofpatVendor    = 0xffff
)

// Nicira action subtypes (lib/ofp-actions.c's raw action table).
const (
	nxastResubmit        = 1
	nxastSetTunnel       = 2
	nxastSetQueue        = 4
	nxastPopQueue        = 5
	nxastRegMove         = 6
	nxastRegLoad         = 7
	nxastNote            = 8
	nxastSetTunnel64     = 9
	nxastResubmitTable   = 14
	nxastLearn           = 16
	nxastExit            = 17
	nxastDecTTL          = 18
	nxastConjunction     = 34
	nxastCT              = 35
	nxastNAT             = 36
	nxastCTClear         = 43
	nxastResubmitTableCT = 44
)

// formatActions writes a flow's actions; none is "drop".
func formatActions(b []byte) (string, error) {
	var s strings.Builder
	if err := writeActions(&s, b); err != nil {
		return "", err
	}
	if s.Len() == 0 {
		return "drop", nil
	}
	return s.String(), nil
}

// writeActions writes each action of b, comma separated.
func writeActions(s *strings.Builder, b []byte) error {
	for first := true; len(b) > 0; first = false {
		if len(b) < 8 {
			return fmt.Errorf("actions: %d bytes left, short of an action", len(b))
		}
		l := int(binary.BigEndian.Uint16(b[2:]))
		if l < 8 || l%8 != 0 || l > len(b) {
			return fmt.Errorf("actions: action of length %d in %d bytes", l, len(b))
		}
		if !first {
			s.WriteByte(',')
		}
		if err := writeAction(s, b[:l]); err != nil {
			return err
		}
		b = b[l:]
	}
	return nil
}

// need checks an action's length against what its type needs.
func need(a []byte, n int, name string) error {
	if len(a) < n {
		return fmt.Errorf("actions: %s of %d bytes, needs %d", name, len(a), n)
	}
	return nil
}

func writeAction(s *strings.Builder, a []byte) error {
	typ := binary.BigEndian.Uint16(a)
	u16 := func(off int) uint16 { return binary.BigEndian.Uint16(a[off:]) }
	switch typ {
	case of10Output:
		port := uint32(u16(4))
		if port < 0xff00 {
			s.WriteString("output:")
		}
		s.WriteString(formatPort(port))
		if port == 0xfffd { // CONTROLLER
			s.WriteString(":" + itoa(u16(6)))
		}
	case of10SetVLANVID:
		s.WriteString("mod_vlan_vid:" + itoa(u16(4)&0x0fff))
	case of10SetVLANPCP:
		fmt.Fprintf(s, "mod_vlan_pcp:%d", a[4])
	case of10StripVLAN:
		s.WriteString("strip_vlan")
	case of10SetDLSrc, of10SetDLDst:
		if err := need(a, 16, "mod_dl"); err != nil {
			return err
		}
		name := "mod_dl_src:"
		if typ == of10SetDLDst {
			name = "mod_dl_dst:"
		}
		s.WriteString(name + formatEth(a[4:10]))
	case of10SetNWSrc, of10SetNWDst:
		name := "mod_nw_src:"
		if typ == of10SetNWDst {
			name = "mod_nw_dst:"
		}
		s.WriteString(name + formatIP4(binary.BigEndian.Uint32(a[4:])))
	case of10SetNWTos:
		fmt.Fprintf(s, "mod_nw_tos:%d", a[4])
	case of10SetTPSrc:
		fmt.Fprintf(s, "mod_tp_src:%d", u16(4))
	case of10SetTPDst:
		fmt.Fprintf(s, "mod_tp_dst:%d", u16(4))
	case of10Enqueue:
		if err := need(a, 16, "enqueue"); err != nil {
			return err
		}
		fmt.Fprintf(s, "enqueue:%s:%d", formatPort(uint32(u16(4))), binary.BigEndian.Uint32(a[12:]))
	case ofpatVendor:
		if err := need(a, 16, "vendor action"); err != nil {
			return err
		}
		if v := binary.BigEndian.Uint32(a[4:]); v != nxVendorID {
			return unwritten("action", fmt.Sprintf("of vendor %08x", v))
		}
		return writeNiciraAction(s, a)
	default:
		return unwritten("action", fmt.Sprintf("OpenFlow 1.0 type %d", typ))
	}
	return nil
}

func writeNiciraAction(s *strings.Builder, a []byte) error {
	sub := binary.BigEndian.Uint16(a[8:])
	u16 := func(off int) uint16 { return binary.BigEndian.Uint16(a[off:]) }
	u32 := func(off int) uint32 { return binary.BigEndian.Uint32(a[off:]) }
	switch sub {
	case nxastResubmit, nxastResubmitTable, nxastResubmitTableCT:
		writeResubmit(s, sub, uint32(u16(10)), a[12])
	case nxastSetTunnel:
		fmt.Fprintf(s, "set_tunnel:%s", hexC(uint64(u32(12))))
	case nxastSetTunnel64:
		if err := need(a, 24, "set_tunnel64"); err != nil {
			return err
		}
		fmt.Fprintf(s, "set_tunnel64:%s", hexC(binary.BigEndian.Uint64(a[16:])))
	case nxastSetQueue:
		s.WriteString("set_queue:" + itoa(u32(12)))
	case nxastPopQueue:
		s.WriteString("pop_queue")
	case nxastRegMove:
		if err := need(a, 24, "move"); err != nil {
			return err
		}
		n, srcOfs, dstOfs := int(u16(10)), int(u16(12)), int(u16(14))
		src, err := subfield(u32(16), srcOfs, n)
		if err != nil {
			return err
		}
		dst, err := subfield(u32(20), dstOfs, n)
		if err != nil {
			return err
		}
		s.WriteString("move:" + src + "->" + dst)
	case nxastRegLoad:
		if err := need(a, 24, "load"); err != nil {
			return err
		}
		ofsNbits := u16(10)
		dst, err := subfield(u32(12), int(ofsNbits>>6), int(ofsNbits&0x3f)+1)
		if err != nil {
			return err
		}
		s.WriteString("load:" + hexC(binary.BigEndian.Uint64(a[16:])) + "->" + dst)
	case nxastNote:
		s.WriteString("note:")
		for i, c := range a[10:] {
			if i > 0 {
				s.WriteByte('.')
			}
			fmt.Fprintf(s, "%02x", c)
		}
	case nxastExit:
		s.WriteString("exit")
	case nxastDecTTL:
		s.WriteString("dec_ttl")
	case nxastConjunction:
		// nx_action_conjunction: clause (u8), n_clauses (u8), id (u32).
		s.WriteString("conjunction(" + itoa(u32(12)) + "," + strconv.Itoa(int(a[10])+1) + "/" + itoa(a[11]) + ")")
	case nxastCTClear:
		s.WriteString("ct_clear")
	case nxastCT:
		return writeCT(s, a)
	case nxastNAT:
		return writeNAT(s, a)
	case nxastLearn:
		return writeLearn(s, a)
	default:
		return unwritten("action", fmt.Sprintf("Nicira subtype %d", sub))
	}
	return nil
}

// writeResubmit is format_RESUBMIT: resubmit:PORT when only a port is
// given, else resubmit([PORT],[TABLE][,ct]), IN_PORT and table 255 left out.
func writeResubmit(s *strings.Builder, sub uint16, port uint32, table uint8) {
	if sub == nxastResubmit {
		table = 255 // NXAST_RESUBMIT names no table
	}
	const inPort = 0xfff8
	if port != inPort && table == 255 { // with ct too, as OVS does
		s.WriteString("resubmit:" + formatPort(port))
		return
	}
	s.WriteString("resubmit(")
	if port != inPort {
		s.WriteString(formatPort(port))
	}
	s.WriteByte(',')
	if table != 255 {
		s.WriteString(strconv.Itoa(int(table)))
	}
	if sub == nxastResubmitTableCT {
		s.WriteString(",ct")
	}
	s.WriteByte(')')
}

// writeCT is format_CT: flags, recirculation table, zone, a first nat()
// outside exec(), the other nested actions inside it, the ALG.
func writeCT(s *strings.Builder, a []byte) error {
	if err := need(a, 24, "ct"); err != nil {
		return err
	}
	flags := binary.BigEndian.Uint16(a[10:])
	zoneSrc := binary.BigEndian.Uint32(a[12:])
	zone := binary.BigEndian.Uint16(a[16:])
	table := a[18]
	alg := binary.BigEndian.Uint16(a[22:])
	if flags&^3 != 0 {
		return unwritten("action", fmt.Sprintf("ct with flags %#x", flags))
	}
	var f fields
	if flags&1 != 0 {
		f.put("commit")
	}
	if flags&2 != 0 {
		f.put("force")
	}
	if table != 255 {
		f.put("table=%d", table)
	}
	if zoneSrc != 0 {
		sf, err := subfield(zoneSrc, int(zone>>6), int(zone&0x3f)+1)
		if err != nil {
			return err
		}
		f.put("zone=%s", sf)
	} else if zone != 0 {
		f.put("zone=%d", zone)
	}
	nested := a[24:]
	if len(nested) >= 10 && binary.BigEndian.Uint16(nested) == ofpatVendor &&
		binary.BigEndian.Uint32(nested[4:]) == nxVendorID && binary.BigEndian.Uint16(nested[8:]) == nxastNAT {
		l := int(binary.BigEndian.Uint16(nested[2:]))
		if l < 16 || l > len(nested) {
			return fmt.Errorf("actions: nat of length %d in ct", l)
		}
		var n strings.Builder
		if err := writeNAT(&n, nested[:l]); err != nil {
			return err
		}
		f.put("%s", n.String())
		nested = nested[l:]
	}
	if len(nested) > 0 {
		var inner strings.Builder
		if err := writeActions(&inner, nested); err != nil {
			return err
		}
		f.put("exec(%s)", inner.String())
	}
	switch alg {
	case 0:
	case 21:
		f.put("alg=ftp")
	case 69:
		f.put("alg=tftp")
	default:
		f.put("alg=%d", alg)
	}
	s.WriteString("ct(" + strings.TrimSuffix(f.b.String(), ",") + ")")
	return nil
}

// writeNAT writes nat without arguments (ct's reverse NAT of an existing
// connection); a NAT with flags or ranges is not written.
func writeNAT(s *strings.Builder, a []byte) error {
	if err := need(a, 16, "nat"); err != nil {
		return err
	}
	flags, ranges := binary.BigEndian.Uint16(a[12:]), binary.BigEndian.Uint16(a[14:])
	if flags != 0 || ranges != 0 {
		return unwritten("action", fmt.Sprintf("nat with flags %#x ranges %#x", flags, ranges))
	}
	s.WriteString("nat")
	return nil
}

// Learn flags and spec header bits (include/openvswitch/ofp-actions.h).
const (
	learnSendFlowRem   = 1 << 0
	learnDeleteLearned = 1 << 1
	learnSrcImmediate  = 1 << 13
	learnDstMask       = 3 << 11
	learnDstMatch      = 0 << 11
	learnDstLoad       = 1 << 11
	learnDstOutput     = 2 << 11
	learnNBitsMask     = 0x3ff
)

// writeLearn is lib/learn.c learn_format for NXAST_LEARN.
func writeLearn(s *strings.Builder, a []byte) error {
	if err := need(a, 32, "learn"); err != nil {
		return err
	}
	u16 := func(off int) uint16 { return binary.BigEndian.Uint16(a[off:]) }
	idle, hard, prio := u16(10), u16(12), u16(14)
	cookie := binary.BigEndian.Uint64(a[16:])
	flags, table := u16(24), a[26]
	finIdle, finHard := u16(28), u16(30)
	if flags&^(learnSendFlowRem|learnDeleteLearned) != 0 {
		return unwritten("action", fmt.Sprintf("learn with flags %#x", flags))
	}
	fmt.Fprintf(s, "learn(table=%d", table)
	if idle != 0 {
		fmt.Fprintf(s, ",idle_timeout=%d", idle)
	}
	if hard != 0 {
		fmt.Fprintf(s, ",hard_timeout=%d", hard)
	}
	if finIdle != 0 {
		fmt.Fprintf(s, ",fin_idle_timeout=%d", finIdle)
	}
	if finHard != 0 {
		fmt.Fprintf(s, ",fin_hard_timeout=%d", finHard)
	}
	if prio != 32768 {
		fmt.Fprintf(s, ",priority=%d", prio)
	}
	if flags&learnSendFlowRem != 0 {
		s.WriteString(",send_flow_rem")
	}
	if flags&learnDeleteLearned != 0 {
		s.WriteString(",delete_learned")
	}
	if cookie != 0 {
		s.WriteString(",cookie=" + hexC(cookie))
	}
	p := a[32:]
	for len(p) >= 2 {
		h := binary.BigEndian.Uint16(p)
		p = p[2:]
		if h == 0 {
			break // the rest is padding
		}
		n := int(h & learnNBitsMask)
		dstType := h & learnDstMask
		s.WriteByte(',')
		var src string
		var srcField uint32
		var srcOfs int
		var imm []byte
		if h&learnSrcImmediate == 0 {
			if len(p) < 6 {
				return fmt.Errorf("actions: learn spec source cut short")
			}
			srcField, srcOfs = binary.BigEndian.Uint32(p), int(binary.BigEndian.Uint16(p[4:]))
			var err error
			if src, err = subfield(srcField, srcOfs, n); err != nil {
				return err
			}
			p = p[6:]
		} else {
			pb := 2 * ((n + 15) / 16)
			if len(p) < pb {
				return fmt.Errorf("actions: learn spec value cut short")
			}
			imm = p[pb-(n+7)/8 : pb]
			p = p[pb:]
		}
		var dst string
		var dstField uint32
		var dstOfs int
		if dstType == learnDstMatch || dstType == learnDstLoad {
			if len(p) < 6 {
				return fmt.Errorf("actions: learn spec destination cut short")
			}
			dstField, dstOfs = binary.BigEndian.Uint32(p), int(binary.BigEndian.Uint16(p[4:]))
			var err error
			if dst, err = subfield(dstField, dstOfs, n); err != nil {
				return err
			}
			p = p[6:]
		}
		switch {
		case imm == nil && dstType == learnDstMatch:
			s.WriteString(dst)
			if canonicalHeader(srcField) != canonicalHeader(dstField) || srcOfs != dstOfs {
				s.WriteString("=" + src)
			}
		case imm != nil && dstType == learnDstLoad:
			s.WriteString("load:" + putHex(imm) + "->" + dst)
		case imm == nil && dstType == learnDstLoad:
			s.WriteString("load:" + src + "->" + dst)
		case imm == nil && dstType == learnDstOutput:
			s.WriteString("output:" + src)
		default:
			// An immediate match (field=value) is written with the
			// field's own value syntax; Neutron's learns have none.
			return unwritten("action", fmt.Sprintf("learn spec %#04x", h))
		}
	}
	if !isZero(p) {
		return fmt.Errorf("actions: learn specs end in non-zero bytes")
	}
	s.WriteByte(')')
	return nil
}
