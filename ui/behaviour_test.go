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
)

func TestFilterAndMatches(t *testing.T) {
	m := newTest(t, &fixtureSource{names: []string{"bad"}}, 120, 40)
	keys(t, m, "/", "4", "0", "9", "5")
	p := m.pane()
	if p.filter != "4095" || p.matches == 0 {
		t.Fatalf("filter %q, %d matches", p.filter, p.matches)
	}
	if !strings.Contains(screen(m), "/4095  ") {
		t.Errorf("breadcrumb does not show the filter and its count:\n%s", screen(m))
	}
	keys(t, m, "enter")
	first := p.cursor
	keys(t, m, "n")
	if p.cursor == first || !p.isMatch(p.cursor) {
		t.Errorf("n moved from %d to %d (match %v)", first, p.cursor, p.isMatch(p.cursor))
	}
	keys(t, m, "N")
	if p.cursor != first {
		t.Errorf("N did not come back: %d, want %d", p.cursor, first)
	}
	// Every visible row is a match or the header giving it context.
	for i, idx := range p.visible {
		if !p.isMatch(i) && p.rows[idx].Class != render.Header {
			t.Errorf("row %q shown but neither a match nor a header", p.rows[idx].Text)
		}
	}
	keys(t, m, "esc")
	if p.filter != "" || len(p.visible) != len(p.rows) {
		t.Errorf("esc did not clear the filter: %q, %d of %d rows", p.filter, len(p.visible), len(p.rows))
	}
}

func TestDrillAndBack(t *testing.T) {
	m := newTest(t, &fixtureSource{names: []string{"aio"}}, 120, 40)
	keys(t, m, "4", "j", "enter")
	if len(m.detail) != 1 || !strings.Contains(screen(m), "Ports › port ") {
		t.Fatalf("no detail page:\n%s", screen(m))
	}
	var all []string
	for _, r := range m.pane().rows {
		all = append(all, r.Text)
	}
	for _, want := range []string{"OVSDB port qvo", "external_ids.iface-id", "other_config.net_uuid", "kernel qvb", "mtu: 1450"} {
		if !strings.Contains(strings.Join(all, "\n"), want) {
			t.Errorf("detail page lacks %q", want)
		}
	}
	keys(t, m, "esc")
	if len(m.detail) != 0 || !strings.Contains(screen(m), "\nPorts\n") {
		t.Errorf("esc did not go back:\n%s", screen(m))
	}
	keys(t, m, "tab")
	if m.active != 4 {
		t.Errorf("tab from Ports went to view %d", m.active)
	}
	keys(t, m, "shift+tab", "shift+tab")
	if m.active != 2 {
		t.Errorf("shift+tab twice went to view %d", m.active)
	}
}

func TestCommands(t *testing.T) {
	m := newTest(t, &fixtureSource{names: []string{"aio"}}, 120, 40)
	keys(t, m, ":", "n", "s", " ", "q", "r", "o", "u", "t", "e", "r", "enter")
	if m.active != 2 || m.pane().filter != "qrouter" {
		t.Errorf(":ns qrouter → view %d filter %q", m.active, m.pane().filter)
	}
	keys(t, m, ":", "f", "l", "tab")
	if m.input.Value() != "flows " {
		t.Errorf("tab completion gave %q", m.input.Value())
	}
	keys(t, m, "enter")
	if m.active != 4 {
		t.Errorf(":flows went to view %d", m.active)
	}
	keys(t, m, ":", "b", "o", "g", "u", "s", "enter")
	if !strings.Contains(m.status, "unknown command :bogus") {
		t.Errorf("status %q", m.status)
	}
	keys(t, m, "r")
	if !strings.Contains(m.status, "nothing to refresh") {
		t.Errorf("r on a replay: status %q", m.status)
	}
}

// changingSource returns the all-in-one node, then the same node with one
// port's tag changed, as a refresh after an operator's change would.
type changingSource struct{ calls int }

func (c *changingSource) Snapshot(context.Context) (*topo.Snapshot, error) {
	s, err := fixtures.Load("aio")
	if err != nil {
		return nil, err
	}
	if c.calls > 0 {
		p := &s.Neutron.Ports[0]
		p.LocalVLAN = 7
	}
	c.calls++
	return s, nil
}
func (c *changingSource) Live() bool       { return true }
func (c *changingSource) Describe() string { return "changing" }

func TestRefreshHighlightsWhatChanged(t *testing.T) {
	src := &changingSource{}
	m := newTest(t, src, 160, 48)
	keys(t, m, "4")
	for _, ch := range m.pane().changed {
		if ch {
			t.Fatal("rows marked changed on the first snapshot")
		}
	}
	keys(t, m, "r")
	p := m.pane()
	var changed []string
	for i, ch := range p.changed {
		if ch {
			changed = append(changed, p.rows[i].Text)
		}
	}
	if len(changed) != 1 || !strings.Contains(changed[0], "   7  ") {
		t.Errorf("changed rows after refresh = %q, want only the port now on VLAN 7", changed)
	}
	if !strings.Contains(screen(m), " •") {
		t.Error("the change is not marked on screen")
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
	keys(t, m, "4", "j", "y")
	id := m.pane().rows[m.pane().visible[m.pane().cursor]].Copy
	want := "\x1b]52;c;" + base64.StdEncoding.EncodeToString([]byte(id)) + "\x07"
	if id == "" || clip.String() != want {
		t.Errorf("clipboard got %q, want %q", clip.String(), want)
	}
	if !strings.Contains(screen(m), "copied "+id) {
		t.Error("no confirmation on screen")
	}
}

func TestReboundKeysAndStartOptions(t *testing.T) {
	m := newTest(t, &fixtureSource{names: []string{"bad"}}, 100, 30, func(o *Options) {
		if err := o.Keys.Rebind(map[string][]string{"quit": {"x"}}); err != nil {
			t.Fatal(err)
		}
		o.View, o.Filter = "namespaces", "qdhcp"
	})
	if m.active != 2 || m.pane().filter != "qdhcp" {
		t.Errorf("start view %d filter %q", m.active, m.pane().filter)
	}
	_, cmd := m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("x")})
	if cmd == nil || cmd() != tea.Quit() {
		t.Error("rebound quit key did not quit")
	}
	if err := m.opt.Keys.Rebind(map[string][]string{"fly": {"f"}}); err == nil {
		t.Error("an unknown action was accepted")
	}
}

func TestMouseAndMovement(t *testing.T) {
	m := newTest(t, &fixtureSource{names: []string{"scale"}}, 100, 30)
	p := m.pane()
	m.Update(tea.MouseMsg{Button: tea.MouseButtonWheelDown})
	if p.cursor != 3 {
		t.Errorf("wheel down: cursor %d", p.cursor)
	}
	keys(t, m, "G")
	if p.cursor != len(p.visible)-1 {
		t.Errorf("G: cursor %d of %d", p.cursor, len(p.visible))
	}
	keys(t, m, "g", "ctrl+d")
	if p.cursor != m.bodyHeight()/2 {
		t.Errorf("ctrl+d: cursor %d", p.cursor)
	}
	m.Update(tea.MouseMsg{Button: tea.MouseButtonLeft, Action: tea.MouseActionPress, Y: 5})
	if p.cursor != p.offset+3 {
		t.Errorf("click on line 5: cursor %d, offset %d", p.cursor, p.offset)
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

func TestTraceView(t *testing.T) {
	m := newTest(t, &fixtureSource{names: []string{"bad"}}, 120, 40)
	keys(t, m, ":")
	for _, r := range "trace 203.0.113.201" {
		keys(t, m, string(r))
	}
	keys(t, m, "enter")
	scr := screen(m)
	if len(m.detail) != 1 || !strings.Contains(scr, "Topology › trace 203.0.113.201") || !strings.Contains(scr, "✗ router") {
		t.Fatalf(":trace did not open the broken trace:\n%s", scr)
	}
	keys(t, m, "esc", "3", "/", "f", "i", "p", "enter", "t")
	if len(m.detail) != 1 || !strings.Contains(m.detail[0].title, "trace 203.0.113.") {
		t.Errorf("t on a floating IP row did not trace it: %v %q", len(m.detail), m.status)
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
	marked := func(m *Model) []render.Row {
		var out []render.Row
		p := m.views[3] // Ports
		for i, r := range p.rows {
			if p.changed[i] {
				out = append(out, r)
			}
		}
		return out
	}
	same, _ := fixtures.Load("aio")
	m := newTest(t, &fixtureSource{names: []string{"aio"}}, 120, 40, func(o *Options) { o.Baseline, o.BaselineName = same, "before.json" })
	if got := marked(m); len(got) != 0 {
		t.Errorf("nothing changed, yet %d rows marked", len(got))
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
	m = newTest(t, &fixtureSource{names: []string{"aio"}}, 120, 40, func(o *Options) { o.Baseline = before })
	got := marked(m)
	if len(got) == 0 {
		t.Fatal("the port added since the baseline is not marked")
	}
	for _, r := range got {
		if r.Ref.ID != gone && !strings.Contains(r.Text+r.Search, gone[:8]) {
			t.Errorf("marked a row that did not change: %q", r.Text)
		}
	}
}
