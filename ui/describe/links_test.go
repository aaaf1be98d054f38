package describe

import (
	"testing"

	"github.com/ostopo/ostopo/fixtures/fixturetest"
	"github.com/ostopo/ostopo/netinspect/doctor"
)

// Every object the views and the doctor name has a page, and every link
// on every page opens a page that knows its object.
func TestLinksResolve(t *testing.T) {
	for _, name := range []string{"aio", "bad"} {
		s := fixturetest.Load(t, name)
		exam := doctor.Examine(s)
		x := NewIndex(s, exam)
		links := 0
		for _, ref := range refs(s, exam) {
			p := x.Page(ref)
			if p.IsUnknown() {
				t.Errorf("%s: no page for %v", name, ref)
				continue
			}
			if p.Ref != ref || p.Title == "" {
				t.Errorf("%s: page of %v has ref %v, title %q", name, ref, p.Ref, p.Title)
			}
			for _, l := range p.Lines() {
				if l.Link.Kind == "" {
					continue
				}
				links++
				if x.Page(l.Link).IsUnknown() {
					t.Errorf("%s: %v: line %q links to %v, which has no page", name, ref, l.Text, l.Link)
				}
			}
		}
		if links < 100 {
			t.Errorf("%s: only %d links on all pages", name, links)
		}
		t.Logf("%s: %d links", name, links)
	}
}
