package ovstext

import (
	"errors"
	"strconv"
	"strings"

	"github.com/digitalocean/go-openvswitch/ovsdb"
)

// `ovs-vsctl show` (OVS lib/db-ctl-base.c cmd_show_row, the tables in
// utilities/ovs-vsctl.c cmd_show_tables) prints the Open_vSwitch row's
// uuid, then each row it references indented by four spaces a level:
// "<Table> <name>" and, under it, "<column>: <value>" for every column of
// the table's list whose value is not the default. Names and values are
// printed as ovs-vsctl list prints them: bare when they look like
// identifiers, JSON-quoted otherwise (old OVS quoted more: Bridge
// "br-eth1").

// showColumns are the columns `ovs-vsctl show` prints of each table: the
// DB it gives holds them (a column not printed has its default).
var showColumns = map[string][]string{
	"Open_vSwitch": {"bridges", "manager_options", "ovs_version"},
	"Bridge":       {"controller", "datapath_type", "fail_mode", "name", "ports"},
	"Port":         {"interfaces", "name", "tag", "trunks"},
	"Interface":    {"error", "name", "options", "type"},
	"Controller":   {"is_connected", "target"},
	"Manager":      {"is_connected", "target"},
}

// showChildren says which rows each table's rows hold in show output, and
// through which column.
var showChildren = map[string]map[string]string{
	"Open_vSwitch": {"Manager": "manager_options", "Bridge": "bridges"},
	"Bridge":       {"Controller": "controller", "Port": "ports"},
	"Port":         {"Interface": "interfaces"},
}

// nameColumn is the column show prints after a table's name.
var nameColumn = map[string]string{
	"Bridge": "name", "Port": "name", "Interface": "name", "Controller": "target", "Manager": "target",
}

// standInPrefix starts the stand-in uuid of a row whose output gave none
// (show's rows): no real uuid starts with it.
const standInPrefix = "~"

func standIn(table string, n int) string {
	return standInPrefix + table + "/" + strconv.Itoa(n)
}

// isStandIn reports whether a uuid is a stand-in.
func isStandIn(u string) bool { return strings.HasPrefix(u, standInPrefix) }

// showRow is a row being read and the table it is of.
type showRow struct {
	table string
	row   ovsdb.Row
}

// ParseShow parses `ovs-vsctl show` output. The Open_vSwitch row has its
// real uuid (the first line); the others have stand-ins.
func ParseShow(text string) (*DB, error) {
	db := newDB()
	for t, cols := range showColumns {
		db.Columns[t] = cols
	}
	var stack []showRow // stack[i] is the row at level i
	base := -1
	n, rows := 0, 0
	for line := range strings.Lines(text) {
		n++
		line = strings.TrimRight(line, "\r\n")
		if strings.TrimSpace(line) == "" {
			continue
		}
		body := strings.TrimLeft(line, " ")
		indent := len(line) - len(body)
		body = strings.TrimRight(body, " ")
		if base < 0 {
			if !looksUUID(body) {
				return nil, lineError(n, "not ovs-vsctl show output: want the Open_vSwitch uuid, got %s", quote(line))
			}
			base = indent
			root := ovsdb.Row{"_uuid": []any{"uuid", body}}
			db.add("Open_vSwitch", root)
			stack = []showRow{{"Open_vSwitch", root}}
			continue
		}
		if indent <= base || (indent-base)%4 != 0 {
			return nil, lineError(n, "unexpected indentation: %s", quote(line))
		}
		level := (indent - base) / 4
		if level > len(stack) {
			return nil, lineError(n, "indented under nothing: %s", quote(line))
		}
		stack = stack[:level]
		parent := stack[level-1]
		word, rest, _ := strings.Cut(body, " ")
		if col, ok := showChildren[parent.table][word]; ok && rest != "" {
			name, err := parseDatum(rest, tString)
			if err != nil {
				return nil, lineError(n, "%s name: %v", word, err)
			}
			rows++
			uuid := []any{"uuid", standIn(word, rows)}
			row := ovsdb.Row{"_uuid": uuid, nameColumn[word]: name}
			db.add(word, row)
			parent.row[col] = appendRef(parent.row[col], uuid)
			stack = append(stack, showRow{word, row})
			continue
		}
		col, value, ok := strings.Cut(body, ": ")
		if !ok {
			col, ok = strings.CutSuffix(body, ":")
		}
		if !ok || !isIdent(col) {
			return nil, lineError(n, "not a row or column of %s: %s", parent.table, quote(line))
		}
		t, known := textSchema[parent.table][col]
		if !known || !contains(showColumns[parent.table], col) {
			continue // a column ostopo does not read (bfd_status, ...)
		}
		v, err := parseDatum(value, t)
		if err != nil {
			return nil, lineError(n, "%s %s: %v", parent.table, col, err)
		}
		parent.row[col] = v
	}
	if base < 0 {
		return nil, errors.New("empty: no ovs-vsctl show output")
	}
	return db, nil
}

func appendRef(set any, ref []any) any {
	if s, ok := set.([]any); ok && len(s) == 2 {
		if items, ok := s[1].([]any); ok {
			return []any{"set", append(items, ref)}
		}
	}
	return []any{"set", []any{ref}}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// looksUUID reports whether s is a UUID as OVS prints one.
func looksUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
				return false
			}
		}
	}
	return true
}
