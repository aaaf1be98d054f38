package main

import (
	"bytes"
	"io"

	"github.com/ostopo/ostopo/netinspect/collect"
	"github.com/ostopo/ostopo/netinspect/neutron"
	"github.com/ostopo/ostopo/netinspect/topo"
	"github.com/spf13/cobra"
)

func newSnapshotCmd(a *app) *cobra.Command {
	var out string
	var pretty bool
	cmd := &cobra.Command{
		Use:   "snapshot [-o FILE] [--pretty]",
		Short: "read the node (or --replay FILE) and write one JSON document, the snapshot",
		Long: `snapshot reads the node (or --replay FILE, or --demo) and writes one JSON
document, schema ostopo.snapshot/v1 (docs/snapshot-schema.md): every fact read
and the Neutron view derived from them, with a record of each source that
could not be read. --replay opens it anywhere, without root.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			// A live snapshot's Neutron view is worked out while the facts
			// are being encoded (topo.EncodeDeriving); a recorded one has it.
			live := a.g.live()
			snap, lerr := a.loadWith(cmd.Context(), collect.Facts)
			if lerr != nil {
				return lerr.exit(exitUsage, exitFail)
			}
			encode := func(w io.Writer) error {
				lastPhaseGC()
				switch {
				case live && !pretty:
					return topo.EncodeDeriving(w, snap, neutron.Derive)
				case live:
					snap.Neutron = neutron.Derive(snap)
				}
				if pretty {
					return topo.EncodeIndent(w, snap)
				}
				return topo.Encode(w, snap)
			}
			if out == "" || out == "-" {
				// Encode fully before writing, so a failure never leaves
				// half a document on standard output.
				var buf bytes.Buffer
				if err := encode(&buf); err != nil {
					return fail(exitFail, "%v", err)
				}
				if _, err := a.stdout.Write(buf.Bytes()); err != nil {
					return fail(exitFail, "write standard output: %v", err)
				}
				return nil
			}
			if err := writeOutput(out, a.stdout, encode); err != nil {
				return fail(exitFail, "%v", err)
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&out, "output", "o", "", "write the snapshot to `FILE` (default standard output; a device or pipe is written through)")
	cmd.Flags().BoolVar(&pretty, "pretty", false, "indent the JSON (for reading and diffing; slower on large nodes)")
	return cmd
}
