package doctor

import (
	"fmt"
	"strings"

	"github.com/ostopo/ostopo/netinspect/safetext"
	"github.com/ostopo/ostopo/netinspect/topo"
)

// Text renders a result as `ostopo doctor` prints it: each finding with
// its evidence and fix, each check that could not run with the sources it
// lacked, and one summary line. It never says "no problems found" when a
// check did not run: nothing found in what was read is not health. Every
// line goes through safetext (evidence quotes names from the snapshot).
func Text(host string, r Result) string {
	var b safetext.Builder
	if host == "" {
		host = "(no host recorded)"
	}
	counts := map[string]int{}
	for _, f := range r.Findings {
		counts[f.Severity]++
		b.Linef("%-7s %s", strings.ToUpper(f.Severity), f.ID)
		b.Linef("        %s", f.Title)
		for _, e := range f.Evidence {
			b.Linef("        · %s", e)
		}
		b.Linef("        → %s", f.Fix)
		b.Blank()
	}
	// Each check names what it lacked; each source's error is said once
	// below (a non-root run lacks OVSDB for fourteen checks).
	var unread []topo.Source
	seen := map[string]bool{}
	for _, u := range r.Unchecked {
		b.Linef("%-7s %s: %s", "UNKNOWN", u.Check, u.Title)
		b.Linef("        · not read: %s", sourceNames(u.Sources))
		for _, src := range u.Sources {
			if !seen[src.Name] {
				seen[src.Name] = true
				unread = append(unread, src)
			}
		}
	}
	if len(unread) > 0 {
		b.Blank()
		b.Line("sources not read:")
		for _, src := range unread {
			b.Linef("  %s", sourceText(src))
		}
		b.Blank()
	}
	total := max(r.Checks, len(r.Unchecked))
	switch {
	case r.NoFacts:
		b.Linef("%s: no facts were recorded; none of the %d checks could run", host, total)
	case len(r.Unchecked) > 0 && len(r.Findings) == 0:
		b.Linef("%s: nothing found in what could be read; %d of %d checks could not run", host, len(r.Unchecked), total)
	case len(r.Unchecked) > 0:
		b.Linef("%s: %d errors, %d warnings, %d info in what could be read; %d of %d checks could not run",
			host, counts[Error], counts[Warning], counts[Info], len(r.Unchecked), total)
	case len(r.Findings) == 0:
		b.Linef("%s: no problems found", host)
	default:
		b.Linef("%s: %d errors, %d warnings, %d info", host, counts[Error], counts[Warning], counts[Info])
	}
	return b.String()
}

// sourceText is "name: error", as an operator greps for it.
func sourceText(src topo.Source) string {
	if src.Error == "" {
		return src.Name
	}
	return src.Name + ": " + src.Error
}

// sourceNames lists the names of sources, a family with more than two
// unread members as one entry ("netlink/… (5)"): the names are in the
// list of sources not read.
func sourceNames(srcs []topo.Source) string {
	family := func(name string) string {
		if i := strings.IndexByte(name, '/'); i >= 0 {
			return name[:i+1]
		}
		return name
	}
	count := map[string]int{}
	for _, s := range srcs {
		count[family(s.Name)]++
	}
	var out []string
	done := map[string]bool{}
	for _, s := range srcs {
		f := family(s.Name)
		switch {
		case count[f] <= 2 || f == s.Name:
			out = append(out, s.Name)
		case !done[f]:
			done[f] = true
			out = append(out, fmt.Sprintf("%s… (%d)", f, count[f]))
		}
	}
	return strings.Join(out, ", ")
}
