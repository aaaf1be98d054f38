package main

import (
	"context"
	"errors"
	"io"

	"github.com/ostopo/ostopo/netinspect/cloudtrace"
	osrun "github.com/ostopo/ostopo/netinspect/run"
	"github.com/ostopo/ostopo/netinspect/topo"
	"github.com/ostopo/ostopo/netinspect/trace"
	"github.com/ostopo/ostopo/ovs"
	"github.com/spf13/cobra"
)

// newTraceCmd follows a floating IP (or a fixed IP, an address of a
// router or DHCP port, or a port id or its prefix) hop by hop.
func newTraceCmd(a *app) *cobra.Command {
	var asJSON, reverse, noVerify bool
	var record string
	var reach cloudReach
	cmd := &cobra.Command{
		Use:   "trace TARGET [--reverse] [--json] [--no-verify] [--record FILE] [(-i INVENTORY [--limit PATTERN] | --ssh HOSTS) [--ssh-config FILE] [--collect-dir DIR]]",
		Short: "follow a floating IP, fixed IP, router or DHCP address, or port id (or a unique prefix) hop by hop",
		Long: `trace follows TARGET hop by hop from the provider NIC to the instance's tap
(or out through br-tun; for an instance on the node that no router here routes
to, from the tunnel or provider NIC its packets arrive on), each hop with the
fact that proves it, and names the first broken hop with what was expected,
what was found and what to run next. TARGET is a floating IP, a fixed IP of a
port on the node, an address of a router (qr-, qg-) or DHCP port, a Neutron
port id or any unique prefix of one (four characters or more: the short ids
every view shows), or a port's device name (tap…, qvo…, qr-…). An ambiguous
prefix lists the ports it matches. When facts the trace needs were not read,
the hop says so and the path is unknown rather than broken. On a live node
each bridge is asked with ovs-appctl ofproto/trace (unless --no-verify);
--record keeps those verdicts in a snapshot for --replay.

On a cloud (--replay-dir DIR as ostopo collect writes it, or --replay once per
node) the path is followed across nodes: from the node whose router holds the
floating IP (an HA router's active node; a distributed floating IP's compute
node) through its br-tun and the tunnel with the network's VNI into the
instance's node, its br-tun table 4, its own local VLAN and the instance's
chain; --reverse from the instance's tap to the router's node and out. Each
hop names its node, the crossing names both local VLANs and the VNI, and a
tunnel to a node that was not collected leaves the path unknown. With
-i INVENTORY (--limit PATTERN) or --ssh HOSTS it first collects those nodes
live over ssh (as ostopo collect --ssh does, into --collect-dir) and traces
across what came back.`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return errors.New("want one floating IP, fixed IP, router or DHCP address, or port id")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if err := reach.check(cmd, a); err != nil {
				return err
			}
			if reach.wanted() {
				if record != "" {
					return usageError(cmd, "--record writes one node's snapshot: it does not apply to a cloud (-i, --ssh)")
				}
				dir, err := a.collectCloud(ctx, &reach, "ostopo-trace-")
				if err != nil {
					return err
				}
				a.g.replayDir = dir
			}
			if a.g.resolve(); a.g.cloudReplay() {
				if record != "" {
					return usageError(cmd, "--record writes one node's snapshot: it does not apply to a cloud (--replay-dir, several --replay)")
				}
				return a.traceCloud(ctx, args[0], reverse, asJSON)
			}
			snap, lerr := a.load(ctx)
			if lerr != nil {
				return lerr.exit(exitUsage, exitUnknown)
			}
			r, err := trace.Trace(snap, args[0], trace.Options{Reverse: reverse})
			if err != nil {
				// Not on the node (2), ambiguous (2, with the candidates),
				// or not found where the facts were not read (3).
				return fail(trace.ExitCode(nil, err), "%v", err)
			}
			switch {
			case a.g.live() && !noVerify:
				app, err := ovs.NewAppCtl(ctx, osrun.Exec(), a.g.ovsRunDir)
				if err != nil {
					a.warn("not verified with ofproto/trace: %v", err)
					snap.Sources = append(snap.Sources, topo.Source{Name: topo.SourceOFTrace, Error: err.Error()})
					break
				}
				snap.OFTraces = append(snap.OFTraces, trace.Verify(ctx, r, ofTracer{app})...)
				snap.Sources = append(snap.Sources, topo.Source{Name: topo.SourceOFTrace, OK: true, Detail: app.Describe()})
			case !a.g.live():
				trace.Attach(r, snap.OFTraces)
			}
			if record != "" {
				if err := writeOutput(record, a.stdout, func(w io.Writer) error { return topo.Encode(w, snap) }); err != nil {
					return fail(exitFail, "--record: %v", err)
				}
			}
			if asJSON {
				err = writeJSON(a.stdout, r)
			} else {
				_, err = io.WriteString(a.stdout, trace.Text(r, snap.Host))
			}
			if err != nil {
				return fail(exitFail, "%v", err)
			}
			return exitWith(trace.ExitCode(r, nil))
		},
	}
	f := cmd.Flags()
	f.BoolVar(&asJSON, "json", false, "print the trace as JSON")
	f.BoolVar(&reverse, "reverse", false, "trace the outbound direction (instance → outside, with SNAT)")
	f.BoolVar(&noVerify, "no-verify", false, "on a live node, do not ask the bridges (ovs-appctl ofproto/trace)")
	f.StringVar(&record, "record", "", "also write the snapshot, with the bridges' verdicts, to `FILE` (for --replay)")
	reach.register(f, "trace across")
	return cmd
}

// traceCloud follows target across the nodes of the recorded cloud; its
// exit statuses are the single-node trace's.
func (a *app) traceCloud(ctx context.Context, target string, reverse, asJSON bool) error {
	c, lerr := a.loadCloud(ctx)
	if lerr != nil {
		return lerr.exit(exitUsage, exitUnknown)
	}
	r, err := cloudtrace.Trace(c, target, cloudtrace.Options{Reverse: reverse})
	if err != nil {
		return fail(cloudtrace.ExitCode(nil, err), "%v", err)
	}
	if asJSON {
		err = writeJSON(a.stdout, r)
	} else {
		_, err = io.WriteString(a.stdout, cloudtrace.Text(r))
	}
	if err != nil {
		return fail(exitFail, "%v", err)
	}
	return exitWith(cloudtrace.ExitCode(r, nil))
}

// liveVerifier asks the live node's bridges about a trace from the TUI,
// as the trace command does (ui.Verifier; run in a command, not Update).
type liveVerifier struct{ ovsRunDir string }

func (v liveVerifier) Verify(ctx context.Context, r *trace.Result) ([]topo.OFTraceRecord, error) {
	app, err := ovs.NewAppCtl(ctx, osrun.Exec(), v.ovsRunDir)
	if err != nil {
		return nil, err
	}
	return trace.Verify(ctx, r, ofTracer{app}), nil
}

// ofTracer adapts ovs-appctl to the trace package's OFTracer.
type ofTracer struct{ app *ovs.AppCtl }

func (o ofTracer) OFTrace(ctx context.Context, p trace.Packet) (string, error) {
	return o.app.ProtoTrace(ctx, p.Bridge, ovs.Packet{InPort: p.InPort, TunID: uint64(max(p.TunID, 0)), VLAN: p.VLAN, SrcMAC: p.SrcMAC, DstMAC: p.DstMAC, SrcIP: p.SrcIP, DstIP: p.DstIP})
}
