// Package render holds what every view's lines share: the object a line
// stands for (Ref: what the detail pane opens, the doctor's badges key),
// how a line is styled (Class), a plain line (Row), and the short ids
// operators read. It knows nothing of terminals.
package render

import (
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

// Row is one plain line with its class and object (a describe page's raw
// facts, the repair's text).
type Row struct {
	Text  string
	Class Class
	Ref   Ref
	// Copy is what `y` puts on the clipboard for this row.
	Copy string
}

// Short abbreviates a UUID to its first 8 characters, as operators read them.
func Short(id string) string {
	if topo.IsUUID(id) {
		return id[:8]
	}
	return id
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
