package describe

import (
	"strings"
	"testing"

	"github.com/ostopo/ostopo/ui/render"
)

// The network page of a compute node says why the CIDRs are unknown and
// shows the MTU the ports' devices carry.
func TestNetworkPageCIDRsUnknown(t *testing.T) {
	x := index(t, "cmp")
	for _, nw := range x.s.Neutron.Networks {
		p := x.Page(render.Ref{Kind: "network", ID: nw.ID})
		var text []string
		for _, l := range p.Sections[0].Lines {
			text = append(text, l.Text)
		}
		all := strings.Join(text, "\n")
		for _, want := range []string{"CIDR      ? unknown here: no DHCP or router port of this network on this node", "MTU 1450"} {
			if !strings.Contains(all, want) {
				t.Errorf("network %s page lacks %q:\n%s", nw.ID, want, all)
			}
		}
	}
}
