package report

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/ostopo/ostopo/netinspect/safetext"
	"github.com/ostopo/ostopo/netinspect/topo"
	"github.com/ostopo/ostopo/ui/diagram"
	"github.com/ostopo/ostopo/ui/render"
)

// Dot is the topology as a Graphviz digraph: bridges, their NICs and
// tunnels, patch pairs, routers, DHCP namespaces and instance chains.
// What the drawing shows broken (diagram's health) is red, a warning
// amber.
func Dot(s *topo.Snapshot) string {
	r := newReport(s)
	n := &s.Neutron
	var b strings.Builder
	q := dotQuote
	// Each device's health, by name, from the drawing's boxes.
	devHealth := map[string]diagram.Health{}
	for _, bx := range r.whole.Boxes {
		if bx.Kind == diagram.KindPort {
			devHealth[bx.Name] = max(devHealth[bx.Name], bx.Health)
		}
	}
	style := func(h diagram.Health) string {
		switch h {
		case diagram.Error:
			return `, color="#b00020", fontcolor="#b00020", penwidth=2`
		case diagram.Warning:
			return `, color="#a66a00"`
		}
		return ""
	}
	fmt.Fprintf(&b, "digraph %s {\n  rankdir=TB;\n  node [shape=box, fontname=\"monospace\", fontsize=10];\n", q("ostopo "+s.Host))
	for _, br := range n.Bridges {
		fmt.Fprintf(&b, "  %s [label=%s, style=filled, fillcolor=\"#e8f0fe\"%s];\n", q(br.Name), q(br.Name+"\n"+br.Role), style(r.health("bridge", br.Name)))
	}
	for _, t := range n.Tunnels {
		fmt.Fprintf(&b, "  %s [label=%s, shape=ellipse];\n  %s -> %s [label=%s%s];\n", q("remote "+t.RemoteIP), q(t.RemoteIP), q(t.Bridge), q("remote "+t.RemoteIP), q(t.Port),
			style(r.health("tunnel", t.Port)))
	}
	for _, nic := range n.ProviderNICs {
		fmt.Fprintf(&b, "  %s [label=%s, shape=component%s];\n  %s -> %s;\n", q("nic "+nic.Name), q(nic.Name), style(r.health("nic", nic.Name)), q(nic.Bridge), q("nic "+nic.Name))
	}
	seen := map[string]bool{}
	for _, p := range n.PatchPairs {
		key := min(p.Bridge, p.PeerBridge) + "|" + max(p.Bridge, p.PeerBridge)
		if p.PeerBridge == "" || seen[key] {
			continue
		}
		seen[key] = true
		h := r.found[render.Ref{Kind: "patch", ID: p.Bridge + "/" + p.Port}]
		if len(p.Problems) > 0 {
			h = diagram.Error
		}
		fmt.Fprintf(&b, "  %s -> %s [dir=both, color=\"#1a56c4\", label=%s%s];\n", q(p.Bridge), q(p.PeerBridge), q(p.Port+" ⇄ "+p.Peer), style(h))
	}
	ports := slices.Clone(n.Ports)
	slices.SortStableFunc(ports, func(a, b topo.NPort) int { return strings.Compare(a.NetworkID, b.NetworkID) })
	for _, p := range ports {
		switch p.Role {
		case topo.RoleInstance:
			devs := chain(p)
			for i, d := range devs {
				label := d
				if i == len(devs)-1 {
					label += "\ntag " + strconv.Itoa(p.LocalVLAN)
				}
				fmt.Fprintf(&b, "  %s [label=%s%s];\n", q(d), q(label), style(devHealth[safetext.Term(d)]))
				if i > 0 {
					fmt.Fprintf(&b, "  %s -> %s [dir=none];\n", q(devs[i-1]), q(d))
				}
			}
			if len(devs) > 0 && p.Bridge != "" {
				fmt.Fprintf(&b, "  %s -> %s [dir=none];\n", q(devs[len(devs)-1]), q(p.Bridge))
			}
		case topo.RoleDHCP, topo.RoleRouterInterface, topo.RoleRouterGateway:
			if p.Namespace != "" && p.Bridge != "" {
				fmt.Fprintf(&b, "  %s [label=%s, style=filled, fillcolor=\"#fdf6e3\"%s];\n", q(p.Namespace), q(p.Namespace), style(r.health("namespace", p.Namespace)))
				fmt.Fprintf(&b, "  %s -> %s [dir=none, label=%s%s];\n", q(p.Bridge), q(p.Namespace), q(p.OVSPort+" VLAN "+strconv.Itoa(p.LocalVLAN)), style(r.health("port", p.ID)))
			}
		}
	}
	for _, rt := range n.Routers {
		for _, f := range rt.FloatingIPs {
			h := diagram.OK
			// As the drawing: a DVR router's floating IPs are not on a qg-.
			if len(f.Problems) > 0 || !f.DNAT || !f.OnGateway && rt.Kind != "dvr" {
				h = diagram.Error
			}
			fmt.Fprintf(&b, "  %s [label=%s, shape=note%s];\n  %s -> %s;\n", q("fip "+f.FloatingIP), q(f.FloatingIP+" → "+f.FixedIP), style(h), q(rt.Namespace), q("fip "+f.FloatingIP))
		}
	}
	b.WriteString("}\n")
	return b.String()
}

// dotQuote is a quoted dot string (an id or a label). Control characters
// are written visibly but newline, which ostopo's own labels use to break
// lines; '<' and '&' become entities, which Graphviz decodes in labels, so
// that no tag reaches an SVG rendered from the file (and ids stay
// distinct).
func dotQuote(s string) string {
	q := strconv.Quote(safetext.Block(s))
	if !strings.ContainsAny(q, "<&") {
		return q
	}
	return strings.NewReplacer("&", "&amp;", "<", "&lt;").Replace(q)
}
