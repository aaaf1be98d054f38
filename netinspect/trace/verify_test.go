package trace_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/ostopo/ostopo/fixtures/fixturetest"
	"github.com/ostopo/ostopo/netinspect/topo"
	"github.com/ostopo/ostopo/netinspect/trace"
	"github.com/ostopo/ostopo/ovs"
)

// ofproto/trace output as OVS 3.1 prints it (ofproto/ofproto-dpif-trace.c):
// br-tun asked about the router's packet to 10.1.1.10 on local VLAN 3,
// whose l2population flow outputs to a tunnel port that is gone (the
// agent stopped, the port deleted): pop_vlan is all that is left, and the
// packet goes nowhere.
const brTunPopVLANOnly = `Flow: ip,in_port=2,dl_vlan=3,dl_vlan_pcp=0,vlan_tci1=0x0000,dl_src=fa:16:3e:33:e7:3e,dl_dst=fa:16:3e:aa:bb:cc,nw_src=0.0.0.0,nw_dst=10.1.1.10,nw_proto=0,nw_tos=0,nw_ecn=0,nw_ttl=0,nw_frag=no

bridge("br-tun")
----------------
 0. in_port=2, priority 1, cookie 0x8c2f5e0a9d417b36
    goto_table:2
 2. dl_dst=00:00:00:00:00:00/01:00:00:00:00:00, priority 0, cookie 0x8c2f5e0a9d417b36
    goto_table:20
20. dl_vlan=3,dl_dst=fa:16:3e:aa:bb:cc, priority 2, cookie 0x8c2f5e0a9d417b36
    pop_vlan
    set_field:0x3ea->tun_id
    output:7
     >> Nonexistent output port

Final flow: ip,tun_id=0x3ea,in_port=2,vlan_tci=0x0000,dl_src=fa:16:3e:33:e7:3e,dl_dst=fa:16:3e:aa:bb:cc,nw_src=0.0.0.0,nw_dst=10.1.1.10,nw_proto=0,nw_tos=0,nw_ecn=0,nw_ttl=0,nw_frag=no
Megaflow: recirc_id=0,eth,ip,tun_id=0,in_port=2,dl_vlan=3,dl_vlan_pcp=0,dl_dst=fa:16:3e:aa:bb:cc,nw_frag=no
Datapath actions: pop_vlan
`

// The same packet when the flow's tunnel exists (kernel datapath: the
// tunnel is set, then the packet output to vxlan_sys_4789's port).
const brTunToTunnel = `Flow: ip,in_port=2,dl_vlan=3,dl_vlan_pcp=0,vlan_tci1=0x0000,dl_src=fa:16:3e:33:e7:3e,dl_dst=fa:16:3e:aa:bb:cc,nw_src=0.0.0.0,nw_dst=10.1.1.10,nw_proto=0,nw_tos=0,nw_ecn=0,nw_ttl=0,nw_frag=no

bridge("br-tun")
----------------
 0. in_port=2, priority 1, cookie 0x8c2f5e0a9d417b36
    goto_table:2
 2. dl_dst=00:00:00:00:00:00/01:00:00:00:00:00, priority 0, cookie 0x8c2f5e0a9d417b36
    goto_table:20
20. dl_vlan=3,dl_dst=fa:16:3e:aa:bb:cc, priority 2, cookie 0x8c2f5e0a9d417b36
    pop_vlan
    set_field:0x3ea->tun_id
    output:3
     -> output to kernel tunnel

Final flow: ip,tun_id=0x3ea,in_port=2,vlan_tci=0x0000,dl_src=fa:16:3e:33:e7:3e,dl_dst=fa:16:3e:aa:bb:cc,nw_src=0.0.0.0,nw_dst=10.1.1.10,nw_proto=0,nw_tos=0,nw_ecn=0,nw_ttl=0,nw_frag=no
Megaflow: recirc_id=0,eth,ip,tun_id=0,in_port=2,dl_vlan=3,dl_vlan_pcp=0,dl_dst=fa:16:3e:aa:bb:cc,nw_frag=no
Datapath actions: set(tunnel(tun_id=0x3ea,dst=10.30.0.21,ttl=64,tp_dst=4789,flags(df|key))),pop_vlan,4
`

// br-int with the OVS firewall: the packet goes through conntrack
// (ct(…),recirc) and the pass after the recirculation outputs it to the
// instance's port; ofproto/trace prints one "Datapath actions:" line per
// pass.
const brIntConntrack = `Flow: ip,in_port=15,vlan_tci=0x0000,dl_src=fa:16:3e:3f:e2:47,dl_dst=fa:16:3e:c2:31:ee,nw_src=10.1.1.1,nw_dst=10.1.1.10,nw_proto=0,nw_tos=0,nw_ecn=0,nw_ttl=0,nw_frag=no

bridge("br-int")
----------------
 0. priority 0, cookie 0x9d4e8bf1c6a20b31
    goto_table:58
58. priority 0, cookie 0x9d4e8bf1c6a20b31
    goto_table:59
59. priority 0, cookie 0x9d4e8bf1c6a20b31
    goto_table:60
60. in_port=15, priority 100, cookie 0x9d4e8bf1c6a20b31
    set_field:0xf->reg5
    set_field:0x3->reg6
    resubmit(,73)
73. reg5=0xf, priority 80, cookie 0x9d4e8bf1c6a20b31
    resubmit(,94)
94. priority 1, cookie 0x9d4e8bf1c6a20b31
    NORMAL
     -> forwarding to learned port
    bridge("br-int")
    ----------------
        60. dl_vlan=3,dl_dst=fa:16:3e:c2:31:ee, priority 90, cookie 0x9d4e8bf1c6a20b31
            set_field:0x2->reg5
            set_field:0x3->reg6
            pop_vlan
            resubmit(,81)
        81. ct_state=-trk,ip,reg5=0x2, priority 90, cookie 0x9d4e8bf1c6a20b31
            ct(table=82,zone=NXM_NX_REG6[0..15])
            drop
             -> A clone of the packet is forked to recirculate. The forked pipeline will be resumed at table 82.
             -> Sets the packet to an untracked state, and clears all the conntrack fields.

Final flow: unchanged
Megaflow: recirc_id=0,eth,ip,in_port=15,dl_src=fa:16:3e:3f:e2:47,dl_dst=fa:16:3e:c2:31:ee,nw_frag=no
Datapath actions: ct(zone=3),recirc(0x5)

===============================================================================
recirc(0x5) - resume conntrack with default ct_state=trk|new (use --ct-next to customize)
===============================================================================

Flow: recirc_id=0x5,ct_state=new|trk,ct_zone=3,eth,ip,reg5=0x2,reg6=0x3,in_port=15,vlan_tci=0x0000,dl_src=fa:16:3e:3f:e2:47,dl_dst=fa:16:3e:c2:31:ee,nw_src=10.1.1.1,nw_dst=10.1.1.10,nw_proto=0,nw_tos=0,nw_ecn=0,nw_ttl=0,nw_frag=no

bridge("br-int")
----------------
    thaw
        Resuming from table 82
82. ct_state=+new-est,ip,reg5=0x2, priority 70, cookie 0x9d4e8bf1c6a20b31
    ct(commit,zone=NXM_NX_REG6[0..15])
    output:2

Final flow: unchanged
Megaflow: recirc_id=0x5,ct_state=+new-est-rel-rpl+trk,eth,ip,reg5=0x2,in_port=15,nw_frag=no
Datapath actions: ct(commit,zone=3),2
`

// verdictOf is the verdict a bridge's ofproto/trace output gives.
func verdictOf(t *testing.T, bridge, out string) *trace.OFTrace {
	t.Helper()
	actions, ok := ovs.DatapathActions([]byte(out))
	if !ok {
		t.Fatalf("no datapath actions in:\n%s", out)
	}
	r := &trace.Result{Hops: []trace.Hop{{Packet: &trace.Packet{Bridge: bridge, InPort: 2}}}}
	trace.Attach(r, []topo.OFTraceRecord{{Bridge: bridge, Flow: r.Hops[0].Packet.Flow(), DatapathActions: actions}})
	return r.Hops[0].OFTrace
}

// "Forwards" needs an action that sends the packet out of a port; actions
// that only change it, and what only goes on in a pass that was not
// traced, are no forwarding.
func TestOFTraceVerdicts(t *testing.T) {
	tests := []struct {
		name, bridge, out, verdict, detail string
	}{
		{"only pop_vlan", "br-tun", brTunPopVLANOnly, "br-tun drops it", "only change the packet (pop_vlan); none outputs it"},
		{"to a kernel tunnel", "br-tun", brTunToTunnel, "br-tun forwards it", ""},
		{"conntrack, then output", "br-int", brIntConntrack, "br-int forwards it", ""},
		{"conntrack, then drop", "br-int", strings.Replace(brIntConntrack, "Datapath actions: ct(commit,zone=3),2", "Datapath actions: drop", 1), "br-int drops it", "(ct)"},
		{"conntrack, pass after not traced", "br-int", "Datapath actions: ct(zone=3),recirc(0x5)\n", "br-int recirculates it (conntrack) and the pass after was not traced: not verified", ""},
		{"bare ct and recirc, then drop", "br-int", "Datapath actions: ct,recirc(0x1)\n\nrecirc(0x1)\nDatapath actions: drop\n", "br-int drops it", "(ct)"},
		{"plain drop", "br-int", "Datapath actions: drop\n", "br-int drops it", ""},
		{"tag and TTL only", "br-int", "Datapath actions: push_vlan(vid=3,pcp=0),set(ipv4(ttl=63))\n", "br-int drops it", "(push_vlan, set)"},
		{"output after a VLAN push", "br-int", "Datapath actions: push_vlan(vid=1,pcp=0),2\n", "br-int forwards it", ""},
		{"userspace tunnel push", "br-tun", "Datapath actions: pop_vlan,tnl_push(tnl_port(4789),header(size=50,type=4,eth(dst=52:54:00:12:34:56,src=52:54:00:65:43:21,dl_type=0x0800),ipv4(src=10.30.0.11,dst=10.30.0.21,proto=17,tos=0,ttl=64,frag=0x4000),udp(src=0,dst=4789,csum=0x0),vxlan(flags=0x8000000,vni=0x3ea)),out_port(2))\n", "br-tun forwards it", ""},
		{"output inside clone", "br-tun", "Datapath actions: clone(set(tunnel(tun_id=0x3ea,dst=10.30.0.31,ttl=64,tp_dst=4789,flags(df|key))),4),pop_vlan\n", "br-tun forwards it", ""},
		{"check_pkt_len branches", "br-int", "Datapath actions: check_pkt_len(size=1514,gt(userspace(pid=3,controller(reason=1,dont_send=1,continuation=0,recirc_id=2,rule_cookie=0,controller_id=0,max_len=65535))),le(3))\n", "br-int forwards it", ""},
		{"sampled only", "br-int", "Datapath actions: sample(sample=10.0%,actions(userspace(pid=3,sFlow(vid=0,pcp=0,output=2147483650))))\n", "br-int drops it", ""},
		{"to the controller", "br-int", "Datapath actions: userspace(pid=3,controller(reason=1,dont_send=0,continuation=0,recirc_id=1,rule_cookie=0,controller_id=0,max_len=65535))\n", "br-int sends it to userspace (the controller), to no port", ""},
		{"translation failed", "br-int", "Datapath actions: 3\nTranslation failed (Recursion too deep), packet is dropped.\n", "br-int drops it", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := verdictOf(t, tt.bridge, tt.out)
			if o.Verdict != tt.verdict {
				t.Errorf("verdict %q, want %q (datapath actions %q)", o.Verdict, tt.verdict, o.DatapathActions)
			}
			if tt.detail == "" && o.Detail != "" || !strings.Contains(o.Detail, tt.detail) {
				t.Errorf("detail %q, want %q", o.Detail, tt.detail)
			}
		})
	}
	if got := verdictOf(t, "br-int", brIntConntrack).DatapathActions; got != "ct(zone=3),recirc(0x5); ct(commit,zone=3),2" {
		t.Errorf("datapath actions of both passes = %q", got)
	}
}

// fakeTracer answers ofproto/trace per bridge with recorded OVS output.
type fakeTracer map[string]string

func (f fakeTracer) OFTrace(_ context.Context, p trace.Packet) (string, error) {
	out, ok := f[p.Bridge]
	if !ok {
		return "", fmt.Errorf("ofproto/trace on %s: no such bridge", p.Bridge)
	}
	actions, ok := ovs.DatapathActions([]byte(out))
	if !ok {
		return "", fmt.Errorf("ofproto/trace on %s: no datapath actions in the output", p.Bridge)
	}
	return actions, nil
}

// The path to a remote instance verified on the node: br-tun's only
// action pops the VLAN, so br-tun drops the packet, and the text says so.
func TestVerifyBrTunDropsWhatOnlyPopsTheVLAN(t *testing.T) {
	_, x := l2Setup(t)
	s := fixturetest.Load(t, "net") // as recorded: br-tun's l2population entry unicasts to the instance's node
	r := l2Trace(t, s, x)
	if !r.Complete || len(r.ContinuesAt) != 1 {
		t.Fatalf("complete %v, continues at %v:\n%s", r.Complete, r.ContinuesAt, trace.Text(r, s.Host))
	}
	recs := trace.Verify(context.Background(), r, fakeTracer{"br-tun": brTunPopVLANOnly, "br-int": "Datapath actions: push_vlan(vid=3,pcp=0),5\n", "br-ex": "Datapath actions: 2\n"})
	tb := hopOf(r, trace.KindTunnelBridge)
	if tb.OFTrace == nil || tb.OFTrace.Verdict != "br-tun drops it" || tb.OFTrace.DatapathActions != "pop_vlan" {
		t.Fatalf("br-tun verdict: %+v", tb.OFTrace)
	}
	if len(recs) == 0 {
		t.Error("nothing recorded")
	}
	text := trace.Text(r, s.Host)
	if !strings.Contains(text, "ofproto/trace: br-tun drops it (datapath actions: pop_vlan): the datapath actions only change the packet (pop_vlan); none outputs it\n") {
		t.Errorf("text:\n%s", text)
	}
	for _, h := range r.Hops {
		if h.OFTrace != nil && h.Kind != trace.KindTunnelBridge && !strings.HasSuffix(h.OFTrace.Verdict, "forwards it") {
			t.Errorf("%s: %q", h.Kind, h.OFTrace.Verdict)
		}
	}
}
