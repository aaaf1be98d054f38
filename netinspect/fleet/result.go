package fleet

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/ostopo/ostopo/netinspect/safetext"
	"github.com/ostopo/ostopo/netinspect/topo"
)

// Status is how collecting one host ended.
type Status string

const (
	// StatusOK: the host's snapshot is in the directory, and decodes.
	StatusOK Status = "ok"
	// StatusUnreachable: ssh could not connect or log in; nothing ran.
	StatusUnreachable Status = "unreachable"
	// StatusFailed: something ran and failed (installing ostopo, sudo,
	// the snapshot, its transfer), or what came back is not a snapshot.
	StatusFailed Status = "failed"
)

// Result is one host's line of collect.json.
type Result struct {
	Host    string `json:"host"`
	Address string `json:"address,omitempty"`
	Status  Status `json:"status"`
	// Message says why a host is not ok, in the words of ssh, Ansible or
	// the node: at most MaxMessage bytes, one line, every control or
	// invisible character written as an escape (safetext.Term), so that
	// printing it cannot drive a terminal.
	Message string `json:"message,omitempty"`
	// Snapshot is the snapshot's file name inside the directory, when ok.
	Snapshot string `json:"snapshot,omitempty"`
	// Seconds is how long the host took, from the start of the run.
	Seconds float64 `json:"seconds"`
}

// ReportSchema names the format of collect.json.
const ReportSchema = "ostopo.collect/v1"

// ReportFile is the name of the per-host results in the directory. No
// host can be called "collect": its snapshot would be this file.
const ReportFile = "collect.json"

// Report is collect.json: how the run went, host by host.
type Report struct {
	Schema    string    `json:"schema"`
	Via       string    `json:"via"` // ansible or ssh
	Inventory string    `json:"inventory,omitempty"`
	Limit     string    `json:"limit,omitempty"`
	Started   time.Time `json:"started"`
	Seconds   float64   `json:"seconds"`
	Hosts     []Result  `json:"hosts"`
}

// Counts are the hosts by status.
func (r *Report) Counts() (ok, failed, unreachable int) {
	for _, h := range r.Hosts {
		switch h.Status {
		case StatusOK:
			ok++
		case StatusUnreachable:
			unreachable++
		default:
			failed++
		}
	}
	return ok, failed, unreachable
}

// Options are what a collection run needs besides its hosts.
type Options struct {
	// Dir receives <host>.json for each host and collect.json; it must
	// exist.
	Dir string
	// Binary is the local ostopo binary put on each host.
	Binary string
	// Forks is how many hosts are worked on at once (Ansible's forks);
	// 5 when 0.
	Forks int
	// MaxInput bounds a fetched snapshot, compressed and decompressed (the
	// --max-input of every other command).
	MaxInput int64
	// Progress is called once per host as its result is known, never
	// twice at the same time.
	Progress func(Result)
	// Warn receives lines worth the operator's eye that are no host's
	// result (Ansible's warnings), never twice at the same time.
	Warn func(string)
}

func (o *Options) forks() int {
	if o.Forks > 0 {
		return o.Forks
	}
	return 5
}

// CheckHostNames refuses host names that cannot name a snapshot file in
// the directory (each is <name>.json, flat), and addresses that ssh would
// read as an option.
func CheckHostNames(hosts []Host) error {
	for _, h := range hosts {
		n := h.Name
		if !h.Local && (strings.HasPrefix(h.Target(), "-") || strings.ContainsAny(h.Target(), " \t\r\n\x00")) {
			return fmt.Errorf("host %q: address %q is not one ssh can take", n, h.Target())
		}
		switch {
		case n == "" || n == "." || n == "..":
			return fmt.Errorf("host %q: not a usable file name", n)
		case strings.ContainsAny(n, "/\x00"):
			return fmt.Errorf("host %q: a '/' cannot stand in a snapshot file name", n)
		case strings.HasPrefix(n, "."):
			return fmt.Errorf("host %q: a name starting with '.' would be a hidden file", n)
		case n+".json" == ReportFile:
			return fmt.Errorf("host %q: its snapshot would be %s, the results file", n, ReportFile)
		case len(n) > 200:
			return fmt.Errorf("host %q: name longer than 200 bytes", n[:40]+"…")
		}
	}
	return nil
}

// cleanMessage is an untrusted message as a Result keeps it: one line,
// escaped, bounded.
func cleanMessage(s string) string {
	s = strings.TrimSpace(strings.ToValidUTF8(s, "\uFFFD"))
	s = safetext.Term(s)
	if len(s) > MaxMessage {
		s = truncate(s, MaxMessage-len("…")) + "…"
	}
	return s
}

// run is the state shared by one collection: the staging directory,
// the results so far, the serialized callbacks.
type run struct {
	opts    Options
	stage   string
	start   time.Time
	mu      sync.Mutex
	results map[string]*Result
	order   []string
	hosts   map[string]Host
}

// newRun prepares a collection into opts.Dir: a staging directory inside
// it (hidden, removed at the end) so that a snapshot reaches its final
// name only whole and checked, by a rename on the same file system.
func newRun(opts Options, hosts []Host) (*run, error) {
	st, err := os.Stat(opts.Dir)
	if err != nil {
		return nil, fmt.Errorf("output directory: %w", err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("output directory %s: not a directory", opts.Dir)
	}
	stage, err := os.MkdirTemp(opts.Dir, ".ostopo-collect-")
	if err != nil {
		return nil, fmt.Errorf("output directory: %w", err)
	}
	r := &run{opts: opts, stage: stage, start: time.Now(), results: map[string]*Result{}, hosts: map[string]Host{}}
	for _, h := range hosts {
		r.hosts[h.Name] = h
		r.order = append(r.order, h.Name)
	}
	return r, nil
}

func (r *run) close() { os.RemoveAll(r.stage) }

// stagePath is where a host's snapshot lands before it is checked.
func (r *run) stagePath(host string) string { return filepath.Join(r.stage, host+".json") }

// done records a host's result once; a later one for the same host is
// dropped (the first word on a host stands). It reports whether it was
// recorded.
func (r *run) done(host string, status Status, msg, snapshot string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.results[host]; ok {
		return false
	}
	h, known := r.hosts[host]
	if !known {
		h = Host{Name: host}
		r.hosts[host] = h
		r.order = append(r.order, host)
	}
	res := &Result{Host: host, Address: h.Target(), Status: status, Message: cleanMessage(msg), Snapshot: snapshot,
		Seconds: time.Since(r.start).Round(time.Millisecond).Seconds()}
	r.results[host] = res
	if r.opts.Progress != nil {
		r.opts.Progress(*res)
	}
	return true
}

func (r *run) has(host string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	_, ok := r.results[host]
	return ok
}

func (r *run) warn(line string) {
	if r.opts.Warn == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.opts.Warn(cleanMessage(line))
}

// accept checks a staged snapshot and moves it to its final name:
// <host>.json in the directory. A file that does not decode as a
// snapshot within the size bound is refused and removed.
func (r *run) accept(host string) error {
	staged := r.stagePath(host)
	if err := checkSnapshot(staged, r.opts.MaxInput); err != nil {
		os.Remove(staged)
		return err
	}
	if err := os.Rename(staged, filepath.Join(r.opts.Dir, host+".json")); err != nil {
		os.Remove(staged)
		return fmt.Errorf("keep the snapshot: %w", err)
	}
	return nil
}

// checkSnapshot decodes a fetched file as a snapshot, with the bound.
func checkSnapshot(file string, limit int64) error {
	f, err := os.Open(file)
	if err != nil {
		return fmt.Errorf("fetched snapshot: %w", err)
	}
	defer f.Close()
	if limit <= 0 {
		limit = topo.DefaultMaxBytes
	}
	if _, err := topo.DecodeLimit(f, limit); err != nil {
		return fmt.Errorf("what came back is not a usable snapshot: %w", err)
	}
	return nil
}

// finish completes the report: a host with no word at all failed with
// why (missing), and a host that is not ok loses a snapshot file left
// by an earlier run, set aside as <host>.json.stale, so that the
// directory never mixes this run's nodes with older ones unawares.
func (r *run) finish(via, inventory, limit, missing string) *Report {
	for _, h := range append([]string(nil), r.order...) {
		if !r.has(h) {
			r.done(h, StatusFailed, missing, "")
		}
	}
	rep := &Report{Schema: ReportSchema, Via: via, Inventory: inventory, Limit: limit, Started: r.start.UTC(),
		Seconds: time.Since(r.start).Round(time.Millisecond).Seconds()}
	for _, h := range r.order {
		res := r.results[h]
		if res.Status != StatusOK {
			old := filepath.Join(r.opts.Dir, h+".json")
			if _, err := os.Lstat(old); err == nil {
				if err := os.Rename(old, old+".stale"); err == nil {
					res.Message = cleanMessage(res.Message + " (the snapshot of an earlier run is now " + h + ".json.stale)")
				}
			}
		}
		rep.Hosts = append(rep.Hosts, *res)
	}
	return rep
}

// WriteReport writes collect.json into dir, whole or not at all.
func WriteReport(dir string, rep *Report) error {
	b, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	b = append(b, '\n')
	return writeFileAtomic(filepath.Join(dir, ReportFile), b)
}

// ReadReport reads a collect.json.
func ReadReport(file string) (*Report, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var rep Report
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&rep); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	if rep.Schema != ReportSchema {
		return nil, fmt.Errorf("%s: schema %q, want %q", file, rep.Schema, ReportSchema)
	}
	return &rep, nil
}

func writeFileAtomic(path string, data []byte) error {
	var suffix [6]byte
	rand.Read(suffix[:])
	tmp := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".tmp-"+hex.EncodeToString(suffix[:]))
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	_, err = f.Write(data)
	err = errors.Join(err, f.Sync(), f.Close())
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// ctxErr is the reason a run stopped early, for the hosts it never
// reached.
func ctxErr(ctx context.Context) string {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return "the run timed out before this host's result"
	}
	return "the run was interrupted before this host's result"
}
