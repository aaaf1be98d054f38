package diagram

import (
	"strings"
	"testing"
)

// A lane's heading says a compute node's network CIDRs are unknown (as
// the Networks table does), on the terminal and in the SVG drawing the
// reports embed; a node that read them draws them.
func TestLaneHeadingCIDRsUnknownOnCompute(t *testing.T) {
	for name, unknown := range map[string]bool{"cmp": true, "aio": false} {
		s, l := build(t, name, Options{})
		heads := map[string]string{} // network id -> its lane heading
		for _, b := range l.Boxes {
			if b.Kind == KindNetwork && b.Ref.Kind == "network" {
				heads[b.Ref.ID] = strings.Join(b.Lines, "\n")
			}
		}
		for _, nw := range s.Neutron.Networks {
			if len(nw.CIDRs) > 0 || nw.CIDRsUnknown == "" {
				continue
			}
			if _, ok := heads[nw.ID]; !ok {
				t.Errorf("%s: no lane heading for network %s", name, nw.ID)
			}
		}
		for id, h := range heads {
			if got := strings.Contains(h, "? unknown here"); got != unknown {
				t.Errorf("%s: heading of %s %q: unknown CIDRs shown %v, want %v", name, id, h, got, unknown)
			}
		}
		if got := strings.Contains(SVG(l), "? unknown here"); got != unknown {
			t.Errorf("%s: SVG shows unknown CIDRs %v, want %v", name, got, unknown)
		}
	}
}
