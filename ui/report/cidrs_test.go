package report

import (
	"strings"
	"testing"

	"github.com/ostopo/ostopo/fixtures/fixturetest"
)

// A compute node's networks have CIDRs unknown: the reports say so in the
// CIDRs cell instead of leaving it blank, and give the MTU.
func TestReportCIDRsUnknownOnCompute(t *testing.T) {
	s := fixturetest.Load(t, "cmp")
	md := Markdown(s)
	for _, nw := range s.Neutron.Networks {
		found := false
		for _, line := range strings.Split(md, "\n") {
			found = found || strings.Contains(line, nw.ID) && strings.Contains(line, "| ? unknown here | 1450 |")
		}
		if !found {
			t.Errorf("markdown: no networks row for %s with CIDRs unknown and MTU 1450:\n%s", nw.ID, md)
		}
	}
	if h := HTML(s); !strings.Contains(h, "? unknown here") {
		t.Error("HTML report lacks the unknown CIDRs")
	}
}
