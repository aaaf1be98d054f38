//go:build linux

package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/ostopo/ostopo/fixtures/lab"
	"github.com/ostopo/ostopo/fixtures/lab/labtest"
	"github.com/ostopo/ostopo/netinspect/topo"
)

// buildBinary builds ostopo once per test binary run.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(openDir(t), "ostopo")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// openDir is a temporary dir that an unprivileged user can use too
// (t.TempDir's parent is private to root).
func openDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "ostopo-test-")
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o777)
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// As an operator runs it on the node: ip netns exec <node> ostopo snapshot.
func TestSnapshotOnLabNode(t *testing.T) {
	spec := lab.AllInOne()
	l := labtest.Build(t, spec)
	bin := buildBinary(t)
	out := filepath.Join(t.TempDir(), "snap.json")
	args := append([]string{"netns", "exec", l.Node, bin, "snapshot", "-o", out}, l.OstopoFlags()...)
	cmd := exec.Command("ip", args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%v: %s", err, stderr.String())
	}
	if stderr.Len() > 0 {
		t.Errorf("warnings on a healthy node: %s", stderr.String())
	}
	snap := readSnap(t, out)
	if diffs := spec.Check(snap.Neutron); len(diffs) > 0 {
		t.Errorf("snapshot differs from the lab: %v", diffs)
	}
	if snap.Root() == nil || snap.Root().Link("eth4") == nil {
		t.Error("the namespace ostopo ran in is not the node's root")
	}
}

// Not root: the facts that need root are listed with the capability
// missing; what can be read is still written, exit 0.
func TestSnapshotNotRoot(t *testing.T) {
	l := labtest.Build(t, lab.ComputeNode())
	bin := buildBinary(t)
	out := filepath.Join(openDir(t), "snap.json")
	cmd := exec.Command(bin, append([]string{"snapshot", "-o", out, "--netns-dir", "/run/netns"}, l.OstopoFlags()[:4]...)...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("exit %v: %s", err, stderr.String())
	}
	msg := stderr.String()
	for _, want := range []string{"not running as root", "ovsdb was not read: connect to OVSDB unix:" + filepath.Join(l.Dir, "db.sock"), "permission denied"} {
		if !strings.Contains(msg, want) {
			t.Errorf("stderr lacks %q:\n%s", want, msg)
		}
	}
	if !strings.Contains(msg, "CAP_SYS_ADMIN") && !strings.Contains(msg, "run as root") {
		t.Errorf("stderr does not say which privilege is missing:\n%s", msg)
	}
	snap := readSnap(t, out)
	if s := snap.Source("netlink/(root)"); s == nil || !s.OK {
		t.Errorf("the own namespace was not read: %+v", s)
	}
}

// Not root, doctor cannot check what it could not read: exit 3 (UNKNOWN),
// the sources named, and never "no problems found" (it used to say that,
// exit 0, after "17 of 21 facts could not be read").
func TestDoctorNotRoot(t *testing.T) {
	l := labtest.Build(t, lab.ComputeNode())
	bin := buildBinary(t)
	cmd := exec.Command(bin, append([]string{"doctor", "--netns-dir", "/run/netns"}, l.OstopoFlags()[:4]...)...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 3 {
		t.Fatalf("exit %v, want 3:\n%s%s", err, stdout.String(), stderr.String())
	}
	out := stdout.String()
	if strings.Contains(out, "no problems found") || !strings.Contains(out, "could not run") || !strings.Contains(out, "ovsdb") {
		t.Errorf("doctor as nobody:\n%s", out)
	}
}

func readSnap(t *testing.T, path string) *topo.Snapshot {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	snap, err := topo.Decode(f)
	if err != nil {
		b, _ := os.ReadFile(path)
		var v any
		t.Fatalf("%v (valid JSON: %v)", err, json.Unmarshal(b, &v) == nil)
	}
	return snap
}

// ostopo trace on a live lab node asks the bridges (ofproto/trace), and a
// recording replays their verdicts.
func TestTraceVerifiedOnLabNode(t *testing.T) {
	spec := lab.AllInOne()
	l := labtest.Build(t, spec)
	bin := buildBinary(t)
	rec := filepath.Join(t.TempDir(), "rec.json")
	fip := spec.Routers[0].FIPs[0].Floating
	args := append([]string{"netns", "exec", l.Node, bin, "trace", fip, "--json", "--record", rec}, l.OstopoFlags()...)
	// As on a kolla node, where the OVS tools are only in a container, and
	// with no container runtime to reach them either: the flows come over
	// each bridge's management socket, the hops are verified over
	// ovs-vswitchd's control socket.
	cmd := exec.Command("ip", args...)
	cmd.Env = append(os.Environ(), "PATH="+pathWithout(t, "ovs-appctl", "ovs-ofctl", "docker", "podman"))
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	verdicts := func(b []byte) []string {
		var r struct {
			Complete bool
			Hops     []struct {
				Kind    string
				OFTrace *struct{ Verdict, DatapathActions string } `json:"oftrace"`
			}
		}
		if err := json.Unmarshal(b, &r); err != nil || !r.Complete {
			t.Fatalf("trace: %v complete=%v\n%s", err, r.Complete, b)
		}
		var v []string
		for _, h := range r.Hops {
			if h.OFTrace != nil {
				v = append(v, h.Kind+": "+h.OFTrace.Verdict)
			}
		}
		return v
	}
	live := verdicts(out)
	if len(live) != 3 {
		t.Fatalf("verified hops = %q, want the physical bridge, br-int (external) and br-int (qr-)", live)
	}
	for _, v := range live {
		if !strings.Contains(v, "forwards it") {
			t.Errorf("live verdict %q", v)
		}
	}
	replayed, err := exec.Command(bin, "trace", fip, "--json", "--replay", rec).Output()
	if err != nil {
		t.Fatal(err)
	}
	snap, err := readSnapshotFile(rec, 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	if src := snap.Source(topo.SourceOFTrace); src == nil || !src.OK || !strings.HasPrefix(src.Detail, "control socket ") {
		t.Errorf("how the bridges were asked: %+v", src)
	}
	for _, b := range snap.OVS.Bridges {
		src := snap.Source("openflow/" + b.Name)
		if src == nil || !src.OK || !strings.HasPrefix(src.Detail, "OpenFlow over "+l.RunDir()) || len(b.Flows) == 0 {
			t.Errorf("%s: %d flows, source %+v", b.Name, len(b.Flows), src)
		}
	}
	if got := verdicts(replayed); strings.Join(got, "|") != strings.Join(live, "|") {
		t.Errorf("replayed verdicts %q, live %q", got, live)
	}
}

// report -o /dev/stdout (as root) used to replace the system's /dev/stdout
// symlink with a regular file. It writes through it: into a pipe, and
// into the file a shell redirected standard output to.
func TestReportToDevStdout(t *testing.T) {
	bin := buildBinary(t)
	before, err := os.Lstat("/dev/stdout")
	if err != nil || before.Mode()&os.ModeSymlink == 0 {
		t.Skipf("/dev/stdout is not a symlink here: %v %v", before, err)
	}
	out, err := exec.Command(bin, "report", "--demo", "-o", "/dev/stdout", "--format", "dot").Output()
	if err != nil || !bytes.HasPrefix(out, []byte("digraph")) {
		t.Fatalf("through a pipe: %v, %.40q", err, out)
	}
	file := filepath.Join(t.TempDir(), "redirected.md")
	f, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "report", "--demo", "-o", "/dev/stdout", "--format", "md")
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = f, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("redirected: %v: %s", err, stderr.String())
	}
	f.Close()
	if b, _ := os.ReadFile(file); !bytes.HasPrefix(b, []byte("# ostopo report")) {
		t.Errorf("the redirected file holds %.40q", b)
	}
	if after, err := os.Lstat("/dev/stdout"); err != nil || after.Mode()&os.ModeSymlink == 0 {
		t.Errorf("/dev/stdout is no longer a symlink: %v %v", after.Mode(), err)
	}
}

// pathWithout is a PATH holding every program of the machine's but those
// named (links in a new directory).
func pathWithout(t *testing.T, hidden ...string) string {
	t.Helper()
	dir := t.TempDir()
	for _, d := range filepath.SplitList(os.Getenv("PATH")) {
		entries, _ := os.ReadDir(d)
		for _, e := range entries {
			if slices.Contains(hidden, e.Name()) {
				continue
			}
			os.Symlink(filepath.Join(d, e.Name()), filepath.Join(dir, e.Name())) // the first in PATH wins
		}
	}
	for _, h := range hidden {
		if _, err := os.Lstat(filepath.Join(dir, h)); err == nil {
			t.Fatalf("%s still on the PATH", h)
		}
	}
	return dir
}
