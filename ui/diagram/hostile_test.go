package diagram

import (
	"regexp"
	"strings"
	"testing"

	"github.com/ostopo/ostopo/fixtures/fixturetest"
	"github.com/ostopo/ostopo/fixtures/hostile"
	"github.com/ostopo/ostopo/netinspect/doctor"
	"github.com/ostopo/ostopo/ui/pane/panetest"
)

// sgr is the colour this package writes itself.
var sgr = regexp.MustCompile("\x1b\\[[0-9;]*m")

// Names from a hostile node are drawn as the characters they are: no
// escape sequence reaches the terminal (with colour or without), none
// leaves the SVG as markup, and what y copies and t traces is safe too.
func TestHostileNames(t *testing.T) {
	for _, name := range []string{"aio", "bad"} {
		for _, what := range []string{"names", "every string"} {
			snap := fixturetest.Load(t, name)
			if what == "names" {
				snap = hostile.Names(snap)
			} else {
				snap = hostile.Snapshot(snap)
			}
			l := Build(snap, doctor.Examine(snap), Options{})
			checkLayout(t, name+" "+what, snap, l)
			for _, color := range []bool{false, true} {
				m := New(context(color), l)
				m.SetSize(l.W, l.H)
				m.SetFocus(true)
				for range len(l.Order) {
					hostile.CheckTerminal(t, name+" "+what+": "+m.Title(), []byte(m.Title()+m.Selected().Copy+m.Selected().Trace))
					panetest.Press(m, "j")
				}
				scr := m.View()
				hostile.CheckTerminal(t, name+" "+what+" diagram", []byte(sgr.ReplaceAllString(scr, "")))
				if what == "names" && !strings.Contains(scr, `\x1b]0;pwned\x07`) {
					t.Errorf("%s %s: the payload is not shown visibly", name, what)
				}
			}
			svg := SVG(l)
			hostile.Check(t, name+" "+what+" svg", []byte(svg))
			if strings.Count(svg, "<svg") != 1 || strings.Count(svg, "</svg>") != 1 {
				t.Errorf("%s %s: the SVG is not one element", name, what)
			}
			if what == "names" && !strings.Contains(svg, `\x1b]0;pwned\x07\x1b[2J\x9b\x9b\x00\x7f&lt;script&gt;`) {
				t.Errorf("%s %s: the payload is not in the SVG as its characters", name, what)
			}
		}
	}
}
