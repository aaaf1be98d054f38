package main

import (
	"context"
	"fmt"
	"os"

	"github.com/ostopo/ostopo/fixtures"
	"github.com/ostopo/ostopo/netinspect/collect"
	"github.com/ostopo/ostopo/netinspect/topo"
)

// loadError says why a command has no snapshot to work on: the input was
// bad (a snapshot file unreadable, corrupt or too large: the operator's to
// fix), or nothing could be read from the node. Each command turns the two
// into its own exit status.
type loadError struct {
	badInput bool
	msg      string
}

func (e *loadError) Error() string { return e.msg }

// exit is the command's error for it: status bad for bad input, unread
// when the node could not be read.
func (e *loadError) exit(bad, unread int) error {
	if e.badInput {
		return fail(bad, "%s", e.msg)
	}
	return fail(unread, "%s", e.msg)
}

// load returns the snapshot from --demo, --replay or the live node,
// warning on stderr about every source that was not read.
func (a *app) load(ctx context.Context) (*topo.Snapshot, *loadError) {
	return a.loadWith(ctx, collect.Collect)
}

// loadWith is load reading a live node with collector (collect.Collect,
// or collect.Facts to leave the Neutron view to the caller).
func (a *app) loadWith(ctx context.Context, collector func(context.Context, collect.Options) (*topo.Snapshot, error)) (*topo.Snapshot, *loadError) {
	g := &a.g
	switch {
	case g.demo:
		snap, err := fixtures.Load("aio")
		if err != nil {
			return nil, &loadError{msg: fmt.Sprintf("demo snapshot: %v", err)}
		}
		return snap, nil
	case g.replay != "":
		snap, err := readSnapshotFile(g.replay, int64(g.maxInput))
		if err != nil {
			return nil, &loadError{badInput: true, msg: err.Error()}
		}
		a.warnSources(snap, "the snapshot says ")
		return snap, nil
	}
	ctx, cancel := context.WithTimeout(ctx, g.timeout)
	defer cancel()
	snap, err := collector(ctx, g.collectOptions())
	if err != nil {
		return nil, &loadError{msg: err.Error()}
	}
	if failed := snap.FailedSources(); len(failed) > 0 && os.Geteuid() != 0 {
		a.warn("not running as root: %d of %d facts could not be read", len(failed), len(snap.Sources))
	}
	a.warnSources(snap, "")
	if !useful(snap) {
		return nil, &loadError{msg: "nothing could be read from this node (neither OVSDB nor the node's own namespace)"}
	}
	return snap, nil
}

// warnSources prints one line per source that was not read, so that no
// view, answer or report is taken for complete when it is not.
func (a *app) warnSources(snap *topo.Snapshot, prefix string) {
	if len(snap.Sources) == 0 {
		a.warn("%sno source was read: every fact in it is unknown", prefix)
		return
	}
	for _, s := range snap.FailedSources() {
		a.warn("%s%s was not read: %s", prefix, s.Name, s.Error)
	}
}

// useful reports whether a live snapshot holds anything worth writing: OVS
// state or at least the node's own kernel state.
func useful(s *topo.Snapshot) bool {
	ovsdb := s.Source("ovsdb")
	root := s.Source("netlink/(root)")
	return ovsdb != nil && ovsdb.OK || root != nil && root.OK
}

// readSnapshotFile reads and checks a recorded snapshot of at most limit
// bytes (compressed, and again decompressed).
func readSnapshotFile(path string, limit int64) (*topo.Snapshot, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open snapshot: %w", err)
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.IsDir() {
		return nil, fmt.Errorf("%s: is a directory, not a snapshot file", path)
	}
	snap, err := topo.DecodeLimit(f, limit)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return snap, nil
}
