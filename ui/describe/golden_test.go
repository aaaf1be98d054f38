package describe

import (
	"fmt"
	"testing"

	"github.com/ostopo/ostopo/netinspect/topo"
	"github.com/ostopo/ostopo/ui/render"
)

// sizes are the terminal sizes every golden is drawn at.
var sizes = [][2]int{{80, 24}, {120, 40}, {200, 60}}

// goldenRefs picks one object of each kind: an instance port (a broken
// one when there is one), its network, the first router and its
// namespace, br-int and one of its flows.
func goldenRefs(s *topo.Snapshot) map[string]render.Ref {
	var port *topo.NPort
	for i := range s.Neutron.Ports {
		p := &s.Neutron.Ports[i]
		if p.Role != topo.RoleInstance || p.NetworkID == "" {
			continue
		}
		if port == nil || len(port.Problems) == 0 && len(p.Problems) > 0 {
			port = p
		}
	}
	r := s.Neutron.Routers[0]
	return map[string]render.Ref{
		"port":      {Kind: "port", ID: port.ID},
		"network":   {Kind: "network", ID: port.NetworkID},
		"router":    {Kind: "router", ID: r.ID},
		"namespace": {Kind: "namespace", ID: r.Namespace},
		"bridge":    {Kind: "bridge", ID: "br-int"},
		"flow":      {Kind: "flow", ID: "br-int/1"},
	}
}

// The describe pages of each kind, on the all-in-one node, the node with
// one of each fault and the 1000-instance node, at three sizes, as the
// detail pane draws them.
func TestGolden(t *testing.T) {
	for _, fix := range []string{"aio", "bad", "scale"} {
		x := index(t, fix)
		for kind, ref := range goldenRefs(x.Snapshot()) {
			p := x.Page(ref)
			if p.IsUnknown() {
				t.Fatalf("%s: no page for %v", fix, ref)
			}
			for _, sz := range sizes {
				name := fmt.Sprintf("%s-%s-%dx%d", fix, kind, sz[0], sz[1])
				t.Run(name, func(t *testing.T) {
					m := show(p, sz[0], sz[1], false)
					golden(t, name, m.Title()+"\n"+m.View()+"\n")
				})
			}
		}
	}
}
