package views

import (
	"strconv"
	"strings"

	"github.com/ostopo/ostopo/netinspect/cloud"
	"github.com/ostopo/ostopo/netinspect/doctor"
	"github.com/ostopo/ostopo/netinspect/safetext"
	"github.com/ostopo/ostopo/ui/filter"
	"github.com/ostopo/ostopo/ui/render"
	"github.com/ostopo/ostopo/ui/table"
)

// Refs of the problems across nodes and of the cross-node checks that
// could not be made (ID: the index in Cloud.Problems, Cloud.Unknown).
const (
	KindCrossProblem = "xproblem"
	KindCrossUnknown = "xunknown"
)

// CrossProblems lists what only shows across the nodes of a cloud (a
// port plugged on two nodes, a tunnel one way), most severe first, then
// the cross-node checks that could not be made: the Problems view's
// columns, so that they line up with each node's findings under them.
func CrossProblems(c *cloud.Cloud) table.Data {
	d := Problems(emptyExam())
	d.Name = "Problems across nodes"
	d.Empty = "no problem across nodes"
	d.Rows = nil
	for i, p := range c.Problems {
		class := render.Header
		if p.Severity == cloud.Error {
			class = render.Problem
		}
		nodes := strings.Join(p.Nodes, ", ")
		cells := tableCells(p.Severity, p.Kind, p.Subject, p.Text+" ("+nodes+")")
		d.Rows = append(d.Rows, table.Row{
			Cells: cells, Class: class, Ref: render.Ref{Kind: KindCrossProblem, ID: strconv.Itoa(i)}, Copy: safetext.Term(p.Subject), NoBadge: true,
			Fields: filter.NewFields(tableFieldText(cells, strings.Join(p.Evidence, " ")), map[string][]string{
				"kind": {"finding"}, "sev": {p.Severity}, "id": {p.Kind}, "state": {"broken"},
			}),
		})
	}
	for i, u := range c.Unknown {
		nodes := strings.Join(u.Nodes, ", ")
		cells := tableCells("unknown", u.Kind, u.Subject, u.Text+" ("+nodes+")")
		d.Rows = append(d.Rows, table.Row{
			Cells: cells, Class: render.Dim, Ref: render.Ref{Kind: KindCrossUnknown, ID: strconv.Itoa(i)}, Copy: safetext.Term(u.Subject), NoBadge: true,
			Fields: filter.NewFields(tableFieldText(cells), map[string][]string{
				"kind": {"finding"}, "sev": {"unknown"}, "id": {u.Kind}, "state": {"unknown"},
			}),
		})
	}
	return d
}

// emptyExam is a doctor's result with nothing in it (the columns of
// Problems without its rows).
func emptyExam() doctor.Result { return doctor.Result{} }
