package ovstext

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/digitalocean/go-openvswitch/ovsdb"
)

// The list format (OVS lib/table.c table_print_list__) prints a record as
// one "%-20s: %s" line per column, records apart by a blank line;
// `ovsdb-client -f list dump` puts a "<Table> table" caption before each
// table's records and a blank line between tables. A value never spans
// lines: strings that hold a newline are JSON-quoted.

// record is one record of list output: its columns in order, with the
// line each is on.
type record struct {
	line    int
	columns []string
	values  map[string]string
	lines   map[string]int
}

// listText splits list-format text into tables of records. Outside a
// dump (dump false) every record is in table "". A line that is neither
// a column, a caption nor blank is an error: the file holds a message
// (ovs-vsctl's "database connection failed") or something else.
func listText(text string, dump bool) (tables []string, recs map[string][]record, err error) {
	recs = map[string][]record{}
	table := ""
	var cur *record
	flush := func() {
		if cur != nil {
			recs[table] = append(recs[table], *cur)
			cur = nil
		}
	}
	n := 0
	for line := range strings.Lines(text) {
		n++
		line = strings.TrimRight(line, "\r\n")
		if strings.TrimSpace(line) == "" {
			flush()
			continue
		}
		if name, ok := strings.CutSuffix(line, " table"); ok && dump && isIdent(name) {
			flush()
			table = name
			if _, seen := recs[table]; !seen {
				tables = append(tables, table)
				recs[table] = []record{}
			}
			continue
		}
		head, value, ok := strings.Cut(line, ":")
		col := strings.TrimRight(head, " ")
		if !ok || !isIdent(col) {
			return nil, nil, lineError(n, "not a column line: %s", quote(line))
		}
		if dump && table == "" {
			return nil, nil, lineError(n, "a record before any \"<Table> table\" caption")
		}
		// A repeated column starts a record even without a blank line
		// between (trimmed or filtered pastes).
		if cur != nil {
			if _, dup := cur.values[col]; dup || col == "_uuid" {
				flush()
			}
		}
		if cur == nil {
			cur = &record{line: n, values: map[string]string{}, lines: map[string]int{}}
		}
		cur.columns = append(cur.columns, col)
		cur.values[col] = strings.TrimSpace(value)
		cur.lines[col] = n
	}
	flush()
	if !dump && len(recs[""]) > 0 {
		tables = []string{""}
	}
	return tables, recs, nil
}

// isIdent reports whether s is an OVSDB table or column name.
func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// ParseList parses `ovs-vsctl list <table>` output. table "" recognises
// the table from its columns (for a file whose name is not known); a
// table ostopo does not read gives an empty DB.
func ParseList(text, table string) (*DB, error) {
	// ovs-vsctl takes table names in any case (sos runs "list interface").
	for t := range textSchema {
		if strings.EqualFold(t, table) {
			table = t
		}
	}
	if strings.HasPrefix(strings.TrimSpace(text), "{") {
		return parseListJSON(text, table)
	}
	_, recs, err := listText(text, false)
	if err != nil {
		return nil, err
	}
	db := newDB()
	rs := recs[""]
	if len(rs) == 0 {
		if strings.TrimSpace(text) == "" {
			// An empty table prints nothing: a real answer, but which
			// table it answers for only the caller knows.
			if table != "" {
				db.Columns[table] = listColumns(table, nil)
			}
			return db, nil
		}
		return nil, errors.New("no records")
	}
	guess := guessTable(rs[0].columns)
	switch {
	case table == "" && guess == "":
		return nil, fmt.Errorf("line %d: a record of no table ostopo reads (columns %s)", rs[0].line, quote(strings.Join(rs[0].columns, ",")))
	case table == "":
		table = guess
	case guess != "" && guess != table:
		// A file named for one table holding another's records.
		return nil, fmt.Errorf("line %d: a %s record, not %s", rs[0].line, guess, quote(table))
	}
	if err := addRecords(db, table, rs); err != nil {
		return nil, err
	}
	return db, nil
}

// ParseDump parses `ovsdb-client -f list dump` output: every table of the
// database, each after a "<Table> table" caption.
func ParseDump(text string) (*DB, error) {
	tables, recs, err := listText(text, true)
	if err != nil {
		return nil, err
	}
	if len(tables) == 0 {
		return nil, errors.New("no \"<Table> table\" caption: not ovsdb-client dump output")
	}
	db := newDB()
	for _, t := range tables {
		if err := addRecords(db, t, recs[t]); err != nil {
			return nil, err
		}
	}
	if _, ok := db.Columns["Open_vSwitch"]; !ok {
		return nil, errors.New("no Open_vSwitch table: not a dump of the Open_vSwitch database")
	}
	return db, nil
}

// addRecords converts a table's records into rows of the columns ostopo
// reads. The table holds the columns every record printed: a list
// filtered with --columns holds fewer.
func addRecords(db *DB, table string, rs []record) error {
	types, ok := textSchema[table]
	if !ok {
		return nil
	}
	var printed []string
	for i, r := range rs {
		if i == 0 {
			// Only the columns ostopo reads: a record may print
			// thousands of others (fuzzed input), compared per record.
			printed = slices.DeleteFunc(slices.Clone(r.columns), func(c string) bool { _, ok := types[c]; return !ok })
		} else {
			printed = slices.DeleteFunc(printed, func(c string) bool { _, ok := r.values[c]; return !ok })
		}
	}
	for _, r := range rs {
		uuid, ok := r.values["_uuid"]
		if !ok {
			return lineError(r.line, "a %s record without _uuid", table)
		}
		if strings.ContainsAny(uuid, " [{\"") || uuid == "" {
			return lineError(r.lines["_uuid"], "bad _uuid %s", quote(uuid))
		}
		row := ovsdb.Row{"_uuid": []any{"uuid", uuid}}
		for _, col := range r.columns {
			t, ok := types[col]
			if !ok {
				continue
			}
			v, err := parseDatum(r.values[col], t)
			if err != nil {
				return lineError(r.lines[col], "%s %s: %v", table, col, err)
			}
			row[col] = v
		}
		db.add(table, row)
	}
	db.Columns[table] = listColumns(table, printed)
	return nil
}

// listColumns is the columns ostopo reads among those printed; nil
// printed (an empty table) holds all of them.
func listColumns(table string, printed []string) []string {
	var out []string
	for col := range textSchema[table] {
		if printed == nil || slices.Contains(printed, col) {
			out = append(out, col)
		}
	}
	slices.Sort(out)
	return out
}

// tableMarks are columns only one table ostopo reads has, to recognise a
// list of unknown origin.
var tableMarks = []struct{ table, column string }{
	{"Open_vSwitch", "ovs_version"}, {"Open_vSwitch", "bridges"},
	{"Bridge", "datapath_id"}, {"Bridge", "fail_mode"}, {"Bridge", "ports"},
	{"Port", "interfaces"}, {"Port", "vlan_mode"},
	{"Interface", "ofport"}, {"Interface", "link_state"}, {"Interface", "mac_in_use"},
	{"Controller", "role"}, {"Controller", "controller_rate_limit"},
}

// guessTable names the table a record with these columns is of, or "".
func guessTable(columns []string) string {
	for _, m := range tableMarks {
		if slices.Contains(columns, m.column) {
			return m.table
		}
	}
	// A Manager has a target and no column of a Controller's.
	if slices.Contains(columns, "target") && slices.Contains(columns, "connection_mode") {
		return "Manager"
	}
	return ""
}

// parseListJSON parses `ovs-vsctl --format=json list <table>` output
// (lib/table.c table_print_json__): {"headings": [columns], "data":
// [[cells]]}, each cell in OVSDB's JSON form, what ovs.Decode reads.
func parseListJSON(text, table string) (*DB, error) {
	var t struct {
		Headings []string `json:"headings"`
		Data     [][]any  `json:"data"`
	}
	dec := json.NewDecoder(strings.NewReader(text))
	if err := dec.Decode(&t); err != nil {
		return nil, fmt.Errorf("--format=json list output: %w", err)
	}
	if !slices.Contains(t.Headings, "_uuid") {
		return nil, errors.New("--format=json list output without an _uuid column")
	}
	guess := guessTable(t.Headings)
	switch {
	case table == "" && guess == "":
		return nil, fmt.Errorf("a table ostopo does not read (columns %s)", quote(strings.Join(t.Headings, ",")))
	case table == "":
		table = guess
	case guess != "" && guess != table:
		return nil, fmt.Errorf("%s records, not %s", guess, quote(table))
	}
	db := newDB()
	types, ok := textSchema[table]
	if !ok {
		return db, nil
	}
	for i, cells := range t.Data {
		if len(cells) != len(t.Headings) {
			return nil, fmt.Errorf("row %d: %d cells for %d columns", i+1, len(cells), len(t.Headings))
		}
		row := ovsdb.Row{}
		for j, col := range t.Headings {
			if _, ok := types[col]; ok || col == "_uuid" {
				row[col] = cells[j]
			}
		}
		u, _ := row["_uuid"].([]any)
		if len(u) != 2 || u[0] != "uuid" {
			return nil, fmt.Errorf("row %d: _uuid %v is not [\"uuid\", ...]", i+1, quote(fmt.Sprint(row["_uuid"])))
		}
		db.add(table, row)
	}
	var held []string
	for _, col := range t.Headings {
		if _, ok := types[col]; ok {
			held = append(held, col)
		}
	}
	slices.Sort(held)
	db.Columns[table] = held
	return db, nil
}
