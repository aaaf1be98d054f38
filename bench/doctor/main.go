// Command doctor measures `ostopo doctor`'s checks on the 1000-instance
// snapshot (target: under 100 ms).
//
//	go run ./bench/doctor [-check]
package main

import (
	"flag"
	"fmt"
	"os"
	"slices"
	"time"

	"github.com/ostopo/ostopo/fixtures"
	"github.com/ostopo/ostopo/netinspect/doctor"
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
	var n int
	for range 50 {
		start := time.Now()
		n = len(doctor.Run(snap))
		ds = append(ds, time.Since(start))
	}
	slices.Sort(ds)
	worst := ds[len(ds)-1]
	ok := worst < 100*time.Millisecond
	fmt.Printf("doctor on the 1000-instance snapshot (%d checks, %d findings): median %.2f ms, max %.2f ms (target < 100 ms: %s)\n",
		len(doctor.Checks()), n, float64(ds[len(ds)/2].Microseconds())/1000, float64(worst.Microseconds())/1000,
		map[bool]string{true: "met", false: "MISSED"}[ok])
	if *check && !ok {
		os.Exit(1)
	}
}
