package describe

import (
	"strings"
	"testing"

	"github.com/ostopo/ostopo/fixtures/fixturetest"
	"github.com/ostopo/ostopo/fixtures/hostile"
	"github.com/ostopo/ostopo/netinspect/doctor"
	"github.com/ostopo/ostopo/netinspect/topo"
)

// Names in a snapshot may hold escape sequences and newlines: no page,
// title or copied text passes one to the terminal, whatever is folded.
func TestHostile(t *testing.T) {
	for _, fix := range []string{"aio", "bad"} {
		for _, h := range []struct {
			name string
			make func(*topo.Snapshot) *topo.Snapshot
		}{{"names", hostile.Names}, {"everything", hostile.Snapshot}} {
			s := h.make(fixturetest.Load(t, fix))
			exam := doctor.Examine(s)
			x := NewIndex(s, exam)
			var out strings.Builder
			pages := 0
			for _, ref := range refs(s, exam) {
				p := x.Page(ref)
				if h.name == "names" && p.IsUnknown() {
					t.Errorf("%s/%s: no page for %q", fix, h.name, ref)
				}
				pages++
				m := show(p, 120, 40, true)
				press(m, "=")
				m.top().all()
				out.WriteString(m.Title() + "\n" + strings.Join(m.Crumbs(), " ") + "\n")
				for range 1 + len(m.top().rows)/40 {
					out.WriteString(m.View() + "\n")
					press(m, "pgdown")
				}
				for _, l := range p.Lines() {
					// Trace is an identifier handed to trace.Trace, not
					// text: never shown as it is.
					out.WriteString(l.Text + "\n" + l.Copy + "\n")
				}
				out.WriteString(m.Selected().Copy + "\n")
			}
			hostile.CheckTerminal(t, fix+"/"+h.name, []byte(out.String()))
			if h.name == "names" && !strings.Contains(out.String(), `\x1b]0;pwned`) {
				t.Errorf("%s/%s: the hostile names are not shown (escaped) on the pages", fix, h.name)
			}
			t.Logf("%s/%s: %d pages, %d bytes", fix, h.name, pages, out.Len())
		}
	}
}
