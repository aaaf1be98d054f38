package describe

import (
	"strings"

	"github.com/ostopo/ostopo/netinspect/safetext"
	"github.com/ostopo/ostopo/ui/render"
)

// raw is the section of every fact the snapshot holds about an object,
// as flattened JSON paths (what the detail page used to be): at the very
// end, folded, and built only when unfolded (it marshals the objects).
func (x *Index) raw(ref render.Ref) Section {
	return Section{Name: "raw", Folded: true, Lazy: func() []Line {
		var ls lines
		for _, r := range rawFacts(x.s, ref) {
			class := r.Class
			if class == render.Header {
				class = render.Dim // a JSON section title, not one of the page's
			}
			ls = append(ls, Line{Text: safetext.Term(r.Text), Class: class, Copy: safetext.Term(r.Copy)})
		}
		if len(ls) == 1 && strings.HasPrefix(ls[0].Text, "nothing known") {
			ls[0].Class = render.Dim
		}
		return ls
	}}
}
