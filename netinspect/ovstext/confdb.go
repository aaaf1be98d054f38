package ovstext

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/digitalocean/go-openvswitch/ovsdb"
	"github.com/ostopo/ostopo/ovs"
)

// An OVSDB file (ovsdb/log.c) is a log of records, each a header line
// "OVSDB JSON <length> <sha1>" and one line of JSON of that length. The
// first record is the schema; every later one is a transaction to replay
// in order (ovsdb/file.c ovsdb_file_txn_from_json): an object of tables,
// each an object of row uuids, each the row's new columns or null for a
// deleted row. A row not yet in the database is inserted with the columns
// given (the rest at their defaults). Since OVS 2.15 a transaction with
// "_is_diff": true gives, for a row that exists, each changed column as
// a diff (ovsdb_datum_apply_diff_in_place in lib/ovsdb-data.c): for a
// column of at most one value, the new value; for a set, the elements to
// add or remove (each toggled); for a map, pairs whose key is absent are
// added, whose key is present with another value replace it, and whose
// key and value are both present remove it. Ephemeral columns (link_state,
// admin_state, mtu, is_connected, role, datapath_id) are never written.

// fileColumn is what the replay needs of a column's type.
type fileColumn struct {
	composite bool // more than one value: a set or map, diffed element-wise
	isMap     bool
	ephemeral bool
}

// ReplayConfDB replays an OVSDB file into the rows it ends with. A log
// that ends inside a record (a copy cut at a size limit, or taken while
// the server wrote) gives the state after its last whole record, and the
// DB's Note says so. A file that does not start with the schema (sos
// keeps only the tail of a file over its size limit) cannot be replayed:
// its transactions are changes to rows it no longer holds.
func ReplayConfDB(data []byte) (*DB, error) {
	rd := logReader{data: data}
	hdr, rec, err := rd.next()
	if errors.Is(err, errCut) {
		return nil, fmt.Errorf("line %d: schema record: %w", hdr, err)
	}
	if err != nil {
		return nil, err
	}
	if rec == nil {
		return nil, errors.New("empty: no OVSDB record")
	}
	schema, err := parseFileSchema(rec)
	if err != nil {
		return nil, fmt.Errorf("line %d: schema record: %w (the file's head is missing, or it is not an OVSDB file)", hdr, err)
	}
	st := replay{schema: schema, rows: map[string]map[string]ovsdb.Row{}}
	txns := 0
	var lastDate int64
	var note string
	for {
		line, rec, err := rd.next()
		if errors.Is(err, errCut) {
			note = fmt.Sprintf("the log ends inside the record at line %d (cut by a size limit, or copied while being written): replayed the %d transactions before it", line, txns)
			break
		}
		if err != nil {
			return nil, err
		}
		if rec == nil {
			break
		}
		date, err := st.apply(rec)
		if err != nil {
			return nil, fmt.Errorf("line %d: transaction %d: %w", line, txns+1, err)
		}
		txns++
		if date != 0 {
			lastDate = date
		}
	}
	db := st.db()
	when := ""
	if lastDate > 0 {
		when = ", the last at " + time.UnixMilli(lastDate).UTC().Format(time.RFC3339)
	}
	db.Note = fmt.Sprintf("schema %s, %d transactions replayed%s", schema.version, txns, when)
	if note != "" {
		db.Note += "; " + note
	}
	return db, nil
}

// errCut is a record cut by the end of the file.
var errCut = errors.New("record cut by the end of the file")

// logReader reads the records of an OVSDB log.
type logReader struct {
	data []byte
	pos  int
	line int
}

// next returns the line of the next record's header and its JSON, or
// a nil record at the end of the file.
func (r *logReader) next() (int, []byte, error) {
	if r.pos >= len(r.data) {
		return r.line + 1, nil, nil
	}
	r.line++
	hdrLine := r.line
	hdr, ok := r.readLine()
	if !ok {
		return hdrLine, nil, errCut
	}
	fields := strings.Fields(string(hdr))
	if len(fields) != 4 || fields[0] != "OVSDB" {
		return hdrLine, nil, lineError(hdrLine, "want an \"OVSDB JSON <length> <sha1>\" record header, got %s", quote(string(hdr)))
	}
	if fields[1] != "JSON" {
		return hdrLine, nil, lineError(hdrLine, "an OVSDB %s log (a clustered database's): ostopo reads standalone databases (conf.db)", quote(fields[1]))
	}
	length, err := strconv.Atoi(fields[2])
	if err != nil || length < 0 {
		return hdrLine, nil, lineError(hdrLine, "bad record length %s", quote(fields[2]))
	}
	// The record is one line of JSON. Its length is not trusted: sos
	// --clean rewrites addresses inside it without fixing the header.
	r.line++
	body, ok := r.readLine()
	if !ok {
		return hdrLine, nil, errCut
	}
	return hdrLine, body, nil
}

// readLine returns the next line without its newline; false when the
// file ends before a newline.
func (r *logReader) readLine() ([]byte, bool) {
	rest := r.data[r.pos:]
	i := bytes.IndexByte(rest, '\n')
	if i < 0 {
		r.pos = len(r.data)
		return rest, false
	}
	r.pos += i + 1
	return rest[:i], true
}

// fileSchema is what the replay needs of the file's schema: the column
// types of the tables ostopo reads.
type fileSchema struct {
	version string
	tables  map[string]map[string]fileColumn
}

func parseFileSchema(rec []byte) (fileSchema, error) {
	var s struct {
		Name    string `json:"name"`
		Version string `json:"version"`
		Tables  map[string]struct {
			Columns map[string]struct {
				Type      json.RawMessage `json:"type"`
				Ephemeral bool            `json:"ephemeral"`
			} `json:"columns"`
		} `json:"tables"`
	}
	if err := json.Unmarshal(rec, &s); err != nil {
		return fileSchema{}, fmt.Errorf("not JSON: %w", err)
	}
	if s.Name != "Open_vSwitch" {
		if s.Name == "" {
			return fileSchema{}, errors.New("not a schema (no name)")
		}
		return fileSchema{}, fmt.Errorf("the %s database, not Open_vSwitch", quote(s.Name))
	}
	out := fileSchema{version: s.Version, tables: map[string]map[string]fileColumn{}}
	for table, cols := range ovs.Columns() {
		ts, ok := s.Tables[table]
		if !ok {
			continue
		}
		out.tables[table] = map[string]fileColumn{}
		for _, c := range cols {
			cs, ok := ts.Columns[c]
			if !ok {
				continue
			}
			composite, isMap, err := typeShape(cs.Type)
			if err != nil {
				return fileSchema{}, fmt.Errorf("%s column %s: %w", table, c, err)
			}
			out.tables[table][c] = fileColumn{composite: composite, isMap: isMap, ephemeral: cs.Ephemeral}
		}
	}
	if len(out.tables) == 0 {
		return fileSchema{}, errors.New("no table ostopo reads")
	}
	return out, nil
}

// typeShape reads an OVSDB column type (a base type name, or an object
// with key, value, min and max) and says whether it holds more than one
// value and whether it is a map.
func typeShape(raw json.RawMessage) (composite, isMap bool, err error) {
	var name string
	if json.Unmarshal(raw, &name) == nil {
		return false, false, nil
	}
	var t struct {
		Value json.RawMessage `json:"value"`
		Max   json.RawMessage `json:"max"`
	}
	if err := json.Unmarshal(raw, &t); err != nil {
		return false, false, fmt.Errorf("bad type: %w", err)
	}
	isMap = len(t.Value) > 0
	switch m := strings.TrimSpace(string(t.Max)); m {
	case "", "1":
	case `"unlimited"`:
		composite = true
	default:
		n, err := strconv.ParseInt(m, 10, 64)
		if err != nil {
			return false, false, fmt.Errorf("bad max %s", quote(m))
		}
		composite = n > 1
	}
	return composite, isMap, nil
}

// replay holds the rows of the tables ostopo reads as the log is replayed.
type replay struct {
	schema fileSchema
	rows   map[string]map[string]ovsdb.Row
}

// apply replays one transaction and returns its _date (0 if none).
func (st *replay) apply(rec []byte) (int64, error) {
	var txn map[string]json.RawMessage
	if err := json.Unmarshal(rec, &txn); err != nil {
		return 0, fmt.Errorf("not a JSON object: %w", err)
	}
	isDiff := false
	if raw, ok := txn["_is_diff"]; ok {
		_ = json.Unmarshal(raw, &isDiff)
	}
	var date int64
	if raw, ok := txn["_date"]; ok {
		_ = json.Unmarshal(raw, &date)
	}
	// Tables in a fixed order, so that an error names the same one.
	tables := make([]string, 0, len(txn))
	for t := range txn {
		if _, ok := st.schema.tables[t]; ok {
			tables = append(tables, t)
		}
	}
	slices.Sort(tables)
	for _, table := range tables {
		var rows map[string]json.RawMessage
		if err := json.Unmarshal(txn[table], &rows); err != nil {
			return 0, fmt.Errorf("table %s: not an object of rows: %w", table, err)
		}
		if st.rows[table] == nil {
			st.rows[table] = map[string]ovsdb.Row{}
		}
		uuids := make([]string, 0, len(rows))
		for u := range rows {
			uuids = append(uuids, u)
		}
		slices.Sort(uuids)
		for _, uuid := range uuids {
			if err := st.applyRow(table, uuid, rows[uuid], isDiff); err != nil {
				return 0, fmt.Errorf("%s row %s: %w", table, quote(uuid), err)
			}
		}
	}
	return date, nil
}

func (st *replay) applyRow(table, uuid string, raw json.RawMessage, isDiff bool) error {
	if !looksUUID(uuid) {
		return errors.New("not a uuid")
	}
	rows := st.rows[table]
	old, exists := rows[uuid]
	if bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		if !exists {
			return errors.New("deleted, but no such row")
		}
		delete(rows, uuid)
		return nil
	}
	var cols map[string]any
	if err := json.Unmarshal(raw, &cols); err != nil {
		return fmt.Errorf("not an object of columns: %w", err)
	}
	row := old
	if !exists {
		row = ovsdb.Row{"_uuid": []any{"uuid", uuid}}
		rows[uuid] = row
	}
	types := st.schema.tables[table]
	for col, v := range cols {
		ct, ok := types[col]
		if !ok || ct.ephemeral {
			continue
		}
		if !exists || !isDiff || !ct.composite {
			// A new row's columns are whole values even in a diff
			// transaction (ovsdb_file_txn_row_from_json).
			row[col] = v
			continue
		}
		nv, err := applyDiff(row[col], v, ct.isMap)
		if err != nil {
			return fmt.Errorf("column %s: %w", col, err)
		}
		row[col] = nv
	}
	return nil
}

// applyDiff applies a set or map diff to a column's value.
func applyDiff(old, diff any, isMap bool) (any, error) {
	if isMap {
		oldPairs, err := mapPairs(old)
		if err != nil {
			return nil, err
		}
		diffPairs, err := mapPairs(diff)
		if err != nil {
			return nil, fmt.Errorf("diff: %w", err)
		}
		at := make(map[string]int, len(oldPairs))
		for i, p := range oldPairs {
			at[atomKey(p[0])] = i
		}
		removed := map[int]bool{}
		for _, p := range diffPairs {
			k := atomKey(p[0])
			i, ok := at[k]
			switch {
			case !ok || removed[i]:
				at[k] = len(oldPairs)
				delete(removed, len(oldPairs))
				oldPairs = append(oldPairs, p)
			case atomKey(oldPairs[i][1]) == atomKey(p[1]):
				removed[i] = true
			default:
				oldPairs[i] = p
			}
		}
		out := make([]any, 0, len(oldPairs))
		for i, p := range oldPairs {
			if !removed[i] {
				out = append(out, []any{p[0], p[1]})
			}
		}
		return []any{"map", out}, nil
	}
	oldItems, err := setElems(old)
	if err != nil {
		return nil, err
	}
	diffItems, err := setElems(diff)
	if err != nil {
		return nil, fmt.Errorf("diff: %w", err)
	}
	in := make(map[string]bool, len(oldItems))
	for _, a := range oldItems {
		in[atomKey(a)] = true
	}
	for _, a := range diffItems {
		k := atomKey(a)
		if in[k] {
			delete(in, k)
		} else {
			in[k] = true
			oldItems = append(oldItems, a)
		}
	}
	out := make([]any, 0, len(in))
	for _, a := range oldItems {
		k := atomKey(a)
		if in[k] {
			out = append(out, a)
			delete(in, k) // once each
		}
	}
	return []any{"set", out}, nil
}

// setElems returns the atoms of a set value (["set", [...]] or one bare
// atom); nil (a column not set) is the empty set.
func setElems(v any) ([]any, error) {
	if v == nil {
		return nil, nil
	}
	if a, ok := v.([]any); ok && len(a) == 2 {
		if tag, _ := a[0].(string); tag == "set" {
			items, ok := a[1].([]any)
			if !ok {
				return nil, errors.New("bad set")
			}
			return slices.Clone(items), nil
		}
	}
	return []any{v}, nil
}

// mapPairs returns the pairs of a map value; nil is the empty map.
func mapPairs(v any) ([][2]any, error) {
	if v == nil {
		return nil, nil
	}
	a, ok := v.([]any)
	if !ok || len(a) != 2 {
		return nil, errors.New("not a map")
	}
	if tag, _ := a[0].(string); tag != "map" {
		return nil, errors.New("not a map")
	}
	items, ok := a[1].([]any)
	if !ok {
		return nil, errors.New("bad map")
	}
	out := make([][2]any, 0, len(items))
	for _, it := range items {
		kv, ok := it.([]any)
		if !ok || len(kv) != 2 {
			return nil, errors.New("bad map pair")
		}
		out = append(out, [2]any{kv[0], kv[1]})
	}
	return out, nil
}

// atomKey is a text that is equal for equal atoms.
func atomKey(a any) string {
	switch x := a.(type) {
	case string:
		return "s" + x
	case float64:
		return "n" + strconv.FormatFloat(x, 'g', -1, 64)
	case bool:
		return "b" + strconv.FormatBool(x)
	}
	b, _ := json.Marshal(a)
	return "j" + string(b)
}

// db returns the replayed rows, in uuid order, and the columns the file
// holds: the persistent ones of those ostopo reads.
func (st *replay) db() *DB {
	db := newDB()
	for table, cols := range st.schema.tables {
		var held []string
		for c, ct := range cols {
			if !ct.ephemeral {
				held = append(held, c)
			}
		}
		slices.Sort(held)
		db.Columns[table] = held
		rows := st.rows[table]
		uuids := make([]string, 0, len(rows))
		for u := range rows {
			uuids = append(uuids, u)
		}
		slices.Sort(uuids)
		for _, u := range uuids {
			db.add(table, rows[u])
		}
	}
	return db
}
