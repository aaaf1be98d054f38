// Package describe is the detail pane's describe page: everything ostopo
// knows about one object, a summary first (its verdict, its problems with
// the doctor's evidence and fix, for a port its chain in path order), then
// sections (kernel, OVSDB, flows, trace, raw) an operator unfolds as
// needed. Every id on a page is a link that opens that object's page.
//
// Pages are pure functions of a snapshot and the doctor's result, built
// through an Index made once per snapshot, so that a page costs well
// under a frame on a 1000-instance node (the detail pane rebuilds one on
// every cursor move of the list). Model shows them behind the ui/pane
// contract.
package describe

import (
	"fmt"
	"strings"

	"github.com/ostopo/ostopo/netinspect/safetext"
	"github.com/ostopo/ostopo/ui/render"
)

// Page is one object's describe page.
type Page struct {
	// Title names the object for the pane's title and the breadcrumb
	// ("port ada3ae32"); terminal-safe.
	Title string
	Ref   render.Ref
	// Trace is what `t` traces from this page (a port id, a floating
	// IP); "" when the object is nothing to trace.
	Trace string
	// Sections in order; the first is the summary (no header).
	Sections []Section
}

// Section is a part of a page under a header, folded or not.
type Section struct {
	// Name is the header ("kernel", "OVSDB", "flows"); "" for the
	// summary, which has no header and never folds.
	Name string
	// Head, when its Text is set, is drawn as the header instead of Name
	// (a trace hop's line, with its class and copy).
	Head   Line
	Lines  []Line
	Folded bool // folded when the page opens
	// Lazy builds Lines the first time the section is unfolded: for what
	// is long and rarely read (the raw facts, a root namespace's 4,000
	// devices), so that opening the page stays cheap.
	Lazy func() []Line
}

// Line is one line of a page.
type Line struct {
	// Text is terminal-safe: every string from the snapshot in it went
	// through safetext.Term.
	Text  string
	Class render.Class
	// Link is the object the line opens (Enter); the zero Ref is none.
	Link render.Ref
	// Copy is what `y` copies on this line ("" copies nothing).
	Copy string
	// Trace is what `t` traces on this line (a floating IP's line), ""
	// for the page's own Trace.
	Trace string
	// Wrap lets a long line continue on the next rows instead of being
	// cut (problems, evidence, fixes: the words that matter are at the
	// end).
	Wrap bool
}

// Lines returns every line of the page as drawn with every section
// unfolded (lazy sections built), headers included: for tests and for
// printing a page.
func (p Page) Lines() []Line {
	var out []Line
	for _, s := range p.Sections {
		if h, ok := s.header(); ok {
			out = append(out, h)
		}
		out = append(out, s.lines()...)
	}
	return out
}

// header is the section's header line, if it has one.
func (s Section) header() (Line, bool) {
	switch {
	case s.Head.Text != "":
		return s.Head, true
	case s.Name != "":
		return Line{Text: safetext.Term(s.Name), Class: render.Header}, true
	}
	return Line{}, false
}

// lines returns the section's lines, building lazy ones.
func (s Section) lines() []Line {
	if s.Lines == nil && s.Lazy != nil {
		return s.Lazy()
	}
	return s.Lines
}

// lines accumulates a section's lines; every text goes through
// safetext.Term as a whole line, so whatever a name holds stays inside
// its line.
type lines []Line

// add appends a plain line (without the padding an empty last column
// leaves).
func (ls *lines) add(class render.Class, format string, a ...any) *Line {
	*ls = append(*ls, Line{Text: strings.TrimRight(safetext.Term(fmt.Sprintf(format, a...)), " "), Class: class})
	return &(*ls)[len(*ls)-1]
}

// link appends a line that opens ref and copies copy.
func (ls *lines) link(ref render.Ref, copy string, class render.Class, format string, a ...any) *Line {
	l := ls.add(class, format, a...)
	l.Link, l.Copy = ref, safetext.Term(copy)
	return l
}

// wrap appends a line that wraps rather than being cut.
func (ls *lines) wrap(class render.Class, format string, a ...any) *Line {
	l := ls.add(class, format, a...)
	l.Wrap = true
	return l
}

// section builds a section from lines.
func section(name string, ls lines) Section { return Section{Name: name, Lines: ls} }
