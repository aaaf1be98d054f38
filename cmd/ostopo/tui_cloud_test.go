package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ostopo/ostopo/fixtures/fixturetest"
	"github.com/ostopo/ostopo/fixtures/hostile"
	"github.com/ostopo/ostopo/netinspect/topo"
)

// tuiCloudDir writes the recorded lab cloud's four node snapshots into a
// directory, as ostopo collect leaves them, each through edit when given.
func tuiCloudDir(t *testing.T, edit func(*topo.Snapshot) *topo.Snapshot) string {
	t.Helper()
	dir := t.TempDir()
	for _, name := range []string{"net", "net2", "cmp", "cmp-ovsfw"} {
		s := fixturetest.Load(t, name)
		if edit != nil {
			s = edit(s)
		}
		f, err := os.Create(filepath.Join(dir, name+".json"))
		if err != nil {
			t.Fatal(err)
		}
		if err := topo.Encode(f, s); err != nil {
			t.Fatal(err)
		}
		f.Close()
	}
	return dir
}

// --plain on a cloud prints its Nodes view (the node table, then the
// tunnel mesh with its key and legend) by default and with --view nodes;
// another view is each node's under a line naming the node.
func TestPlainCloud(t *testing.T) {
	dir := tuiCloudDir(t, nil)
	for _, args := range [][]string{{"--plain", "--replay-dir", dir}, {"--plain", "--view", "nodes", "--replay-dir", dir}} {
		code, out, stderr := runCLI(t, args...)
		if code != 0 || stderr != "" {
			t.Fatalf("%v: exit %d, %q", args, code, stderr)
		}
		for _, want := range []string{
			"NODE         ROLES    HEALTH  PORTS  INST  RTR  DHCP  TUN  LOCAL IP",
			"all 4 nodes  -        ok         30     7    6     5   10  -",
			"compute1     compute  ok          6     4    1     0    3  10.30.0.21",
			"TUNNEL MESH (what the row node has towards the column)",
			"            1   2   3   4",
			"2 compute2  ok  \\   ok  .",
			"  3    netnode",
			"  NO   no tunnel, while both nodes host ports of a tunnelled network",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("%v: lacks %q:\n%s", args, want, out)
			}
		}
	}
	code, out, _ := runCLI(t, "--plain", "--view", "ports", "--replay-dir", dir)
	if code != 0 || !strings.Contains(out, "== node compute1 (compute) ==\nPORT ") || !strings.Contains(out, "== node netnode2 (network) ==") {
		t.Errorf("--view ports: exit %d:\n%s", code, out)
	}
	code, out, _ = runCLI(t, "--plain", "--view", "problems", "--replay-dir", dir)
	if code != 0 || !strings.HasPrefix(out, "PROBLEMS ACROSS NODES: none found") {
		t.Errorf("--view problems: exit %d:\n%s", code, out)
	}
	code, out, _ = runCLI(t, "--plain", "--view", "mesh", "--replay", filepath.Join(dir, "cmp.json"), "--replay", filepath.Join(dir, "net.json"))
	if code != 0 || !strings.HasPrefix(out, "TUNNEL MESH") || !strings.Contains(out, "1 compute1  \\   ok") {
		t.Errorf("--view mesh of two --replay: exit %d:\n%s", code, out)
	}
	// One snapshot has a Nodes view of one node.
	code, out, _ = runCLI(t, "--plain", "--view", "nodes", "--replay", filepath.Join(dir, "cmp.json"))
	if code != 0 || !strings.Contains(out, "all 1 nodes") || !strings.Contains(out, "compute1 ") {
		t.Errorf("--view nodes of one snapshot: exit %d:\n%s", code, out)
	}
	if code, _, stderr := runCLI(t, "--plain", "--view", "nosuch", "--replay-dir", dir); code != exitUsage || !strings.Contains(stderr, "nodes, mesh") {
		t.Errorf("an unknown view: exit %d, %q", code, stderr)
	}
}

// Node names holding escape sequences reach standard output escaped.
func TestPlainCloudHostile(t *testing.T) {
	dir := tuiCloudDir(t, hostile.Names)
	for _, view := range []string{"nodes", "mesh", "topology", "ports", "problems"} {
		code, out, stderr := runCLI(t, "--plain", "--view", view, "--replay-dir", dir)
		if code != 0 {
			t.Fatalf("%s: exit %d, %q", view, code, stderr)
		}
		hostile.CheckTerminal(t, view, []byte(out))
		hostile.CheckTerminal(t, view+" (stderr)", []byte(stderr))
		if !strings.Contains(out, `compute1\x1b]0;pwned`) {
			t.Errorf("%s: the node's name is not shown escaped:\n%s", view, out)
		}
	}
}
