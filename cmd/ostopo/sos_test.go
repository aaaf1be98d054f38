package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ostopo/ostopo/netinspect/topo"
)

// realSOS is a real sos 4.0 report of the real-Neutron lab's compute node
// (fixtures/sos).
const realSOS = "../../fixtures/sos/compute1-sos4.0"

// --sos and --from-dir are sources like --replay for every command.
func TestSOSSource(t *testing.T) {
	code, stdout, stderr := runCLI(t, "snapshot", "--sos", realSOS)
	if code != 0 {
		t.Fatalf("snapshot --sos: exit %d, %s", code, stderr)
	}
	snap, err := topo.Decode(strings.NewReader(stdout))
	if err != nil {
		t.Fatal(err)
	}
	if snap.Host != "compute1" || len(snap.Neutron.Ports) == 0 {
		t.Errorf("host %q, %d ports", snap.Host, len(snap.Neutron.Ports))
	}
	// What sos 4.0 does not collect is one warning per kind of fact, not
	// one per namespace.
	if !strings.Contains(stderr, "sysctl/ of 2 namespaces") || strings.Count(stderr, "sysctl/") != 1 {
		t.Errorf("warnings: %s", stderr)
	}
	// trace: a hop whose facts sos did not collect is unknown (3), one it
	// did is complete.
	if code, out, _ := runCLI(t, "trace", "10.1.0.11", "--sos", realSOS); code != 0 || !strings.Contains(out, "path complete") {
		t.Errorf("trace of an instance: exit %d\n%s", code, out)
	}
	if code, out, _ := runCLI(t, "trace", "10.4.0.17", "--sos", realSOS); code != exitUnknown || !strings.Contains(out, "sysctl/") {
		t.Errorf("trace through a router whose ip_forward sos 4.0 did not collect: exit %d\n%s", code, out)
	}
	if code, out, _ := runCLI(t, "doctor", "--sos", realSOS); code != exitUnknown || !strings.Contains(out, "not read: sysctl/") {
		t.Errorf("doctor: exit %d\n%s", code, out)
	}
	if code, out, _ := runCLI(t, "--plain", "--view", "ports", "--sos", realSOS); code != 0 || !strings.Contains(out, "qvo5e3b2f09-fc") {
		t.Errorf("the ports view: exit %d\n%s", code, out)
	}
	// The live snapshot of the node and its report differ in nothing sos
	// collected; what it did not is not compared (not "removed").
	for _, node := range []string{"compute1", "netnode"} {
		report := filepath.Join(realSOS, "..", node+"-sos4.0")
		live := filepath.Join(realSOS, "..", node+"-live.json")
		if code, out, _ := runCLI(t, "diff", live, "--sos", report); code != 0 || !strings.Contains(out, "no changes") || !strings.Contains(out, "not compared: what rests on") {
			t.Errorf("diff of %s's live snapshot and its report: exit %d\n%s", node, code, out)
		}
	}
	// A folder of outputs.
	dir := t.TempDir()
	for name, p := range map[string]string{
		"show.txt": "sos_commands/openvswitch/ovs-vsctl_-t_5_show",
		"ip a":     "sos_commands/networking/ip_-d_address",
		"routes":   "sos_commands/networking/ip_route_show_table_all",
	} {
		b, err := os.ReadFile(filepath.Join(realSOS, p))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, name), b, 0o644)
	}
	if code, out, stderr := runCLI(t, "--plain", "--view", "topology", "--from-dir", dir); code != 0 || !strings.Contains(out, "br-int") || !strings.Contains(stderr, "openflow/") {
		t.Errorf("--from-dir: exit %d\n%s\n%s", code, out, stderr)
	}
}

// Bad input is one line naming it, exit 2 (3 for doctor); two sources
// are refused.
func TestSOSBadInput(t *testing.T) {
	dir := t.TempDir()
	notes := filepath.Join(dir, "notes.txt")
	os.WriteFile(notes, []byte("hello\n"), 0o644)
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"snapshot", "--sos", filepath.Join(dir, "nosuch.tar.xz")}, exitUsage, "nosuch.tar.xz"},
		{[]string{"snapshot", "--sos", notes}, exitUsage, "not a sosreport archive"},
		{[]string{"snapshot", "--sos", dir}, exitUsage, "--from-dir"},
		{[]string{"doctor", "--from-dir", dir}, exitUnknown, "holds nothing ostopo reads"},
		{[]string{"snapshot", "--from-dir", notes}, exitUsage, "not a directory"},
		{[]string{"snapshot", "--sos", realSOS, "--demo"}, exitUsage, "--demo and --sos are 2 sources: give one"},
		{[]string{"snapshot", "--sos", realSOS, "--from-dir", dir}, exitUsage, "give one"},
		{[]string{"snapshot", "--from-dir", dir, "--replay", notes}, exitUsage, "give one"},
		{[]string{"snapshot", "--sos", realSOS, "--max-input", "64KiB"}, exitUsage, "--max-input"},
	} {
		code, stdout, stderr := runCLI(t, tc.args...)
		if code != tc.code || !strings.Contains(stderr, tc.want) || strings.Count(strings.TrimSpace(stderr), "\n") > 0 || stdout != "" {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", tc.args, code, stderr, tc.code, tc.want)
		}
	}
}

// The TUI takes --sos as its source, read once like a replay.
func TestSOSSourceForTheTUI(t *testing.T) {
	a := &app{}
	a.g.sos = realSOS
	a.g.maxInput = topo.DefaultMaxBytes
	src, note := chooseSource(a)
	if _, ok := src.(importSource); !ok || note != "" || src.Live() || src.Describe() != realSOS {
		t.Fatalf("chooseSource: %T %q", src, note)
	}
	snap, err := src.Snapshot(t.Context())
	if err != nil || snap.Host != "compute1" {
		t.Fatalf("Snapshot: %v, %v", snap, err)
	}
}
