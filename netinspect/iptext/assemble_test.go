package iptext

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/ostopo/ostopo/netinspect/topo"
)

// The outputs recorded per namespace, named as sos names their files.
const (
	cmdAddrD      = "ip_-d_address_show"
	cmdAddr       = "ip_address_show"
	cmdLinkSD     = "ip_-s_-d_link"
	cmdAddrO      = "ip_-o_addr"
	cmdRoute      = "ip_route_show_table_all"
	cmdRule4      = "ip_-4_rule_list"
	cmdRule6      = "ip_-6_rule_list"
	cmdNeigh      = "ip_-s_-s_neigh_show"
	cmdNeighNoarp = "ip_neigh_show_nud_noarp"
	cmdSysctl     = "sysctl_-a"
	cmdIPTables   = "iptables-save"
	cmdNetns      = "ip_netns"
	cmdIfconfig   = "ifconfig_-a"
	cmdRouteN     = "route_-n"
	cmdNATRules   = "iptables_-t_nat_-S"
)

// recordedCommands are the commands recorded in each namespace, by the
// file they are kept in (argv after "ip netns exec NS").
var recordedCommands = map[string][]string{
	cmdAddrD:      {"ip", "-d", "address", "show"},
	cmdAddr:       {"ip", "address", "show"},
	cmdLinkSD:     {"ip", "-s", "-d", "link"},
	cmdAddrO:      {"ip", "-o", "addr"},
	cmdRoute:      {"ip", "route", "show", "table", "all"},
	cmdRule4:      {"ip", "-4", "rule", "list"},
	cmdRule6:      {"ip", "-6", "rule", "list"},
	cmdNeigh:      {"ip", "-s", "-s", "neigh", "show"},
	cmdNeighNoarp: {"ip", "neigh", "show", "nud", "noarp"},
	cmdSysctl:     {"sysctl", "-a"},
	cmdIPTables:   {"iptables-save"},
	cmdNetns:      {"ip", "netns"},
	cmdIfconfig:   {"ifconfig", "-a"},
	cmdRouteN:     {"route", "-n"},
	cmdNATRules:   {"iptables", "-t", "nat", "-S"},
}

// nsTexts are one namespace's recorded outputs, by file name.
type nsTexts struct {
	name  string // "" for the node's own namespace
	alias string // its name under /run/netns, for the node's own
	files map[string]string
}

// assembled is a namespace built from its texts, and what ResolvePeers
// needs of it.
type assembled struct {
	ns    topo.Namespace
	lower map[int]Lower
	ids   map[int]string
}

// assemble builds one namespace from its texts as an importer would,
// reading the device list from addrFile (and, when it is ip -s -d link,
// the addresses from ip -o addr).
func assemble(t *testing.T, x nsTexts, addrFile string) assembled {
	t.Helper()
	kind, id := topo.ClassifyNamespace(x.name)
	ns := topo.Namespace{Name: x.name, Root: x.name == "", Kind: kind, ID: id}
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s %s: %v", x.label(), what, err)
		}
	}
	links, err := ParseIPLinks(x.files[addrFile])
	must(addrFile, err)
	if addrFile == cmdLinkSD {
		addrs, err := ParseIPLinks(x.files[cmdAddrO])
		must(cmdAddrO, err)
		links.Merge(addrs)
	}
	ns.Links = links.Links
	routes, err := ParseRoutes(x.files[cmdRoute], Options{})
	must(cmdRoute, err)
	ns.Routes, ns.DerivedRoutesOmitted = routes.Routes, routes.DerivedOmitted
	r4, err := ParseRules(x.files[cmdRule4], Options{Family: 4})
	must(cmdRule4, err)
	r6, err := ParseRules(x.files[cmdRule6], Options{Family: 6})
	must(cmdRule6, err)
	ns.Rules = append(r4, r6...)
	n1, err := ParseNeighbours(x.files[cmdNeigh])
	must(cmdNeigh, err)
	n2, err := ParseNeighbours(x.files[cmdNeighNoarp])
	must(cmdNeighNoarp, err)
	ns.Neighbors = n1
	for _, n := range n2 {
		if !slices.ContainsFunc(ns.Neighbors, func(m topo.Neighbor) bool { return m.Dev == n.Dev && m.IP == n.IP }) {
			ns.Neighbors = append(ns.Neighbors, n)
		}
	}
	sys, err := ParseSysctl(x.files[cmdSysctl])
	must(cmdSysctl, err)
	sys.Apply(&ns)
	switch kind {
	case topo.NSRouter, topo.NSSNAT, topo.NSFIP:
		nat, err := ParseNAT(x.files[cmdIPTables])
		must(cmdIPTables, err)
		ns.NAT = nat.Table
	}
	a := assembled{ns: ns, lower: links.Lower}
	if x.name == "" {
		entries, err := ParseNetns(x.files[cmdNetns])
		must(cmdNetns, err)
		a.ids = NetnsIDs(entries)
	}
	return a
}

func (x nsTexts) label() string {
	if x.name == "" {
		return "(root)"
	}
	return x.name
}

// assembleAll builds every namespace and names their veth peers.
func assembleAll(t *testing.T, all []nsTexts, addrFile string) []topo.Namespace {
	t.Helper()
	parts := make([]assembled, len(all))
	scopes := make([]PeerScope, len(all))
	for i, x := range all {
		parts[i] = assemble(t, x, addrFile)
	}
	for i := range parts {
		scopes[i] = PeerScope{NS: &parts[i].ns, Lower: parts[i].lower, IDs: parts[i].ids}
		if all[i].alias != "" {
			scopes[i].Aliases = []string{all[i].alias}
		}
	}
	ResolvePeers(scopes)
	out := make([]topo.Namespace, len(parts))
	for i := range parts {
		out[i] = parts[i].ns
		out[i].Normalize()
	}
	slices.SortFunc(out, func(a, b topo.Namespace) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// comparable clears what a text cannot hold and the collector records
// (the namespace's file and inode), and sorts as a snapshot is.
func comparable(nss []topo.Namespace) []topo.Namespace {
	out := slices.Clone(nss)
	for i := range out {
		out[i].Path, out[i].Inode = "", 0
		out[i].Rules = withoutMulticastRoutingRules(out[i].Rules)
		out[i].Normalize()
	}
	slices.SortFunc(out, func(a, b topo.Namespace) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// withoutKinds clears the facts only ip -d holds (kinds, tun modes, VLAN
// ids, VNIs, and so veth peers and lower devices), except loopback,
// which the flags say.
func withoutKinds(nss []topo.Namespace) []topo.Namespace {
	out := make([]topo.Namespace, len(nss))
	for i, ns := range nss {
		out[i] = ns
		out[i].Links = slices.Clone(ns.Links)
		for j := range out[i].Links {
			l := &out[i].Links[j]
			if l.Kind != "loopback" {
				l.Kind = ""
			}
			l.TunMode, l.VLANID, l.VNI, l.Peer, l.Parent = "", 0, 0, nil, ""
		}
	}
	return out
}

// readRecorded reads a scenario recorded under testdata/live/<name>: a
// directory per namespace ("root" for the node's own) and collected.json,
// the collector's namespaces read at the same time.
func readRecorded(t *testing.T, dir string) (texts []nsTexts, collected []topo.Namespace) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "collected.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &collected); err != nil {
		t.Fatal(err)
	}
	alias, _ := os.ReadFile(filepath.Join(dir, "root", "netns-name"))
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		x := nsTexts{name: e.Name(), files: map[string]string{}}
		if x.name == "root" {
			x.name, x.alias = "", strings.TrimSpace(string(alias))
		}
		for f := range recordedCommands {
			b, err := os.ReadFile(filepath.Join(dir, e.Name(), f))
			if err == nil {
				x.files[f] = string(b)
			}
		}
		texts = append(texts, x)
	}
	return texts, collected
}

// writeRecorded writes a scenario for readRecorded.
func writeRecorded(t *testing.T, dir string, texts []nsTexts, collected []topo.Namespace) {
	t.Helper()
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	for _, x := range texts {
		sub := x.name
		if sub == "" {
			sub = "root"
		}
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			t.Fatal(err)
		}
		if x.alias != "" {
			if err := os.WriteFile(filepath.Join(dir, sub, "netns-name"), []byte(x.alias+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		for f, text := range x.files {
			if f == cmdSysctl {
				text = netIPv4Only(text)
			}
			if err := os.WriteFile(filepath.Join(dir, sub, f), []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	b, err := json.MarshalIndent(comparable(collected), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "collected.json"), append(b, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
}

// checkAgainstCollector is the key check: the namespaces read from the
// texts are what the collector read from the same namespaces, fact by
// fact; without -d, all but the facts only -d holds; from ip -s -d link
// with ip -o addr, the same as from ip -d address.
func checkAgainstCollector(t *testing.T, texts []nsTexts, collected []topo.Namespace) {
	t.Helper()
	want := comparable(collected)
	got := assembleAll(t, texts, cmdAddrD)
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("ip -d address and the rest differ from the collector (-collector +text):\n%s", d)
	}
	plain := assembleAll(t, texts, cmdAddr)
	if d := cmp.Diff(withoutKinds(want), plain); d != "" {
		t.Errorf("ip address show (no -d) differs from the collector but for kinds (-collector +text):\n%s", d)
	}
	for _, ns := range plain {
		for _, l := range ns.Links {
			if l.Kind != "" && l.Kind != "loopback" {
				t.Errorf("%s %s: kind %q read from a text without -d", ns.Label(), l.Name, l.Kind)
			}
		}
	}
	linked := assembleAll(t, texts, cmdLinkSD)
	if d := cmp.Diff(want, linked); d != "" {
		t.Errorf("ip -s -d link with ip -o addr differs from the collector (-collector +text):\n%s", d)
	}
	checkNetTools(t, texts, want)
	checkNATRules(t, texts, want)
}

// checkNATRules holds iptables -t nat -S to the collector's NAT tables
// (read with iptables-save): the same chains and rules; its backend is
// unknown, -S prints no banner.
func checkNATRules(t *testing.T, texts []nsTexts, want []topo.Namespace) {
	t.Helper()
	for _, x := range texts {
		for _, ns := range want {
			if ns.Name != x.name || ns.NAT == nil || x.files[cmdNATRules] == "" {
				continue
			}
			nat, err := ParseNAT(x.files[cmdNATRules])
			if err != nil {
				t.Errorf("%s iptables -t nat -S: %v", x.label(), err)
				continue
			}
			w := *ns.NAT
			w.Backend = ""
			if d := cmp.Diff(&w, nat.Table); d != "" {
				t.Errorf("%s iptables -t nat -S differs from the collector (-collector +text):\n%s", x.label(), d)
			}
		}
	}
}

// checkNetTools holds ifconfig -a and route -n to the collector as far
// as they go: the same devices with the same MAC, MTU, admin state,
// loopback kind; RUNNING where the collector has carrier and an oper
// state of up or unknown; the addresses ifconfig can show (every IPv6
// one, the first IPv4 one per label) with the scope the collector read;
// the main table's IPv4 routes with their destination, gateway, device
// and metric, and reject routes as such.
func checkNetTools(t *testing.T, texts []nsTexts, want []topo.Namespace) {
	t.Helper()
	for _, x := range texts {
		var ns *topo.Namespace
		for i := range want {
			if want[i].Name == x.name {
				ns = &want[i]
			}
		}
		if ns == nil || Recognise(x.files[cmdIfconfig]) != KindIfconfig {
			continue
		}
		got, err := ParseIfconfig(x.files[cmdIfconfig])
		if err != nil {
			t.Errorf("%s ifconfig: %v", x.label(), err)
			continue
		}
		if len(got.Links) != len(ns.Links) {
			t.Errorf("%s ifconfig: %d devices, the collector %d", x.label(), len(got.Links), len(ns.Links))
		}
		for _, g := range got.Links {
			c := ns.Link(g.Name)
			if c == nil {
				t.Errorf("%s ifconfig: %s is not the collector's", x.label(), g.Name)
				continue
			}
			wantKind := ""
			if c.Kind == "loopback" {
				wantKind = "loopback"
			}
			running := c.AdminUp && c.Carrier && (c.OperState == "up" || c.OperState == "unknown")
			wantOper := ""
			if !c.AdminUp {
				wantOper = "down"
			}
			if g.MAC != c.MAC || g.MTU != c.MTU || g.AdminUp != c.AdminUp || g.Kind != wantKind ||
				g.Carrier != running || g.OperState != wantOper {
				t.Errorf("%s ifconfig %s: mac %q mtu %d up %v kind %q running %v oper %q; collector: mac %q mtu %d up %v kind %q carrier %v oper %q",
					x.label(), g.Name, g.MAC, g.MTU, g.AdminUp, g.Kind, g.Carrier, g.OperState, c.MAC, c.MTU, c.AdminUp, c.Kind, c.Carrier, c.OperState)
			}
			var shown []topo.Addr
			labels := map[string]bool{}
			for _, a := range c.Addrs {
				if strings.Contains(a.Prefix, ":") {
					shown = append(shown, a)
					continue
				}
				if label := a.Label + "@"; !labels[label] {
					labels[label] = true
					shown = append(shown, a)
				}
			}
			sortAddrs := func(a []topo.Addr) []topo.Addr {
				a = slices.Clone(a)
				slices.SortFunc(a, func(x, y topo.Addr) int { return strings.Compare(x.Prefix, y.Prefix) })
				return a
			}
			if d := cmp.Diff(sortAddrs(shown), sortAddrs(g.Addrs), cmpopts.EquateEmpty()); d != "" {
				t.Errorf("%s ifconfig %s addresses (-collector +ifconfig):\n%s", x.label(), g.Name, d)
			}
		}
		if Recognise(x.files[cmdRouteN]) != KindRouteN {
			continue
		}
		routes, err := ParseRouteN(x.files[cmdRouteN])
		if err != nil {
			t.Errorf("%s route -n: %v", x.label(), err)
			continue
		}
		type short struct {
			Dst, Gateway, Dev string
			Metric            int
			Reject            bool
		}
		var wantR, gotR []short
		for _, r := range ns.Routes {
			if r.Table == topo.RouteTableMain && r.Family == 4 {
				wantR = append(wantR, short{r.Dst, r.Gateway, r.Dev, r.Metric, r.Type == "unreachable" || r.Type == "prohibit"})
			}
		}
		for _, r := range routes.Routes {
			gotR = append(gotR, short{r.Dst, r.Gateway, r.Dev, r.Metric, r.Type == "unreachable"})
		}
		cmpShort := func(a, b short) int { return strings.Compare(a.Dst+a.Dev, b.Dst+b.Dev) }
		slices.SortFunc(wantR, cmpShort)
		slices.SortFunc(gotR, cmpShort)
		if d := cmp.Diff(wantR, gotR); d != "" {
			t.Errorf("%s route -n (-collector +route -n):\n%s", x.label(), d)
		}
	}
}

// withoutMulticastRoutingRules drops what the collector records of the
// multicast routing rules: it dumps the rules of every family and
// records a rule that is not IPv6 as IPv4 (collect/ruledump_linux.go
// parseRule), so the kernel's IPMR and IP6MR default rules (priority
// 32767, tables default and main, no selector) appear beside ip rule's
// IPv4 rules, which ip -4 rule does not list. A collector quirk, not a
// fact of the namespace: the text cannot hold it.
func withoutMulticastRoutingRules(rules []topo.Rule) []topo.Rule {
	out := make([]topo.Rule, 0, len(rules))
	seenDefault := false
	for _, r := range rules {
		plain := r.Priority == 32767 && r.Family == 4 && r.Src == "" && r.Dst == "" && r.IIF == "" && r.OIF == "" && r.Mark == ""
		switch {
		case plain && r.Table == topo.RouteTableMain:
			continue // IP6MR's default rule
		case plain && r.Table == 253 && seenDefault:
			continue // IPMR's, the twin of IPv4's "lookup default"
		case plain && r.Table == 253:
			seenDefault = true
		}
		out = append(out, r)
	}
	return out
}

// netIPv4Only keeps the net.ipv4 settings of a sysctl -a (and its
// complaints): the rest is the recording machine's kernel, which the
// parser skips, and which need not be kept.
func netIPv4Only(text string) string {
	var b strings.Builder
	textLines(text, func(_ int, line string) {
		if strings.HasPrefix(line, "net.ipv4.") || strings.HasPrefix(line, "sysctl: ") {
			b.WriteString(line + "\n")
		}
	})
	return b.String()
}
