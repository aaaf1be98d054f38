package report

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/ostopo/ostopo/netinspect/safetext"
	"github.com/ostopo/ostopo/netinspect/topo"
)

// HTML is one self-contained page: no script, font, stylesheet or image
// from anywhere (the Content-Security-Policy forbids it too), the topology
// as inline SVG, then the tables. It prints: the drawing scales to the
// page and table headers repeat.
func HTML(s *topo.Snapshot) string {
	var b strings.Builder
	title := "ostopo report: " + s.Host
	b.WriteString(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>` + esc(title) + `</title>
<style>
body{font-family:"DejaVu Sans",Arial,sans-serif;font-size:13px;margin:16px;color:#111}
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:24px 0 6px;border-bottom:1px solid #ccc}
.meta{color:#555;margin-bottom:12px}
.drawing{overflow-x:auto;border:1px solid #ddd;padding:4px}
table{border-collapse:collapse;width:100%;margin-bottom:8px}
th,td{border:1px solid #ccc;padding:2px 5px;text-align:left;vertical-align:top;font-family:"DejaVu Sans Mono",monospace;font-size:11px;overflow-wrap:anywhere}
th{background:#eef2f8;white-space:nowrap}
tr.problem td{background:#fde8e8}
td.none{color:#777}
@media print{.drawing{overflow:visible;border:none}.drawing svg{max-width:100%;height:auto}thead{display:table-header-group}tr{break-inside:avoid}h2{break-after:avoid}}
</style></head><body>
`)
	fmt.Fprintf(&b, "<h1>%s</h1>\n<div class=\"meta\">snapshot taken %s · %d networks · %d ports · %d routers · %d namespaces · %d bridges</div>\n",
		esc(title), esc(s.TakenAt.UTC().Format("2006-01-02 15:04:05 MST")), len(s.Neutron.Networks), len(s.Neutron.Ports),
		len(s.Neutron.Routers), len(s.Namespaces), len(s.OVS.Bridges))
	b.WriteString("<h2>Topology</h2>\n<div class=\"drawing\">\n")
	b.WriteString(SVG(s))
	b.WriteString("</div>\n")
	for _, t := range Tables(s) {
		fmt.Fprintf(&b, "<h2>%s</h2>\n", esc(t.Title))
		if len(t.Rows) == 0 {
			b.WriteString("<p class=\"none\">(none)</p>\n")
			continue
		}
		b.WriteString("<table><thead><tr>")
		for _, h := range t.Header {
			fmt.Fprintf(&b, "<th>%s</th>", esc(h))
		}
		b.WriteString("</tr></thead><tbody>\n")
		for i, r := range t.Rows {
			if t.Problem[i] {
				b.WriteString(`<tr class="problem">`)
			} else {
				b.WriteString("<tr>")
			}
			for _, c := range r {
				fmt.Fprintf(&b, "<td>%s</td>", esc(c))
			}
			b.WriteString("</tr>\n")
		}
		b.WriteString("</tbody></table>\n")
	}
	b.WriteString("</body></html>\n")
	return b.String()
}

// Dot is the topology as a Graphviz digraph: bridges, their NICs and
// tunnels, patch pairs, routers, DHCP namespaces and instance chains.
func Dot(s *topo.Snapshot) string {
	n := &s.Neutron
	var b strings.Builder
	q := dotQuote
	fmt.Fprintf(&b, "digraph %s {\n  rankdir=TB;\n  node [shape=box, fontname=\"monospace\", fontsize=10];\n", q("ostopo "+s.Host))
	for _, br := range n.Bridges {
		fmt.Fprintf(&b, "  %s [label=%s, style=filled, fillcolor=\"#e8f0fe\"];\n", q(br.Name), q(br.Name+"\n"+br.Role))
	}
	for _, t := range n.Tunnels {
		fmt.Fprintf(&b, "  %s [label=%s, shape=ellipse];\n  %s -> %s [label=%s];\n", q("remote "+t.RemoteIP), q(t.RemoteIP), q(t.Bridge), q("remote "+t.RemoteIP), q(t.Port))
	}
	for _, nic := range n.ProviderNICs {
		fmt.Fprintf(&b, "  %s [label=%s, shape=component];\n  %s -> %s;\n", q("nic "+nic.Name), q(nic.Name), q(nic.Bridge), q("nic "+nic.Name))
	}
	seen := map[string]bool{}
	for _, p := range n.PatchPairs {
		key := min(p.Bridge, p.PeerBridge) + "|" + max(p.Bridge, p.PeerBridge)
		if p.PeerBridge == "" || seen[key] {
			continue
		}
		seen[key] = true
		fmt.Fprintf(&b, "  %s -> %s [dir=both, color=\"#1a56c4\", label=%s];\n", q(p.Bridge), q(p.PeerBridge), q(p.Port+" ⇄ "+p.Peer))
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
				fmt.Fprintf(&b, "  %s [label=%s];\n", q(d), q(label))
				if i > 0 {
					fmt.Fprintf(&b, "  %s -> %s [dir=none];\n", q(devs[i-1]), q(d))
				}
			}
			if len(devs) > 0 && p.Bridge != "" {
				fmt.Fprintf(&b, "  %s -> %s [dir=none];\n", q(devs[len(devs)-1]), q(p.Bridge))
			}
		case topo.RoleDHCP, topo.RoleRouterInterface, topo.RoleRouterGateway:
			if p.Namespace != "" && p.Bridge != "" {
				fmt.Fprintf(&b, "  %s [label=%s, style=filled, fillcolor=\"#fdf6e3\"];\n", q(p.Namespace), q(p.Namespace))
				fmt.Fprintf(&b, "  %s -> %s [dir=none, label=%s];\n", q(p.Bridge), q(p.Namespace), q(p.OVSPort+" VLAN "+strconv.Itoa(p.LocalVLAN)))
			}
		}
	}
	for _, r := range n.Routers {
		for _, f := range r.FloatingIPs {
			fmt.Fprintf(&b, "  %s [label=%s, shape=note];\n  %s -> %s;\n", q("fip "+f.FloatingIP), q(f.FloatingIP+" → "+f.FixedIP), q(r.Namespace), q("fip "+f.FloatingIP))
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
