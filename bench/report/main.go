// Command report measures `ostopo report` on the 1000-instance snapshot,
// whole command (decode, draw, write) in every format (target: under 2 s),
// side by side with `ostopo snapshot` on the same file, the cost of reading
// and writing the snapshot alone.
//
//	go run ./bench/report [-check]
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"time"

	"github.com/ostopo/ostopo/bench/internal/benchbin"
)

func main() {
	check := flag.Bool("check", false, "exit 1 when the target is missed")
	runs := flag.Int("runs", 5, "timed runs of each")
	flag.Parse()
	if err := run(*runs, *check); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(runs int, check bool) error {
	bin, replay, cleanup, err := benchbin.Build("ostopo-bench-report-")
	if err != nil {
		return err
	}
	defer cleanup()
	dir := filepath.Dir(bin)
	timed := func(args ...string) (time.Duration, error) {
		var ds []time.Duration
		for i := range runs + 1 {
			start := time.Now()
			if out, err := exec.Command(bin, args...).CombinedOutput(); err != nil {
				return 0, fmt.Errorf("%v: %v: %s", args, err, out)
			}
			if i > 0 { // the first run warms the page cache
				ds = append(ds, time.Since(start))
			}
		}
		slices.Sort(ds)
		return ds[len(ds)/2], nil
	}
	base, err := timed("snapshot", "--replay", replay, "-o", filepath.Join(dir, "s.json"))
	if err != nil {
		return err
	}
	fmt.Printf("ostopo snapshot --replay (read and write the snapshot alone): median %.0f ms\n", ms(base))
	missed := false
	for _, f := range []string{"html", "md", "svg", "dot", "json"} {
		d, err := timed("report", "--replay", replay, "-o", filepath.Join(dir, "report."+f))
		if err != nil {
			return err
		}
		ok := d < 2*time.Second
		missed = missed || !ok
		fmt.Printf("ostopo report %-4s: median %4.0f ms, %.2f× the snapshot alone (target < 2000 ms: %s)\n",
			f, ms(d), d.Seconds()/base.Seconds(), map[bool]string{true: "met", false: "MISSED"}[ok])
	}
	if check && missed {
		return fmt.Errorf("target missed")
	}
	return nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
