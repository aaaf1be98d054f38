package iptext

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/ostopo/ostopo/netinspect/topo"
)

// ruleKeys are ip rule's words followed by one value the model has no
// use for.
var ruleKeys = map[string]bool{
	"tos": true, "dsfield": true, "uidrange": true, "ipproto": true, "sport": true, "dport": true,
	"realms": true, "realm": true, "suppress_prefixlength": true, "suppress_ifgroup": true,
	"proto": true, "nat": true, "map-to": true, "flowlabel": true, "dscp": true,
}

// ParseRules reads ip rule (ip rule list, ip -4/-6 rule list):
// "PRIO:\tfrom SRC [to DST] [fwmark M[/MASK]] [iif X] [oif Y] lookup T".
// The family is o.Family, else the addresses', else 4 (ip rule without
// -6 lists IPv4 rules). As the collector reads them: "from all" is no
// source, a host source gets its full length ("10.0.0.5/32"), a mark
// shows its mask ("0x1/0xffffffff": the kernel sends one with every
// mark), a rule that looks up no table (goto, nop, unreachable,
// blackhole, prohibit) has table 0.
func ParseRules(text string, o Options) ([]topo.Rule, error) {
	out := []topo.Rule{}
	var e errs
	textLines(text, func(n int, line string) {
		f := strings.Fields(line)
		if len(f) == 0 {
			return
		}
		r, reason := parseRule(f, o)
		if reason != "" {
			e.add(n, line, reason)
			return
		}
		out = append(out, r)
	})
	return out, e.err("ip rule", len(out))
}

func parseRule(f []string, o Options) (topo.Rule, string) {
	var r topo.Rule
	prio, ok := strings.CutSuffix(f[0], ":")
	if !ok {
		return r, "no priority"
	}
	if r.Priority, ok = atoi(prio); !ok {
		return r, "unreadable priority"
	}
	family := 0
	prefix := func(s string) (string, bool) {
		ip, bits, ok := parseAddr(s)
		if !ok {
			return "", false
		}
		if family == 0 {
			family = familyOf(ip, s)
		}
		return ipNetString(ip, bits), true
	}
	for i := 1; i < len(f); i++ {
		w := f[i]
		has := i+1 < len(f)
		switch {
		case w == "not" || w == "[detached]" || w == "l3mdev" || w == "nop" ||
			w == "unreachable" || w == "blackhole" || w == "prohibit" || w == "unresolved":
		case (w == "from" || w == "to") && has:
			i++
			if f[i] == "all" {
				continue
			}
			p, ok := prefix(f[i])
			if !ok {
				return r, "unreadable " + w
			}
			if w == "from" {
				r.Src = p
			} else {
				r.Dst = p
			}
		case w == "fwmark" && has:
			i++
			markText, maskText, hasMask := strings.Cut(f[i], "/")
			mark, err := strconv.ParseUint(markText, 0, 32)
			if err != nil {
				return r, "unreadable fwmark"
			}
			mask := uint64(0xffffffff)
			if hasMask {
				if mask, err = strconv.ParseUint(maskText, 0, 32); err != nil {
					return r, "unreadable fwmark mask"
				}
			}
			if mark != 0 {
				r.Mark = fmt.Sprintf("0x%x/0x%x", mark, mask)
			}
		case w == "iif" && has:
			r.IIF = f[i+1]
			i++
		case w == "oif" && has:
			r.OIF = f[i+1]
			i++
		case (w == "lookup" || w == "table") && has:
			t, ok := tableNumber(f[i+1], o.Tables)
			if !ok {
				return r, "table " + f[i+1] + " has a name this node gave it (its rt_tables was not read)"
			}
			r.Table = t
			i++
		case w == "goto" && has:
			i++
		case ruleKeys[w] && has:
			i++
		}
	}
	switch {
	case o.Family != 0:
		r.Family = o.Family
	case family != 0:
		r.Family = family
	default:
		r.Family = 4
	}
	return r, ""
}
