package diagram

import (
	"strings"
	"testing"
)

// A lane's heading says a network's CIDRs are unknown (as the Networks
// table does) when the node cannot read them, on the terminal and in the
// SVG drawing the reports embed; a network whose CIDRs were read (on
// compute1 those of its DVR router's qr- and fg- ports; every network on
// aio) has them drawn.
func TestLaneHeadingCIDRsUnknownOnCompute(t *testing.T) {
	for _, name := range []string{"cmp", "aio"} {
		s, l := build(t, name, Options{})
		heads := map[string]string{} // network id -> its lane heading
		for _, b := range l.Boxes {
			if b.Kind == KindNetwork && b.Ref.Kind == "network" {
				heads[b.Ref.ID] = strings.Join(b.Lines, "\n")
			}
		}
		svg := SVG(l)
		var known, unknown int
		for _, nw := range s.Neutron.Networks {
			switch {
			case len(nw.CIDRs) == 0 && nw.CIDRsUnknown != "":
				unknown++
				h, ok := heads[nw.ID]
				if !ok {
					t.Errorf("%s: no lane heading for network %s", name, nw.ID)
				} else if !strings.Contains(h, "? unknown here") {
					t.Errorf("%s: heading of %s %q does not say its CIDRs are unknown", name, nw.ID, h)
				}
			case len(nw.CIDRs) > 0:
				known++
				h, ok := heads[nw.ID]
				if !ok {
					t.Errorf("%s: no lane heading for network %s", name, nw.ID)
					continue
				}
				if strings.Contains(h, "? unknown here") {
					t.Errorf("%s: heading of %s %q says CIDRs unknown, but they are %v", name, nw.ID, h, nw.CIDRs)
				}
				for _, c := range nw.CIDRs {
					if !strings.Contains(h, c) {
						t.Errorf("%s: heading of %s %q lacks CIDR %s", name, nw.ID, h, c)
					}
					if !strings.Contains(svg, c) {
						t.Errorf("%s: SVG lacks CIDR %s of network %s", name, c, nw.ID)
					}
				}
			}
		}
		if got, want := strings.Contains(svg, "? unknown here"), unknown > 0; got != want {
			t.Errorf("%s: SVG shows unknown CIDRs %v, want %v", name, got, want)
		}
		switch {
		case name == "cmp" && (known == 0 || unknown == 0):
			t.Errorf("cmp: %d networks with CIDRs known, %d unknown: want at least one of each", known, unknown)
		case name == "aio" && (known == 0 || unknown != 0):
			t.Errorf("aio: %d networks with CIDRs known, %d unknown: want all known", known, unknown)
		}
	}
}
