package table_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
	"github.com/ostopo/ostopo/fixtures/hostile"
	"github.com/ostopo/ostopo/ui/filter"
	"github.com/ostopo/ostopo/ui/pane"
	"github.com/ostopo/ostopo/ui/pane/panetest"
	"github.com/ostopo/ostopo/ui/render"
	"github.com/ostopo/ostopo/ui/table"
)

// columns of the synthetic table: an id and a state that are never
// dropped, and three that give way (NOTE first, then NAME, then NUM).
func columns() []table.Column {
	return []table.Column{
		{Title: "ID", Sort: 'I'},
		{Title: "NAME", Sort: 'A', Priority: 2},
		{Title: "NUM", Sort: 'U', Numeric: true, Priority: 1},
		{Title: "NOTE", Sort: 'O', Priority: 3},
		{Title: "STATE", Sort: 'S', Flex: true},
	}
}

// rows makes n rows "row-0000"…: NAME cycles backwards through 26
// letters, NUM is (i*7)%13 with every tenth row "-", STATE is "ok" but
// for every fifth.
func rows(n int) []table.Row {
	out := make([]table.Row, n)
	for i := range out {
		id := fmt.Sprintf("row-%04d", i)
		num := fmt.Sprint((i * 7) % 13)
		if i%10 == 9 {
			num = "-"
		}
		state := "ok"
		if i%5 == 0 {
			state = "✗ broken somewhere quite far along the chain"
		}
		cells := []string{id, "name-" + string(rune('z'-i%26)), num, "a note of some length", state}
		out[i] = table.Row{
			Cells: cells, Ref: render.Ref{Kind: "thing", ID: id}, Key: id, Copy: id,
			Fields: filter.NewFields(strings.Join(cells, " "), map[string][]string{"id": {id}}),
		}
	}
	return out
}

func newTable(t testing.TB, n, w, h int) *table.Model {
	t.Helper()
	m := table.New(panetest.Context(nil), table.Data{Name: "Things", Columns: columns(), Rows: rows(n)})
	m.SetSize(w, h)
	return m
}

func repeat(k string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = k
	}
	return out
}

func screen(m *table.Model) []string { return strings.Split(ansi.Strip(m.View()), "\n") }

var rowID = regexp.MustCompile(`row-\d{4}`)

// shown are the ids of the rows on screen, in order.
func shown(m *table.Model) []string {
	var ids []string
	for _, l := range screen(m)[1:] {
		if id := rowID.FindString(l); id != "" {
			ids = append(ids, id)
		}
	}
	return ids
}

func selected(m *table.Model) string { return m.Selected().Ref.ID }

func query(t *testing.T, s string) filter.Query {
	t.Helper()
	q, err := filter.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return q
}

// View is exactly the size it was given, at every size.
func TestViewSize(t *testing.T) {
	for _, size := range [][2]int{{0, 0}, {1, 1}, {3, 2}, {5, 1}, {10, 5}, {40, 3}, {80, 24}, {200, 60}} {
		for _, wide := range []bool{false, true} {
			m := newTable(t, 100, size[0], size[1])
			if wide {
				panetest.Press(m, "w", ">", ">")
			}
			view := m.View()
			lines := strings.Split(view, "\n")
			if size[1] == 0 {
				if view != "" {
					t.Errorf("%v: %q at height 0", size, view)
				}
				continue
			}
			if len(lines) != size[1] {
				t.Errorf("%v wide=%v: %d lines", size, wide, len(lines))
			}
			for i, l := range lines {
				if w := ansi.StringWidth(l); w > size[0] {
					t.Errorf("%v wide=%v: line %d is %d wide: %q", size, wide, i, w, l)
				}
			}
		}
	}
}

func TestTitleCounts(t *testing.T) {
	m := newTable(t, 1050, 80, 24)
	if got := m.Title(); got != "Things [1050/1050]" {
		t.Errorf("title %q", got)
	}
	if n := m.SetFilter(query(t, "row-001")); n != 10 {
		t.Errorf("%d matches", n)
	}
	if got := m.Title(); got != "Things [10/1050]" {
		t.Errorf("filtered title %q", got)
	}
	m.SetFilter(filter.Query{})
	if got := m.Title(); got != "Things [1050/1050]" {
		t.Errorf("title after the filter %q", got)
	}
}

// Bug (4): the headings stay on the first line whatever scrolls, and a
// filter never takes them away (a naive table has them as row 0).
func TestHeadingSticky(t *testing.T) {
	m := newTable(t, 300, 80, 24)
	head := screen(m)[0]
	for _, want := range []string{"ID", "NAME", "NUM", "STATE"} {
		if !strings.Contains(head, want) {
			t.Fatalf("heading %q lacks %s", head, want)
		}
	}
	check := func(what string) {
		t.Helper()
		if got := screen(m)[0]; got != head {
			t.Errorf("%s: first line %q, not the heading %q", what, got, head)
		}
	}
	panetest.Press(m, "pgdown", "pgdown")
	check("after two pages down")
	panetest.Press(m, "G")
	check("at the bottom")
	panetest.Press(m, repeat("k", 40)...)
	check("after moving up")
	m.SetFilter(query(t, "row-01"))
	check("with a filter")
	if ids := shown(m); len(ids) != 23 || ids[0] != "row-0100" {
		t.Errorf("filtered rows %v", ids)
	}
	m.SetFilter(query(t, "nothing-matches-this"))
	check("with a filter that matches nothing")
	if got := screen(m)[1]; !strings.Contains(got, "no row matches") {
		t.Errorf("second line %q", got)
	}
}

// Columns that do not fit are dropped by priority, highest first; the
// id and the state never are.
func TestColumnsDropByPriority(t *testing.T) {
	for _, c := range []struct {
		w          int
		want, lack []string
	}{
		{200, []string{"ID", "NAME", "NUM", "NOTE", "STATE"}, nil},
		{62, []string{"ID", "NAME", "NUM", "STATE"}, []string{"NOTE"}},
		{52, []string{"ID", "NUM", "STATE"}, []string{"NAME", "NOTE"}},
		{40, []string{"ID", "STATE"}, []string{"NAME", "NUM", "NOTE"}},
		{20, []string{"ID", "ST"}, []string{"NAME", "NUM", "NOTE"}},
	} {
		m := newTable(t, 30, c.w, 10)
		head := screen(m)[0]
		for _, title := range c.want {
			if !strings.Contains(head, title) {
				t.Errorf("width %d: heading %q lacks %s", c.w, head, title)
			}
		}
		for _, title := range c.lack {
			if strings.Contains(head, title) {
				t.Errorf("width %d: heading %q has %s", c.w, head, title)
			}
		}
	}
}

// Cells are cut with an ellipsis, numbers right-aligned under their
// heading, columns two spaces apart.
func TestCellFormat(t *testing.T) {
	m := newTable(t, 30, 62, 10)
	lines := screen(m)
	head, row := lines[0], lines[1]
	if !strings.HasPrefix(row, ">   row-0000  name-z  ") {
		t.Errorf("row %q", row)
	}
	// NUM (right-aligned): the number ends where the heading ends.
	end := strings.Index(head, "NUM") + len("NUM")
	if row[end-1:end] != "0" || row[end] != ' ' {
		t.Errorf("number not right-aligned under its heading:\n%s\n%s", head, row)
	}
	if !strings.HasSuffix(row, "…") {
		t.Errorf("long state not cut with an ellipsis: %q", row)
	}
}

// The wide mode shows every column whole and scrolls sideways by
// column, the heading with the rows.
func TestWideMode(t *testing.T) {
	m := newTable(t, 30, 40, 10)
	if head := screen(m)[0]; strings.Contains(head, "NOTE") {
		t.Fatalf("NOTE fits at 40: %q", head)
	}
	panetest.Press(m, "w")
	if head := screen(m)[0]; !strings.Contains(head, "NAME") {
		t.Errorf("wide heading %q", head)
	}
	var seen strings.Builder
	for range 4 {
		seen.WriteString(screen(m)[0])
		panetest.Press(m, ">")
	}
	seen.WriteString(screen(m)[0])
	for _, title := range []string{"ID", "NAME", "NUM", "NOTE", "STATE"} {
		if !strings.Contains(seen.String(), title) {
			t.Errorf("scrolling the wide view never shows %s", title)
		}
	}
	lines := screen(m)
	if !strings.Contains(lines[0], "STATE") || !strings.Contains(lines[1], "✗ broken somewhere") {
		t.Errorf("scrolled to the last column:\n%s", strings.Join(lines[:3], "\n"))
	}
	// Heading and rows scroll together: STATE heads its cells.
	if a, b := strings.Index(lines[0], "STATE"), strings.Index(lines[1], "✗"); ansi.StringWidth(lines[0][:a]) != ansi.StringWidth(lines[1][:b]) {
		t.Errorf("heading and rows apart:\n%s\n%s", lines[0], lines[1])
	}
	panetest.Press(m, ">", ">")
	if end := screen(m)[1]; !strings.HasSuffix(end, "along the chain") {
		t.Errorf("scrolled to the end: %q", end)
	}
	panetest.Press(m, repeat("<", 10)...)
	if head := screen(m)[0]; !strings.HasPrefix(strings.TrimSpace(head), "ID") {
		t.Errorf("scrolled back: %q", head)
	}
	panetest.Press(m, "w")
	if head := screen(m)[0]; strings.Contains(head, "NOTE") {
		t.Errorf("w again does not fit the columns: %q", head)
	}
}

func TestEnterOpens(t *testing.T) {
	m := newTable(t, 30, 80, 10)
	panetest.Press(m, "j", "j")
	cmd := panetest.Press(m, "enter")
	if cmd == nil {
		t.Fatal("enter returns no command")
	}
	if msg, ok := cmd().(pane.OpenMsg); !ok || msg.Ref != (render.Ref{Kind: "thing", ID: "row-0002"}) {
		t.Errorf("enter sends %#v", cmd())
	}
}

func TestKeys(t *testing.T) {
	m := newTable(t, 30, 80, 10)
	ks := m.Keys()
	if len(ks) == 0 || ks[0].Help().Desc != "open" {
		t.Fatalf("keys %v", ks)
	}
	var sort *string
	for _, k := range ks {
		if strings.HasPrefix(k.Help().Desc, "sort") {
			h := k.Help().Key
			sort = &h
		}
	}
	if sort == nil || *sort != "S-I,A,U,O,S" {
		t.Errorf("sort binding %v", sort)
	}
	empty := table.New(panetest.Context(nil), table.Data{Name: "None", Columns: columns(), Empty: "nothing here"})
	empty.SetSize(80, 5)
	panetest.Press(empty, "j", "G", "pgdown", "S", "w", ">", "enter")
	for _, k := range empty.Keys() {
		if k.Help().Desc == "open" {
			t.Error("an empty table offers open")
		}
	}
	if got := screen(empty)[1]; !strings.Contains(got, "nothing here") {
		t.Errorf("empty table says %q", got)
	}
	if empty.Selected() != (pane.Selection{}) {
		t.Errorf("empty table selects %v", empty.Selected())
	}
}

// The key map's upper-case keys win over a column's letter.
func TestKeyMapWinsOverSortLetter(t *testing.T) {
	cols := columns()
	cols[1].Sort = 'G' // Bottom's key
	m := table.New(panetest.Context(nil), table.Data{Name: "Things", Columns: cols, Rows: rows(50)})
	m.SetSize(80, 10)
	panetest.Press(m, "G")
	if got := selected(m); got != "row-0049" {
		t.Errorf("G went to %s, not the bottom", got)
	}
	if strings.Contains(screen(m)[0], "▲") {
		t.Errorf("G sorted: %q", screen(m)[0])
	}
	for _, k := range m.Keys() {
		if strings.HasPrefix(k.Help().Desc, "sort") && strings.Contains(k.Help().Key, "G") {
			t.Errorf("sort binding offers G: %q", k.Help().Key)
		}
	}
}

// Every cell and title is escaped again by the table: a row built
// carelessly cannot drive the terminal.
func TestTerminalSafe(t *testing.T) {
	cols := columns()
	cols[0].Title = "ID" + hostile.Payload
	rs := rows(5)
	for i := range rs {
		for c := range rs[i].Cells {
			rs[i].Cells[c] += hostile.Payload
		}
		rs[i].Copy += hostile.Payload
	}
	m := table.New(panetest.Context(nil), table.Data{Name: "T" + hostile.Payload, Columns: cols, Rows: rs})
	for _, w := range []int{80, 300} {
		m.SetSize(w, 8)
		hostile.CheckTerminal(t, "view", []byte(sgr.ReplaceAllString(m.View(), "")))
		panetest.Press(m, "w")
	}
	hostile.CheckTerminal(t, "title", []byte(m.Title()))
	hostile.CheckTerminal(t, "copy", []byte(m.Selected().Copy))
}

// sgr is lipgloss's own styling (bold, underline, reverse without colour).
var sgr = regexp.MustCompile(`\x1b\[[0-9;]*m`)
