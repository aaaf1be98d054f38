package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/ostopo/ostopo/fixtures"
	"github.com/ostopo/ostopo/netinspect/cloud"
	"github.com/ostopo/ostopo/netinspect/collect"
	"github.com/ostopo/ostopo/netinspect/safetext"
	"github.com/ostopo/ostopo/netinspect/sosimport"
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
	g.resolve()
	switch {
	case g.cloudReplay():
		// A command of one node on a cloud's recordings: fine when they
		// hold one node.
		snaps, lerr := a.loadSnapshots()
		if lerr != nil {
			return nil, lerr
		}
		if len(snaps) != 1 {
			return nil, &loadError{badInput: true, msg: fmt.Sprintf("%d node snapshots given (--replay-dir, --replay): this command works on one node; give one --replay FILE (ostopo cloud and ostopo doctor take many)", len(snaps))}
		}
		return snaps[0].snap, nil
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
	case g.imported():
		snap, err := importSnapshot(ctx, g)
		if err != nil {
			return nil, &loadError{badInput: true, msg: oneLine(err.Error())}
		}
		a.warnImported(snap)
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

// importSnapshot reads --sos or --from-dir into a snapshot
// (netinspect/sosimport), its files within --max-input together.
func importSnapshot(ctx context.Context, g *globals) (*topo.Snapshot, error) {
	lim := sosimport.Limits{MaxBytes: int64(g.maxInput)}
	var t *sosimport.Tree
	var err error
	if g.sos != "" {
		t, err = sosimport.Open(ctx, g.sos, lim)
	} else {
		t, err = sosimport.OpenDir(ctx, g.fromDir, lim)
	}
	if err != nil {
		return nil, err
	}
	return sosimport.Import(t)
}

// importSource is --sos or --from-dir for the TUI: read once (a refresh
// reads the same files again).
type importSource struct{ g *globals }

func (s importSource) Snapshot(ctx context.Context) (*topo.Snapshot, error) {
	return importSnapshot(ctx, s.g)
}
func (importSource) Live() bool { return false }
func (s importSource) Describe() string {
	if s.g.sos != "" {
		return s.g.sos
	}
	return s.g.fromDir
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

// warnImported is warnSources for an imported snapshot, whose sources
// fail alike in every namespace (a sosreport of 4.0 has no ip_forward in
// any): one line per family and reason, naming a few namespaces.
func (a *app) warnImported(snap *topo.Snapshot) {
	type group struct {
		family, why string
		labels      []string
	}
	var groups []*group
	byKey := map[string]*group{}
	for _, s := range snap.FailedSources() {
		family, label, ok := strings.Cut(s.Name, "/")
		if !ok || label == "" || label == "(root)" {
			a.warn("%s was not read: %s", s.Name, s.Error)
			continue
		}
		why := strings.ReplaceAll(s.Error, label, "<ns>")
		key := family + "\x00" + why
		g := byKey[key]
		if g == nil {
			g = &group{family: family, why: why}
			byKey[key] = g
			groups = append(groups, g)
		}
		g.labels = append(g.labels, label)
	}
	for _, g := range groups {
		if len(g.labels) == 1 {
			a.warn("%s/%s was not read: %s", g.family, g.labels[0], strings.ReplaceAll(g.why, "<ns>", g.labels[0]))
			continue
		}
		names := g.labels
		more := ""
		if len(names) > 3 {
			names, more = names[:3], fmt.Sprintf(" and %d more", len(g.labels)-3)
		}
		a.warn("%s/ of %d namespaces (%s%s) was not read: %s", g.family, len(g.labels), strings.Join(names, ", "), more, g.why)
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
	snap, _, err := readSnapshotFileSize(path, limit)
	return snap, err
}

// readSnapshotFileSize is readSnapshotFile also saying how many bytes of
// JSON the snapshot took, decompressed.
func readSnapshotFileSize(path string, limit int64) (*topo.Snapshot, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, fmt.Errorf("open snapshot: %w", err)
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.IsDir() {
		return nil, 0, fmt.Errorf("%s: is a directory, not a snapshot file", path)
	}
	snap, size, err := topo.DecodeLimitSize(f, limit)
	if err != nil {
		return nil, 0, fmt.Errorf("%s: %w", path, err)
	}
	return snap, size, nil
}

// cloudBudget is how many times --max-input the snapshots of a cloud may
// take together, decompressed (1 GiB by default; 20 nodes of 1000
// instances take 70 MB): each file's own bound alone would let a
// directory of many files, or of small gzip files that decompress to the
// bound, take memory without end.
const cloudBudget = 8

// budget is what is left of the cloud's budget; reserve takes up to
// want from it (0: nothing left) and the reader gives back what it did
// not use.
type budget struct{ left atomic.Int64 }

func (b *budget) reserve(want int64) int64 {
	for {
		left := b.left.Load()
		take := min(want, left)
		if take <= 0 {
			return 0
		}
		if b.left.CompareAndSwap(left, left-take) {
			return take
		}
	}
}

// nodeFile is a snapshot and the file it came from.
type nodeFile struct {
	path string
	snap *topo.Snapshot
}

// loadCloud returns the cloud of the recordings (--replay-dir, each
// --replay), or a one-node cloud of the single snapshot load reads
// (--replay FILE, --demo, the live node). It warns on stderr about every
// source a node did not read, naming the node.
func (a *app) loadCloud(ctx context.Context) (*cloud.Cloud, *loadError) {
	a.g.resolve()
	if !a.g.cloudReplay() {
		snap, lerr := a.load(ctx)
		if lerr != nil {
			return nil, lerr
		}
		c, err := cloud.New([]*topo.Snapshot{snap})
		if err != nil {
			return nil, &loadError{badInput: true, msg: err.Error()}
		}
		return c, nil
	}
	files, lerr := a.loadSnapshots()
	if lerr != nil {
		return nil, lerr
	}
	snaps := make([]*topo.Snapshot, len(files))
	for i, f := range files {
		snaps[i] = f.snap
	}
	c, err := cloud.New(snaps)
	var dup *cloud.DuplicateHostError
	var masked *cloud.MaskedError
	switch {
	case errors.As(err, &dup):
		return nil, &loadError{badInput: true, msg: fmt.Sprintf("%s and %s are both snapshots of host %q: give one per node", files[dup.First].path, files[dup.Second].path, dup.Host)}
	case errors.As(err, &masked):
		return nil, &loadError{badInput: true, msg: fmt.Sprintf("%s: host %q was imported from a report sos clean masked: its addresses and MACs are aliases of that report alone, which a cloud cannot match across nodes; read it alone (--replay %s)", files[masked.Index].path, masked.Host, files[masked.Index].path)}
	case err != nil:
		return nil, &loadError{badInput: true, msg: err.Error()}
	}
	return c, nil
}

// loadSnapshots reads every snapshot of --replay-dir and of each --replay,
// in that order, each within --max-input.
func (a *app) loadSnapshots() ([]nodeFile, *loadError) {
	g := &a.g
	var paths []string
	if g.replayDir != "" {
		dir, err := replayDirFiles(g.replayDir)
		if err != nil {
			return nil, &loadError{badInput: true, msg: oneLine(err.Error())}
		}
		paths = append(paths, dir...)
		a.warnCollect(filepath.Join(g.replayDir, collectFile))
	}
	paths = append(paths, g.replays...)
	// Decoding is most of the time a cloud takes to open (20 nodes of
	// 1000 instances: 1.5 s of 1.7 s to the first frame): read the files
	// side by side, one per CPU, so that memory stays bounded by a few
	// files at once. The first bad file in the order given is the one
	// named.
	snaps := make([]*topo.Snapshot, len(paths))
	errs := make([]error, len(paths))
	limit := int64(g.maxInput)
	var left budget
	left.left.Store(cloudBudget * limit)
	over := func(p string) error {
		return fmt.Errorf("%s: the snapshots together take more than %s (%d × --max-input): read fewer nodes, or raise --max-input", p, topo.FormatBytes(cloudBudget*limit), cloudBudget)
	}
	sem := make(chan struct{}, max(1, runtime.NumCPU()))
	var wg sync.WaitGroup
	for i, p := range paths {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			want := left.reserve(limit)
			if want == 0 {
				errs[i] = over(p)
				return
			}
			var size int64
			snaps[i], size, errs[i] = readSnapshotFileSize(p, want)
			left.left.Add(want - size)
			if want < limit && errors.Is(errs[i], topo.ErrTooLarge) {
				errs[i] = over(p) // its own bound was the budget's rest
			}
		}()
	}
	wg.Wait()
	var out []nodeFile
	for i, p := range paths {
		if errs[i] != nil {
			return nil, &loadError{badInput: true, msg: oneLine(errs[i].Error())}
		}
		snap := snaps[i]
		host := snap.Host
		if host == "" {
			host = "(no host)"
		}
		a.warnSources(snap, fmt.Sprintf("%s (%s) says ", host, p))
		out = append(out, nodeFile{path: p, snap: snap})
	}
	return out, nil
}

// collectFile is the per-host report ostopo collect writes next to the
// snapshots: not a snapshot.
const collectFile = "collect.json"

// warnCollect names, from ostopo collect's report in the directory, each
// host whose snapshot is missing because it was unreachable or failed: the
// cloud lacks it, and the others' tunnels to it lead to an unknown node.
// A directory without the report (snapshots gathered by hand) says
// nothing; a report that cannot be read is one warning.
func (a *app) warnCollect(path string) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return
	}
	if err != nil {
		a.warn("%v", err)
		return
	}
	defer f.Close()
	var rep struct {
		Hosts []struct {
			Host    string `json:"host"`
			Status  string `json:"status"`
			Message string `json:"message"`
		} `json:"hosts"`
	}
	if err := json.NewDecoder(io.LimitReader(f, int64(a.g.maxInput))).Decode(&rep); err != nil {
		a.warn("%s: %v", path, err)
		return
	}
	for _, h := range rep.Hosts {
		if h.Status != "ok" {
			a.warn("%s: host %s was %s at collection (%s): it is not in the cloud", collectFile, safetext.Term(h.Host), safetext.Term(h.Status), safetext.Term(h.Message))
		}
	}
}

// replayDirFiles lists the snapshot files of dir: every *.json and
// *.json.gz but collect.json, sorted by name. Subdirectories are not read.
func replayDirFiles(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("--replay-dir: %w", err)
	}
	var out []string
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || name == collectFile || !strings.HasSuffix(name, ".json") && !strings.HasSuffix(name, ".json.gz") {
			continue
		}
		out = append(out, filepath.Join(dir, name))
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("--replay-dir %s: no node snapshot in it (*.json, *.json.gz; %s is ostopo collect's report, not a snapshot)", dir, collectFile)
	}
	sort.Strings(out)
	return out, nil
}

// oneLine keeps an error on the one line run prints it on.
func oneLine(s string) string {
	return strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ").Replace(s)
}
