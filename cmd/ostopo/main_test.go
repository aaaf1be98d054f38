package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/ostopo/ostopo/fixtures"
	"github.com/ostopo/ostopo/fixtures/fixturetest"
	"github.com/ostopo/ostopo/netinspect/topo"
)

// runCLI runs ostopo in-process and returns exit code, stdout, stderr.
func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func writeFixture(t *testing.T, name string) string {
	t.Helper()
	b, err := fixtures.Raw(name)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), name+".json")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// demoFacts are addresses and ids of the demo (the aio fixture), read from
// it: a re-recording draws new ids, MACs and addresses, and the tests
// follow it rather than naming one recording's values.
type demoFacts struct {
	host         string
	fip, fixedIP string // a floating IP and the instance address behind it
	port         string // that instance's port id
	routerIP     string // its router's address on the instance's network
	routerPort   string // that router interface's port id
	dhcpIP       string // the DHCP port's address on the instance's network
	dhcpPort     string // that DHCP port's id
}

func loadDemoFacts(t *testing.T) demoFacts {
	t.Helper()
	s := fixturetest.Load(t, "aio")
	d := demoFacts{host: s.Host}
	n := &s.Neutron
	var netID string
	for _, r := range n.Routers {
		if len(r.FloatingIPs) == 0 {
			continue
		}
		f := r.FloatingIPs[0]
		d.fip, d.fixedIP, d.port = f.FloatingIP, f.FixedIP, f.PortID
		for _, p := range n.Ports {
			if p.ID == f.PortID {
				netID = p.NetworkID
			}
		}
		for _, i := range r.Interfaces {
			if i.NetworkID == netID && netID != "" && len(i.Addresses) > 0 {
				d.routerIP, _, _ = strings.Cut(i.Addresses[0], "/")
				d.routerPort = i.Port
			}
		}
		break
	}
	for _, p := range n.Ports {
		if p.Role == topo.RoleDHCP && p.NetworkID == netID && netID != "" && len(p.FixedIPs) > 0 {
			d.dhcpIP, _, _ = strings.Cut(p.FixedIPs[0], "/")
			d.dhcpPort = p.ID
		}
	}
	if d.host == "" || d.fip == "" || d.fixedIP == "" || len(d.port) < 36 || d.routerIP == "" || len(d.routerPort) < 36 || d.dhcpIP == "" || len(d.dhcpPort) < 36 {
		t.Fatalf("the demo lacks a floating IP with its instance port, router interface and DHCP port: %+v", d)
	}
	return d
}

func TestReplayWritesTheSnapshot(t *testing.T) {
	in := writeFixture(t, "aio")
	want, _ := os.ReadFile(in)
	code, stdout, stderr := runCLI(t, "snapshot", "--replay", in, "--pretty")
	if code != 0 || stderr != "" || stdout != string(want) {
		t.Fatalf("exit %d, stderr %q, --pretty stdout matches fixture: %v", code, stderr, stdout == string(want))
	}
	out := filepath.Join(t.TempDir(), "copy.json")
	if code, _, stderr := runCLI(t, "snapshot", "--replay", in, "-o", out); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	got, _ := os.ReadFile(out)
	a, err1 := topo.Decode(bytes.NewReader(got))
	b, err2 := topo.Decode(bytes.NewReader(want))
	if err1 != nil || err2 != nil || !reflect.DeepEqual(a, b) {
		t.Errorf("-o wrote a different snapshot (%v, %v)", err1, err2)
	}
}

// Bad input: one clear line naming what and where, exit 2 (the README's
// table), no output file left behind, and an existing output file
// untouched.
func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	good, _ := fixtures.Raw("aio")
	files := map[string][]byte{
		"truncated.json": good[:len(good)/3],
		"corrupt.json":   []byte("{\"schema\": \"ostopo.snapshot/v1\",,}"),
		"future.json":    []byte(`{"schema": "ostopo.snapshot/v2"}`),
	}
	for name, b := range files {
		os.WriteFile(filepath.Join(dir, name), b, 0o644)
	}
	existing := filepath.Join(dir, "existing.json")
	os.WriteFile(existing, []byte("keep me"), 0o644)
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"truncated snapshot", []string{"snapshot", "--replay", filepath.Join(dir, "truncated.json"), "-o", existing}, 2, "truncated.json: truncated snapshot"},
		{"corrupt snapshot", []string{"snapshot", "--replay", filepath.Join(dir, "corrupt.json"), "-o", filepath.Join(dir, "new.json")}, 2, "corrupt.json: corrupt snapshot: line 1"},
		{"unknown schema", []string{"snapshot", "--replay", filepath.Join(dir, "future.json")}, 2, `unsupported snapshot schema "ostopo.snapshot/v2"`},
		{"missing snapshot", []string{"snapshot", "--replay", filepath.Join(dir, "nope.json")}, 2, "open snapshot: open " + filepath.Join(dir, "nope.json") + ": no such file"},
		{"output dir missing", []string{"snapshot", "--replay", writeFixture(t, "cmp"), "-o", filepath.Join(dir, "no", "dir", "out.json")}, 1, "write " + filepath.Join(dir, "no", "dir", "out.json")},
		{"unknown flag", []string{"snapshot", "--frobnicate"}, 2, "ostopo snapshot: unknown flag: --frobnicate (see ostopo snapshot --help)"},
		{"unknown command", []string{"snapshots"}, 2, `ostopo: unknown command "snapshots"`},
		{"stray argument", []string{"snapshot", "extra"}, 2, `unexpected argument "extra"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, tt.args...)
			if code != tt.code || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit %d, stderr %q; want exit %d and %q", code, stderr, tt.code, tt.want)
			}
			if strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
				t.Errorf("error is not one line: %q", stderr)
			}
			if stdout != "" {
				t.Errorf("stdout = %q, want nothing", stdout)
			}
		})
	}
	if b, _ := os.ReadFile(existing); string(b) != "keep me" {
		t.Errorf("existing output file was changed to %q", b)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") || e.Name() == "new.json" {
			t.Errorf("left behind: %s", e.Name())
		}
	}
}

func TestHelp(t *testing.T) {
	code, stdout, _ := runCLI(t, "--help")
	if code != 0 || !strings.Contains(stdout, "  snapshot    read the node") || !strings.Contains(stdout, "Exit status:") {
		t.Errorf("--help: exit %d, %q", code, stdout)
	}
	code, stdout, _ = runCLI(t, "snapshot", "-h")
	if code != 0 || !strings.Contains(stdout, "-replay") || !strings.Contains(stdout, "-netns-dir") {
		t.Errorf("snapshot -h: exit %d, %q", code, stdout)
	}
}

// --demo is the aio recording (the real-Neutron lab's all-in-one node,
// host "aio"), whole.
func TestDemo(t *testing.T) {
	code, stdout, stderr := runCLI(t, "snapshot", "--demo")
	if code != 0 || stderr != "" {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	snap, err := topo.Decode(strings.NewReader(stdout))
	if err != nil || snap.Host != "aio" || len(snap.Neutron.Ports) == 0 {
		t.Fatalf("demo snapshot: host %q, %d ports, %v", snap.Host, len(snap.Neutron.Ports), err)
	}
	if !reflect.DeepEqual(snap, fixturetest.Load(t, "aio")) {
		t.Errorf("the demo snapshot is not the aio fixture")
	}
}

// -o to a device writes through it; it must never be replaced by a file.
func TestOutputToDevice(t *testing.T) {
	if code, _, stderr := runCLI(t, "snapshot", "--demo", "-o", os.DevNull); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	st, err := os.Stat(os.DevNull)
	if err != nil || st.Mode()&os.ModeCharDevice == 0 {
		t.Fatalf("%s is no longer a character device: %v %v", os.DevNull, st.Mode(), err)
	}
}

// ostopo trace: exit 0 for a complete path, 1 for a broken one, 2 for bad
// input; --json carries the fields scripts rely on.
func TestTraceCommand(t *testing.T) {
	good := writeFixture(t, "aio")
	bad := writeFixture(t, "bad")
	demo := loadDemoFacts(t)
	code, stdout, stderr := runCLI(t, "trace", demo.fip, "--replay", good)
	if code != 0 || !strings.Contains(stdout, "path complete") || !strings.Contains(stdout, "TTL −1") || !strings.Contains(stdout, "port "+demo.port) {
		t.Errorf("complete path: exit %d, %s%s", code, stdout, stderr)
	}
	code, stdout, _ = runCLI(t, "trace", "--replay", bad, "203.0.113.200")
	if code != 1 || !strings.Contains(stdout, "path BROKEN at hop 6 (router qrouter-") || !strings.Contains(stdout, "next:") {
		t.Errorf("broken path: exit %d, %s", code, stdout)
	}
	code, stdout, _ = runCLI(t, "trace", "203.0.113.200", "--replay", bad, "--json")
	var r struct {
		IP       string `json:"ip"`
		Complete bool   `json:"complete"`
		BrokenAt *int   `json:"broken_at"`
		Hops     []map[string]any
	}
	if err := json.Unmarshal([]byte(stdout), &r); err != nil || code != 1 || r.Complete || r.BrokenAt == nil || *r.BrokenAt != 5 {
		t.Fatalf("--json: exit %d, %v, %+v", code, err, r)
	}
	for _, k := range []string{"kind", "evidence", "ok"} {
		if _, ok := r.Hops[0][k]; !ok {
			t.Errorf("hop lacks %q: %v", k, r.Hops[0])
		}
	}
	for _, in := range [][]string{{"trace", "10.9.9.9", "--replay", good}, {"trace", "bogus", "--replay", good}, {"trace", "--replay", good}} {
		if code, _, stderr := runCLI(t, in...); code != 2 || stderr == "" {
			t.Errorf("%v: exit %d, stderr %q; want 2 and a message", in, code, stderr)
		}
	}
}

// The repair's plan works on a replay (nothing to change there); changing
// needs the live node.
func TestFixCommandOnReplay(t *testing.T) {
	bad := writeFixture(t, "bad")
	code, out, errOut := runCLI(t, "fix", "default-route", "--replay", bad, "--gateway", "10.20.0.1")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{
		"finding: default via 203.0.113.1 dev eth4, but eth4 is a port of br-ex",
		"management NIC candidates: eth1 (10.20.0.11/24)",
		"equivalent command:\n  ip route replace default via 10.20.0.1 dev eth1\n",
		"· gateway answers: not checked",
		"nothing changed (plan only)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("plan lacks %q:\n%s", want, out)
		}
	}
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"fix", "default-route", "--replay", bad, "--gateway", "10.20.0.1", "--apply"}, exitUsage, "--apply works on the live node"},
		{[]string{"fix", "default-route", "--replay", bad}, exitUsage, `gateway "" is not an IPv4 address`},
		{[]string{"fix", "default-route", "--replay", bad, "--gateway", "192.0.2.1"}, exitFail, "a pre-check failed: nothing changed"},
		{[]string{"fix", "default-route", "--replay", bad, "--gateway", "10.20.0.1", "--apply", "--readonly"}, exitFail, "--readonly: refusing"},
		{[]string{"fix", "reboot"}, exitUsage, `unknown fix "reboot"`},
		{[]string{"fix"}, exitUsage, "want default-route or rollback"},
		{[]string{"fix", "rollback", "--state-dir", t.TempDir()}, exitFail, "nothing to roll back: no journal in"},
	} {
		code, _, errOut := runCLI(t, tc.args...)
		if len(tc.args) > 1 && tc.args[1] == "rollback" && os.Geteuid() != 0 { // refused before it reads anything
			tc.code, tc.want = exitUsage, "needs root"
		}
		if code != tc.code || !strings.Contains(errOut, tc.want) || strings.Count(strings.TrimSpace(errOut), "\n") != 0 {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q on one line", tc.args, code, errOut, tc.code, tc.want)
		}
	}
}

func TestReportAndDiffCommands(t *testing.T) {
	aio, bad := writeFixture(t, "aio"), writeFixture(t, "bad")
	dir := t.TempDir()
	for _, f := range []string{"html", "md", "svg", "dot", "json"} {
		out := filepath.Join(dir, "r."+f)
		if code, _, errOut := runCLI(t, "report", "--replay", aio, "-o", out); code != 0 {
			t.Fatalf("%s: exit %d: %s", f, code, errOut)
		}
		if st, err := os.Stat(out); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
	if code, _, _ := runCLI(t, "diff", aio, filepath.Join(dir, "r.json")); code != 0 {
		t.Error("the json report is not the snapshot itself")
	}
	code, out, _ := runCLI(t, "diff", aio, bad)
	if code != 1 || !strings.Contains(out, "objects changed") {
		t.Errorf("diff of two nodes: exit %d\n%s", code, out)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"report", "--replay", aio}, "want -o FILE"},
		{[]string{"report", "--replay", aio, "-o", filepath.Join(dir, "r.txt"), "--format", "svg"}, ""},
		{[]string{"report", "--replay", aio, "-o", filepath.Join(dir, "r.pdf")}, `unknown format "pdf"`},
		{[]string{"diff"}, "want OLD [NEW]: one or two snapshot files (got 0)"},
		{[]string{"diff", aio, filepath.Join(dir, "r.md")}, "r.md"},
		{[]string{"diff", "--bogus", aio, bad}, "unknown flag: --bogus"},
	} {
		code, _, errOut := runCLI(t, tc.args...)
		if tc.want == "" { // --format overrides the extension
			if code != 0 {
				t.Errorf("%v: exit %d: %s", tc.args, code, errOut)
			}
			continue
		}
		if code != exitUsage || !strings.Contains(errOut, tc.want) || strings.Count(strings.TrimSpace(errOut), "\n") != 0 {
			t.Errorf("%v: exit %d, %q; want 2 and %q on one line", tc.args, code, errOut, tc.want)
		}
	}
	code, _, errOut := runCLI(t, "report", "--replay", filepath.Join(dir, "none.json"), "-o", filepath.Join(dir, "x.html"))
	if code == 0 || !strings.Contains(errOut, "none.json") {
		t.Errorf("missing snapshot: exit %d: %s", code, errOut)
	}
	if _, err := os.Stat(filepath.Join(dir, "x.html")); err == nil {
		t.Error("a failed report left a file")
	}
}
