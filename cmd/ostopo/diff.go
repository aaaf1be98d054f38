package main

import (
	"fmt"
	"io"

	"github.com/ostopo/ostopo/netinspect/diff"
	"github.com/ostopo/ostopo/netinspect/topo"
	"github.com/spf13/cobra"
)

// newDiffCmd: what changed between two snapshots; exit 0 when nothing
// did, 1 when something did, 2 on bad input (as diff(1)).
func newDiffCmd(a *app) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "diff OLD [NEW] [--json]",
		Short: "what changed between two snapshots, by Neutron object; NEW defaults to the node (or --replay, --demo)",
		Long: `diff compares two snapshots and lists what changed, grouped by Neutron object:
networks, ports with their chains and tags, routers and floating IPs,
namespaces with addresses, routes and NAT rules, bridges with tunnels and
flow counts per table. Counters and ages are not changes. With one file,
OLD is compared with the node now (or with --replay FILE, or --demo): take a
snapshot before a change, and diff it after.`,
		Args: func(cmd *cobra.Command, args []string) error {
			switch {
			case len(args) == 0 || len(args) > 2:
				return fmt.Errorf("want OLD [NEW]: one or two snapshot files (got %d)", len(args))
			case len(args) == 2 && !a.g.live():
				return fmt.Errorf("NEW is given twice: as a file and as --replay, --replay-dir, --sos, --from-dir or --demo")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			old, err := readSnapshotFile(args[0], int64(a.g.maxInput))
			if err != nil {
				return fail(exitUsage, "%v", err)
			}
			var cur *topo.Snapshot
			if len(args) == 2 {
				if cur, err = readSnapshotFile(args[1], int64(a.g.maxInput)); err != nil {
					return fail(exitUsage, "%v", err)
				}
			} else {
				var lerr *loadError
				if cur, lerr = a.load(cmd.Context()); lerr != nil {
					return lerr.exit(exitUsage, exitUsage)
				}
			}
			r := diff.Diff(old, cur)
			if asJSON {
				err = writeJSON(a.stdout, r)
			} else {
				_, err = io.WriteString(a.stdout, r.Text())
			}
			if err != nil {
				return fail(exitUsage, "%v", err)
			}
			if r.Empty() {
				return nil
			}
			return exitWith(exitFail)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "write the changes as JSON")
	return cmd
}
