package ui

import (
	"bytes"
	"context"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/ostopo/ostopo/fixtures"
	"github.com/ostopo/ostopo/netinspect/topo"
	"github.com/ostopo/ostopo/ui/render"
	"github.com/ostopo/ostopo/ui/traceview"
)

// lines returns the screen's lines.
func lines(m *Model) []string { return strings.Split(screen(m), "\n") }

// The list pane and beside it the detail pane, which follows the cursor;
// below 100 columns the detail pane goes under the list.
func TestDetailFollowsTheCursor(t *testing.T) {
	m := newTest(t, &fixtureSource{names: []string{"aio"}}, 120, 40)
	keys(t, m, "5")
	first := m.list().Selected().Ref
	keys(t, m, "j")
	second := m.list().Selected().Ref
	if first == second || first.Kind != "port" {
		t.Fatalf("j did not move: %v %v", first, second)
	}
	row := lines(m)[3]
	if !strings.Contains(row, "│ port "+render.Short(second.ID)) {
		t.Errorf("the detail pane does not follow the cursor: %q", row)
	}
	m = newTest(t, &fixtureSource{names: []string{"aio"}}, 80, 40)
	keys(t, m, "5")
	var title int
	for i, l := range lines(m) {
		if strings.HasPrefix(l, " port ") {
			title = i
		}
	}
	if title < 10 || strings.Contains(screen(m), "│") {
		t.Errorf("at 80 columns the detail pane is not under the list (title on line %d):\n%s", title, screen(m))
	}
}

// Enter gives the detail pane the focus; a link on it opens that object
// (the breadcrumb says where you are); esc goes back, then back to the
// list; tab, h and l move the focus; z zooms the focused pane.
func TestFocusLinksAndZoom(t *testing.T) {
	m := newTest(t, &fixtureSource{names: []string{"aio"}}, 120, 40)
	keys(t, m, "5", "enter")
	if m.focus != focusDetail || !strings.HasPrefix(lines(m)[3], " Ports [") || !strings.Contains(lines(m)[3], "▌port ") {
		t.Fatalf("enter did not focus the detail pane:\n%s", screen(m))
	}
	// Move to the first link (the network) and open it.
	for i := 0; i < 20 && m.describe.Page().Ref.Kind == "port"; i++ {
		keys(t, m, "j")
		if cur, ok := m.describe.Current(); ok && cur.Link.Kind == "network" {
			keys(t, m, "enter")
		}
	}
	if m.describe.Depth() != 2 || !strings.Contains(lines(m)[2], "Ports › port ") || !strings.Contains(lines(m)[2], "› network ") {
		t.Fatalf("no link followed; breadcrumb %q", lines(m)[2])
	}
	keys(t, m, "esc")
	if m.describe.Depth() != 1 {
		t.Errorf("esc did not go back: depth %d", m.describe.Depth())
	}
	keys(t, m, "z")
	if !strings.HasPrefix(lines(m)[3], "▌port ") || strings.Contains(screen(m), "│") {
		t.Errorf("z did not zoom the detail pane:\n%s", screen(m))
	}
	keys(t, m, "z", "h")
	if m.focus != focusList {
		t.Error("h did not move the focus to the list")
	}
	keys(t, m, "l")
	if m.focus != focusDetail {
		t.Error("l did not move the focus to the detail")
	}
	keys(t, m, "tab")
	if m.focus != focusList {
		t.Error("tab did not move the focus")
	}
	keys(t, m, "enter", "esc")
	if m.focus != focusList {
		t.Error("esc on the detail pane's first page did not return to the list")
	}
}

// The Problems tab shows its count (bug 3).
func TestProblemsTabShowsItsCount(t *testing.T) {
	m := newTest(t, &fixtureSource{names: []string{"bad"}}, 120, 40)
	if tabs := lines(m)[1]; !strings.Contains(tabs, "7 Problems (12)") {
		t.Errorf("tabs: %q", tabs)
	}
}

// The key bar is the focused pane's and always ends in "? help" (bug 6),
// at 80 and 120 columns, in every view and with either pane focused.
func TestKeyBarEndsInHelp(t *testing.T) {
	for _, w := range []int{80, 120} {
		m := newTest(t, &fixtureSource{names: []string{"bad"}}, w, 30)
		bars := map[string]bool{}
		for v := 1; v <= viewCount; v++ {
			for _, k := range [][]string{{string(rune('0' + v))}, {"enter"}} {
				keys(t, m, k...)
				bar := lines(m)[29]
				if !strings.HasSuffix(bar, "? help") {
					t.Errorf("%d columns, view %d, focus %d: key bar %q", w, v, m.focus, bar)
				}
				bars[bar] = true
			}
		}
		if len(bars) < 4 {
			t.Errorf("%d columns: the key bar is the same in every view: %v", w, bars)
		}
	}
}

// A filter shows its matches and count; esc puts the cursor back on the
// row it was on (bug 4), in a tree and in a table.
func TestFilterAndEscRestoresTheRow(t *testing.T) {
	m := newTest(t, &fixtureSource{names: []string{"bad"}}, 120, 40)
	for _, view := range []string{"1", "5"} {
		keys(t, m, view, "j", "j", "j", "j")
		before := m.list().Selected().Ref
		keys(t, m, "/", "4", "0", "9", "5")
		if m.matches[m.active] == 0 || !strings.Contains(lines(m)[2], "/4095  ") {
			t.Fatalf("view %s: breadcrumb %q, %d matches", view, lines(m)[2], m.matches[m.active])
		}
		keys(t, m, "enter", "n", "esc")
		if got := m.list().Selected().Ref; got != before || m.filters[m.active] != "" {
			t.Errorf("view %s: esc put the cursor on %v, want %v", view, got, before)
		}
	}
	keys(t, m, "/", "/", "[", "/", "enter")
	if !strings.Contains(m.status, "/[") {
		t.Errorf("a bad regex is not said: %q", m.status)
	}
}

// The trace opens in the detail pane with its verdict on top (bug 7).
func TestTraceVerdictOnTop(t *testing.T) {
	m := newTest(t, &fixtureSource{names: []string{"bad"}}, 80, 24)
	keys(t, m, ":")
	for _, r := range "trace 203.0.113.200" {
		keys(t, m, string(r))
	}
	keys(t, m, "enter")
	if _, ok := m.detailPane.(*traceview.Model); !ok {
		t.Fatalf(":trace opened no trace:\n%s", screen(m))
	}
	var title int
	for i, l := range lines(m) {
		if strings.Contains(l, "trace 203.0.113.200") && strings.HasPrefix(l, "▌") {
			title = i
		}
	}
	if title == 0 || !strings.Contains(lines(m)[title+1], "BROKEN") {
		t.Errorf("the verdict is not the trace's first line:\n%s", screen(m))
	}
	keys(t, m, "esc", "esc", "5", "t")
	if _, ok := m.detailPane.(*traceview.Model); !ok {
		t.Errorf("t on a port opened no trace: %q", m.status)
	}
	keys(t, m, "esc", ":")
	for _, r := range "trace 10.250.0.1" {
		keys(t, m, string(r))
	}
	keys(t, m, "enter")
	if !strings.Contains(m.status, "unknown to this node") {
		t.Errorf("status %q", m.status)
	}
}

func TestCommands(t *testing.T) {
	m := newTest(t, &fixtureSource{names: []string{"aio"}}, 120, 40)
	keys(t, m, ":", "n", "s", " ", "q", "r", "o", "u", "t", "e", "r", "enter")
	if m.active != viewNamespaces || m.filters[m.active] != "qrouter" {
		t.Errorf(":ns qrouter → view %d filter %q", m.active, m.filters[m.active])
	}
	keys(t, m, ":", "r", "o", "u", "enter")
	if m.active != viewRouters {
		t.Errorf(":rou went to view %d", m.active)
	}
	keys(t, m, ":", "d", "i", "a", "tab")
	if m.input.Value() != "diagram " {
		t.Errorf("tab completion gave %q", m.input.Value())
	}
	keys(t, m, "enter")
	if m.active != viewDiagram {
		t.Errorf(":diagram went to view %d", m.active)
	}
	keys(t, m, ":", "b", "o", "g", "u", "s", "enter")
	if !strings.Contains(m.status, "unknown command :bogus") {
		t.Errorf("status %q", m.status)
	}
	keys(t, m, "r")
	if !strings.Contains(m.status, "nothing to refresh") {
		t.Errorf("r on a replay: status %q", m.status)
	}
	// D draws the selection in the diagram.
	keys(t, m, "3", "D")
	if m.active != viewDiagram || m.list().Selected().Ref.Kind != "router" {
		t.Errorf("D from a router: view %d, selected %v", m.active, m.list().Selected().Ref)
	}
}

// changingSource returns the all-in-one node, then the same node with one
// port's VLAN changed, as a refresh after an operator's change would.
type changingSource struct{ calls int }

func (c *changingSource) Snapshot(context.Context) (*topo.Snapshot, error) {
	s, err := fixtures.Load("aio")
	if err != nil {
		return nil, err
	}
	if c.calls > 0 {
		s.Neutron.Ports[0].LocalVLAN = 7
	}
	c.calls++
	return s, nil
}
func (c *changingSource) Live() bool       { return true }
func (c *changingSource) Describe() string { return "changing" }

// marked lists the Ports view's lines with the • mark.
func marked(m *Model) []string {
	keys := []string{}
	for _, l := range lines(m) {
		if len([]rune(l)) > 2 && []rune(l)[1] == '•' {
			keys = append(keys, l)
		}
	}
	return keys
}

func TestRefreshMarksWhatChanged(t *testing.T) {
	src := &changingSource{}
	m := newTest(t, src, 160, 48)
	keys(t, m, "5")
	if got := marked(m); len(got) != 0 {
		t.Fatalf("rows marked changed on the first snapshot: %q", got)
	}
	keys(t, m, "j", "j", "S")
	sorted := m.list().Title()
	selected := m.list().Selected().Ref
	keys(t, m, "r")
	if got := marked(m); len(got) != 1 || !strings.Contains(got[0], "   7  ") {
		t.Errorf("marked after refresh = %q, want only the port now on VLAN 7", got)
	}
	if m.list().Selected().Ref != selected || m.list().Title() != sorted {
		t.Errorf("the refresh lost the selection or the sort: %v %q", m.list().Selected().Ref, m.list().Title())
	}
}

// A refresh that finishes after a newer one was asked for is dropped, and
// refreshes never overlap.
func TestStaleRefreshDropped(t *testing.T) {
	src := &changingSource{}
	m := newTest(t, src, 100, 30)
	first := m.refresh()
	if again := m.refresh(); again != nil {
		t.Error("a second refresh started while one was running")
	}
	msg := first().(loaded)
	m.seq++ // a newer refresh was asked for meanwhile
	m.Update(msg)
	if !m.loading || m.current.snap.Neutron.Ports[0].LocalVLAN == 7 {
		t.Error("the stale result was applied")
	}
}

func TestCopyWritesOSC52(t *testing.T) {
	var clip bytes.Buffer
	m := newTest(t, &fixtureSource{names: []string{"aio"}}, 100, 30, func(o *Options) { o.Clipboard = &clip })
	keys(t, m, "5", "j", "y")
	id := m.list().Selected().Copy
	want := "\x1b]52;c;" + base64.StdEncoding.EncodeToString([]byte(id)) + "\x07"
	if id == "" || clip.String() != want {
		t.Errorf("clipboard got %q, want %q", clip.String(), want)
	}
	if !strings.Contains(screen(m), "copied id: "+id) {
		t.Error("no confirmation on screen")
	}
}

func TestReboundKeysAndStartOptions(t *testing.T) {
	m := newTest(t, &fixtureSource{names: []string{"bad"}}, 100, 30, func(o *Options) {
		if err := o.Keys.Rebind(map[string][]string{"quit": {"x"}, "fold": {"space", "o"}}); err != nil {
			t.Fatal(err)
		}
		o.View, o.Filter = "namespaces", "qdhcp"
	})
	if m.active != viewNamespaces || m.filters[m.active] != "qdhcp" || m.matches[m.active] == 0 {
		t.Errorf("start view %d filter %q (%d matches)", m.active, m.filters[m.active], m.matches[m.active])
	}
	_, cmd := m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("x")})
	if cmd == nil || cmd() != tea.Quit() {
		t.Error("rebound quit key did not quit")
	}
	if err := m.opt.Keys.Rebind(map[string][]string{"fly": {"f"}}); err == nil {
		t.Error("an unknown action was accepted")
	}
}

// The mouse wheel scrolls the pane under it; a click there selects.
func TestMouse(t *testing.T) {
	m := newTest(t, &fixtureSource{names: []string{"scale"}}, 120, 40)
	keys(t, m, "5")
	top := m.list().Selected().Ref
	m.Update(tea.MouseMsg{Button: tea.MouseButtonWheelDown, X: 5, Y: 10})
	if m.list().Selected().Ref == top {
		t.Errorf("wheel did not move the list:\n%s", screen(m))
	}
	m.Update(tea.MouseMsg{Button: tea.MouseButtonLeft, Action: tea.MouseActionPress, X: 100, Y: 10})
	if m.focus != focusDetail {
		t.Error("a click on the detail pane did not focus it")
	}
}

// --watch: the first load arms the timer, each tick refreshes a live source
// and re-arms it; a replay is never re-read.
func TestWatch(t *testing.T) {
	src := &changingSource{}
	m := New(context.Background(), Options{Source: src, Keys: newTest(t, src, 80, 24).opt.Keys, Watch: 10 * time.Millisecond})
	src.calls = 0
	msg := m.Init()()
	_, cmd := m.Update(msg)
	if cmd == nil {
		t.Fatal("first load of a watched live source did not arm the timer")
	}
	_, cmd = m.Update(tick{})
	if cmd == nil || !m.loading {
		t.Fatal("a tick did not start a refresh")
	}
	for _, c := range cmd().(tea.BatchMsg) {
		if l, ok := c().(loaded); ok {
			m.Update(l)
		}
	}
	if src.calls != 2 || m.current.snap.Neutron.Ports[0].LocalVLAN != 7 {
		t.Errorf("after one tick: %d reads, VLAN %d", src.calls, m.current.snap.Neutron.Ports[0].LocalVLAN)
	}
	replay := New(context.Background(), Options{Source: &fixtureSource{names: []string{"aio"}}, Watch: 10 * time.Millisecond})
	if _, cmd := replay.Update(replay.Init()()); cmd != nil {
		t.Error("a replay armed the watch timer")
	}
}

// The repair's action key explains itself where it cannot change anything.
func TestFixActionRefusals(t *testing.T) {
	m := newTest(t, &fixtureSource{names: []string{"bad"}}, 120, 40)
	keys(t, m, "F")
	if m.mode != modeNormal || !strings.Contains(screen(m), "the default-route repair changes the live node; this is fixture") {
		t.Errorf("replay:\n%s", screen(m))
	}
	m = newTest(t, &fixtureSource{names: []string{"bad"}, live: true}, 120, 40, func(o *Options) { o.ReadOnly = true })
	keys(t, m, ":", "f", "i", "x", "enter")
	if !strings.Contains(screen(m), "--readonly: actions that change the node are off") {
		t.Errorf("readonly:\n%s", screen(m))
	}
}

// --baseline marks what differs from a snapshot taken before a change.
func TestBaselineMarks(t *testing.T) {
	same, _ := fixtures.Load("aio")
	m := newTest(t, &fixtureSource{names: []string{"aio"}}, 160, 48, func(o *Options) { o.Baseline, o.BaselineName = same, "before.json" })
	keys(t, m, "5")
	if got := marked(m); len(got) != 0 {
		t.Errorf("nothing changed, yet marked: %q", got)
	}
	if !strings.Contains(screen(m), "• differs from before.json") {
		t.Errorf("the breadcrumb does not name the baseline:\n%s", screen(m))
	}
	before, _ := fixtures.Load("aio")
	var gone string
	for i, p := range before.Neutron.Ports {
		if p.Role == topo.RoleInstance {
			gone = p.ID
			before.Neutron.Ports = append(before.Neutron.Ports[:i], before.Neutron.Ports[i+1:]...)
			break
		}
	}
	m = newTest(t, &fixtureSource{names: []string{"aio"}}, 160, 48, func(o *Options) { o.Baseline = before })
	keys(t, m, "5")
	got := marked(m)
	if len(got) != 1 || !strings.Contains(got[0], gone[:13]) {
		t.Errorf("marked %q, want only the port added since the baseline (%s)", got, gone)
	}
}

// Typing an address puts the cursor on the port that has it, not on the
// first of those whose addresses start with it (10.1.0.1, a router's, and
// the instances' 10.1.0.10-19); its page is in the detail pane at once.
func TestFilterPrefersTheExactMatch(t *testing.T) {
	s, err := fixtures.Load("scale")
	if err != nil {
		t.Fatal(err)
	}
	var ip, id string
	for _, p := range s.Neutron.Ports {
		if p.Role != topo.RoleRouterInterface || len(p.FixedIPs) == 0 {
			continue
		}
		addr, _, _ := strings.Cut(p.FixedIPs[0], "/")
		for _, q := range s.Neutron.Ports {
			if len(q.FixedIPs) > 0 && q.ID < p.ID && strings.HasPrefix(q.FixedIPs[0], addr) && q.FixedIPs[0] != p.FixedIPs[0] {
				ip, id = addr, p.ID
			}
		}
		if ip != "" {
			break
		}
	}
	if ip == "" {
		t.Fatal("no router address in the scale fixture starts an instance's listed before it")
	}
	for _, view := range []string{"1", "5"} {
		m := newTest(t, &fixtureSource{names: []string{"scale"}}, 120, 40)
		keys(t, m, view, "/")
		keys(t, m, strings.Split(ip, "")...)
		keys(t, m, "enter")
		if got := m.list().Selected().Ref; got.ID != id {
			t.Errorf("view %s, /%s: cursor on %v, want port %s", view, ip, got, id)
		}
		if scr := screen(m); !strings.Contains(scr, "│ port "+render.Short(id)) {
			t.Errorf("view %s: the detail pane does not show the port:\n%s", view, scr)
		}
	}
}

// The help lists every key and a legend of every glyph; taller than an
// 80×24 terminal, it scrolls instead of cutting the legend off.
func TestHelpScrollsToTheLegend(t *testing.T) {
	m := newTest(t, &fixtureSource{names: []string{"bad"}}, 80, 24)
	keys(t, m, "?")
	if !strings.Contains(screen(m), "more lines") {
		t.Fatalf("the help does not say it scrolls:\n%s", screen(m))
	}
	keys(t, m, "pgdown", "pgdown")
	scr := screen(m)
	for _, glyph := range []string{"─ ", "═ ", "✗ ", "↓ ", "? ", "▶ ▼", "• ", "E W", "▲ ▼"} {
		if !strings.Contains(scr, "  "+glyph) {
			t.Errorf("the legend lacks %q:\n%s", glyph, scr)
		}
	}
	keys(t, m, "x")
	if m.mode != modeNormal {
		t.Error("a key other than a movement did not close the help")
	}
}
