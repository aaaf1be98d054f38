package report

import (
	"strconv"
	"strings"
	"testing"

	"github.com/ostopo/ostopo/fixtures/fixturetest"
)

// A compute node cannot read the CIDRs of a network it has no DHCP or
// router port of: the reports say so in the CIDRs cell instead of leaving
// it blank. A network it does have a router port of (compute1 hosts a DVR
// router: qr- and fg- ports) has its CIDRs shown. Both give the MTU.
func TestReportCIDRsUnknownOnCompute(t *testing.T) {
	s := fixturetest.Load(t, "cmp")
	md := Markdown(s)
	var known, unknown int
	for _, nw := range s.Neutron.Networks {
		var cell string
		switch {
		case len(nw.CIDRs) == 0 && nw.CIDRsUnknown != "":
			unknown++
			cell = "? unknown here"
		case len(nw.CIDRs) > 0:
			known++
			cell = strings.Join(nw.CIDRs, " ")
		default:
			continue
		}
		if nw.MTU <= 0 {
			t.Errorf("network %s: no MTU in the model", nw.ID)
		}
		want := "| " + cell + " | " + strconv.Itoa(nw.MTU) + " |"
		found := false
		for _, line := range strings.Split(md, "\n") {
			found = found || strings.Contains(line, nw.ID) && strings.Contains(line, want)
		}
		if !found {
			t.Errorf("markdown: no networks row for %s with %q:\n%s", nw.ID, want, md)
		}
	}
	if known == 0 || unknown == 0 {
		t.Errorf("cmp: %d networks with CIDRs known, %d unknown: want at least one of each", known, unknown)
	}
	h := HTML(s)
	if !strings.Contains(h, "? unknown here") {
		t.Error("HTML report lacks the unknown CIDRs")
	}
	for _, nw := range s.Neutron.Networks {
		for _, c := range nw.CIDRs {
			if !strings.Contains(h, c) {
				t.Errorf("HTML report lacks CIDR %s of network %s", c, nw.ID)
			}
		}
	}
}
