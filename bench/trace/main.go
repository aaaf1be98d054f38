// Command trace measures `ostopo trace` on the 1000-instance snapshot: the
// trace itself for every floating IP (target: under 50 ms), and for context
// the whole command with --replay, which also reads and decodes the 15 MB
// snapshot.
//
//	go run ./bench/trace [-check]
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"time"

	"github.com/ostopo/ostopo/bench/internal/benchbin"
	"github.com/ostopo/ostopo/fixtures"
	"github.com/ostopo/ostopo/netinspect/trace"
)

func main() {
	check := flag.Bool("check", false, "exit 1 when the target is missed")
	flag.Parse()
	snap, err := fixtures.Load("scale")
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
	var ds []time.Duration
	var fips []string
	for _, r := range snap.Neutron.Routers {
		for _, f := range r.FloatingIPs {
			fips = append(fips, f.FloatingIP)
		}
	}
	for round := range 20 {
		for _, ip := range fips {
			start := time.Now()
			res, err := trace.Trace(snap, ip, trace.Options{Reverse: round%2 == 1})
			d := time.Since(start)
			if err != nil || !res.Complete {
				fmt.Fprintf(os.Stderr, "bench: trace %s: %v complete=%v\n", ip, err, res != nil && res.Complete)
				os.Exit(1)
			}
			ds = append(ds, d)
		}
	}
	slices.Sort(ds)
	worst := ds[len(ds)-1]
	ok := worst < 50*time.Millisecond
	fmt.Printf("trace on the 1000-instance snapshot (%d floating IPs × 20, both directions): median %.3f ms, max %.3f ms (target < 50 ms: %s)\n",
		len(fips), ms(ds[len(ds)/2]), ms(worst), map[bool]string{true: "met", false: "MISSED"}[ok])

	if e2e, err := command(fips[0]); err == nil {
		fmt.Printf("ostopo trace %s --replay scale.json.gz, whole command incl. decoding the snapshot: %.0f ms\n", fips[0], ms(e2e))
	} else {
		fmt.Printf("whole command: not measured: %v\n", err)
	}
	if *check && !ok {
		os.Exit(1)
	}
}

// command times the built binary tracing one IP from the recorded file.
func command(ip string) (time.Duration, error) {
	bin, file, cleanup, err := benchbin.Build("ostopo-bench-trace-")
	if err != nil {
		return 0, err
	}
	defer cleanup()
	var ds []time.Duration
	for range 5 {
		start := time.Now()
		if out, err := exec.Command(bin, "trace", ip, "--replay", file).CombinedOutput(); err != nil {
			return 0, fmt.Errorf("%v: %s", err, out)
		}
		ds = append(ds, time.Since(start))
	}
	slices.Sort(ds)
	return ds[len(ds)/2], nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
