package views

import (
	"slices"
	"strings"
	"testing"

	"github.com/ostopo/ostopo/fixtures/fixturetest"
	"github.com/ostopo/ostopo/ui/table"
)

// A compute node cannot tell the CIDRs of a network it has no DHCP or
// router port of: the cell says so rather than showing "-", which reads as
// a network without subnets. A network whose CIDRs were read (on compute1
// those of its DVR router's qr- and fg- ports; every network on aio) shows
// them.
func TestNetworksCIDRsUnknownOnCompute(t *testing.T) {
	for _, name := range []string{"cmp", "aio"} {
		s := fixturetest.Load(t, name)
		d := Networks(s)
		col := slices.IndexFunc(d.Columns, func(c table.Column) bool { return c.Title == "CIDRS" })
		if col < 0 || len(d.Rows) == 0 {
			t.Fatalf("%s: no CIDRS column or no rows", name)
		}
		cells := map[string]string{} // network id -> its CIDRS cell
		for _, r := range d.Rows {
			cells[r.Ref.ID] = r.Cells[col]
		}
		var known, unknown int
		for _, nw := range s.Neutron.Networks {
			var want string
			switch {
			case len(nw.CIDRs) == 0 && nw.CIDRsUnknown != "":
				unknown++
				want = "? unknown here"
			case len(nw.CIDRs) > 0:
				known++
				want = strings.Join(nw.CIDRs, " ")
			default:
				continue
			}
			got, ok := cells[nw.ID]
			if !ok {
				t.Errorf("%s: no row for network %s", name, nw.ID)
			} else if got != want {
				t.Errorf("%s %s: CIDRS cell %q, want %q", name, nw.ID, got, want)
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
