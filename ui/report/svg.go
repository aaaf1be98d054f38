package report

import (
	"fmt"
	"html"
	"slices"
	"strconv"
	"strings"

	"github.com/ostopo/ostopo/netinspect/safetext"
	"github.com/ostopo/ostopo/netinspect/topo"
	"github.com/ostopo/ostopo/ui/render"
)

// Drawing sizes, in SVG user units (pixels at 100 %).
const (
	margin    = 20
	charW     = 7  // of the 12px monospace font
	lineH     = 15 // one text line
	pad       = 6  // inside a box
	gap       = 18 // between boxes
	blockW    = 660
	maxChains = 12 // instance chains drawn per network; the rest are counted
	maxLines  = 10 // lines listed in one box (tunnels, floating IPs)
)

// canvas collects SVG elements and the extent they reach.
type canvas struct {
	b    strings.Builder
	maxX int
	maxY int
}

// box draws a titled box of text lines at x,y and returns its size. attrs
// go on the enclosing group (class, data-*), for tests and styling.
func (c *canvas) box(x, y int, attrs, class string, lines ...string) (w, h int) {
	return c.boxW(x, y, boxWidth(lines), attrs, class, lines...)
}

// boxW is box with a given width (boxes in a grid line up).
func (c *canvas) boxW(x, y, w int, attrs, class string, lines ...string) (int, int) {
	h := len(lines)*lineH + 2*pad - 3
	fmt.Fprintf(&c.b, `<g %s><rect class="%s" x="%d" y="%d" width="%d" height="%d" rx="4"/>`, attrs, class, x, y, w, h)
	for i, l := range lines {
		weight := ""
		if i == 0 {
			weight = ` font-weight="bold"`
		}
		fmt.Fprintf(&c.b, `<text x="%d" y="%d"%s>%s</text>`, x+pad, y+pad+lineH*i+11, weight, esc(l))
	}
	c.b.WriteString("</g>\n")
	c.maxX, c.maxY = max(c.maxX, x+w), max(c.maxY, y+h)
	return w, h
}

func (c *canvas) line(x1, y1, x2, y2 int, class, label string) {
	fmt.Fprintf(&c.b, `<line class="%s" x1="%d" y1="%d" x2="%d" y2="%d"/>`, class, x1, y1, x2, y2)
	if label != "" {
		fmt.Fprintf(&c.b, `<text class="label" x="%d" y="%d">%s</text>`, (x1+x2)/2+4, (y1+y2)/2, esc(label))
	}
	c.b.WriteByte('\n')
}

// esc is text for HTML and SVG (XML): tags and entities escaped, and every
// control character written visibly (safetext.Term). XML cannot hold
// most C0 controls at all (the drawing would not open), and a page's text
// is also copied into terminals.
func esc(s string) string { return html.EscapeString(safetext.Term(s)) }

func attr(class string, kv ...string) string {
	a := `class="` + class + `"`
	for i := 0; i+1 < len(kv); i += 2 {
		a += ` data-` + kv[i] + `="` + esc(kv[i+1]) + `"`
	}
	return a
}

// SVG draws the node: physical bridges with their NICs and br-tun with its
// tunnels on top, br-int below joined by the patch pairs, the routers with
// their gateway and floating IPs, then one block per network (by local
// VLAN) with its DHCP namespace and each instance's tap–qbr–qvb–qvo chain.
func SVG(s *topo.Snapshot) string {
	n := &s.Neutron
	c := &canvas{}
	y := margin
	fmt.Fprintf(&c.b, `<text class="title" x="%d" y="%d">%s</text>`+"\n", margin, y+12, esc("ostopo · "+s.Host+" · "+s.TakenAt.UTC().Format("2006-01-02 15:04 MST")))
	y += 30

	// Top band: every bridge but br-int, with what leaves the node.
	var intName string
	x := margin
	bottom := y
	type anchor struct{ x, y int }
	anchors := map[string]anchor{}
	for _, br := range n.Bridges {
		if br.Role == topo.BridgeIntegration {
			intName = br.Name
			continue
		}
		lines := []string{br.Name + " (" + br.Role + strings.TrimSuffix(" "+br.PhysicalNetwork, " ") + ")"}
		var tunnels []string
		for _, t := range n.Tunnels {
			if t.Bridge == br.Name {
				tunnels = append(tunnels, fmt.Sprintf("%s %s → %s", t.Type, t.Port, t.RemoteIP))
			}
		}
		lines = append(lines, listed(tunnels, maxLines, "tunnels")...)
		for _, nic := range n.ProviderNICs {
			if nic.Bridge == br.Name {
				state := "up"
				if !nic.Up || !nic.Carrier {
					state = "DOWN"
				}
				lines = append(lines, fmt.Sprintf("NIC %s (%s%s)", nic.Name, state, strings.TrimSuffix(" "+strings.Join(nic.Addresses, " "), " ")))
			}
		}
		w, h := c.box(x, y, attr("bridge", "name", br.Name), "bridge", lines...)
		anchors[br.Name] = anchor{x + w/2, y + h}
		x += w + gap
		bottom = max(bottom, y+h)
	}
	if intName == "" {
		intName = "br-int"
	}

	// br-int, joined to each bridge by its patch pair.
	y = bottom + 50
	intLines := []string{intName + " (integration)", fmt.Sprintf("%d Neutron ports, %d networks", len(n.Ports), len(n.Networks))}
	intW, intH := c.box(margin, y, attr("bridge", "name", intName), "bridge int", intLines...)
	intW = max(intW, c.maxX-margin, 2*blockW+gap)
	fmt.Fprintf(&c.b, `<rect class="bus" x="%d" y="%d" width="%d" height="4"/>`+"\n", margin, y+intH, intW)
	for _, p := range n.PatchPairs {
		other, label := p.PeerBridge, p.Port+" ⇄ "+p.Peer
		if p.PeerBridge == intName {
			other, label = p.Bridge, p.Peer+" ⇄ "+p.Port
		} else if p.Bridge != intName {
			continue
		}
		if a, ok := anchors[other]; ok {
			c.line(a.x, a.y, a.x, y, "patch", label)
			delete(anchors, other) // a pair is listed from both sides
		}
	}
	busY := y + intH + 4
	y = busY + 40

	// Routers in a grid of equal boxes; each hangs off the bus by a line
	// in the gap to its left, which no other box crosses.
	var boxes [][]string
	routerW := 0
	for _, r := range n.Routers {
		lines := []string{r.Namespace + " (" + r.Kind + ")"}
		if g := r.Gateway; g != nil {
			lines = append(lines, "gw "+g.Device+" "+g.Address+" → "+g.NextHop)
		}
		var fips []string
		for _, f := range r.FloatingIPs {
			fips = append(fips, "FIP "+f.FloatingIP+" → "+f.FixedIP+fipState(f))
		}
		lines = append(lines, listed(fips, maxLines, "floating IPs")...)
		for _, i := range r.Interfaces {
			lines = append(lines, fmt.Sprintf("%s %s VLAN %d", i.Device, strings.Join(i.Addresses, ","), i.LocalVLAN))
		}
		boxes = append(boxes, lines)
		routerW = max(routerW, boxWidth(lines))
	}
	cols := max(1, (2*blockW+gap)/(routerW+2*gap))
	bottom = y
	rowTop := y
	for i, lines := range boxes {
		col := i % cols
		if col == 0 && i > 0 {
			rowTop = bottom + gap
		}
		bx := margin + 2*gap + col*(routerW+2*gap)
		_, h := c.boxW(bx, rowTop, routerW, attr("namespace router", "name", n.Routers[i].Namespace), "ns", lines...)
		lx := bx - gap
		c.line(lx, busY, lx, rowTop+10, "plug", "")
		c.line(lx, rowTop+10, bx, rowTop+10, "plug", "")
		bottom = max(bottom, rowTop+h)
	}

	// Networks, two blocks to a row.
	y = bottom + 40
	rowBottom := y
	nets := slices.Clone(n.Networks)
	slices.SortStableFunc(nets, func(a, b topo.Network) int { return a.LocalVLAN - b.LocalVLAN })
	rowTop, rowBottom = y, y
	for i, net := range nets {
		col := i % 2
		if col == 0 && i > 0 {
			rowTop = rowBottom + 30
		}
		bx := margin + col*(blockW+gap)
		rowBottom = max(rowBottom, drawNetwork(c, s, net, bx, rowTop))
	}
	if len(nets) > 0 {
		y = rowBottom
	}

	var out strings.Builder
	fmt.Fprintf(&out, `<svg xmlns="http://www.w3.org/2000/svg" class="topology" width="%d" height="%d" viewBox="0 0 %d %d" font-family="DejaVu Sans Mono, monospace" font-size="12">`+"\n",
		c.maxX+margin, max(y, c.maxY)+margin, c.maxX+margin, max(y, c.maxY)+margin)
	out.WriteString(`<style>rect{fill:#fff;stroke:#555}rect.bridge{fill:#e8f0fe;stroke:#1a56c4}rect.ns{fill:#fdf6e3;stroke:#a67c00}` +
		`rect.dev{fill:#f4f4f4}rect.problem{fill:#fde8e8;stroke:#b00020}rect.bus{fill:#1a56c4;stroke:none}rect.block{fill:none;stroke:#bbb;stroke-dasharray:4 3}` +
		`line{stroke:#555}line.patch{stroke:#1a56c4;stroke-width:2}text.label{fill:#333;font-size:11px}text.title{font-size:14px;font-weight:bold}text.more{fill:#555;font-style:italic}</style>` + "\n")
	out.WriteString(c.b.String())
	out.WriteString("</svg>\n")
	return out.String()
}

// drawNetwork draws one network's block and returns its bottom.
func drawNetwork(c *canvas, s *topo.Snapshot, net topo.Network, x, y int) int {
	seg := ""
	if net.SegmentationID != nil {
		seg = " " + strconv.Itoa(*net.SegmentationID)
	}
	title := fmt.Sprintf("VLAN %d · network %s · %s%s · %s", net.LocalVLAN, render.Short(net.ID), net.NetworkType, seg, strings.Join(net.CIDRs, " "))
	top := y
	fmt.Fprintf(&c.b, `<g %s>`, attr("network", "id", net.ID))
	fmt.Fprintf(&c.b, `<text x="%d" y="%d" font-weight="bold">%s</text>`+"\n", x+pad, y+14, esc(title))
	y += 24
	var chains []topo.NPort
	for _, p := range s.Neutron.Ports {
		if p.NetworkID != net.ID {
			continue
		}
		switch p.Role {
		case topo.RoleDHCP:
			cls := "ns"
			if len(p.Problems) > 0 {
				cls = "ns problem"
			}
			_, h := c.box(x+pad, y, attr("namespace dhcp", "name", p.Namespace), cls,
				p.Namespace, strings.TrimSpace(p.OVSPort+" "+strings.Join(p.FixedIPs, " ")+" VLAN "+strconv.Itoa(p.LocalVLAN)))
			y += h + 8
		case topo.RoleInstance:
			chains = append(chains, p)
		}
	}
	for i, p := range chains {
		if i == maxChains {
			fmt.Fprintf(&c.b, `<text class="more" x="%d" y="%d">… and %d more instance chains on this network (see the ports table)</text>`+"\n",
				x+pad, y+12, len(chains)-maxChains)
			y += lineH + 6
			break
		}
		y = drawChain(c, p, x+pad, y) + 6
	}
	fmt.Fprintf(&c.b, `<rect class="block" x="%d" y="%d" width="%d" height="%d"/></g>`+"\n", x, top, blockW, y-top+4)
	c.maxX = max(c.maxX, x+blockW)
	return y + 4
}

// drawChain draws tap – qbr – qvb – qvo (what exists of it) in one row,
// the local VLAN on qvo and the fixed IPs after it.
func drawChain(c *canvas, p topo.NPort, x, y int) int {
	fmt.Fprintf(&c.b, `<g %s>`, attr("chain", "port", p.ID))
	names := []string{"tap", "qbr", "qvb", "qvo"}
	devs := []*topo.Device{p.Devices.Tap, p.Devices.QBR, p.Devices.QVB, p.Devices.QVO}
	h := 0
	prevEnd := -1
	for i, d := range devs {
		label := names[i] + " missing"
		cls := "dev problem"
		if d != nil && d.Name != "" {
			label, cls = d.Name, "dev"
			if (!d.InKernel && i < 3) || (i == 3 && d.OnBridge == "") {
				cls = "dev problem"
			}
		}
		if i == 3 {
			label += " tag " + strconv.Itoa(p.LocalVLAN)
		}
		w, bh := c.box(x, y, `class="device"`, cls, label)
		if prevEnd >= 0 {
			c.line(prevEnd, y+bh/2, x, y+bh/2, "link", "")
		}
		prevEnd = x + w
		x += w + 12
		h = bh
	}
	ips := strings.Join(p.FixedIPs, " ")
	if p.Dead {
		ips += " DEAD VLAN"
	}
	fmt.Fprintf(&c.b, `<text class="label" x="%d" y="%d">%s</text></g>`+"\n", x, y+h/2+4, esc(ips))
	c.maxX = max(c.maxX, x+len(ips)*charW)
	return y + h
}

// listed is up to n items and a line counting the rest.
func listed(items []string, n int, what string) []string {
	if len(items) <= n {
		return items
	}
	return append(slices.Clone(items[:n]), fmt.Sprintf("… %d more %s", len(items)-n, what))
}

// boxWidth fits the lines; the first is bold, which runs wider.
func boxWidth(lines []string) int {
	w := 0
	for i, l := range lines {
		n := len([]rune(l)) * charW
		if i == 0 {
			n = n * 110 / 100
		}
		w = max(w, n)
	}
	return w + 2*pad
}
