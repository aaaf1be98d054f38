package describe

import (
	"strconv"
	"strings"

	"github.com/ostopo/ostopo/netinspect/doctor"
	"github.com/ostopo/ostopo/ui/render"
)

// verdict writes a page's first line: BROKEN with the first problem,
// WARNING with the first warning, UNKNOWN with the first fact that could
// not be read, or OK. Problems are the Neutron view's lines for the
// object, findings the doctor's, unknown what could not be checked.
func verdict(ls *lines, fs []*doctor.Finding, problems, unknown []string, okText string) {
	errors, warnings := 0, 0
	var firstErr, firstWarn *doctor.Finding
	for _, f := range fs {
		switch f.Severity {
		case doctor.Error:
			if firstErr == nil {
				firstErr = f
			}
			errors++
		default:
			if firstWarn == nil {
				firstWarn = f
			}
			warnings++
		}
	}
	more := func(n int) string {
		if n <= 1 {
			return ""
		}
		return "  (+" + strconv.Itoa(n-1) + " more)"
	}
	switch {
	case len(problems) > 0:
		ls.wrap(render.Problem, "BROKEN  %s%s", problems[0], more(max(len(problems), errors))).Copy = problems[0]
	case firstErr != nil:
		ls.wrap(render.Problem, "BROKEN  %s%s", findingText(firstErr), more(errors)).Copy = firstErr.ID
	case firstWarn != nil:
		ls.wrap(render.Header, "WARNING  %s%s", findingText(firstWarn), more(warnings)).Copy = firstWarn.ID
	case len(unknown) > 0:
		// Neither good nor broken: facts it rests on were not read.
		ls.wrap(render.Dim, "UNKNOWN  %s%s", unknown[0], more(len(unknown))).Copy = unknown[0]
	default:
		ls.add(render.Good, "OK  %s", okText)
	}
}

// findingText is a finding in one line: its title and first evidence.
func findingText(f *doctor.Finding) string {
	if len(f.Evidence) > 0 {
		return f.Title + ": " + f.Evidence[0]
	}
	return f.Title
}

// problems writes the doctor's findings about an object (each with its
// evidence, what to do, and the other objects it involves as links),
// then the Neutron view's problems no finding already says, then what
// could not be checked.
func problems(ls *lines, self render.Ref, fs []*doctor.Finding, own, unknown []string) {
	said := map[string]bool{}
	for _, f := range fs {
		class := render.Problem
		if f.Severity != doctor.Error {
			class = render.Header
		}
		ls.wrap(class, "✗ %s  %s  [%s]", strings.ToUpper(f.Severity), f.Title, f.ID).Copy = f.ID
		for _, e := range f.Evidence {
			said[e] = true
			ls.wrap(render.Dim, "    · %s", e).Copy = e
		}
		ls.wrap(render.Normal, "    → %s", f.Fix).Copy = f.Fix
		for _, o := range f.Objects {
			ref := render.Ref{Kind: o.Kind, ID: o.ID}
			if ref == self || o.ID == "" {
				continue
			}
			ls.link(ref, o.ID, render.Dim, "    also %s %s", o.Kind, o.ID)
		}
	}
	for _, p := range own {
		if said[p] || covered(p, fs) {
			continue
		}
		ls.wrap(render.Problem, "✗ %s", p).Copy = p
	}
	for _, u := range unknown {
		ls.wrap(render.Dim, "? %s", u).Copy = u
	}
}

// covered reports whether a finding's evidence already says a problem
// (evidence often adds where: "… (in qrouter-…)").
func covered(p string, fs []*doctor.Finding) bool {
	for _, f := range fs {
		for _, e := range f.Evidence {
			if strings.Contains(e, p) {
				return true
			}
		}
	}
	return false
}

// hasProblems says whether problems would write anything.
func hasProblems(fs []*doctor.Finding, own, unknown []string) bool {
	return len(fs) > 0 || len(own) > 0 || len(unknown) > 0
}
