//go:build linux

package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ostopo/ostopo/fixtures"
	"github.com/ostopo/ostopo/netinspect/topo"
)

// The debugger at scale (issue 13), through the built binary under tmux on
// the 1000-instance recording, counting keys as a person types them:
//
//   - the first qrouter- namespace is on screen within 3 keys of start;
//   - the instance port with a given fixed IP, with its chain and verdict
//     in the detail pane, within / + the IP + enter;
//   - esc after a filter returns to the same row;
//
// and on the broken node: the filter keeps each match under its own
// heading (a dead port under VLAN 4095, the mis-tagged one under VLAN
// 3004 although that heading has a problem), and the Problems tab shows
// its count.
func TestTUIAtScale(t *testing.T) {
	bin := buildBinary(t)
	scale, _ := filepath.Abs("../../fixtures/snapshots/scale.json.gz")
	bad, _ := filepath.Abs("../../fixtures/snapshots/bad.json")
	sizes := [][2]int{{120, 40}, {80, 24}}

	// open starts the binary on a recording and waits for its first frame
	// with the snapshot (the Problems tab has its count then).
	open := func(t *testing.T, w, h int, file, problems string) (*tmuxSession, string) {
		t.Helper()
		s := startTmux(t, w, h, bin, "--replay", file)
		scr := s.waitFor("7 Problems ("+problems+")", "br-int  integration")
		if !strings.HasPrefix(s.list(scr)[0], "▌Topology") {
			t.Fatalf("the first screen is not the Topology list with the focus:\n%s", scr)
		}
		return s, scr
	}

	for _, size := range sizes {
		t.Run(fmt.Sprintf("qrouter-%dx%d", size[0], size[1]), func(t *testing.T) {
			s, scr := open(t, size[0], size[1], scale, "0")
			inList := func(scr string) bool {
				for _, l := range s.list(scr)[1:] {
					if strings.Contains(l, "qrouter-") {
						return true
					}
				}
				return false
			}
			if inList(scr) {
				t.Fatalf("a qrouter- namespace is on the first screen already:\n%s", scr)
			}
			keys := []string{"4"}
			s.send(keys...)
			scr = s.waitUntil("a qrouter- namespace in the list pane", inList)
			t.Logf("%dx%d: the first qrouter- namespace is in the list pane after %d key(s) %q", size[0], size[1], len(keys), keys)
			if len(keys) > 3 {
				t.Errorf("%d keys to the first qrouter- namespace, want 3 at most", len(keys))
			}
			list := s.list(scr)
			if root := rowWith(list, "(root)"); !strings.HasPrefix(list[0], "▌Namespaces") || root < 0 || !strings.Contains(list[root+1], "qrouter-") {
				t.Errorf("the Namespaces view does not open on the root namespace then the routers':\n%s", scr)
			}
		})
	}

	// An instance port of the recording: the last one by id, whose row is
	// the Ports table's last and deep in the Topology tree.
	snap, err := fixtures.Load("scale")
	if err != nil {
		t.Fatal(err)
	}
	var port topo.NPort
	for _, p := range snap.Neutron.Ports {
		if p.Role == topo.RoleInstance && p.Devices.QBR != nil && len(p.FixedIPs) == 1 && len(p.Problems) == 0 && p.ID > port.ID {
			port = p
		}
	}
	if port.ID == "" {
		t.Fatal("no instance port with a hybrid chain and one fixed IP in the scale recording")
	}
	ip, _, _ := strings.Cut(port.FixedIPs[0], "/")
	short := port.ID[:8]
	for _, size := range sizes {
		t.Run(fmt.Sprintf("fixed-ip-%dx%d", size[0], size[1]), func(t *testing.T) {
			s, _ := open(t, size[0], size[1], scale, "0")
			s.send("/")
			keys := 1 + s.typeText(ip)
			s.send("Enter")
			keys++
			what := fmt.Sprintf("port %s (%s) with its chain and verdict in the detail pane", short, ip)
			scr := s.waitUntil(what, func(scr string) bool {
				d := s.detail(scr)
				if d[0] != " port "+short {
					return false
				}
				var verdict, chain bool
				for _, l := range d[1:] {
					l = strings.TrimSpace(l)
					verdict = verdict || strings.HasPrefix(l, "OK  instance port") || strings.HasPrefix(l, "BROKEN  ")
					chain = chain || l == "chain  tap → qbr → qvb ⇄ qvo → br-int"
				}
				return verdict && chain
			})
			t.Logf("%dx%d: port %s with its chain and verdict after %d keys (/ + %q + enter)", size[0], size[1], short, keys, ip)
			if keys != len(ip)+2 {
				t.Errorf("%d keys, want %d", keys, len(ip)+2)
			}
			if !strings.Contains(s.lines(scr)[2], "Topology   /"+ip+"  ") {
				t.Errorf("the breadcrumb does not show the filter: %q", s.lines(scr)[2])
			}
			if row := cursorRow(s.list(scr)); !strings.Contains(row, "tap"+port.ID[:11]) {
				t.Errorf("the cursor is not on the port's chain (tap%s): %q\n%s", port.ID[:11], row, scr)
			}
		})
	}

	// esc returns to the same row, in a table and in a tree: move off the
	// first page, filter, close the input, go to the next match, esc.
	for _, c := range []struct {
		view string
		move []string
	}{
		{"Ports", []string{"5", "PgDn", "PgDn", "j", "j", "j"}},
		{"Topology", []string{"1", "j", "j", "j", "j", "j", "j", "j", "j", "Space", "j", "j", "j"}},
	} {
		t.Run("esc-returns-"+c.view, func(t *testing.T) {
			s, _ := open(t, 120, 40, scale, "0")
			s.send(c.move...)
			// A barrier: once the help is on screen every key before it
			// was handled; the key that closes it does nothing else.
			s.send("?")
			s.waitFor("ostopo — keys")
			s.send("x")
			before := s.waitUntil("the "+c.view+" view", func(scr string) bool {
				return s.lines(scr)[2] == c.view && strings.HasPrefix(s.list(scr)[0], "▌"+c.view) && cursorRow(s.list(scr)) != ""
			})
			row, title := cursorRow(s.list(before)), s.detail(before)[0]
			s.send("/")
			s.typeText("10.1.3.1")
			s.send("Enter", "n")
			filtered := s.waitUntil("the filter with its matches and the cursor on its second match", func(scr string) bool {
				return strings.HasPrefix(s.lines(scr)[2], c.view+"   /10.1.3.1  11 matches") && cursorRow(s.list(scr)) != row &&
					!strings.HasPrefix(s.lines(scr)[len(s.lines(scr))-1], "/")
			})
			s.send("Escape")
			after := s.waitUntil("the filter cleared", func(scr string) bool { return s.lines(scr)[2] == c.view })
			if got := cursorRow(s.list(after)); got != row || s.detail(after)[0] != title {
				t.Errorf("esc put the cursor on %q (%s), want %q (%s)\nbefore:\n%s\nfiltered:\n%s\nafter:\n%s",
					got, s.detail(after)[0], row, title, before, filtered, after)
			}
			if after != before {
				t.Logf("the screen after esc differs from the one before the filter (the row is the same):\n%s\n%s", before, after)
			}
			t.Logf("%s: after / + 8 characters + enter + n, 1 key (esc) back to %q", c.view, strings.TrimSpace(row))
		})
	}

	// Filter context on the broken node: a match is shown under the
	// headings it is in (bug 1: headings were chosen by their style, and a
	// heading with a problem was taken for a match's).
	t.Run("filter-context-bad", func(t *testing.T) {
		s, scr := open(t, 120, 40, bad, "12")
		if tabs := s.lines(scr)[1]; !strings.Contains(tabs, "7 Problems (12)") {
			t.Errorf("the Problems tab does not show its count: %q", tabs)
		}
		for _, f := range []struct {
			view, filter string
			rows         []string // what the matching rows hold
			headings     []string // the headings they are under, nearest first
			count        string
		}{
			{"Topology", "4095", []string{"tapb012ccd0-c4", "tapf1fb8dd5-cf"}, []string{"VLAN 4095  dead", "br-int  integration"}, "5 matches"},
			{"Topology", "state:dead", []string{"tapb012ccd0-c4", "tapf1fb8dd5-cf"}, []string{"VLAN 4095  dead", "br-int  integration"}, "3 matches"},
			// The mis-tagged port is under its own heading, VLAN 3004,
			// which has problems of its own (✗2).
			{"Topology", "ca5b397e", []string{"tapca5b397e-c7"}, []string{"VLAN 3004  no network owns this tag", "br-int  integration"}, "2 matches"},
			{"Namespaces", "203.0.113.200", []string{"203.0.113.200 → 10.1.0.10"}, []string{"floating IPs  (1)", "qrouter-04cbbcd8"}, "4 matches"},
		} {
			s.send(map[string]string{"Topology": "1", "Namespaces": "4"}[f.view])
			s.waitFor("\n"+f.view+"\n", "▌"+f.view)
			s.send("/")
			s.typeText(f.filter)
			s.send("Enter")
			scr := s.waitFor(f.view+"   /"+f.filter+"  "+f.count, "▌"+f.view+" ["+f.count+"]")
			list := s.list(scr)[1:]
			for _, text := range f.rows {
				i := rowWith(list, text)
				if i < 0 {
					t.Errorf("/%s: no row of %s:\n%s", f.filter, text, scr)
					continue
				}
				var under []string
				for h := heading(list, i); h >= 0; h = heading(list, h) {
					under = append(under, treeText(list[h]))
				}
				for j, want := range f.headings {
					if j >= len(under) || !strings.HasPrefix(under[j], want) {
						t.Errorf("/%s: %s is under %q, want %q:\n%s", f.filter, text, under, f.headings, scr)
						break
					}
				}
				if f.filter == "ca5b397e" && (len(under) == 0 || !strings.HasSuffix(under[0], "✗2")) {
					t.Errorf("/%s: the heading %q does not show its problems", f.filter, under)
				}
				t.Logf("%s /%s (%s): %s is under %q", f.view, f.filter, f.count, text, under)
			}
			s.send("Escape")
			s.waitFor("\n"+f.view+"\n", "▌"+f.view+" [")
		}
		s.send("7")
		scr = s.waitFor("\nProblems\n", "▌Problems [12/12]")
		if tabs := s.lines(scr)[1]; !strings.Contains(tabs, "7 Problems (12)") {
			t.Errorf("the Problems tab does not show its count: %q", tabs)
		}
		t.Logf("the tabs: %q; the Problems list: %q", s.lines(scr)[1], s.list(scr)[0])
	})
}

// rowWith is the index of the first row holding text, or -1.
func rowWith(rows []string, text string) int {
	for i, r := range rows {
		if strings.Contains(r, text) {
			return i
		}
	}
	return -1
}

// treeText is a tree row without its marks (cursor, change, badge: the
// first 4 columns), its indentation and its fold glyph.
func treeText(row string) string {
	r := []rune(row)
	if len(r) < 4 {
		return ""
	}
	t := strings.TrimLeft(string(r[4:]), " ")
	for _, g := range []string{"▼ ", "▶ "} {
		t = strings.TrimPrefix(t, g)
	}
	return t
}

// indent is a tree row's depth in columns: the spaces after the marks.
func indent(row string) int {
	r := []rune(row)
	if len(r) < 4 {
		return -1
	}
	rest := string(r[4:])
	return len(rest) - len(strings.TrimLeft(rest, " "))
}

// heading is the index of the row that row i is under: the nearest one
// above it indented less, or -1.
func heading(rows []string, i int) int {
	for j := i - 1; j >= 0; j-- {
		if strings.TrimSpace(rows[j]) != "" && indent(rows[j]) < indent(rows[i]) {
			return j
		}
	}
	return -1
}
