//go:build linux

package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/ostopo/ostopo/fixtures/lab"
	"github.com/ostopo/ostopo/fixtures/lab/labtest"
	"github.com/ostopo/ostopo/netinspect/cloudfix"
	"github.com/ostopo/ostopo/netinspect/fleet"
	"github.com/ostopo/ostopo/netinspect/topo"
)

// netnsTransport reaches lab nodes with `ip netns exec NODE`: the real
// ostopo binary in its remote-confirmation mode on a real node namespace,
// without sshd (the lab with sshd is the lead's). newConnectionsFail makes
// every Run after the node's change fail, as a node cut off by its new
// route would.
type netnsTransport struct {
	bin                string
	newConnectionsFail atomic.Bool
}

func (t *netnsTransport) Start(ctx context.Context, node string, argv []string) (*cloudfix.Session, error) {
	cmd := exec.CommandContext(ctx, "ip", append([]string{"netns", "exec", node}, argv...)...)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	return &cloudfix.Session{Stdin: stdin, Stdout: stdout, Stderr: stderr, Wait: cmd.Wait}, nil
}

func (t *netnsTransport) Run(ctx context.Context, node string, argv []string) ([]byte, error) {
	if t.newConnectionsFail.Load() {
		return nil, cloudfix.Unreachable(errors.New("ssh: connect to host " + node + " port 22: Connection timed out"))
	}
	return exec.CommandContext(ctx, "ip", append([]string{"netns", "exec", node}, argv...)...).Output()
}

func (t *netnsTransport) Put(context.Context, string, string) (string, error) { return t.bin, nil }

// The cloud-wide repair on a lab node, through the real binary's
// confirmation over the connection: confirmed when a new connection reads
// the planned route; rolled back at once when it cannot; and a node whose
// connection died (hangup, broken pipes, silent input) rolls back by
// itself at its timeout. The node's routes are checked between the steps:
// never without a default route.
func TestFixCloudOnLabNode(t *testing.T) {
	l := labtest.Build(t, lab.AllInOne())
	if err := l.Inject(context.Background(), lab.Fault{Kind: lab.FaultDefaultViaEth4}); err != nil {
		t.Fatal(err)
	}
	bin := buildBinary(t)
	routes := func() []string {
		out, err := exec.Command("ip", "-n", l.Node, "-4", "route", "show", "table", "main", "default").Output()
		if err != nil {
			t.Fatalf("ip route: %v", err)
		}
		var lines []string
		for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			if line = strings.TrimSpace(line); line != "" {
				lines = append(lines, line)
			}
		}
		return lines
	}
	broken := []string{"default via 203.0.113.1 dev eth4"}
	fixed := []string{"default via 10.20.0.1 dev eth1 proto static"}
	if got := routes(); !slices.Equal(got, broken) {
		t.Fatalf("the lab is not in the broken state: %q", got)
	}
	reset := func(t *testing.T) {
		t.Cleanup(func() {
			if !slices.Equal(routes(), broken) {
				exec.Command("ip", "-n", l.Node, "route", "del", "default").Run()
				exec.Command("ip", "-n", l.Node, "route", "add", "default", "via", "203.0.113.1", "dev", "eth4").Run()
			}
		})
	}
	journalState := func(t *testing.T, dir string) string {
		t.Helper()
		var j struct{ State string }
		b, err := os.ReadFile(filepath.Join(dir, "default-route.journal.json"))
		if err == nil {
			err = json.Unmarshal(b, &j)
		}
		if err != nil {
			t.Fatalf("journal: %v", err)
		}
		return j.State
	}
	snapshot := func(t *testing.T) *topo.Snapshot {
		out, err := exec.Command("ip", append([]string{"netns", "exec", l.Node, bin, "snapshot"}, l.OstopoFlags()...)...).Output()
		if err != nil {
			t.Fatalf("snapshot: %v", err)
		}
		s, err := topo.DecodeLimit(bytes.NewReader(out), topo.DefaultMaxBytes)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	run := func(t *testing.T, tr *netnsTransport, stateDir string, obs cloudfix.Observer) *cloudfix.Summary {
		t.Helper()
		nodes := []cloudfix.Node{{Name: l.Node, Snapshot: snapshot(t)}}
		o := cloudfix.Options{Gateway: "10.20.0.1", Dev: "eth1", Apply: true, LocalBinary: bin, ConfirmTimeout: 20 * time.Second,
			RemoteStateDir: stateDir, RemoteFlags: func(string) []string { return l.OstopoFlags() }}
		s, err := cloudfix.Run(context.Background(), nodes, tr, o, obs)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}

	t.Run("confirmed over the connection", func(t *testing.T) {
		reset(t)
		dir := t.TempDir()
		var steps []string
		s := run(t, &netnsTransport{bin: bin}, dir, func(ev cloudfix.Event) {
			steps = append(steps, string(ev.Step)+" "+strings.Join(routes(), "; "))
		})
		n := s.Nodes[0]
		if n.State != cloudfix.StateChanged || !n.Canary || n.Now != fixed[0] || !s.OK() {
			t.Fatalf("%+v\n%s", n, s.Text())
		}
		want := []string{"start " + broken[0], "applied " + fixed[0], "confirmed " + fixed[0]}
		if !slices.Equal(steps, want) {
			t.Errorf("steps %q, want %q", steps, want)
		}
		if got := routes(); !slices.Equal(got, fixed) {
			t.Errorf("routes %q", got)
		}
		if st := journalState(t, dir); st != "confirmed" {
			t.Errorf("journal %q", st)
		}
		// The node's own rollback works on the journal the run left there.
		if out, err := exec.Command("ip", append([]string{"netns", "exec", l.Node, bin, "fix", "rollback", "--state-dir", dir}, l.OstopoFlags()...)...).CombinedOutput(); err != nil {
			t.Fatalf("rollback: %v: %s", err, out)
		}
		if got := routes(); !slices.Equal(got, broken) {
			t.Errorf("after rollback %q", got)
		}
	})

	t.Run("cut off: not confirmed, rolled back at once", func(t *testing.T) {
		reset(t)
		dir := t.TempDir()
		tr := &netnsTransport{bin: bin}
		var steps []string
		start := time.Now()
		s := run(t, tr, dir, func(ev cloudfix.Event) {
			if ev.Step == cloudfix.StepApplied {
				tr.newConnectionsFail.Store(true)
			}
			steps = append(steps, string(ev.Step)+" "+strings.Join(routes(), "; "))
		})
		tr.newConnectionsFail.Store(false)
		n := s.Nodes[0]
		if n.State != cloudfix.StateRolledBack || !strings.Contains(n.Why, "did not answer a new connection") || s.OK() {
			t.Fatalf("%+v\n%s", n, s.Text())
		}
		if d := time.Since(start); d > 15*time.Second {
			t.Errorf("took %v: the end of its input must roll the node back at once, not at its 20s timeout", d)
		}
		want := []string{"start " + broken[0], "applied " + fixed[0], "rolled-back " + broken[0]}
		if !slices.Equal(steps, want) {
			t.Errorf("steps %q, want %q", steps, want)
		}
		if st := journalState(t, dir); st != "rolled-back" {
			t.Errorf("journal %q", st)
		}
	})

	// The orchestrator vanishes while the node waits: a hangup, its
	// output a broken pipe, its input silent (a cut TCP connection does
	// not end). ostopo must survive all of it and roll back at its
	// timeout; Go's default on SIGPIPE from standard output would kill it
	// with the new route in place.
	t.Run("connection died: rolled back by the node at its timeout", func(t *testing.T) {
		reset(t)
		dir := t.TempDir()
		token, _ := cloudfix.NewToken()
		cmd := exec.Command("ip", append([]string{"netns", "exec", l.Node, bin, "fix", "default-route", "--apply", "--gateway", "10.20.0.1", "--dev", "eth1",
			"--confirm-timeout", "2s", "--confirm-token", token, "--state-dir", dir}, l.OstopoFlags()...)...)
		stdin, _ := cmd.StdinPipe()
		defer stdin.Close()
		stdout, _ := cmd.StdoutPipe()
		stderr, _ := cmd.StderrPipe()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		go io.Copy(io.Discard, stderr)
		sc := bufio.NewScanner(stdout)
		asked := false
		for sc.Scan() {
			if sc.Text() == cloudfix.PromptLine(token) {
				asked = true
				break
			}
		}
		if !asked {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatal("ostopo never asked")
		}
		if got := routes(); !slices.Equal(got, fixed) {
			t.Errorf("while asking: %q", got)
		}
		// ip netns exec runs ostopo in place (exec): the signal is ostopo's.
		cmd.Process.Signal(syscall.SIGHUP)
		stdout.(io.Closer).Close()
		stderr.(io.Closer).Close()
		err := cmd.Wait()
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
				t.Errorf("ostopo died of %v", ws.Signal())
			}
		}
		if got := routes(); !slices.Equal(got, broken) {
			t.Errorf("after the timeout: %q", got)
		}
		if st := journalState(t, dir); st != "rolled-back" {
			t.Errorf("journal %q", st)
		}
	})

	// A hangup is no answer: the connection's answer decides. (Without a
	// terminal sshd sends none; a stray one must neither end ostopo nor
	// undo the change the orchestrator is confirming.)
	t.Run("a hangup while waiting, then the confirmation: kept", func(t *testing.T) {
		reset(t)
		dir := t.TempDir()
		token, _ := cloudfix.NewToken()
		cmd := exec.Command("ip", append([]string{"netns", "exec", l.Node, bin, "fix", "default-route", "--apply", "--gateway", "10.20.0.1", "--dev", "eth1",
			"--confirm-timeout", "30s", "--confirm-token", token, "--state-dir", dir}, l.OstopoFlags()...)...)
		stdin, _ := cmd.StdinPipe()
		stdout, _ := cmd.StdoutPipe()
		cmd.Stderr = io.Discard
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(stdout)
		var result string
		for sc.Scan() {
			switch line := sc.Text(); {
			case line == cloudfix.PromptLine(token):
				cmd.Process.Signal(syscall.SIGHUP)
				time.Sleep(100 * time.Millisecond)
				io.WriteString(stdin, cloudfix.ConfirmLine(token)+"\n")
			case strings.HasPrefix(line, "ostopo-result "):
				result = line
			}
		}
		stdin.Close()
		if err := cmd.Wait(); err != nil || result != cloudfix.ResultLine(token, cloudfix.OutcomeKept) {
			t.Errorf("%v, result %q", err, result)
		}
		if got := routes(); !slices.Equal(got, fixed) {
			t.Errorf("routes %q", got)
		}
		if st := journalState(t, dir); st != "confirmed" {
			t.Errorf("journal %q", st)
		}
	})

	// The command as an operator runs it, over real ssh: sshd in the
	// node's namespace on its management address, the orchestrator in the
	// gateway's namespace (on the management network), an inventory with
	// the lab's paths as ostopo_flags.
	t.Run("over ssh: plan, then apply", func(t *testing.T) {
		reset(t)
		cfg, inv := startSSHD(t, l.Node, "10.20.0.11", "ostopo_flags=\""+strings.Join(l.OstopoFlags(), " ")+"\"")
		dir := t.TempDir()
		if rp, err := (&fleet.SSH{}).RemotePath(bin); err == nil {
			t.Cleanup(func() { os.RemoveAll(filepath.Dir(rp)) })
		}
		cli := func(args ...string) (string, string, int) {
			cmd := exec.Command("ip", append([]string{"netns", "exec", l.GatewayNS(), bin, "fix", "default-route", "-i", inv, "--ssh-config", cfg,
				"--gateway", "10.20.0.1", "--dev", "eth1", "--state-dir", dir, "--collect-dir", filepath.Join(dir, "collected")}, args...)...)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			code := 0
			if ee, ok := err.(*exec.ExitError); ok {
				code = ee.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			return stdout.String(), stderr.String(), code
		}
		out, errOut, code := cli()
		if code != 0 || !strings.Contains(out, "node1: needs-change (canary)") || !strings.Contains(out, "before: default via 203.0.113.1 dev eth4") ||
			!strings.Contains(out, "nothing changed (plan only)") {
			t.Fatalf("plan: exit %d\n%s\n%s", code, out, errOut)
		}
		if got := routes(); !slices.Equal(got, broken) {
			t.Fatalf("a plan changed the node: %q", got)
		}
		out, errOut, code = cli("--apply", "--confirm-timeout", "20s", "--json")
		var s cloudfix.Summary
		if err := json.Unmarshal([]byte(out), &s); err != nil || code != 0 || len(s.Nodes) != 1 || s.Nodes[0].State != cloudfix.StateChanged ||
			s.Nodes[0].Now != fixed[0] {
			t.Fatalf("apply: exit %d %v\n%s\n%s", code, err, out, errOut)
		}
		for _, want := range []string{"applying on node1 (canary)", "node1: applied and verified on the node", "node1: changed (confirmed)"} {
			if !strings.Contains(errOut, want) {
				t.Errorf("progress lacks %q:\n%s", want, errOut)
			}
		}
		if got := routes(); !slices.Equal(got, fixed) {
			t.Errorf("routes %q", got)
		}
		if st := journalState(t, dir); st != "confirmed" {
			t.Errorf("journal %q", st)
		}
		// Run again: nothing left to do.
		out, errOut, code = cli("--apply")
		if code != 0 || !strings.Contains(out, "node1: already-right") || !strings.Contains(out, "summary: 1 already-right") {
			t.Errorf("second run: exit %d\n%s\n%s", code, out, errOut)
		}
		if _, err := os.Stat(filepath.Join(dir, "collected", "collect.json")); err != nil {
			t.Errorf("collect.json: %v", err)
		}
	})

	t.Run("a wrong answer rolls back", func(t *testing.T) {
		reset(t)
		dir := t.TempDir()
		token, _ := cloudfix.NewToken()
		other, _ := cloudfix.NewToken()
		cmd := exec.Command("ip", append([]string{"netns", "exec", l.Node, bin, "fix", "default-route", "--apply", "--gateway", "10.20.0.1", "--dev", "eth1",
			"--confirm-timeout", "30s", "--confirm-token", token, "--state-dir", dir}, l.OstopoFlags()...)...)
		stdin, _ := cmd.StdinPipe()
		stdout, _ := cmd.StdoutPipe()
		var errBuf bytes.Buffer
		cmd.Stderr = &errBuf
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(stdout)
		var result string
		for sc.Scan() {
			switch line := sc.Text(); {
			case line == cloudfix.PromptLine(token):
				io.WriteString(stdin, "yes\n"+cloudfix.ConfirmLine(other)+"\n")
			case strings.HasPrefix(line, "ostopo-result "):
				result = line
			}
		}
		stdin.Close()
		if err := cmd.Wait(); err == nil {
			t.Error("exit 0")
		}
		if result != cloudfix.ResultLine(token, cloudfix.OutcomeRolledBack) {
			t.Errorf("result %q; stderr %s", result, errBuf.String())
		}
		if got := routes(); !slices.Equal(got, broken) {
			t.Errorf("routes %q", got)
		}
	})
}

// startSSHD runs sshd in namespace ns on addr, accepting a fresh key for
// root, and returns an ssh client configuration that uses that key and an
// inventory with the node as node1 (with vars). The test skips where
// sshd or ssh is missing.
func startSSHD(t *testing.T, ns, addr, vars string) (sshConfig, inventory string) {
	t.Helper()
	for _, p := range []string{"/usr/sbin/sshd", "ssh", "ssh-keygen"} {
		if _, err := exec.LookPath(p); err != nil {
			t.Skipf("no %s: %v", p, err)
		}
	}
	if err := os.MkdirAll("/run/sshd", 0o755); err != nil { // sshd's privilege separation directory
		t.Skip(err)
	}
	dir := t.TempDir()
	for _, k := range []string{"host", "user"} {
		if out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", filepath.Join(dir, k)).CombinedOutput(); err != nil {
			t.Fatalf("ssh-keygen: %v: %s", err, out)
		}
	}
	pub, err := os.ReadFile(filepath.Join(dir, "user.pub"))
	if err != nil {
		t.Fatal(err)
	}
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	write("authorized_keys", string(pub))
	sshdConfig := write("sshd_config", "ListenAddress "+addr+"\nHostKey "+filepath.Join(dir, "host")+"\nAuthorizedKeysFile "+filepath.Join(dir, "authorized_keys")+
		"\nPermitRootLogin prohibit-password\nPasswordAuthentication no\nKbdInteractiveAuthentication no\nUsePAM no\nStrictModes no\nPidFile "+filepath.Join(dir, "sshd.pid")+"\n")
	sshConfig = write("ssh_config", "Host *\n  IdentityFile "+filepath.Join(dir, "user")+"\n  IdentitiesOnly yes\n  StrictHostKeyChecking no\n  UserKnownHostsFile /dev/null\n  LogLevel ERROR\n")
	inventory = write("multinode", "[network]\nnode1 ansible_host="+addr+" ansible_user=root "+vars+"\n\n[compute]\n\n[control]\n")
	sshd := exec.Command("ip", "netns", "exec", ns, "/usr/sbin/sshd", "-D", "-e", "-f", sshdConfig)
	var logs bytes.Buffer
	sshd.Stderr = &logs
	if err := sshd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		sshd.Process.Kill()
		sshd.Wait()
		if t.Failed() {
			t.Logf("sshd:\n%s", logs.String())
		}
	})
	deadline := time.Now().Add(10 * time.Second)
	for {
		if exec.Command("ip", "netns", "exec", ns, "ssh", "-F", sshConfig, "-o", "BatchMode=yes", "root@"+addr, "true").Run() == nil {
			return sshConfig, inventory
		}
		if time.Now().After(deadline) {
			t.Fatalf("sshd on %s did not answer:\n%s", addr, logs.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}
