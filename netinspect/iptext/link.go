package iptext

import (
	"net"
	"strconv"
	"strings"

	"github.com/ostopo/ostopo/netinspect/topo"
)

// Known says which families of a device's facts a text held; the others
// are unknown, not zero or false.
type Known uint8

const (
	// KnowsIndex: the ifindex (ip prints it, ifconfig does not).
	KnowsIndex Known = 1 << iota
	// KnowsState: flags (admin up, carrier), MTU, MAC, oper state.
	KnowsState
	// KnowsMaster: the bridge or bond each device is enslaved to (ip
	// prints "master X"; ifconfig does not).
	KnowsMaster
	// KnowsKind: the kind line of `ip -d` (kind, tun mode, VLAN id, VNI),
	// and so which devices are veths, VLANs, macvlans.
	KnowsKind
	// KnowsAddrs: every address. Set for an ip address text that shows
	// one (the only proof it is not ip link); never for ifconfig, which
	// shows one IPv4 address per label and so hides the secondary ones,
	// such as a router's floating IPs.
	KnowsAddrs
)

// Has reports whether every family in f is known.
func (k Known) Has(f Known) bool { return k&f == f }

// Links is what one output of ip address, ip link or ifconfig says about
// the devices of one namespace.
type Links struct {
	// Links are the devices in the order printed, each with its
	// addresses (Addrs is never nil). Peer and Parent are not set here:
	// they need every namespace's devices (ResolvePeers).
	Links []topo.Link
	Known Known
	// Lower is, per ifindex, the device the name@X suffix points to: a
	// veth's peer, a VLAN's or macvlan's lower device. ResolvePeers turns
	// it into Peer and Parent as the collector does.
	Lower map[int]Lower
}

// Lower is the device a link's "name@X" suffix names, as printed.
type Lower struct {
	Name    string // "eth0" of "eth0.100@eth0"; "" when ip printed "@ifN"
	Index   int    // N of "@ifN"; 0 when ip printed a name
	NetnsID int    // link-netnsid K (relative to this namespace); -1 when none was printed
	Netns   string // link-netns NAME (iproute2 prints the name when it can)
}

// Link returns the device with that name, or nil.
func (l *Links) Link(name string) *topo.Link {
	for i := range l.Links {
		if l.Links[i].Name == name {
			return &l.Links[i]
		}
	}
	return nil
}

// ParseIPLinks reads ip address show, ip -d address show, ip link,
// ip -s -d link and their -o (one line) forms, from any iproute2 since
// 3.x: old outputs without "state", "group", valid_lft or link-netnsid,
// "-s" counter lines between devices, "name@ifN" and "name@NONE".
//
// What each field holds is what the collector reads through netlink: the
// kind only when the text is `-d` (the link line carries "promiscuity"),
// else "" even for a veth — except loopback, which the flags say; the
// MAC "" for an all-zero address; a tunnel's IPv4 or IPv6 link address
// as the hex bytes net.HardwareAddr prints; an address with a peer
// ("inet A peer B/24") as A/32, as netlink's IFA_LOCAL is read.
func ParseIPLinks(text string) (*Links, error) {
	p := linkParser{out: &Links{Links: []topo.Link{}, Lower: map[int]Lower{}}, byIndex: map[int]int{}, cur: -1}
	textLines(text, func(n int, line string) {
		// -o puts a device (or one address) on one line, its lines
		// joined by a backslash.
		if strings.Contains(line, "\\") {
			for i, part := range strings.Split(line, "\\") {
				if i > 0 {
					part = "    " + strings.TrimLeft(part, " \t")
				}
				p.line(n, part)
			}
			return
		}
		p.line(n, line)
	})
	out := p.out
	if p.headers > 0 {
		out.Known |= KnowsIndex | KnowsState | KnowsMaster
	}
	if p.detailed {
		out.Known |= KnowsKind
	}
	// Only an address line proves the text is ip address. An ip address
	// of a namespace without any address looks like ip link (before
	// iproute2 3.x, which added "mode" to ip link's lines, exactly so):
	// the caller that knows the command may add KnowsAddrs.
	if p.addrLines > 0 {
		out.Known |= KnowsAddrs
	}
	if p.addrOnly > 0 {
		out.Known |= KnowsIndex
	}
	for i := range out.Links {
		l := &out.Links[i]
		switch {
		case !p.detailed && !p.loopback[i]:
			l.Kind = "" // without ip -d the kind is unknown
		default:
			l.Kind = topo.LinkKind(p.kinds[i], p.loopback[i])
		}
	}
	return out, p.errs.err("ip address/link", len(out.Links))
}

type linkParser struct {
	out     *Links
	byIndex map[int]int // ifindex → position in out.Links
	cur     int         // position of the device being read, -1 for none
	// Per device, beside out.Links: the kind line's first word, whether
	// the flags said LOOPBACK, whether the kind line was seen.
	kinds    []string
	loopback []bool
	kindSeen []bool

	headers, addrLines, addrOnly int
	detailed                     bool
	skipNumbers                  bool // the line after "RX:"/"TX:" holds counters
	errs                         errs
}

func (p *linkParser) line(n int, line string) {
	trimmed := strings.TrimSpace(line)
	switch {
	case trimmed == "":
		return
	case !indented(line):
		p.skipNumbers = false
		p.header(n, line)
		return
	}
	f := strings.Fields(trimmed)
	if p.skipNumbers {
		p.skipNumbers = false
		if isNumber(f[0]) {
			return
		}
	}
	switch {
	case f[0] == "RX:" || f[0] == "TX:" || f[0] == "RX" || f[0] == "TX":
		// Counters: "RX: bytes packets ..." then a line of numbers; -s -s
		// adds "RX errors: ..." and its numbers.
		p.skipNumbers = true
		return
	case isNumber(f[0]):
		return // counters of an older layout, or a wrapped line of them
	}
	if p.cur < 0 {
		p.errs.add(n, line, "a device's detail before any device")
		return
	}
	l := &p.out.Links[p.cur]
	switch {
	case strings.HasPrefix(f[0], "link/"):
		p.linkLine(l, f)
	case f[0] == "inet" || f[0] == "inet6":
		if !p.addr(l, f) {
			p.errs.add(n, line, "unreadable address")
		}
	case f[0] == "valid_lft" || f[0] == "altname" || f[0] == "alias" || f[0] == "vf" ||
		f[0] == "prop" || f[0] == "cache" || f[0] == "protodown_reason" || strings.HasSuffix(f[0], "_slave"):
		// Lifetimes, other names, VF and slave details: nothing the
		// collector keeps.
	case p.detailed && !p.kindSeen[p.cur] && isKindWord(f[0]):
		p.kindSeen[p.cur] = true
		p.kinds[p.cur] = f[0]
		p.kindDetails(l, f)
	}
}

// header reads "2: eth0@if12: <BROADCAST,UP,LOWER_UP> mtu 1500 ... state
// UP ..." and, for ip -o address, "2: eth0    inet 10.0.0.1/24 ...".
func (p *linkParser) header(n int, line string) {
	idxText, rest, ok := strings.Cut(line, ":")
	index, isIdx := atoi(strings.TrimSpace(idxText))
	if !ok || !isIdx || index == 0 {
		// Garbage (a line wrapped by whoever pasted it) does not end the
		// device being read.
		p.errs.add(n, line, "not a device line")
		return
	}
	p.cur = -1
	rest = strings.TrimLeft(rest, " \t")
	name, after, hasColon := strings.Cut(rest, ":")
	if f := strings.Fields(rest); !hasColon || strings.ContainsAny(name, " \t") {
		// ip -o address: "N: NAME    inet ..." (no flags, one address).
		if len(f) < 2 || f[1] != "inet" && f[1] != "inet6" {
			p.errs.add(n, line, "not a device line")
			return
		}
		p.addrOnly++
		l := p.device(index, f[0])
		if !p.addr(l, f[1:]) {
			p.errs.add(n, line, "unreadable address")
		}
		return
	}
	p.headers++
	name, lower := splitLower(name)
	l := p.device(index, name)
	after = strings.TrimSpace(after)
	if !strings.HasPrefix(after, "<") {
		p.errs.add(n, line, "no flags on a device line")
		return
	}
	flags, kv, _ := strings.Cut(after[1:], ">")
	for _, fl := range strings.Split(flags, ",") {
		switch fl {
		case "UP":
			l.AdminUp = true
		case "LOWER_UP":
			l.Carrier = true
		case "LOOPBACK":
			p.loopback[p.cur] = true
		}
	}
	f := strings.Fields(kv)
	for i := 0; i+1 < len(f); i += 2 {
		switch v := f[i+1]; f[i] {
		case "mtu":
			if m, ok := atoi(v); ok {
				l.MTU = m
			}
		case "master":
			l.Master = v
		case "state":
			l.OperState = operState(v)
		}
	}
	if lower != nil {
		ref, ok := p.out.Lower[index]
		if !ok {
			ref.NetnsID = -1
		}
		ref.Name, ref.Index = lower.Name, lower.Index
		p.out.Lower[index] = ref
	}
}

// device returns the device with that index, adding it when new (ip -o
// address repeats a device on each of its addresses' lines).
func (p *linkParser) device(index int, name string) *topo.Link {
	if i, ok := p.byIndex[index]; ok {
		p.cur = i
		return &p.out.Links[i]
	}
	p.out.Links = append(p.out.Links, topo.Link{Index: index, Name: name, Addrs: []topo.Addr{}})
	p.kinds = append(p.kinds, "")
	p.loopback = append(p.loopback, false)
	p.kindSeen = append(p.kindSeen, false)
	p.cur = len(p.out.Links) - 1
	p.byIndex[index] = p.cur
	return &p.out.Links[p.cur]
}

// splitLower cuts "veth0@if12", "qvb1@qvo1", "gre0@NONE" into the name
// and what it points to (nil for @NONE or no suffix). A name may hold
// '@' itself; ip adds the suffix after the last one.
func splitLower(s string) (string, *Lower) {
	i := strings.LastIndexByte(s, '@')
	if i <= 0 {
		return s, nil
	}
	name, target := s[:i], s[i+1:]
	switch {
	case target == "NONE" || target == "":
		return name, nil
	case strings.HasPrefix(target, "if"):
		if n, ok := atoi(target[2:]); ok && n > 0 {
			return name, &Lower{Index: n, NetnsID: -1}
		}
	}
	return name, &Lower{Name: target, NetnsID: -1}
}

// linkLine reads "link/ether MAC brd X [link-netnsid K | link-netns NAME]
// [promiscuity N ...]".
func (p *linkParser) linkLine(l *topo.Link, f []string) {
	if len(f) > 1 && f[1] != "brd" && f[1] != "peer" {
		l.MAC = linkAddress(f[1])
	}
	for i := 1; i < len(f); i++ {
		switch f[i] {
		case "promiscuity":
			p.detailed = true
		case "link-netnsid", "link-netns":
			if i+1 >= len(f) {
				continue
			}
			ref, ok := p.out.Lower[l.Index]
			if !ok {
				ref.NetnsID = -1
			}
			if f[i] == "link-netns" {
				ref.Netns = f[i+1]
			} else if id, ok := atoi(f[i+1]); ok {
				ref.NetnsID = id
			}
			p.out.Lower[l.Index] = ref
			i++
		}
	}
}

// linkAddress is a device's link-layer address as the collector writes
// IFLA_ADDRESS: colon hex of its bytes, "" when all are zero. ip prints
// an Ethernet address in hex and a tunnel's as an IP address.
func linkAddress(s string) string {
	var b []byte
	if ip := net.ParseIP(s); ip != nil {
		b = ip
		if v4 := ip.To4(); v4 != nil && !strings.Contains(s, ":") {
			b = v4
		}
	} else {
		for _, part := range strings.Split(s, ":") {
			v, err := strconv.ParseUint(part, 16, 8)
			if err != nil || len(part) == 0 || len(part) > 2 {
				return ""
			}
			b = append(b, byte(v))
		}
	}
	zero := true
	for _, c := range b {
		zero = zero && c == 0
	}
	if zero {
		return ""
	}
	return net.HardwareAddr(b).String()
}

// addrFlags are the words ip prints between an address's scope and its
// label.
var addrFlags = map[string]bool{
	"secondary": true, "temporary": true, "tentative": true, "deprecated": true, "dadfailed": true,
	"mngtmpaddr": true, "noprefixroute": true, "autojoin": true, "nodad": true, "optimistic": true,
	"home": true, "dynamic": true, "permanent": true, "stable-privacy": true, "primary": true,
}

// addr reads "inet 10.0.0.2/24 brd 10.0.0.255 scope global secondary
// eth0:1" (f[0] is inet or inet6) onto the link.
func (p *linkParser) addr(l *topo.Link, f []string) bool {
	if len(f) < 2 {
		return false
	}
	p.addrLines++
	ip, bits, ok := parseAddr(f[1])
	if !ok || (f[0] == "inet") != (ip.To4() != nil && !strings.Contains(f[1], ":")) {
		return false
	}
	a := topo.Addr{}
	last := 1 // the last word that was an address, key or value
	for i := 2; i < len(f); i++ {
		switch f[i] {
		case "peer":
			// ip prints the local end without a length ("inet A peer
			// B/24"): it is netlink's IFA_LOCAL, which the collector
			// reads at full length; the length is the peer's.
			i++
		case "brd", "any", "metric", "proto":
			i++
		case "scope":
			if i+1 < len(f) {
				a.Scope, _ = scopeWord(f[i+1])
			}
			i++
		default:
			if !addrFlags[f[i]] {
				continue
			}
		}
		last = i
	}
	// The label comes last, on IPv4 addresses only.
	if f[0] == "inet" && last < len(f)-1 && f[len(f)-1] != l.Name {
		a.Label = f[len(f)-1]
	}
	a.Prefix = ipNetString(ip, bits)
	l.Addrs = append(l.Addrs, a)
	return true
}

// kindDetails reads what the collector keeps from a kind line: a tun's
// mode ("tun type tap ..."), a VLAN's id ("vlan protocol 802.1Q id
// 100"), a VXLAN's VNI ("vxlan id 42 ...").
func (p *linkParser) kindDetails(l *topo.Link, f []string) {
	val := func(key string) (int, bool) {
		for i := 1; i+1 < len(f); i++ {
			if f[i] == key {
				return atoi(f[i+1])
			}
		}
		return 0, false
	}
	switch f[0] {
	case "tun":
		// The collector's default: a tun without IFF_TUN is a tap.
		l.TunMode = "tap"
		for i := 1; i+1 < len(f); i++ {
			if f[i] == "type" && f[i+1] == "tun" {
				l.TunMode = "tun"
			}
		}
	case "vlan":
		if id, ok := val("id"); ok {
			l.VLANID = id
		}
	case "vxlan":
		if id, ok := val("id"); ok {
			l.VNI = id
		}
	}
}

// isKindWord reports whether a detail line's first word can be a link
// kind (IFLA_INFO_KIND: lower-case letters, digits, '_', '-', '.') rather
// than the rest of the link line's details.
func isKindWord(w string) bool {
	switch w {
	case "addrgenmode", "numtxqueues", "numrxqueues", "gso_max_size", "gso_max_segs",
		"tso_max_size", "tso_max_segs", "gro_max_size", "gso_ipv4_max_size", "gro_ipv4_max_size",
		"promiscuity", "allmulti", "minmtu", "maxmtu", "parentbus", "parentdev", "portid",
		"portname", "switchid", "link-netnsid", "link-netns":
		return false
	}
	for _, c := range w {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.') {
			return false
		}
	}
	return w != ""
}

// operState is the netlink library's name for ip's oper state word.
func operState(s string) string {
	switch s {
	case "UP":
		return "up"
	case "DOWN":
		return "down"
	case "LOWERLAYERDOWN":
		return "lower-layer-down"
	case "NOTPRESENT":
		return "not-present"
	case "TESTING":
		return "testing"
	case "DORMANT":
		return "dormant"
	case "UNKNOWN":
		return "unknown"
	}
	return "unknown"
}

func isNumber(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// Merge completes l with what other says about the same devices (matched
// by ifindex when both texts have it, else by name): each family of facts
// that l lacks and other holds is taken from other, devices only other
// lists are added. For ip -o address beside ip -s -d link, or ip address
// beside ip -d link.
func (l *Links) Merge(other *Links) {
	if other == nil {
		return
	}
	useIndex := l.Known.Has(KnowsIndex) && other.Known.Has(KnowsIndex)
	find := func(o *topo.Link) *topo.Link {
		for i := range l.Links {
			if useIndex && l.Links[i].Index == o.Index || !useIndex && l.Links[i].Name == o.Name {
				return &l.Links[i]
			}
		}
		return nil
	}
	for _, o := range other.Links {
		t := find(&o)
		if t == nil {
			o.Addrs = append([]topo.Addr{}, o.Addrs...)
			if !other.Known.Has(KnowsAddrs) && l.Known.Has(KnowsAddrs) {
				o.Addrs = []topo.Addr{} // the device has none, or l would list it
			}
			l.Links = append(l.Links, o)
			if ref, ok := other.Lower[o.Index]; ok {
				l.Lower[o.Index] = ref
			}
			continue
		}
		if t.Index == 0 {
			t.Index = o.Index
		}
		if !l.Known.Has(KnowsState) && other.Known.Has(KnowsState) {
			t.MTU, t.MAC, t.OperState, t.AdminUp, t.Carrier = o.MTU, o.MAC, o.OperState, o.AdminUp, o.Carrier
		}
		if !l.Known.Has(KnowsMaster) && other.Known.Has(KnowsMaster) {
			t.Master = o.Master
		}
		if !l.Known.Has(KnowsKind) && other.Known.Has(KnowsKind) || t.Kind == "" && o.Kind != "" {
			t.Kind, t.TunMode, t.VLANID, t.VNI = o.Kind, o.TunMode, o.VLANID, o.VNI
		}
		if !l.Known.Has(KnowsAddrs) && other.Known.Has(KnowsAddrs) {
			t.Addrs = append([]topo.Addr{}, o.Addrs...)
		}
		if ref, ok := other.Lower[o.Index]; ok {
			if _, have := l.Lower[t.Index]; !have || ref.NetnsID >= 0 || ref.Netns != "" {
				l.Lower[t.Index] = ref
			}
		}
	}
	l.Known |= other.Known
}
