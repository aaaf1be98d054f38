package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ostopo/ostopo/fixtures/fixturetest"
	"github.com/ostopo/ostopo/netinspect/topo"
)

// cloudDir writes the real-agent lab's four node snapshots into a
// directory as ostopo collect leaves it (with its collect.json, which is
// not a snapshot), each changed by edit first when given.
func cloudDir(t *testing.T, edit func(by map[string]*topo.Snapshot)) string {
	t.Helper()
	dir := t.TempDir()
	by := map[string]*topo.Snapshot{}
	for _, f := range []string{"net", "net2", "cmp", "cmp-ovsfw"} {
		s := fixturetest.Load(t, f)
		by[s.Host] = s
	}
	if edit != nil {
		edit(by)
	}
	for host, s := range by {
		f, err := os.Create(filepath.Join(dir, host+".json"))
		if err != nil {
			t.Fatal(err)
		}
		if err := topo.Encode(f, s); err != nil {
			t.Fatal(err)
		}
		f.Close()
	}
	if err := os.WriteFile(filepath.Join(dir, "collect.json"), []byte(`{"schema":"ostopo.collect/v1","hosts":[{"host":"netnode","status":"ok","snapshot":"netnode.json"}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestCloudCommand(t *testing.T) {
	dir := cloudDir(t, nil)
	code, stdout, stderr := runCLI(t, "cloud", "--replay-dir", dir)
	if code != 0 || stderr != "" {
		t.Fatalf("exit %d, stderr %q\n%s", code, stderr, stdout)
	}
	for _, want := range []string{
		"cloud: 4 node(s)",
		"  compute1  compute  ok", "  netnode   network  ok",
		// The mesh: compute2 and netnode2 share no network, so no tunnel
		// is needed between them.
		"            compute1  compute2  netnode  netnode2",
		"  compute2  ok        \\         ok       .",
		"  NO  no tunnel, while both nodes host ports of a tunnelled network",
		// netDVR: VNI 1715, a local VLAN per node, DHCP on netnode.
		"  698b8540  vxlan  1715     4         3         2        -         netnode",
		"  94cea846  ha      -         -         standby   active    netnode2",
		"PROBLEMS ACROSS NODES: none found",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("cloud lacks %q:\n%s", want, stdout)
		}
	}

	// Several --replay are the same cloud; --json holds the model.
	var args []string
	for _, h := range []string{"netnode", "netnode2", "compute1", "compute2"} {
		args = append(args, "--replay", filepath.Join(dir, h+".json"))
	}
	code, stdout, stderr = runCLI(t, append([]string{"cloud", "--json"}, args...)...)
	var out struct {
		Nodes []struct {
			Name  string   `json:"name"`
			Roles []string `json:"roles"`
		} `json:"nodes"`
		Mesh struct {
			Rows  []string `json:"rows"`
			Cells [][]struct {
				State string `json:"state"`
			} `json:"cells"`
		} `json:"mesh"`
		Problems []any                     `json:"problems"`
		Doctor   map[string]map[string]int `json:"doctor"`
	}
	if err := json.Unmarshal([]byte(stdout), &out); err != nil || code != 0 || stderr != "" {
		t.Fatalf("--json: exit %d, %v, stderr %q\n%.300s", code, err, stderr, stdout)
	}
	if len(out.Nodes) != 4 || out.Nodes[0].Name != "compute1" || len(out.Mesh.Cells) != 4 || out.Mesh.Cells[0][2].State != "ok" ||
		out.Problems == nil || len(out.Doctor) != 4 || out.Doctor["netnode"]["exit"] != 0 {
		t.Errorf("--json: %+v", out)
	}
}

// A host ostopo collect could not reach is named: it is not in the cloud.
func TestCloudNamesUncollectedHosts(t *testing.T) {
	dir := cloudDir(t, func(by map[string]*topo.Snapshot) { delete(by, "netnode2") })
	report := `{"schema":"ostopo.collect/v1","hosts":[{"host":"netnode","status":"ok"},{"host":"netnode2","status":"unreachable","message":"ssh: connect to host 10.20.0.12 port 22: Connection refused\u001b[2J"}]}`
	os.WriteFile(filepath.Join(dir, "collect.json"), []byte(report), 0o644)
	code, stdout, stderr := runCLI(t, "cloud", "--replay-dir", dir)
	want := `ostopo: warning: collect.json: host netnode2 was unreachable at collection (ssh: connect to host 10.20.0.12 port 22: Connection refused\x1b[2J): it is not in the cloud`
	if code != exitFail || strings.TrimSpace(stderr) != want {
		t.Errorf("exit %d, stderr %q, want %q", code, stderr, want)
	}
	if !strings.Contains(stdout, "WARNING tunnel-to-unknown-node: tunnel netnode -> 10.30.0.12 (netnode)") {
		t.Errorf("the tunnels to the missing node:\n%s", stdout)
	}
}

// Each break on one node shows in ostopo cloud and in ostopo doctor on
// the cloud, with the status each documents.
func TestCloudCommandFindsBreaks(t *testing.T) {
	haOnBoth := cloudDir(t, func(by map[string]*topo.Snapshot) {
		for i := range by["netnode"].Neutron.Routers {
			if r := &by["netnode"].Neutron.Routers[i]; r.Kind == "ha" {
				r.HARole, r.HAState = topo.HARoleActive, "primary"
			}
		}
	})
	unread := cloudDir(t, func(by map[string]*topo.Snapshot) {
		s := by["compute2"]
		for i := range s.Sources {
			if s.Sources[i].Name == "ovsdb" {
				s.Sources[i].OK, s.Sources[i].Error = false, "permission denied"
			}
		}
	})
	for _, tc := range []struct {
		args []string
		code int
		want []string
	}{
		{[]string{"cloud", "--replay-dir", haOnBoth}, exitFail, []string{"ERROR   router-active-on-two-nodes: router 94cea846", "netnode   network  problems(1)"}},
		{[]string{"doctor", "--replay-dir", haOnBoth}, 2, []string{"== netnode ==\n", "== across nodes ==\nPROBLEMS ACROSS NODES: 1\nERROR   router-active-on-two-nodes"}},
		{[]string{"cloud", "--replay-dir", unread}, exitUnknown, []string{"compute2  compute  unknown(1 unread)", "UNKNOWN ovsdb-not-read: node compute2", "compute2: not read: ovsdb: permission denied"}},
		{[]string{"doctor", "--replay-dir", unread}, exitUnknown, []string{"== compute2 ==\n", "NOT CHECKED ACROSS NODES: 1"}},
	} {
		code, stdout, stderr := runCLI(t, tc.args...)
		if code != tc.code {
			t.Errorf("%v: exit %d, want %d\n%s%s", tc.args[:1], code, tc.code, stderr, stdout)
		}
		for _, w := range tc.want {
			if !strings.Contains(stdout, w) {
				t.Errorf("%v: lacks %q:\n%s", tc.args[:2], w, stdout)
			}
		}
	}
}

// Bad input is one line naming the file, exit 2 (3 for doctor, as it
// says for bad input).
func TestCloudBadInput(t *testing.T) {
	dir := cloudDir(t, nil)
	bad := cloudDir(t, nil)
	os.WriteFile(filepath.Join(bad, "zz-broken.json"), []byte(`{"schema":`), 0o644)
	empty := t.TempDir()
	os.WriteFile(filepath.Join(empty, "collect.json"), []byte(`{}`), 0o644)
	os.WriteFile(filepath.Join(empty, "notes.txt"), []byte(`hi`), 0o644)
	net := filepath.Join(dir, "netnode.json")
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"cloud", "--replay-dir", bad}, exitUsage, "zz-broken.json: "},
		{[]string{"doctor", "--replay-dir", bad}, exitUnknown, "zz-broken.json: "},
		{[]string{"cloud", "--replay-dir", empty}, exitUsage, "no node snapshot in it"},
		{[]string{"cloud", "--replay-dir", filepath.Join(dir, "nope")}, exitUsage, "--replay-dir: open "},
		{[]string{"cloud", "--replay-dir", dir, "--replay", net}, exitUsage, net + " are both snapshots of host \"netnode\""},
		{[]string{"cloud", "--replay-dir", dir, "--max-input", "1KiB"}, exitUsage, "compute1.json: snapshot too large"},
		{[]string{"cloud", "--replay-dir", dir, "--demo"}, exitUsage, "--replay and --demo are two sources"},
		{[]string{"snapshot", "--replay-dir", dir}, exitUsage, "4 node snapshots given"},
	} {
		code, stdout, stderr := runCLI(t, tc.args...)
		if code != tc.code || !strings.Contains(stderr, tc.want) || strings.Count(strings.TrimSpace(stderr), "\n") != 0 || stdout != "" {
			t.Errorf("%v: exit %d, stdout %.40q, stderr %q; want %d and %q", tc.args, code, stdout, stderr, tc.code, tc.want)
		}
	}
}

// One --replay is the single node it always was; --replay-dir with one
// snapshot serves the commands of one node too.
func TestOneReplayIsOneNode(t *testing.T) {
	net := writeFixture(t, "net")
	one := t.TempDir()
	b, _ := os.ReadFile(net)
	os.WriteFile(filepath.Join(one, "netnode.json"), b, 0o644)
	code, stdout, stderr := runCLI(t, "doctor", "--replay", net)
	if code != 0 || stdout != "netnode: no problems found\n" || stderr != "" {
		t.Errorf("doctor --replay: exit %d %q %q", code, stdout, stderr)
	}
	_, single, _ := runCLI(t, "snapshot", "--replay", net)
	code, fromDir, stderr := runCLI(t, "snapshot", "--replay-dir", one)
	if code != 0 || fromDir != single || stderr != "" {
		t.Errorf("snapshot --replay-dir with one snapshot: exit %d, stderr %q, same output %v", code, stderr, fromDir == single)
	}
	// An empty --replay meant the live node and still does (here: no
	// node to read, but not "no such file").
	if _, _, stderr := runCLI(t, "cloud", "--replay", "", "--demo"); strings.Contains(stderr, "two sources") {
		t.Errorf("--replay '' --demo: %s", stderr)
	}
	code, stdout, stderr = runCLI(t, "cloud", "--demo")
	if code != 0 || !strings.Contains(stdout, "cloud: 1 node(s)") {
		t.Errorf("cloud --demo: exit %d %s %s", code, stderr, stdout)
	}
}

// The snapshots of a cloud together are bounded too (8 × --max-input):
// nine files each within the bound are refused once they pass it, on one
// line naming the budget, however the reads interleave.
func TestCloudBudget(t *testing.T) {
	data, err := os.ReadFile("../../fixtures/snapshots/net.json")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for i := range 9 {
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("n%d.json", i)), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	limit := fmt.Sprint(len(data) + len(data)/16)
	code, _, errOut := runCLI(t, "cloud", "--replay-dir", dir, "--max-input", limit)
	if code != exitUsage || !strings.Contains(errOut, "the snapshots together take more than") || strings.Count(strings.TrimSpace(errOut), "\n") != 0 {
		t.Errorf("exit %d: %q", code, errOut)
	}
	// Eight fit: the budget is not what stops them (two snapshots of one
	// host are).
	os.Remove(filepath.Join(dir, "n8.json"))
	if code, _, errOut = runCLI(t, "cloud", "--replay-dir", dir, "--max-input", limit); strings.Contains(errOut, "together") {
		t.Errorf("eight files within the budget: exit %d: %q", code, errOut)
	}
}
