package ui

import (
	"context"
	"errors"
	"runtime"
	"strconv"
	"strings"
	"sync"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/ostopo/ostopo/netinspect/cloud"
	"github.com/ostopo/ostopo/netinspect/cloudtrace"
	"github.com/ostopo/ostopo/netinspect/doctor"
	"github.com/ostopo/ostopo/netinspect/safetext"
	"github.com/ostopo/ostopo/netinspect/topo"
	"github.com/ostopo/ostopo/ui/describe"
	"github.com/ostopo/ostopo/ui/filter"
	"github.com/ostopo/ostopo/ui/meshview"
	"github.com/ostopo/ostopo/ui/pane"
	"github.com/ostopo/ostopo/ui/render"
	"github.com/ostopo/ostopo/ui/traceview"
	"github.com/ostopo/ostopo/ui/tree"
	"github.com/ostopo/ostopo/ui/views"
)

// A cloud (--replay-dir, several --replay) is many nodes' snapshots read
// as one (netinspect/cloud). The TUI shows it as k9s shows a cluster's
// contexts: a Nodes view (key 0, ahead of the node's views 1…8) lists the
// nodes with their roles and health, and the tunnel mesh as a matrix (m);
// every other view is scoped to one node (exactly the views of that
// node's snapshot) or to all nodes, where each node's rows sit under a
// foldable heading of the node and the Problems view adds what only
// shows across nodes. The scope is chosen with enter on the Nodes view's
// rows or `:node NAME` (`:node all`), and the header always says it.
//
// A node's views are built the first time it is scoped to, in a command
// (never in Update, never all twenty at load): the cloud of twenty
// 1000-instance nodes opens on its Nodes view at once. The scope "all"
// is built from every node's views, once, when a view other than Nodes
// first shows it.
//
// One node (a live node, a single --replay, or a --replay-dir of one
// snapshot) is today's TUI, unchanged: no Nodes view, no scope.

// CloudSource gives the TUI a whole cloud's snapshots. cmd wires in the
// recordings (--replay-dir, several --replay); the TUI knows nothing of
// files. Replays are not refreshed.
type CloudSource interface {
	Cloud(ctx context.Context) (*cloud.Cloud, error)
	// Describe names where the snapshots come from, for the header.
	Describe() string
}

// cloudAdapter lets a CloudSource stand where the TUI names its Source
// (the header, the actions that say why they are not available).
type cloudAdapter struct{ src CloudSource }

func (a cloudAdapter) Snapshot(context.Context) (*topo.Snapshot, error) {
	return nil, errors.New("a cloud source gives clouds, not one snapshot")
}
func (cloudAdapter) Live() bool         { return false }
func (a cloudAdapter) Describe() string { return a.src.Describe() }

// cloudState is the TUI of a cloud of more than one node.
type cloudState struct {
	c *cloud.Cloud
	// The Nodes view: the node table or, with showMesh, the mesh.
	nodes    *nodesPane
	mesh     *meshview.Model
	showMesh bool
	pages    *cloudPages
	// scope is the node the other views show, "" for all of them.
	scope string
	// byNode are the nodes' views built so far (a node built for the
	// scope "all" only has no panes of its own yet); all is the scope
	// "all" once built.
	byNode map[string]*loaded
	all    *loaded
	// seq is the newest scope asked for: a build finishing for an older
	// one is kept for later but not shown. building names what is being
	// built for the header ("" nothing); then runs once the scope asked
	// for is shown (enter on a node goes on to a view, D to the diagram).
	seq      int
	building string
	then     func(m *Model)
	// lastView is the view enter on the Nodes view goes to: the last
	// other view shown.
	lastView int
	// traceSeq numbers the cross-node traces asked for: a slow one
	// overtaken by a newer one is dropped.
	traceSeq int
}

// cloudLoaded is a cloud read by the CloudSource; single is its node's
// views when it has only one (today's TUI).
type cloudLoaded struct {
	seq    int
	c      *cloud.Cloud
	single *loaded
	err    error
}

// scopeBuilt brings views built for a scope: each node's built on the
// way, and for the scope "all" its grouped views.
type scopeBuilt struct {
	seq   int
	scope string
	nodes map[string]*loaded
	all   *loaded
}

// cloudTraced brings a cross-node trace.
type cloudTraced struct {
	seq    int
	target string
	r      *cloudtrace.Result
	err    error
}

// loadCloud returns the command that reads the cloud; a cloud of one
// node has its views built on the way (it is today's TUI).
func loadCloud(ctx context.Context, src CloudSource, seq int, c pane.Context) tea.Cmd {
	return func() tea.Msg {
		cl, err := src.Cloud(ctx)
		if err != nil {
			return cloudLoaded{seq: seq, err: err}
		}
		msg := cloudLoaded{seq: seq, c: cl}
		if len(cl.Nodes) == 1 {
			l := build(cl.Nodes[0].Snap, nil, c)
			l.seq = seq
			msg.single = &l
		}
		return msg
	}
}

// applyCloud installs a cloud: one node as a loaded snapshot, more as
// the Nodes view with the scope "all".
func (m *Model) applyCloud(msg cloudLoaded) tea.Cmd {
	if msg.seq != m.seq {
		return nil
	}
	if msg.err != nil || msg.single != nil {
		l := loaded{seq: msg.seq, err: msg.err}
		if msg.single != nil {
			l = *msg.single
		}
		return m.applyLoaded(l)
	}
	m.loading = false
	if !m.viewGiven {
		// A cloud opens on its nodes; --filter alone filters them.
		m.filters[viewNodes], m.filters[m.active] = m.filters[m.active], ""
		m.active = viewNodes
	}
	c := m.paneContext(nil)
	cs := &cloudState{c: msg.c, byNode: map[string]*loaded{}, lastView: viewTopology, showMesh: m.startMesh}
	cs.pages = &cloudPages{c: msg.c}
	cs.nodes = newNodesPane(m.nodesContext(msg.c), msg.c, "")
	cs.mesh = meshview.New(c, &msg.c.Mesh)
	m.cloud = cs
	m.describe = describe.New(c)
	if f := m.filters[viewNodes]; f != "" {
		if q, err := filter.Parse(f); err == nil {
			m.matches[viewNodes] = cs.nodes.SetFilter(q)
		}
	}
	m.layout()
	if m.active != viewNodes {
		cs.lastView = m.active
		return m.setScope("", nil)
	}
	m.follow()
	return nil
}

// nodesContext is the Nodes view's context: a node with problems has the
// E badge.
func (m *Model) nodesContext(c *cloud.Cloud) pane.Context {
	ctx := m.paneContext(nil)
	ctx.Badges = map[render.Ref]string{}
	for _, n := range c.Nodes {
		if b := views.NodeBadge(n.Health); b != "" {
			ctx.Badges[views.NodeRef(n.Name)] = b
		}
	}
	return ctx
}

// scopeName is the scope as the header and the status say it.
func (cs *cloudState) scopeName(scope string) string {
	if scope == "" {
		return "all " + strconv.Itoa(len(cs.c.Nodes)) + " nodes"
	}
	return safetext.Term(scope)
}

// ready is the scope's views when they are built (a node's with its own
// panes).
func (cs *cloudState) ready(scope string) *loaded {
	if scope == "" {
		return cs.all
	}
	if l := cs.byNode[scope]; l != nil && l.panes[0] != nil {
		return l
	}
	return nil
}

// setScope scopes the views to a node ("" all). Views built before show
// at once; others are built in a command, the header saying so, and the
// body until then. then runs once the scope shows.
func (m *Model) setScope(scope string, then func(m *Model)) tea.Cmd {
	cs := m.cloud
	if scope != "" && cs.c.Node(scope) == nil {
		m.status = "no node " + safetext.Term(scope) + " in this cloud"
		return nil
	}
	cs.seq++
	cs.scope, cs.then = scope, then
	cs.nodes.setScope(m.nodesContext(cs.c), cs.c, scope)
	if l := cs.ready(scope); l != nil {
		m.installScope(l)
		return nil
	}
	m.current = nil
	m.detailPane = nil
	if m.focus == focusDetail && m.active != viewNodes {
		m.focus = focusList
	}
	cs.building = cs.scopeName(scope)
	m.layout()
	seq, c := cs.seq, m.paneContext(nil)
	if scope != "" {
		snap, have := cs.c.Node(scope).Snap, cs.byNode[scope]
		return func() tea.Msg {
			var l loaded
			if have != nil {
				// Built for the scope "all": its panes only are missing.
				l = *have
				l.panes = l.data.panes(l.ctx)
			} else {
				l = build(snap, nil, c)
			}
			return scopeBuilt{seq: seq, scope: scope, nodes: map[string]*loaded{scope: &l}}
		}
	}
	// Every node's views, those not yet built built side by side, then
	// the grouped ones. The command reads only what no Update changes:
	// the snapshots and the views' data (never a pane).
	nodes := make([]*cloud.Node, len(cs.c.Nodes))
	have := make([]*loaded, len(cs.c.Nodes))
	for i := range cs.c.Nodes {
		nodes[i] = &cs.c.Nodes[i]
		have[i] = cs.byNode[nodes[i].Name]
	}
	cl := cs.c
	return func() tea.Msg {
		built := buildNodes(nodes, have, c)
		all := buildAll(cl, built, c)
		out := map[string]*loaded{}
		for i, l := range built {
			if have[i] == nil {
				out[nodes[i].Name] = l
			}
		}
		return scopeBuilt{seq: seq, nodes: out, all: all}
	}
}

// buildNodes returns every node's views, building (side by side, without
// their panes) those not given.
func buildNodes(nodes []*cloud.Node, have []*loaded, c pane.Context) []*loaded {
	out := make([]*loaded, len(nodes))
	copy(out, have)
	work := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < max(1, min(runtime.GOMAXPROCS(0), len(nodes))); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				l := buildNoPanes(nodes[i].Snap, c)
				out[i] = &l
			}
		}()
	}
	for i := range nodes {
		if out[i] == nil {
			work <- i
		}
	}
	close(work)
	wg.Wait()
	return out
}

// scopeBuilt keeps what was built and shows it when it is the scope
// asked for last.
func (m *Model) scopeBuilt(msg scopeBuilt) tea.Cmd {
	cs := m.cloud
	if cs == nil {
		return nil
	}
	for name, l := range msg.nodes {
		if old := cs.byNode[name]; old == nil || old.panes[0] == nil && l.panes[0] != nil {
			cs.byNode[name] = l
		}
	}
	if msg.all != nil && cs.all == nil {
		cs.all = msg.all
	}
	if msg.seq != cs.seq {
		return nil // the operator asked for another scope meanwhile
	}
	cs.building = ""
	if l := cs.ready(msg.scope); l != nil {
		m.installScope(l)
	}
	return nil
}

// installScope shows a scope's views: each with the view's filter, the
// detail pane following the new list.
func (m *Model) installScope(l *loaded) {
	cs := m.cloud
	cs.building = ""
	m.current = l
	for i, p := range l.panes {
		// Each view's filter, run again only where this scope's pane
		// does not have it yet.
		if l.applied[i] != m.filters[i] {
			if f, ok := p.(pane.Filterable); ok {
				if q, err := filter.Parse(m.filters[i]); err == nil {
					l.matches[i] = f.SetFilter(q)
				}
			}
			l.applied[i] = m.filters[i]
		}
		m.matches[i] = l.matches[i]
	}
	if m.describe != nil {
		m.describe.SetContext(l.ctx)
		if m.active != viewNodes {
			m.describe.Reset()
		}
	}
	if m.focus == focusDetail && m.detailPane == nil && m.active != viewNodes {
		m.focus = focusList
	}
	m.followRef = render.Ref{}
	m.layout()
	m.follow()
	if then := cs.then; then != nil {
		cs.then = nil
		then(m)
	}
}

// scopeTo is enter on the Nodes view's row of a node (or of all): the
// views are scoped to it, and the last view shown opens.
func (m *Model) scopeTo(ref render.Ref) tea.Cmd {
	cs := m.cloud
	scope := ""
	if ref.Kind == views.KindNode {
		scope = ref.ID
	}
	next := cs.lastView
	cmd := m.setScope(scope, nil)
	return tea.Batch(cmd, m.switchView(next))
}

// cloudTrace traces a target across the cloud in a command (it walks
// every node's snapshot): the trace opens in the detail pane when it
// comes back, unless a newer one was asked for.
func (m *Model) cloudTrace(target string, reverse bool) tea.Cmd {
	cs := m.cloud
	cs.traceSeq++
	seq, cl := cs.traceSeq, cs.c
	m.status = "tracing " + safetext.Term(target) + " across " + strconv.Itoa(len(cl.Nodes)) + " nodes…"
	return func() tea.Msg {
		r, err := cloudtrace.Trace(cl, target, cloudtrace.Options{Reverse: reverse})
		return cloudTraced{seq: seq, target: target, r: r, err: err}
	}
}

func (m *Model) cloudTraced(msg cloudTraced) tea.Cmd {
	cs := m.cloud
	if cs == nil || msg.seq != cs.traceSeq {
		return nil
	}
	if msg.err != nil {
		m.status = "trace: " + safetext.Term(msg.err.Error())
		return nil
	}
	m.status = ""
	ctx := m.paneContext(m.current)
	m.detailPane = traceview.NewCloud(ctx, msg.r)
	m.focus = focusDetail
	m.layout()
	return nil
}

// nodeOfRow is the node a row of the Nodes view or of the scope "all"
// stands for, and the node's own Ref of the row's object, for the
// actions of one node (D, the diagram); ok is false for a row of no
// node.
func nodeOfRow(ref render.Ref) (string, render.Ref, bool) {
	if ref.Kind == views.KindNode {
		return ref.ID, render.Ref{}, true
	}
	return render.NodeOf(ref)
}

// mergedExam is every node's doctor result in one, for the counts of
// the scope "all".
func mergedExam(ls []*loaded) doctor.Result {
	var r doctor.Result
	for _, l := range ls {
		r.Findings = append(r.Findings, l.exam.Findings...)
		r.Unchecked = append(r.Unchecked, l.exam.Unchecked...)
	}
	return r
}

// headOf is a node's heading row in the views of all nodes: its name,
// roles and health, as the Nodes view says them.
func headOf(n *cloud.Node) views.NodeHead {
	h := views.NodeHead{Node: n.Name, Ref: views.NodeRef(n.Name), Class: render.Header}
	text := "node " + safetext.Term(n.Name)
	if len(n.Roles) > 0 {
		text += "  " + safetext.Term(joinComma(n.Roles))
	}
	switch n.Health.State {
	case cloud.HealthProblems:
		text += "  ✗ " + strconv.Itoa(n.Health.Problems+n.Health.CrossProblems) + " problems"
	case cloud.HealthUnknown:
		text += "  ? " + strconv.Itoa(views.NodeUnknown(n.Health)) + " unknown"
		h.Health = tree.Unknown
	default:
		text += "  ok"
	}
	h.Text = text
	h.Fields = nodeHeadFields(text, n.Name)
	return h
}

// cloudHeader is the header of a cloud: the scope (a node, or all of
// them), the doctor's counts of the scope's nodes (and the problems
// across nodes for all), what was not read, where the snapshots come
// from and the totals of the scope, and what is being built.
func (m *Model) cloudHeader() string {
	s := m.opt.Styles
	cs := m.cloud
	line := s.Title.Render("ostopo")
	scope := cs.scopeName(cs.scope)
	if cs.scope != "" {
		// A host name from someone else's snapshot can be long: at most
		// half the line.
		scope = pane.Fit(scope, max(16, m.width/2))
		for i, n := range cs.c.Nodes {
			if n.Name == cs.scope {
				scope += " (node " + strconv.Itoa(i+1) + " of " + strconv.Itoa(len(cs.c.Nodes)) + ")"
			}
		}
	}
	var counts []string
	cross, unchecked := len(cs.c.Problems), len(cs.c.Unknown)
	if cs.scope != "" {
		cross, unchecked = len(cs.c.ProblemsOf(cs.scope)), 0
	}
	if l := m.current; l != nil {
		errs, warns := severityCounts(l.exam)
		if errs > 0 {
			counts = append(counts, s.Error.Render("E "+strconv.Itoa(errs)))
		}
		if warns > 0 {
			counts = append(counts, s.Changed.Render("W "+strconv.Itoa(warns)))
		}
		if l.unread != "" {
			counts = append(counts, s.Error.Render("✗ "+l.unread))
		}
	} else {
		bad, unknown := 0, 0
		for _, n := range cs.c.Nodes {
			if cs.scope != "" && n.Name != cs.scope {
				continue
			}
			switch n.Health.State {
			case cloud.HealthProblems:
				bad++
			case cloud.HealthUnknown:
				unknown++
			}
		}
		if bad > 0 {
			counts = append(counts, s.Error.Render("✗ "+strconv.Itoa(bad)+" with problems"))
		}
		if unknown > 0 {
			counts = append(counts, s.Error.Render("? "+strconv.Itoa(unknown)+" not read whole"))
		}
	}
	if cross > 0 {
		counts = append(counts, s.Error.Render("✗ "+strconv.Itoa(cross)+" across nodes"))
	}
	if unchecked > 0 {
		counts = append(counts, s.Changed.Render("? "+strconv.Itoa(unchecked)+" unchecked across nodes"))
	}
	if len(counts) == 0 {
		counts = append(counts, s.Good.Render("✓ healthy"))
	}
	source := safetext.Term(m.opt.Source.Describe())
	var totals string
	if l := m.current; l != nil && l.snap != nil {
		n := &l.snap.Neutron
		source += " · " + l.snap.TakenAt.Format("2006-01-02 15:04")
		totals = strconv.Itoa(len(n.Ports)) + " ports · " + strconv.Itoa(len(n.Networks)) + " networks · " +
			strconv.Itoa(len(n.Routers)) + " routers · " + strconv.Itoa(len(l.snap.Namespaces)) + " ns"
	} else {
		c := cs.c
		totals = strconv.Itoa(len(c.Nodes)) + " nodes · " + strconv.Itoa(len(c.Ports)) + " ports · " +
			strconv.Itoa(len(c.Networks)) + " networks · " + strconv.Itoa(len(c.Routers)) + " routers"
	}
	if cs.building != "" {
		source += " ⟳ building " + cs.building
	}
	line += " " + s.Header.Render(scope) + "  " + strings.Join(counts, " ") + "  " + s.Status.Render(source+" · "+totals)
	return pane.FitStyled(line, m.width)
}
