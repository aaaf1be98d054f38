package ui

import (
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/ostopo/ostopo/netinspect/cloud"
	"github.com/ostopo/ostopo/ui/filter"
	"github.com/ostopo/ostopo/ui/pane"
	"github.com/ostopo/ostopo/ui/table"
	"github.com/ostopo/ostopo/ui/views"
)

// nodesPane is the Nodes view's node table: a table pane whose enter
// scopes the other views to the row's node (the root does it on the
// OpenMsg), with the mesh one key away.
type nodesPane struct {
	*table.Model
	c pane.Context
}

func newNodesPane(c pane.Context, cl *cloud.Cloud, scope string) *nodesPane {
	return &nodesPane{Model: table.New(c, views.Nodes(cl, scope)), c: c}
}

// setScope moves the scope's mark (●) to the row of scope, keeping the
// sort, filter and cursor.
func (p *nodesPane) setScope(c pane.Context, cl *cloud.Cloud, scope string) {
	p.c = c
	p.Model.SetData(c, views.Nodes(cl, scope))
}

// Keys say what enter does here.
func (p *nodesPane) Keys() []key.Binding {
	k := p.c.Keys
	out := []key.Binding{
		key.NewBinding(key.WithKeys(k.Enter.Keys()...), key.WithHelp(k.Enter.Help().Key, "scope views to node")),
		key.NewBinding(key.WithKeys(k.Mesh.Keys()...), key.WithHelp(k.Mesh.Help().Key, "tunnel mesh")),
	}
	return append(out, p.Model.Keys()...)
}

// joinComma joins with commas.
func joinComma(xs []string) string { return strings.Join(xs, ",") }

// nodeHeadFields makes the fields of a node's heading row: what it shows
// and the node's name.
func nodeHeadFields(text, node string) filter.Fields {
	return filter.NewFields(text, map[string][]string{"kind": {"node"}, "id": {node}})
}
