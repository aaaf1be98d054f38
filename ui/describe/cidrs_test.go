package describe

import (
	"strconv"
	"strings"
	"testing"

	"github.com/ostopo/ostopo/ui/render"
)

// The network page of a compute node says why a network's CIDRs are
// unknown when no DHCP or router port of it is there to read them from,
// shows them when one is (compute1 hosts a DVR router: its qr- and fg-
// ports give their networks' prefixes), and shows the MTU the ports'
// devices carry.
func TestNetworkPageCIDRsUnknown(t *testing.T) {
	x := index(t, "cmp")
	var known, unknown int
	for _, nw := range x.s.Neutron.Networks {
		p := x.Page(render.Ref{Kind: "network", ID: nw.ID})
		var text []string
		for _, l := range p.Sections[0].Lines {
			text = append(text, l.Text)
		}
		all := strings.Join(text, "\n")
		if nw.MTU <= 0 {
			t.Errorf("network %s: no MTU in the model (fixture read no device of its ports?)", nw.ID)
		}
		want := []string{"MTU " + strconv.Itoa(nw.MTU)}
		switch {
		case len(nw.CIDRs) == 0 && nw.CIDRsUnknown != "":
			unknown++
			want = append(want, "CIDR      ? unknown here: "+nw.CIDRsUnknown)
		case len(nw.CIDRs) > 0:
			known++
			for _, c := range nw.CIDRs {
				want = append(want, "CIDR      "+c)
			}
			if strings.Contains(all, "? unknown here") {
				t.Errorf("network %s has CIDRs %v but its page says they are unknown:\n%s", nw.ID, nw.CIDRs, all)
			}
		}
		for _, w := range want {
			if !strings.Contains(all, w) {
				t.Errorf("network %s page lacks %q:\n%s", nw.ID, w, all)
			}
		}
	}
	if known == 0 || unknown == 0 {
		t.Errorf("cmp: %d networks with CIDRs known, %d unknown: want at least one of each", known, unknown)
	}
}
