package trace

import (
	"context"
	"fmt"
	"strings"

	"github.com/ostopo/ostopo/netinspect/topo"
)

// Packet is a packet as ofproto/trace takes it.
type Packet struct {
	Bridge string `json:"bridge"`
	InPort int    `json:"in_port"`
	VLAN   int    `json:"dl_vlan,omitempty"` // 0: untagged
	SrcMAC string `json:"dl_src,omitempty"`
	DstMAC string `json:"dl_dst,omitempty"`
	SrcIP  string `json:"nw_src,omitempty"`
	DstIP  string `json:"nw_dst,omitempty"`
}

// Flow is the packet in ofproto/trace's flow syntax.
func (p Packet) Flow() string {
	parts := []string{fmt.Sprintf("in_port=%d", p.InPort)}
	if p.VLAN != 0 {
		parts = append(parts, fmt.Sprintf("dl_vlan=%d", p.VLAN))
	}
	for _, f := range []struct{ k, v string }{{"dl_src", p.SrcMAC}, {"dl_dst", p.DstMAC}} {
		if f.v != "" {
			parts = append(parts, f.k+"="+f.v)
		}
	}
	parts = append(parts, "ip")
	for _, f := range []struct{ k, v string }{{"nw_src", p.SrcIP}, {"nw_dst", p.DstIP}} {
		if f.v != "" {
			parts = append(parts, f.k+"="+f.v)
		}
	}
	return strings.Join(parts, ",")
}

// OFTracer runs ofproto/trace on a live node (satisfied by an ovs-appctl
// adapter in cmd; tests use recordings).
type OFTracer interface {
	OFTrace(ctx context.Context, p Packet) (datapathActions string, err error)
}

// Verify asks the node's bridges about every hop that carries a packet,
// attaches their verdicts to the hops, and returns them for recording.
func Verify(ctx context.Context, r *Result, t OFTracer) []topo.OFTraceRecord {
	var recs []topo.OFTraceRecord
	for i := range r.Hops {
		h := &r.Hops[i]
		if h.Packet == nil {
			continue
		}
		actions, err := t.OFTrace(ctx, *h.Packet)
		rec := topo.OFTraceRecord{Bridge: h.Packet.Bridge, Flow: h.Packet.Flow(), DatapathActions: actions}
		if err != nil {
			rec.Error = err.Error()
		}
		recs = append(recs, rec)
		h.OFTrace = verdict(rec)
	}
	return recs
}

// Attach shows verdicts recorded on the live node for the same packets.
func Attach(r *Result, recs []topo.OFTraceRecord) {
	for i := range r.Hops {
		h := &r.Hops[i]
		if h.Packet == nil {
			continue
		}
		for _, rec := range recs {
			if rec.Bridge == h.Packet.Bridge && rec.Flow == h.Packet.Flow() {
				h.OFTrace = verdict(rec)
			}
		}
	}
}

func verdict(rec topo.OFTraceRecord) *OFTrace {
	o := &OFTrace{Flow: rec.Flow, DatapathActions: rec.DatapathActions, Error: rec.Error}
	switch {
	case rec.Error != "":
		o.Verdict = "not verified: " + rec.Error
	case rec.DatapathActions == "drop" || rec.DatapathActions == "":
		o.Verdict = rec.Bridge + " drops it"
	default:
		o.Verdict = rec.Bridge + " forwards it"
	}
	return o
}
