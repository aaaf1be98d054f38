//go:build linux

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ostopo/ostopo/fixtures/lab"
	"github.com/ostopo/ostopo/fixtures/lab/labtest"
	"github.com/ostopo/ostopo/netinspect/netnsx"
)

// The eth1 default-route repair on a real lab node: the kolla trap (the
// default route leaves through eth4, a port of br-ex), the management NIC
// eth1, and a gateway namespace that forwards. Every case runs in the lab's
// namespaces only and ends by comparing the node's routes with the set it
// must have: nothing lost, nothing left behind.
func TestFixDefaultRouteOnLabNode(t *testing.T) {
	l := labtest.Build(t, lab.AllInOne())
	if err := l.Inject(context.Background(), lab.Fault{Kind: lab.FaultDefaultViaEth4}); err != nil {
		t.Fatal(err)
	}
	bin := buildBinary(t)
	// The host's own routes are never touched, by the fix or its rollback.
	hostRoutes := func() string {
		out, _ := exec.Command("ip", "-4", "route", "show", "table", "main").Output()
		return string(out)
	}
	host := hostRoutes()
	t.Cleanup(func() {
		if now := hostRoutes(); now != host {
			t.Errorf("the host's routes changed:\n%s\nwere:\n%s", now, host)
		}
	})
	routes := func() []string {
		out, err := exec.Command("ip", "-n", l.Node, "-4", "route", "show", "table", "main").Output()
		if err != nil {
			t.Fatalf("ip route: %v", err)
		}
		var lines []string // ip leaves trailing blanks
		for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			lines = append(lines, strings.TrimSpace(line))
		}
		slices.Sort(lines)
		return lines
	}
	broken := routes()
	if !slices.Contains(broken, "default via 203.0.113.1 dev eth4") {
		t.Fatalf("the lab is not in the broken state: %q", broken)
	}
	var fixed []string
	for _, r := range broken {
		if !strings.HasPrefix(r, "default ") {
			fixed = append(fixed, r)
		}
	}
	fixed = append(fixed, "default via 10.20.0.1 dev eth1 proto static")
	slices.Sort(fixed)

	// Somewhere only the default route reaches: an address behind the
	// gateway namespace, with a TCP listener for --probe.
	if out, err := exec.Command("ip", "-n", l.GatewayNS(), "addr", "add", "198.51.100.7/32", "dev", "lo").CombinedOutput(); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	var ln net.Listener
	if err := netnsx.Do(filepath.Join("/run/netns", l.GatewayNS()), func() (err error) {
		ln, err = net.Listen("tcp4", "198.51.100.7:0")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	probe := ln.Addr().String()

	run := func(t *testing.T, stdin string, args ...string) (string, string, int) {
		t.Helper()
		cmd := exec.Command(bin, append(args, l.OstopoFlags()...)...)
		cmd.Stdin = strings.NewReader(stdin)
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
	fix := []string{"fix", "default-route", "--netns", l.Node, "--dev", "eth1", "--gateway", "10.20.0.1"}
	expect := func(t *testing.T, want []string) {
		t.Helper()
		if got := routes(); !slices.Equal(got, want) {
			t.Errorf("routes of %s:\n got %q\nwant %q", l.Node, got, want)
		}
	}
	// Each case starts from the broken state; a case that fails puts it back.
	reset := func(t *testing.T) {
		t.Cleanup(func() {
			if !slices.Equal(routes(), broken) {
				exec.Command("ip", "-n", l.Node, "route", "del", "default").Run()
				exec.Command("ip", "-n", l.Node, "route", "add", "default", "via", "203.0.113.1", "dev", "eth4").Run()
			}
		})
	}
	journal := func(t *testing.T, dir string) (j struct{ State string }) {
		t.Helper()
		b, err := os.ReadFile(filepath.Join(dir, "default-route.journal.json"))
		if err == nil {
			err = json.Unmarshal(b, &j)
		}
		if err != nil {
			t.Fatalf("journal: %v", err)
		}
		return j
	}

	t.Run("plan only", func(t *testing.T) {
		reset(t)
		dir := t.TempDir()
		out, errOut, code := run(t, "", append(fix, "--state-dir", dir)...)
		if code != 0 {
			t.Fatalf("exit %d: %s\n%s", code, errOut, out)
		}
		for _, want := range []string{
			"finding: ", "eth4", "br-ex", "eth1",
			"routes before:\n  default via 203.0.113.1 dev eth4\n",
			"route after:\n  default via 10.20.0.1 dev eth1 proto static\n",
			"ip -n " + l.Node + " route replace default via 10.20.0.1 dev eth1",
			"✓ device up with carrier", "✓ gateway inside one of the device's subnets", "✓ gateway answers",
			"ip_forward=1", "nothing changed (plan only)",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("plan lacks %q:\n%s", want, out)
			}
		}
		expect(t, broken)
		if _, err := os.Stat(filepath.Join(dir, "default-route.journal.json")); err == nil {
			t.Error("a plan wrote a journal")
		}
	})

	t.Run("apply and confirm, then rollback", func(t *testing.T) {
		reset(t)
		dir := t.TempDir()
		out, errOut, code := run(t, "yes\n", append(fix, "--apply", "--probe", probe, "--state-dir", dir)...)
		if code != 0 {
			t.Fatalf("exit %d: %s\n%s", code, errOut, out)
		}
		if !strings.Contains(out, "kept: ") || !strings.Contains(out, "lasts until reboot") {
			t.Errorf("output:\n%s", out)
		}
		expect(t, fixed)
		if s := journal(t, dir).State; s != "confirmed" {
			t.Errorf("journal state %q", s)
		}
		// The repair works: the probe address is reachable only through the new default route.
		if err := netnsx.Do(filepath.Join("/run/netns", l.Node), func() error {
			c, err := net.DialTimeout("tcp4", probe, 2*time.Second)
			if err == nil {
				c.Close()
			}
			return err
		}); err != nil {
			t.Errorf("connect through the new default route: %v", err)
		}
		out, errOut, code = run(t, "", "fix", "rollback", "--state-dir", dir)
		if code != 0 {
			t.Fatalf("rollback exit %d: %s", code, errOut)
		}
		expect(t, broken)
		log, _ := os.ReadFile(filepath.Join(dir, "fix.log"))
		for _, want := range []string{"apply: before default via 203.0.113.1 dev eth4; after default via 10.20.0.1 dev eth1 proto static", "confirmed:", "rolled back: "} {
			if !strings.Contains(string(log), want) {
				t.Errorf("fix.log lacks %q:\n%s", want, log)
			}
		}
	})

	t.Run("apply with --yes", func(t *testing.T) {
		reset(t)
		dir := t.TempDir()
		if out, errOut, code := run(t, "", append(fix, "--apply", "--yes", "--state-dir", dir)...); code != 0 {
			t.Fatalf("exit %d: %s\n%s", code, errOut, out)
		}
		expect(t, fixed)
		if _, errOut, code := run(t, "", "fix", "rollback", "--state-dir", dir); code != 0 {
			t.Fatalf("rollback exit %d: %s", code, errOut)
		}
		expect(t, broken)
	})

	t.Run("no confirmation: rolled back at the timeout", func(t *testing.T) {
		reset(t)
		dir := t.TempDir()
		start := time.Now()
		cmd := exec.Command(bin, append(append(fix, "--apply", "--confirm-timeout", "1s", "--state-dir", dir), l.OstopoFlags()...)...)
		stdin, err := cmd.StdinPipe() // open and silent: an operator who walked away
		if err != nil {
			t.Fatal(err)
		}
		defer stdin.Close()
		out, err := cmd.CombinedOutput()
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 || !strings.Contains(string(out), "not confirmed: rolled back") {
			t.Errorf("%v: %s", err, out)
		}
		if d := time.Since(start); d < time.Second {
			t.Errorf("rolled back after %v, before the timeout", d)
		}
		expect(t, broken)
		if s := journal(t, dir).State; s != "rolled-back" {
			t.Errorf("journal state %q", s)
		}
	})

	t.Run("stdin closed: rolled back at once", func(t *testing.T) {
		reset(t)
		dir := t.TempDir()
		if _, errOut, code := run(t, "", append(fix, "--apply", "--state-dir", dir)...); code != 1 || !strings.Contains(errOut, "stdin closed") {
			t.Errorf("exit %d: %s", code, errOut)
		}
		expect(t, broken)
	})

	t.Run("a typed answer other than yes rolls back", func(t *testing.T) {
		reset(t)
		dir := t.TempDir()
		if _, errOut, code := run(t, "no\n", append(fix, "--apply", "--state-dir", dir)...); code != 1 {
			t.Errorf("exit %d: %s", code, errOut)
		}
		expect(t, broken)
	})

	t.Run("failing verification: rolled back", func(t *testing.T) {
		reset(t)
		dir := t.TempDir()
		// Nothing listens on port 1: the probe is refused.
		out, errOut, code := run(t, "yes\n", append(fix, "--apply", "--probe", "198.51.100.7:1", "--state-dir", dir)...)
		if code != 1 || !strings.Contains(errOut, "verify: probe 198.51.100.7:1") || !strings.Contains(out, "verification failed") {
			t.Errorf("exit %d: %s\n%s", code, errOut, out)
		}
		expect(t, broken)
		if s := journal(t, dir).State; s != "rolled-back" {
			t.Errorf("journal state %q", s)
		}
	})

	// waiting starts a fix that waits for an answer that never comes.
	waiting := func(t *testing.T, dir string) *exec.Cmd {
		t.Helper()
		cmd := exec.Command(bin, append(append(fix, "--apply", "--state-dir", dir), l.OstopoFlags()...)...)
		stdin, err := cmd.StdinPipe() // open, silent: ostopo waits for the answer
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { stdin.Close() })
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(20 * time.Second)
		for {
			b, _ := os.ReadFile(filepath.Join(dir, "default-route.journal.json"))
			if bytes.Contains(b, []byte(`"waiting-confirmation"`)) {
				return cmd
			}
			if time.Now().After(deadline) {
				cmd.Process.Kill()
				cmd.Wait()
				t.Fatal("ostopo never waited for confirmation")
			}
			time.Sleep(20 * time.Millisecond)
		}
	}

	t.Run("terminal hung up while waiting: rolled back", func(t *testing.T) {
		reset(t)
		dir := t.TempDir()
		cmd := waiting(t, dir)
		expect(t, fixed)
		cmd.Process.Signal(syscall.SIGHUP) // the SSH session the new route cut
		if err := cmd.Wait(); err == nil {
			t.Error("exit 0 after a hang-up")
		}
		expect(t, broken)
	})

	t.Run("killed while waiting: rollback from the journal", func(t *testing.T) {
		reset(t)
		dir := t.TempDir()
		cmd := waiting(t, dir)
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		cmd.Wait()
		expect(t, fixed) // killed: nobody restored anything
		if _, errOut, code := run(t, "", "fix", "rollback", "--state-dir", dir); code != 0 {
			t.Fatalf("rollback exit %d: %s", code, errOut)
		}
		expect(t, broken)
		// A second rollback finds nothing left to do and changes nothing.
		if _, errOut, code := run(t, "", "fix", "rollback", "--state-dir", dir); code != 0 {
			t.Errorf("second rollback exit %d: %s", code, errOut)
		}
		expect(t, broken)
	})

	// The TUI's action key, as a person uses it: the finding in Problems,
	// F, the gateway, the plan, a typed yes, the countdown, the result.
	tui := func(t *testing.T, dir, timeout string) *tmuxSession {
		argv := append([]string{"ip", "netns", "exec", l.Node, bin, "--view", "problems", "--state-dir", dir, "--confirm-timeout", timeout}, l.OstopoFlags()...)
		s := startTmux(t, 160, 48, argv...)
		s.waitFor("leaves through a port of an OVS bridge", "eth4 is a port of br-ex")
		s.send("F")
		s.waitFor("fix default-route: gateway IP [dev]")
		s.send("10.20.0.1 eth1", "Enter")
		s.waitFor("✓ gateway answers", "ip route replace default via 10.20.0.1 dev eth1", "type yes and Enter to apply")
		expect(t, broken) // a plan changes nothing
		s.send("yes", "Enter")
		s.waitFor("verified: 10.20.0.1 answers", "keep the new route? type yes and Enter; restoring the old one in")
		expect(t, fixed)
		return s
	}
	t.Run("TUI: apply and keep", func(t *testing.T) {
		reset(t)
		dir := t.TempDir()
		s := tui(t, dir, "30s")
		s.send("yes", "Enter")
		s.waitFor("result: kept ip route replace default via 10.20.0.1 dev eth1")
		expect(t, fixed)
		s.send("q")
		if _, errOut, code := run(t, "", "fix", "rollback", "--state-dir", dir); code != 0 {
			t.Fatalf("rollback exit %d: %s", code, errOut)
		}
		expect(t, broken)
	})
	t.Run("TUI: the countdown runs out", func(t *testing.T) {
		reset(t)
		s := tui(t, t.TempDir(), "3s")
		s.waitFor("result: not confirmed: rolled back")
		expect(t, broken)
	})
	t.Run("TUI: Esc at the keep prompt restores", func(t *testing.T) {
		reset(t)
		s := tui(t, t.TempDir(), "30s")
		s.send("Escape")
		s.waitFor("result: not confirmed: rolled back")
		expect(t, broken)
	})
	t.Run("TUI: ctrl+c while it waits restores, then quits", func(t *testing.T) {
		reset(t)
		s := tui(t, t.TempDir(), "30s")
		s.send("C-c")
		deadline := time.Now().Add(5 * time.Second)
		for s.alive() && time.Now().Before(deadline) {
			time.Sleep(30 * time.Millisecond)
		}
		if s.alive() {
			t.Errorf("ostopo did not quit:\n%s", s.screen())
		}
		expect(t, broken)
	})

	t.Run("rollback of a namespace that is gone changes nothing", func(t *testing.T) {
		reset(t)
		dir := t.TempDir()
		j := `{"netns_path": "", "netns_inode": 1, "before": [{"table": 254, "dst": "default", "gateway": "10.20.0.1", "dev": "eth1", "family": 4}], "state": "waiting-confirmation"}`
		if err := os.WriteFile(filepath.Join(dir, "default-route.journal.json"), []byte(j), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, errOut, code := run(t, "", "fix", "rollback", "--state-dir", dir); code != 1 || !strings.Contains(errOut, "is gone or not named under /run/netns: nothing restored") {
			t.Errorf("exit %d: %s", code, errOut)
		}
		expect(t, broken)
	})

	t.Run("a gateway that died: refused, whatever the neighbour cache says", func(t *testing.T) {
		reset(t)
		// The node has talked to 10.20.0.1 (its cache holds the MAC); then
		// the gateway host loses the address but its link stays up.
		exec.Command("ip", "netns", "exec", l.Node, "ip", "neigh", "replace", "10.20.0.1", "lladdr", "02:00:00:00:00:01", "dev", "eth1", "nud", "stale").Run()
		if out, err := exec.Command("ip", "-n", l.GatewayNS(), "addr", "del", "10.20.0.1/24", "dev", "gw0").CombinedOutput(); err != nil {
			t.Fatalf("%v: %s", err, out)
		}
		defer exec.Command("ip", "-n", l.GatewayNS(), "addr", "add", "10.20.0.1/24", "dev", "gw0").Run()
		args := append(fix, "--apply", "--yes", "--state-dir", t.TempDir())
		if out, errOut, code := run(t, "", args...); code != 1 || !strings.Contains(out, "✗ gateway answers (ARP on eth1): 10.20.0.1 does not answer ARP on eth1") {
			t.Errorf("exit %d: %s\n%s", code, errOut, out)
		}
		expect(t, broken)
	})

	t.Run("gateway outside the subnet: refused before any change", func(t *testing.T) {
		reset(t)
		dir := t.TempDir()
		args := []string{"fix", "default-route", "--netns", l.Node, "--dev", "eth1", "--gateway", "192.0.2.1", "--apply", "--yes", "--state-dir", dir}
		out, errOut, code := run(t, "", args...)
		if code != 1 || !strings.Contains(out, "✗ gateway inside one of the device's subnets: 192.0.2.1 is in none of eth1's subnets") ||
			!strings.Contains(errOut, "nothing changed") {
			t.Errorf("exit %d: %s\n%s", code, errOut, out)
		}
		expect(t, broken)
		if _, err := os.Stat(filepath.Join(dir, "default-route.journal.json")); err == nil {
			t.Error("a refused fix wrote a journal")
		}
	})

	t.Run("an OVS port as the new route's device: refused", func(t *testing.T) {
		reset(t)
		args := []string{"fix", "default-route", "--netns", l.Node, "--dev", "eth4", "--gateway", "203.0.113.1", "--apply", "--yes", "--state-dir", t.TempDir()}
		if out, _, code := run(t, "", args...); code != 1 || !strings.Contains(out, "✗ device is not an OVS port: eth4 is a port of br-ex") {
			t.Errorf("exit %d:\n%s", code, out)
		}
		expect(t, broken)
	})

	t.Run("--readonly refuses", func(t *testing.T) {
		reset(t)
		_, errOut, code := run(t, "", append(fix, "--apply", "--yes", "--readonly", "--state-dir", t.TempDir())...)
		if code == 0 || !strings.Contains(errOut, "--readonly") {
			t.Errorf("exit %d: %s", code, errOut)
		}
		expect(t, broken)
	})

	t.Run("not root: says which capability is missing", func(t *testing.T) {
		reset(t)
		dir := openDir(t)
		cmd := exec.Command(bin, "fix", "rollback", "--state-dir", dir)
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
		out, err := cmd.CombinedOutput()
		if err == nil || !strings.Contains(string(out), "CAP_NET_ADMIN") || strings.Count(strings.TrimSpace(string(out)), "\n") != 0 {
			t.Errorf("%v: %s", err, out)
		}
		expect(t, broken)
	})
}
