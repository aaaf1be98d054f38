// Package render turns a snapshot into the lines each view shows: plain
// text rows with a class (for styling), the object they stand for (for the
// detail view), what a filter matches and what `y` copies. It is pure and
// knows nothing of terminals; the TUI styles and windows the rows, tests
// compare them, and a --plain mode can print them.
package render

import (
	"strconv"
	"strings"

	"github.com/ostopo/ostopo/netinspect/doctor"
	"github.com/ostopo/ostopo/netinspect/topo"
)

// Class says how a row is styled.
type Class int

// Row classes.
const (
	Normal  Class = iota
	Header        // a group title: bridge, VLAN, namespace, table
	Dim           // secondary facts
	Good          // healthy state worth seeing
	Problem       // something missing or miswired
)

// Ref names the object a row stands for.
type Ref struct {
	Kind string // port, network, router, namespace, bridge, link, tunnel, flow, nic, patch
	ID   string // port/network/router id, namespace name, bridge name, "<ns>/<link>", "<bridge>/<n>"
}

// Row is one line of a view.
type Row struct {
	Text  string
	Class Class
	Ref   Ref
	// Search is extra text a filter matches besides Text (full ids, MACs,
	// addresses the line abbreviates).
	Search string
	// Copy is what `y` puts on the clipboard for this row.
	Copy string
}

// Matches reports whether the row matches a lower-case filter term.
func (r Row) Matches(term string) bool {
	if term == "" {
		return true
	}
	return strings.Contains(strings.ToLower(r.Text), term) || strings.Contains(strings.ToLower(r.Search), term)
}

// Key identifies a row across snapshots, for change highlighting.
func (r Row) Key() string { return r.Ref.Kind + "\x00" + r.Ref.ID + "\x00" + r.Text }

// Short abbreviates a UUID to its first 8 characters, as operators read them.
func Short(id string) string {
	if topo.IsUUID(id) {
		return id[:8]
	}
	return id
}

func problemsText(ps []string) string {
	if len(ps) == 0 {
		return ""
	}
	if len(ps) == 1 {
		return "✗ " + ps[0]
	}
	return "✗ " + ps[0] + " (+" + strconv.Itoa(len(ps)-1) + " more)"
}

// unknownText is the first fact that could not be read, "? " marking it
// neither good nor a problem.
func unknownText(us []string) string {
	if len(us) == 1 {
		return "? " + us[0]
	}
	return "? " + us[0] + " (+" + strconv.Itoa(len(us)-1) + " more)"
}

// join concatenates non-empty parts with two spaces.
func join(parts ...string) string {
	var out []string
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, "  ")
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// Badges maps each object with a finding to its worst severity, for
// marking rows in every view (the E and W of the gutter).
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
