package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/ostopo/ostopo/netinspect/topo"
	"github.com/ostopo/ostopo/ui/report"
)

// reportFormats are what `ostopo report` writes, by name and extension.
func reportFormats() map[string]func(io.Writer, *topo.Snapshot) error {
	text := func(f func(*topo.Snapshot) string) func(io.Writer, *topo.Snapshot) error {
		return func(w io.Writer, s *topo.Snapshot) error { _, err := io.WriteString(w, f(s)); return err }
	}
	return map[string]func(io.Writer, *topo.Snapshot) error{
		"html": text(report.HTML),
		"md":   text(report.Markdown),
		"svg":  text(report.SVG),
		"dot":  text(report.Dot),
		"json": func(w io.Writer, s *topo.Snapshot) error { return topo.EncodeIndent(w, s) },
	}
}

// cmdReport: `ostopo report [--replay FILE] -o FILE [--format F]`.
func cmdReport(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var g globals
	var out, format string
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	g.register(fs)
	fs.StringVar(&out, "o", "", "write the report to `file` (its extension names the format)")
	fs.StringVar(&format, "format", "", "html, md, svg, dot or json (default: from the -o extension)")
	if code, ok := parseFlags(fs, args, stdout, stderr); !ok {
		return code
	}
	if out == "" {
		fmt.Fprintln(stderr, "ostopo report: want -o FILE (report.html, report.md, topology.svg, topology.dot, snapshot.json)")
		return exitUsage
	}
	if format == "" {
		format = strings.TrimPrefix(strings.ToLower(filepath.Ext(out)), ".")
		if format == "markdown" {
			format = "md"
		}
	}
	write, ok := reportFormats()[format]
	if !ok {
		fmt.Fprintf(stderr, "ostopo report: unknown format %q for %s (html, md, svg, dot, json; or --format)\n", format, out)
		return exitUsage
	}
	snap, code := loadSnapshot(ctx, &g, stderr)
	if snap == nil {
		return code
	}
	if err := writeFileAtomic(out, func(w io.Writer) error { return write(w, snap) }); err != nil {
		fmt.Fprintf(stderr, "ostopo report: %v\n", err)
		return exitFail
	}
	return exitOK
}
