package report

import (
	"strings"
	"testing"

	"github.com/ostopo/ostopo/fixtures/fixturetest"
	"github.com/ostopo/ostopo/fixtures/hostile"
	"github.com/ostopo/ostopo/netinspect/topo"
)

// hostileSnapshots are the recorded nodes with every string hostile, and
// with hostile names (so that the drawing and the tables have objects).
func hostileSnapshots(t *testing.T) map[string]*topo.Snapshot {
	out := map[string]*topo.Snapshot{}
	for _, name := range []string{"aio", "bad"} {
		s := fixturetest.Load(t, name)
		out[name+" every string"] = hostile.Snapshot(s)
		out[name+" names"] = hostile.Names(s)
	}
	return out
}

// A report attached to a ticket renders as the characters the snapshot
// holds: no tag, no escape sequence, and no row or heading broken by a
// newline or a '|' in a name.
func TestMarkdownOfHostileSnapshot(t *testing.T) {
	for name, s := range hostileSnapshots(t) {
		md := Markdown(s)
		hostile.CheckText(t, name, []byte(md))
		lines := strings.Split(md, "\n")
		if !strings.HasPrefix(lines[0], "# ostopo report: ") || lines[1] != "" {
			t.Errorf("%s: the heading is not one line: %q", name, lines[:2])
		}
		header := 0 // cells of the table being read; 0 outside a table
		for i, line := range lines {
			switch {
			case strings.HasPrefix(line, "| "):
				n := cells(line)
				if header == 0 {
					header = n
				} else if n != header {
					t.Errorf("%s: line %d has %d cells, its header %d: %q", name, i+1, n, header, line)
				}
			case strings.HasPrefix(line, "|---"):
			case line == "" || strings.HasPrefix(line, "## ") || line == "(none)":
				header = 0
			case strings.HasPrefix(line, "Snapshot taken ") || strings.HasPrefix(line, "Summary: ") || i == 0:
			default:
				t.Errorf("%s: line %d is neither a heading nor a table row: %q", name, i+1, line)
			}
		}
		for _, bad := range []string{"`*_[x]", "[x](javascript", "\n# h"} {
			if strings.Contains(md, bad) {
				t.Errorf("%s: Markdown %q left as it is", name, bad)
			}
		}
		if !strings.Contains(md, "&lt;script&gt;") || !strings.Contains(md, `\|\`+"`"+`\*\_\[x\](javascript:1)\\n\# h\\r`) {
			t.Errorf("%s: the payload is not shown as its characters", name)
		}
	}
}

// cells counts the cells of a table row: the '|' that no backslash
// escapes, less one.
func cells(row string) int {
	n := 0
	for i := 0; i < len(row); i++ {
		switch row[i] {
		case '\\':
			i++
		case '|':
			n++
		}
	}
	return n - 1
}

// HTML, SVG and dot escape what they quote; JSON is the snapshot's own
// encoder (topo).
func TestReportsOfHostileSnapshot(t *testing.T) {
	for name, s := range hostileSnapshots(t) {
		// The payload's "src=" is text of the page, escaped: TestHTMLSelfContained
		// holds the page's own markup to loading nothing.
		page := HTML(s)
		hostile.Check(t, name+" html", []byte(page))
		if !strings.Contains(page, `\x1b]0;pwned\x07\x1b[2J\x9b\x9b\x00\x7f&lt;script&gt;`) {
			t.Errorf("%s: the payload is not in the page as its characters", name)
		}
		svg := SVG(s)
		hostile.Check(t, name+" svg", []byte(svg))
		if strings.Count(svg, "<svg") != 1 {
			t.Errorf("%s: %d svg elements", name, strings.Count(svg, "<svg"))
		}
		dot := Dot(s)
		hostile.CheckText(t, name+" dot", []byte(dot))
		if !strings.HasPrefix(dot, "digraph ") || !strings.HasSuffix(dot, "}\n") {
			t.Errorf("%s: not a digraph", name)
		}
	}
}
