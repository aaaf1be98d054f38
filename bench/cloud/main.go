// Command cloud measures ostopo on a whole cloud at the recorded scale: 20
// nodes of 1000 instances each (fixtures/cloudgen rewrites the
// 1000-instance recording into 2 network nodes and 18 compute nodes of one
// VXLAN cloud: 20,000 instances, a full tunnel mesh; see its package
// comment for what is rewritten and why it is faithful), side by side with
// one node of the same cloud, in one run:
//
//	(a) collect: the built `ostopo collect --ssh` of the 20 nodes into a
//	    directory, with a stand-in `ssh` on PATH that answers each node's
//	    `ostopo snapshot -o -` with its recording: everything collect does
//	    but the network (install check, streaming each snapshot to a
//	    staging file under the size bound, decoding it before it is kept,
//	    collect.json), 5 hosts at a time as by default;
//	(b) merge: reading the 20 collected files as the --replay-dir loader
//	    does (one after the other, topo.DecodeLimit within --max-input)
//	    and cloud.New, in a process of its own so that its peak RSS is the
//	    merge's;
//	(c) the TUI: the built binary with --replay-dir under tmux, from start
//	    until the first frame shows the nodes, and its peak RSS then;
//	(d) the cross-node trace (cloudtrace.Trace) of every floating IP, both
//	    directions, on the merged cloud.
//
// The single-node column is the same on one node (network01) of the same
// cloud; the ratio compares the cloud with 20 times one node for (a) and
// (b), with one node for (c) and (d). Targets (issue 15): the merge under
// 10 s and 2 GiB on a 2-CPU machine, the TUI's first frame on the cloud
// under 3 s. It prints PASS or FAIL and exits 1 on FAIL (-check=false
// only reports).
//
//	go run ./bench/cloud [-runs 3] [-nodes 20 -network-nodes 2]
//	go run ./bench/cloud -write DIR   (the cloud's recordings, to try by hand)
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/ostopo/ostopo/bench/internal/benchbin"
	"github.com/ostopo/ostopo/fixtures/cloudgen"
	"github.com/ostopo/ostopo/netinspect/cloud"
	"github.com/ostopo/ostopo/netinspect/cloudtrace"
	"github.com/ostopo/ostopo/netinspect/fleet"
	"github.com/ostopo/ostopo/netinspect/topo"
	"github.com/ostopo/ostopo/netinspect/trace"
)

// The terminal the binary gets under tmux, as bench/tui's.
const width, height = 160, 48

type config struct {
	runs         int
	gen          cloudgen.Options
	check        bool
	maxMerge     time.Duration
	maxMergeRSS  int64 // bytes
	maxTUIFrame  time.Duration
	frameTimeout time.Duration
}

func main() {
	var c config
	flag.IntVar(&c.runs, "runs", 3, "timed runs of each measure (the median is reported)")
	flag.IntVar(&c.gen.Nodes, "nodes", 20, "nodes in the cloud")
	flag.IntVar(&c.gen.NetworkNodes, "network-nodes", 2, "of which network nodes (routers and DHCP)")
	flag.BoolVar(&c.check, "check", true, "exit 1 when a target is missed")
	flag.DurationVar(&c.maxMerge, "max-merge", 10*time.Second, "target: reading and merging the cloud")
	mergeRSS := flag.Int64("max-merge-rss-mib", 2048, "target: peak RSS of the merge, MiB")
	flag.DurationVar(&c.maxTUIFrame, "max-tui-frame", 3*time.Second, "target: the TUI's first frame on the cloud")
	flag.DurationVar(&c.frameTimeout, "frame-timeout", 60*time.Second, "give up waiting for a first frame after this")
	write := flag.String("write", "", "write the cloud's recordings into `DIR` and exit")
	phase := flag.String("phase", "", "internal: run one measured phase in this process (merge)")
	flag.Parse()
	c.maxMergeRSS = *mergeRSS << 20

	var err error
	ok := true
	switch {
	case *phase == "merge":
		err = mergePhase(flag.Args())
	case *phase != "":
		err = fmt.Errorf("unknown -phase %q", *phase)
	case *write != "":
		err = writeCloud(*write, c.gen)
	default:
		ok, err = run(c)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
	if c.check && !ok {
		os.Exit(1)
	}
}

func writeCloud(dir string, o cloudgen.Options) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	files, err := cloudgen.Write(dir, o)
	if err != nil {
		return err
	}
	fmt.Printf("%d node recordings in %s: ostopo --replay-dir %s\n", len(files), dir, dir)
	return nil
}

// row is one line of the table: the cloud and one node.
type row struct {
	name          string
	cloud, single measure
	// perNode: the ratio is cloud / (n × single), else cloud / single.
	perNode bool
	target  string
	verdict string // PASS, FAIL, or "" without a target
}

type measure struct {
	d   time.Duration
	rss int64 // bytes; 0: not measured
	// text replaces the time when the measure is not a duration.
	text string
	err  error
}

func run(c config) (bool, error) {
	nodes, err := cloudgen.Nodes(c.gen)
	if err != nil {
		return false, err
	}
	n := len(nodes)
	bin, _, cleanup, err := benchbin.Build("ostopo-bench-cloud-")
	if err != nil {
		return false, err
	}
	defer cleanup()
	work := filepath.Dir(bin)

	// The nodes' recordings: what each node's `ostopo snapshot -o -`
	// prints, served by the stand-in ssh.
	remote := filepath.Join(work, "remote")
	if err := os.Mkdir(remote, 0o755); err != nil {
		return false, err
	}
	self, err := os.Executable()
	if err != nil {
		return false, err
	}
	// Made in a process of its own: a child's ru_maxrss starts from its
	// parent's peak (Linux carries the high-water mark over fork and
	// exec), so this process stays small for collect's to be its own.
	start := time.Now()
	gen := exec.Command(self, "-write", remote, "-nodes", strconv.Itoa(c.gen.Nodes), "-network-nodes", strconv.Itoa(c.gen.NetworkNodes))
	if out, err := gen.CombinedOutput(); err != nil {
		return false, fmt.Errorf("generate the cloud: %v: %s", err, lastLines(string(out), 5))
	}
	var size int64
	var files []string
	for _, nd := range nodes {
		f := filepath.Join(remote, nd.Name+".json")
		st, err := os.Stat(f)
		if err != nil {
			return false, err
		}
		size += st.Size()
		files = append(files, f)
	}
	fmt.Printf("cloud: %d nodes (%d network, %d compute) made from the 1000-instance recording in %.1f s: %d snapshot files, %.0f MB\n",
		n, c.gen.NetworkNodes, n-c.gen.NetworkNodes, time.Since(start).Seconds(), len(files), float64(size)/1e6)

	sshDir := filepath.Join(work, "ssh")
	if err := standInSSH(sshDir, remote); err != nil {
		return false, err
	}
	var names []string
	for _, nd := range nodes {
		names = append(names, nd.Name)
	}
	one := nodes[0].Name

	var rows []row
	allOK := true

	// (a) collect.
	collect := func(hosts []string, runs int) (measure, string) {
		var ds []time.Duration
		var rss int64
		var dir string
		for i := range runs {
			dir = filepath.Join(work, fmt.Sprintf("collect-%d-%d", len(hosts), i))
			d, r, err := collectOnce(bin, sshDir, dir, hosts)
			if err != nil {
				return measure{err: err}, ""
			}
			ds, rss = append(ds, d), max(rss, r)
			if i < runs-1 {
				os.RemoveAll(dir)
			}
		}
		return measure{d: median(ds), rss: rss}, dir
	}
	cSingle, _ := collect([]string{one}, c.runs)
	cCloud, cloudDir := collect(names, c.runs)
	rows = append(rows, row{name: fmt.Sprintf("(a) ostopo collect --ssh (%d at a time)", collectForks), cloud: cCloud, single: cSingle, perNode: true, target: "-"})
	if own, err := peakRSS(os.Getpid()); err == nil {
		fmt.Printf("(collect's peak RSS is its ru_maxrss, which counts from this process's own peak: %s)\n", mib(own))
	}
	if cloudDir == "" {
		printTable(n, one, rows)
		return false, fmt.Errorf("collect: %v", cCloud.err)
	}

	// (b) merge, and (d) the trace on the merged cloud.
	merge := func(files []string) (mergeResult, measure) {
		var rs []mergeResult
		for range c.runs {
			r, err := mergeOnce(self, files)
			if err != nil {
				return mergeResult{}, measure{err: err}
			}
			rs = append(rs, r)
		}
		slices.SortFunc(rs, func(a, b mergeResult) int { return int(a.total() - b.total()) })
		m := rs[len(rs)/2]
		var rss int64
		for _, r := range rs {
			rss = max(rss, r.HWM)
		}
		return m, measure{d: m.total(), rss: rss}
	}
	var cloudFiles []string
	for _, nm := range names {
		cloudFiles = append(cloudFiles, filepath.Join(cloudDir, nm+".json"))
	}
	mSingleRes, mSingle := merge(cloudFiles[:1])
	mCloudRes, mCloud := merge(cloudFiles)
	mergeOK := mCloud.err == nil && mCloud.d < c.maxMerge && mCloud.rss < c.maxMergeRSS
	allOK = allOK && mergeOK
	rows = append(rows,
		row{name: fmt.Sprintf("(b) merge: read %d files + cloud.New", n), cloud: mCloud, single: mSingle, perNode: true,
			target: fmt.Sprintf("< %s, < %s", c.maxMerge, mib(c.maxMergeRSS)), verdict: verdict(mergeOK)},
		row{name: "      of which reading (topo.DecodeLimit)", cloud: measure{d: secs(mCloudRes.DecodeS)}, single: measure{d: secs(mSingleRes.DecodeS)}, perNode: true},
		row{name: "      of which cloud.New", cloud: measure{d: secs(mCloudRes.NewS)}, single: measure{d: secs(mSingleRes.NewS)}, perNode: true},
	)

	// (c) the TUI.
	tSingle := firstFrames(bin, []string{"--replay", cloudFiles[0]}, singleFrame, c.runs, c.frameTimeout)
	tCloud := firstFrames(bin, []string{"--replay-dir", cloudDir}, cloudFrame(names), c.runs, c.frameTimeout)
	tuiOK := tCloud.err == nil && tCloud.d < c.maxTUIFrame
	tuiVerdict := verdict(tuiOK)
	if errors.Is(tCloud.err, errNoTmux) {
		// A machine without tmux cannot tell: not a regression.
		tuiOK, tuiVerdict = true, "SKIP (no tmux)"
	}
	allOK = allOK && tuiOK
	rows = append(rows, row{name: "(c) TUI: start to first frame (tmux)", cloud: tCloud, single: tSingle,
		target: fmt.Sprintf("< %s", c.maxTUIFrame), verdict: tuiVerdict})

	// (d) the trace.
	traceOK := mCloudRes.TraceN > 0 && len(mCloudRes.TraceBad) == 0
	allOK = allOK && traceOK
	rows = append(rows,
		row{name: fmt.Sprintf("(d) trace a floating IP, median / max (%d×)", mCloudRes.TraceN),
			cloud:  measure{text: fmt.Sprintf("%.2f / %.2f ms", mCloudRes.TraceMedianMS, mCloudRes.TraceMaxMS), d: secs(mCloudRes.TraceMedianMS / 1000)},
			single: measure{text: fmt.Sprintf("%.2f / %.2f ms", mSingleRes.TraceMedianMS, mSingleRes.TraceMaxMS), d: secs(mSingleRes.TraceMedianMS / 1000)},
			target: "every path complete, crossing a tunnel", verdict: verdict(traceOK)},
	)

	fmt.Printf("the merged cloud: %d nodes, %d ports (%d instances), %d networks, %d routers, %d problems across nodes\n",
		mCloudRes.Nodes, mCloudRes.Ports, mCloudRes.Instances, mCloudRes.Networks, mCloudRes.Routers, mCloudRes.Problems)
	printTable(n, one, rows)
	for _, b := range mCloudRes.TraceBad {
		fmt.Printf("trace: %s\n", b)
	}
	for _, r := range rows {
		for _, m := range []measure{r.cloud, r.single} {
			if m.err != nil {
				fmt.Printf("%s: %v\n", strings.TrimSpace(r.name), m.err)
			}
		}
	}
	if allOK {
		fmt.Println("bench/cloud: PASS")
	} else {
		fmt.Println("bench/cloud: FAIL")
	}
	return allOK, nil
}

func printTable(n int, one string, rows []row) {
	fmt.Printf("\n%-44s  %-22s  %-22s  %-18s  %s\n", "", fmt.Sprintf("%d nodes", n), "1 node ("+one+")", "ratio", "target")
	fmt.Printf("%-44s  %-22s  %-22s  %-18s  %s\n", "", "time    peak RSS", "time    peak RSS", "", "")
	for _, r := range rows {
		ratio := ""
		if r.cloud.err == nil && r.single.err == nil && r.single.d > 0 {
			if r.perNode {
				ratio = fmt.Sprintf("%.2f × %d×1 node", r.cloud.d.Seconds()/(float64(n)*r.single.d.Seconds()), n)
			} else {
				ratio = fmt.Sprintf("%.1f × 1 node", r.cloud.d.Seconds()/r.single.d.Seconds())
			}
		}
		target := r.target
		if r.verdict != "" {
			target += "  " + r.verdict
		}
		fmt.Printf("%-44s  %-22s  %-22s  %-18s  %s\n", r.name, r.cloud.String(), r.single.String(), ratio, target)
	}
	fmt.Println()
}

func (m measure) String() string {
	switch {
	case m.err != nil:
		return "not measured"
	case m.text != "":
		return m.text
	}
	s := fmt.Sprintf("%.2f s", m.d.Seconds())
	if m.d < time.Second {
		s = fmt.Sprintf("%.0f ms", ms(m.d))
	}
	if m.rss > 0 {
		s = fmt.Sprintf("%-8s %s", s, mib(m.rss))
	}
	return s
}

func mib(b int64) string {
	if b >= 1<<30 {
		return fmt.Sprintf("%.2f GiB", float64(b)/(1<<30))
	}
	return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20))
}

func verdict(ok bool) string {
	if ok {
		return "PASS"
	}
	return "FAIL"
}

// standInSSH writes an `ssh` for collect's PATH: each node named on its
// command line answers from its recording in remote. The install check is
// answered "present" (the binary is there), the snapshot with the file.
// Anything else is refused, so that a change in what collect runs shows
// here instead of being measured wrong.
func standInSSH(dir, remote string) error {
	if err := os.Mkdir(dir, 0o755); err != nil {
		return err
	}
	script := `#!/bin/sh
# bench/cloud: a stand-in for ssh. ssh's options come first, then --,
# the host, and the remote command line.
while [ $# -gt 0 ]; do
  a=$1; shift
  [ "$a" = "--" ] && break
done
host=$1
case $2 in
*ostopo-put*) echo present ;;
*" snapshot -o -"*) exec cat ` + shellQuote(remote) + `/"$host.json" ;;
*) echo "bench ssh stand-in: unexpected command: $2" >&2; exit 1 ;;
esac
`
	return os.WriteFile(filepath.Join(dir, "ssh"), []byte(script), 0o755)
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// collectForks is how many hosts collect works on at once: its default.
const collectForks = 5

// collectOnce runs ostopo collect of hosts into dir and checks that every
// host is in it.
func collectOnce(bin, sshDir, dir string, hosts []string) (time.Duration, int64, error) {
	cmd := exec.Command(bin, "collect", "--ssh", strings.Join(hosts, ","), "-o", dir, "--forks", strconv.Itoa(collectForks))
	cmd.Env = append(os.Environ(), "PATH="+sshDir+string(os.PathListSeparator)+os.Getenv("PATH"))
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err := cmd.Run()
	d := time.Since(start)
	if err != nil {
		return 0, 0, fmt.Errorf("ostopo collect: %v: %s", err, lastLines(out.String(), 5))
	}
	rep, err := fleet.ReadReport(filepath.Join(dir, fleet.ReportFile))
	if err != nil {
		return 0, 0, err
	}
	if ok, _, _ := rep.Counts(); ok != len(hosts) {
		return 0, 0, fmt.Errorf("ostopo collect: %d of %d hosts ok: %s", ok, len(hosts), lastLines(out.String(), 5))
	}
	return d, cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss << 10, nil
}

// mergeResult is what the merge phase reports, as JSON on its stdout.
type mergeResult struct {
	Files                                                int
	DecodeS, NewS                                        float64
	HWM                                                  int64 // bytes, VmHWM after the merge
	Nodes, Ports, Instances, Networks, Routers, Problems int
	TraceN                                               int
	TraceMedianMS, TraceMaxMS                            float64
	// TraceBad are the floating IP paths that are not complete or do not
	// cross a tunnel (the cloud only).
	TraceBad []string
}

func (r mergeResult) total() time.Duration { return secs(r.DecodeS + r.NewS) }

func mergeOnce(self string, files []string) (mergeResult, error) {
	cmd := exec.Command(self, append([]string{"-phase", "merge"}, files...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return mergeResult{}, fmt.Errorf("merge: %v: %s", err, lastLines(stderr.String(), 5))
	}
	var r mergeResult
	if err := json.Unmarshal(out, &r); err != nil {
		return mergeResult{}, fmt.Errorf("merge: %v", err)
	}
	return r, nil
}

// mergePhase reads files as the --replay-dir loader does (one after the
// other, each within the default --max-input), builds the cloud, reads its
// own peak RSS, and then traces every floating IP: across the cloud when
// there are several nodes, on the node alone (netinspect/trace, which
// stops at the tunnel) when there is one.
func mergePhase(files []string) error {
	if len(files) == 0 {
		return errors.New("merge: no file")
	}
	start := time.Now()
	snaps := make([]*topo.Snapshot, 0, len(files))
	for _, f := range files {
		s, err := readSnapshot(f)
		if err != nil {
			return err
		}
		snaps = append(snaps, s)
	}
	decoded := time.Now()
	c, err := cloud.New(snaps)
	if err != nil {
		return err
	}
	r := mergeResult{Files: len(files), DecodeS: decoded.Sub(start).Seconds(), NewS: time.Since(decoded).Seconds()}
	if r.HWM, err = peakRSS(os.Getpid()); err != nil {
		return err
	}
	r.Nodes, r.Ports, r.Networks, r.Routers, r.Problems = len(c.Nodes), len(c.Ports), len(c.Networks), len(c.Routers), len(c.Problems)
	for _, nd := range c.Nodes {
		r.Instances += nd.Counts.Instances
	}

	var fips []string
	for _, rt := range c.Routers {
		for _, on := range rt.On {
			if nd := c.Node(on.Node); nd != nil {
				for _, sr := range nd.Snap.Neutron.Routers {
					if sr.ID == rt.ID {
						for _, f := range sr.FloatingIPs {
							if !slices.Contains(fips, f.FloatingIP) {
								fips = append(fips, f.FloatingIP)
							}
						}
					}
				}
			}
		}
	}
	var ds []time.Duration
	for round := range 10 {
		for _, ip := range fips {
			o := round%2 == 1
			t0 := time.Now()
			if len(snaps) == 1 {
				_, err = trace.Trace(snaps[0], ip, trace.Options{Reverse: o})
			} else {
				var res *cloudtrace.Result
				res, err = cloudtrace.Trace(c, ip, cloudtrace.Options{Reverse: o})
				if round < 2 && err == nil && (!res.Complete || len(res.Crossings) == 0) {
					r.TraceBad = append(r.TraceBad, fmt.Sprintf("%s (%s): complete=%v, nodes %v", ip, res.Direction, res.Complete, res.Nodes))
				}
			}
			ds = append(ds, time.Since(t0))
			if err != nil && round < 2 {
				r.TraceBad = append(r.TraceBad, fmt.Sprintf("%s: %v", ip, err))
			}
		}
	}
	if len(ds) > 0 {
		slices.Sort(ds)
		r.TraceN, r.TraceMedianMS, r.TraceMaxMS = len(ds), ms(ds[len(ds)/2]), ms(ds[len(ds)-1])
	}
	return json.NewEncoder(os.Stdout).Encode(r)
}

// readSnapshot is cmd/ostopo's readSnapshotFile with the default
// --max-input.
func readSnapshot(path string) (*topo.Snapshot, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open snapshot: %w", err)
	}
	defer f.Close()
	s, err := topo.DecodeLimit(f, topo.DefaultMaxBytes)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}

// peakRSS is a live process's VmHWM, in bytes.
func peakRSS(pid int) (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10, err
		}
	}
	return 0, fmt.Errorf("/proc/%d/status: no VmHWM", pid)
}

// singleFrame: one node's Topology tree and the Problems tab with its
// count, as bench/tui waits for.
func singleFrame(s string) bool {
	return strings.Contains(s, "br-int  integration") && strings.Contains(s, "Problems (")
}

// cloudFrame: the cloud's nodes listed (its Nodes view): the first and the
// last node's names on the screen.
func cloudFrame(names []string) func(string) bool {
	return func(s string) bool {
		return strings.Contains(s, names[0]) && strings.Contains(s, names[len(names)-1])
	}
}

var errNoTmux = errors.New("no tmux")

// firstFrames starts `ostopo ARGS` under tmux runs+1 times (the first
// warms the page cache) and returns the median time until ready(screen),
// with the binary's peak RSS when the frame showed (the worst run's).
func firstFrames(bin string, args []string, ready func(string) bool, runs int, timeout time.Duration) measure {
	if _, err := exec.LookPath("tmux"); err != nil {
		return measure{err: errNoTmux}
	}
	conf := filepath.Join(filepath.Dir(bin), "tmux.conf")
	// A pane whose program exits stays, so that its last words are read.
	if err := os.WriteFile(conf, []byte("set -g remain-on-exit on\n"), 0o644); err != nil {
		return measure{err: err}
	}
	var ds []time.Duration
	var rss int64
	for i := range runs + 1 {
		d, r, err := firstFrame(bin, conf, args, ready, i, timeout)
		if err != nil {
			return measure{err: err}
		}
		if i > 0 {
			ds, rss = append(ds, d), max(rss, r)
		}
	}
	return measure{d: median(ds), rss: rss}
}

func firstFrame(bin, conf string, args []string, ready func(string) bool, i int, timeout time.Duration) (time.Duration, int64, error) {
	// A socket per run: killing the last session makes a tmux server
	// exit, and a client connecting meanwhile would fail.
	socket := fmt.Sprintf("ostopo-bench-cloud-%d-%d", os.Getpid(), i)
	defer exec.Command("tmux", "-L", socket, "kill-server").Run()
	tmux := func(a ...string) ([]byte, error) {
		return exec.Command("tmux", append([]string{"-L", socket}, a...)...).CombinedOutput()
	}
	start := time.Now()
	if out, err := tmux(append([]string{"-f", conf, "new-session", "-d", "-s", "b", "-x", fmt.Sprint(width), "-y", fmt.Sprint(height), bin}, args...)...); err != nil {
		return 0, 0, fmt.Errorf("tmux: %v: %s", err, out)
	}
	for {
		screen, _ := tmux("capture-pane", "-p", "-t", "b")
		if ready(string(screen)) {
			d := time.Since(start)
			rss, err := paneRSS(tmux)
			return d, rss, err
		}
		if dead, _ := tmux("display", "-p", "-t", "b", "#{pane_dead}"); strings.TrimSpace(string(dead)) == "1" {
			return 0, 0, fmt.Errorf("ostopo %s ended without showing it: %s", strings.Join(args[:1], " "), lastLines(string(screen), 3))
		}
		if time.Since(start) > timeout {
			return 0, 0, fmt.Errorf("ostopo %s: no first frame after %s:\n%s", strings.Join(args[:1], " "), timeout, screen)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// paneRSS is the peak RSS of the program in the pane.
func paneRSS(tmux func(...string) ([]byte, error)) (int64, error) {
	out, err := tmux("display", "-p", "-t", "b", "#{pane_pid}")
	if err != nil {
		return 0, fmt.Errorf("tmux: %v: %s", err, out)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(out)))
	if err != nil {
		return 0, fmt.Errorf("tmux pane_pid %q: %v", out, err)
	}
	return peakRSS(pid)
}

func lastLines(s string, n int) string {
	var ls []string
	for _, l := range strings.Split(strings.TrimSpace(s), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			ls = append(ls, l)
		}
	}
	if len(ls) > n {
		ls = ls[len(ls)-n:]
	}
	return strings.Join(ls, " / ")
}

func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	ds = slices.Clone(ds)
	slices.Sort(ds)
	return ds[len(ds)/2]
}

func secs(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
