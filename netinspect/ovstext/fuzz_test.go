package ovstext

// Fuzz targets for every parser of this package: each input comes from a
// node or a paste, so each must read any text without panicking, within
// memory bounded by the input, and Merge must take what it gives.
// `.ci/fuzz` runs each for a bounded time; crashers go to
// testdata/fuzz/<target>/ and are replayed by plain `go test`.

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ostopo/ostopo/ovs"
)

// seedFiles adds testdata files as seeds.
func seedFiles(f *testing.F, glob string) {
	f.Helper()
	names, err := filepath.Glob(filepath.Join("testdata", glob))
	if err != nil || len(names) == 0 {
		f.Fatalf("no seeds %s: %v", glob, err)
	}
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
}

// rowCount is how many rows a DB holds.
func rowCount(db *DB) int {
	n := 0
	for _, rows := range db.Rows {
		n += len(rows)
	}
	return n
}

// mergeBounded merges a part alone and checks the model is no larger than
// the rows it came from.
func mergeBounded(t *testing.T, p Part) {
	t.Helper()
	o, srcs := Merge(p)
	if len(srcs) < len(families) {
		t.Fatalf("%d sources", len(srcs))
	}
	n := len(o.Managers)
	for _, b := range o.Bridges {
		n++ // controllers not counted: ovs.Decode lists one per reference
		for _, p := range b.Ports {
			n += 1 + len(p.Interfaces)
		}
	}
	if p.DB != nil && n > rowCount(p.DB) {
		t.Fatalf("%d model objects from %d rows", n, rowCount(p.DB))
	}
}

func FuzzParseShow(f *testing.F) {
	seedFiles(f, "*/*show*")
	f.Add([]byte("0a1b2c3d-0000-4000-8000-000000000001\n    Bridge br-int\n        Controller \"tcp:1\"\n            is_connected: true\n        Port p\n            tag: 1\n            trunks: [1, 2]\n            Interface p\n                options: {a=b}\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		text := string(b)
		db, err := ParseShow(text)
		if err != nil {
			return
		}
		if rowCount(db) > strings.Count(text, "\n")+1 {
			t.Fatalf("%d rows from %d lines", rowCount(db), strings.Count(text, "\n")+1)
		}
		mergeBounded(t, Part{Kind: KindShow, DB: db})
	})
}

func FuzzParseList(f *testing.F) {
	seedFiles(f, "*/ovs-vsctl_-t_5_list_*")
	seedFiles(f, "*/ovs-vsctl_-t_5_--format_json_list_*")
	f.Add([]byte("_uuid : 5ef1d0e8-0000-4000-8000-000000000001\nname : x\nofport : 1\nexternal_ids : {a=\"b\"}\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		text := string(b)
		db, err := ParseList(text, "")
		if err != nil {
			return
		}
		// A record takes at least "_uuid:x" (or [["uuid",""]] in JSON).
		if rowCount(db) > len(text)/7+1 {
			t.Fatalf("%d rows from %d bytes", rowCount(db), len(text))
		}
		mergeBounded(t, Part{Kind: KindList, DB: db})
	})
}

func FuzzParseDump(f *testing.F) {
	seedFiles(f, "*/ovsdb-client_-f_list_dump")
	f.Add([]byte("Open_vSwitch table\n_uuid : 5ef1d0e8-0000-4000-8000-000000000001\nbridges : [5ef1d0e8-0000-4000-8000-000000000002]\n\nBridge table\n_uuid : 5ef1d0e8-0000-4000-8000-000000000002\nname : br\nports : []\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		text := string(b)
		db, err := ParseDump(text)
		if err != nil {
			return
		}
		if rowCount(db) > strings.Count(text, "\n")+1 {
			t.Fatalf("%d rows from %d lines", rowCount(db), strings.Count(text, "\n")+1)
		}
		mergeBounded(t, Part{Kind: KindDump, DB: db})
	})
}

// FuzzReplayConfDB feeds the replay arbitrary logs, seeded with real ones
// (diffs, whole values, compacted). A log that replays gives no more rows
// than it has records' worth of text, and any cut of it after the schema
// replays too.
func FuzzReplayConfDB(f *testing.F) {
	// Real logs start with OVS's whole schema (12 KB): the seeds keep
	// only the columns ostopo reads, so that the fuzzer mutates the
	// transactions rather than spend its turn minimizing schemas.
	schema := smallSchema(f)
	for _, name := range []string{"lab/conf.db", "confdb/nodiff.db", "confdb/compacted.db"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		lines := strings.Split(string(b), "\n")
		seed := logRecord(schema)
		for i := 3; i+1 < len(lines) && i < 3+2*6; i += 2 {
			seed += logRecord(lines[i])
		}
		f.Add([]byte(seed))
	}
	f.Add([]byte(logRecord(schema) + logRecord(baseTxn) +
		logRecord(`{"_is_diff":true,"Port":{"00000000-0000-0000-0000-0000000000a1":{"other_config":["map",[["a","1"],["c","4"]]],"trunks":["set",[2,3]],"tag":7}}}`)))
	f.Fuzz(func(t *testing.T, b []byte) {
		db, err := ReplayConfDB(b)
		if err != nil {
			return
		}
		// A row takes at least {"<uuid>":{}} of text.
		if rowCount(db) > len(b)/40+1 {
			t.Fatalf("%d rows from %d bytes", rowCount(db), len(b))
		}
		mergeBounded(t, Part{Kind: KindConfDB, DB: db})
		if _, err := ReplayConfDB(b[:len(b)-1]); err != nil && !strings.Contains(err.Error(), "schema record") {
			t.Fatalf("the log replays, but not without its last byte: %v", err)
		}
	})
}

func FuzzParsePortDesc(f *testing.F) {
	seedFiles(f, "*/ovs-ofctl_*show_*")
	seedFiles(f, "*/ovs-ofctl_*dump-ports-desc_*")
	f.Fuzz(func(t *testing.T, b []byte) {
		text := string(b)
		pd, err := ParsePortDesc(text)
		if err != nil {
			return
		}
		if len(pd.OFPorts) > strings.Count(text, "\n")+1 {
			t.Fatalf("%d ports from %d lines", len(pd.OFPorts), strings.Count(text, "\n")+1)
		}
		for name, n := range pd.OFPorts {
			if n < 0 || n > 0xffff {
				t.Fatalf("port %q number %d", name, n)
			}
		}
	})
}

// FuzzParseFlows checks the dump-flows reading (ovs.ParseDumpFlows has
// its own target) and the numbering of port names: once every name a
// flow gives is numbered, the flow names no port.
func FuzzParseFlows(f *testing.F) {
	seedFiles(f, "*/ovs-ofctl_*dump-flows_*")
	seedFiles(f, "public/insights-dump-flows-names")
	f.Add([]byte(` cookie=0x0, table=0, priority=1,in_port="a\"b" actions=output:"c,d",enqueue:e:1,resubmit(f,2),output(port=g,max_len=1)` + "\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		fd, err := ParseFlows(string(b))
		if err != nil {
			return
		}
		ofports := map[string]int{}
		collect := func(name string) (string, bool) {
			ofports[name] = len(ofports) + 1
			return "", false
		}
		for _, fl := range fd.Flows {
			rewritePorts(fl.Match, collect)
			rewritePorts(fl.Actions, collect)
		}
		if fd.Named != (len(ofports) > 0) {
			t.Fatalf("Named %v, names %v", fd.Named, ofports)
		}
		if missing := numberPorts(fd.Flows, ofports); len(missing) != 0 {
			t.Fatalf("names not numbered: %v", missing)
		}
		for i := range fd.Flows {
			if flowNamesPorts(&fd.Flows[i]) {
				t.Fatalf("flow still names a port after numbering: %+v", fd.Flows[i])
			}
		}
	})
}

// smallSchema is the lab's real schema with only the tables and columns
// ostopo reads.
func smallSchema(tb testing.TB) string {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "lab", "conf.db"))
	if err != nil {
		tb.Fatal(err)
	}
	type table struct {
		Columns map[string]json.RawMessage `json:"columns"`
	}
	var schema struct {
		Name    string           `json:"name"`
		Version string           `json:"version"`
		Tables  map[string]table `json:"tables"`
	}
	if err := json.Unmarshal([]byte(strings.SplitN(string(b), "\n", 3)[1]), &schema); err != nil {
		tb.Fatal(err)
	}
	for name, t := range schema.Tables {
		want, ok := ovs.Columns()[name]
		if !ok {
			delete(schema.Tables, name)
			continue
		}
		for col := range t.Columns {
			if !slices.Contains(want, col) {
				delete(t.Columns, col)
			}
		}
	}
	out, err := json.Marshal(schema)
	if err != nil {
		tb.Fatal(err)
	}
	return string(out)
}
