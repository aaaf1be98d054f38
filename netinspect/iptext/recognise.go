package iptext

import (
	"strings"
)

// Kind is which command's output a text is.
type Kind string

// The outputs Recognise tells apart.
const (
	KindUnknown Kind = ""
	// KindEmpty is a text with nothing but white space (an ip neigh of
	// no neighbours looks the same as any other empty output).
	KindEmpty Kind = "empty"
	// KindError is a text that holds only error messages ("Cannot open
	// network namespace", "command not found", `Object "x" is unknown`):
	// sos keeps a command's stderr in its file.
	KindError        Kind = "error"
	KindIPAddress    Kind = "ip-address" // ip address show, ip -d address, ip -o addr
	KindIPLink       Kind = "ip-link"    // ip link, ip -s -d link (no addresses)
	KindIPRoute      Kind = "ip-route"
	KindIPRule       Kind = "ip-rule"
	KindIPNeigh      Kind = "ip-neigh"
	KindIPNetns      Kind = "ip-netns"
	KindIfconfig     Kind = "ifconfig"
	KindRouteN       Kind = "route-n"
	KindSysctl       Kind = "sysctl"
	KindBrctlShow    Kind = "brctl-show"
	KindIPTablesSave Kind = "iptables-save" // iptables-save, xtables-save
	KindIPTablesS    Kind = "iptables-S"    // iptables [-t nat] -S
)

// errorMarks are in the error messages the commands above (and the
// shell, sos's timeout wrapper, ovs-vsctl) print instead of an output.
var errorMarks = []string{
	"Cannot open network namespace", "setting the network namespace", "Cannot find device",
	"does not exist", "command not found", "No such file or directory", "bad command or file name",
	`is unknown, try "ip help"`, "RTNETLINK answers:", "Permission denied", "Operation not permitted",
	"you must be root", "can't get info", "failed to run command", "Dump terminated",
	"can't initialize iptables table", "Could not fetch rule set generation id",
	"unable to initialize table", "database connection failed", "Connection refused", "timed out",
	"not supported", "Invalid argument", "No such device", "not found", "Message truncated",
}

// isErrorLine reports whether a line is an error message.
func isErrorLine(line string) bool {
	t := strings.TrimSpace(line)
	if strings.HasPrefix(t, "Error: ") || strings.HasPrefix(t, "Usage:") || strings.HasPrefix(t, "Fatal: ") ||
		strings.HasPrefix(t, "Warning: ") {
		return true
	}
	for _, m := range errorMarks {
		if strings.Contains(t, m) {
			return true
		}
	}
	return false
}

// ErrorLines returns a text's error messages (at most 5, each cut to
// 200 bytes; they are the node's text: print them through safetext).
func ErrorLines(text string) []string {
	var out []string
	usage := false
	textLines(text, func(_ int, line string) {
		switch {
		case len(out) >= 5:
		case usage && indented(line):
		case isErrorLine(line):
			usage = strings.HasPrefix(strings.TrimSpace(line), "Usage:")
			out = append(out, truncate(strings.TrimSpace(line), 200))
		default:
			usage = false
		}
	})
	return out
}

// Recognise tells which output a text is from its content alone (the
// files of a folder of pasted outputs have any names). It tolerates a
// first line cut short (sos keeps the tail of an oversized output) and
// error messages beside the output; a text of nothing but errors is
// KindError, one it cannot place KindUnknown. A list of names is taken
// for ip netns only when an id or a Neutron namespace name shows it is.
func Recognise(text string) Kind {
	if strings.TrimSpace(text) == "" {
		return KindEmpty
	}
	if k := recognise(text); k != KindUnknown {
		return k
	}
	// Without the error messages (stderr merged into the output).
	var b strings.Builder
	usage, errorsSeen := false, false
	textLines(text, func(_ int, line string) {
		switch {
		case usage && indented(line):
			return
		case isErrorLine(line):
			usage = strings.HasPrefix(strings.TrimSpace(line), "Usage:")
			errorsSeen = true
			return
		}
		usage = false
		b.WriteString(line)
		b.WriteByte('\n')
	})
	rest := b.String()
	if strings.TrimSpace(rest) == "" {
		if errorsSeen {
			return KindError
		}
		return KindUnknown
	}
	if !errorsSeen {
		return KindUnknown
	}
	return recognise(rest)
}

// recognise tries each output's signature and parser on the text, and
// again without its first line (cut short by sos's size limit) and the
// detail lines before the first record.
func recognise(text string) Kind {
	if k := recogniseWhole(text); k != KindUnknown {
		return k
	}
	trimmed := dropHead(text)
	if trimmed == text || strings.TrimSpace(trimmed) == "" {
		return KindUnknown
	}
	return recogniseWhole(trimmed)
}

// dropHead drops a text's first line and the indented lines after it:
// what a tail cut may leave of the record it cut.
func dropHead(text string) string {
	_, rest, _ := strings.Cut(text, "\n")
	for rest != "" && (indented(rest) || strings.HasPrefix(rest, "\n")) {
		_, rest, _ = strings.Cut(rest, "\n")
	}
	return rest
}

func recogniseWhole(text string) Kind {
	first := firstLine(text)
	f := strings.Fields(first)
	if len(f) == 0 {
		return KindUnknown
	}
	clean := func(err error) bool { return err == nil }
	switch {
	case strings.HasPrefix(first, "bridge name"):
		if _, err := ParseBrctlShow(text); clean(err) {
			return KindBrctlShow
		}
		return KindUnknown
	case strings.HasPrefix(first, "Kernel IP routing table") || f[0] == "Destination" && strings.Contains(first, "Genmask"):
		if _, err := ParseRouteN(text); clean(err) {
			return KindRouteN
		}
		return KindUnknown
	}
	if k := recogniseIPTables(text); k != KindUnknown {
		return k
	}
	if _, _, ok := ifconfigHeader(first); ok {
		if l, err := ParseIfconfig(text); clean(err) && len(l.Links) > 0 {
			return KindIfconfig
		}
		return KindUnknown
	}
	// The rest are tried only when the first line could start them: an
	// unknown file of megabytes (a flow dump) is not parsed ten times.
	_, _, addrFirst := parseAddr(f[0])
	_, typeFirst := routeTypes[f[0]]
	switch {
	case strings.HasSuffix(f[0], ":") && isNumber(strings.TrimSuffix(f[0], ":")):
		// "2: eth0: <...>" or "2: eth0    inet ..."; "0:\tfrom all ...".
		if l, err := ParseIPLinks(text); clean(err) && len(l.Links) > 0 {
			if l.Known.Has(KnowsAddrs) {
				return KindIPAddress
			}
			return KindIPLink
		}
		if r, err := ParseRules(text, Options{}); clean(err) && len(r) > 0 {
			return KindIPRule
		}
	case strings.Contains(first, " =") || strings.HasPrefix(first, "sysctl: "):
		if _, err := ParseSysctl(text); clean(err) && sysctlLike(text) {
			return KindSysctl
		}
	case addrFirst || typeFirst || f[0] == "default":
		if _, err := ParseNeighbours(text); clean(err) && neighbourLike(text) {
			return KindIPNeigh
		}
		// A route's words may not all be readable here (a table named in
		// the node's rt_tables): every line shaped as a route is enough.
		if routeLike(text) {
			return KindIPRoute
		}
	case len(f) <= 3:
		if ns, err := ParseNetns(text); clean(err) && netnsLike(ns) {
			return KindIPNetns
		}
	}
	return KindUnknown
}

func firstLine(text string) string {
	for _, l := range strings.Split(strings.TrimLeft(text, "\n"), "\n") {
		if strings.TrimSpace(l) != "" {
			return strings.TrimRight(l, "\r")
		}
	}
	return ""
}

// recogniseIPTables tells iptables-save (a "*table" line and its COMMIT
// or chains) and iptables -S ("-P", "-N", "-A" lines) apart from the
// rest; every line must be one of theirs.
func recogniseIPTables(text string) Kind {
	tables, commits, chains, rules, policies, other := 0, 0, 0, 0, 0, 0
	textLines(text, func(_ int, line string) {
		t := strings.TrimSpace(line)
		switch {
		case t == "" || strings.HasPrefix(t, "#"):
		case strings.HasPrefix(t, "*"):
			tables++
		case t == "COMMIT":
			commits++
		case strings.HasPrefix(t, ":"):
			chains++
		case strings.HasPrefix(t, "-A "):
			rules++
		case strings.HasPrefix(t, "-P ") || strings.HasPrefix(t, "-N "):
			policies++
		case strings.Contains(t, legacyWarning):
		default:
			other++
		}
	})
	switch {
	case other > 0:
		return KindUnknown
	case tables > 0 && (commits > 0 || chains > 0) && policies == 0:
		return KindIPTablesSave
	case tables == 0 && commits == 0 && chains == 0 && policies > 0:
		return KindIPTablesS
	}
	return KindUnknown
}

// sysctlLike reports whether most settings have dotted keys, as sysctl's
// do (a config file's "key = value" lines mostly do not).
func sysctlLike(text string) bool {
	dotted, all := 0, 0
	textLines(text, func(_ int, line string) {
		key, _, ok := strings.Cut(line, " =")
		if !ok || strings.HasPrefix(line, "sysctl: ") {
			return
		}
		all++
		if strings.ContainsAny(key, "./") {
			dotted++
		}
	})
	return all > 0 && 2*dotted > all
}

// neighbourLike reports whether a line holds a word only a neighbour
// line has (lladdr, or a NUD state): "10.0.0.5 dev eth0" alone is as
// much a route.
func neighbourLike(text string) bool {
	found := false
	textLines(text, func(_ int, line string) {
		for _, w := range strings.Fields(line) {
			if w == "lladdr" || isNUDState(w) {
				found = true
			}
		}
	})
	return found
}

// routeLike reports whether every line starts as a route does: a type,
// then "default" or a destination, then (unless the line ends there: a
// multipath route's hops follow on their own lines) one of ip route's
// words.
func routeLike(text string) bool {
	ok, routeWord := true, false
	textLines(text, func(_ int, line string) {
		f := strings.Fields(line)
		if len(f) == 0 || indented(line) {
			return
		}
		for _, w := range f {
			switch w {
			case "lladdr":
				ok = false // a neighbour's
			case "via", "proto", "scope", "table", "src", "metric":
				routeWord = true
			}
		}
		if _, isType := routeTypes[f[0]]; isType && len(f) > 1 {
			f = f[1:]
		}
		if _, _, isAddr := parseAddr(f[0]); !isAddr && f[0] != "default" {
			ok = false
			return
		}
		if len(f) == 1 {
			return
		}
		switch f[1] {
		case "via", "dev", "proto", "scope", "table", "src", "metric", "from", "nhid", "tos", "error":
		default:
			ok = false
		}
	})
	return ok && routeWord
}

// netnsLike reports whether a list of names is ip netns's: one has an id
// or is a Neutron namespace (prefix-<uuid>).
func netnsLike(ns []NetnsEntry) bool {
	for _, n := range ns {
		if n.ID >= 0 || neutronNamespace(n.Name) {
			return true
		}
	}
	return false
}

func neutronNamespace(name string) bool {
	for _, p := range []string{"qrouter-", "qdhcp-", "snat-", "fip-", "qlbaas-", "ovnmeta-"} {
		if rest, ok := strings.CutPrefix(name, p); ok && len(rest) == 36 {
			return true
		}
	}
	return false
}
