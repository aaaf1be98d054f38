package fleet

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// limitPatterns are patterns over testdata/kolla-shaped.ini with the hosts
// `ansible --list-hosts` gives for them (TestInventoryAgainstAnsible checks
// the table against Ansible itself when it is installed). Order matters
// only for subscripts; the rest is compared as sets.
var limitPatterns = []struct {
	pattern string
	want    []string
}{
	{"network:compute:control", []string{"net01", "net02", "compute01", "compute04", "compute07", "compute10", "cmp-a", "cmp-b", "cmp-c", "ctl01", "ctl02", "ctl03"}},
	{"all:!compute", []string{"mon01", "localhost", "net01", "net02", "ctl01", "ctl02", "ctl03"}},
	{"openvswitch:&baremetal:!net0*", []string{"compute01", "compute04", "compute07", "compute10", "cmp-a", "cmp-b", "cmp-c"}},
	{"compute[1:2]", []string{"compute04", "compute07"}},
	{"compute[-1]", []string{"cmp-c"}},
	{"compute[2:]", []string{"compute07", "compute10", "cmp-a", "cmp-b", "cmp-c"}},
	{"compute[0:0]", []string{"compute01"}},
	{"compute[:1]", nil},
	{"~c.*0[14]", []string{"ctl01", "compute01", "compute04"}},
	{"cmp-?", []string{"cmp-a", "cmp-b", "cmp-c"}},
	{"net*,&openvswitch", []string{"net01", "net02"}},
	{"ctl0[!2]", []string{"ctl01", "ctl03"}},
	{"baremetal:!compute:&openvswitch", []string{"net01", "net02"}},
	{"net01:ctl02", []string{"net01", "ctl02"}},
	{"nosuch", nil},
	{"!ctl01", []string{"mon01", "localhost", "ctl02", "ctl03", "net01", "net02", "compute01", "compute04", "compute07", "compute10", "cmp-a", "cmp-b", "cmp-c"}},
	{"ctl01,ctl01,ctl02", []string{"ctl01", "ctl02"}},
	{"*", []string{"mon01", "localhost", "ctl01", "ctl02", "ctl03", "net01", "net02", "compute01", "compute04", "compute07", "compute10", "cmp-a", "cmp-b", "cmp-c"}},
	{"ungrouped", nil},
	{"&compute", []string{"compute01", "compute04", "compute07", "compute10", "cmp-a", "cmp-b", "cmp-c"}},
	{" compute01 , net02 ", []string{"compute01", "net02"}},
	{"deployment", []string{"localhost"}},
}

func TestSelect(t *testing.T) {
	inv := readTestInventory(t, "kolla-shaped.ini")
	for _, p := range limitPatterns {
		got, err := inv.Select(p.pattern)
		if err != nil {
			t.Errorf("%q: %v", p.pattern, err)
			continue
		}
		if !sameSet(got, p.want) {
			t.Errorf("%q = %v, want %v", p.pattern, got, p.want)
		}
	}
	// Subscripts count in the group's order.
	got, _ := inv.Select("compute[1:2]")
	if !reflect.DeepEqual(got, []string{"compute04", "compute07"}) {
		t.Errorf("compute[1:2] = %v", got)
	}
	if _, err := inv.Select("compute[99]"); err == nil {
		t.Error("compute[99]: no error for an index past the group")
	}
	if _, err := inv.Select("~comp(ute"); err == nil {
		t.Error("~comp(ute: no error for a bad regular expression")
	}
}

func TestSelectLimited(t *testing.T) {
	inv := readTestInventory(t, "kolla-shaped.ini")
	cases := []struct {
		limit string
		want  []string
	}{
		{"", []string{"net01", "net02", "compute01", "compute04", "compute07", "compute10", "cmp-a", "cmp-b", "cmp-c", "ctl01", "ctl02", "ctl03"}},
		{"network", []string{"net01", "net02"}},
		{"compute*:!cmp-*", []string{"compute01", "compute04", "compute07", "compute10"}},
		{"mon01", nil}, // not a node ostopo collects
		{"all:!control:!compute", []string{"net01", "net02"}},
	}
	for _, c := range cases {
		got, err := inv.SelectLimited(CollectPattern, c.limit)
		if err != nil {
			t.Errorf("%q: %v", c.limit, err)
			continue
		}
		if !reflect.DeepEqual(got, c.want) && !(len(got) == 0 && len(c.want) == 0) {
			t.Errorf("--limit %q = %v, want %v", c.limit, got, c.want)
		}
	}
	file := filepath.Join(t.TempDir(), "retry")
	if err := os.WriteFile(file, []byte("ctl02\n\nnet01\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := inv.SelectLimited(CollectPattern, "@"+file)
	if err != nil || !reflect.DeepEqual(got, []string{"net01", "ctl02"}) {
		t.Errorf("--limit @file = %v, %v", got, err)
	}
	if _, err := inv.SelectLimited(CollectPattern, "@"+filepath.Join(t.TempDir(), "none")); err == nil {
		t.Error("--limit @missing: no error")
	}
}

func TestSplitHostPattern(t *testing.T) {
	cases := map[string][]string{
		"a,b[1], c[2:3] , d": {"a", "b[1]", "c[2:3]", "d"},
		"a:b:!c:&d":          {"a", "b", "!c", "&d"},
		"c[2:3]:d":           {"c[2:3]", "d"},
		"fd00::1":            {"fd00::1"},
		"host:22":            {"host:22"},
		"[fd00::1]:22":       {"[fd00::1]:22"},
	}
	for in, want := range cases {
		if got := splitHostPattern(in); !reflect.DeepEqual(got, want) {
			t.Errorf("%q = %q, want %q", in, got, want)
		}
	}
}
