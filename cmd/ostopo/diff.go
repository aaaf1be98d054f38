package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/ostopo/ostopo/netinspect/diff"
)

// cmdDiff: `ostopo diff OLD NEW [--json]`, what changed between two
// snapshots; exit 0 when nothing did, 1 when something did, 2 on bad input
// (as diff(1)).
func cmdDiff(_ context.Context, args []string, stdout, stderr io.Writer) int {
	var asJSON bool
	fs := flag.NewFlagSet("diff", flag.ContinueOnError)
	fs.BoolVar(&asJSON, "json", false, "write the changes as JSON")
	// The two files may stand before or after the flags.
	var files, flags []string
	for _, a := range args {
		if strings.HasPrefix(a, "-") && len(a) > 1 {
			flags = append(flags, a)
		} else {
			files = append(files, a)
		}
	}
	if code, ok := parseFlags(fs, flags, stdout, stderr); !ok {
		return code
	}
	if len(files) != 2 {
		fmt.Fprintf(stderr, "ostopo diff: want two snapshot files, OLD and NEW (got %d)\n", len(files))
		return exitUsage
	}
	old, err := readSnapshotFile(files[0])
	if err != nil {
		fmt.Fprintf(stderr, "ostopo diff: %v\n", err)
		return exitUsage
	}
	cur, err := readSnapshotFile(files[1])
	if err != nil {
		fmt.Fprintf(stderr, "ostopo diff: %v\n", err)
		return exitUsage
	}
	r := diff.Diff(old, cur)
	if asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		err = enc.Encode(r)
	} else {
		_, err = io.WriteString(stdout, r.Text())
	}
	if err != nil {
		fmt.Fprintf(stderr, "ostopo diff: write standard output: %v\n", err)
		return exitFail
	}
	if r.Empty() {
		return exitOK
	}
	return exitFail
}
