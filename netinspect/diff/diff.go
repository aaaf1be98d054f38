// Package diff says what changed between two snapshots of a node, grouped
// by the Neutron object it belongs to: "what did launching this instance
// create?". It is a pure function of the two snapshots.
//
// Each snapshot is flattened into groups (a network, a port with its
// device chain, a router, a namespace, a bridge) of named facts; the diff
// compares facts. Things that move without anyone changing the node
// (packet counters, flow ages, neighbour caches, the snapshot's own time
// and sources) are not facts, so two snapshots of an idle node differ in
// nothing. A fact resting on a source one of the two did not read (a
// sosreport holds no rules per namespace before sos 4.1; a live read can
// fail) is not compared: absent for want of reading is unknown, not
// removed.
package diff

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/ostopo/ostopo/netinspect/neutron"
	"github.com/ostopo/ostopo/netinspect/safetext"
	"github.com/ostopo/ostopo/netinspect/topo"
)

// Change kinds.
const (
	Added   = "added"
	Removed = "removed"
	Changed = "changed"
)

// Group is one object and what changed about it.
type Group struct {
	Kind  string `json:"kind"` // network, port, router, namespace, bridge
	ID    string `json:"id"`
	Label string `json:"label"` // what an operator knows it by
	// Change is added or removed when the whole object came or went, else changed.
	Change string `json:"change"`
	Facts  []Fact `json:"facts"`
}

// Fact is one changed fact of an object; Old is empty when it was added,
// New when it was removed.
type Fact struct {
	Name   string `json:"name"`
	Change string `json:"change"`
	Old    string `json:"old,omitempty"`
	New    string `json:"new,omitempty"`
}

// Result is the diff of two snapshots.
type Result struct {
	OldHost string  `json:"old_host"`
	NewHost string  `json:"new_host"`
	Groups  []Group `json:"groups"`
	// NotCompared are the sources one of the snapshots did not read: the
	// facts resting on them were left out of the comparison.
	NotCompared []string `json:"not_compared,omitempty"`
}

// Empty reports whether nothing changed.
func (r *Result) Empty() bool { return len(r.Groups) == 0 }

// Diff compares two snapshots.
func Diff(old, new *topo.Snapshot) *Result {
	u := unreadOf(old, new)
	a, b := flatten(old, u), flatten(new, u)
	r := &Result{OldHost: old.Host, NewHost: new.Host, Groups: []Group{}, NotCompared: slices.Sorted(maps.Keys(u))}
	ordered := unionKeys(a.groups, b.groups)
	slices.SortFunc(ordered, groupKey.compare)
	for _, k := range ordered {
		ga, gb := a.groups[k], b.groups[k]
		g := Group{Kind: k.kind, ID: k.id, Change: Changed}
		switch {
		case ga == nil:
			g.Change, g.Label = Added, gb.label
		case gb == nil:
			g.Change, g.Label = Removed, ga.label
		default:
			g.Label = gb.label
		}
		g.Facts = compare(ga, gb)
		if len(g.Facts) > 0 || g.Change != Changed {
			r.Groups = append(r.Groups, g)
		}
	}
	return r
}

func compare(a, b *group) []Fact {
	var fa, fb map[string]string
	if a != nil {
		fa = a.facts
	}
	if b != nil {
		fb = b.facts
	}
	sorted := unionKeys(fa, fb)
	slices.Sort(sorted)
	var out []Fact
	for _, n := range sorted {
		va, ina := fa[n]
		vb, inb := fb[n]
		switch {
		case !ina:
			out = append(out, Fact{Name: n, Change: Added, New: vb})
		case !inb:
			out = append(out, Fact{Name: n, Change: Removed, Old: va})
		case va != vb:
			out = append(out, Fact{Name: n, Change: Changed, Old: va, New: vb})
		}
	}
	return out
}

// Text is the diff for a terminal: one block per object, + added,
// - removed, ~ changed (old → new). Each line is made by one
// safetext.Builder call, so a name, a fact or a value holding an escape
// sequence or a newline is shown visibly inside its line.
func (r *Result) Text() string {
	var b safetext.Builder
	if r.Empty() {
		b.Linef("no changes between the snapshots of %s and %s", r.OldHost, r.NewHost)
		r.notComparedText(&b)
		return b.String()
	}
	count := map[string]int{}
	for _, g := range r.Groups {
		count[g.Change]++
	}
	b.Linef("%d objects changed, %d added, %d removed", count[Changed], count[Added], count[Removed])
	r.notComparedText(&b)
	mark := map[string]string{Added: "+", Removed: "-", Changed: "~"}
	for _, g := range r.Groups {
		b.Blank()
		if g.Change != Changed {
			b.Linef("%s %s %s (%s)", mark[g.Change], g.Kind, g.Label, g.Change)
		} else {
			b.Linef("%s %s %s", mark[g.Change], g.Kind, g.Label)
		}
		for _, f := range g.Facts {
			switch f.Change {
			case Added:
				b.Linef("    + %s%s", f.Name, value(f.New))
			case Removed:
				b.Linef("    - %s%s", f.Name, value(f.Old))
			default:
				b.Linef("    ~ %s: %s → %s", f.Name, orNone(f.Old), orNone(f.New))
			}
		}
	}
	return b.String()
}

// notComparedText says which facts were left out, naming a few sources.
func (r *Result) notComparedText(b *safetext.Builder) {
	if len(r.NotCompared) == 0 {
		return
	}
	names := r.NotCompared
	more := ""
	if len(names) > 5 {
		names, more = names[:5], fmt.Sprintf(" and %d more", len(r.NotCompared)-5)
	}
	b.Linef("not compared: what rests on %d sources one of the snapshots did not read (%s%s)", len(r.NotCompared), strings.Join(names, ", "), more)
}

func value(v string) string {
	if v == "" {
		return ""
	}
	return ": " + v
}

func orNone(v string) string {
	if v == "" {
		return "(none)"
	}
	return v
}

// groupKey orders groups as an operator reads a node: networks, their
// ports, routers, namespaces, bridges.
type groupKey struct {
	kind string
	id   string
}

func kindOrder(kind string) int {
	return strings.Index("network port router namespace bridge", kind)
}

func (k groupKey) compare(o groupKey) int {
	if k.kind != o.kind {
		return kindOrder(k.kind) - kindOrder(o.kind)
	}
	return strings.Compare(k.id, o.id)
}

// unionKeys is every key of a and of b, once.
func unionKeys[K comparable, V any](a, b map[K]V) []K {
	keys := slices.Collect(maps.Keys(a))
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	return keys
}

type group struct {
	label string
	facts map[string]string
}

type flat struct {
	groups map[groupKey]*group
}

func (f *flat) group(kind, id, label string) *group {
	k := groupKey{kind, id}
	g := f.groups[k]
	if g == nil {
		g = &group{label: label, facts: map[string]string{}}
		f.groups[k] = g
	}
	return g
}

// unread holds the sources either snapshot did not read, by name.
type unread map[string]bool

func unreadOf(snaps ...*topo.Snapshot) unread {
	u := unread{}
	for _, s := range snaps {
		for _, src := range s.FailedSources() {
			u[src.Name] = true
		}
	}
	return u
}

// any reports whether one of the sources was not read.
func (u unread) any(names ...string) bool {
	for _, n := range names {
		if u[n] {
			return true
		}
	}
	return false
}

// anyPrefix reports whether a source starting with prefix was not read.
func (u unread) anyPrefix(prefix string) bool {
	for n := range u {
		if strings.HasPrefix(n, prefix) {
			return true
		}
	}
	return false
}

// flatten turns a snapshot into groups of facts, leaving out those
// resting on a source in u.
func flatten(s *topo.Snapshot, u unread) *flat {
	f := &flat{groups: map[groupKey]*group{}}
	n := &s.Neutron
	// Devices and OVS ports that belong to a Neutron port are facts of
	// that port (its chain), not of the namespace or bridge they sit in.
	owner := map[string]*group{}

	// A network's flows lie on several bridges: any unread one hides them.
	flowsUnread := u.anyPrefix("openflow/")
	for _, net := range n.Networks {
		g := f.group("network", net.ID, net.ID)
		if !u.any("ovsdb", neutron.SourcePortConfig) {
			g.facts["local VLAN"] = strconv.Itoa(net.LocalVLAN)
			seg := "-"
			if net.SegmentationID != nil {
				seg = strconv.Itoa(*net.SegmentationID)
			}
			g.facts["segment"] = strings.TrimSpace(net.NetworkType + " " + seg + " " + net.PhysicalNetwork)
		}
		set(g, "CIDRs", strings.Join(net.CIDRs, ", "))
		if net.MTU != 0 {
			g.facts["MTU"] = strconv.Itoa(net.MTU)
		}
		set(g, "DHCP namespace", net.DHCPNamespace)
		set(g, "bridge", net.Bridge)
		if !flowsUnread {
			set(g, "flow tunnel ingress", net.Flows.TunnelIngress)
			set(g, "flow tunnel flood", net.Flows.TunnelFlood)
			set(g, "flow int ingress", net.Flows.IntIngress)
			set(g, "flow phys egress", net.Flows.PhysEgress)
		}
	}
	for _, d := range s.Agent.DHCP {
		if u.any("agent-files") {
			break
		}
		g := f.group("network", d.NetworkID, d.NetworkID)
		for _, h := range d.Hosts {
			g.facts["DHCP host "+h.MAC] = strings.TrimSpace(h.IP + " " + h.Hostname)
		}
	}

	for _, p := range n.Ports {
		label := p.Role + " port " + p.ID
		if len(p.FixedIPs) > 0 {
			label += " (" + strings.Join(p.FixedIPs, ", ") + ")"
		}
		if p.NetworkID != "" {
			label += " on network " + p.NetworkID
		}
		g := f.group("port", p.ID, label)
		g.facts["role"] = p.Role
		ifaceUnread := u.any("ovsdb", neutron.SourceInterfaceConfig)
		portUnread := u.any("ovsdb", neutron.SourcePortConfig)
		if !ifaceUnread && !u.any(topo.SourceMACs) {
			set(g, "MAC", p.MAC)
		}
		if !portUnread {
			set(g, "network", p.NetworkID)
			g.facts["local VLAN"] = strconv.Itoa(p.LocalVLAN)
		}
		set(g, "fixed IPs", strings.Join(p.FixedIPs, ", "))
		if !ifaceUnread {
			set(g, "instance", p.InstanceID)
		}
		set(g, "firewall", p.Firewall)
		set(g, "OVS port", strings.TrimSpace(p.Bridge+" "+p.OVSPort))
		set(g, "namespace", p.Namespace)
		set(g, "router", p.RouterID)
		if p.Dead && !portUnread {
			g.facts["dead VLAN"] = p.DeadReason
		}
		for _, d := range []*topo.Device{p.Devices.Tap, p.Devices.QBR, p.Devices.QVB, p.Devices.QVO} {
			if d != nil && d.Name != "" {
				owner[d.Name] = g
			}
		}
		if p.OVSPort != "" {
			owner[p.OVSPort] = g
		}
	}

	for _, r := range n.Routers {
		g := f.group("router", r.ID, r.ID)
		g.facts["kind"] = r.Kind
		set(g, "HA state", r.HAState)
		set(g, "SNAT namespace", r.SNATNamespace)
		if r.IPForward != nil && !u.any("sysctl/"+r.Namespace) {
			g.facts["ip_forward"] = strconv.FormatBool(*r.IPForward)
		}
		if gw := r.Gateway; gw != nil {
			g.facts["gateway"] = strings.Join(nonEmpty(gw.Device, gw.Address, "via "+gw.NextHop, "network "+gw.NetworkID), " ")
		}
		for _, i := range r.Interfaces {
			g.facts["interface "+i.Device] = strings.Join(nonEmpty(strings.Join(i.Addresses, ", "), "network "+i.NetworkID, "VLAN "+strconv.Itoa(i.LocalVLAN)), " ")
		}
		for _, fip := range r.FloatingIPs {
			if u.any("nat/"+r.Namespace, "netlink/"+r.Namespace) {
				break
			}
			g.facts["floating IP "+fip.FloatingIP] = fmt.Sprintf("→ %s (on qg: %v, DNAT: %v, SNAT: %v)", fip.FixedIP, fip.OnGateway, fip.DNAT, fip.SNAT)
		}
	}

	for _, ns := range s.Namespaces {
		label := ns.Label()
		g := f.group("namespace", label, label)
		if ns.IPForward != nil && !u.any("sysctl/"+label) {
			g.facts["ip_forward"] = strconv.FormatBool(*ns.IPForward)
		}
		if u.any("netlink/" + label) {
			// Its devices, addresses, routes and rules are unknown on one
			// side; its NAT has a source of its own.
			ns.Links, ns.Routes, ns.Rules = nil, nil, nil
		}
		details := !u.any(topo.SourceLinkDetails + label)
		for _, l := range ns.Links {
			target := g
			name := "device " + l.Name
			if o := owner[l.Name]; o != nil {
				target = o
				if !ns.Root {
					name += " in " + label
				}
			}
			target.facts[name] = linkFact(l, details)
		}
		routes6 := !u.any(topo.SourceRoutes6 + label)
		for _, rt := range ns.Routes {
			if !routes6 && strings.Contains(rt.Dst, ":") {
				continue
			}
			// A route through a port's device comes and goes with the port.
			if o := owner[rt.Dev]; o != nil {
				o.facts["route "+routeText(rt)+" in "+label] = ""
				continue
			}
			g.facts["route "+routeText(rt)] = ""
		}
		if !u.any(topo.SourceRules + label) {
			for _, ru := range ns.Rules {
				g.facts[fmt.Sprintf("rule %d %s", ru.Priority, strings.Join(nonEmpty("from "+ru.Src, "to "+ru.Dst, "iif "+ru.IIF, "oif "+ru.OIF), " "))] = ""
			}
		}
		if ns.NAT != nil && !u.any("nat/"+label) {
			for _, rule := range ns.NAT.Rules {
				g.facts["NAT "+rule.Text()] = ""
			}
		}
	}

	for _, b := range s.OVS.Bridges {
		g := f.group("bridge", b.Name, b.Name)
		if u.any("ovsdb") {
			b.Ports, b.Controllers = nil, nil
		} else {
			set(g, "fail_mode", b.FailMode)
		}
		if u.any("openflow/" + b.Name) {
			b.Flows = nil
		}
		for _, c := range b.Controllers {
			g.facts["controller "+c.Target] = ""
		}
		for _, p := range b.Ports {
			name := "port " + p.Name
			target := g
			if o := owner[p.Name]; o != nil {
				target, name = o, "OVSDB port "+p.Name
			}
			target.facts[name] = portFact(p)
		}
		tables := map[int]int{}
		for _, fl := range b.Flows {
			tables[fl.Table]++
		}
		for t, c := range tables {
			g.facts[fmt.Sprintf("flows in table %3d", t)] = strconv.Itoa(c)
		}
	}
	return f
}

func set(g *group, name, v string) {
	if v != "" {
		g.facts[name] = v
	}
}

// nonEmpty drops parts whose value after the label is empty ("via ").
func nonEmpty(parts ...string) []string {
	var out []string
	for _, p := range parts {
		if p == "" || strings.HasSuffix(p, " ") || p == "VLAN 0" {
			continue
		}
		out = append(out, p)
	}
	return out
}

// linkFact is a device's facts; details says whether its kind and VLAN
// (ip -d) were read on both sides.
func linkFact(l topo.Link, details bool) string {
	kind := l.Kind
	if !details {
		kind, l.VLANID = "", 0
	}
	parts := []string{kind, "mtu " + strconv.Itoa(l.MTU), l.OperState}
	if !l.AdminUp {
		parts = append(parts, "admin down")
	}
	if l.Master != "" {
		parts = append(parts, "master "+l.Master)
	}
	if l.VLANID != 0 {
		parts = append(parts, "vlan "+strconv.Itoa(l.VLANID))
	}
	var addrs []string
	for _, a := range l.Addrs {
		addrs = append(addrs, a.Prefix)
	}
	slices.Sort(addrs)
	if len(addrs) > 0 {
		parts = append(parts, strings.Join(addrs, " "))
	}
	return strings.Join(parts, ", ")
}

func portFact(p topo.Port) string {
	parts := []string{}
	if p.Tag != 0 {
		parts = append(parts, "tag "+strconv.Itoa(p.Tag))
	}
	if len(p.Trunks) > 0 {
		parts = append(parts, fmt.Sprintf("trunks %v", p.Trunks))
	}
	if t := p.OtherConfig["tag"]; t != "" {
		parts = append(parts, "other_config:tag "+t)
	}
	for _, i := range p.Interfaces {
		if i.Type != "" {
			parts = append(parts, i.Type)
		}
		for _, k := range slices.Sorted(maps.Keys(i.Options)) {
			parts = append(parts, k+"="+i.Options[k])
		}
	}
	return strings.Join(parts, ", ")
}

func routeText(rt topo.Route) string {
	parts := []string{rt.Dst}
	if rt.Type != "" && rt.Type != "unicast" {
		parts = append([]string{rt.Type}, parts...)
	}
	if rt.Gateway != "" {
		parts = append(parts, "via", rt.Gateway)
	}
	if rt.Dev != "" {
		parts = append(parts, "dev", rt.Dev)
	}
	if rt.Table != topo.RouteTableMain {
		parts = append(parts, "table", strconv.Itoa(rt.Table))
	}
	if rt.Metric != 0 {
		parts = append(parts, "metric", strconv.Itoa(rt.Metric))
	}
	return strings.Join(parts, " ")
}
