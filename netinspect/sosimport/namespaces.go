package sosimport

import (
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/ostopo/ostopo/netinspect/iptext"
	"github.com/ostopo/ostopo/netinspect/topo"
)

// nsOutputs are what one namespace's outputs hold, by family, as found
// in a report or a folder.
type nsOutputs struct {
	name string // "" for the root
	// links: ip -d address show, ip address show, ip -s -d link, ifconfig -a.
	links []output
	// addrs: an address list when links came without addresses (ip
	// link).
	addrs   output
	routes  output // IPv4 (or both): ip route show table all, route -n
	routes6 output // ip -6 route show table all
	rules   []output
	neigh   output
	sysctl  output
	nat     output
	// natWanted: a namespace whose NAT table the live collector reads
	// (qrouter-, snat-, fip-).
	natWanted bool
}

// label is the namespace's name in sources: "(root)" for the root.
func (o *nsOutputs) label() string {
	return (&topo.Namespace{Name: o.name, Root: o.name == ""}).Label()
}

func natWanted(name string) bool {
	switch kind, _ := topo.ClassifyNamespace(name); kind {
	case topo.NSRouter, topo.NSSNAT, topo.NSFIP:
		return true
	}
	return false
}

// rootOutputs finds the root namespace's outputs in a report.
func (r *report) rootOutputs() *nsOutputs {
	d := []string{dirNetworking}
	o := &nsOutputs{name: ""}
	// ip -d address holds the devices with their kinds and addresses;
	// ip -s -d link the same without addresses (sos 3.5 and later have
	// both; 3.2-3.4 ip link and ip address).
	if a := r.find("networking", d, "ip -d address", "ip address", "ip addr"); a.ok() {
		o.links = append(o.links, a)
	} else {
		o.addrs = a
		o.links = append(o.links, r.find("networking", d, "ip -s -d link", "ip -d link", "ip -s link", "ip link"))
		if o.addrs.Path == "" {
			o.addrs = r.find("networking", d, "ip -o addr")
		}
	}
	o.routes = r.find("networking", d, "ip route show table all", "ip route")
	o.routes6 = r.find("networking", d, "ip -6 route show table all")
	o.rules = []output{r.find("networking", d, "ip -4 rule list", "ip -4 rule", "ip rule list", "ip rule")}
	if strings.Contains(o.rules[0].Command, "-4") {
		o.rules = append(o.rules, r.find("networking", d, "ip -6 rule list", "ip -6 rule"))
	}
	o.neigh = r.find("networking", d, "ip -s -s neigh show", "ip neigh show", "ip neigh")
	o.sysctl = r.find("kernel", []string{dirKernel}, "sysctl -a")
	return o
}

// nsOutputsOf finds a named namespace's outputs in a report, of any
// layout (nsDirs).
func (r *report) nsOutputsOf(ns string) *nsOutputs {
	o := &nsOutputs{name: ns, natWanted: natWanted(ns)}
	o.links = []output{r.nsFind(ns, "ip -d address show", "ip address show", "ifconfig -a")}
	o.routes = r.nsFind(ns, "ip route show table all", "route -n")
	o.routes6 = output{Err: fmt.Errorf("%w: sos runs no ip -6 route in a namespace", ErrNotCollected)}
	o.rules = []output{r.nsFind(ns, "ip -4 rule list", "ip rule list")}
	if strings.Contains(o.rules[0].Command, "-4") {
		o.rules = append(o.rules, r.nsFind(ns, "ip -6 rule list"))
	}
	o.neigh = r.nsFind(ns, "ip -s -s neigh show", "ip neigh show")
	o.sysctl = r.nsFind(ns, "sysctl -a")
	if o.natWanted {
		o.nat = r.nsFind(ns, "iptables-save")
	}
	return o
}

// nsCommandSuffixes are the mangled namespace commands of every sos
// version: a flat file "ip_netns_exec_<ns>_<suffix>" names its namespace
// before one of them.
var nsCommandSuffixes = func() []string {
	var out []string
	for _, c := range []string{
		"ip -d address show", "ip address show", "ip route show table all", "ip -s -s neigh show",
		"ip -4 rule list", "ip -6 rule list", "ip rule list", "ip vrf show", "sysctl -a",
		"iptables-save", "ip6tables-save", "ss -peaonmi", "netstat -W -neopa", "netstat -neopa",
		"netstat -s", "netstat -W -agn", "netstat -agn", "nstat -zas", "ifconfig -a", "route -n",
	} {
		out = append(out, "_"+Mangle(c))
	}
	// Longest first: "_ip_-d_address_show" before "_ip_address_show"
	// cannot both match, but "_netstat_-s" is a suffix of nothing else.
	sort.Slice(out, func(i, j int) bool { return len(out[i]) > len(out[j]) })
	return out
}()

// namespaceNames lists the named namespaces a report holds outputs of or
// lists: the namespaces/<ns>/ directories (sos 4.3 and later), the flat
// files' names (3.x to 4.2), and `ip netns`. Where they disagree the
// files win (a namespace listed but not collected has no files: its
// facts are not collected, see readNamespaces). The ip netns output is
// returned too, for the "netns" source.
func (r *report) namespaceNames() ([]string, output, map[string]bool) {
	names := map[string]bool{}
	listed := map[string]bool{}
	netns := r.find("networking", []string{dirNetworking}, "ip netns")
	if netns.ok() {
		ns, err := parseNetns(netns.Text)
		if err != nil {
			netns.Err = errParsed(netns, err)
		}
		for _, n := range ns {
			listed[n] = true
			names[n] = true
		}
	}
	for _, e := range r.t.List(path.Join(dirNetworking, "namespaces")) {
		if e.IsDir {
			names[e.Name] = true
		}
	}
	// A flat file names its namespace mangled: a listed name that mangles
	// to it is the real one.
	byMangled := map[string]string{}
	for n := range names {
		byMangled[Mangle(n)] = n
	}
	for _, d := range []string{dirNetworking, dirNeutron32, dirNeutron31} {
		for _, e := range r.t.List(d) {
			rest, ok := strings.CutPrefix(e.Name, "ip_netns_exec_")
			if !ok || e.IsDir {
				continue
			}
			base, _ := collision(rest)
			for _, suf := range nsCommandSuffixes {
				if m, ok := strings.CutSuffix(base, suf); ok && m != "" {
					if real, ok := byMangled[m]; ok {
						names[real] = true
					} else {
						names[m] = true
						byMangled[m] = m
					}
					break
				}
			}
		}
	}
	out := make([]string, 0, len(names))
	for n := range names {
		out = append(out, n)
	}
	sort.Strings(out)
	return out, netns, listed
}

// readNamespaces reads the root namespace and every named one a report
// holds.
func (r *report) readNamespaces(extras []recognised) ([]topo.Namespace, []topo.Source) {
	names, netns, _ := r.namespaceNames()
	var srcs []topo.Source
	srcs = append(srcs, source("netns", netns))
	all := []*nsOutputs{r.rootOutputs()}
	for _, n := range names {
		all = append(all, r.nsOutputsOf(n))
	}
	// An extras file's NAT of the router namespaces, read by the L3
	// agent's own iptables (contrib/sos/extras.d/ostopo): for a namespace
	// the networking plugin's iptables-save saw no Neutron rules in, or
	// did not run in.
	for _, e := range extras {
		for _, sec := range e.natSections {
			for _, o := range all {
				if o.name == sec.ns && o.natWanted && (!o.nat.ok() || !hasNeutronNAT(o.nat.Text)) {
					o.nat = sec.out
				}
			}
		}
	}
	var tables map[string]int
	if b, err := r.t.ReadFile("etc/iproute2/rt_tables"); err == nil {
		tables = iptext.ParseRTTables(string(b))
	}
	nss, nsSrcs := assembleNamespaces(all, tables, netnsIDs(netns))
	return nss, append(srcs, nsSrcs...)
}
