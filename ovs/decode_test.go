package ovs

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/digitalocean/go-openvswitch/ovsdb"
	"github.com/google/go-cmp/cmp"
	"github.com/ostopo/ostopo/netinspect/topo"
)

var update = flag.Bool("update", false, "rewrite golden files")

func loadRows(t *testing.T, name string) Raw {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	var raw Raw
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	return raw
}

// golden compares got with testdata/<file>, rewriting it with -update.
func golden(t *testing.T, file string, got any) {
	t.Helper()
	b, err := json.MarshalIndent(got, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("testdata", file)
	if *update {
		if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(b)+"\n"); diff != "" {
		t.Errorf("%s differs (-want +got):\n%s", file, diff)
	}
}

// rows-aio.json was recorded from the all-in-one lab (labctl rows aio).
func TestDecodeLabRows(t *testing.T) {
	state, err := Decode(loadRows(t, "rows-aio.json"))
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "decoded-aio.golden.json", state)

	brInt := state.Bridge("br-int")
	if brInt == nil || brInt.FailMode != "secure" || brInt.DatapathType != "netdev" {
		t.Fatalf("br-int = %+v", brInt)
	}
	var qvo *topo.Port
	for i := range brInt.Ports {
		if len(brInt.Ports[i].Name) > 3 && brInt.Ports[i].Name[:3] == "qvo" {
			qvo = &brInt.Ports[i]
			break
		}
	}
	if qvo == nil {
		t.Fatal("no qvo port on br-int")
	}
	if qvo.Tag == 0 || qvo.OtherConfig["net_uuid"] == "" || qvo.OtherConfig["network_type"] == "" || qvo.OtherConfig["tag"] == "" {
		t.Errorf("qvo port lost its VLAN facts: %+v", qvo)
	}
	ifc := qvo.Interfaces[0]
	if ifc.ExternalIDs["iface-id"] == "" || ifc.ExternalIDs["vm-uuid"] == "" || ifc.OFPort <= 0 {
		t.Errorf("qvo interface lost its ids: %+v", ifc)
	}
	tun := state.Bridge("br-tun").Port("vxlan-0a1e0015")
	if tun == nil || tun.Interfaces[0].Type != "vxlan" || tun.Interfaces[0].Options["remote_ip"] != "10.30.0.21" {
		t.Errorf("tunnel port = %+v", tun)
	}
	if state.ExternalIDs["hostname"] != "aio.lab" || state.Version == "" {
		t.Errorf("Open_vSwitch row: version %q external_ids %v", state.Version, state.ExternalIDs)
	}
}

// Hand-written rows for the atom shapes the lab does not produce: a
// controller, a manager, a set of one, trunks, a reference to a row that
// vanished between two selects.
func TestDecodeAtoms(t *testing.T) {
	var raw Raw
	err := json.Unmarshal([]byte(`{
	 "Open_vSwitch": [{"_uuid": ["uuid","root"], "ovs_version": "3.3.1", "bridges": ["uuid","b1"],
	   "manager_options": ["uuid","m1"], "external_ids": ["map", [["system-id","net1"]]]}],
	 "Manager": [{"_uuid": ["uuid","m1"], "target": "ptcp:6640:127.0.0.1", "is_connected": true}],
	 "Controller": [{"_uuid": ["uuid","c1"], "target": "tcp:127.0.0.1:6633", "is_connected": false, "role": "other", "inactivity_probe": ["set",[10000]]}],
	 "Bridge": [{"_uuid": ["uuid","b1"], "name": "br-int", "controller": ["uuid","c1"], "fail_mode": ["set",[]],
	   "ports": ["set", [["uuid","p1"], ["uuid","gone"]]], "protocols": ["set",["OpenFlow13","OpenFlow10"]]}],
	 "Port": [{"_uuid": ["uuid","p1"], "name": "tap0d9e8f7a-6b", "tag": 4095, "trunks": ["set",[4095]],
	   "vlan_mode": "trunk", "interfaces": ["uuid","i1"], "other_config": ["map",[]]}],
	 "Interface": [{"_uuid": ["uuid","i1"], "name": "tap0d9e8f7a-6b", "type": "internal", "ofport": ["set",[]],
	   "mtu": 1450, "error": "could not open network device tap0d9e8f7a-6b (No such device)"}]
	}`), &raw)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Decode(raw)
	if err != nil {
		t.Fatal(err)
	}
	want := topo.OVS{
		UUID: "root", Version: "3.3.1", ExternalIDs: map[string]string{"system-id": "net1"},
		Managers: []topo.Manager{{Target: "ptcp:6640:127.0.0.1", IsConnected: true}},
		Bridges: []topo.Bridge{{
			UUID: "b1", Name: "br-int", Protocols: []string{"OpenFlow10", "OpenFlow13"},
			Controllers: []topo.Controller{{Target: "tcp:127.0.0.1:6633", Role: "other", InactivityProbe: 10000}},
			Ports: []topo.Port{{
				UUID: "p1", Name: "tap0d9e8f7a-6b", Tag: 4095, Trunks: []int{4095}, VLANMode: "trunk",
				Interfaces: []topo.Interface{{UUID: "i1", Name: "tap0d9e8f7a-6b", Type: "internal", MTU: 1450,
					Error: "could not open network device tap0d9e8f7a-6b (No such device)"}},
			}},
			Flows: []topo.Flow{},
		}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Decode (-want +got):\n%s", diff)
	}
}

func TestDecodeNeedsTheRootRow(t *testing.T) {
	if _, err := Decode(Raw{}); err == nil {
		t.Error("Decode of an empty database succeeded")
	}
}

// fakeOVSDB serves one connection: it reads the six select requests, then
// writes script(requests) to the client and reads what comes back.
func fakeOVSDB(t *testing.T, script func(reqs []map[string]any) string) (target string, answers chan string) {
	t.Helper()
	sock := filepath.Join(t.TempDir(), "db.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	answers = make(chan string, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		dec := json.NewDecoder(c)
		var reqs []map[string]any
		for range 6 {
			var r map[string]any
			if err := dec.Decode(&r); err != nil {
				t.Errorf("request: %v", err)
				return
			}
			reqs = append(reqs, r)
		}
		c.Write([]byte(script(reqs)))
		var back json.RawMessage
		if dec.Decode(&back) == nil {
			answers <- string(back)
		}
	}()
	return "unix:" + sock, answers
}

// reply answers request r with rows (or an error string when rows is "").
func reply(r map[string]any, rows string) string {
	id, _ := json.Marshal(r["id"])
	return `{"id":` + string(id) + `,"result":[{"rows":` + rows + `}],"error":null}`
}

// The client speaks RFC 7047 itself: one select per table with its
// columns, replies taken by id in any order, the server's echo answered,
// and every kind of bad answer an error naming the table.
func TestReadAllProtocol(t *testing.T) {
	var seen []string
	target, answers := fakeOVSDB(t, func(reqs []map[string]any) string {
		var out strings.Builder
		out.WriteString(`{"id":"echo","method":"echo","params":[]}`)
		for i := len(reqs) - 1; i >= 0; i-- { // last first
			r := reqs[i]
			op := r["params"].([]any)[1].(map[string]any)
			seen = append(seen, op["table"].(string))
			if op["table"] == "Bridge" && len(op["columns"].([]any)) != len(Columns()["Bridge"]) {
				t.Errorf("Bridge columns %v", op["columns"])
			}
			out.WriteString(reply(r, `[{"name":"br-`+strings.ToLower(op["table"].(string))+`"}]`))
		}
		return out.String()
	})
	db, err := Dial(context.Background(), target)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var bridges []ovsdb.Row
	raw, err := db.ReadAll(context.Background(), func(rows []ovsdb.Row) { bridges = rows })
	if err != nil {
		t.Fatal(err)
	}
	if len(raw) != 6 || raw["Port"][0]["name"] != "br-port" || len(bridges) != 1 || bridges[0]["name"] != "br-bridge" {
		t.Errorf("raw %v, bridges %v", raw, bridges)
	}
	if seen[len(seen)-1] != "Bridge" {
		t.Errorf("requests in order %v: want Bridge first", seen)
	}
	select {
	case a := <-answers:
		if a != `{"error":null,"id":"echo","result":[]}` {
			t.Errorf("echo answered %s", a)
		}
	case <-time.After(5 * time.Second):
		t.Error("the server's echo was not answered")
	}

	for _, tt := range []struct {
		name, want string
		script     func(reqs []map[string]any) string
	}{
		{"op error", "table Bridge: syntax error: unknown column", func(reqs []map[string]any) string {
			id, _ := json.Marshal(reqs[0]["id"])
			return `{"id":` + string(id) + `,"result":[{"error":"syntax error","details":"unknown column"}],"error":null}`
		}},
		{"transaction error", "table Bridge: the server answered", func(reqs []map[string]any) string {
			id, _ := json.Marshal(reqs[0]["id"])
			return `{"id":` + string(id) + `,"result":null,"error":"unknown database"}`
		}},
		{"unknown id", "a reply to a request not sent", func([]map[string]any) string {
			return `{"id":99,"result":[{"rows":[]}],"error":null}`
		}},
		{"twice", "two replies for table Bridge", func(reqs []map[string]any) string {
			return reply(reqs[0], "[]") + reply(reqs[0], "[]")
		}},
		{"not JSON", "invalid character", func([]map[string]any) string { return "{nope}" }},
		{"not an object", "invalid character", func([]map[string]any) string { return "[1]" }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			target, _ := fakeOVSDB(t, tt.script)
			db, err := Dial(context.Background(), target)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if _, err := db.ReadAll(ctx, nil); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one saying %q", err, tt.want)
			}
		})
	}
	// A server that never answers: the context ends the read.
	target, _ = fakeOVSDB(t, func([]map[string]any) string { time.Sleep(3 * time.Second); return "" })
	db, err = Dial(context.Background(), target)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := db.ReadAll(ctx, nil); err == nil || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("silent server: %v", err)
	}
}

func TestResolveSocket(t *testing.T) {
	if _, _, err := ResolveSocket("ftp:nowhere"); err == nil {
		t.Error("ResolveSocket accepted an unknown scheme")
	}
	n, a, err := ResolveSocket("unix:/tmp/x/db.sock")
	if err != nil || n != "unix" || a != "/tmp/x/db.sock" {
		t.Errorf("ResolveSocket(unix:) = %q %q %v", n, a, err)
	}
	n, a, err = ResolveSocket("tcp:127.0.0.1:6640")
	if err != nil || n != "tcp" || a != "127.0.0.1:6640" {
		t.Errorf("ResolveSocket(tcp:) = %q %q %v", n, a, err)
	}
}
