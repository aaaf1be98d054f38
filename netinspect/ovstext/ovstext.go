// Package ovstext reads Open vSwitch state from what a node left behind as
// text or files: `ovs-vsctl show`, `ovs-vsctl list <table>`, `ovsdb-client
// -f list dump`, the OVSDB file conf.db (replayed), `ovs-ofctl show` /
// `dump-ports-desc` and `ovs-ofctl dump-flows`, as a sosreport or an
// operator's paste holds them. Merge puts the pieces together into the
// same topo.OVS the live collector builds (the rows go through ovs.Decode,
// the flows through ovs.ParseDumpFlows), with a topo.Source per fact family
// that says which input gave it or that no input held it.
//
// Everything here is pure: text or bytes in, values out. Inputs are
// untrusted: every parser is bounded by its input, never panics (a fuzz
// target each) and names the line of what it could not read.
package ovstext

import (
	"errors"
	"fmt"
	"strings"

	"github.com/digitalocean/go-openvswitch/ovsdb"
	"github.com/ostopo/ostopo/netinspect/safetext"
	"github.com/ostopo/ostopo/ovs"
)

// Kind is what an input is.
type Kind int

// The kinds of input ovstext reads.
const (
	KindUnknown  Kind = iota
	KindShow          // ovs-vsctl show
	KindList          // ovs-vsctl list <table>
	KindDump          // ovsdb-client -f list dump
	KindConfDB        // the OVSDB file (conf.db), a record log
	KindPortDesc      // ovs-ofctl show <br> or dump-ports-desc <br>
	KindFlows         // ovs-ofctl dump-flows <br>
)

// String names the kind as the command that makes it.
func (k Kind) String() string {
	switch k {
	case KindShow:
		return "ovs-vsctl show"
	case KindList:
		return "ovs-vsctl list"
	case KindDump:
		return "ovsdb-client -f list dump"
	case KindConfDB:
		return "conf.db"
	case KindPortDesc:
		return "ovs-ofctl show"
	case KindFlows:
		return "ovs-ofctl dump-flows"
	}
	return "unknown"
}

// ErrNotFound is the error of a Part that stands for an input looked for
// and not found (Missing): its origin lists where.
var ErrNotFound = errors.New("not found")

// DB is the OVSDB content of one input: rows per table in the form
// OVSDB's JSON protocol gives them (what ovs.Decode reads), restricted to
// the tables and columns ovs.Columns lists, and the columns the input
// holds for every row it has. A column the input holds but a row lacks is
// that column's default (an empty set or map); a column it does not hold
// is unknown. Rows of `ovs-vsctl show` have no uuid: they carry a
// stand-in (see standIn) that Merge matches to real rows by name.
type DB struct {
	Rows ovs.Raw
	// Columns maps a table to the columns held (sorted, "_uuid" left out).
	Columns map[string][]string
	// Note says what is partial about the input ("the log ends inside a
	// record ..."), or "".
	Note string
}

func newDB() *DB { return &DB{Rows: ovs.Raw{}, Columns: map[string][]string{}} }

func (db *DB) add(table string, r ovsdb.Row) { db.Rows[table] = append(db.Rows[table], r) }

// holds reports whether the input holds that column of that table.
func (db *DB) holds(table, column string) bool {
	for _, c := range db.Columns[table] {
		if c == column {
			return true
		}
	}
	return false
}

// Part is one parsed input, for Merge.
type Part struct {
	Kind Kind
	// Origin is where the input came from (a path in the archive, a file
	// name), named in Sources. For a Missing part, the places looked at.
	Origin string
	DB     *DB       // show, list, dump, conf.db
	Ports  *PortDesc // ovs-ofctl show, dump-ports-desc
	Flows  *FlowDump // dump-flows
	// Err is why the input could not be read (its text was an error
	// message, or did not parse); ErrNotFound for a Missing part.
	Err error
}

// Missing is a part that was looked for at those places and not found;
// Merge names them in the Sources of what it would have given.
func Missing(kind Kind, looked ...string) Part {
	return Part{Kind: kind, Origin: strings.Join(looked, ", "), Err: ErrNotFound}
}

// MissingFlows is Missing for one bridge's flow dump.
func MissingFlows(bridge string, looked ...string) Part {
	p := Missing(KindFlows, looked...)
	p.Flows = &FlowDump{Bridge: bridge}
	return p
}

// FromShow parses `ovs-vsctl show` output.
func FromShow(origin, text string) Part {
	db, err := ParseShow(text)
	return Part{Kind: KindShow, Origin: origin, DB: db, Err: err}
}

// FromList parses `ovs-vsctl list <table>` output; table "" recognises
// the table from the columns.
func FromList(origin, table, text string) Part {
	db, err := ParseList(text, table)
	return Part{Kind: KindList, Origin: origin, DB: db, Err: err}
}

// FromDump parses `ovsdb-client -f list dump` output.
func FromDump(origin, text string) Part {
	db, err := ParseDump(text)
	return Part{Kind: KindDump, Origin: origin, DB: db, Err: err}
}

// FromConfDB replays an OVSDB file.
func FromConfDB(origin string, data []byte) Part {
	db, err := ReplayConfDB(data)
	return Part{Kind: KindConfDB, Origin: origin, DB: db, Err: err}
}

// FromPortDesc parses `ovs-ofctl show <br>` or `dump-ports-desc <br>`.
func FromPortDesc(origin, text string) Part {
	pd, err := ParsePortDesc(text)
	return Part{Kind: KindPortDesc, Origin: origin, Ports: pd, Err: err}
}

// FromFlows parses `ovs-ofctl [-O <protocol>] dump-flows <bridge>` output
// (protocol "" for the plain command, which speaks OpenFlow 1.0). The
// bridge is not in the text: the caller knows it from the file name.
func FromFlows(origin, bridge, protocol, text string) Part {
	fd, err := ParseFlows(text)
	if fd == nil {
		fd = &FlowDump{}
	}
	fd.Bridge, fd.Protocol = bridge, protocol
	return Part{Kind: KindFlows, Origin: origin, Flows: fd, Err: err}
}

// lineError is a parse error at a line of the input.
func lineError(n int, format string, args ...any) error {
	return fmt.Errorf("line %d: %s", n, fmt.Sprintf(format, args...))
}

// quote shows an input fragment in an error message: short, and escaped
// for a terminal.
func quote(s string) string {
	const max = 80
	if len(s) > max {
		s = s[:max] + "…"
	}
	return `"` + safetext.Term(s) + `"`
}
