package views

import (
	"strings"
	"testing"

	"github.com/ostopo/ostopo/fixtures/fixturetest"
	"github.com/ostopo/ostopo/netinspect/neutron"
	"github.com/ostopo/ostopo/netinspect/topo"
	"github.com/ostopo/ostopo/ui/tree"
)

// dvrLab decodes a snapshot of the real-agent DVR lab
// (fixtures/fixturetest/reallab); derive: with this ostopo's view.
func dvrLab(t *testing.T, node string, derive bool) *topo.Snapshot {
	t.Helper()
	s := fixturetest.RealLab(t, "snap-"+node+".json")
	if derive {
		s.Neutron = neutron.Derive(s)
	}
	return s
}

func dvrRows(nodes []*tree.Node) []string {
	var out []string
	for _, n := range nodes {
		out = append(out, n.Text)
		out = append(out, dvrRows(n.Children)...)
	}
	return out
}

// A distributed router's way out (fg- in fip- on a compute node) is its
// gateway cell, its SNAT node says so in the kind, and the namespaces
// view labels its devices, from this ostopo's view or a recorded one.
func TestDVRLabels(t *testing.T) {
	for _, derive := range []bool{true, false} {
		d := Routers(dvrLab(t, "compute2", derive))
		if len(d.Rows) != 1 || d.Rows[0].Cells[2] != "dvr" || d.Rows[0].Cells[3] != "fg-5dae1249-8a 203.0.113.165/24 in fip-666b3331" {
			t.Errorf("derive %v: compute2 routers %+v", derive, d.Rows)
		}
		rows := strings.Join(dvrRows(Namespaces(dvrLab(t, "compute2", derive), nil)), "\n")
		for _, want := range []string{
			"rfp-93406f47-3  veth  DVR router→fip link ⇄ fpr-93406f47-3 in fip-666b3331",
			"fpr-93406f47-3  veth  DVR fip→router link ⇄ rfp-93406f47-3 in qrouter-93406f47",
			"fg-5dae1249-8a  tuntap  DVR fip gateway",
		} {
			if !strings.Contains(rows, want) {
				t.Errorf("derive %v: namespaces view lacks %q", derive, want)
			}
		}
		if derive && !strings.Contains(rows, "203.0.113.197 → 10.4.0.56  port ce23af72  fip route,dnat,snat") {
			t.Errorf("floating IP row:\n%s", rows)
		}
		n := Routers(dvrLab(t, "netnode", derive))
		var kinds []string
		for _, r := range n.Rows {
			kinds = append(kinds, r.Cells[2])
		}
		if strings.Join(kinds, ",") != "legacy,dvr snat,ha primary" {
			t.Errorf("derive %v: netnode kinds %v", derive, kinds)
		}
		if rows := strings.Join(dvrRows(Namespaces(dvrLab(t, "netnode", derive), nil)), "\n"); !strings.Contains(rows, "sg-28428019-59  tuntap  DVR centralized SNAT port") {
			t.Errorf("derive %v: no sg- label", derive)
		}
	}
}
