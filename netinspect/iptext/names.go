package iptext

import (
	"strconv"
	"strings"
)

// The names iproute2 prints for numbers, and the names the collector
// records for the same numbers (collect/netlink_linux.go: routeType,
// routeProtocol, scopeName): a text's word is turned into the kernel's
// number, and the number into the collector's word.

// routeTypes are rtnl_rtntype_n2a's names (lib/rt_names.c).
var routeTypes = map[string]int{
	"none": 0, "unicast": 1, "local": 2, "broadcast": 3, "anycast": 4, "multicast": 5,
	"blackhole": 6, "unreachable": 7, "prohibit": 8, "throw": 9, "nat": 10, "xresolve": 11,
}

// routeTypeName is the collector's routeType.
func routeTypeName(t int) string {
	switch t {
	case 1:
		return "unicast"
	case 2:
		return "local"
	case 3:
		return "broadcast"
	case 4:
		return "anycast"
	case 5:
		return "multicast"
	case 6:
		return "blackhole"
	case 7:
		return "unreachable"
	case 8:
		return "prohibit"
	}
	return strconv.Itoa(t)
}

// routeProtocols are /etc/iproute2/rt_protos (iproute2 6.1) plus "none",
// the name iproute2 before 4.x gave protocol 0.
var routeProtocols = map[string]int{
	"unspec": 0, "none": 0, "redirect": 1, "kernel": 2, "boot": 3, "static": 4,
	"gated": 8, "ra": 9, "mrt": 10, "zebra": 11, "bird": 12, "dnrouted": 13,
	"xorp": 14, "ntk": 15, "dhcp": 16, "keepalived": 18, "babel": 42, "openr": 99,
	"bgp": 186, "isis": 187, "ospf": 188, "rip": 189, "eigrp": 192,
}

// routeProtocolName is the collector's routeProtocol.
func routeProtocolName(p int) string {
	switch p {
	case 0:
		return ""
	case 1:
		return "redirect"
	case 2:
		return "kernel"
	case 3:
		return "boot"
	case 4:
		return "static"
	case 16:
		return "dhcp"
	case 9:
		return "ra"
	}
	return strconv.Itoa(p)
}

// scopes are /etc/iproute2/rt_scopes.
var scopes = map[string]int{"global": 0, "universe": 0, "site": 200, "link": 253, "host": 254, "nowhere": 255}

// scopeName is the collector's scopeName.
func scopeName(s int) string {
	switch s {
	case 0:
		return "global"
	case 200:
		return "site"
	case 253:
		return "link"
	case 254:
		return "host"
	case 255:
		return "nowhere"
	}
	return strconv.Itoa(s)
}

// scopeWord is the collector's name for a scope as ip printed it (a name
// or a number); ok is false for a name ip could only have taken from a
// local rt_scopes file.
func scopeWord(w string) (string, bool) {
	if n, ok := scopes[w]; ok {
		return scopeName(n), true
	}
	if n, err := strconv.ParseUint(w, 0, 8); err == nil {
		return scopeName(int(n)), true
	}
	return "", false
}

// number reads a table, protocol or type that ip printed as a number
// (decimal, or 0x hex as rt_tables allows).
func number(w string, max uint64) (int, bool) {
	n, err := strconv.ParseUint(w, 0, 64)
	if err != nil || n > max {
		return 0, false
	}
	return int(n), true
}

// tableNumber is a routing table's number from its name or number. The
// fixed names are the kernel's; others come from the node's
// /etc/iproute2/rt_tables (ParseRTTables), when it was read.
func tableNumber(w string, names map[string]int) (int, bool) {
	switch w {
	case "unspec":
		return 0, true
	case "default":
		return 253, true
	case "main":
		return 254, true
	case "local":
		return 255, true
	}
	if n, ok := names[w]; ok {
		return n, true
	}
	return number(w, 1<<32-1)
}

// ParseRTTables reads /etc/iproute2/rt_tables (or a file of
// rt_tables.d): "number name" lines, # comments. The names a node gave
// its tables are what ip prints in place of their numbers.
func ParseRTTables(text string) map[string]int {
	out := map[string]int{}
	textLines(text, func(_ int, line string) {
		line, _, _ = strings.Cut(line, "#")
		f := strings.Fields(line)
		if len(f) != 2 {
			return
		}
		if n, ok := number(f[0], 1<<32-1); ok {
			out[f[1]] = n
		}
	})
	return out
}
