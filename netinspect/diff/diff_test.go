package diff

import (
	"strings"
	"testing"

	"github.com/ostopo/ostopo/fixtures/fixturetest"
	"github.com/ostopo/ostopo/fixtures/hostile"
	"github.com/ostopo/ostopo/netinspect/topo"
)

func TestSameSnapshotNoChanges(t *testing.T) {
	for _, name := range []string{"aio", "net", "net2", "cmp", "cmp-ovsfw", "bad"} {
		if r := Diff(fixturetest.Load(t, name), fixturetest.Load(t, name)); !r.Empty() {
			t.Errorf("%s: %s", name, r.Text())
		}
	}
}

// Counters, flow ages, neighbours and the snapshot's time are not changes.
func TestVolatileFactsIgnored(t *testing.T) {
	a, b := fixturetest.Load(t, "aio"), fixturetest.Load(t, "aio")
	b.TakenAt = b.TakenAt.Add(3600e9)
	for i := range b.OVS.Bridges {
		for j := range b.OVS.Bridges[i].Flows {
			b.OVS.Bridges[i].Flows[j].Packets += 1000
			b.OVS.Bridges[i].Flows[j].Duration += 60
		}
	}
	for i := range b.Namespaces {
		b.Namespaces[i].Neighbors = nil
	}
	b.Sources = nil
	if r := Diff(a, b); !r.Empty() {
		t.Errorf("%s", r.Text())
	}
}

func TestChangesGroupedByObject(t *testing.T) {
	a, b := fixturetest.Load(t, "aio"), fixturetest.Load(t, "aio")
	// Retag one instance port, drop one DNAT rule, remove one floating IP.
	var qvo string
	for _, p := range b.Neutron.Ports {
		if p.Role == topo.RoleInstance {
			qvo = p.OVSPort
			break
		}
	}
	for i := range b.OVS.Bridges {
		for j := range b.OVS.Bridges[i].Ports {
			if b.OVS.Bridges[i].Ports[j].Name == qvo {
				b.OVS.Bridges[i].Ports[j].Tag = 99
			}
		}
	}
	var dropped string
	for i := range b.Namespaces {
		if nat := b.Namespaces[i].NAT; nat != nil && dropped == "" {
			for j, r := range nat.Rules {
				if r.Target == "DNAT" {
					dropped = r.Text()
					nat.Rules = append(nat.Rules[:j], nat.Rules[j+1:]...)
					break
				}
			}
		}
	}
	r := Diff(a, b)
	txt := r.Text()
	if len(r.Groups) != 2 {
		t.Fatalf("want the port and the router namespace:\n%s", txt)
	}
	if g := r.Groups[0]; g.Kind != "port" || len(g.Facts) != 1 || g.Facts[0].Name != "OVSDB port "+qvo || !strings.Contains(g.Facts[0].New, "tag 99") {
		t.Errorf("port group %+v", g)
	}
	if g := r.Groups[1]; g.Kind != "namespace" || !strings.HasPrefix(g.Label, "qrouter-") || len(g.Facts) != 1 || g.Facts[0].Name != "NAT "+dropped || g.Facts[0].Change != Removed {
		t.Errorf("namespace group %+v", g)
	}
	for _, want := range []string{"2 objects changed, 0 added, 0 removed", "~ OVSDB port " + qvo + ": ", "→ tag 99", "- NAT " + dropped} {
		if !strings.Contains(txt, want) {
			t.Errorf("text lacks %q:\n%s", want, txt)
		}
	}
}

func TestAddedAndRemovedObjects(t *testing.T) {
	a, b := fixturetest.Load(t, "aio"), fixturetest.Load(t, "aio")
	// b lacks the last router: the old snapshot had it.
	gone := b.Neutron.Routers[len(b.Neutron.Routers)-1]
	b.Neutron.Routers = b.Neutron.Routers[:len(b.Neutron.Routers)-1]
	r := Diff(a, b)
	found := false
	for _, g := range r.Groups {
		if g.Kind == "router" && g.ID == gone.ID {
			found = g.Change == Removed
		}
	}
	if !found {
		t.Errorf("router %s not removed:\n%s", gone.ID, r.Text())
	}
	if r := Diff(b, a); !strings.Contains(r.Text(), "+ router "+gone.ID+" (added)") {
		t.Errorf("reverse:\n%s", r.Text())
	}
}

// Two snapshots from someone else's machines: every line of the diff is
// terminal text, and a name's newline cannot forge a line of it.
func TestTextOfHostileSnapshots(t *testing.T) {
	for _, variant := range []func(*topo.Snapshot) *topo.Snapshot{hostile.Snapshot, hostile.Names} {
		old, new := variant(fixturetest.Load(t, "aio")), variant(fixturetest.Load(t, "bad"))
		r := Diff(old, new)
		if r.Empty() {
			t.Fatal("aio and bad differ in nothing")
		}
		txt := r.Text()
		hostile.CheckTerminal(t, "diff", []byte(txt))
		lines := strings.Split(strings.TrimSuffix(txt, "\n"), "\n")
		for i, line := range lines {
			if i > 0 && line != "" && !strings.HasPrefix(line, "+ ") && !strings.HasPrefix(line, "- ") &&
				!strings.HasPrefix(line, "~ ") && !strings.HasPrefix(line, "    ") {
				t.Errorf("line %d is no line of a diff: %q", i+1, line)
			}
		}
		if !strings.Contains(txt, `\x1b]0;pwned\x07`) {
			t.Error("the payload is not shown visibly")
		}
		same := Diff(old, old).Text()
		hostile.CheckTerminal(t, "no changes", []byte(same))
		if strings.Count(same, "\n") != 1 {
			t.Errorf("no changes is not one line: %q", same)
		}
	}
}

// A fact one snapshot did not read is not compared: its absence there is
// unknown, not a removal (an import of a sosreport lacks per-namespace
// rules, ip_forward and link kinds before sos 4.x; a live read can fail).
// Facts of sources both read are still compared.
func TestUnreadFactsNotCompared(t *testing.T) {
	a, b := fixturetest.Load(t, "aio"), fixturetest.Load(t, "aio")
	var router *topo.Namespace
	for i := range b.Namespaces {
		if b.Namespaces[i].Kind == topo.NSRouter && len(b.Namespaces[i].Rules) > 0 && b.Namespaces[i].IPForward != nil {
			router = &b.Namespaces[i]
			break
		}
	}
	if router == nil {
		t.Fatal("no router namespace with rules and ip_forward")
	}
	label := router.Label()
	// As an import of sos 4.0: no rules, no ip_forward, no link kinds.
	router.Rules, router.IPForward = nil, nil
	for i := range router.Links {
		router.Links[i].Kind = ""
	}
	for _, name := range []string{topo.SourceRules + label, "sysctl/" + label, topo.SourceLinkDetails + label} {
		b.Sources = append(b.Sources, topo.Source{Name: name, Error: "not collected"})
	}
	// And a real change in a fact both read: a NAT rule gone.
	if router.NAT == nil || len(router.NAT.Rules) == 0 {
		t.Fatal("no NAT rules in " + label)
	}
	gone := router.NAT.Rules[0].Text()
	router.NAT.Rules = router.NAT.Rules[1:]
	for i := range b.Neutron.Routers {
		if b.Neutron.Routers[i].Namespace == router.Name {
			b.Neutron.Routers[i].IPForward = nil
		}
	}

	r := Diff(a, b)
	var facts []string
	for _, g := range r.Groups {
		for _, f := range g.Facts {
			facts = append(facts, g.Kind+" "+g.ID+": "+f.Change+" "+f.Name)
		}
	}
	if len(facts) != 1 || !strings.Contains(facts[0], "removed NAT "+gone) {
		t.Errorf("changes %q, want only the NAT rule removed", facts)
	}
	if len(r.NotCompared) != 3 || !strings.Contains(r.Text(), "not compared: what rests on 3 sources") {
		t.Errorf("not compared %v\n%s", r.NotCompared, r.Text())
	}
	// The other way round too.
	if r := Diff(b, a); len(r.Groups) != 1 {
		t.Errorf("reversed: %+v", r.Groups)
	}
}
