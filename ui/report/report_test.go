package report

import (
	"regexp"
	"strings"
	"testing"

	"github.com/ostopo/ostopo/fixtures/fixturetest"
	"github.com/ostopo/ostopo/netinspect/doctor"
	"github.com/ostopo/ostopo/netinspect/topo"
	"github.com/ostopo/ostopo/ui/diagram"
	"github.com/ostopo/ostopo/ui/render"
)

// Every bridge and every instance chain is drawn, with what the ports
// table knows, for each recorded node.
func TestSVGDrawsEverything(t *testing.T) {
	for _, name := range []string{"aio", "net", "cmp", "bad"} {
		s := fixturetest.Load(t, name)
		svg := SVG(s)
		for _, b := range s.OVS.Bridges {
			if !regexp.MustCompile(`class="bridge[^"]*" data-name="` + regexp.QuoteMeta(b.Name) + `"`).MatchString(svg) {
				t.Errorf("%s: bridge %s not drawn", name, b.Name)
			}
		}
		for _, p := range s.Neutron.Ports {
			if p.Role == topo.RoleInstance && !strings.Contains(svg, `class="chain" data-port="`+p.ID+`"`) {
				t.Errorf("%s: chain of %s not drawn", name, p.ID)
			}
		}
		for _, tun := range s.Neutron.Tunnels {
			if !strings.Contains(svg, "→ "+tun.RemoteIP) {
				t.Errorf("%s: tunnel to %s not drawn", name, tun.RemoteIP)
			}
		}
		for _, r := range s.Neutron.Routers {
			for _, f := range r.FloatingIPs {
				if !strings.Contains(svg, "FIP "+f.FloatingIP+" → "+f.FixedIP) {
					t.Errorf("%s: floating IP %s not drawn", name, f.FloatingIP)
				}
			}
		}
	}
}

// The drawing is the TUI's layout: the same boxes with the same health.
func TestSVGIsTheDiagram(t *testing.T) {
	s := fixturetest.Load(t, "bad")
	l := diagram.Build(s, doctor.Examine(s), pageOptions())
	svg := SVG(s)
	if svg != diagram.SVG(l) {
		t.Fatal("report.SVG is not diagram.SVG of the page layout")
	}
	errs := 0
	for _, b := range l.Boxes {
		if b.Health == diagram.Error {
			errs++
		}
	}
	if got := strings.Count(svg, `data-health="error"`); got != errs || errs == 0 {
		t.Errorf("%d groups in the error style, %d boxes are errors", got, errs)
	}
}

// Every object with a problem is drawn in the error style; on the bad node
// that includes the examples, which used to look healthy: the
// dead-VLAN qvo, the qvb outside its qbr, the port tagged unlike
// other_config:tag, and the router with ip_forward=0.
func TestErrorStyle(t *testing.T) {
	s := fixturetest.Load(t, "bad")
	page := HTML(s)
	for _, p := range s.Neutron.Ports {
		if len(p.Problems) == 0 || p.Role != topo.RoleInstance {
			continue
		}
		if !strings.Contains(page, `class="chain" data-port="`+p.ID+`" data-health="error"`) {
			t.Errorf("the chain of broken port %s (%s) is not in the error style", p.ID, p.Problems[0])
		}
	}
	red := func(devName string) bool {
		return regexp.MustCompile(`data-health="error"><title>[^<]*</title><rect[^>]*/><text x="\d+" y="\d+">✗ ` + regexp.QuoteMeta(devName) + `</text>`).MatchString(page)
	}
	for _, p := range s.Neutron.Ports {
		d := p.Devices
		switch {
		case p.Dead:
			if !red(d.QVO.Name) {
				t.Errorf("dead-VLAN %s not in the error style", d.QVO.Name)
			}
		case d.QVB != nil && d.QBR != nil && d.QVB.InKernel && d.QVB.OnBridge != d.QBR.Name:
			if !red(d.QVB.Name) {
				t.Errorf("%s outside its qbr not in the error style", d.QVB.Name)
			}
		case p.LocalVLAN == 3004:
			if !red(d.QVO.Name) {
				t.Errorf("%s tagged unlike other_config:tag not in the error style", d.QVO.Name)
			}
		}
	}
	for _, r := range s.Neutron.Routers {
		if r.IPForward != nil && !*r.IPForward && !strings.Contains(page, `class="router" data-id="`+r.ID+`" data-health="error"`) {
			t.Errorf("router %s with ip_forward=0 is not in the error style", r.ID)
		}
	}
	// The tables mark the same objects.
	for _, tb := range Tables(s) {
		if tb.ID != "routers" {
			continue
		}
		for i, row := range tb.Rows {
			if row[3] == "0" && tb.Health[i] != diagram.Error {
				t.Errorf("router %s with ip_forward=0 not marked in the table", row[0])
			}
		}
	}
}

// Large nodes: a lane shows its broken chains and a few healthy ones and
// counts the rest, so the drawing stays a size a person can read; every
// network still has its lane; the drawing fits the page width.
func TestLargeNodeCollapses(t *testing.T) {
	s := fixturetest.Load(t, "scale")
	svg := SVG(s)
	if got := strings.Count(svg, `class="chain"`); got > pageHealthy*len(s.Neutron.Networks) {
		t.Errorf("%d chains drawn", got)
	}
	if !strings.Contains(svg, "more healthy") {
		t.Error("no collapsed lane")
	}
	for _, n := range s.Neutron.Networks {
		if !strings.Contains(svg, `class="network" data-id="`+n.ID+`"`) {
			t.Errorf("network %s has no lane", n.ID)
		}
	}
	if !strings.Contains(svg, `style="max-width:100%;height:auto"`) {
		t.Error("the drawing does not shrink to the page")
	}
	if m := regexp.MustCompile(`<svg[^>]* width="(\d+)"`).FindStringSubmatch(svg); m == nil || len(m[1]) > 4 || m[1] > "1800" && len(m[1]) == 4 {
		t.Errorf("the drawing is %v pixels wide: its lanes do not wrap", m)
	}
}

// Nothing in the page can load anything: no src, href (but to a section
// of the page itself), url() or import.
var external = regexp.MustCompile(`(?i)\b(src|xlink:href)\s*=|\bhref\s*=\s*"[^#]|url\(|@import|<script|<link`)

func TestHTMLSelfContained(t *testing.T) {
	for _, name := range []string{"aio", "bad", "scale"} {
		page := HTML(fixturetest.Load(t, name))
		if m := external.FindString(page); m != "" {
			t.Errorf("%s: %q in the page", name, m)
		}
		if !strings.Contains(page, `Content-Security-Policy" content="default-src 'none'`) {
			t.Errorf("%s: no CSP", name)
		}
		for _, h := range []string{`<h2 id="networks">Networks</h2>`, `<h2 id="ports">Ports</h2>`, `<h2 id="routers">Routers and floating IPs</h2>`,
			`<h2 id="namespaces">Namespaces</h2>`, `<h2 id="problems">Problems</h2>`, "<svg"} {
			if !strings.Contains(page, h) {
				t.Errorf("%s: no %s", name, h)
			}
		}
		for _, id := range regexp.MustCompile(`href="#([^"]*)"`).FindAllStringSubmatch(page, -1) {
			if !strings.Contains(page, `id="`+id[1]+`"`) {
				t.Errorf("%s: the contents link to #%s, which is not in the page", name, id[1])
			}
		}
	}
}

// What a reader needs first comes first: the summary, the contents, the
// problems, then the drawing, then the tables; a long table folds all
// but its rows with a problem.
func TestHTMLOrder(t *testing.T) {
	for _, name := range []string{"aio", "bad", "scale"} {
		page := HTML(fixturetest.Load(t, name))
		order := []string{`<p class="summary`, `<nav class="toc">`, `<h2 id="problems">`, `<h2 id="topology">`, "<svg", `<h2 id="networks">`, `<h2 id="ports">`}
		at := -1
		for _, o := range order {
			i := strings.Index(page, o)
			if i < at {
				t.Errorf("%s: %s is not after what comes before it", name, o)
			}
			at = i
		}
	}
	bad := HTML(fixturetest.Load(t, "bad"))
	if !strings.Contains(bad, `<p class="summary error">✗ `) {
		t.Error("bad: the summary does not say errors")
	}
	aio := HTML(fixturetest.Load(t, "aio"))
	if !strings.Contains(aio, `<p class="summary ok">no problem found by the `) {
		t.Errorf("aio: the summary is not clean")
	}
	scale := HTML(fixturetest.Load(t, "scale"))
	ports := scale[strings.Index(scale, `<h2 id="ports">`):]
	ports = ports[:1+strings.Index(ports[1:], "<h2 ")]
	if !strings.Contains(ports, "<details><summary>") || strings.Count(ports, "<tr") < 1000 {
		t.Error("scale: the ports table is not folded, or lost rows")
	}
	// Rows with a problem come first in their table, and are marked.
	for _, tb := range Tables(fixturetest.Load(t, "bad")) {
		healthy := false
		for i := range tb.Rows {
			if tb.Health[i] == diagram.OK {
				healthy = true
			} else if healthy && tb.ID != "problems" {
				t.Errorf("%s: row %d has a problem after a healthy row", tb.ID, i)
			}
		}
	}
}

func TestMarkdownAndDot(t *testing.T) {
	s := fixturetest.Load(t, "bad")
	md := Markdown(s)
	for _, h := range []string{"\nSummary: ✗ ", "## Problems\n\n|   | severity |", "## Networks\n\n|   | local VLAN |", "## Ports", "## Routers and floating IPs", "## Namespaces"} {
		if !strings.Contains(md, h) {
			t.Errorf("markdown lacks %q", h)
		}
	}
	if strings.Index(md, "## Problems") > strings.Index(md, "## Networks") {
		t.Error("markdown: the problems are not first")
	}
	for _, line := range strings.Split(md, "\n") {
		if strings.HasPrefix(line, "| ") && strings.Count(line, " | ")-strings.Count(line, `\|`) < 1 {
			t.Errorf("broken row %q", line)
		}
	}
	dot := Dot(s)
	if !strings.HasPrefix(dot, "digraph ") || !strings.HasSuffix(dot, "}\n") {
		t.Fatalf("not a digraph:\n%s", dot)
	}
	for _, b := range s.OVS.Bridges {
		if !strings.Contains(dot, `"`+b.Name+`" [label=`) {
			t.Errorf("dot lacks bridge %s", b.Name)
		}
	}
	for _, p := range s.Neutron.Ports {
		if p.Role == topo.RoleInstance && p.Devices.QVO != nil && !strings.Contains(dot, `"`+p.Devices.QVO.Name+`"`) {
			t.Errorf("dot lacks %s", p.Devices.QVO.Name)
		}
		if p.Dead && !strings.Contains(dot, `"`+p.Devices.QVO.Name+`" [label="`+p.Devices.QVO.Name+`\ntag 4095", color="#b00020"`) {
			t.Errorf("dot: dead-VLAN %s is not red", p.Devices.QVO.Name)
		}
	}
	for _, r := range s.Neutron.Routers {
		if r.IPForward != nil && !*r.IPForward {
			ref := render.Ref{Kind: "namespace", ID: r.Namespace}
			if !strings.Contains(dot, `"`+ref.ID+`", style=filled, fillcolor="#fdf6e3", color="#b00020"`) {
				t.Errorf("dot: router %s with ip_forward=0 is not red", r.ID)
			}
		}
	}
}
