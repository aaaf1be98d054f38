// Command sos benchmarks `ostopo --sos` on a real sosreport of the
// 1000-instance lab node (issue 16): Debian's own `sos report` runs on the
// node (fixtures/soslab) and leaves its .tar.xz, as an operator attaches
// one to a support case; then, side by side on the same node,
//
//   - the live snapshot (`ostopo snapshot` on the node) and the import of
//     the archive (`ostopo --sos ARCHIVE snapshot`), alternating, medians;
//   - the time from starting `ostopo --sos ARCHIVE` under tmux to its first
//     frame with the topology drawn (target: under 2 s), beside the same for
//     the live node;
//   - the import held to the live snapshot: every fact sos holds matches
//     (sostest.CompareFacts), the doctor finds what it finds on the node,
//     and every floating IP traces to the same verdict (or unknown, where
//     sos did not collect a hop's facts).
//
// sos 4.0 runs about 70,000 commands on such a node (15 ethtool per
// device, three ovs-appctl per OVS port) and needs a longer plugin
// timeout than its 300 s, as an operator of a large node learns; its own
// time is printed, not judged. By default sos does not see the node's
// device list, which it reads only for the ethtool commands (soslab's
// NoDeviceList: 20 minutes less, and nothing ostopo reads is missing);
// -full-sos runs it whole. Needs root, OVS, sos and tmux.
//
//	go run ./bench/sos [-check] [-runs 5] [-lab DIR] [-report ARCHIVE] [-full-sos]
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/ostopo/ostopo/fixtures/lab"
	"github.com/ostopo/ostopo/netinspect/doctor"
	"github.com/ostopo/ostopo/netinspect/sosimport/sostest"
	"github.com/ostopo/ostopo/netinspect/topo"
	"github.com/ostopo/ostopo/netinspect/trace"
)

// The terminal of the first-frame measurement (bench/tui's).
const width, height = 160, 48

func main() {
	runs := flag.Int("runs", 5, "timed runs of each side")
	check := flag.Bool("check", false, "exit 1 when a target is missed")
	labDir := flag.String("lab", "", "use the scale lab in `DIR` (built by `labctl build scale`) instead of building one")
	report := flag.String("report", "", "use this sos `ARCHIVE` of the lab's node instead of running sos (it must be of the same lab)")
	maxFirst := flag.Duration("max-first-frame", 2*time.Second, "fail when the TUI's first frame on the sosreport takes longer")
	save := flag.String("save-report", "", "copy sos's archive to `FILE` (for -report in later runs)")
	full := flag.Bool("full-sos", false, "let sos list the node's 4,000 devices and run ethtool on each (about 20 more minutes; nothing ostopo reads)")
	flag.Parse()
	ok, err := run(*labDir, *report, *save, *runs, *maxFirst, *full)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
	if *check && !ok {
		os.Exit(1)
	}
}

func run(labDir, report, save string, runs int, maxFirst time.Duration, full bool) (bool, error) {
	ctx := context.Background()
	if err := lab.Preflight(); err != nil {
		return false, err
	}
	for _, tool := range []string{"sos", "tmux"} {
		if _, err := exec.LookPath(tool); err != nil && (tool != "sos" || report == "") {
			return false, fmt.Errorf("no %s here (apt-get install %s)", tool, map[string]string{"sos": "sosreport", "tmux": "tmux"}[tool])
		}
	}
	work, err := os.MkdirTemp("", "ostopo-bench-sos-")
	if err != nil {
		return false, err
	}
	defer os.RemoveAll(work)
	bin := filepath.Join(work, "ostopo")
	if out, err := exec.Command("go", "build", "-o", bin, "./cmd/ostopo").CombinedOutput(); err != nil {
		return false, fmt.Errorf("build ostopo: %v\n%s", err, out)
	}

	var l *lab.Lab
	if labDir != "" {
		l, err = lab.Load(labDir)
	} else {
		start := time.Now()
		l, err = lab.Build(ctx, lab.Scale(20, 50, 10))
		if err == nil {
			defer l.Destroy(context.Background())
			fmt.Printf("lab: 1000 instances, 20 networks, 10 routers built in %.1fs\n", time.Since(start).Seconds())
		}
	}
	if err != nil {
		return false, err
	}
	if err := l.WaitQuiet(ctx, 90*time.Second); err != nil {
		return false, err
	}

	if report == "" {
		start := time.Now()
		// sos stops a plugin after 300 s; on this node networking (ethtool
		// for each of 4,000 devices) and openvswitch (3 ovs-appctl per
		// port) need longer.
		report, err = l.SosReport(ctx, filepath.Join(work, "sos"), true, !full, "--plugin-timeout", "3600")
		if err != nil {
			return false, err
		}
		how := "without the per-device ethtool commands (-full-sos runs them)"
		if full {
			how = "whole"
		}
		fmt.Printf("sos report %s: %.0f s (sos's own time: not judged)\n", how, time.Since(start).Seconds())
		if save != "" {
			b, err := os.ReadFile(report)
			if err == nil {
				err = os.WriteFile(save, b, 0o644)
			}
			if err != nil {
				return false, fmt.Errorf("save the report: %w", err)
			}
		}
	}
	st, err := os.Stat(report)
	if err != nil {
		return false, err
	}
	fmt.Printf("report: %s, %.1f MB\n", filepath.Base(report), float64(st.Size())/1e6)

	flags := l.OstopoFlags()
	liveArgs := append([]string{"netns", "exec", l.Node, bin, "snapshot", "-o"}, flags...)
	sosArgs := []string{bin, "--sos", report, "snapshot", "-o"}

	liveFile, impFile := filepath.Join(work, "live.json"), filepath.Join(work, "import.json")
	var tLive, tImport []time.Duration
	for i := range runs + 1 {
		d1, err := timed(l, "ip", insertAfter(liveArgs, "-o", liveFile)...)
		if err != nil {
			return false, fmt.Errorf("live snapshot: %w", err)
		}
		d2, err := timed(l, sosArgs[0], insertAfter(sosArgs[1:], "-o", impFile)...)
		if err != nil {
			return false, fmt.Errorf("import: %w", err)
		}
		if i == 0 {
			continue // warm-up: page cache, first exec of every tool
		}
		tLive, tImport = append(tLive, d1), append(tImport, d2)
	}
	live, err := readSnap(liveFile)
	if err != nil {
		return false, err
	}
	imp, err := readSnap(impFile)
	if err != nil {
		return false, err
	}
	fmt.Printf("node: %d Neutron ports, %d namespaces, %d routers\n", len(live.Neutron.Ports), len(live.Namespaces), len(live.Neutron.Routers))
	fmt.Printf("live snapshot (ostopo snapshot on the node): median %7.1f ms  (runs %s)\n", ms(median(tLive)), list(tLive))
	fmt.Printf("import (ostopo --sos ARCHIVE snapshot):      median %7.1f ms  (runs %s)\n", ms(median(tImport)), list(tImport))

	same := answers(live, imp)

	firstSos, err := firstFrame(l, work, []string{bin, "--sos", report})
	if err != nil {
		return false, fmt.Errorf("first frame on the sosreport: %w", err)
	}
	firstLive, err := firstFrame(l, work, append([]string{"ip", "netns", "exec", l.Node, bin}, flags...))
	if err != nil {
		return false, fmt.Errorf("first frame on the node: %w", err)
	}
	frameOK := firstSos < maxFirst
	fmt.Printf("TUI first frame, binary under tmux: --sos %.0f ms (target < %s: %s), live on the node %.0f ms; live snapshot %.0f ms\n",
		ms(firstSos), maxFirst, verdict(frameOK), ms(firstLive), ms(median(tLive)))
	return frameOK && same, nil
}

// answers holds the import to the live snapshot of the same node and
// prints what differs: the facts sos holds, what sos did not collect, the
// doctor's findings, each floating IP's trace verdict.
func answers(live, imp *topo.Snapshot) bool {
	ok := true
	diffs := sostest.CompareFacts(live, imp)
	fmt.Printf("facts sos holds that differ from the node: %d\n", len(diffs))
	for i, d := range diffs {
		if i == 10 {
			fmt.Printf("  … and %d more\n", len(diffs)-10)
			break
		}
		fmt.Println("  " + strings.ReplaceAll(d, "\n", "\n  "))
	}
	ok = ok && len(diffs) == 0
	fmt.Printf("not collected by sos (source families × namespaces): %v\n", sostest.FailedNames(imp))

	lf, inf := findingKeys(doctor.Examine(live).Findings), findingKeys(doctor.Examine(imp).Findings)
	fmt.Printf("doctor: %d findings on the node, %d on the import", len(lf), len(inf))
	if slices.Equal(lf, inf) {
		fmt.Println(" (the same)")
	} else {
		fmt.Printf(" (DIFFER: node %v, import %v)\n", lf, inf)
		ok = false
	}

	var same, unknown, differ int
	for _, r := range live.Neutron.Routers {
		for _, fip := range r.FloatingIPs {
			lr, lerr := trace.Trace(live, fip.FloatingIP, trace.Options{})
			ir, ierr := trace.Trace(imp, fip.FloatingIP, trace.Options{})
			switch {
			case lerr != nil || ierr != nil:
				fmt.Printf("  trace %s: node %v, import %v\n", fip.FloatingIP, lerr, ierr)
				differ++
			case verdictOf(lr) == verdictOf(ir):
				same++
			case ir.Unknown && lr.BrokenAt == nil:
				unknown++ // a hop whose facts sos did not collect
			default:
				fmt.Printf("  trace %s: node %s, import %s\n", fip.FloatingIP, verdictOf(lr), verdictOf(ir))
				differ++
			}
		}
	}
	fmt.Printf("traces of %d floating IPs: %d the same verdict, %d unknown on the import (a hop sos did not collect), %d differ\n",
		same+unknown+differ, same, unknown, differ)
	return ok && differ == 0
}

// findingKeys are the doctor's findings as comparable words.
func findingKeys(fs []doctor.Finding) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = f.ID
	}
	slices.Sort(out)
	return out
}

func verdictOf(r *trace.Result) string {
	switch {
	case r.BrokenAt != nil:
		return fmt.Sprintf("broken at hop %d (%s)", *r.BrokenAt+1, r.Hops[*r.BrokenAt].Kind)
	case r.Complete:
		return "complete"
	case r.Unknown:
		return "unknown"
	}
	return "incomplete"
}

// firstFrame starts argv under tmux and polls the screen until the
// topology is drawn, 4 times after one warm-up, and returns the median.
func firstFrame(l *lab.Lab, work string, argv []string) (time.Duration, error) {
	var ds []time.Duration
	for i := range 5 {
		// A socket per run: killing the last session makes a tmux server
		// exit, and a client connecting meanwhile would fail.
		socket := fmt.Sprintf("ostopo-bench-sos-%d-%d", os.Getpid(), i)
		defer exec.Command("tmux", "-L", socket, "kill-server").Run()
		cmd := append([]string{"-L", socket, "-f", "/dev/null", "new-session", "-d", "-s", "b", "-x", fmt.Sprint(width), "-y", fmt.Sprint(height),
			"env"}, l.Env()...)
		start := time.Now()
		if out, err := exec.Command("tmux", append(cmd, argv...)...).CombinedOutput(); err != nil {
			return 0, fmt.Errorf("tmux: %v: %s", err, out)
		}
		for {
			out, _ := exec.Command("tmux", "-L", socket, "capture-pane", "-p", "-t", "b").Output()
			// The Topology tree and the Problems tab with its count: the
			// facts are read and drawn.
			if s := string(out); strings.Contains(s, "br-int  integration") && strings.Contains(s, "Problems (") {
				break
			}
			if time.Since(start) > 30*time.Second {
				return 0, fmt.Errorf("no frame after 30 s:\n%s", out)
			}
			time.Sleep(5 * time.Millisecond)
		}
		if i > 0 {
			ds = append(ds, time.Since(start))
		}
		exec.Command("tmux", "-L", socket, "kill-server").Run()
	}
	return median(ds), nil
}

func readSnap(p string) (*topo.Snapshot, error) {
	b, err := os.ReadFile(p)
	if err != nil {
		return nil, err
	}
	s, err := topo.Decode(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", p, err)
	}
	return s, nil
}

// insertAfter is args with v put after the first flag.
func insertAfter(args []string, flag, v string) []string {
	i := slices.Index(args, flag)
	return slices.Concat(args[:i+1], []string{v}, args[i+1:])
}

func timed(l *lab.Lab, name string, args ...string) (time.Duration, error) {
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), l.Env()...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	start := time.Now()
	err := cmd.Run()
	d := time.Since(start)
	if err != nil {
		return 0, fmt.Errorf("%v: %s", err, strings.TrimSpace(stderr.String()))
	}
	return d, nil
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

func list(ds []time.Duration) string {
	parts := make([]string, len(ds))
	for i, d := range ds {
		parts[i] = fmt.Sprintf("%.0f", ms(d))
	}
	return strings.Join(parts, " ")
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "MISSED"
}
