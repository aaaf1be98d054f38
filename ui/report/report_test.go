package report

import (
	"regexp"
	"strings"
	"testing"

	"github.com/ostopo/ostopo/fixtures/fixturetest"
	"github.com/ostopo/ostopo/netinspect/topo"
)

// Every bridge and every instance chain is drawn, with what the ports
// table knows, for each recorded node.
func TestSVGDrawsEverything(t *testing.T) {
	for _, name := range []string{"aio", "net", "cmp", "bad"} {
		s := fixturetest.Load(t, name)
		svg := SVG(s)
		for _, b := range s.OVS.Bridges {
			if !strings.Contains(svg, `class="bridge" data-name="`+b.Name+`"`) {
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

// Large nodes: chains are collapsed per network, so the drawing stays a
// size a person can read, and every network still has its block.
func TestLargeNodeCollapses(t *testing.T) {
	s := fixturetest.Load(t, "scale")
	svg := SVG(s)
	if got := strings.Count(svg, `class="chain"`); got > maxChains*len(s.Neutron.Networks) {
		t.Errorf("%d chains drawn", got)
	}
	if !strings.Contains(svg, "more instance chains on this network") {
		t.Error("no collapsed list")
	}
	for _, n := range s.Neutron.Networks {
		if !strings.Contains(svg, `class="network" data-id="`+n.ID+`"`) {
			t.Errorf("network %s has no block", n.ID)
		}
	}
}

// Nothing in the page can load anything: no src, href, url() or import.
var external = regexp.MustCompile(`(?i)\b(src|href|xlink:href)\s*=|url\(|@import|<script|<link`)

func TestHTMLSelfContained(t *testing.T) {
	for _, name := range []string{"aio", "bad", "scale"} {
		page := HTML(fixturetest.Load(t, name))
		if m := external.FindString(page); m != "" {
			t.Errorf("%s: %q in the page", name, m)
		}
		if !strings.Contains(page, `Content-Security-Policy" content="default-src 'none'`) {
			t.Errorf("%s: no CSP", name)
		}
		for _, h := range []string{"<h2>Networks</h2>", "<h2>Ports</h2>", "<h2>Routers and floating IPs</h2>", "<h2>Namespaces</h2>", "<h2>Problems</h2>", "<svg"} {
			if !strings.Contains(page, h) {
				t.Errorf("%s: no %s", name, h)
			}
		}
	}
}

func TestMarkdownAndDot(t *testing.T) {
	s := fixturetest.Load(t, "bad")
	md := Markdown(s)
	for _, h := range []string{"## Networks\n\n| local VLAN |", "## Ports", "## Routers and floating IPs", "## Namespaces", "## Problems\n\n| severity |"} {
		if !strings.Contains(md, h) {
			t.Errorf("markdown lacks %q", h)
		}
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
	}
}
