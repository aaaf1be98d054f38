package tree

import (
	"strconv"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"github.com/ostopo/ostopo/ui/filter"
	"github.com/ostopo/ostopo/ui/pane"
	"github.com/ostopo/ostopo/ui/pane/panetest"
	"github.com/ostopo/ostopo/ui/render"
)

func leaf(text string, h Health) *Node {
	return &Node{Text: text, Ref: render.Ref{Kind: "x", ID: text}, Key: text, Health: h, Fields: filter.NewFields(text, nil)}
}

func group(text string, h Health, children ...*Node) *Node {
	n := leaf(text, h)
	n.Children = children
	return n
}

// sample is two bridges: a healthy one with a big VLAN group, and one
// whose second VLAN group holds a broken port with its explanation.
func sample() []*Node {
	var many []*Node
	for i := range 50 {
		many = append(many, leaf("port"+strconv.Itoa(i), OK))
	}
	broken := group("broken-port", Error, &Node{Text: "✗ tap missing", Ref: render.Ref{Kind: "x", ID: "broken-port"}, NoBadge: true,
		Health: Error, Fields: filter.NewFields("✗ tap missing", nil)})
	return []*Node{
		group("br-a", OK, group("vlan-1", OK, many...), leaf("nic", OK)),
		group("br-b", OK, group("vlan-2", OK, leaf("ok-port", OK)), group("vlan-3", OK, leaf("fine", OK), broken)),
		group("unread", OK, leaf("maybe", Unknown)),
	}
}

// lines are the rows on screen without styling.
func lines(m *Model) []string { return strings.Split(ansi.Strip(m.View()), "\n") }

// texts are the texts of the visible rows, in order.
func texts(m *Model) []string {
	var out []string
	for _, i := range m.visible {
		out = append(out, m.e[i].n.Text)
	}
	return out
}

func cursorText(m *Model) string {
	if i := m.node(); i >= 0 {
		return m.e[i].n.Text
	}
	return ""
}

func TestStartFolding(t *testing.T) {
	m := New(panetest.Context(nil), sample(), Options{Name: "T"})
	want := "br-a br-b vlan-2 vlan-3 fine broken-port ✗ tap missing unread"
	if got := strings.Join(texts(m), " "); got != want {
		t.Errorf("healthy groups fold, groups with a problem open:\n got %s\nwant %s", got, want)
	}
	m = New(panetest.Context(nil), sample(), Options{Name: "T", OpenDepth: 1})
	if got := strings.Join(texts(m)[:4], " "); got != "br-a vlan-1 nic br-b" {
		t.Errorf("OpenDepth 1 opens the roots: %s", got)
	}
	roots := sample()
	roots[1].StartFolded = true
	m = New(panetest.Context(nil), roots, Options{Name: "T"})
	if got := strings.Join(texts(m), " "); got != "br-a br-b unread" {
		t.Errorf("StartFolded folds a group whatever it holds: %s", got)
	}
}

func TestMarksAndCounts(t *testing.T) {
	m := New(panetest.Context(nil), sample(), Options{Name: "T"})
	m.SetSize(60, 10)
	scr := strings.Join(lines(m), "\n")
	for _, want := range []string{"▶ br-a  (2)\n", "▼ br-b  (2)  ✗1\n", "  ▼ vlan-3  (2)  ✗1\n", "▶ unread  (1)  ?1"} {
		if !strings.Contains(scr, want) {
			t.Errorf("no %q in\n%s", want, scr)
		}
	}
	// However narrow, a group's count and marks stay on screen.
	roots := sample()
	roots[1].Text = strings.Repeat("long ", 40)
	m = New(panetest.Context(nil), roots, Options{Name: "T"})
	m.SetSize(40, 5)
	if l := lines(m)[1]; !strings.HasSuffix(l, "…  (2)  ✗1") || ansi.StringWidth(l) > 40 {
		t.Errorf("cut line: %q", l)
	}
	if got := m.Title(); got != "T [7 groups, 62 rows]" {
		t.Errorf("title %q", got)
	}
}

func TestFoldKeys(t *testing.T) {
	m := New(panetest.Context(nil), sample(), Options{Name: "T"})
	m.SetSize(80, 20)
	panetest.Press(m, "space") // on br-a
	if got := strings.Join(texts(m)[:3], " "); got != "br-a vlan-1 nic" {
		t.Fatalf("space unfolds: %s", got)
	}
	panetest.Press(m, "j", "j", "space") // on nic, a leaf: folds br-a, cursor on it
	if cursorText(m) != "br-a" || texts(m)[1] != "br-b" {
		t.Errorf("space on a leaf folds its group: cursor %q, rows %v", cursorText(m), texts(m))
	}
	panetest.Press(m, "=")
	if len(m.visible) != len(m.e) {
		t.Errorf("unfold all shows %d of %d rows", len(m.visible), len(m.e))
	}
	panetest.Press(m, "G", "-")
	if got := strings.Join(texts(m), " "); got != "br-a br-b unread" || cursorText(m) != "unread" {
		t.Errorf("fold all: %s, cursor on %q", got, cursorText(m))
	}
	panetest.Press(m, "g", "=", "]")
	if cursorText(m) != "vlan-1" {
		t.Errorf("] from br-a goes to the next group: %q", cursorText(m))
	}
	panetest.Press(m, "]", "[")
	if cursorText(m) != "vlan-1" {
		t.Errorf("] then [ comes back: %q", cursorText(m))
	}
}

func TestNextProblemUnfolds(t *testing.T) {
	m := New(panetest.Context(nil), sample(), Options{Name: "T"})
	m.SetSize(80, 20)
	panetest.Press(m, "-", "}")
	if cursorText(m) != "broken-port" {
		t.Fatalf("} goes to the broken port (not its explanation): %q", cursorText(m))
	}
	if got := strings.Join(texts(m), " "); !strings.Contains(got, "br-b vlan-2 vlan-3 fine broken-port") {
		t.Errorf("} unfolds what hides the problem: %s", got)
	}
	panetest.Press(m, "}")
	if cursorText(m) != "broken-port" {
		t.Errorf("} with one problem stays on it: %q", cursorText(m))
	}
	panetest.Press(m, "g", "{")
	if cursorText(m) != "broken-port" {
		t.Errorf("{ from the top goes round to the last problem: %q", cursorText(m))
	}
	healthy := New(panetest.Context(nil), []*Node{group("a", OK, leaf("b", OK))}, Options{})
	if cmd := panetest.Press(healthy, "}"); cmd == nil {
		t.Error("} on a healthy tree says so")
	} else if msg, ok := cmd().(pane.StatusMsg); !ok || !strings.Contains(string(msg), "no problem") {
		t.Errorf("status %v", cmd())
	}
}

// Bug 5: the first PgDn showed one new line (the cursor went down a page
// and the screen scrolled just enough to show it).
func TestPageDownShowsAWholeNewPage(t *testing.T) {
	m := New(panetest.Context(nil), sample(), Options{Name: "T"})
	m.SetSize(80, 10)
	panetest.Press(m, "=")
	first := lines(m)
	panetest.Press(m, "pgdown")
	second := lines(m)
	for _, l := range second {
		for _, f := range first {
			if l == f {
				t.Fatalf("after PgDn %q is still on screen:\n%s\n--\n%s", l, strings.Join(first, "\n"), strings.Join(second, "\n"))
			}
		}
	}
	if m.offset != 10 || m.cursor != 10 {
		t.Errorf("PgDn: offset %d cursor %d, want 10 and 10", m.offset, m.cursor)
	}
	panetest.Press(m, "pgup")
	if m.offset != 0 || m.cursor != 0 {
		t.Errorf("PgUp back: offset %d cursor %d", m.offset, m.cursor)
	}
	panetest.Press(m, "ctrl+d")
	if m.offset != 5 || m.cursor != 5 {
		t.Errorf("ctrl+d: offset %d cursor %d", m.offset, m.cursor)
	}
	panetest.Press(m, "G", "pgdown")
	if m.cursor != len(m.visible)-1 || m.offset != len(m.visible)-10 {
		t.Errorf("PgDn at the end: offset %d cursor %d of %d", m.offset, m.cursor, len(m.visible))
	}
}

// A match's context is its parent in the model, and esc (an empty
// filter) gives back the folding and the row the cursor was on (bug 4).
func TestFilterContextAndRestore(t *testing.T) {
	m := New(panetest.Context(nil), sample(), Options{Name: "T"})
	m.SetSize(80, 20)
	panetest.Press(m, "}", "k") // on "fine", in vlan-3
	before := strings.Join(texts(m), " ")
	q, _ := filter.Parse("port4")
	if n := m.SetFilter(q); n != 11 { // port4, port40…port49
		t.Errorf("%d matches", n)
	}
	if got := strings.Join(texts(m)[:4], " "); got != "br-a vlan-1 port4 port40" {
		t.Errorf("matches under their parents: %s", got)
	}
	if cursorText(m) != "port4" || m.Title() != "T [11 matches]" {
		t.Errorf("cursor %q title %q", cursorText(m), m.Title())
	}
	m.NextMatch(1)
	m.NextMatch(-1)
	m.NextMatch(-1)
	if cursorText(m) != "port49" {
		t.Errorf("NextMatch goes round: %q", cursorText(m))
	}
	q, _ = filter.Parse("br-b")
	m.SetFilter(q)
	if got := strings.Join(texts(m), " "); got != "br-b" {
		t.Errorf("a matching group shows folded: %s", got)
	}
	panetest.Press(m, "space")
	if got := strings.Join(texts(m), " "); got != "br-b vlan-2 vlan-3" {
		t.Errorf("and shows its children when unfolded: %s", got)
	}
	m.SetFilter(filter.Query{})
	if got := strings.Join(texts(m), " "); got != before || cursorText(m) != "fine" {
		t.Errorf("esc restores the rows and the cursor:\n got %s (cursor %q)\nwant %s (cursor fine)", got, cursorText(m), before)
	}
	q, _ = filter.Parse("nothing-like-this")
	if n := m.SetFilter(q); n != 0 || len(m.visible) != 0 || !strings.Contains(m.View(), "no row matches") {
		t.Errorf("no match: %d, %v", n, texts(m))
	}
	if (m.Selected() != pane.Selection{}) || m.Keys() != nil {
		t.Error("nothing selected without rows")
	}
	m.SetFilter(filter.Query{})
	if cursorText(m) != "fine" {
		t.Errorf("cursor %q after two filters", cursorText(m))
	}
}

func TestSelectUnfolds(t *testing.T) {
	m := New(panetest.Context(nil), sample(), Options{Name: "T"})
	m.SetSize(80, 10)
	if !m.Select(render.Ref{Kind: "x", ID: "port37"}) || cursorText(m) != "port37" {
		t.Fatalf("Select: cursor %q", cursorText(m))
	}
	if m.cursor < m.offset || m.cursor >= m.offset+10 {
		t.Errorf("selected row off screen: cursor %d offset %d", m.cursor, m.offset)
	}
	if m.Select(render.Ref{Kind: "x", ID: "nope"}) {
		t.Error("found what is not there")
	}
	q, _ := filter.Parse("nic")
	m.SetFilter(q)
	if m.Select(render.Ref{Kind: "x", ID: "port37"}) {
		t.Error("Select found a row the filter hides")
	}
}

func TestEnterKeysAndSelection(t *testing.T) {
	roots := []*Node{{Text: "ns", Ref: render.Ref{Kind: "namespace", ID: "ns"}, Copy: "ns-label", Children: []*Node{
		{Text: "links", Children: []*Node{{Text: "eth0", Ref: render.Ref{Kind: "link", ID: "ns/eth0"}, Copy: "eth0", Trace: "10.0.0.1"}}},
	}}}
	m := New(panetest.Context(nil), roots, Options{Name: "T", OpenDepth: 1})
	m.SetSize(80, 10)
	if k := m.Keys(); len(k) == 0 || k[0].Help().Desc != "fold" {
		t.Errorf("on an open group the first key folds: %v", k[0].Help())
	}
	cmd := panetest.Press(m, "enter")
	if msg, ok := cmd().(pane.OpenMsg); !ok || msg.Ref.ID != "ns" {
		t.Errorf("enter opens the object: %#v", cmd())
	}
	panetest.Press(m, "j")
	if s := m.Selected(); s.Ref.ID != "ns" || s.Copy != "ns-label" {
		t.Errorf("a section stands for its parent: %+v", s)
	}
	if cmd := panetest.Press(m, "enter"); cmd != nil || texts(m)[len(texts(m))-1] != "eth0" {
		t.Errorf("enter on a section unfolds it: %v", texts(m))
	}
	panetest.Press(m, "j")
	if s := m.Selected(); s.Ref.ID != "ns/eth0" || s.Copy != "eth0" || s.Trace != "10.0.0.1" {
		t.Errorf("leaf selection %+v", s)
	}
	if k := m.Keys(); k[0].Help().Desc != "open" || k[1].Help().Desc != "fold group" {
		t.Errorf("on a leaf: %v, %v", k[0].Help(), k[1].Help())
	}
	// A "space" binding is the space bar, which bubbletea spells " ".
	panetest.Press(m, "space")
	if cursorText(m) != "links" {
		t.Errorf("space on a leaf: cursor %q", cursorText(m))
	}
}

func TestMouse(t *testing.T) {
	m := New(panetest.Context(nil), sample(), Options{Name: "T", Heading: "NAME"})
	m.SetSize(80, 10)
	panetest.Press(m, "=")
	m.Update(tea.MouseMsg{Button: tea.MouseButtonWheelDown})
	if m.cursor != 3 {
		t.Errorf("wheel: cursor %d", m.cursor)
	}
	m.Update(tea.MouseMsg{Button: tea.MouseButtonLeft, Action: tea.MouseActionPress, Y: 3})
	if cursorText(m) != "port0" {
		t.Errorf("click on the third row (under the heading): %q", cursorText(m))
	}
	m.Update(tea.MouseMsg{Button: tea.MouseButtonLeft, Action: tea.MouseActionPress, Y: 1})
	m.Update(tea.MouseMsg{Button: tea.MouseButtonLeft, Action: tea.MouseActionPress, Y: 1})
	if cursorText(m) != "br-a" || texts(m)[1] != "br-b" {
		t.Errorf("a second click on a group folds it: %v", texts(m))
	}
	if l := lines(m)[0]; !strings.HasPrefix(l, "    NAME") {
		t.Errorf("heading %q", l)
	}
}

func TestViewSize(t *testing.T) {
	m := New(panetest.Context(map[render.Ref]string{{Kind: "x", ID: "broken-port"}: "error"}), sample(), Options{Name: "T"})
	for _, size := range [][2]int{{80, 24}, {20, 3}, {200, 60}} {
		m.SetSize(size[0], size[1])
		panetest.Press(m, "=")
		ls := lines(m)
		if len(ls) != size[1] {
			t.Errorf("%v: %d lines", size, len(ls))
		}
		for _, l := range ls {
			if ansi.StringWidth(l) > size[0] {
				t.Errorf("%v: %q too wide", size, l)
			}
		}
	}
	m.SetSize(80, 60)
	for _, l := range lines(m) {
		switch {
		case strings.Contains(l, "broken-port") && l[2] != 'E':
			t.Errorf("the object has its badge: %q", l)
		case strings.Contains(l, "tap missing") && l[2] == 'E':
			t.Errorf("its explanation has none: %q", l)
		}
	}
}

// What changed inside a folded group marks the group.
func TestChangedMarkRollsUp(t *testing.T) {
	c := panetest.Context(nil)
	c.Changed = func(key string) bool { return key == "port7" }
	m := New(c, sample(), Options{Name: "T"})
	m.SetSize(80, 10)
	if l := lines(m)[0]; !strings.HasPrefix(l, ">•") {
		t.Errorf("folded br-a: %q", l)
	}
	panetest.Press(m, "space")
	if l := lines(m)[0]; strings.HasPrefix(l, ">•") {
		t.Errorf("open br-a carries no mark of its own: %q", l)
	}
}

// A refresh builds a new tree: what was folded and the row the cursor
// was on carry over.
func TestKeepState(t *testing.T) {
	prev := New(panetest.Context(nil), sample(), Options{Name: "T"})
	prev.SetSize(80, 10)
	panetest.Press(prev, "space", "j", "space", "j", "j", "j") // br-a and vlan-1 open, cursor on port2
	panetest.Press(prev, "G", "k", "space")                    // vlan-3's broken port folded
	panetest.Press(prev, "g", "j", "j", "j", "j")
	want := strings.Join(texts(prev), " ")
	next := New(panetest.Context(nil), sample(), Options{Name: "T"})
	next.KeepState(prev)
	if got := strings.Join(texts(next), " "); got != want || cursorText(next) != "port2" {
		t.Errorf("kept:\n got %s (cursor %q)\nwant %s (cursor port2)", got, cursorText(next), want)
	}
	q, _ := filter.Parse("nic")
	prev.SetFilter(q)
	next = New(panetest.Context(nil), sample(), Options{Name: "T"})
	next.KeepState(prev)
	if cursorText(next) != "port2" {
		t.Errorf("under a filter the row before it is kept: %q", cursorText(next))
	}
}

func TestLegendNamesEveryGlyph(t *testing.T) {
	for _, g := range []string{"▶", "▼", "(n)", "✗n", "?n"} {
		if !strings.Contains(Legend(), g) {
			t.Errorf("legend without %s", g)
		}
	}
}
