package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/ostopo/ostopo/fixtures"
	"github.com/ostopo/ostopo/netinspect/collect"
	"github.com/ostopo/ostopo/netinspect/neutron"
	"github.com/ostopo/ostopo/netinspect/topo"
)

func cmdSnapshot(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var g globals
	var out string
	var pretty bool
	fs := flag.NewFlagSet("snapshot", flag.ContinueOnError)
	g.register(fs)
	fs.StringVar(&out, "o", "", "write the snapshot to `FILE` (default standard output)")
	fs.BoolVar(&pretty, "pretty", false, "indent the JSON (for reading and diffing; slower on large nodes)")
	if code, ok := parseFlags(fs, args, stdout, stderr); !ok {
		return code
	}
	// A live snapshot's Neutron view is worked out while the facts are
	// being encoded (topo.EncodeDeriving); a recorded one has it already.
	live := !g.demo && g.replay == ""
	snap, code := loadSnapshotWith(ctx, &g, stderr, collect.Facts)
	if snap == nil {
		return code
	}
	encode := func(w io.Writer) error {
		lastPhaseGC()
		switch {
		case live && !pretty:
			return topo.EncodeDeriving(w, snap, neutron.Derive)
		case live:
			snap.Neutron = neutron.Derive(snap)
		}
		if pretty {
			return topo.EncodeIndent(w, snap)
		}
		return topo.Encode(w, snap)
	}
	if out == "" || out == "-" {
		// Encode fully before writing, so a failure never leaves half a
		// document on standard output.
		var buf bytes.Buffer
		if err := encode(&buf); err != nil {
			fmt.Fprintf(stderr, "ostopo snapshot: %v\n", err)
			return exitFail
		}
		if _, err := stdout.Write(buf.Bytes()); err != nil {
			fmt.Fprintf(stderr, "ostopo snapshot: write standard output: %v\n", err)
			return exitFail
		}
		return code
	}
	if err := writeFileAtomic(out, encode); err != nil {
		fmt.Fprintf(stderr, "ostopo snapshot: %v\n", err)
		return exitFail
	}
	return code
}

// loadSnapshot returns the snapshot from --replay or from the live node,
// reporting on stderr what could not be read. A nil snapshot means nothing
// useful was produced; the int is the exit code.
func loadSnapshot(ctx context.Context, g *globals, stderr io.Writer) (*topo.Snapshot, int) {
	return loadSnapshotWith(ctx, g, stderr, collect.Collect)
}

// loadSnapshotWith is loadSnapshot reading a live node with collector
// (collect.Collect, or collect.Facts to leave the Neutron view to the
// caller).
func loadSnapshotWith(ctx context.Context, g *globals, stderr io.Writer, collector func(context.Context, collect.Options) (*topo.Snapshot, error)) (*topo.Snapshot, int) {
	if g.demo {
		snap, err := fixtures.Load("aio")
		if err != nil {
			fmt.Fprintf(stderr, "ostopo: demo snapshot: %v\n", err)
			return nil, exitFail
		}
		return snap, exitOK
	}
	if g.replay != "" {
		snap, err := readSnapshotFile(g.replay)
		if err != nil {
			fmt.Fprintf(stderr, "ostopo: %v\n", err)
			return nil, exitFail
		}
		return snap, exitOK
	}
	ctx, cancel := context.WithTimeout(ctx, g.timeout)
	defer cancel()
	snap, err := collector(ctx, g.collectOptions())
	if err != nil {
		fmt.Fprintf(stderr, "ostopo: %v\n", err)
		return nil, exitFail
	}
	failed := snap.FailedSources()
	if len(failed) > 0 && os.Geteuid() != 0 {
		fmt.Fprintf(stderr, "ostopo: warning: not running as root: %d of %d facts could not be read\n", len(failed), len(snap.Sources))
	}
	for _, s := range failed {
		fmt.Fprintf(stderr, "ostopo: warning: %s: %s\n", s.Name, s.Error)
	}
	if !useful(snap) {
		fmt.Fprintln(stderr, "ostopo: nothing could be read from this node (neither OVSDB nor the node's own namespace); no snapshot written")
		return nil, exitFail
	}
	return snap, exitOK
}

// useful reports whether a live snapshot holds anything worth writing: OVS
// state or at least the node's own kernel state.
func useful(s *topo.Snapshot) bool {
	ovsdb := s.Source("ovsdb")
	root := s.Source("netlink/(root)")
	return ovsdb != nil && ovsdb.OK || root != nil && root.OK
}

// readSnapshotFile reads and validates a recorded snapshot.
func readSnapshotFile(path string) (*topo.Snapshot, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open snapshot: %w", err)
	}
	defer f.Close()
	snap, err := topo.Decode(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return snap, nil
}

// writeFileAtomic streams write's output next to path and renames it into
// place, so a reader never sees a half-written file and a failure leaves
// none behind.
func writeFileAtomic(path string, write func(io.Writer) error) error {
	if st, err := os.Stat(path); err == nil && !st.Mode().IsRegular() {
		// A device or pipe (-o /dev/stdout, a fifo) cannot be replaced.
		f, err := os.OpenFile(path, os.O_WRONLY, 0)
		if err != nil {
			return fmt.Errorf("write %s: %w", path, err)
		}
		w := bufio.NewWriterSize(f, 64<<10)
		werr := write(w)
		return errors.Join(werr, w.Flush(), f.Close())
	}
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	w := bufio.NewWriterSize(tmp, 64<<10)
	werr := write(w)
	ferr := w.Flush()
	serr := tmp.Sync()
	cerr := tmp.Close()
	if err := errors.Join(werr, ferr, serr, cerr); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
