package tree

import (
	"strconv"

	"github.com/ostopo/ostopo/ui/render"
)

// KeepState carries what the user did in prev, the same view's tree of an
// earlier snapshot, over to m: which groups are folded, the row the cursor
// is on (outside a filter: the filter itself the root sets again with
// SetFilter, then the selection with Select), where it is on screen, the
// size and the horizontal scroll. Groups new in m keep the start policy.
// Call it in Update, before SetFilter and Select: prev must not change
// meanwhile.
func (m *Model) KeepState(prev *Model) {
	if prev == nil || len(prev.e) == 0 || len(m.e) == 0 {
		return
	}
	ids := m.identities()
	at := make(map[string]int, len(ids))
	for i, id := range ids {
		at[id] = i
	}
	prevIDs := prev.identities()
	for i, id := range prevIDs {
		if j, ok := at[id]; ok && prev.group(i) && m.group(j) {
			m.open[j] = prev.open[i]
		}
	}
	m.w, m.h, m.focused, m.hscroll = prev.w, prev.h, prev.focused, prev.hscroll
	cur, row := prev.node(), prev.cursor-prev.offset
	if prev.filtering {
		cur, row = prev.before, prev.beforeRow
	}
	target := -1
	if cur >= 0 {
		// A row gone with the refresh leaves the cursor on what remains
		// of its group.
		for j := cur; j >= 0 && target < 0; j = prev.parent(j) {
			if t, ok := at[prevIDs[j]]; ok {
				target = t
			}
		}
	}
	m.flatten()
	m.cursor = m.position(target)
	m.offset = m.cursor - row
	m.keepVisible()
}

// identities name every entry the same way in two snapshots: its
// ancestors' names, then its object (Ref), or its text when it has none
// of its own (a section, an explanation line), numbered among its
// siblings when two are alike.
func (m *Model) identities() []string {
	ids := make([]string, len(m.e))
	seen := make(map[string]int, len(m.e))
	for i := range m.e {
		e := &m.e[i]
		parent, inherited := "", render.Ref{}
		if e.parent >= 0 {
			parent = ids[e.parent]
			if o := m.e[e.parent].obj; o >= 0 {
				inherited = m.e[o].n.Ref
			}
		}
		var id string
		if ref := e.n.Ref; ref != (render.Ref{}) && ref != inherited {
			id = parent + "\x1f@" + ref.Kind + ":" + ref.ID
		} else {
			id = parent + "\x1f~" + e.n.Text
		}
		if c := seen[id]; c > 0 {
			seen[id] = c + 1
			id += "#" + strconv.Itoa(c)
		} else {
			seen[id] = 1
		}
		ids[i] = id
	}
	return ids
}
