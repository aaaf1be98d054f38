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
	TunID  int    `json:"tun_id,omitempty"`  // a frame arriving from a tunnel
	VLAN   int    `json:"dl_vlan,omitempty"` // 0: untagged
	SrcMAC string `json:"dl_src,omitempty"`
	DstMAC string `json:"dl_dst,omitempty"`
	SrcIP  string `json:"nw_src,omitempty"`
	DstIP  string `json:"nw_dst,omitempty"`
}

// Flow is the packet in ofproto/trace's flow syntax.
func (p Packet) Flow() string {
	parts := []string{fmt.Sprintf("in_port=%d", p.InPort)}
	if p.TunID != 0 {
		parts = append(parts, fmt.Sprintf("tun_id=%#x", p.TunID))
	}
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
	if rec.Error != "" {
		o.Verdict = "not verified: " + rec.Error
		return o
	}
	d := readDatapathActions(rec.DatapathActions)
	switch {
	case d.output:
		o.Verdict = rec.Bridge + " forwards it"
	case d.userspace:
		o.Verdict = rec.Bridge + " sends it to userspace (the controller), to no port"
	case d.recirculates:
		o.Verdict = rec.Bridge + " recirculates it (conntrack) and the pass after was not traced: not verified"
	default:
		o.Verdict = rec.Bridge + " drops it"
		if len(d.modify) > 0 {
			o.Detail = "the datapath actions only change the packet (" + strings.Join(d.modify, ", ") + "); none outputs it"
		}
	}
	return o
}

// passSeparator joins the passes of one ofproto/trace in the recorded
// datapath actions (ovs.PassSeparator: the packet as given, then each
// recirculation).
const passSeparator = "; "

// datapath is what a trace's datapath actions do with the packet.
type datapath struct {
	// output: some action sends it (or a copy) out of a port: a
	// datapath port number (or name), a tunnel push, a bond.
	output bool
	// userspace: it goes to ovs-vswitchd (a controller action, the slow
	// path), not out of a port.
	userspace bool
	// recirculates: the last pass ends by recirculating it (conntrack,
	// a bond's hash, a tunnel pop) with no pass after it in the record.
	recirculates bool
	// modify names the actions that only change the packet.
	modify []string
}

// readDatapathActions classifies ODP actions as format_odp_actions prints
// them (lib/odp-util.c): "drop" (or nothing) drops the packet; an output
// is a bare datapath port number (a name when names were asked for);
// tnl_push(…,out_port(N)) and lb_output(N) output; clone(…) and
// check_pkt_len(…,gt(…),le(…)) hold actions of their own; sample(…) only
// samples; userspace(…) goes to ovs-vswitchd; recirc(…) continues in the
// next pass; everything else (pop_vlan, push_vlan(…), set(…), ct(…),
// ct_clear, meter(…), trunc(…), …) only changes the packet.
func readDatapathActions(actions string) datapath {
	var d datapath
	passes := strings.Split(actions, passSeparator)
	for i, pass := range passes {
		last := i == len(passes)-1
		d.read(topo.SplitActions(strings.TrimSpace(pass)), last)
	}
	return d
}

// modifiers are the actions ODP prints as bare words that are not ports.
var modifiers = map[string]bool{"pop_vlan": true, "pop_eth": true, "pop_nsh": true, "ct": true, "ct_clear": true}

func (d *datapath) read(acts []string, last bool) {
	for _, a := range acts {
		a = strings.TrimSpace(a)
		name, args, nested := strings.Cut(a, "(")
		args = strings.TrimSuffix(args, ")")
		switch {
		case a == "" || a == "drop":
		case !nested && isDigits(a):
			d.output = true
		case !nested && !modifiers[a]:
			d.output = true // a port by name (ofproto/trace --names)
		case !nested:
			d.modify = appendOnce(d.modify, a)
		case name == "tnl_push" || name == "lb_output":
			d.output = true
		case name == "clone":
			d.read(topo.SplitActions(args), false)
		case name == "check_pkt_len":
			for _, b := range topo.SplitActions(args) {
				if branch, inner, ok := strings.Cut(b, "("); ok && (branch == "gt" || branch == "le") {
					d.read(topo.SplitActions(strings.TrimSuffix(inner, ")")), false)
				}
			}
		case name == "sample":
		case name == "userspace":
			d.userspace = true
		case name == "recirc" || name == "tnl_pop":
			d.recirculates = d.recirculates || last
		default:
			d.modify = appendOnce(d.modify, name)
		}
	}
}

func isDigits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}

func appendOnce(ss []string, s string) []string {
	for _, x := range ss {
		if x == s {
			return ss
		}
	}
	return append(ss, s)
}
