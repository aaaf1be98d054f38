package iptext

// Fuzz targets, one per parser of node text (`.ci/fuzz` finds and runs
// every Fuzz* for a bounded time; a failing input lands in
// testdata/fuzz/FuzzX/ and plain `go test` replays it). Each seeds with
// every recorded and published output under testdata, and holds the
// parser to its word: no panic, nothing read that the text could not
// hold (no more records than lines, every prefix, address and MAC well
// formed), errors that name lines and quote them safely.

import (
	"errors"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ostopo/ostopo/netinspect/topo"
)

// seedAll adds every file under testdata (but the fuzzers' own corpus)
// to a fuzz target's seeds.
func seedAll(f *testing.F) {
	f.Helper()
	err := filepath.WalkDir("testdata", func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == "fuzz" {
			return filepath.SkipDir
		}
		if d.IsDir() || strings.HasSuffix(p, ".json") || strings.HasSuffix(p, ".md") {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		f.Add(string(b))
		return nil
	})
	if err != nil {
		f.Fatal(err)
	}
}

func lineCount(text string) int { return strings.Count(text, "\n") + 1 }

// checkErr holds an error to ParseError's word.
func checkErr(t *testing.T, text string, err error) {
	t.Helper()
	if err == nil {
		return
	}
	var pe *ParseError
	if !errors.As(err, &pe) {
		return // a whole-text error (ParseNAT's)
	}
	if len(pe.Lines) == 0 || len(pe.Lines) > maxLineErrors {
		t.Fatalf("%d lines quoted", len(pe.Lines))
	}
	for _, l := range pe.Lines {
		if l.Line < 1 || l.Line > lineCount(text) {
			t.Fatalf("line %d of %d", l.Line, lineCount(text))
		}
	}
	if strings.ContainsAny(err.Error(), "\n\r\x1b") {
		t.Fatalf("raw control characters in %q", err.Error())
	}
}

func checkPrefix(t *testing.T, what, p string) {
	t.Helper()
	if _, err := netip.ParsePrefix(p); err != nil {
		t.Fatalf("%s %q: %v", what, p, err)
	}
}

func checkIP(t *testing.T, what, s string) {
	t.Helper()
	if s != "" && net.ParseIP(s) == nil {
		t.Fatalf("%s %q is not an address", what, s)
	}
}

func checkMAC(t *testing.T, what, s string) {
	t.Helper()
	if s == "" {
		return
	}
	for _, part := range strings.Split(s, ":") {
		if len(part) != 2 || strings.Trim(part, "0123456789abcdef") != "" {
			t.Fatalf("%s %q is not colon hex", what, s)
		}
	}
}

func checkLinks(t *testing.T, text string, l *Links, err error) {
	t.Helper()
	checkErr(t, text, err)
	if l == nil || l.Links == nil || l.Lower == nil {
		t.Fatal("nil result")
	}
	if len(l.Links) > lineCount(text) {
		t.Fatalf("%d devices from %d lines", len(l.Links), lineCount(text))
	}
	seen := map[string]bool{}
	for _, x := range l.Links {
		if x.Addrs == nil {
			t.Fatalf("%s: nil addresses", x.Name)
		}
		if l.Known.Has(KnowsIndex) && x.Index <= 0 {
			t.Fatalf("%s: index %d", x.Name, x.Index)
		}
		checkMAC(t, x.Name, x.MAC)
		for _, a := range x.Addrs {
			checkPrefix(t, x.Name, a.Prefix)
		}
		if !l.Known.Has(KnowsKind) && x.Kind != "" && x.Kind != "loopback" {
			t.Fatalf("%s: kind %q without -d", x.Name, x.Kind)
		}
		if l.Known.Has(KnowsIndex) {
			key := x.Name + "\x00" + string(rune(x.Index))
			if seen[key] {
				t.Fatalf("%s listed twice", x.Name)
			}
			seen[key] = true
		}
	}
	// The peers of whatever was read resolve without trouble.
	ns := &topo.Namespace{Links: l.Links}
	ResolvePeers([]PeerScope{{NS: ns, Lower: l.Lower}, {NS: &topo.Namespace{Name: "x", Links: l.Links}, Lower: l.Lower}})
}

func FuzzParseIPLinks(f *testing.F) {
	seedAll(f)
	f.Fuzz(func(t *testing.T, text string) {
		l, err := ParseIPLinks(text)
		checkLinks(t, text, l, err)
		other, err := ParseIPLinks(text)
		checkLinks(t, text, other, err)
		before := len(l.Links)
		l.Merge(other)
		if len(l.Links) != before {
			t.Fatalf("merging a text with itself added devices: %d -> %d", before, len(l.Links))
		}
	})
}

func FuzzParseIfconfig(f *testing.F) {
	seedAll(f)
	f.Fuzz(func(t *testing.T, text string) {
		l, err := ParseIfconfig(text)
		checkLinks(t, text, l, err)
		if l.Known.Has(KnowsAddrs) || l.Known.Has(KnowsIndex) || l.Known.Has(KnowsKind) {
			t.Fatalf("ifconfig claims %b", l.Known)
		}
	})
}

func checkRoutes(t *testing.T, text string, r *Routes, err error) {
	t.Helper()
	checkErr(t, text, err)
	if r == nil || r.Routes == nil {
		t.Fatal("nil result")
	}
	if len(r.Routes)+r.DerivedOmitted > lineCount(text) {
		t.Fatalf("%d routes from %d lines", len(r.Routes)+r.DerivedOmitted, lineCount(text))
	}
	for _, x := range r.Routes {
		if x.Dst != "default" {
			checkPrefix(t, "route", x.Dst)
		}
		checkIP(t, "gateway", x.Gateway)
		checkIP(t, "source", x.Src)
		if x.Family != 4 && x.Family != 6 || x.Table < 0 || x.Metric < 0 {
			t.Fatalf("route %+v", x)
		}
	}
}

func FuzzParseRoutes(f *testing.F) {
	seedAll(f)
	f.Fuzz(func(t *testing.T, text string) {
		r, err := ParseRoutes(text, Options{})
		checkRoutes(t, text, r, err)
		r6, err := ParseRoutes(text, Options{Family: 6, Table: 100, Tables: map[string]int{"red": 7}})
		checkRoutes(t, text, r6, err)
		for _, x := range r6.Routes {
			if x.Family != 6 {
				t.Fatalf("family %d asked 6", x.Family)
			}
		}
	})
}

func FuzzParseRouteN(f *testing.F) {
	seedAll(f)
	f.Fuzz(func(t *testing.T, text string) {
		r, err := ParseRouteN(text)
		checkRoutes(t, text, r, err)
		for _, x := range r.Routes {
			if x.Table != topo.RouteTableMain || x.Family != 4 || x.Protocol != "" || x.Scope != "" {
				t.Fatalf("route -n told more than it can: %+v", x)
			}
		}
	})
}

func FuzzParseRules(f *testing.F) {
	seedAll(f)
	f.Fuzz(func(t *testing.T, text string) {
		rules, err := ParseRules(text, Options{})
		checkErr(t, text, err)
		if rules == nil || len(rules) > lineCount(text) {
			t.Fatalf("%d rules from %d lines", len(rules), lineCount(text))
		}
		for _, r := range rules {
			for _, p := range []string{r.Src, r.Dst} {
				if p != "" {
					checkPrefix(t, "rule", p)
				}
			}
			if r.Family != 4 && r.Family != 6 || r.Priority < 0 || r.Table < 0 {
				t.Fatalf("rule %+v", r)
			}
			if r.Mark != "" && !strings.HasPrefix(r.Mark, "0x") {
				t.Fatalf("mark %q", r.Mark)
			}
		}
	})
}

func FuzzParseNeighbours(f *testing.F) {
	seedAll(f)
	f.Fuzz(func(t *testing.T, text string) {
		n, err := ParseNeighbours(text)
		checkErr(t, text, err)
		if n == nil || len(n) > lineCount(text) {
			t.Fatalf("%d neighbours from %d lines", len(n), lineCount(text))
		}
		for _, x := range n {
			checkIP(t, "neighbour", x.IP)
			if x.IP == "" || x.State == "" {
				t.Fatalf("neighbour %+v", x)
			}
		}
	})
}

func FuzzParseNetns(f *testing.F) {
	seedAll(f)
	f.Fuzz(func(t *testing.T, text string) {
		ns, err := ParseNetns(text)
		checkErr(t, text, err)
		if ns == nil || len(ns) > lineCount(text) {
			t.Fatalf("%d namespaces from %d lines", len(ns), lineCount(text))
		}
		for _, e := range ns {
			if !validNetnsName(e.Name) || e.ID < -1 {
				t.Fatalf("namespace %+v", e)
			}
		}
		if ids := NetnsIDs(ns); len(ids) > len(ns) {
			t.Fatalf("%d ids of %d namespaces", len(ids), len(ns))
		}
	})
}

func FuzzParseSysctl(f *testing.F) {
	seedAll(f)
	f.Fuzz(func(t *testing.T, text string) {
		s, err := ParseSysctl(text)
		checkErr(t, text, err)
		if s.IPForward != nil && !strings.Contains(strings.ReplaceAll(text, "/", "."), IPForwardKey) {
			t.Fatalf("ip_forward read from a text without it")
		}
		var ns topo.Namespace
		s.Apply(&ns)
		if (ns.IPForward == nil) != (s.IPForward == nil) {
			t.Fatal("Apply lost or made up ip_forward")
		}
	})
}

func FuzzParseBrctlShow(f *testing.F) {
	seedAll(f)
	f.Fuzz(func(t *testing.T, text string) {
		b, err := ParseBrctlShow(text)
		checkErr(t, text, err)
		members := 0
		for _, x := range b {
			if x.Interfaces == nil || !bridgeID(x.ID) {
				t.Fatalf("bridge %+v", x)
			}
			members += len(x.Interfaces)
		}
		if len(b)+members > lineCount(text)+len(b) {
			t.Fatalf("%d bridges and %d members from %d lines", len(b), members, lineCount(text))
		}
		ns := &topo.Namespace{Links: []topo.Link{{Name: "br0"}, {Name: "eth0"}}}
		ApplyBridges(ns, b)
	})
}

func FuzzParseNAT(f *testing.F) {
	seedAll(f)
	f.Fuzz(func(t *testing.T, text string) {
		n, err := ParseNAT(text)
		if err != nil {
			if n.Table != nil {
				t.Fatal("a table with an error")
			}
			return
		}
		if n.OtherBackend != "" && n.OtherBackend != "legacy" {
			t.Fatalf("other backend %q", n.OtherBackend)
		}
		if n.Table != nil {
			switch n.Table.Backend {
			case "", "nf_tables", "legacy":
			default:
				t.Fatalf("backend %q", n.Table.Backend)
			}
			if len(n.Table.Rules) > lineCount(text) {
				t.Fatalf("%d rules from %d lines", len(n.Table.Rules), lineCount(text))
			}
		}
	})
}

func FuzzRecognise(f *testing.F) {
	seedAll(f)
	f.Fuzz(func(t *testing.T, text string) {
		k := Recognise(text)
		if k2 := Recognise(text); k2 != k {
			t.Fatalf("%q then %q", k, k2)
		}
		e := ErrorLines(text)
		if k == KindError && len(e) == 0 {
			t.Fatal("an error text without error lines")
		}
		if len(e) > 5 {
			t.Fatalf("%d error lines", len(e))
		}
		if k == KindEmpty && strings.TrimSpace(text) != "" {
			t.Fatal("empty, and not")
		}
	})
}
