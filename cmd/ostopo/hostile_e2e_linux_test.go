//go:build linux

package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ostopo/ostopo/fixtures/fixturetest"
	"github.com/ostopo/ostopo/fixtures/hostile"
	"github.com/ostopo/ostopo/netinspect/topo"
)

// Opening a colleague's snapshot must never drive the reader's terminal:
// the real binary, in a real terminal (tmux), on a snapshot of the broken
// node (so that the Problems view quotes names too) whose host, namespace,
// bridge, device names and texts hold a title change (OSC 0), a screen
// clear, C1 controls, HTML and newlines. tmux applies an OSC title to the
// pane's title and a clear to its screen, so both would show.
func TestHostileReplayKeepsTheTerminal(t *testing.T) {
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("no tmux: apt-get install tmux (.ci/run does)")
	}
	dir := openDir(t)
	file := filepath.Join(dir, "hostile.json")
	var buf bytes.Buffer
	if err := topo.Encode(&buf, hostile.Names(fixturetest.Load(t, "bad"))); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	bin := buildBinary(t)
	// ostopo starts once the pane has its known title, so that its very
	// first frame is under test too.
	start := filepath.Join(dir, "start")
	s := startTmux(t, 120, 40, "sh", "-c", `while [ ! -e "$0" ]; do sleep 0.02; done; exec "$1" --replay "$2"`, start, bin, file)
	s.tmux("select-pane", "-t", "e2e", "-T", "keep")
	if err := os.WriteFile(start, nil, 0o644); err != nil {
		t.Fatal(err)
	}

	// The first frame of the snapshot (the Problems tab has its count
	// once the snapshot is read): on a terminal it drove, the screen is
	// blank or the title changed, which checkTerminal tells.
	for deadline := time.Now().Add(5 * time.Second); !strings.Contains(s.screen(), "7 Problems (12)") && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}
	s.checkTerminal(t, "first frame")
	if t.Failed() {
		t.FailNow()
	}
	if scr := s.screen(); !strings.Contains(scr, `ostopo bad.lab\x1b]0;pwned`) {
		t.Errorf("the host name's escapes are not shown as text:\n%s", scr)
	}
	// Every view (1-8): its breadcrumb, and something of its own.
	for i, v := range []struct{ title, want string }{
		{"Topology", "br-int"}, {"Networks", "VLAN▲"}, {"Routers", "ROUTER"}, {"Namespaces", "(root)"},
		{"Ports", "PORT"}, {"Flows", "BRIDGE"}, {"Problems", "SEV"}, {"Diagram", "br-int"},
	} {
		s.send(string(rune('1' + i)))
		s.waitFor("\n"+v.title+"\n", "▌"+v.title, v.want)
		s.checkTerminal(t, "view "+v.title)
	}
	s.send("4", "Enter") // a namespace's page: every fact, names and paths
	s.waitFor("Namespaces › namespace")
	s.checkTerminal(t, "detail page")
	s.send("Escape")
	s.waitFor("\nNamespaces\n") // a key right after Escape would read as alt+key
	s.send("5", "j", "t")       // a port's trace
	s.waitFor("Ports › trace ")
	s.checkTerminal(t, "trace page")
	s.send("q")
	deadline := time.Now().Add(3 * time.Second)
	for s.alive() {
		if time.Now().After(deadline) {
			t.Fatalf("q did not quit:\n%s", s.screen())
		}
		time.Sleep(30 * time.Millisecond)
	}
}

// tmux runs a tmux command on the session's server and returns its output.
func (s *tmuxSession) tmux(args ...string) string {
	s.t.Helper()
	out, err := exec.Command("tmux", append([]string{"-L", s.socket}, args...)...).CombinedOutput()
	if err != nil {
		s.t.Fatalf("tmux %s: %v: %s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// sgr is a style (what capture-pane -e writes for attributes).
var sgr = regexp.MustCompile(`\x1b\[[0-9;:]*m`)

// checkTerminal fails unless the pane keeps the title it was given, its
// screen still shows ostopo's header and tabs (nothing cleared it), and
// the screen, attributes included, holds no escape sequence but styles:
// every one in the snapshot was shown as text.
func (s *tmuxSession) checkTerminal(t *testing.T, what string) {
	t.Helper()
	if title := strings.TrimSpace(s.tmux("display-message", "-p", "-t", "e2e", "#{pane_title}")); title != "keep" {
		t.Errorf("%s: the pane's title is %q, not the one it had (keep)", what, title)
	}
	scr := s.screen()
	lines := strings.Split(scr, "\n")
	if !strings.HasPrefix(lines[0], "ostopo bad.lab") || !strings.Contains(lines[0], "E 11 W 1") || !strings.Contains(lines[1], "7 Problems (12)") {
		t.Errorf("%s: the header is gone (screen cleared?):\n%s", what, scr)
	}
	if nonEmpty := len(strings.Fields(scr)); nonEmpty < 20 {
		t.Errorf("%s: the screen is nearly empty (cleared?):\n%s", what, scr)
	}
	styled := s.tmux("capture-pane", "-p", "-e", "-t", "e2e")
	if strings.Contains(styled, "\x1b]") {
		t.Errorf("%s: an OSC sequence reached the screen: %q", what, styled)
	}
	hostile.CheckTerminal(t, what, []byte(sgr.ReplaceAllString(styled, "")))
}
