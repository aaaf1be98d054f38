package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	osrun "github.com/ostopo/ostopo/netinspect/run"
	"github.com/ostopo/ostopo/netinspect/topo"
	"github.com/ostopo/ostopo/netinspect/trace"
	"github.com/ostopo/ostopo/ovs"
)

// cmdTrace follows a floating IP (or a fixed IP, or a port id) hop by hop.
// Exit status: 0 complete path, 1 broken, 2 bad input.
func cmdTrace(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var g globals
	var asJSON, reverse, noVerify bool
	var record string
	fs := flag.NewFlagSet("trace", flag.ContinueOnError)
	g.register(fs)
	fs.BoolVar(&asJSON, "json", false, "print the trace as JSON")
	fs.BoolVar(&reverse, "reverse", false, "trace the outbound direction (instance → outside, with SNAT)")
	fs.BoolVar(&noVerify, "no-verify", false, "on a live node, do not ask the bridges (ovs-appctl ofproto/trace)")
	fs.StringVar(&record, "record", "", "also write the snapshot, with the bridges' verdicts, to `FILE` (for --replay)")
	// The IP may come before or after the flags.
	var target string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		target, args = args[0], args[1:]
	}
	fs.SetOutput(io.Discard)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(stdout, "usage: ostopo trace IP|PORT-ID [--json] [--reverse] [--record FILE] [--replay FILE]")
			fs.SetOutput(stdout)
			fs.PrintDefaults()
			return exitOK
		}
		fmt.Fprintf(stderr, "ostopo trace: %v (see ostopo trace -h)\n", err)
		return exitUsage
	}
	if target == "" && fs.NArg() > 0 {
		target = fs.Arg(0)
	}
	if target == "" || fs.NArg() > 1 {
		fmt.Fprintln(stderr, "ostopo trace: want one floating IP, fixed IP or port id (see ostopo trace -h)")
		return exitUsage
	}
	snap, code := loadSnapshot(ctx, &g, stderr)
	if snap == nil {
		return code
	}
	r, err := trace.Trace(snap, target, trace.Options{Reverse: reverse})
	if err != nil {
		fmt.Fprintf(stderr, "ostopo trace: %v\n", err)
		return exitUsage
	}
	live := !g.demo && g.replay == ""
	switch {
	case live && !noVerify:
		app, err := ovs.NewAppCtl(ctx, osrun.Exec(), g.ovsRunDir)
		if err != nil {
			fmt.Fprintf(stderr, "ostopo trace: warning: not verified with ofproto/trace: %v\n", err)
			break
		}
		snap.OFTraces = append(snap.OFTraces, trace.Verify(ctx, r, ofTracer{app})...)
	case !live:
		trace.Attach(r, snap.OFTraces)
	}
	if record != "" {
		if err := writeFileAtomic(record, func(w io.Writer) error { return topo.Encode(w, snap) }); err != nil {
			fmt.Fprintf(stderr, "ostopo trace: %v\n", err)
			return exitFail
		}
	}
	if asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if err := enc.Encode(r); err != nil {
			fmt.Fprintf(stderr, "ostopo trace: %v\n", err)
			return exitFail
		}
	} else {
		io.WriteString(stdout, trace.Text(r, snap.Host))
	}
	if !r.Complete {
		return exitFail
	}
	return exitOK
}

// ofTracer adapts ovs-appctl to the trace package's OFTracer.
type ofTracer struct{ app *ovs.AppCtl }

func (o ofTracer) OFTrace(ctx context.Context, p trace.Packet) (string, error) {
	return o.app.ProtoTrace(ctx, p.Bridge, ovs.Packet{InPort: p.InPort, VLAN: p.VLAN, SrcMAC: p.SrcMAC, DstMAC: p.DstMAC, SrcIP: p.SrcIP, DstIP: p.DstIP})
}
