package doctor_test

// The Problems view's rows of a doctor result (ui/render.ProblemsResult),
// tested here with the results they render: the view must never say "no
// problems found" when a check could not run.

import (
	"strings"
	"testing"

	"github.com/ostopo/ostopo/fixtures/fixturetest"
	"github.com/ostopo/ostopo/netinspect/doctor"
	"github.com/ostopo/ostopo/netinspect/topo"
	"github.com/ostopo/ostopo/ui/render"
)

func rowTexts(rows []render.Row) string {
	var out []string
	for _, r := range rows {
		out = append(out, r.Text)
	}
	return strings.Join(out, "\n")
}

func TestProblemsViewRows(t *testing.T) {
	healthy := render.ProblemsResult(doctor.Examine(fixturetest.Load(t, "aio")))
	if len(healthy) != 1 || healthy[0].Text != "no problems found" || healthy[0].Class != render.Good {
		t.Errorf("healthy: %q", rowTexts(healthy))
	}

	s := fixturetest.Load(t, "aio")
	asNonRoot(s)
	rows := render.ProblemsResult(doctor.Examine(s))
	text := rowTexts(rows)
	if strings.Contains(text, "no problems found") || rows[0].Text != "nothing found in what could be read; 21 of 21 checks could not run" || rows[0].Class != render.Problem {
		t.Errorf("not root: first row %+v", rows[0])
	}
	if !strings.Contains(text, "UNKNOWN  port in the dead VLAN 4095: not checked  [dead-vlan]\n    · not read: ovsdb: dial unix /run/openvswitch/db.sock") {
		t.Errorf("not root:\n%s", text)
	}
	for _, r := range rows[1:] {
		if r.Class != render.Header && r.Class != render.Dim {
			t.Errorf("row %q class %v", r.Text, r.Class)
		}
	}

	empty := render.ProblemsResult(doctor.Examine(&topo.Snapshot{Schema: topo.Schema}))
	if empty[0].Text != "no facts were recorded; none of the 21 checks could run" {
		t.Errorf("empty snapshot: %q", empty[0].Text)
	}

	// Findings and unchecked checks together: the findings first, no
	// summary row (the findings say something was found).
	b := fixturetest.Load(t, "bad")
	b.Source("openflow/br-tun").OK = false
	rows = render.ProblemsResult(doctor.Examine(b))
	if !strings.HasPrefix(rows[0].Text, "ERROR  ") || !strings.Contains(rowTexts(rows), "[vlan-unmapped]\n    · not read: openflow/br-tun") {
		t.Errorf("bad node with br-tun unread:\n%s", rowTexts(rows))
	}
	// The old entry point still renders findings alone.
	if got := render.Problems(nil); len(got) != 1 || got[0].Text != "no problems found" {
		t.Errorf("Problems(nil) = %q", rowTexts(got))
	}
}
