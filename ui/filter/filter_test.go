package filter

import (
	"strings"
	"testing"
)

func TestQueries(t *testing.T) {
	row := NewFields("qvo1a2b3c4d-5e  br-int[4]  vm ab3609ab  10.1.0.12/24", map[string][]string{
		"vlan": {"4"}, "role": {"Instance"}, "net": {"5153154e-af22-4926-a9cb-305d9181ce3e"},
		"ip": {"10.1.0.12"}, "state": {"ok"}, "mac": {"fa:16:3e:00:00:01"},
	})
	for q, want := range map[string]bool{
		"":                        true,
		"QVO1a":                   true,
		"qvo1a br-int":            true,
		"qvo1a tap":               false,
		"!tap":                    true,
		"!qvo":                    false,
		"=10.1.0.12/24":           true,
		"=10.1.0.12":              true, // a field value
		"=10.1.0.1":               false,
		"10.1.0.1":                true, // a substring
		"/^qvo[0-9a-f]+-5e\\s/":   true,
		"/^tap/":                  false,
		"vlan:4":                  true,
		"vlan:40":                 false,
		"vlan:=4":                 true,
		"role:instance":           true,
		"role:dhcp":               false,
		"net:5153154e":            true,
		"net:5153154f":            false,
		"state:broken":            false,
		"!state:broken":           true,
		"mac:fa:16:3e":            true,
		"ns:qrouter":              false,
		"fe80::1":                 false, // not a typed term: plain text
		`"br-int[4]  vm"`:         true,
		"vlan:/^[0-9]$/ role:ins": true,
	} {
		parsed, err := Parse(q)
		if err != nil {
			t.Errorf("Parse(%q): %v", q, err)
			continue
		}
		if got := parsed.Match(row); got != want {
			t.Errorf("%q matched %v, want %v", q, got, want)
		}
	}
}

func TestBadRegexIsAnError(t *testing.T) {
	if _, err := Parse("/[/"); err == nil || !strings.Contains(err.Error(), "/[/") {
		t.Errorf("err = %v", err)
	}
}

func TestEmpty(t *testing.T) {
	q, _ := Parse("   ")
	if !q.Empty() || !q.Match(Fields{}) {
		t.Error("a blank query must match everything")
	}
}

// A filter over the 4,318 rows of a 1000-instance node runs on every
// keystroke: lower-casing is done once, when the fields are made.
func BenchmarkMatch(b *testing.B) {
	rows := make([]Fields, 4318)
	for i := range rows {
		rows[i] = NewFields("tapd3e7d95f-a7 ─ qbrd3e7d95f-a7 ─ qvbd3e7d95f-a7 ═ qvod3e7d95f-a7 ─ br-int[3]  vm aa0c8d94  10.1.1.10",
			map[string][]string{"vlan": {"3"}, "role": {"instance"}, "state": {"ok"}})
	}
	q, _ := Parse("qvo vlan:3 !state:broken")
	for b.Loop() {
		for _, r := range rows {
			q.Match(r)
		}
	}
}

func TestExact(t *testing.T) {
	row := NewFields("tap1 10.1.2.50/24", map[string][]string{"ip": {"10.1.2.50"}})
	for q, want := range map[string]bool{
		"10.1.2.50":          true,  // a field value
		"10.1.2.5":           false, // matches, but only as a prefix
		"10.1.2.50/24":       true,  // a word of the text
		"tap1 10.1.2.50":     true,
		"tap 10.1.2.50":      false,
		"vlan:4":             false, // no plain term: nothing to be exact about
		"!tap2 10.1.2.50":    true,
		"/10\\.1/ 10.1.2.50": true,
	} {
		parsed, _ := Parse(q)
		if got := parsed.Exact(row); got != want {
			t.Errorf("Exact(%q) = %v, want %v", q, got, want)
		}
	}
}

func TestContainsWord(t *testing.T) {
	for _, c := range []struct {
		text, w string
		want    bool
	}{
		{"tap1 10.1.2.50/24", "10.1.2.50/24", true},
		{"tap1 10.1.2.50/24", "10.1.2.5", false},
		{"10.1.0.1 10.1.0.10", "10.1.0.10", true},
		{"10.1.0.10 10.1.0.1", "10.1.0.1", true},
		{"x,(10.1.0.1)", "10.1.0.1", true},
		{"ab", "", false},
		{"a", "ab", false},
		{"→ qvo1 ═ qvb1", "qvb1", true},
	} {
		if got := containsWord(c.text, c.w); got != c.want {
			t.Errorf("containsWord(%q, %q) = %v", c.text, c.w, got)
		}
	}
}

// NewFields lower-cases values without writing to the slices it is given
// (a snapshot's own, which other goroutines may be reading).
func TestNewFieldsLeavesItsInputAlone(t *testing.T) {
	cidrs := []string{"FD00::/64", "10.0.0.0/24"}
	f := NewFields("Text", map[string][]string{"ip": cidrs})
	if cidrs[0] != "FD00::/64" {
		t.Errorf("NewFields wrote to its input: %q", cidrs)
	}
	if got := f.Values("ip"); got[0] != "fd00::/64" || got[1] != "10.0.0.0/24" || f.Text() != "text" {
		t.Errorf("values %q, text %q", got, f.Text())
	}
}
