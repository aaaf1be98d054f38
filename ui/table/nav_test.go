package table_test

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/ostopo/ostopo/ui/filter"
	"github.com/ostopo/ostopo/ui/pane/panetest"
	"github.com/ostopo/ostopo/ui/render"
	"github.com/ostopo/ostopo/ui/table"
)

// Bug (5): the first PgDn showed one new line. At height 24 (a heading
// and 23 rows) a page down shows the 23 rows after the last one shown,
// and the cursor keeps its screen line.
func TestPageDownShowsNewPage(t *testing.T) {
	m := newTable(t, 100, 80, 24)
	before := shown(m)
	if len(before) != 23 || before[22] != "row-0022" {
		t.Fatalf("first page %v", before)
	}
	panetest.Press(m, "pgdown")
	after := shown(m)
	if after[0] != "row-0023" || after[22] != "row-0045" {
		t.Errorf("after the first PgDn the screen shows %s…%s, want row-0023…row-0045", after[0], after[len(after)-1])
	}
	if got := selected(m); got != "row-0023" {
		t.Errorf("cursor on %s, want row-0023", got)
	}
	panetest.Press(m, "pgup")
	if got := shown(m); got[0] != "row-0000" || selected(m) != "row-0000" {
		t.Errorf("PgUp back: %s, cursor %s", got[0], selected(m))
	}
	// The cursor keeps its line: from line 5, a page down is 23 rows on.
	panetest.Press(m, repeat("j", 5)...)
	panetest.Press(m, "pgdown")
	if got := selected(m); got != "row-0028" || shown(m)[5] != "row-0028" {
		t.Errorf("from line 5: cursor %s, line 5 %s", got, shown(m)[5])
	}
	// At the end the view stops and the cursor goes to the last row.
	panetest.Press(m, repeat("pgdown", 10)...)
	if got, ids := selected(m), shown(m); got != "row-0099" || ids[len(ids)-1] != "row-0099" || len(ids) != 23 {
		t.Errorf("at the end: cursor %s, rows %s…%s", got, ids[0], ids[len(ids)-1])
	}
	panetest.Press(m, repeat("pgup", 10)...)
	if got := selected(m); got != "row-0000" {
		t.Errorf("back at the top: cursor %s", got)
	}
	// Half pages scroll half a page (11 rows) with the cursor.
	panetest.Press(m, "ctrl+d")
	if got := shown(m); got[0] != "row-0011" || selected(m) != "row-0011" {
		t.Errorf("ctrl+d: %s, cursor %s", got[0], selected(m))
	}
	panetest.Press(m, "ctrl+u")
	if got := shown(m); got[0] != "row-0000" {
		t.Errorf("ctrl+u: %s", got[0])
	}
}

// Bug (4): esc after a filter put the cursor at the top. Clearing the
// filter puts the cursor back on the row it was on, on the same screen
// line: the screen is what it was.
func TestFilterClearedRestoresRow(t *testing.T) {
	m := newTable(t, 300, 80, 24)
	panetest.Press(m, "pgdown")
	panetest.Press(m, repeat("j", 14)...)
	before, at := m.View(), selected(m)
	if at != "row-0037" {
		t.Fatalf("cursor on %s", at)
	}
	m.SetFilter(query(t, "row-001"))
	if got := selected(m); got != "row-0010" {
		t.Errorf("the cursor's row does not match: cursor on %s, not the first match", got)
	}
	panetest.Press(m, "j", "j", "j")
	m.SetFilter(filter.Query{})
	if got := selected(m); got != at {
		t.Errorf("after the filter the cursor is on %s, not %s", got, at)
	}
	if after := m.View(); after != before {
		t.Errorf("the screen differs after the filter:\n%s\nwas\n%s", after, before)
	}
}

// Narrowing a filter keeps the cursor on its row while it matches.
func TestFilterKeepsMatchingRow(t *testing.T) {
	m := newTable(t, 300, 80, 24)
	panetest.Press(m, repeat("j", 37)...)
	m.SetFilter(query(t, "row-00"))
	m.SetFilter(query(t, "row-003"))
	if got := selected(m); got != "row-0037" {
		t.Errorf("cursor on %s", got)
	}
	m.SetFilter(query(t, "id:row-003"))
	if got := selected(m); got != "row-0037" {
		t.Errorf("typed term: cursor on %s", got)
	}
	m.NextMatch(1)
	if got := selected(m); got != "row-0038" {
		t.Errorf("next match %s", got)
	}
	panetest.Press(m, "j", "j")
	m.NextMatch(1)
	if got := selected(m); got != "row-0030" {
		t.Errorf("next match wraps to %s", got)
	}
	m.NextMatch(-1)
	if got := selected(m); got != "row-0039" {
		t.Errorf("previous match wraps to %s", got)
	}
}

func TestSelect(t *testing.T) {
	m := newTable(t, 1050, 80, 24)
	if !m.Select(render.Ref{Kind: "thing", ID: "row-0500"}) || selected(m) != "row-0500" || !slices.Contains(shown(m), "row-0500") {
		t.Errorf("select row-0500: cursor %s", selected(m))
	}
	if m.Select(render.Ref{Kind: "thing", ID: "row-9999"}) || selected(m) != "row-0500" {
		t.Error("a missing row is selected")
	}
	m.SetFilter(query(t, "row-001"))
	if m.Select(render.Ref{Kind: "thing", ID: "row-0500"}) {
		t.Error("a row the filter hides is selected")
	}
	if !m.Select(render.Ref{Kind: "thing", ID: "row-0015"}) || selected(m) != "row-0015" {
		t.Errorf("select a match: %s", selected(m))
	}
}

func TestMouseWheel(t *testing.T) {
	m := newTable(t, 100, 80, 24)
	m.Update(tea.MouseMsg{Button: tea.MouseButtonWheelDown, Action: tea.MouseActionPress})
	if got := shown(m); got[0] != "row-0003" || selected(m) != "row-0003" {
		t.Errorf("wheel down: first %s, cursor %s", got[0], selected(m))
	}
	m.Update(tea.MouseMsg{Button: tea.MouseButtonLeft, Action: tea.MouseActionPress, Y: 5})
	if got := selected(m); got != "row-0007" {
		t.Errorf("click on line 5: %s", got)
	}
	m.Update(tea.MouseMsg{Button: tea.MouseButtonWheelUp, Action: tea.MouseActionPress})
	if got := shown(m); got[0] != "row-0000" || selected(m) != "row-0007" {
		t.Errorf("wheel up: first %s, cursor %s", got[0], selected(m))
	}
	// A click on a heading sorts by its column.
	x := strings.Index(screen(m)[0], "NUM")
	m.Update(tea.MouseMsg{Button: tea.MouseButtonLeft, Action: tea.MouseActionPress, X: x, Y: 0})
	if head := screen(m)[0]; !strings.Contains(head, "NUM▲") || selected(m) != "row-0007" {
		t.Errorf("click on NUM: %q, cursor %s", head, selected(m))
	}
}

// A refresh keeps the sort, the filter, the mode and the object under the
// cursor, though its row moved.
func TestSetDataKeepsState(t *testing.T) {
	m := newTable(t, 300, 80, 24)
	panetest.Press(m, "U", "U") // NUM, descending
	m.SetFilter(query(t, "row-00"))
	panetest.Press(m, "j", "j", "j")
	at := selected(m)
	rs := rows(300)
	slices.Reverse(rs)
	rs = append(rs[:10], rs[11:]...)
	m.SetData(panetest.Context(nil), table.Data{Name: "Things", Columns: columns(), Rows: rs})
	if got := selected(m); got != at {
		t.Errorf("cursor on %s, was %s", got, at)
	}
	if got := m.Title(); got != "Things [100/299]" {
		t.Errorf("title %q", got)
	}
	if head := screen(m)[0]; !strings.Contains(head, "NUM▼") {
		t.Errorf("heading %q", head)
	}
	m.SetFilter(filter.Query{})
	if got := m.Title(); got != "Things [299/299]" {
		t.Errorf("title %q", got)
	}
}

// Shift+letter sorts by the column, again reverses; numbers sort as
// numbers with "-" last both ways; ties keep the given order; the
// cursor stays on its row.
func TestSort(t *testing.T) {
	m := newTable(t, 60, 80, 24)
	panetest.Press(m, repeat("j", 8)...)
	panetest.Press(m, "U")
	if got := selected(m); got != "row-0008" {
		t.Errorf("cursor on %s after sorting", got)
	}
	if head := screen(m)[0]; !strings.Contains(head, "NUM▲") {
		t.Errorf("heading %q", head)
	}
	nums := func() []string {
		panetest.Press(m, "g")
		var out []string
		for range 60 {
			out = append(out, m.Selected().Ref.ID)
			panetest.Press(m, "j")
		}
		return out
	}
	num := func(id string) string {
		i, _ := strconv.Atoi(strings.TrimPrefix(id, "row-"))
		if i%10 == 9 {
			return "-"
		}
		return strconv.Itoa((i * 7) % 13)
	}
	check := func(desc bool) {
		t.Helper()
		ids := nums()
		for k := 1; k < len(ids); k++ {
			a, b := num(ids[k-1]), num(ids[k])
			switch {
			case a == "-" && b != "-":
				t.Fatalf("desc=%v: %q before %q", desc, a, b)
			case a == "-" || b == "-":
			default:
				x, _ := strconv.Atoi(a)
				y, _ := strconv.Atoi(b)
				if !desc && x > y || desc && x < y || x == y && ids[k-1] > ids[k] {
					t.Fatalf("desc=%v: %s (%d) before %s (%d)", desc, ids[k-1], x, ids[k], y)
				}
			}
		}
	}
	check(false)
	panetest.Press(m, "U")
	if head := screen(m)[0]; !strings.Contains(head, "NUM▼") {
		t.Errorf("heading %q", head)
	}
	check(true)
	// Text: NAME cycles z…a, so sorted ascending row-0025 (name-a) is first.
	panetest.Press(m, "A")
	panetest.Press(m, "g")
	if got := selected(m); got != "row-0025" {
		t.Errorf("by NAME first %s", got)
	}
}
