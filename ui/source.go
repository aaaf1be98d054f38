package ui

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/ostopo/ostopo/netinspect/doctor"
	"github.com/ostopo/ostopo/netinspect/topo"
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

// viewCount is the number of top-level views.
const viewCount = 6

// view is a top-level view: its tab name and how its rows are built.
type view struct {
	name  string
	build func(*topo.Snapshot) []render.Row
}

// views are the top-level views, in tab order (keys 1…6).
func views() [viewCount]view {
	return [viewCount]view{
		{"Topology", render.Topology},
		{"Networks", render.Networks},
		{"Namespaces", render.Namespaces},
		{"Ports", render.Ports},
		{"Flows", render.Flows},
		{"Problems", nil}, // built from the doctor's findings, see load
	}
}

// loaded is a snapshot with every view's rows built and compared with the
// previous snapshot's, all off the Update path.
type loaded struct {
	seq     int
	snap    *topo.Snapshot
	rows    [viewCount][]render.Row
	changed [viewCount][]bool
	// badges mark the objects the doctor found problems with.
	badges map[render.Ref]string
	// unread says how many sources were not read ("3 unread", "nothing
	// read"), or "" when every one was.
	unread string
	took   time.Duration
	err    error
}

// load returns the command that reads a snapshot and builds its views.
// against holds the rows to compare with (read-only): the previous
// snapshot's, or the --baseline's; seq lets Update drop a result that a
// newer refresh overtook.
func load(ctx context.Context, src Source, seq int, against *loaded) tea.Cmd {
	return func() tea.Msg {
		start := time.Now()
		snap, err := src.Snapshot(ctx)
		if err != nil {
			return loaded{seq: seq, err: err}
		}
		l := build(snap)
		l.seq = seq
		for i := range l.rows {
			if against == nil || against.snap == nil {
				continue
			}
			before := make(map[string]bool, len(against.rows[i]))
			for _, r := range against.rows[i] {
				before[r.Key()] = true
			}
			for j, r := range l.rows[i] {
				l.changed[i][j] = !before[r.Key()]
			}
		}
		l.took = time.Since(start)
		return l
	}
}

// build makes every view's rows of a snapshot, with the doctor's badges.
func build(snap *topo.Snapshot) loaded {
	l := loaded{snap: snap}
	exam := doctor.Examine(snap)
	l.badges = render.Badges(exam.Findings)
	switch failed := len(snap.FailedSources()); {
	case len(snap.Sources) == 0:
		l.unread = "nothing read"
	case failed > 0:
		l.unread = strconv.Itoa(failed) + " unread"
	}
	for i, v := range views() {
		if v.build == nil {
			l.rows[i] = render.ProblemsResult(exam)
		} else {
			l.rows[i] = v.build(snap)
		}
		l.changed[i] = make([]bool, len(l.rows[i]))
	}
	return l
}

// tick is the --watch timer.
type tick struct{}

func tickAfter(d time.Duration) tea.Cmd {
	return tea.Tick(d, func(time.Time) tea.Msg { return tick{} })
}

// ViewRows builds one view's rows by name, for printing without the TUI.
// Their Text, Search and Copy are terminal text (safetext.Term), as the
// TUI shows them; Ref is as the snapshot has it.
func ViewRows(s *topo.Snapshot, name string) ([]render.Row, bool) {
	for _, v := range views() {
		switch {
		case !strings.EqualFold(v.name, name):
		case v.build == nil:
			return safeRows(render.ProblemsResult(doctor.Examine(s))), true
		default:
			return safeRows(v.build(s)), true
		}
	}
	return nil, false
}

// ErrUnknownView is returned for a view name that is not a top-level view.
var ErrUnknownView = errors.New("unknown view")

// PlainText is a view of a snapshot as terminal text, one row a line, for
// printing without the TUI (--plain, a pipe): the rows matching filter
// (names, ids, addresses; any case, as the rows show them) and the group
// headers. Every string of the snapshot in it is escaped as the TUI
// escapes it (safetext.Term), so the text is safe to write to a terminal
// as it is. An unknown view is ErrUnknownView.
func PlainText(s *topo.Snapshot, view, filter string) (string, error) {
	rows, ok := ViewRows(s, view)
	if !ok {
		// %q writes control characters as escapes.
		return "", fmt.Errorf("%w %q (%s)", ErrUnknownView, view, strings.Join(ViewNames(), ", "))
	}
	term := strings.ToLower(filter)
	var b strings.Builder
	for _, r := range rows {
		if r.Matches(term) || r.Class == render.Header {
			b.WriteString(r.Text)
			b.WriteByte('\n')
		}
	}
	return b.String(), nil
}
