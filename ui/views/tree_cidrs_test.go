package views

import (
	"strings"
	"testing"

	"github.com/ostopo/ostopo/fixtures/fixturetest"
	"github.com/ostopo/ostopo/ui/tree"
)

// The topology tree's network rows say a compute node's CIDRs are unknown
// (as the Networks table does) instead of leaving them out, which reads
// as a network without subnets; a node that read them shows them.
func TestTreeNetworkCIDRsUnknownOnCompute(t *testing.T) {
	for name, unknown := range map[string]bool{"cmp": true, "aio": false} {
		s := fixturetest.Load(t, name)
		rows := map[string]string{} // network id -> its rows (the br-int VLAN group, the br-tun mapping)
		var walk func([]*tree.Node)
		walk = func(ns []*tree.Node) {
			for _, n := range ns {
				if n.Ref.Kind == "network" {
					rows[n.Ref.ID] += n.Text + "\n"
				}
				walk(n.Children)
			}
		}
		walk(Topology(s, treeBadges(s)))
		for _, nw := range s.Neutron.Networks {
			row, ok := rows[nw.ID]
			if !ok {
				t.Errorf("%s: no tree row for network %s", name, nw.ID)
				continue
			}
			if got := strings.Contains(row, "? unknown here"); got != unknown {
				t.Errorf("%s: network rows %q: unknown CIDRs shown %v, want %v", name, row, got, unknown)
			}
			for _, c := range nw.CIDRs {
				if !strings.Contains(row, c) {
					t.Errorf("%s: network rows %q lack CIDR %s", name, row, c)
				}
			}
		}
	}
}
