//go:build linux

package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// tmuxSession runs the binary in a detached tmux on a private socket.
type tmuxSession struct {
	t      *testing.T
	socket string
	w, h   int
}

// sessions numbers the tmux servers of this test binary: each session has
// its own socket, so that one test's server exiting (kill-server) never
// races the next test's client.
var sessions atomic.Int64

func startTmux(t *testing.T, w, h int, argv ...string) *tmuxSession {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("no tmux: apt-get install tmux (.ci/run does)")
	}
	s := &tmuxSession{t: t, socket: fmt.Sprintf("ostopo-e2e-%d-%d", os.Getpid(), sessions.Add(1)), w: w, h: h}
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

// send types keys, each a tmux key name ("j", "Enter", "Escape"). tmux
// reads an Escape followed closely by another key as alt+key: after
// "Escape", wait for its effect on the screen before the next key.
func (s *tmuxSession) send(keys ...string) {
	s.t.Helper()
	for _, k := range keys {
		if out, err := exec.Command("tmux", "-L", s.socket, "send-keys", "-t", "e2e", k).CombinedOutput(); err != nil {
			s.t.Fatalf("send-keys %q: %v: %s", k, err, out)
		}
	}
}

// typeText types each character of text as its own key ("/10.1.0.5"
// is 9 keys), and returns how many keys that was.
func (s *tmuxSession) typeText(text string) int {
	s.t.Helper()
	n := 0
	for _, r := range text {
		// -l: literally, so that ";" or "~" are not read as tmux syntax.
		if out, err := exec.Command("tmux", "-L", s.socket, "send-keys", "-t", "e2e", "-l", string(r)).CombinedOutput(); err != nil {
			s.t.Fatalf("send-keys %q: %v: %s", r, err, out)
		}
		n++
	}
	return n
}

// waitFor polls the screen until it contains every text, or fails.
func (s *tmuxSession) waitFor(texts ...string) string {
	s.t.Helper()
	return s.waitUntil(fmt.Sprintf("%q", texts), func(scr string) bool {
		for _, t := range texts {
			if !strings.Contains(scr, t) {
				return false
			}
		}
		return true
	})
}

// waitUntil polls the screen until ok holds, or fails after 5 s saying
// what it waited for.
func (s *tmuxSession) waitUntil(what string, ok func(scr string) bool) string {
	s.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		scr := s.screen()
		if ok(scr) {
			return scr
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("screen never showed %s:\n%s", what, scr)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (s *tmuxSession) alive() bool {
	return exec.Command("tmux", "-L", s.socket, "has-session", "-t", "e2e").Run() == nil
}

// quit sends q and waits for the program (and so the session) to end.
func (s *tmuxSession) quit() {
	s.t.Helper()
	s.send("q")
	deadline := time.Now().Add(3 * time.Second)
	for s.alive() {
		if time.Now().After(deadline) {
			s.t.Fatalf("q did not quit:\n%s", s.screen())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// The screen's parts, as ui's layout draws them: line 1 the header, 2 the
// tabs, 3 the breadcrumb, then the body, last the key bar. From 100
// columns on the detail pane is beside the list after a "│" (the list
// takes 55%); below, it is under the list (the list takes 55% of the
// body's lines). Each pane's first line is its title, "▌" when focused.

func (s *tmuxSession) lines(scr string) []string {
	ls := strings.Split(strings.TrimRight(scr, "\n"), "\n")
	for len(ls) < s.h {
		ls = append(ls, "")
	}
	return ls
}

// listBox is the range of screen lines of the list pane (title included)
// when a detail pane is shown.
func (s *tmuxSession) listBox() (first, end int) {
	body := max(2, s.h-4)
	if s.w >= 100 {
		return 3, 3 + body
	}
	return 3, 3 + max(3, body*55/100)
}

// list is the list pane: its title line, then its rows.
func (s *tmuxSession) list(scr string) []string {
	ls := s.lines(scr)
	first, end := s.listBox()
	var out []string
	for _, l := range ls[first:end] {
		if s.w >= 100 {
			l, _, _ = strings.Cut(l, "│")
		}
		out = append(out, strings.TrimRight(l, " "))
	}
	return out
}

// detail is the detail pane: its title line, then its lines.
func (s *tmuxSession) detail(scr string) []string {
	ls := s.lines(scr)
	_, end := s.listBox()
	var out []string
	if s.w >= 100 {
		for _, l := range ls[3 : len(ls)-1] {
			_, d, _ := strings.Cut(l, "│")
			out = append(out, strings.TrimRight(d, " "))
		}
		return out
	}
	for _, l := range ls[end : len(ls)-1] {
		out = append(out, strings.TrimRight(l, " "))
	}
	return out
}

// cursorRow is the list pane's selected row (the one drawn with "> "), or
// "" when none is on screen.
func cursorRow(list []string) string {
	for _, l := range list[1:] {
		if strings.HasPrefix(l, ">") {
			return l
		}
	}
	return ""
}

// A person's session: open a recorded broken node, switch views, filter,
// drill into a port and back, read the help, quit.
func TestTUIEndToEnd(t *testing.T) {
	bin := buildBinary(t)
	fixture, _ := filepath.Abs("../../fixtures/snapshots/bad.json")
	s := startTmux(t, 100, 30, bin, "--replay", fixture)

	scr := s.waitFor("1 Topology", "bad.lab", "br-int  integration", "7 Problems (12)")
	if !strings.Contains(scr, "✗ qvb39818569-ed") {
		t.Errorf("the broken chain is not marked on the topology:\n%s", scr)
	}
	if !strings.HasPrefix(s.list(scr)[0], "▌Topology") || !strings.HasPrefix(s.detail(scr)[0], " bridge br-ex") {
		t.Errorf("no list pane with the focus and the detail beside it:\n%s", scr)
	}
	if bar := s.lines(scr)[29]; !strings.HasSuffix(bar, "? help") {
		t.Errorf("the key bar does not end in ? help: %q", bar)
	}
	s.send("5")
	s.waitFor("PORT", "STATE/PROBLEMS", "\nPorts\n")
	s.send("/", "d", "e", "a", "d", "Enter")
	scr = s.waitFor("Ports   /dead  2 matches", "▌Ports [2/17]")
	rows := s.list(scr)[2:] // below the title and the table's heading
	if rows[0] != "> E b012ccd0-c436  ✗ in dead VLAN 4095: killed by the …" || !strings.HasPrefix(rows[1], "  E f1fb8dd5-cf24  ✗ in dead VLAN 4095") ||
		strings.TrimSpace(strings.Join(rows[2:], "")) != "" {
		t.Errorf("the filter shows other rows:\n%s", scr)
	}
	if d := s.detail(scr); d[0] != " port b012ccd0" || !strings.Contains(d[1], "BROKEN  in dead VLAN 4095") {
		t.Errorf("the detail pane does not follow the filter's cursor:\n%s", scr)
	}
	s.send("Enter") // the detail pane: the port's page
	scr = s.waitFor("Ports › port b012ccd0", "│▌port b012ccd0")
	if !strings.Contains(scr, "✗ ERROR  port killed by the OVS agent") || !strings.Contains(scr, "chain  tap → qbr → qvb ⇄ qvo → br-int") {
		t.Errorf("the port's page lacks its chain or its problem:\n%s", scr)
	}
	s.send("Escape") // back to the list, the filter kept
	s.waitFor("\nPorts   /dead  2 matches", "▌Ports [2/17]")
	s.send("Escape") // the filter cleared
	s.waitFor("\nPorts\n", "▌Ports [17/17]")
	s.send("2")
	s.waitFor("VLAN▲  NETWORK", "✗ ports of this network are on di")
	s.send("?")
	s.waitFor("ostopo — keys", "previous match", "S-letter")
	s.send("x")
	s.waitFor("2 Networks", "\nNetworks\n")
	s.send(":", "n", "s", " ", "q", "r", "o", "u", "t", "e", "r", "Enter")
	scr = s.waitFor("Namespaces   /qrouter", "203.0.113.200 → 10.1.0.10")
	s.send("-", "j") // the routers' namespaces folded, the second one's page
	scr = s.waitFor("namespace qrouter-c74da6d3", "ip_forward off")
	if !strings.Contains(scr, "BROKEN  net.ipv4.ip_forward is 0") {
		t.Errorf("the router that does not forward is not said:\n%s", scr)
	}
	s.send("7")
	s.waitFor("\nProblems\n", "7 Problems (12)", "ERROR  instance chain", "→ re-plug the port")
	s.quit()
}

// From the README, on a machine that is no network node: --demo works.
func TestTUIDemo(t *testing.T) {
	bin := buildBinary(t)
	s := startTmux(t, 80, 24, bin, "--demo")
	scr := s.waitFor("ostopo "+loadDemoFacts(t).host+" (demo)  ✓ healthy", "1 Topology", "br-int  integration", "7 Problems (0)")
	if bar := s.lines(scr)[23]; !strings.HasSuffix(bar, "? help") {
		t.Errorf("the key bar does not end in ? help: %q", bar)
	}
	s.quit()
}
