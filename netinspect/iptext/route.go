package iptext

import (
	"net"
	"strings"

	"github.com/ostopo/ostopo/netinspect/topo"
)

// Options say what a text cannot: how the command was asked.
type Options struct {
	// Family is 4 or 6 when the command named one (ip -6 route, ip -6
	// rule); 0 takes it from the text (and ip rule without -6 is IPv4).
	Family int
	// Table is the table of the routes whose line names none: 0 is main,
	// as ip route and ip route show table all print it; set it for the
	// output of ip route show table N.
	Table int
	// Tables are the node's own names for its tables (ParseRTTables of
	// its /etc/iproute2/rt_tables), which ip prints in place of numbers.
	Tables map[string]int
}

// Routes is what ip route says about a namespace's routes, kept as the
// collector keeps them.
type Routes struct {
	Routes []topo.Route // never nil
	// DerivedOmitted counts the routes left out because the addresses
	// already say them (topo.Namespace.DerivedRoutesOmitted).
	DerivedOmitted int
}

// routeKeys are ip route's words followed by one value that the model
// has no use for; "lock" may come between a metric's name and value.
var routeKeys = map[string]bool{
	"from": true, "tos": true, "dsfield": true, "realm": true, "realms": true, "mtu": true,
	"advmss": true, "rtt": true, "rttvar": true, "reordering": true, "window": true, "cwnd": true,
	"ssthresh": true, "rto_min": true, "initcwnd": true, "initrwnd": true, "features": true,
	"quickack": true, "congctl": true, "fastopen_no_cookie": true, "hoplimit": true, "expires": true,
	"error": true, "pref": true, "nhid": true, "weight": true, "ttl-propagate": true, "used": true,
	"age": true, "users": true, "ipid": true, "as": true, "iif": true, "mark": true,
}

// ParseRoutes reads ip route show table all, ip route, ip -6 route (and
// ip route show table N, with o.Table): every table and both families in
// one text, old iproute2's double spaces and trailing blanks, multipath
// routes ("nexthop" lines, shown by their first hop as the collector
// does) and the "cache" clones old kernels list (left out, as the
// collector skips RTM_F_CLONED).
//
// Absent words mean what iproute2 leaves out: type unicast, proto boot,
// scope global, table main (o.Table). As the collector does, it leaves
// out and counts the kernel's local-table local/broadcast/multicast
// routes and IPv6 fe80::/64 routes, and leaves out the IPv6 local table,
// which the collector never asks for. (The collector reads IPv6 from
// main and the tables IPv6 rules name; IPv6 routes of other tables are
// kept here.)
func ParseRoutes(text string, o Options) (*Routes, error) {
	out := &Routes{Routes: []topo.Route{}}
	var e errs
	lastFamily := 4
	// The route being read, until a line that is not its continuation.
	var cur *topo.Route
	var curProto, curType int
	var curHop bool // its first nexthop line was read
	var curCache bool
	flush := func() {
		if cur == nil {
			return
		}
		r := *cur
		cur = nil
		switch {
		case curCache:
		case r.Family == 6 && r.Table == topo.RouteTableLocal:
		case curProto == 2 && r.Table == topo.RouteTableLocal && (curType == 2 || curType == 3 || curType == 5):
			out.DerivedOmitted++
		case curProto == 2 && r.Family == 6 && isLinkLocal64(r.Dst):
			out.DerivedOmitted++
		default:
			out.Routes = append(out.Routes, r)
		}
	}
	textLines(text, func(n int, line string) {
		f := strings.Fields(line)
		if len(f) == 0 {
			return
		}
		if indented(line) && cur != nil {
			switch f[0] {
			case "cache":
				curCache = true
			case "nexthop":
				if !curHop {
					curHop = true
					var gw, dev string
					for i := 1; i+1 < len(f); i++ {
						switch f[i] {
						case "via":
							i++
							if (f[i] == "inet" || f[i] == "inet6") && i+1 < len(f) {
								i++
							}
							if ip := net.ParseIP(f[i]); ip != nil {
								gw = ip.String()
							}
						case "dev":
							dev = f[i+1]
							i++
						}
					}
					if gw != "" {
						cur.Gateway, cur.Dev = gw, dev
					}
				}
			}
			return
		}
		flush()
		r, proto, typ, cache, reason := parseRouteLine(f, o, lastFamily)
		if reason != "" {
			e.add(n, line, reason)
			return
		}
		lastFamily = r.Family
		cur, curProto, curType, curHop, curCache = &r, proto, typ, false, cache
	})
	flush()
	return out, e.err("ip route", len(out.Routes))
}

// parseRouteLine reads one route: "[TYPE] DST [via [FAMILY] GW] [dev D]
// [table T] [proto P] [scope S] [src A] [metric M] [flags...]".
func parseRouteLine(f []string, o Options, lastFamily int) (r topo.Route, proto, typ int, cache bool, reason string) {
	typ, proto = 1, 3 // unicast, boot: what ip leaves unsaid
	scope := 0
	i := 0
	if t, ok := routeTypes[f[0]]; ok && len(f) > 1 {
		typ = t
		i++
	}
	dstText := f[i]
	i++
	family := 0
	var dst net.IP
	bits := 0
	if dstText != "default" {
		ip, b, ok := parseAddr(dstText)
		if !ok {
			return r, 0, 0, false, "no destination"
		}
		dst, bits, family = ip, b, familyOf(ip, dstText)
	}
	table := o.Table
	if table == 0 {
		table = topo.RouteTableMain
	}
	v6Words := false
	for ; i < len(f); i++ {
		w := f[i]
		has := i+1 < len(f)
		switch {
		case w == "via" && has:
			i++
			if (f[i] == "inet" || f[i] == "inet6") && i+1 < len(f) {
				i++
			}
			ip := net.ParseIP(f[i])
			if ip == nil {
				return r, 0, 0, false, "unreadable gateway"
			}
			r.Gateway = ip.String()
			if family == 0 {
				family = familyOf(ip, f[i])
			}
		case w == "dev" && has:
			r.Dev = f[i+1]
			i++
		case w == "table" && has:
			t, ok := tableNumber(f[i+1], o.Tables)
			if !ok {
				return r, 0, 0, false, "table " + f[i+1] + " has a name this node gave it (its rt_tables was not read)"
			}
			table = t
			i++
		case w == "proto" && has:
			p, ok := routeProtocols[f[i+1]]
			if !ok {
				if p, ok = number(f[i+1], 255); !ok {
					return r, 0, 0, false, "unknown protocol"
				}
			}
			proto = p
			i++
		case w == "scope" && has:
			if s, ok := scopes[f[i+1]]; ok {
				scope = s
			} else if s, ok := number(f[i+1], 255); ok {
				scope = s
			} else {
				return r, 0, 0, false, "unknown scope"
			}
			i++
		case w == "src" && has:
			ip := net.ParseIP(f[i+1])
			if ip == nil {
				return r, 0, 0, false, "unreadable source"
			}
			r.Src = ip.String()
			if family == 0 {
				family = familyOf(ip, f[i+1])
			}
			i++
		case w == "metric" && has:
			m, ok := atoi(f[i+1])
			if !ok {
				return r, 0, 0, false, "unreadable metric"
			}
			r.Metric = m
			i++
		case w == "cache":
			cache = true
		case routeKeys[w] && has:
			if w == "pref" || w == "error" || w == "expires" {
				v6Words = true
			}
			i++
			if f[i] == "lock" && i+1 < len(f) {
				i++
			}
		}
	}
	switch {
	case o.Family != 0:
		family = o.Family
	case family != 0:
	case v6Words:
		// Only IPv6 routes print a preference and an error.
		family = 6
	default:
		// "default dev X": ip dumps IPv4 routes before IPv6 ones.
		family = lastFamily
	}
	r.Family, r.Table = family, table
	r.Type, r.Protocol, r.Scope = routeTypeName(typ), routeProtocolName(proto), scopeName(scope)
	r.Dst = "default"
	if dst != nil && (bits > 0 || !dst.IsUnspecified()) {
		if family == 6 && len(dst) == net.IPv4len {
			dst = dst.To16()
		}
		r.Dst = ipNetString(dst, bits)
	}
	return r, proto, typ, cache, ""
}

// isLinkLocal64 reports whether a destination is an IPv6 link-local /64
// (fe80::/64 on each device).
func isLinkLocal64(dst string) bool {
	ip, bits, ok := parseAddr(dst)
	return ok && bits == 64 && len(ip) == net.IPv6len && ip.IsLinkLocalUnicast()
}

// ParseRouteN reads net-tools' route -n (and netstat -rn): the main
// table's IPv4 routes, by its header's columns. What it cannot tell is
// left unknown: protocol, scope and source are "", the table is taken as
// main (the only one it lists), the type is "unreachable" for a reject
// ("!") route — prohibit looks the same — and "" for the others.
func ParseRouteN(text string) (*Routes, error) {
	out := &Routes{Routes: []topo.Route{}}
	var e errs
	col := map[string]int{}
	width := 0 // the header's number of columns (a name may repeat in it)
	textLines(text, func(n int, line string) {
		f := strings.Fields(line)
		switch {
		case len(f) == 0 || strings.HasPrefix(line, "Kernel IP routing table"):
			return
		case f[0] == "Destination":
			col, width = map[string]int{}, len(f)
			for i, name := range f {
				col[name] = i
			}
			return
		}
		dI, okD := col["Destination"]
		gI, okG := col["Gateway"]
		mI, okM := col["Genmask"]
		fI, okF := col["Flags"]
		iI, okI := col["Iface"]
		if !okD || !okG || !okM || !okF || !okI {
			e.add(n, line, "a route before the header")
			return
		}
		if len(f) != width {
			e.add(n, line, "not as many columns as the header")
			return
		}
		// A reject route has "-" for its gateway and device, a route
		// without a device (blackhole, throw) "*".
		gwText := f[gI]
		if gwText == "-" || gwText == "*" {
			gwText = "0.0.0.0"
		}
		dst, mask, gw := net.ParseIP(f[dI]).To4(), net.ParseIP(f[mI]).To4(), net.ParseIP(gwText).To4()
		if dst == nil || mask == nil || gw == nil {
			e.add(n, line, "unreadable address")
			return
		}
		bits, size := net.IPMask(mask).Size()
		if size != 32 {
			e.add(n, line, "not a netmask")
			return
		}
		r := topo.Route{Table: topo.RouteTableMain, Family: 4, Dst: "default", Dev: f[iI]}
		if r.Dev == "-" || r.Dev == "*" {
			r.Dev = ""
		}
		if bits > 0 || !dst.IsUnspecified() {
			r.Dst = ipNetString(dst, bits)
		}
		if !gw.IsUnspecified() {
			r.Gateway = gw.String()
		}
		if strings.Contains(f[fI], "!") {
			r.Type = "unreachable"
		}
		if i, ok := col["Metric"]; ok {
			r.Metric, _ = atoi(f[i])
		}
		out.Routes = append(out.Routes, r)
	})
	return out, e.err("route -n", len(out.Routes))
}
