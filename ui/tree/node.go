// Package tree is the folding tree pane of the Topology and Namespaces
// views (a pane.Pane, pane.Filterable and pane.Selectable): bridge → VLAN
// group → port, namespace → links, addresses, routes, NAT. A view gives
// it the whole tree once per snapshot as Nodes; the pane keeps a flat
// slice of the rows that show and recomputes it only when folding or the
// filter changes, never per frame, and draws only the rows on screen.
//
// What a row shows, after the gutter (pane.Line: cursor, change mark,
// E/W badge):
//
//	▼ br-int  integration  …                 an open group
//	  ▶ VLAN 3  net ff12c816  …  (4)  ✗2     a folded group: 4 children,
//	                                         2 rows with problems inside
//	    tap… ─ qbr… ─ qvb… ═ qvo… ─ br-int[3]  a leaf
//
// Glyphs, for the help's legend: ▶ folded group, ▼ open group, (n) the
// group's children, ✗n rows with a problem (an error or a warning) in the
// group, itself included, ?n rows whose facts were not read. The count
// and the marks stay on screen however narrow the pane: the text is cut
// before them.
package tree

import (
	"github.com/ostopo/ostopo/ui/filter"
	"github.com/ostopo/ostopo/ui/render"
)

// Health is what a row says about its own object.
type Health int

// Healths, from nothing to say to the worst.
const (
	OK      Health = iota
	Unknown        // part of its facts were not read: neither good nor a problem
	Warning
	Error
)

// Problem reports whether a health is a stop for the next-problem keys
// and counts in a group's ✗ mark.
func (h Health) Problem() bool { return h >= Warning }

// Node is one row of a tree and, when it has children, a group.
type Node struct {
	// Text is the row without indentation or fold glyph (the tree draws
	// those), terminal-safe: built from safetext.Term'd strings.
	Text  string
	Class render.Class
	// Ref is the object the row stands for: the describe pane follows it,
	// enter opens it, the doctor's badge is looked up by it. A zero Ref
	// (a section such as "links") stands for its nearest ancestor's
	// object, and enter folds it instead.
	Ref render.Ref
	// Key identifies the row across snapshots for the change mark (•);
	// "" has none.
	Key string
	// Copy is what `y` copies, Trace what `t` traces ("" for nothing).
	Copy, Trace string
	// Fields are what the filter matches.
	Fields filter.Fields
	// Health is this row's own (a problem of its object, a doctor's badge,
	// facts not read); a group's marks roll up its subtree.
	Health Health
	// NoBadge marks an explanation line under its object ("✗ tap…
	// missing from the kernel"): it draws no E/W of its own, and neither
	// counts in a group's marks nor stops the next-problem keys (its
	// object does).
	NoBadge bool
	// NoCount leaves out a group's "(n)" where the number of children
	// means nothing (a namespace's sections, a port's explanation lines,
	// a bridge whose text already counts its ports).
	NoCount bool
	// StartFolded folds a group at start whatever its health: thousands
	// of rows (the root namespace's links) would bury everything else.
	StartFolded bool
	// Children make the node a group.
	Children []*Node
	// SortKeys are a top-level node's values, one per Options.Columns
	// (Namespaces: name, kind, links...), for sorting.
	SortKeys []string
}

// Options configure a tree pane.
type Options struct {
	// Name is the title ("Topology"), to which the pane adds its counts.
	Name string
	// Heading is an optional line kept above the rows (column titles),
	// terminal-safe; Columns make it from their titles instead, and let
	// shift+letter sort the top-level rows.
	Heading string
	Columns []Column
	// OpenDepth opens the groups above this depth at start whatever their
	// health (1: the roots are open). Below it, groups with a problem in
	// their subtree start open and healthy ones folded.
	OpenDepth int
}

// Legend explains the tree's glyphs, for the help screen.
func Legend() string {
	return "▶ folded group  ▼ open group  (n) rows in it  ✗n rows with a problem inside  ?n rows not read"
}
