//go:build linux

package ovstext

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ostopo/ostopo/fixtures/lab"
	"github.com/ostopo/ostopo/fixtures/lab/labtest"
	"github.com/ostopo/ostopo/netinspect/collect"
)

var recordLab = flag.Bool("record", false, "rebuild a lab node and record its OVS outputs and live OVS state into testdata/lab")

// labSpec is a small all-in-one node: every kind of port Neutron makes
// (instances, DHCP, router, gateway, patch, VXLAN, provider NIC).
func labSpec() lab.Spec {
	return lab.Generate(lab.Shape{Name: "ovt", Networks: 2, PerNetwork: 1, Routers: 1, FIPsPerRouter: 1, DHCP: true,
		Provider: true, Instances: true, VLANNetwork: true, LocalIP: "10.30.0.11", Remotes: []string{"10.30.0.21"}})
}

// The key test: a lab node runs real OVS; the outputs sos would save of
// it (the same commands, run the same way, through a pipe) and its
// conf.db are imported, and the import equals what the live collector
// reads from the same node. With -record the outputs and the live state
// become testdata/lab, which TestRecordedLab checks without root.
func TestLabImportMatchesLive(t *testing.T) {
	l := labtest.Build(t, labSpec())
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	changeLab(ctx, t, l)
	files := captureLab(ctx, t, l)
	snap, err := collect.Collect(ctx, collect.Options{OVSDB: l.OVSDB(), OVSRunDir: l.RunDir(),
		NetnsDirs: []string{l.NetnsDir()}, RootNetns: l.NodePath(), NeutronStateDir: l.StateDir()})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range snap.FailedSources() {
		t.Fatalf("live source %s failed: %s", s.Name, s.Error)
	}
	if !strings.Contains(string(files["ovs-ofctl_dump-flows_br-tun"]), "version negotiation failed") {
		t.Fatalf("br-tun (OpenFlow13 only) plain dump = %q, want a version negotiation failure", files["ovs-ofctl_dump-flows_br-tun"])
	}
	checkImport(t, files, snap.OVS)
	if *recordLab {
		dir := filepath.Join("testdata", "lab")
		if err := os.RemoveAll(dir); err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for name, b := range files {
			if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		live, err := json.MarshalIndent(snap.OVS, "", " ")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, liveFile), append(live, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// changeLab makes the node's conf.db hold what a long-lived node's does:
// rows inserted and deleted, map keys added, changed and removed, set
// members toggled (all diffs, OVS 2.15 and later), a manager, and a
// bridge that refuses OpenFlow 1.0 (the plain dump-flows fails on it).
func changeLab(ctx context.Context, t *testing.T, l *lab.Lab) {
	t.Helper()
	port := "patch-tun"
	for _, args := range [][]string{
		{"set-manager", "ptcp:6640:127.0.0.1"},
		{"set", "bridge", "br-tun", "protocols=OpenFlow13"},
		{"add-port", "br-int", "ovt-tmp", "--", "set", "interface", "ovt-tmp", "type=internal", "external_ids:x=1"},
		{"set", "port", port, "other_config:ovt-a=1", "other_config:ovt-b=2", "trunks=10,20,30"},
		{"set", "port", port, "other_config:ovt-a=3"},
		{"remove", "port", port, "other_config", "ovt-b"},
		{"remove", "port", port, "trunks", "20"},
		{"set", "bridge", "br-int", "external_ids:ovt=yes"},
		{"del-port", "br-int", "ovt-tmp"},
		{"clear", "port", port, "trunks"},
	} {
		if out, err := labCmd(ctx, l, append([]string{"ovs-vsctl", "--timeout=20"}, args...)...); err != nil {
			t.Fatalf("ovs-vsctl %v: %v: %s", args, err, out)
		}
	}
	if err := l.WaitQuiet(ctx, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	if err := l.WaitConnected(ctx); err != nil {
		t.Fatal(err)
	}
}

// labCmd runs an OVS command as sos does: with the node's OVS paths in
// the environment, stdout and stderr in one output, through a pipe.
func labCmd(ctx context.Context, l *lab.Lab, argv ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), l.Env()...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.Bytes(), err
}

// captureLab runs the OVS commands of sos's openvswitch plugin (4.0) on the
// node and copies its conf.db; the names are sos's.
func captureLab(ctx context.Context, t *testing.T, l *lab.Lab) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	runSaved := func(mustWork bool, argv ...string) {
		out, err := labCmd(ctx, l, argv...)
		if err != nil && mustWork {
			t.Fatalf("%v: %v: %s", argv, err, out)
		}
		files[sosName(argv)] = out
	}
	runSaved(true, "ovs-vsctl", "-t", "5", "show")
	for _, table := range []string{"interface", "bridge", "Open_vSwitch"} {
		runSaved(true, "ovs-vsctl", "-t", "5", "list", table)
	}
	runSaved(true, "ovsdb-client", "-f", "list", "dump")
	// Plain ovs-ofctl speaks OpenFlow 1.0, which br-tun refuses: its plain
	// outputs are error messages, as in a sosreport.
	for _, br := range []string{"br-int", "br-tun", "br-ex"} {
		for _, cmd := range []string{"show", "dump-ports-desc", "dump-flows"} {
			runSaved(br != "br-tun", "ovs-ofctl", cmd, br)
			runSaved(true, "ovs-ofctl", "-O", "OpenFlow13", cmd, br)
		}
	}
	db, err := os.ReadFile(filepath.Join(l.Dir, "conf.db"))
	if err != nil {
		t.Fatal(err)
	}
	files["conf.db"] = db
	return files
}

// sosName is sos's file name for a command (_mangle_command): runs of
// characters outside [\w\-./] become _, / becomes ..
func sosName(argv []string) string {
	s := strings.Join(argv, " ")
	var b strings.Builder
	under := false
	for _, r := range s {
		ok := r == '-' || r == '.' || r == '/' || r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
		if !ok {
			if !under {
				b.WriteByte('_')
			}
			under = true
			continue
		}
		under = false
		if r == '/' {
			r = '.'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// An ovsdb-server run with --disable-file-column-diff (as OVS before 2.15
// wrote every log) writes whole column values in every transaction;
// `ovsdb-tool compact` rewrites a log as one transaction of every row.
// Both replay to what ovsdb-client dumps of the same database. With
// -record the files become testdata/confdb, which TestRecordedConfDBs
// checks anywhere.
func TestConfDBFormatsMatchDump(t *testing.T) {
	for _, tool := range []string{"ovsdb-server", "ovsdb-tool", "ovs-vsctl", "ovsdb-client", "ovs-appctl"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("no %s: %v", tool, err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	dir := t.TempDir()
	env := append(os.Environ(), "OVS_RUNDIR="+dir, "OVS_LOGDIR="+dir, "OVS_DBDIR="+dir)
	run := func(argv ...string) []byte {
		t.Helper()
		cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%v: %v: %s", argv, err, out)
		}
		return out
	}
	db := filepath.Join(dir, "conf.db")
	run("ovsdb-tool", "create", db, "/usr/share/openvswitch/vswitch.ovsschema")
	run("ovsdb-server", "--remote=punix:"+filepath.Join(dir, "db.sock"), "--pidfile", "--detach",
		"--log-file", "-vconsole:off", "--disable-file-column-diff", db)
	t.Cleanup(func() {
		cmd := exec.Command("ovs-appctl", "-t", "ovsdb-server", "exit")
		cmd.Env = env
		_ = cmd.Run()
	})
	for _, args := range [][]string{
		{"init"},
		{"set", "Open_vSwitch", ".", "ovs_version=3.1.0", "external_ids:hostname=nodiff", "external_ids:system-id=nodiff"},
		{"add-br", "br-int", "--", "set", "bridge", "br-int", "fail_mode=secure", "protocols=OpenFlow10,OpenFlow13"},
		{"set-controller", "br-int", "tcp:127.0.0.1:6633"},
		{"add-port", "br-int", "qvo1", "tag=1", "--", "set", "interface", "qvo1", "external_ids:iface-id=p1", "ofport_request=5"},
		{"set", "port", "qvo1", "other_config:net_uuid=n1", "other_config:network_type=vxlan", "other_config:segmentation_id=1001"},
		{"add-port", "br-int", "qvo2", "tag=2"},
		{"set", "port", "qvo1", "other_config:segmentation_id=1002", "trunks=1,2"},
		{"remove", "port", "qvo1", "other_config", "network_type"},
		{"del-port", "br-int", "qvo2"},
		{"clear", "port", "qvo1", "trunks"},
	} {
		run(append([]string{"ovs-vsctl", "--no-wait", "--timeout=20"}, args...)...)
	}
	files := map[string][]byte{
		"nodiff.db":                 readFile(t, db),
		"ovsdb-client_-f_list_dump": run("ovsdb-client", "-f", "list", "dump"),
		// What a kolla node's sos_extras file may run in the container.
		"ovs-vsctl_-t_5_--format_json_list_Port": run("ovs-vsctl", "-t", "5", "--format=json", "list", "Port"),
		"ovs-vsctl_-t_5_list_Port":               run("ovs-vsctl", "-t", "5", "list", "Port"),
	}
	compacted := filepath.Join(dir, "compacted.db")
	if err := os.WriteFile(compacted, files["nodiff.db"], 0o644); err != nil {
		t.Fatal(err)
	}
	run("ovsdb-tool", "compact", compacted)
	files["compacted.db"] = readFile(t, compacted)
	if bytes.Contains(files["nodiff.db"], []byte(`"_is_diff"`)) {
		t.Fatal("--disable-file-column-diff wrote diffs")
	}
	checkConfDBs(t, files)
	if *recordLab {
		out := filepath.Join("testdata", "confdb")
		if err := os.MkdirAll(out, 0o755); err != nil {
			t.Fatal(err)
		}
		for name, b := range files {
			if err := os.WriteFile(filepath.Join(out, name), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
