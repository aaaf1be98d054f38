package sosimport

import (
	"fmt"
	"path"
	"regexp"
	"sort"
	"strings"

	"github.com/ostopo/ostopo/netinspect/iptext"
	"github.com/ostopo/ostopo/netinspect/ovstext"
	"github.com/ostopo/ostopo/netinspect/topo"
)

// SourceUnused is recorded, not read, for a folder of outputs some of
// whose files ostopo did not use (not an output it reads, an error
// message, a flow dump of no known bridge).
const SourceUnused = "files-unused"

// importPlain reads a folder of outputs (--from-dir): each file told by
// its content, its namespace by its command line or name.
func importPlain(t *Tree) (*topo.Snapshot, error) {
	recs, err := recogniseAll(t, "")
	if err != nil {
		return nil, err
	}
	if err := oneHost(recs); err != nil {
		return nil, err
	}
	snap := &topo.Snapshot{Schema: topo.Schema}
	var unused []string
	for _, r := range recs {
		if r.kind == "" {
			unused = append(unused, r.path+" ("+r.why+")")
		}
	}

	ovsState, ovsSrcs, u := plainOVS(recs)
	snap.OVS = ovsState
	unused = append(unused, u...)

	nss, nsSrcs, err := plainNamespaces(recs)
	if err != nil {
		return nil, err
	}
	snap.Namespaces = nss
	snap.Sources = append(ovsSrcs, nsSrcs...)
	snap.Sources = append(snap.Sources, topo.Source{Name: "agent-files", Error: "not collected: a folder of command outputs holds no agent's files (dhcp/, ha_confs/)"})
	if len(unused) > 0 {
		sort.Strings(unused)
		snap.Sources = append(snap.Sources, topo.Source{Name: SourceUnused, Error: "not used: " + strings.Join(unused, "; ")})
	}
	r := &report{t: t}
	if ok, why := masked(r); ok {
		snap.Sources = append(snap.Sources, maskedSource(why))
	}
	snap.Host = hostName(t, snap.OVS)
	if snap.Host == "" {
		snap.Host = promptHost(recs)
	}
	snap.TakenAt = t.ModTime
	return snap, nil
}

// plainOVS merges the OVS outputs of a folder. A flow dump's bridge is
// its command line's, its sos-style name's, or a bridge name its file
// name holds; one that names no bridge is not used.
func plainOVS(recs []recognised) (topo.OVS, []topo.Source, []string) {
	var parts []ovstext.Part
	bridges := map[string]bool{}
	for _, r := range recs {
		if r.part != nil {
			for _, b := range bridgeNames(*r.part) {
				bridges[b] = true
			}
		}
	}
	var unused []string
	flows := map[string]bool{}
	for _, r := range recs {
		if r.part == nil {
			continue
		}
		p := *r.part
		if p.Kind == ovstext.KindFlows && p.Flows != nil {
			if p.Flows.Bridge == "" {
				p.Flows.Bridge = bridgeInName(r.path, bridges)
			}
			if p.Flows.Bridge == "" {
				unused = append(unused, r.path+" (flows of no bridge it names: put the bridge in its name or a first line \"# ovs-ofctl dump-flows <bridge>\")")
				continue
			}
			flows[p.Flows.Bridge] = true
		}
		if p.Kind == ovstext.KindPortDesc && p.Ports != nil && p.Ports.Bridge == "" {
			p.Ports.Bridge = bridgeInName(r.path, bridges)
		}
		parts = append(parts, p)
	}
	if len(parts) == 0 {
		return topo.OVS{Managers: []topo.Manager{}, Bridges: []topo.Bridge{}},
			[]topo.Source{{Name: "ovsdb", Error: "not collected: no OVS output among the files (ovs-vsctl show or list, ovsdb-client dump, conf.db)"}}, unused
	}
	for _, b := range sortedKeys(bridges) {
		if !flows[b] {
			parts = append(parts, ovstext.MissingFlows(b, "a file holding ovs-ofctl dump-flows "+b))
		}
	}
	o, srcs := ovstext.Merge(parts...)
	return o, srcs, unused
}

// bridgeInName is the bridge among bridges whose name the file's name
// holds, between separators ("br-int.flows", "dump-flows-br-tun.txt");
// the longest when several do.
func bridgeInName(p string, bridges map[string]bool) string {
	base := path.Base(p)
	best := ""
	for b := range bridges {
		i := strings.Index(base, b)
		if i < 0 || len(b) <= len(best) {
			continue
		}
		before, after := byte('.'), byte('.')
		if i > 0 {
			before = base[i-1]
		}
		if j := i + len(b); j < len(base) {
			after = base[j]
		}
		if isSep(before) && isSep(after) {
			best = b
		}
	}
	return best
}

func isSep(c byte) bool { return c == '.' || c == '_' || c == '-' || c == ' ' || c == '@' || c == ',' }

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// plainNamespaces builds the namespaces of a folder's kernel outputs.
func plainNamespaces(recs []recognised) ([]topo.Namespace, []topo.Source, error) {
	byNS := map[string]*nsOutputs{}
	get := func(ns string) *nsOutputs {
		o, ok := byNS[ns]
		if !ok {
			o = &nsOutputs{name: ns, natWanted: natWanted(ns)}
			byNS[ns] = o
		}
		return o
	}
	var netns []recognised
	slots := map[string][]recognised{} // "<ns>\x00<slot>" → candidates
	for _, r := range recs {
		if r.out.Path == "" || r.part != nil || r.kind == "" {
			continue
		}
		slot := ""
		switch r.kind {
		case kindNetns:
			netns = append(netns, r)
			continue
		case kindNATPack:
			for _, s := range r.natSections {
				slots[s.ns+"\x00nat"] = append(slots[s.ns+"\x00nat"], recognised{path: s.out.Path, kind: kindNAT, out: s.out, ns: s.ns})
			}
			continue
		case kindLinks, kindIfcfg:
			slot = "links"
		case kindRoutes, kindRouteN:
			slot = "routes"
			if r.family == 6 {
				slot = "routes6"
			}
		case kindRules:
			slot = fmt.Sprintf("rules%d", max(r.family, 4))
		case kindNeigh:
			slot = "neigh"
		case kindSysctl:
			slot = "sysctl"
		case kindNAT:
			slot = "nat"
		case kindBrctl:
			slot = "brctl"
		}
		k := r.ns + "\x00" + slot
		slots[k] = append(slots[k], r)
	}
	keys := make([]string, 0, len(slots))
	for k := range slots {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		ns, slot, _ := strings.Cut(k, "\x00")
		cands := slots[k]
		o := get(ns)
		if slot == "links" {
			if err := chooseLinks(o, cands); err != nil {
				return nil, nil, err
			}
			continue
		}
		if slot == "rules4" && len(cands) == 2 {
			// ip -6 rule prints no address when the rules name none: the
			// one without addresses is the IPv6 list, when the other has.
			for i, c := range cands {
				if !hasAddress(c.out.Text) && hasAddress(cands[1-i].out.Text) {
					o.rules = append(o.rules, c.out)
					cands = []recognised{cands[1-i]}
					break
				}
			}
		}
		if err := sameText(cands, slot, ns); err != nil {
			return nil, nil, err
		}
		out := cands[0].out
		switch slot {
		case "routes":
			if cands[0].kind == kindRouteN {
				out.Command = "route -n"
			}
			o.routes = out
		case "routes6":
			o.routes6 = out
		case "rules4":
			o.rules = append([]output{out}, o.rules...)
		case "rules6":
			o.rules = append(o.rules, out)
		case "neigh":
			o.neigh = out
		case "sysctl":
			o.sysctl = out
		case "nat":
			o.nat = out
		}
	}
	var srcs []topo.Source
	var rootIDs map[int]string
	switch len(netns) {
	case 0:
		srcs = append(srcs, topo.Source{Name: "netns", Error: "not collected: no ip netns output among the files"})
	default:
		if err := sameText(netns, "ip netns", ""); err != nil {
			return nil, nil, err
		}
		n := netns[0].out
		listed, err := parseNetns(n.Text)
		if err != nil {
			srcs = append(srcs, failed("netns", n.Path, errParsed(n, err)))
			break
		}
		srcs = append(srcs, topo.Source{Name: "netns", OK: true, Detail: n.Path})
		rootIDs = netnsIDs(n)
		for _, name := range listed {
			get(name)
		}
	}
	// What a folder lacks is not collected: say where it was looked for.
	names := make([]string, 0, len(byNS))
	for n := range byNS {
		names = append(names, n)
	}
	sort.Strings(names)
	var all []*nsOutputs
	if _, ok := byNS[""]; !ok {
		get("")
		names = append([]string{""}, names...)
	}
	for _, n := range names {
		o := byNS[n]
		fillMissing(o)
		all = append(all, o)
	}
	nss, nsSrcs := assembleNamespaces(all, nil, rootIDs)
	// brctl show, for the root's Linux bridges when ip said no kinds.
	for i := range nss {
		if c := slots[nss[i].Name+"\x00brctl"]; len(c) > 0 {
			if b, err := iptext.ParseBrctlShow(c[0].out.Text); err == nil {
				iptext.ApplyBridges(&nss[i], b)
			}
		}
	}
	return nss, append(srcs, nsSrcs...), nil
}

// fillMissing marks the outputs a folder lacks for a namespace as not
// collected, naming what was looked for.
func fillMissing(o *nsOutputs) {
	where := "the root namespace"
	if o.name != "" {
		where = o.name
	}
	miss := func(out *output, what string) {
		if out.Path == "" && out.Err == nil {
			out.Err = fmt.Errorf("%w: no %s output of %s among the files", ErrNotCollected, what, where)
		}
	}
	if len(o.links) == 0 {
		o.links = []output{{Err: fmt.Errorf("%w: no ip address (or ip link, ifconfig) output of %s among the files", ErrNotCollected, where)}}
	}
	miss(&o.routes, "ip route")
	miss(&o.routes6, "ip -6 route")
	if len(o.rules) == 0 {
		o.rules = []output{{}}
	}
	miss(&o.rules[0], "ip rule")
	miss(&o.neigh, "ip neigh")
	miss(&o.sysctl, "sysctl -a")
	miss(&o.nat, "iptables-save")
}

// chooseLinks takes the best device list of a namespace among a folder's
// (ip -d address over ip address over ip link over ifconfig), and the
// addresses from another when it has none. Two lists that give one
// device two MACs are two hosts' (or two namespaces', neither named).
func chooseLinks(o *nsOutputs, cands []recognised) error {
	type parsed struct {
		r  recognised
		lk *iptext.Links
	}
	var ps []parsed
	for _, c := range cands {
		lk, _ := parseLinks(c.out)
		if lk == nil || len(lk.Links) == 0 {
			continue
		}
		ps = append(ps, parsed{c, lk})
	}
	for i := range ps {
		for j := i + 1; j < len(ps); j++ {
			if dev, a, b := macConflict(ps[i].lk, ps[j].lk); dev != "" {
				return fmt.Errorf("%s and %s give %s different MACs (%s, %s): outputs of two hosts, or of two namespaces neither of which is named, mixed in one folder; keep one host's, and name a namespace's in its file name or first line (# ip netns exec <ns> ip a)",
					ps[i].r.path, ps[j].r.path, dev, a, b)
			}
			if disjoint(ps[i].lk, ps[j].lk) {
				where := "the node's own namespace"
				if o.name != "" {
					where = o.name
				}
				return fmt.Errorf("%s and %s both list the devices of %s but share none: outputs of two hosts or of an unnamed namespace mixed; name a namespace's in its file name or first line (# ip netns exec <ns> ip a)", ps[i].r.path, ps[j].r.path, where)
			}
		}
	}
	sort.SliceStable(ps, func(i, j int) bool { return linkRank(ps[i].lk) > linkRank(ps[j].lk) })
	for _, p := range ps {
		o.links = append(o.links, p.r.out)
	}
	for _, p := range ps {
		if p.lk.Known.Has(iptext.KnowsAddrs) {
			o.addrs = p.r.out
			break
		}
	}
	if len(ps) == 0 && len(cands) > 0 {
		o.links = append(o.links, cands[0].out)
	}
	return nil
}

// linkRank orders device lists by what they know.
func linkRank(lk *iptext.Links) int {
	n := 0
	for _, k := range []iptext.Known{iptext.KnowsAddrs, iptext.KnowsKind, iptext.KnowsMaster, iptext.KnowsIndex, iptext.KnowsState} {
		if lk.Known.Has(k) {
			n = n*2 + 1
		} else {
			n *= 2
		}
	}
	return n
}

// macConflict returns a device two lists give different MACs.
func macConflict(a, b *iptext.Links) (string, string, string) {
	for _, l := range a.Links {
		if m := b.Link(l.Name); m != nil && l.MAC != "" && m.MAC != "" && !strings.EqualFold(l.MAC, m.MAC) {
			return l.Name, l.MAC, m.MAC
		}
	}
	return "", "", ""
}

// disjoint says whether two device lists share no device but lo.
func disjoint(a, b *iptext.Links) bool {
	for _, l := range a.Links {
		if l.Name != "lo" && b.Link(l.Name) != nil {
			return false
		}
	}
	return true
}

// sameText refuses two different outputs of one kind for one namespace.
func sameText(cands []recognised, what, ns string) error {
	for _, c := range cands[1:] {
		if strings.TrimSpace(c.out.Text) != strings.TrimSpace(cands[0].out.Text) {
			where := "the node's own namespace"
			if ns != "" {
				where = ns
			}
			return fmt.Errorf("%s and %s are both %s of %s and differ: outputs of two hosts (or two moments) mixed in one folder; keep one", cands[0].path, c.path, strings.TrimRight(what, "46"), where)
		}
	}
	return nil
}

// oneHost refuses a folder whose OVS outputs come from two databases, or
// whose command lines name two hosts.
func oneHost(recs []recognised) error {
	seen := map[string]string{}
	var order []string
	for _, r := range recs {
		if r.part == nil || r.part.DB == nil {
			continue
		}
		for _, row := range r.part.DB.Rows["Open_vSwitch"] {
			u := rowUUID(row)
			if u == "" || !topo.IsUUID(u) {
				continue
			}
			if _, ok := seen[u]; !ok {
				seen[u] = r.path
				order = append(order, u)
			}
		}
	}
	if len(order) > 1 {
		return fmt.Errorf("%s (Open_vSwitch %s) and %s (Open_vSwitch %s) are two hosts' OVS databases: give one host's outputs", seen[order[0]], order[0], seen[order[1]], order[1])
	}
	hosts := map[string]string{}
	for _, r := range recs {
		if h := promptHostOf(r); h != "" {
			for other, p := range hosts {
				if other != h {
					return fmt.Errorf("%s was run on %s and %s on %s: give one host's outputs", p, other, r.path, h)
				}
			}
			hosts[h] = r.path
		}
	}
	return nil
}

// rowUUID is an OVSDB row's uuid.
func rowUUID(row map[string]any) string {
	if a, ok := row["_uuid"].([]any); ok && len(a) == 2 {
		s, _ := a[1].(string)
		return s
	}
	return ""
}

// promptLine reads the host of a shell prompt: "[root@net1 ~]#",
// "root@net1:~#".
var promptLine = regexp.MustCompile(`^\s*\[?[\w.-]+@([\w.-]+)[:\s\]~]`)

// promptHostOf is the host a file's command line was run on, if its
// prompt says.
func promptHostOf(r recognised) string { return r.promptHost }

// promptHost is the host the folder's prompts name.
func promptHost(recs []recognised) string {
	for _, r := range recs {
		if r.promptHost != "" {
			return r.promptHost
		}
	}
	return ""
}

// hasAddress says whether a rule list names an address.
func hasAddress(text string) bool {
	for _, w := range strings.Fields(text) {
		if strings.Count(w, ".") == 3 && w[0] >= '0' && w[0] <= '9' || strings.Count(w, ":") >= 2 {
			return true
		}
	}
	return false
}
