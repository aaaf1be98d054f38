package traceview

import (
	"fmt"
	"strings"
	"testing"

	"github.com/ostopo/ostopo/fixtures/fixturetest"
	"github.com/ostopo/ostopo/fixtures/hostile"
	"github.com/ostopo/ostopo/netinspect/topo"
	"github.com/ostopo/ostopo/netinspect/trace"
	"github.com/ostopo/ostopo/ui/pane"
	"github.com/ostopo/ostopo/ui/pane/panetest"
)

// broken is the trace of the node with one of each fault that breaks:
// the floating IP has no DNAT rule (hop 6), and the instance behind it
// is in the dead VLAN (hop 8).
const broken = "203.0.113.200"

// Bug 7: the verdict was the last line, below the fold. It is the first.
func TestVerdictFirst(t *testing.T) {
	for _, sz := range [][2]int{{80, 24}, {120, 40}, {200, 60}, {80, 8}} {
		m := open(t, fixturetest.Load(t, "bad"), broken, sz[0], sz[1])
		first := panetest.Bare(strings.Split(m.View(), "\n")[0])
		if !strings.HasPrefix(first, "path BROKEN at hop 6 (router qrouter-") {
			t.Errorf("%dx%d: first line %q", sz[0], sz[1], first)
		}
	}
	aio := fixturetest.Load(t, "aio")
	m := open(t, aio, firstFIP(t, aio), 80, 24)
	if first := panetest.Bare(strings.Split(m.View(), "\n")[0]); !strings.HasPrefix(first, "path complete: ") {
		t.Errorf("complete trace: first line %q", first)
	}
}

// Broken hops are open (their problem, expected, found, next), holding
// hops one line each until space unfolds them.
func TestFolds(t *testing.T) {
	m := open(t, fixturetest.Load(t, "bad"), broken, 120, 60)
	view := m.View()
	for _, want := range []string{"▾  6 ✗ router", "expected: -A neutron-l3-agent-PREROUTING", "found:    no such rule", "next:     ip netns exec qrouter-", "▸  1 ✓ provider_nic"} {
		if !strings.Contains(view, want) {
			t.Errorf("%q not drawn:\n%s", want, view)
		}
	}
	if strings.Contains(view, "OVSDB: eth4 is a port of br-ex") {
		t.Error("a holding hop's evidence is drawn unfolded")
	}
	for !strings.HasPrefix(panetest.Bare(lineAtCursor(m)), "▸  1 ✓") {
		press(m, "j")
	}
	press(m, "space")
	if !strings.Contains(m.View(), "OVSDB: eth4 is a port of br-ex") {
		t.Error("space did not unfold hop 1")
	}
}

func lineAtCursor(m *Model) string {
	for _, l := range strings.Split(m.View(), "\n") {
		if strings.HasPrefix(l, ">") {
			return l
		}
	}
	return ""
}

// } and { (and ] and [) jump between the hops that do not hold.
func TestJump(t *testing.T) {
	m := open(t, fixturetest.Load(t, "bad"), broken, 80, 24)
	var hops []string
	for _, k := range []string{"}", "}", "}", "{", "]", "["} {
		press(m, k)
		sec, line := m.v.At()
		hops = append(hops, fmt.Sprintf("%d/%d", sec, line))
	}
	// Sections 1… are hops 1…: hop 6, hop 8, stays, hop 6, hop 8, hop 6.
	if got := strings.Join(hops, " "); got != "6/-1 8/-1 8/-1 6/-1 8/-1 6/-1" {
		t.Errorf("jumps went to %s", got)
	}
	if !strings.Contains(panetest.Bare(lineAtCursor(m)), "6 ✗ router") {
		t.Errorf("cursor on %q", lineAtCursor(m))
	}
}

// y copies the command of the next: line only: of the hop under the
// cursor, else of the first broken hop.
func TestCopyNext(t *testing.T) {
	s := fixturetest.Load(t, "bad")
	r := traceOf(t, s, broken)
	m := open(t, s, broken, 80, 24)
	msg, ok := press(m, "y").(pane.CopyMsg)
	want := r.Hops[5].Next
	if !ok || msg.Text != want || !strings.HasPrefix(want, "ip netns exec qrouter-") {
		t.Fatalf("y on the verdict: %#v, want %q", msg, want)
	}
	press(m, "}", "}")
	if msg, _ := press(m, "y").(pane.CopyMsg); msg.Text != r.Hops[7].Next {
		t.Errorf("y on hop 8: %q, want %q", msg.Text, r.Hops[7].Next)
	}
	if sel := m.Selected(); sel.Copy != r.Hops[7].Next || sel.Ref.Kind != "trace" {
		t.Errorf("selected %+v", sel)
	}
	aio := fixturetest.Load(t, "aio")
	ok2 := open(t, aio, firstFIP(t, aio), 80, 24)
	if msg, isStatus := press(ok2, "y").(pane.StatusMsg); !isStatus {
		t.Errorf("y on a complete trace: %#v", msg)
	}
}

// Y copies the trace as Markdown: a heading, the verdict, each hop with
// its facts; nothing a name holds becomes markup or a line of its own.
func TestMarkdown(t *testing.T) {
	m := open(t, fixturetest.Load(t, "bad"), broken, 80, 24)
	msg, ok := press(m, "Y").(pane.CopyMsg)
	if !ok || msg.What != "trace as Markdown" {
		t.Fatalf("Y: %#v", msg)
	}
	for _, want := range []string{"### ostopo trace floating IP 203.0.113.200", "**path BROKEN at hop 6", "6. ✗ router", "    - next:     ip netns exec"} {
		if !strings.Contains(msg.Text, want) {
			t.Errorf("%q not in:\n%s", want, msg.Text)
		}
	}
	golden(t, "bad-markdown", msg.Text)

	s := hostile.Names(fixturetest.Load(t, "bad"))
	r := traceOf(t, s, broken)
	md := Markdown(r, s.Host)
	hostile.CheckText(t, "markdown", []byte(md))
	checkLines(t, md, len(r.Hops))
	// A snapshot where every string is hostile: what trace still finds.
	aio := fixturetest.Load(t, "aio")
	for _, target := range []string{firstFIP(t, aio), broken} {
		all := hostile.Snapshot(fixturetest.Load(t, "aio"))
		if r, err := trace.Trace(all, target, trace.Options{}); err == nil {
			md := Markdown(r, all.Host)
			hostile.CheckText(t, "markdown/everything", []byte(md))
			checkLines(t, md, len(r.Hops))
		}
	}
}

// checkLines: every line of the Markdown is one the function wrote (a
// heading, the bold verdict, a hop item, a fact item, the port line), so
// that no newline in a name forged one.
func checkLines(t *testing.T, md string, hops int) {
	t.Helper()
	items := 0
	for i, l := range strings.Split(strings.TrimRight(md, "\n"), "\n") {
		switch {
		case l == "", strings.HasPrefix(l, "### "), strings.HasPrefix(l, "**"), strings.HasPrefix(l, "port "),
			strings.HasPrefix(l, "    - "), l == "(no hops)":
		case len(l) > 2 && l[0] >= '1' && l[0] <= '9' && strings.Contains(l[:4], ". "):
			items++
		default:
			t.Errorf("line %d is none the Markdown writes: %q", i+1, l)
		}
		if strings.HasPrefix(l, "### ") && i != 0 {
			t.Errorf("a heading on line %d: %q", i+1, l)
		}
	}
	if items != hops {
		t.Errorf("%d hop items for %d hops", items, hops)
	}
}

// The pane draws nothing a hostile name holds as it is.
func TestHostile(t *testing.T) {
	s := hostile.Names(fixturetest.Load(t, "bad"))
	m := open(t, s, broken, 120, 200)
	press(m, "=")
	out := m.View() + m.Title() + m.Selected().Copy
	hostile.CheckTerminal(t, "view", []byte(out))
	if !strings.Contains(out, `\x1b]0;pwned`) {
		t.Error("the hostile names are not shown (escaped)")
	}
	for _, k := range m.Keys() {
		hostile.CheckTerminal(t, "keys", []byte(k.Help().Key+k.Help().Desc))
	}
}

// On a live node the root asks ofproto/trace in a command: meanwhile the
// pane says so under the verdict; the verdicts then show on their hops.
func TestVerification(t *testing.T) {
	s := fixturetest.Load(t, "aio")
	r := traceOf(t, s, firstFIP(t, s))
	m := New(panetest.Context(nil), r, s.Host)
	m.SetSize(120, 40)
	m.SetVerifying()
	if second := panetest.Bare(strings.Split(m.View(), "\n")[1]); second != "verifying with ofproto/trace…" {
		t.Errorf("second line while verifying: %q", second)
	}
	// What trace.Verify returns, made up: br-int drops the packet.
	var recs []topo.OFTraceRecord
	for _, h := range r.Hops {
		if h.Packet != nil {
			actions := "3"
			if h.Packet.Bridge == "br-int" {
				actions = "drop"
			}
			recs = append(recs, topo.OFTraceRecord{Bridge: h.Packet.Bridge, Flow: h.Packet.Flow(), DatapathActions: actions})
		}
	}
	if len(recs) == 0 {
		t.Fatal("no hop carries a packet to verify")
	}
	// Verify writes into the caller's result while the pane draws its own.
	trace.Attach(r, recs)
	if strings.Contains(m.View(), "drops it") {
		t.Error("the pane shares the caller's hops")
	}
	if cmd := m.Update(Verified{Pane: m, Records: recs}); cmd != nil {
		t.Errorf("Verified returned a command")
	}
	second := panetest.Bare(strings.Split(m.View(), "\n")[1])
	if !strings.HasPrefix(second, "ofproto/trace: hop ") || !strings.Contains(second, "br-int drops it") {
		t.Errorf("second line once verified: %q", second)
	}
	m.Update(Verified{Pane: New(panetest.Context(nil), r, s.Host), Err: fmt.Errorf("not ours")})
	if strings.Contains(m.View(), "not ours") {
		t.Error("a verdict for another pane was taken")
	}
	m.SetVerifyError(fmt.Errorf("ovs-appctl: no such file"))
	if second := panetest.Bare(strings.Split(m.View(), "\n")[1]); second != "not verified with ofproto/trace: ovs-appctl: no such file" {
		t.Errorf("second line on error: %q", second)
	}
}

// The trace pane at three sizes: a broken path and a complete one.
func TestGolden(t *testing.T) {
	for _, fix := range []string{"aio", "bad"} {
		for _, sz := range [][2]int{{80, 24}, {120, 40}, {200, 60}} {
			name := fmt.Sprintf("%s-%dx%d", fix, sz[0], sz[1])
			t.Run(name, func(t *testing.T) {
				s := fixturetest.Load(t, fix)
				target := broken
				if fix == "aio" {
					target = firstFIP(t, s)
				}
				m := open(t, s, target, sz[0], sz[1])
				golden(t, name, m.Title()+"\n"+m.View()+"\n")
			})
		}
	}
	s := fixturetest.Load(t, "scale")
	m := open(t, s, s.Neutron.Ports[0].ID, 120, 40)
	golden(t, "scale-port-120x40", m.Title()+"\n"+m.View()+"\n")
}
