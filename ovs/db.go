// Package ovs reads Open vSwitch state: OVSDB rows over the database's unix
// socket (go-openvswitch/ovsdb's row type), OpenFlow tables over each
// bridge's management socket (package ofdump; ovs-ofctl as a fallback) and
// ovs-vswitchd's answers over its control socket (UnixCtl). Decoding into the topo model is pure and
// tested from recorded rows and dumps.
package ovs

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net"
	"os"
	"slices"
	"strings"

	"github.com/digitalocean/go-openvswitch/ovsdb"
	"github.com/ostopo/ostopo/ovs/internal/sockctx"
)

// DefaultSockets are tried in order when no --ovsdb is given.
func DefaultSockets() []string {
	return []string{"unix:/run/openvswitch/db.sock", "unix:/var/run/openvswitch/db.sock"}
}

// Columns lists, per table, the columns ostopo reads. Asking for columns
// (rather than whole rows) keeps Interface.statistics and status out of a
// 4,000-port reply. Interface.mac_in_use and ifindex are left out too: they
// copy what the kernel says of the device (its links entry), and on a
// 1000-instance node reading them cost 2-3% of a snapshot (the server
// writes, and ostopo decodes, every column of every row).
func Columns() map[string][]string {
	return map[string][]string{
		"Open_vSwitch": {"_uuid", "ovs_version", "db_version", "external_ids", "other_config", "bridges", "manager_options"},
		"Bridge":       {"_uuid", "name", "ports", "controller", "fail_mode", "datapath_type", "datapath_id", "protocols", "external_ids", "other_config"},
		"Port":         {"_uuid", "name", "interfaces", "tag", "trunks", "vlan_mode", "external_ids", "other_config"},
		"Interface":    {"_uuid", "name", "type", "ofport", "options", "external_ids", "other_config", "link_state", "admin_state", "mtu", "error"},
		"Controller":   {"_uuid", "target", "is_connected", "role", "inactivity_probe"},
		"Manager":      {"_uuid", "target", "is_connected"},
	}
}

// Raw is the OVSDB content ostopo reads: rows per table, as the server sent
// them. It is what fixtures record for decoder tests.
type Raw map[string][]ovsdb.Row

// ErrNoSocket is returned when no OVSDB socket exists at any candidate path.
var ErrNoSocket = errors.New("no OVSDB socket")

// ResolveSocket picks the socket to use: the one given, or the first default
// that exists. It returns network and address for net.Dial.
func ResolveSocket(target string) (network, addr string, err error) {
	if target != "" {
		return splitTarget(target)
	}
	for _, t := range DefaultSockets() {
		_, a, _ := splitTarget(t)
		if _, err := os.Stat(a); err == nil {
			return "unix", a, nil
		}
	}
	return "", "", fmt.Errorf("%w at %s (is ovsdb-server running? use --ovsdb)", ErrNoSocket, strings.Join(DefaultSockets(), " or "))
}

func splitTarget(t string) (string, string, error) {
	switch {
	case strings.HasPrefix(t, "unix:"):
		return "unix", strings.TrimPrefix(t, "unix:"), nil
	case strings.HasPrefix(t, "tcp:"):
		return "tcp", strings.TrimPrefix(t, "tcp:"), nil
	case strings.HasPrefix(t, "/"):
		return "unix", t, nil
	}
	return "", "", fmt.Errorf("OVSDB target %q: want unix:/path/db.sock or tcp:host:port", t)
}

// DB is a connection to an OVSDB server, spoken to directly: JSON-RPC 1.0
// over the socket (RFC 7047), one "transact" with one select per table.
// go-openvswitch's client decodes each reply three times (the message, its
// result, then the rows); on a 1000-instance node that was 36 ms of CPU per
// read against 19 ms for one decode, the largest single cost of a
// snapshot. Its Row type is kept: the rows are what fixtures record.
type DB struct {
	conn  net.Conn
	Where string // network:address, for messages
}

// MaxDBReply bounds what the server may send for one read: a
// 1000-instance node's tables are about 1 MB.
const MaxDBReply = 256 << 20

// Dial connects to the OVSDB server at target ("" tries DefaultSockets).
func Dial(ctx context.Context, target string) (*DB, error) {
	network, addr, err := ResolveSocket(target)
	if err != nil {
		return nil, err
	}
	where := network + ":" + addr
	var d net.Dialer
	conn, err := d.DialContext(ctx, network, addr)
	if err != nil {
		return &DB{Where: where}, fmt.Errorf("connect to OVSDB %s: %w", where, err)
	}
	return &DB{conn: conn, Where: where}, nil
}

// Close ends the connection.
func (db *DB) Close() error { return db.conn.Close() }

// selectRows takes the rows out of a transact reply holding one select:
// {"result": [{"rows": [row, ...]}], "error": null}, or the server's error.
func selectRows(m map[string]any) ([]ovsdb.Row, error) {
	result, _ := m["result"].([]any)
	if m["error"] != nil || len(result) != 1 {
		return nil, fmt.Errorf("the server answered %.200v", cmp.Or(m["error"], any("no result")))
	}
	op, _ := result[0].(map[string]any)
	if e, ok := op["error"]; ok && e != nil {
		return nil, fmt.Errorf("%v: %v", e, op["details"])
	}
	list, ok := op["rows"].([]any)
	if !ok {
		return nil, fmt.Errorf("the server answered no rows")
	}
	rows := make([]ovsdb.Row, 0, len(list))
	for _, r := range list {
		row, ok := r.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("a row that is not an object")
		}
		rows = append(rows, ovsdb.Row(row))
	}
	return rows, nil
}

// ReadAll reads every table in Columns. The selects are sent at once, one
// transaction per table (a transaction's rows would otherwise be one list),
// Bridge first: the server answers in order, and onBridges (when not nil)
// gets the Bridge rows as soon as they arrive, while the big Port and
// Interface tables are still on their way. A server that accepts but never
// answers is bounded by ctx.
func (db *DB) ReadAll(ctx context.Context, onBridges func([]ovsdb.Row)) (Raw, error) {
	defer sockctx.Bind(ctx, db.conn)()

	cols := Columns()
	tables := []string{"Bridge"}
	for _, t := range slices.Sorted(maps.Keys(cols)) {
		if t != "Bridge" {
			tables = append(tables, t)
		}
	}
	var req bytes.Buffer
	for i, table := range tables {
		op := map[string]any{"op": "select", "table": table, "where": []any{}, "columns": cols[table]}
		b, err := json.Marshal(map[string]any{"method": "transact", "params": []any{"Open_vSwitch", op}, "id": i})
		if err != nil {
			return nil, err
		}
		req.Write(b)
	}
	if _, err := db.conn.Write(req.Bytes()); err != nil {
		return nil, fmt.Errorf("read OVSDB %s: %w", db.Where, sockctx.Err(ctx, err))
	}
	frames := &jsonFramer{r: db.conn, limit: MaxDBReply}
	raw := Raw{}
	for len(raw) < len(tables) {
		b, err := frames.next()
		if err != nil {
			return nil, fmt.Errorf("read OVSDB %s: %w", db.Where, sockctx.Err(ctx, err))
		}
		v, err := parseJSON(b)
		if err != nil {
			return nil, fmt.Errorf("read OVSDB %s: %w", db.Where, err)
		}
		m, _ := v.(map[string]any)
		if m["method"] == "echo" { // the server's inactivity probe
			b, _ := json.Marshal(map[string]any{"id": m["id"], "result": m["params"], "error": nil})
			if _, err := db.conn.Write(b); err != nil {
				return nil, fmt.Errorf("answer OVSDB %s echo: %w", db.Where, err)
			}
			continue
		}
		id, ok := m["id"].(float64)
		i := int(id)
		if !ok || float64(i) != id || i < 0 || i >= len(tables) {
			return nil, fmt.Errorf("read OVSDB %s: a reply to a request not sent (id %.20v)", db.Where, m["id"])
		}
		table := tables[i]
		if _, dup := raw[table]; dup {
			return nil, fmt.Errorf("read OVSDB %s: two replies for table %s", db.Where, table)
		}
		rows, err := selectRows(m)
		if err != nil {
			return nil, fmt.Errorf("read OVSDB %s table %s: %w", db.Where, table, err)
		}
		raw[table] = rows
		if table == "Bridge" && onBridges != nil {
			onBridges(rows)
		}
	}
	return raw, nil
}

// ReadDB connects to the OVSDB server at target and reads every table in
// Columns.
func ReadDB(ctx context.Context, target string) (Raw, string, error) {
	db, err := Dial(ctx, target)
	if err != nil {
		where := ""
		if db != nil {
			where = db.Where
		}
		return nil, where, err
	}
	defer db.Close()
	raw, err := db.ReadAll(ctx, nil)
	return raw, db.Where, err
}
