//go:build linux

package trace_test

import (
	"context"
	"net/netip"
	"strings"
	"testing"

	"github.com/ostopo/ostopo/fixtures/lab"
	"github.com/ostopo/ostopo/fixtures/lab/labsnap"
	"github.com/ostopo/ostopo/fixtures/lab/labtest"
	"github.com/ostopo/ostopo/netinspect/trace"
)

// Healthy labs: complete inbound and outbound paths, to a local instance
// and out through br-tun.
func TestLabCompletePaths(t *testing.T) {
	for _, spec := range []lab.Spec{lab.AllInOne(), lab.NetworkNode()} {
		t.Run(spec.Name, func(t *testing.T) {
			l := labtest.Build(t, spec)
			s := labsnap.Take(t, l)
			for _, r := range spec.Routers {
				for _, f := range r.FIPs {
					for _, reverse := range []bool{false, true} {
						res, err := trace.Trace(s, f.Floating, trace.Options{Reverse: reverse})
						if err != nil {
							t.Fatal(err)
						}
						if !res.Complete {
							h := res.Hops[*res.BrokenAt]
							t.Errorf("%s reverse=%v broken at %s: %s", f.Floating, reverse, h.Kind, h.Problem)
						}
						last := res.Hops[len(res.Hops)-1].Kind
						if spec.Name == "net" && !reverse && last != trace.KindTunnel {
							t.Errorf("%s on the network node ends at %s, want the tunnel", f.Floating, last)
						}
					}
				}
			}
		})
	}
}

// Each fault made for real on a fresh all-in-one lab: the trace of the
// floating IP it touches breaks at the right hop.
func TestLabBrokenPaths(t *testing.T) {
	spec := lab.AllInOne()
	f0 := spec.Routers[0].FIPs[0] // router 0 → first instance of network 0
	var victim lab.Instance
	for _, in := range spec.Instances {
		if strings.HasPrefix(in.IP, f0.Fixed+"/") {
			victim = in
		}
	}
	tests := []struct {
		fault   lab.Fault
		hop     string
		problem string
	}{
		{lab.Fault{Kind: lab.FaultNoDNAT, Target: f0.Floating}, trace.KindRouter, "no DNAT rule"},
		{lab.Fault{Kind: lab.FaultIPForwardOff, Target: spec.Routers[0].ID}, trace.KindRouter, "ip_forward is 0"},
		{lab.Fault{Kind: lab.FaultDeadNeverBound, Target: victim.ID}, trace.KindQVO, "dead VLAN 4095"},
		{lab.Fault{Kind: lab.FaultTagMismatch, Target: victim.ID}, trace.KindQVO, "is on local VLAN 30"},
		{lab.Fault{Kind: lab.FaultQVBNoMaster, Target: victim.ID}, trace.KindQBR, "is not in qbr"},
		{lab.Fault{Kind: lab.FaultDeviceDown, Target: victim.Device("qvb")}, trace.KindQVB, "is down"},
		{lab.Fault{Kind: lab.FaultTapMissing, Target: victim.ID}, trace.KindTap, "missing from the kernel"},
		{lab.Fault{Kind: lab.FaultQVOOffBridge, Target: victim.ID}, trace.KindQVO, "is not a port of br-int"},
		{lab.Fault{Kind: lab.FaultFIPNotOnQG, Target: f0.Floating}, trace.KindRouter, "is not on any qg- device"},
		// A Linux bridge takes the smallest MTU of its ports: the tap's 1400
		// shows first on qbr.
		{lab.Fault{Kind: lab.FaultSmallMTU, Target: victim.ID}, trace.KindQBR, "MTU 1400"},
		{lab.Fault{Kind: lab.FaultNoProviderNIC, Target: "eth4"}, trace.KindProviderNIC, "no provider NIC"},
	}
	for _, tt := range tests {
		t.Run(tt.fault.Kind, func(t *testing.T) {
			l := labtest.Build(t, spec)
			if err := l.Inject(context.Background(), tt.fault); err != nil {
				t.Fatal(err)
			}
			res, err := trace.Trace(labsnap.Take(t, l), f0.Floating, trace.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if res.Complete {
				t.Fatalf("path still complete after %s", tt.fault.Kind)
			}
			h := res.Hops[*res.BrokenAt]
			if h.Kind != tt.hop || !strings.Contains(h.Problem, tt.problem) {
				t.Errorf("broken at %s: %q; want %s: %q", h.Kind, h.Problem, tt.hop, tt.problem)
			}
		})
	}
}

// br-tun without the network's tunnel-id flow, made for real on a network
// node: the path to an instance on another node breaks at br-tun.
func TestLabNoTunnelMapping(t *testing.T) {
	spec := lab.NetworkNode()
	fip := spec.Routers[0].FIPs[0]
	var network string
	for _, r := range spec.Routers {
		for _, i := range r.Interfaces {
			if netip.MustParsePrefix(i.IP).Masked().Contains(netip.MustParseAddr(fip.Fixed)) {
				network = i.Network
			}
		}
	}
	l := labtest.Build(t, spec)
	if err := l.Inject(context.Background(), lab.Fault{Kind: lab.FaultNoTunnelFlow, Target: network}); err != nil {
		t.Fatal(err)
	}
	res, err := trace.Trace(labsnap.Take(t, l), fip.Floating, trace.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Complete || res.Hops[*res.BrokenAt].Kind != trace.KindTunnelBridge || !strings.Contains(res.Hops[*res.BrokenAt].Problem, "no tunnel-id mapping") {
		t.Errorf("path: complete=%v %+v", res.Complete, res.Hops[len(res.Hops)-1])
	}
}
