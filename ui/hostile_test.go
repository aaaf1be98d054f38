package ui

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ostopo/ostopo/fixtures/fixturetest"
	"github.com/ostopo/ostopo/fixtures/hostile"
	"github.com/ostopo/ostopo/netinspect/routefix"
	"github.com/ostopo/ostopo/netinspect/topo"
)

// snapSource serves one snapshot, or an error.
type snapSource struct {
	snap *topo.Snapshot
	err  error
}

func (s snapSource) Snapshot(context.Context) (*topo.Snapshot, error) { return s.snap, s.err }
func (snapSource) Live() bool                                         { return false }
func (snapSource) Describe() string                                   { return "replay\x1b]0;pwned\a.json" }

// sgr is lipgloss's own styling; the tests render without colour, but a
// style may still reverse or underline.
var sgr = regexp.MustCompile(`\x1b\[[0-9;]*m`)

// checkScreen fails if the screen holds anything but ostopo's styling
// that would drive the terminal.
func checkScreen(t *testing.T, what string, m *Model) {
	t.Helper()
	hostile.CheckTerminal(t, what, []byte(sgr.ReplaceAllString(m.View(), "")))
}

// Opening a snapshot must never drive the reader's terminal: every view,
// a detail page of each, a trace, the filter and the help, on a snapshot
// whose every string holds escape sequences and newlines, and on one whose
// names do (so that the trace and the detail pages find their objects).
func TestHostileSnapshotDrivesNothing(t *testing.T) {
	for _, fixture := range []string{"aio", "bad"} {
		clean := fixturetest.Load(t, fixture)
		for variant, snap := range map[string]*topo.Snapshot{"every string": hostile.Snapshot(clean), "names": hostile.Names(clean)} {
			t.Run(fixture+"/"+variant, func(t *testing.T) {
				m := newTest(t, snapSource{snap: snap}, 120, 40, func(o *Options) {
					o.Baseline, o.BaselineName = clean, "before\x1b[2J.json"
				})
				checkScreen(t, "topology", m)
				if head := strings.SplitN(screen(m), "\n", 3); !strings.HasPrefix(head[0], `ostopo `+clean.Host+`\x1b]0;pwned`) || !strings.Contains(head[1], "7 Problems") {
					t.Errorf("the header does not show the host and the tabs: %q", head[:2])
				}
				if !strings.Contains(screen(m), `\x1b]0;pwned\x07\x1b[2J`) {
					t.Errorf("the payload is not shown visibly:\n%s", screen(m))
				}
				for i, v := range viewTitles() {
					keys(t, m, string(rune('1'+i)))
					checkScreen(t, v, m)
					for _, k := range []string{"j", "j", "j", "j", "j", "j"} {
						keys(t, m, k)
						checkScreen(t, v+" moved", m)
					}
					keys(t, m, "enter")
					checkScreen(t, v+" detail", m)
					keys(t, m, "y")
					checkScreen(t, v+" copied", m)
					keys(t, m, "t")
					checkScreen(t, v+" trace", m)
					keys(t, m, "esc", "esc")
				}
				keys(t, m, "/", "p", "w", "n")
				checkScreen(t, "filter", m)
				keys(t, m, "enter", "?")
				checkScreen(t, "help", m)
				keys(t, m, "x", ":", "t", "r", "a", "c", "e", " ", "1", "0", "enter")
				checkScreen(t, "trace of an unknown IP", m)
				keys(t, m, "F")
				checkScreen(t, "fix on a replay", m)
				keys(t, m, "r")
				checkScreen(t, "refresh on a replay", m)
			})
		}
		// The trace page of each floating IP, its hops named by hostile devices.
		t.Run(fixture+"/trace", func(t *testing.T) {
			snap := hostile.Names(clean)
			m := newTest(t, snapSource{snap: snap}, 120, 40)
			traced := 0
			for _, r := range snap.Neutron.Routers {
				for _, f := range r.FloatingIPs {
					keys(t, m, append(append([]string{":"}, strings.Split("trace "+f.FloatingIP, "")...), "enter")...)
					if m.detailPane == nil {
						t.Fatalf("no trace page for %s: %s", f.FloatingIP, screen(m))
					}
					checkScreen(t, "trace "+f.FloatingIP, m)
					keys(t, m, "z", "=")
					if !strings.Contains(screen(m), `\x1b]0;pwned`) {
						t.Errorf("trace %s names no hostile device visibly", f.FloatingIP)
					}
					keys(t, m, "z", "esc")
					traced++
				}
			}
			if traced == 0 {
				t.Fatal("no floating IP traced")
			}
		})
	}
	// An error quotes names and paths.
	m := newTest(t, snapSource{err: errors.New("open /tmp/x\x1b]0;pwned\a\x1b[2J: no such file")}, 120, 40)
	checkScreen(t, "load error", m)
	if !strings.Contains(screen(m), `x\x1b]0;pwned\x07`) {
		t.Errorf("the error is not shown:\n%s", screen(m))
	}
}

// The rows printed without the TUI (--plain) are terminal text too.
func TestPlainTextOfHostileSnapshot(t *testing.T) {
	for i, variant := range []func(*topo.Snapshot) *topo.Snapshot{hostile.Names, hostile.Snapshot} {
		snap := variant(fixturetest.Load(t, "bad"))
		for _, name := range ViewNames() {
			text, err := PlainText(snap, name, "")
			if err != nil {
				t.Fatal(err)
			}
			hostile.CheckTerminal(t, name, []byte(text))
			// With every string hostile no source name is known, so the
			// doctor runs no check; with hostile names every view has rows.
			if i == 0 && strings.Count(text, "\n") < 2 {
				t.Errorf("%s: %q", name, text)
			}
		}
	}
	if _, err := PlainText(fixturetest.Load(t, "aio"), "nope\x1b[2J", ""); !errors.Is(err, ErrUnknownView) || strings.Contains(err.Error(), "\x1b") {
		t.Errorf("unknown view: %v", err)
	}
	// A filter keeps the matching rows (and a table its heading).
	text, err := PlainText(fixturetest.Load(t, "bad"), "ports", "state:dead")
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(text, "\n"); n != 3 || !strings.Contains(text, "PORT") {
		t.Errorf("filtered: %q", text)
	}
}

// flakySource serves a snapshot, then fails every refresh with an error
// that quotes a hostile name.
type flakySource struct {
	snap  *topo.Snapshot
	calls int
}

func (f *flakySource) Snapshot(context.Context) (*topo.Snapshot, error) {
	f.calls++
	if f.calls > 1 {
		return nil, errors.New("namespace qrouter-x" + hostile.Payload + " vanished")
	}
	return f.snap, nil
}
func (*flakySource) Live() bool       { return true }
func (*flakySource) Describe() string { return "the node" }

func TestHostileRefreshError(t *testing.T) {
	m := newTest(t, &flakySource{snap: hostile.Names(fixturetest.Load(t, "aio"))}, 120, 40)
	keys(t, m, "r")
	if !strings.Contains(screen(m), "refresh failed: namespace qrouter-x\\x1b") {
		t.Errorf("no refresh error shown:\n%s", screen(m))
	}
	checkScreen(t, "refresh failed", m)
}

// hostileFixer plans and applies a repair whose command, text, progress
// and error name a hostile device.
type hostileFixer struct{}

func (hostileFixer) Plan(_ context.Context, _ *topo.Snapshot, _, gw string) (*routefix.Plan, string, error) {
	dev := "eth4" + hostile.Payload
	return &routefix.Plan{Dev: dev, Gateway: gw, Command: "ip route replace default via " + gw + " dev " + dev},
		"finding: default via 203.0.113.1 dev " + dev + "\n✓ " + dev + " is up\n", nil
}

func (hostileFixer) Apply(_ context.Context, p *routefix.Plan, _ func(context.Context) (bool, error), say func(string)) error {
	say("changed: " + p.Command)
	return errors.New("verify failed on " + p.Dev + ": restored the old routes")
}

func (hostileFixer) ConfirmTimeout() time.Duration { return time.Minute }

// The repair's page, prompt and progress quote the snapshot's devices.
func TestHostileRepairText(t *testing.T) {
	m := newTest(t, snapSource{snap: hostile.Names(fixturetest.Load(t, "bad"))}, 120, 40, func(o *Options) {
		o.Fixer = hostileFixer{}
	})
	keys(t, m, "F")
	checkScreen(t, "fix asks the gateway", m)
	keys(t, m, "1", "0", ".", "0", ".", "0", ".", "1", "enter")
	if m.fix == nil || m.fix.stage != fixConfirm {
		t.Fatalf("the plan was not shown:\n%s", screen(m))
	}
	checkScreen(t, "fix plan and prompt", m)
	if !strings.Contains(screen(m), "dev eth4\\x1b]0;pwned") {
		t.Errorf("the prompt does not name the device:\n%s", screen(m))
	}
	keys(t, m, "y", "e", "s", "enter")
	if m.fix.stage != fixDone {
		t.Fatalf("the repair did not finish: stage %d\n%s", m.fix.stage, screen(m))
	}
	checkScreen(t, "fix progress and result", m)
	var text []string
	for _, r := range m.fix.page.rows {
		text = append(text, r.Text)
	}
	if all := strings.Join(text, "\n"); !strings.Contains(all, "changed: ip route") || !strings.Contains(all, "result: verify failed on eth4\\x1b") {
		t.Errorf("progress lines missing:\n%s", all)
	}
}
