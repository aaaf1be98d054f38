package render

import (
	"fmt"
	"strings"

	"github.com/ostopo/ostopo/netinspect/doctor"
)

// Problems lists the doctor's findings, most severe first: the finding,
// its evidence and what to do. Enter on a finding opens its first object.
// It knows nothing of checks that could not run: ProblemsResult does, and
// is what a view of a node should show ("no problems found" on facts that
// were not read is a lie).
func Problems(fs []doctor.Finding) []Row {
	return ProblemsResult(doctor.Result{Findings: fs})
}

// ProblemsResult is the Problems view of a doctor result: the findings,
// then each check that could not run with the sources it lacked (never
// "no problems found" when one did not run).
func ProblemsResult(r doctor.Result) []Row {
	fs := r.Findings
	if len(fs) == 0 && len(r.Unchecked) == 0 {
		return []Row{{Text: "no problems found", Class: Good}}
	}
	var rows []Row
	if len(fs) == 0 {
		total := max(r.Checks, len(r.Unchecked))
		text := fmt.Sprintf("nothing found in what could be read; %d of %d checks could not run", len(r.Unchecked), total)
		if r.NoFacts {
			text = fmt.Sprintf("no facts were recorded; none of the %d checks could run", total)
		}
		rows = append(rows, Row{Text: text, Class: Problem})
	}
	for _, f := range fs {
		ref := Ref{}
		if len(f.Objects) > 0 {
			ref = Ref{f.Objects[0].Kind, f.Objects[0].ID}
		}
		class := Problem
		if f.Severity != doctor.Error {
			class = Header
		}
		search := f.ID
		for _, o := range f.Objects {
			search += " " + o.ID
		}
		rows = append(rows, Row{Text: strings.ToUpper(f.Severity) + "  " + f.Title + "  [" + f.ID + "]", Class: class, Ref: ref, Search: search, Copy: f.ID})
		for _, e := range f.Evidence {
			rows = append(rows, Row{Text: "    · " + e, Class: Dim, Ref: ref, Search: search, Copy: e})
		}
		rows = append(rows, Row{Text: "    → " + f.Fix, Class: Normal, Ref: ref, Search: search, Copy: f.Fix})
	}
	for _, u := range r.Unchecked {
		search := u.Check
		for _, src := range u.Sources {
			search += " " + src.Name
		}
		rows = append(rows, Row{Text: "UNKNOWN  " + u.Title + ": not checked  [" + u.Check + "]", Class: Header, Search: search, Copy: u.Check})
		for _, src := range u.Sources {
			text := src.Name
			if src.Error != "" {
				text += ": " + src.Error
			}
			rows = append(rows, Row{Text: "    · not read: " + text, Class: Dim, Search: search, Copy: text})
		}
	}
	return rows
}

// Badges maps each object with a finding to its worst severity, for
// marking rows in every view.
func Badges(fs []doctor.Finding) map[Ref]string {
	out := map[Ref]string{}
	for _, f := range fs {
		for _, o := range f.Objects {
			r := Ref{o.Kind, o.ID}
			if out[r] != doctor.Error {
				out[r] = f.Severity
			}
		}
	}
	return out
}
