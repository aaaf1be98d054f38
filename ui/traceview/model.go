// Package traceview is the pane of one trace (ostopo trace in the TUI):
// the verdict on top, broken and unknown hops open with their evidence,
// what was expected, what was found and what to run next, holding hops
// one line each; keys jump between broken hops, y copies the next:
// command, Y the whole trace as Markdown. On a live node the root
// verifies the trace with ofproto/trace in a command and hands the
// verdicts to the pane (SetVerifying, then SetVerified or a Verified
// message).
package traceview

import (
	"slices"
	"strconv"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/ostopo/ostopo/netinspect/cloudtrace"
	"github.com/ostopo/ostopo/netinspect/topo"
	"github.com/ostopo/ostopo/netinspect/trace"
	"github.com/ostopo/ostopo/ui/describe"
	"github.com/ostopo/ostopo/ui/pane"
	"github.com/ostopo/ostopo/ui/render"
)

// Model is one trace's pane (a pane.Pane).
type Model struct {
	c    pane.Context
	r    *trace.Result // the pane's own copy (see New)
	host string
	v    *describe.Viewer
	// state says whether ofproto/trace is being asked (verifying) or has
	// answered (verified); verifyErr is why it could not be.
	state     int
	verifyErr string
	// cloud is set for a trace across the nodes of a cloud (NewCloud):
	// its text is cloudtrace.Text's, each hop naming its node.
	cloud *cloudtrace.Result
}

var _ pane.Pane = (*Model)(nil)

// New shows a trace of the node host. The pane keeps its own copy of the
// result's hops: the root may hand r to trace.Verify in a command while
// the pane draws (Verify writes each hop's verdict into r), and the
// verdicts come back through SetVerified.
func New(c pane.Context, r *trace.Result, host string) *Model {
	own := *r
	own.Hops = slices.Clone(r.Hops)
	m := &Model{c: c, r: &own, host: host, v: describe.NewViewer(c)}
	m.v.SetPage(m.page())
	return m
}

// Result is the trace the pane shows, with the verdicts attached so far.
func (m *Model) Result() *trace.Result { return m.r }

// SetContext replaces the shared styles, keys and badges.
func (m *Model) SetContext(c pane.Context) {
	m.c = c
	m.v.SetContext(c)
}

// SetVerifying says ofproto/trace is being asked: the line under the
// verdict says "verifying with ofproto/trace…" until SetVerified.
func (m *Model) SetVerifying() {
	m.state, m.verifyErr = verifying, ""
	m.redraw()
}

// SetVerified attaches ofproto/trace's verdicts (trace.Verify's records,
// or a recording's) to the hops whose packets they are of, and redraws.
// Nil records: the bridges gave no verdict.
func (m *Model) SetVerified(records []topo.OFTraceRecord) {
	trace.Attach(m.r, records)
	m.state = verified
	m.redraw()
}

// SetVerifyError says why ofproto/trace could not be asked.
func (m *Model) SetVerifyError(err error) {
	m.state, m.verifyErr = verified, err.Error()
	m.redraw()
}

// Verified carries ofproto/trace's verdicts to the pane they are for
// (Update takes it; a message for another pane is ignored).
type Verified struct {
	Pane    *Model
	Records []topo.OFTraceRecord
	Err     error
}

// NewCloud shows a trace across the nodes of a cloud: each hop names its
// node, the crossings name both nodes' local VLANs and the VNI, and the
// first broken hop is marked. Nothing verifies it (the recordings are
// replayed); the keys are a node's trace's.
func NewCloud(c pane.Context, r *cloudtrace.Result) *Model {
	own := *r
	own.Hops = slices.Clone(r.Hops)
	flat := &trace.Result{
		IP: r.Target, Direction: r.Direction, FloatingIP: r.FloatingIP, FixedIP: r.FixedIP, PortID: r.PortID,
		RouterID: r.RouterID, NetworkID: r.NetworkID, Role: r.Role, Complete: r.Complete,
		BrokenAt: r.BrokenAt, Unknown: r.Unknown, UnknownAt: r.UnknownAt, Standby: r.Standby, StandbyAt: r.StandbyAt,
		ContinuesAt: r.ContinuesAt, Hops: make([]trace.Hop, len(r.Hops)),
	}
	for i, h := range r.Hops {
		flat.Hops[i] = h.Hop
	}
	m := &Model{c: c, r: flat, v: describe.NewViewer(c), cloud: &own}
	m.v.SetPage(m.page())
	return m
}

// Cloud is the cloud trace the pane shows (nil for one node's).
func (m *Model) Cloud() *cloudtrace.Result { return m.cloud }

// page lays out the trace as it stands.
func (m *Model) page() describe.Page {
	if m.cloud != nil {
		return layout(m.r, parseText(cloudtrace.Text(m.cloud)), m.Title(), true, m.state, m.verifyErr)
	}
	return page(m.r, m.host, m.state, m.verifyErr)
}

// redraw lays the page out again, keeping the cursor and folds.
func (m *Model) redraw() {
	m.v.Replace(m.page())
}

// Update handles keys: ]/[ and }/{ jump between broken (or unknown)
// hops, y copies the next: command, Y the trace as Markdown, space and
// Enter fold a hop; the rest moves as on any page. It does no I/O.
func (m *Model) Update(msg tea.Msg) tea.Cmd {
	k := m.c.Keys
	switch msg := msg.(type) {
	case Verified:
		if msg.Pane == m {
			if msg.Err != nil {
				m.SetVerifyError(msg.Err)
			} else {
				m.SetVerified(msg.Records)
			}
		}
		return nil
	case tea.KeyMsg:
		switch {
		case key.Matches(msg, k.NextProblem), key.Matches(msg, k.NextGroup):
			m.jump(1)
			return nil
		case key.Matches(msg, k.PrevProblem), key.Matches(msg, k.PrevGroup):
			m.jump(-1)
			return nil
		case key.Matches(msg, k.Copy):
			if next := m.next(); next != "" {
				return pane.CopyCmd(next, "next: command")
			}
			return pane.StatusCmd("nothing to run next: no hop is broken")
		case key.Matches(msg, k.CopyMarkdown):
			if m.cloud != nil {
				return pane.CopyCmd(markdown(parseText(cloudtrace.Text(m.cloud))), "trace as Markdown")
			}
			return pane.CopyCmd(Markdown(m.r, m.host), "trace as Markdown")
		}
	}
	return m.v.Update(msg)
}

// jump moves the cursor to the next (dir 1) or previous (-1) hop that is
// broken or could not be checked, opening it.
func (m *Model) jump(dir int) {
	found := m.v.Find(dir, func(sec, line int, _ describe.Line) bool {
		return line < 0 && m.bad(sec)
	})
	if found {
		sec, _ := m.v.At()
		m.v.SetFolded(sec, false)
		m.v.MoveTo(sec, -1)
	}
}

// hop is the hop of a section (sections 1… are the hops), or -1.
func (m *Model) hop(sec int) int {
	if sec >= 1 && sec <= len(m.r.Hops) && len(m.v.Page().Sections) > len(m.r.Hops) {
		return sec - 1
	}
	return -1
}

// bad reports whether a section is a hop that does not hold.
func (m *Model) bad(sec int) bool {
	i := m.hop(sec)
	return i >= 0 && !m.r.Hops[i].OK
}

// next is the command of the next: line of the hop under the cursor, or
// of the first broken hop.
func (m *Model) next() string {
	sec, _ := m.v.At()
	if i := m.hop(sec); i >= 0 && m.r.Hops[i].Next != "" {
		return term(m.r.Hops[i].Next)
	}
	if m.r.BrokenAt != nil {
		return term(m.r.Hops[*m.r.BrokenAt].Next)
	}
	return ""
}

// View draws the trace, its verdict on the first line when the pane is
// opened.
func (m *Model) View() string { return m.v.View() }

// SetSize gives the pane its cells.
func (m *Model) SetSize(w, h int) { m.v.SetSize(w, h) }

// SetFocus tells the pane whether keys go to it.
func (m *Model) SetFocus(f bool) { m.v.SetFocus(f) }

// Title is "trace 203.0.113.200"; a cloud's trace names how many nodes
// its path crosses ("trace 203.0.113.143 across 2 nodes").
func (m *Model) Title() string {
	if m.cloud == nil {
		return title(m.r)
	}
	t := title(m.r)
	if n := len(m.cloud.Nodes); n > 0 {
		t += " across " + strconv.Itoa(n) + " node"
		if n > 1 {
			t += "s"
		}
	}
	return t
}

// Selected is the trace; y copies the next: command.
func (m *Model) Selected() pane.Selection {
	return pane.Selection{Ref: render.Ref{Kind: "trace", ID: m.r.IP}, Copy: m.next()}
}

// Keys are the trace's bindings, most useful first.
func (m *Model) Keys() []key.Binding {
	k := m.c.Keys
	out := []key.Binding{}
	if m.r.BrokenAt != nil || m.r.Unknown {
		out = append(out, rehelp(k.NextProblem, "next broken hop"), rehelp(k.PrevProblem, "previous broken hop"))
	}
	if m.next() != "" {
		out = append(out, rehelp(k.Copy, "copy next: command"))
	}
	out = append(out, rehelp(k.CopyMarkdown, "copy as Markdown"), rehelp(k.Fold, "fold hop"), k.Up, k.Down)
	return out
}

func rehelp(b key.Binding, desc string) key.Binding {
	return key.NewBinding(key.WithKeys(b.Keys()...), key.WithHelp(b.Help().Key, desc))
}
