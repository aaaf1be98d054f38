//go:build linux

package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// tmuxSession runs the binary in a detached tmux on a private socket.
type tmuxSession struct {
	t      *testing.T
	socket string
}

func startTmux(t *testing.T, w, h int, argv ...string) *tmuxSession {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("no tmux: apt-get install tmux (.ci/run does)")
	}
	s := &tmuxSession{t: t, socket: fmt.Sprintf("ostopo-e2e-%d", os.Getpid())}
	args := []string{"-L", s.socket, "-f", "/dev/null", "new-session", "-d", "-s", "e2e", "-x", fmt.Sprint(w), "-y", fmt.Sprint(h),
		"env", "TERM=xterm-256color", "NO_COLOR=1"}
	if out, err := exec.Command("tmux", append(args, argv...)...).CombinedOutput(); err != nil {
		t.Fatalf("tmux: %v: %s", err, out)
	}
	t.Cleanup(func() { exec.Command("tmux", "-L", s.socket, "kill-server").Run() })
	return s
}

func (s *tmuxSession) screen() string {
	out, _ := exec.Command("tmux", "-L", s.socket, "capture-pane", "-p", "-t", "e2e").Output()
	return string(out)
}

func (s *tmuxSession) send(keys ...string) {
	s.t.Helper()
	for _, k := range keys {
		if out, err := exec.Command("tmux", "-L", s.socket, "send-keys", "-t", "e2e", k).CombinedOutput(); err != nil {
			s.t.Fatalf("send-keys %q: %v: %s", k, err, out)
		}
	}
}

// waitFor polls the screen until it contains every text, or fails.
func (s *tmuxSession) waitFor(texts ...string) string {
	s.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		scr := s.screen()
		ok := true
		for _, t := range texts {
			ok = ok && strings.Contains(scr, t)
		}
		if ok {
			return scr
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("screen never showed %q:\n%s", texts, scr)
		}
		time.Sleep(30 * time.Millisecond)
	}
}

func (s *tmuxSession) alive() bool {
	return exec.Command("tmux", "-L", s.socket, "has-session", "-t", "e2e").Run() == nil
}

// A person's session: open a recorded broken node, switch views, filter,
// drill into a port and back, read the help, quit.
func TestTUIEndToEnd(t *testing.T) {
	bin := buildBinary(t)
	fixture, _ := filepath.Abs("../../fixtures/snapshots/bad.json")
	s := startTmux(t, 100, 30, bin, "--replay", fixture)

	scr := s.waitFor("1 Topology", "bad.lab", "br-int  integration")
	if !strings.Contains(scr, "✗ qvb39818569-ed") {
		t.Errorf("the broken chain is not marked on the topology:\n%s", scr)
	}
	s.send("4")
	s.waitFor("PORT", "ROLE", "\nPorts")
	s.send("/", "d", "e", "a", "d", "Enter")
	scr = s.waitFor("/dead  2 matches")
	if strings.Count(scr, "4095  qvo") != 2 || strings.Contains(scr, "ROLE") {
		t.Errorf("filter shows other rows:\n%s", scr)
	}
	s.send("Enter")
	s.waitFor("Ports › port ", "dead_reason")
	s.send("Escape")
	s.waitFor("\nPorts   /dead")
	s.send("Escape", "2")
	s.waitFor("VLAN  NETWORK", "✗ ports of th")
	s.send("?")
	s.waitFor("ostopo — keys", "previous match")
	s.send("x")
	s.waitFor("2 Networks")
	s.send(":", "n", "s", " ", "q", "r", "o", "u", "t", "e", "r", "Enter")
	s.waitFor("Namespaces   /qrouter", "fip 203.0.113.", "ip_forward off")
	s.send("6")
	s.waitFor("6 Problems", "ERROR  instance chain", "→ re-plug the port")
	s.send("q")
	deadline := time.Now().Add(3 * time.Second)
	for s.alive() {
		if time.Now().After(deadline) {
			t.Fatalf("q did not quit:\n%s", s.screen())
		}
		time.Sleep(30 * time.Millisecond)
	}
}

// From the README, on a machine that is no network node: --demo works.
func TestTUIDemo(t *testing.T) {
	bin := buildBinary(t)
	s := startTmux(t, 80, 24, bin, "--demo")
	s.waitFor("aio.lab (demo)", "1 Topology", "br-int")
	s.send("q")
}
