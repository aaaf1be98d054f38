package render

import (
	"strings"

	"github.com/ostopo/ostopo/netinspect/doctor"
)

// Problems lists the doctor's findings, most severe first: the finding,
// its evidence and what to do. Enter on a finding opens its first object.
func Problems(fs []doctor.Finding) []Row {
	if len(fs) == 0 {
		return []Row{{Text: "no problems found", Class: Good}}
	}
	var rows []Row
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
