//go:build linux

package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ostopo/ostopo/fixtures/sshlab"
	"github.com/ostopo/ostopo/netinspect/fleet"
)

// collectLab is four nodes on a management network in namespaces: sshd
// on n1 (control) and n2 (network), none on n3 (compute), and n4
// (compute) with sshd but ostopo_flags that ostopo snapshot refuses; and a
// deployer namespace that runs ostopo collect with a kolla-shaped
// inventory.
type collectLab struct {
	bin, inventory, sshConfig, remoteDir, home, empty string
	deployer                                          sshlab.Machine
	nodes                                             map[string]sshlab.Machine
}

func newCollectLab(t *testing.T) *collectLab {
	t.Helper()
	if err := sshlab.Preflight(); err != nil {
		t.Skipf("no sshd lab: %v", err)
	}
	ctx := context.Background()
	n, err := sshlab.NewNet(ctx, fmt.Sprintf("oc%d", os.Getpid()%100000), []string{"n1", "n2", "n3", "n4", "dep"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := n.Close(context.Background()); err != nil {
			t.Error(err)
		}
	})
	var servers []*sshlab.Server
	for _, name := range []string{"n1", "n2", "n4"} {
		m := n.Machines[name]
		s, err := sshlab.Start(ctx, t.TempDir(), m.Enter(), m.Addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Stop() })
		servers = append(servers, s)
	}
	l := &collectLab{bin: buildBinary(t), deployer: n.Machines["dep"], nodes: n.Machines,
		remoteDir: t.TempDir(), home: t.TempDir(), empty: t.TempDir()}
	l.sshConfig = filepath.Join(t.TempDir(), "ssh_config")
	if err := sshlab.WriteClientConfig(l.sshConfig, servers...); err != nil {
		t.Fatal(err)
	}
	// kolla-ansible's shape; ostopo_flags point the snapshot at an OVSDB
	// socket that is not there and an empty namespace directory, so the
	// snapshots show that the flags reached ostopo on each node.
	inv := fmt.Sprintf(`# kolla-ansible multinode, three nodes
[control]
n1 ansible_host=%s

[network]
n2 ansible_host=%s

[compute]
n3 ansible_host=%s
n4 ansible_host=%s ostopo_flags=--no-such-flag

[monitoring]
n1

[deployment]
localhost ansible_connection=local

[all:vars]
ansible_user=root
ostopo_flags="--netns-dir %s --ovsdb unix:%s/none.sock"

[neutron:children]
network

[openvswitch:children]
network
compute
`, n.Machines["n1"].Addr, n.Machines["n2"].Addr, n.Machines["n3"].Addr, n.Machines["n4"].Addr, l.empty, l.empty)
	l.inventory = filepath.Join(t.TempDir(), "multinode")
	if err := os.WriteFile(l.inventory, []byte(inv), 0o644); err != nil {
		t.Fatal(err)
	}
	return l
}

// collect runs ostopo collect in the deployer's namespace.
func (l *collectLab) collect(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	argv := append(append(l.deployer.Enter(), l.bin, "collect", "--ssh-config", l.sshConfig, "--remote-dir", l.remoteDir), args...)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(),
		"HOME="+l.home,
		// Ansible's own files stay in the test's directories.
		"ANSIBLE_LOCAL_TEMP="+filepath.Join(l.home, "local"),
		"ANSIBLE_REMOTE_TMP="+filepath.Join(l.home, "remote"),
		// No ssh master lingering in the namespace after the test.
		"ANSIBLE_SSH_ARGS=-o ControlMaster=no",
		"ANSIBLE_PYTHON_INTERPRETER=auto_silent",
	)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if err != nil {
		ee, ok := err.(*exec.ExitError)
		if !ok {
			t.Fatal(err)
		}
		code = ee.ExitCode()
	}
	return code, stdout.String(), stderr.String()
}

// check asserts the outcome every way of collecting must reach: the two
// nodes with sshd collected (valid snapshots), the third unreachable with
// ssh's reason, the fourth (when names has it) failed with ostopo's,
// exit 1.
func (l *collectLab) check(t *testing.T, via string, code int, stdout, stderr, dir string, names map[string]string) {
	t.Helper()
	t.Logf("ostopo collect via %s: exit %d\nstdout: %s\nstderr: %s", via, code, stdout, stderr)
	if code != exitFail {
		t.Errorf("exit %d, want %d (some hosts unreachable)\nstdout: %s\nstderr: %s", code, exitFail, stdout, stderr)
	}
	rep, err := fleet.ReadReport(filepath.Join(dir, fleet.ReportFile))
	if err != nil {
		t.Fatalf("%v\nstderr: %s", err, stderr)
	}
	if rep.Via != via {
		t.Errorf("via %q, want %q", rep.Via, via)
	}
	byHost := map[string]fleet.Result{}
	for _, r := range rep.Hosts {
		byHost[r.Host] = r
	}
	for _, node := range []string{"n1", "n2"} {
		name := names[node]
		r := byHost[name]
		if r.Status != fleet.StatusOK || r.Snapshot != name+".json" || r.Address != l.nodes[node].Addr {
			t.Errorf("%s: %+v, want ok with %s.json\nstderr: %s", name, r, name, stderr)
			continue
		}
		snap, err := readSnapshotFile(filepath.Join(dir, r.Snapshot), 128<<20)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if root := snap.Root(); root == nil || root.Link("eth0") == nil {
			t.Errorf("%s: the snapshot does not hold the node's eth0", name)
		}
		if !strings.Contains(stderr, "ostopo collect: "+name+" ok (") {
			t.Errorf("no progress line for %s: %s", name, stderr)
		}
	}
	dark := byHost[names["n3"]]
	if dark.Status != fleet.StatusUnreachable || !strings.Contains(dark.Message, "Connection refused") || dark.Snapshot != "" {
		t.Errorf("n3: %+v, want unreachable, connection refused", dark)
	}
	if !strings.Contains(stderr, "ostopo collect: "+names["n3"]+" unreachable (") {
		t.Errorf("no progress line for the unreachable host: %s", stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, names["n3"]+".json")); err == nil {
		t.Error("a snapshot file for the unreachable host")
	}
	total := 3
	if bad, ok := names["n4"]; ok {
		total = 4
		r := byHost[bad]
		if r.Status != fleet.StatusFailed || !strings.Contains(r.Message, "unknown flag: --no-such-flag") || r.Snapshot != "" {
			t.Errorf("n4: %+v, want failed: unknown flag", r)
		}
		if !strings.Contains(stderr, "ostopo collect: "+bad+" failed (") {
			t.Errorf("no progress line for the failed host: %s", stderr)
		}
		if _, err := os.Stat(filepath.Join(dir, bad+".json")); err == nil {
			t.Error("a snapshot file for the failed host")
		}
	}
	if !strings.Contains(stdout, fmt.Sprintf("collected 2 of %d hosts", total)) {
		t.Errorf("summary: %q", stdout)
	}
	// Nothing half-done is left in the directory.
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			t.Errorf("left in the directory: %s", e.Name())
		}
	}
}

// The snapshots honour ostopo_flags: OVSDB was read at the inventory's
// socket (absent, so unread, with the reason).
func checkFlagsReached(t *testing.T, dir, host, empty string) {
	t.Helper()
	snap, err := readSnapshotFile(filepath.Join(dir, host+".json"), 128<<20)
	if err != nil {
		t.Fatal(err)
	}
	src := snap.Source("ovsdb")
	if src == nil || src.OK || !strings.Contains(src.Error, empty+"/none.sock") {
		t.Errorf("%s: ovsdb source %+v: ostopo_flags' --ovsdb did not reach the node", host, src)
	}
}

func TestCollectThroughAnsible(t *testing.T) {
	if _, err := exec.LookPath("ansible-playbook"); err != nil {
		t.Skip("ansible-playbook is not installed (ansible-core)")
	}
	l := newCollectLab(t)
	dir := t.TempDir()
	// An earlier run's snapshot of the host that is now unreachable.
	if err := os.WriteFile(filepath.Join(dir, "n3.json"), []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := l.collect(t, "-i", l.inventory, "-o", dir, "--forks", "3")
	names := map[string]string{"n1": "n1", "n2": "n2", "n3": "n3", "n4": "n4"}
	l.check(t, "ansible", code, stdout, stderr, dir, names)
	checkFlagsReached(t, dir, "n1", l.empty)
	if _, err := os.Stat(filepath.Join(dir, "n3.json.stale")); err != nil {
		t.Errorf("the earlier run's n3.json was not set aside: %v", err)
	}
	// The binary went to one directory named after its checksum, and the
	// remote snapshot files are gone.
	dirs, _ := filepath.Glob(filepath.Join(l.remoteDir, "ostopo-*", "ostopo"))
	if len(dirs) != 1 {
		t.Errorf("remote binaries: %v, want one", dirs)
	}
	left, _ := filepath.Glob("/tmp/ansible.*.ostopo.json")
	if len(left) > 0 {
		t.Errorf("snapshots left on the nodes: %v", left)
	}

	// --limit passes through: only the compute nodes, one unreachable,
	// one failing: exit 3.
	dir2 := t.TempDir()
	code, stdout, stderr = l.collect(t, "-i", l.inventory, "-o", dir2, "--limit", "compute")
	if code != exitNoneCollected {
		t.Errorf("--limit compute: exit %d, want %d\n%s%s", code, exitNoneCollected, stdout, stderr)
	}
	rep, err := fleet.ReadReport(filepath.Join(dir2, fleet.ReportFile))
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Hosts) != 2 || rep.Hosts[0].Host != "n3" || rep.Hosts[0].Status != fleet.StatusUnreachable ||
		rep.Hosts[1].Host != "n4" || rep.Hosts[1].Status != fleet.StatusFailed || rep.Limit != "compute" {
		t.Errorf("--limit compute: %+v", rep)
	}
}

func TestCollectThroughSSH(t *testing.T) {
	l := newCollectLab(t)
	// The inventory's hosts, through ssh instead of Ansible.
	dir := t.TempDir()
	code, stdout, stderr := l.collect(t, "-i", l.inventory, "-o", dir, "--via", "ssh")
	l.check(t, "ssh", code, stdout, stderr, dir, map[string]string{"n1": "n1", "n2": "n2", "n3": "n3", "n4": "n4"})
	checkFlagsReached(t, dir, "n2", l.empty)

	// --ssh: hosts by address, no inventory; a global flag reaches every
	// node.
	dir2 := t.TempDir()
	addr := func(n string) string { return l.nodes[n].Addr }
	code, stdout, stderr = l.collect(t, "--ssh", "root@"+addr("n1")+","+addr("n2")+":22,"+addr("n3"), "-o", dir2,
		"--netns-dir", l.empty, "--ovsdb", "unix:"+l.empty+"/none.sock", "--forks", "1")
	l.check(t, "ssh", code, stdout, stderr, dir2, map[string]string{"n1": addr("n1"), "n2": addr("n2"), "n3": addr("n3")})
	checkFlagsReached(t, dir2, addr("n1"), l.empty)
}
