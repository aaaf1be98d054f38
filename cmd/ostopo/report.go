package main

import (
	"io"
	"maps"
	"path/filepath"
	"slices"
	"strings"

	"github.com/ostopo/ostopo/netinspect/topo"
	"github.com/ostopo/ostopo/ui/report"
	"github.com/spf13/cobra"
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

func reportFormatNames() []string { return slices.Sorted(maps.Keys(reportFormats())) }

func newReportCmd(a *app) *cobra.Command {
	var out, format string
	cmd := &cobra.Command{
		Use:   "report -o FILE [--format html|md|svg|dot|json]",
		Short: "a report to attach to a ticket: self-contained HTML, Markdown tables, the topology as SVG or dot, the snapshot",
		Long: `report writes a report for people who are not at the node. html is one
self-contained page (no outside scripts, fonts or images): the error and
warning summary and a table of contents first, then the problems, the
drawing (the TUI's diagram, from the same layout: physical bridges and
br-tun above br-int's bus, routers joining qg- and qr-, one lane per VLAN
with its DHCP namespace and instance chains, every object with a problem
in the error style, broken chains first), then the tables of networks,
ports, routers and floating IPs and namespaces, long ones folded; md the
same tables for tickets and wikis; svg and dot the topology alone; json the
snapshot. Every name from the node is escaped for its format.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if out == "" {
				return usageError(cmd, "want -o FILE (report.html, report.md, topology.svg, topology.dot, snapshot.json; - for standard output)")
			}
			if format == "" {
				format = strings.TrimPrefix(strings.ToLower(filepath.Ext(out)), ".")
				if format == "markdown" {
					format = "md"
				}
			}
			write, ok := reportFormats()[format]
			if !ok {
				return usageError(cmd, "unknown format %q for %s (%s; or --format)", format, out, strings.Join(reportFormatNames(), ", "))
			}
			snap, lerr := a.load(cmd.Context())
			if lerr != nil {
				return lerr.exit(exitUsage, exitFail)
			}
			if err := writeOutput(out, a.stdout, func(w io.Writer) error { return write(w, snap) }); err != nil {
				return fail(exitFail, "%v", err)
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&out, "output", "o", "", "write the report to `FILE` (its extension names the format; - is standard output)")
	cmd.Flags().StringVar(&format, "format", "", "html, md, svg, dot or json (default: from the -o extension)")
	return cmd
}
