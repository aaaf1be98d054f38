package ovstext

import (
	"bytes"
	"crypto/sha1"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/ostopo/ostopo/netinspect/topo"
)

// The OVSDB logs OVS wrote without column diffs and compacted replay to
// what ovsdb-client dumped of the same database (recorded by
// TestConfDBFormatsMatchDump -record).
func TestRecordedConfDBs(t *testing.T) {
	files := map[string][]byte{}
	for _, name := range []string{"nodiff.db", "compacted.db", "ovsdb-client_-f_list_dump", "ovs-vsctl_-t_5_--format_json_list_Port", "ovs-vsctl_-t_5_list_Port"} {
		files[name] = readTestdata(t, "confdb", name)
	}
	checkConfDBs(t, files)
}

func readTestdata(t *testing.T, elem ...string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(append([]string{"testdata"}, elem...)...))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func checkConfDBs(t *testing.T, files map[string][]byte) {
	t.Helper()
	want, srcs := Merge(FromDump("dump", string(files["ovsdb-client_-f_list_dump"])))
	if s := sourceNamed(srcs, "ovsdb"); !s.OK || len(want.Bridges) != 1 || want.Port("qvo1") == nil {
		t.Fatalf("dump: %+v %+v", s, want)
	}
	if p := want.Port("qvo1"); p.Tag != 1 || p.Trunks != nil ||
		!cmp.Equal(p.OtherConfig, map[string]string{"net_uuid": "n1", "segmentation_id": "1002"}) {
		t.Errorf("qvo1 in the dump = %+v", p)
	}
	// The Port table as `ovs-vsctl list Port` prints it, in text and in
	// JSON, outranks the dump's: the same ports.
	for _, name := range []string{"ovs-vsctl_-t_5_--format_json_list_Port", "ovs-vsctl_-t_5_list_Port"} {
		p := FromList(name, "", string(files[name]))
		if p.Err != nil || len(p.DB.Rows["Port"]) != 2 {
			t.Fatalf("%s: %v %v", name, p.Err, p.DB)
		}
		got, _ := Merge(FromDump("dump", string(files["ovsdb-client_-f_list_dump"])), p)
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("%s: other ports than the dump's (-dump +list):\n%s", name, d)
		}
	}
	for _, name := range []string{"nodiff.db", "compacted.db"} {
		p := FromConfDB(name, files[name])
		if p.Err != nil {
			t.Fatalf("%s: %v", name, p.Err)
		}
		got, _ := Merge(p)
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("%s replays to other rows than the dump's (-dump +conf.db):\n%s", name, d)
		}
	}
}

// record is one OVSDB log record as ovsdb/log.c writes it.
func logRecord(js string) string {
	data := js + "\n"
	return fmt.Sprintf("OVSDB JSON %d %x\n%s", len(data), sha1.Sum([]byte(data)), data)
}

// labSchema is the schema record of the lab node's real conf.db.
func labSchema(t *testing.T) string {
	t.Helper()
	db := readTestdata(t, "lab", "conf.db")
	lines := bytes.SplitN(db, []byte("\n"), 3)
	return string(lines[1])
}

const (
	uRoot = "00000000-0000-0000-0000-000000000001"
	uBr   = "00000000-0000-0000-0000-0000000000b1"
	uP1   = "00000000-0000-0000-0000-0000000000a1"
	uP2   = "00000000-0000-0000-0000-0000000000a2"
	uI1   = "00000000-0000-0000-0000-0000000000c1"
	uI2   = "00000000-0000-0000-0000-0000000000c2"
)

// replayed replays a log made of the lab's schema and these transactions
// and merges it alone.
func replayed(t *testing.T, txns ...string) (topo.OVS, *DB, error) {
	t.Helper()
	log := logRecord(labSchema(t))
	for _, x := range txns {
		log += logRecord(x)
	}
	p := FromConfDB("test.db", []byte(log))
	if p.Err != nil {
		return topo.OVS{}, nil, p.Err
	}
	o, _ := Merge(p)
	return o, p.DB, nil
}

// baseTxn inserts a root, a bridge, two ports and their interfaces.
var baseTxn = fmt.Sprintf(`{"Open_vSwitch":{%q:{"bridges":["uuid",%q],"ovs_version":"3.1.0"}},`+
	`"Bridge":{%q:{"name":"br-int","ports":["set",[["uuid",%q],["uuid",%q]]],"protocols":["set",["OpenFlow10","OpenFlow13"]]}},`+
	`"Port":{%q:{"name":"qvo1","interfaces":["uuid",%q],"tag":5,"trunks":["set",[1,2]],"other_config":["map",[["a","1"],["b","2"]]]},`+
	`%q:{"name":"qvo2","interfaces":["uuid",%q]}},`+
	`"Interface":{%q:{"name":"qvo1","ofport":7,"link_state":"up"},%q:{"name":"qvo2"}},"_date":1700000000000}`,
	uRoot, uBr, uBr, uP1, uP2, uP1, uI1, uP2, uI2, uI1, uI2)

// Column diffs as OVS applies them (lib/ovsdb-data.c
// ovsdb_datum_apply_diff_in_place): a map key with another value replaces
// it, with the same value removes it, absent adds it; set members toggle;
// a column of one value takes the diff as its value.
func TestReplayColumnDiffs(t *testing.T) {
	got, db, err := replayed(t, baseTxn,
		fmt.Sprintf(`{"_is_diff":true,"Port":{%q:{"other_config":["map",[["a","1"],["b","3"],["c","4"]]],"trunks":["set",[2,3]],"tag":7}}}`, uP1),
		fmt.Sprintf(`{"_is_diff":true,"Bridge":{%q:{"protocols":"OpenFlow13","ports":["uuid",%q]}},"Port":{%q:null},"Interface":{%q:null}}`, uBr, uP2, uP2, uI2),
		// A row new to the database is whole even in a diff transaction.
		fmt.Sprintf(`{"_is_diff":true,"Interface":{%q:{"name":"qvo2","external_ids":["map",[["iface-id","x"]]]}}}`, uI2),
	)
	if err != nil {
		t.Fatal(err)
	}
	p := got.Port("qvo1")
	want := topo.Port{UUID: uP1, Name: "qvo1", Tag: 7, Trunks: []int{1, 3}, OtherConfig: map[string]string{"b": "3", "c": "4"},
		Interfaces: []topo.Interface{{UUID: uI1, Name: "qvo1", OFPort: 7}}}
	if d := cmp.Diff(&want, p); d != "" {
		t.Errorf("qvo1 (-want +got):\n%s", d)
	}
	b := got.Bridge("br-int")
	if len(b.Ports) != 1 || !cmp.Equal(b.Protocols, []string{"OpenFlow10"}) {
		t.Errorf("br-int = %+v", b)
	}
	// link_state is ephemeral: a file holding it is not believed.
	if !strings.Contains(db.Note, "4 transactions replayed") || !strings.Contains(db.Note, "2023-11-14T22:13:20Z") {
		t.Errorf("note = %q", db.Note)
	}
	for _, c := range db.Columns["Interface"] {
		if c == "link_state" || c == "mtu" || c == "admin_state" {
			t.Errorf("conf.db holds ephemeral column %s", c)
		}
	}
	for _, r := range db.Rows["Interface"] {
		if _, ok := r["link_state"]; ok {
			t.Errorf("an ephemeral column was replayed: %v", r)
		}
	}

	// A transaction without _is_diff replaces whole values.
	got, _, err = replayed(t, baseTxn,
		fmt.Sprintf(`{"Port":{%q:{"other_config":["map",[["z","9"]]],"tag":["set",[]]}}}`, uP1))
	if err != nil {
		t.Fatal(err)
	}
	if p := got.Port("qvo1"); p.Tag != 0 || !cmp.Equal(p.OtherConfig, map[string]string{"z": "9"}) || !cmp.Equal(p.Trunks, []int{1, 2}) {
		t.Errorf("qvo1 after a whole-value update = %+v", p)
	}

	for _, bad := range []struct{ txn, want string }{
		{fmt.Sprintf(`{"Port":{%q:null}}`, "00000000-0000-0000-0000-0000000000ff"), "deleted, but no such row"},
		{`{"Port":{"not-a-uuid":{}}}`, "not a uuid"},
		{`[1,2]`, "not a JSON object"},
		{fmt.Sprintf(`{"_is_diff":true,"Port":{%q:{"other_config":["set",[]]}}}`, uP1), "not a map"},
	} {
		if _, _, err := replayed(t, baseTxn, bad.txn); err == nil || !strings.Contains(err.Error(), bad.want) || !strings.Contains(err.Error(), "line 5: transaction 2") {
			t.Errorf("%s: err = %v, want %q at line 5", bad.txn, err, bad.want)
		}
	}
}

// A conf.db cut anywhere after its schema (a copy at a size limit, or
// taken while the server wrote) replays the records before the cut and
// says so; one without its head (sos keeps the tail of a file over its
// size limit), another database's or a clustered one is refused.
func TestReplayCutConfDB(t *testing.T) {
	db := readTestdata(t, "lab", "conf.db")
	var bounds []int // where each record ends
	for i := 0; i < len(db); {
		hdrEnd := bytes.IndexByte(db[i:], '\n')
		dataEnd := bytes.IndexByte(db[i+hdrEnd+1:], '\n')
		i += hdrEnd + 1 + dataEnd + 1
		bounds = append(bounds, i)
	}
	whole, err := ReplayConfDB(db)
	if err != nil {
		t.Fatal(err)
	}
	if whole.Note != "" && strings.Contains(whole.Note, "ends inside") {
		t.Fatalf("whole file: %s", whole.Note)
	}
	atBound := map[int]*DB{}
	for _, b := range bounds[1:] {
		d, err := ReplayConfDB(db[:b])
		if err != nil {
			t.Fatalf("cut at record end %d: %v", b, err)
		}
		atBound[b] = d
	}
	for cut := bounds[0] + 1; cut < len(db); cut += 101 {
		d, err := ReplayConfDB(db[:cut])
		if err != nil {
			t.Fatalf("cut at %d: %v", cut, err)
		}
		prev := bounds[0]
		for _, b := range bounds {
			if b <= cut {
				prev = b
			}
		}
		if prev == cut {
			continue
		}
		if !strings.Contains(d.Note, "the log ends inside the record at line") {
			t.Errorf("cut at %d: note %q", cut, d.Note)
		}
		wantRows := replayAt(t, db, prev)
		if d := cmp.Diff(wantRows.Rows, d.Rows); d != "" {
			t.Fatalf("cut at %d: rows differ from the log up to %d:\n%s", cut, prev, d)
		}
	}

	// Merged with show, a cut conf.db gives what show lacks, and the
	// Sources say it is cut; what show has is newer. The cut is inside
	// the record that clears patch-tun's trunks.
	cut := FromConfDB("conf.db", db[:bounds[len(bounds)-3]+10])
	if p, _ := Merge(cut); !cmp.Equal(p.Port("patch-tun").Trunks, []int{10, 30}) {
		t.Fatalf("the cut conf.db has patch-tun trunks %v", p.Port("patch-tun").Trunks)
	}
	show := FromShow("show", string(readTestdata(t, "lab", "ovs-vsctl_-t_5_show")))
	merged, srcs := Merge(show, cut)
	if s := sourceNamed(srcs, SourcePortConfig); !s.OK || !strings.Contains(s.Detail, "the log ends inside the record") {
		t.Errorf("%s = %+v", SourcePortConfig, s)
	}
	if p := merged.Port("patch-tun"); p.Trunks != nil || p.OtherConfig["ovt-a"] != "3" {
		t.Errorf("patch-tun = %+v: want show's trunks (none) and the cut conf.db's other_config", p)
	}

	for _, bad := range []struct {
		data []byte
		want string
	}{
		{db[:bounds[0]-5], "line 1: schema record"},
		{db[bounds[0]:], "the file's head is missing"},
		{db[bounds[0]+100:], "want an \"OVSDB JSON <length> <sha1>\" record header"},
		{[]byte("OVSDB CLUSTER 10 0000\n{}\n"), "clustered database"},
		{[]byte(logRecord(`{"name":"OVN_Northbound","tables":{}}`)), "the \"OVN_Northbound\" database, not Open_vSwitch"},
		{[]byte(""), "empty"},
		{[]byte("OVSDB JSON x 00\n{}\n"), "bad record length"},
	} {
		if _, err := ReplayConfDB(bad.data); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%.40q: err = %v, want %q", bad.data, err, bad.want)
		}
	}

	// sos --clean rewrites addresses inside records without fixing their
	// length: the length is not trusted.
	cleaned := bytes.ReplaceAll(db, []byte(`"10.30.0.21"`), []byte(`"100.0.0.1"`))
	if bytes.Equal(cleaned, db) {
		t.Fatal("no address to mask")
	}
	d, err := ReplayConfDB(cleaned)
	if err != nil {
		t.Fatal(err)
	}
	o, _ := Merge(Part{Kind: KindConfDB, DB: d})
	if vx := o.Port("vxlan-0a1e0015"); vx == nil || vx.Interfaces[0].Options["remote_ip"] != "100.0.0.1" {
		t.Errorf("masked tunnel = %+v", vx)
	}
}

// replayAt replays a log up to an offset.
func replayAt(t *testing.T, db []byte, at int) *DB {
	t.Helper()
	d, err := ReplayConfDB(db[:at])
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// The schema is read from the file: a column this OVS does not have is
// not held, and reads as unknown.
func TestConfDBSchemaColumns(t *testing.T) {
	var schema map[string]any
	if err := json.Unmarshal([]byte(labSchema(t)), &schema); err != nil {
		t.Fatal(err)
	}
	port := schema["tables"].(map[string]any)["Port"].(map[string]any)["columns"].(map[string]any)
	delete(port, "vlan_mode")
	b, _ := json.Marshal(schema)
	d, err := ReplayConfDB([]byte(logRecord(string(b)) + logRecord(baseTxn)))
	if err != nil {
		t.Fatal(err)
	}
	if d.holds("Port", "vlan_mode") || !d.holds("Port", "other_config") {
		t.Errorf("Port columns held = %v", d.Columns["Port"])
	}
	_, srcs := Merge(Part{Kind: KindConfDB, Origin: "old.db", DB: d})
	if s := sourceNamed(srcs, SourcePortConfig); s.OK || !strings.Contains(s.Error, "no input held Port.vlan_mode") {
		t.Errorf("%s = %+v", SourcePortConfig, s)
	}
}
