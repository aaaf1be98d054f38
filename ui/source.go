package ui

import (
	"context"
	"strconv"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/ostopo/ostopo/netinspect/doctor"
	"github.com/ostopo/ostopo/netinspect/topo"
	"github.com/ostopo/ostopo/netinspect/trace"
	"github.com/ostopo/ostopo/ui/describe"
	"github.com/ostopo/ostopo/ui/pane"
	"github.com/ostopo/ostopo/ui/render"
)

// Source gives the TUI its snapshots. cmd wires in the live collector or a
// recorded file; the TUI knows nothing of netlink, netns or OVS.
type Source interface {
	Snapshot(ctx context.Context) (*topo.Snapshot, error)
	// Live says whether a refresh reads the node again (a replay does not).
	Live() bool
	// Describe names where snapshots come from, for the header.
	Describe() string
}

// Verifier asks the live node's bridges about a trace (ovs-appctl
// ofproto/trace), as `ostopo trace` does. It does I/O: the TUI runs it in a
// command, never in Update. Nil on a replay.
type Verifier interface {
	Verify(ctx context.Context, r *trace.Result) ([]topo.OFTraceRecord, error)
}

// loaded is a snapshot with every view's pane built and compared with the
// previous snapshot's, all off the Update path.
type loaded struct {
	seq  int
	snap *topo.Snapshot
	exam doctor.Result
	// badges mark the objects the doctor found problems with.
	badges map[render.Ref]string
	// unread says how many sources were not read ("3 unread", "nothing
	// read"), or "" when every one was.
	unread string
	// data is what the views show; panes are their list panes, in tab
	// order.
	data  viewData
	panes [viewCount]pane.Pane
	// keys are every row's key of this snapshot: what the next refresh
	// compares with for its • marks.
	keys map[string]bool
	// ctx is what this snapshot's panes were made with (badges, marks).
	ctx pane.Context
	// pages builds the describe pages of this snapshot; pager is what the
	// detail pane asks for a row's page (pages, or for the views of many
	// nodes the page of the node the row names).
	pages *describe.Index
	pager pager
	// applied and matches are the filter each pane has, and its matches
	// (a cloud's scope shown again keeps them: no filter runs twice).
	applied [viewCount]string
	matches [viewCount]int
	err     error
}

// load returns the command that reads a snapshot and builds its views.
// against holds the keys to compare with (read-only): the previous
// snapshot's, or the --baseline's; seq lets Update drop a result that a
// newer refresh overtook.
func load(ctx context.Context, src Source, seq int, against map[string]bool, c pane.Context) tea.Cmd {
	return func() tea.Msg {
		snap, err := src.Snapshot(ctx)
		if err != nil {
			return loaded{seq: seq, err: err}
		}
		l := build(snap, against, c)
		l.seq = seq
		return l
	}
}

// build makes every view of a snapshot, with the doctor's badges and the
// change marks against the keys of an earlier snapshot (nil: none).
func build(snap *topo.Snapshot, against map[string]bool, c pane.Context) loaded {
	l := buildViewData(snap, against, c)
	l.panes = l.data.panes(l.ctx)
	return l
}

// buildNoPanes is build without the panes: a node of a cloud built for
// the views of all nodes, which need its rows but not its panes.
func buildNoPanes(snap *topo.Snapshot, c pane.Context) loaded { return buildViewData(snap, nil, c) }

// buildViewData is build but for the panes.
func buildViewData(snap *topo.Snapshot, against map[string]bool, c pane.Context) loaded {
	l := loaded{snap: snap, exam: doctor.Examine(snap)}
	l.badges = render.Badges(l.exam.Findings)
	switch failed := len(snap.FailedSources()); {
	case len(snap.Sources) == 0:
		l.unread = "nothing read"
	case failed > 0:
		l.unread = strconv.Itoa(failed) + " unread"
	}
	c.Badges = l.badges
	if against != nil {
		c.Changed = func(key string) bool { return !against[key] }
	}
	l.ctx = c
	l.data = buildViews(snap, l.exam, l.badges)
	l.keys = l.data.keys()
	l.pages = describe.NewIndex(snap, l.exam)
	l.pager = l.pages
	return l
}

// tick is the --watch timer.
type tick struct{}

func tickAfter(d time.Duration) tea.Cmd {
	return tea.Tick(d, func(time.Time) tea.Msg { return tick{} })
}
