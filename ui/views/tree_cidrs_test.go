package views

import (
	"strings"
	"testing"

	"github.com/ostopo/ostopo/fixtures/fixturetest"
	"github.com/ostopo/ostopo/ui/tree"
)

// The topology tree's network rows say a network's CIDRs are unknown (as
// the Networks table does) when the node cannot read them, instead of
// leaving them out, which reads as a network without subnets; a network
// whose CIDRs were read (on compute1 those of its DVR router's qr- and
// fg- ports; every network on aio) shows them.
func TestTreeNetworkCIDRsUnknownOnCompute(t *testing.T) {
	for _, name := range []string{"cmp", "aio"} {
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
		var known, unknown int
		for _, nw := range s.Neutron.Networks {
			row, ok := rows[nw.ID]
			if !ok {
				t.Errorf("%s: no tree row for network %s", name, nw.ID)
				continue
			}
			isUnknown := len(nw.CIDRs) == 0 && nw.CIDRsUnknown != ""
			if isUnknown {
				unknown++
			} else if len(nw.CIDRs) > 0 {
				known++
			}
			if got := strings.Contains(row, "? unknown here"); got != isUnknown {
				t.Errorf("%s: network %s rows %q: unknown CIDRs shown %v, want %v", name, nw.ID, row, got, isUnknown)
			}
			for _, c := range nw.CIDRs {
				if !strings.Contains(row, c) {
					t.Errorf("%s: network rows %q lack CIDR %s", name, row, c)
				}
			}
		}
		switch {
		case name == "cmp" && (known == 0 || unknown == 0):
			t.Errorf("cmp: %d networks with CIDRs known, %d unknown: want at least one of each", known, unknown)
		case name == "aio" && (known == 0 || unknown != 0):
			t.Errorf("aio: %d networks with CIDRs known, %d unknown: want all known", known, unknown)
		}
	}
}
