package views

import (
	"slices"
	"testing"

	"github.com/ostopo/ostopo/fixtures/fixturetest"
	"github.com/ostopo/ostopo/ui/table"
)

// A compute node cannot tell a network's CIDRs: the cell says so rather
// than showing "-", which reads as a network without subnets.
func TestNetworksCIDRsUnknownOnCompute(t *testing.T) {
	for name, want := range map[string]func(string) bool{
		"cmp": func(c string) bool { return c == "? unknown here" },
		"aio": func(c string) bool { return c != "-" && c[0] != '?' },
	} {
		d := Networks(fixturetest.Load(t, name))
		col := slices.IndexFunc(d.Columns, func(c table.Column) bool { return c.Title == "CIDRS" })
		if col < 0 || len(d.Rows) == 0 {
			t.Fatalf("%s: no CIDRS column or no rows", name)
		}
		for _, r := range d.Rows {
			if !want(r.Cells[col]) {
				t.Errorf("%s %s: CIDRS cell %q", name, r.Ref.ID, r.Cells[col])
			}
		}
	}
}
