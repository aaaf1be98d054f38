//go:build linux

package collect

import (
	"fmt"
	"net"

	"github.com/ostopo/ostopo/netinspect/topo"
	"github.com/vishvananda/netlink/nl"
	"golang.org/x/sys/unix"
)

// listRules dumps the policy routing rules of both families. Read here
// rather than with the library's RuleList, which receives into a 64 KiB
// array on the goroutine's stack: a stack grown to 128 KiB for every
// namespace, for a few hundred bytes of rules.
func listRules(sock *dumpSocket) ([]topo.Rule, error) {
	var out []topo.Rule
	err := dump(sock, unix.RTM_GETRULE, unix.RTM_NEWRULE, func(m []byte) error {
		if !unicastRule(m) {
			return nil
		}
		r, err := parseRule(m)
		if err == nil {
			out = append(out, r)
		}
		return err
	}, &nl.RtMsg{RtMsg: unix.RtMsg{Family: unix.AF_UNSPEC}}) // struct fib_rule_hdr has rtmsg's layout
	return out, err
}

// unicastRule says whether a rule message is an IPv4 or IPv6 one. An
// AF_UNSPEC dump answers every family's rules: also the multicast routing
// ones (RTNL_FAMILY_IPMR, IP6MR), which `ip rule` never lists and which
// were read as IPv4 rules at priority 32767. A short message goes on to
// parseRule, which says what is wrong with it.
func unicastRule(m []byte) bool {
	if len(m) < unix.SizeofRtMsg {
		return true
	}
	f := nl.DeserializeRtMsg(m).Family
	return f == unix.AF_INET || f == unix.AF_INET6
}

func parseRule(m []byte) (topo.Rule, error) {
	if len(m) < unix.SizeofRtMsg {
		return topo.Rule{}, fmt.Errorf("decode rule: message of %d bytes", len(m))
	}
	hdr := nl.DeserializeRtMsg(m)
	r := topo.Rule{Family: 4, Table: int(hdr.Table)} // FRA_TABLE, when present, holds tables past 255
	if hdr.Family == unix.AF_INET6 {
		r.Family = 6
	}
	prefix := func(v []byte, bits uint8) string {
		return (&net.IPNet{IP: net.IP(v), Mask: net.CIDRMask(int(bits), 8*len(v))}).String()
	}
	var mark uint32
	var mask *uint32
	err := eachAttr(m[unix.SizeofRtMsg:], func(typ uint16, v []byte) {
		switch typ {
		case unix.FRA_TABLE:
			r.Table = int(u32(v))
		case unix.FRA_PRIORITY:
			r.Priority = int(u32(v))
		case unix.FRA_SRC:
			r.Src = prefix(v, hdr.Src_len)
		case unix.FRA_DST:
			r.Dst = prefix(v, hdr.Dst_len)
		case unix.FRA_IIFNAME:
			r.IIF = cString(v)
		case unix.FRA_OIFNAME:
			r.OIF = cString(v)
		case unix.FRA_FWMARK:
			mark = u32(v)
		case unix.FRA_FWMASK:
			m := u32(v)
			mask = &m
		}
	})
	if err != nil {
		return topo.Rule{}, fmt.Errorf("decode rule %d: %w", r.Priority, err)
	}
	if mark != 0 {
		r.Mark = fmt.Sprintf("0x%x", mark)
		if mask != nil {
			r.Mark += fmt.Sprintf("/0x%x", *mask)
		}
	}
	return r, nil
}
