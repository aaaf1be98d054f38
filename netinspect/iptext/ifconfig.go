package iptext

import (
	"net"
	"strconv"
	"strings"

	"github.com/ostopo/ostopo/netinspect/topo"
)

// ParseIfconfig reads `ifconfig -a` from net-tools, in the old format
// ("eth0      Link encap:Ethernet  HWaddr ...", 1.60) and the new one
// ("eth0: flags=4163<UP,...>  mtu 1500", 2.x): what sos 3.1/3.2 kept of a
// Neutron namespace.
//
// It tells less than ip (Known says what): no ifindex, no kind (but
// loopback), no master, no veth peer; RUNNING is the kernel's "oper up",
// so it is taken as the carrier, and the oper state is known only for a
// device that is down ("down"), "" otherwise. Only one IPv4 address per
// label is shown, so a device's secondary addresses (a router's
// floating IPs) are missing and KnowsAddrs is not set; the addresses it
// shows are on Addrs, an alias's ("eth0:1") on its device with the alias
// as label. ifconfig prints no IPv4 scope: it is taken as the one ip and
// Neutron's agents give an address added without one (iproute2's
// default_scope: host for 127.0.0.0/8, global otherwise).
func ParseIfconfig(text string) (*Links, error) {
	p := ifconfigParser{out: &Links{Links: []topo.Link{}, Lower: map[int]Lower{}, Known: KnowsState}, cur: -1}
	textLines(text, func(n int, line string) {
		if strings.TrimSpace(line) == "" {
			return
		}
		if !indented(line) {
			name, rest, ok := ifconfigHeader(line)
			if !ok {
				p.errs.add(n, line, "not an interface line")
				p.cur = -1
				return
			}
			p.device(name)
			if !p.detail(rest) {
				p.errs.add(n, line, "unreadable interface line")
			}
			return
		}
		if p.cur < 0 {
			p.errs.add(n, line, "an interface's detail before any interface")
			return
		}
		if !p.detail(strings.TrimSpace(line)) {
			p.errs.add(n, line, "unreadable interface detail")
		}
	})
	return p.out, p.errs.err("ifconfig", len(p.out.Links))
}

type ifconfigParser struct {
	out   *Links
	cur   int    // the device being read, -1 for none
	label string // the name it is shown under: "eth0:1" for an alias
	alias bool   // an alias repeats its device's flags and MTU: not read again
	errs  errs
}

// ifconfigHeader splits an interface's first line: the old format's
// "eth0:1    Link encap:Ethernet  HWaddr ..." and the new one's
// "eth0:1: flags=4163<...>  mtu 1500".
func ifconfigHeader(line string) (name, rest string, ok bool) {
	if i := strings.Index(line, ": flags="); i > 0 && !strings.ContainsAny(line[:i], " \t") {
		return line[:i], strings.TrimSpace(line[i+2:]), true
	}
	f := strings.Fields(line)
	if len(f) >= 2 && strings.HasPrefix(f[1], "Link") {
		return f[0], strings.TrimSpace(strings.TrimPrefix(line, f[0])), true
	}
	return "", "", false
}

// device makes the device an interface name is on current ("eth0:1" is
// eth0 under the label eth0:1), adding it when new.
func (p *ifconfigParser) device(name string) {
	dev, _, isAlias := strings.Cut(name, ":")
	p.label, p.alias = name, isAlias
	for i := range p.out.Links {
		if p.out.Links[i].Name == dev {
			p.cur = i
			return
		}
	}
	p.out.Links = append(p.out.Links, topo.Link{Name: dev, Addrs: []topo.Addr{}})
	p.cur = len(p.out.Links) - 1
}

// detail reads one line of an interface; false when it is not one of
// ifconfig's.
func (p *ifconfigParser) detail(s string) bool {
	l := &p.out.Links[p.cur]
	f := strings.Fields(s)
	if len(f) == 0 {
		return true
	}
	switch {
	case strings.HasPrefix(s, "Link encap:"): // old: "Link encap:Ethernet  HWaddr 00:16:3E:..."
		if strings.HasPrefix(s, "Link encap:Local Loopback") {
			l.Kind = "loopback"
		}
		for i := 0; i+1 < len(f); i++ {
			if f[i] == "HWaddr" && !p.alias {
				l.MAC = linkAddress(strings.ReplaceAll(f[i+1], "-", ":"))
			}
		}
	case strings.HasPrefix(s, "flags="): // new: "flags=4163<UP,BROADCAST,RUNNING,MULTICAST>  mtu 1500"
		_, names, _ := strings.Cut(s, "<")
		names, rest, _ := strings.Cut(names, ">")
		p.flags(l, strings.Split(names, ","))
		if r := strings.Fields(rest); len(r) >= 2 && r[0] == "mtu" && !p.alias {
			l.MTU, _ = atoi(r[1])
		}
	case f[0] == "inet":
		return p.inet(l, f)
	case f[0] == "inet6":
		return p.inet6(l, f)
	case f[0] == "ether" || f[0] == "unspec" || f[0] == "infiniband": // new: "ether fa:16:3e:..  txqueuelen 1000  (Ethernet)"
		if len(f) >= 2 && !p.alias {
			l.MAC = linkAddress(strings.ReplaceAll(f[1], "-", ":"))
		}
	case f[0] == "loop": // new: "loop  txqueuelen 1000  (Local Loopback)"
		l.Kind = "loopback"
	case isFlagWord(f[0]) || strings.HasPrefix(f[0], "MTU:"): // old: "UP BROADCAST RUNNING MULTICAST  MTU:1500  Metric:1"
		var names []string
		for _, w := range f {
			if m, ok := strings.CutPrefix(w, "MTU:"); ok {
				if !p.alias {
					l.MTU, _ = atoi(m)
				}
				continue
			}
			if isFlagWord(w) {
				names = append(names, w)
			}
		}
		p.flags(l, names)
	default:
		// Counters, txqueuelen, Interrupt, Memory, tunnel details:
		// nothing the model keeps. They must look like ifconfig's.
		return ifconfigOther(f[0])
	}
	return true
}

// flags reads UP, RUNNING and LOOPBACK (an alias's flags are its
// device's).
func (p *ifconfigParser) flags(l *topo.Link, names []string) {
	if p.alias {
		return
	}
	running := false
	for _, n := range names {
		switch n {
		case "UP":
			l.AdminUp = true
		case "RUNNING":
			running = true
		case "LOOPBACK":
			l.Kind = "loopback"
		}
	}
	// IFF_RUNNING is the kernel's "oper up" (up, or unknown for taps and
	// OVS internal ports): the carrier for a device that is up. A device
	// set down is oper down; for one up and not running, the kernel's
	// exact state (down, lower-layer-down, dormant) is not shown.
	l.Carrier = running
	if !l.AdminUp {
		l.OperState = "down"
	}
}

// inet reads "inet addr:10.0.0.2  Bcast:10.0.0.255  Mask:255.255.255.0"
// (with "P-t-P:" for a point-to-point address) or "inet 10.0.0.2
// netmask 255.255.255.0  broadcast 10.0.0.255" ("destination" for one).
func (p *ifconfigParser) inet(l *topo.Link, f []string) bool {
	var addr, mask, peer string
	for i := 1; i < len(f); i++ {
		switch {
		case strings.HasPrefix(f[i], "addr:"):
			addr = f[i][len("addr:"):]
		case strings.HasPrefix(f[i], "Mask:"):
			mask = f[i][len("Mask:"):]
		case strings.HasPrefix(f[i], "P-t-P:"):
			peer = f[i][len("P-t-P:"):]
		case i == 1:
			addr = f[i]
		case i+1 < len(f) && f[i] == "netmask":
			mask = f[i+1]
			i++
		case i+1 < len(f) && f[i] == "destination":
			peer = f[i+1]
			i++
		case i+1 < len(f) && f[i] == "broadcast":
			i++
		}
	}
	ip := net.ParseIP(addr).To4()
	if ip == nil {
		return false
	}
	bits := 32
	if m := net.ParseIP(mask).To4(); m != nil {
		if ones, size := net.IPMask(m).Size(); size == 32 {
			bits = ones
		}
	}
	// As the collector reads IFA_LOCAL: an address with a peer has the
	// full length.
	if peer != "" && peer != addr {
		bits = 32
	}
	a := topo.Addr{Prefix: ipNetString(ip, bits), Scope: "global"}
	if ip[0] == 127 {
		a.Scope = "host"
	}
	if p.label != l.Name {
		a.Label = p.label
	}
	l.Addrs = append(l.Addrs, a)
	return true
}

// inet6 reads "inet6 addr: fe80::1/64 Scope:Link" or "inet6 fe80::1
// prefixlen 64  scopeid 0x20<link>".
func (p *ifconfigParser) inet6(l *topo.Link, f []string) bool {
	var addr, scope string
	bits := -1
	for i := 1; i < len(f); i++ {
		switch {
		case f[i] == "addr:":
		case strings.HasPrefix(f[i], "Scope:"):
			scope = strings.ToLower(f[i][len("Scope:"):])
		case i+1 < len(f) && f[i] == "prefixlen":
			bits, _ = strconv.Atoi(f[i+1])
			i++
		case i+1 < len(f) && f[i] == "scopeid":
			_, s, _ := strings.Cut(f[i+1], "<")
			scope, _, _ = strings.Cut(s, ">")
			i++
		case addr == "":
			addr = f[i]
		}
	}
	ip, plen, ok := parseAddr(addr)
	if !ok || ip.To4() != nil && !strings.Contains(addr, ":") {
		return false
	}
	if bits >= 0 && bits <= 128 {
		plen = bits
	}
	a := topo.Addr{Prefix: ipNetString(ip, plen)}
	if s, ok := scopes[scope]; ok {
		a.Scope = scopeName(s)
	}
	// ifconfig shows IPv6 addresses under the device, never an alias.
	if p.alias {
		return true
	}
	l.Addrs = append(l.Addrs, a)
	return true
}

// isFlagWord reports whether w is one of the flag words of the old
// format's flags line.
func isFlagWord(w string) bool {
	switch w {
	case "UP", "BROADCAST", "DEBUG", "LOOPBACK", "POINTOPOINT", "NOTRAILERS", "RUNNING", "NOARP",
		"PROMISC", "ALLMULTI", "MASTER", "SLAVE", "MULTICAST", "DYNAMIC", "PORTSEL", "AUTOMEDIA":
		return true
	}
	return false
}

// ifconfigOther reports whether a line's first word is one of
// ifconfig's lines the model has no use for.
func ifconfigOther(w string) bool {
	switch w {
	case "RX", "TX", "collisions:", "Interrupt:", "Memory:", "Base", "device", "txqueuelen",
		"loop", "tunnel", "UNKNOWN", "ppp":
		return true
	}
	return strings.HasPrefix(w, "collisions:") || strings.HasPrefix(w, "Interrupt:") ||
		strings.HasPrefix(w, "Memory:") || strings.HasPrefix(w, "txqueuelen:") || strings.HasPrefix(w, "RX") ||
		strings.HasPrefix(w, "TX")
}
