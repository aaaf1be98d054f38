package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/ostopo/ostopo/netinspect/doctor"
)

// cmdDoctor lists what is wrong on the node. Exit status: 0 clean, 1
// warnings only, 2 errors; 3 when the node could not be read, so cron and
// monitoring can tell "broken" from "unknown".
func cmdDoctor(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var g globals
	var asJSON bool
	fs := flag.NewFlagSet("doctor", flag.ContinueOnError)
	g.register(fs)
	fs.BoolVar(&asJSON, "json", false, "print the findings as JSON")
	if code, ok := parseFlags(fs, args, stdout, stderr); !ok {
		return code
	}
	snap, _ := loadSnapshot(ctx, &g, stderr)
	if snap == nil {
		return 3
	}
	findings := doctor.Run(snap)
	if asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if err := enc.Encode(struct {
			Host     string           `json:"host"`
			Findings []doctor.Finding `json:"findings"`
		}{snap.Host, findings}); err != nil {
			fmt.Fprintf(stderr, "ostopo doctor: %v\n", err)
			return 3
		}
		return doctor.ExitCode(findings)
	}
	io.WriteString(stdout, doctorText(snap.Host, findings))
	return doctor.ExitCode(findings)
}

func doctorText(host string, fs []doctor.Finding) string {
	var b strings.Builder
	if len(fs) == 0 {
		fmt.Fprintf(&b, "%s: no problems found\n", host)
		return b.String()
	}
	counts := map[string]int{}
	for _, f := range fs {
		counts[f.Severity]++
		fmt.Fprintf(&b, "%-7s %s\n        %s\n", strings.ToUpper(f.Severity), f.ID, f.Title)
		for _, e := range f.Evidence {
			fmt.Fprintf(&b, "        · %s\n", e)
		}
		fmt.Fprintf(&b, "        → %s\n\n", f.Fix)
	}
	fmt.Fprintf(&b, "%s: %d errors, %d warnings, %d info\n", host, counts[doctor.Error], counts[doctor.Warning], counts[doctor.Info])
	return b.String()
}
