package ovs

import (
	"context"
	"strings"
	"testing"

	"github.com/ostopo/ostopo/netinspect/run"
)

// A frame arriving from a tunnel carries its tunnel id: without tun_id in
// the flow ofproto/trace is given, br-tun's tunnel-id table (4 for VXLAN)
// drops it, and the bridge reads as dropping what it forwards.
func TestProtoTraceTunnelID(t *testing.T) {
	for _, tt := range []struct {
		tunID uint64
		want  string // "" : no tun_id in the flow
	}{{0x51a, "tun_id=0x51a"}, {0, ""}} {
		var argv []string
		runner := run.Runner(func(_ context.Context, _ string, args ...string) ([]byte, error) {
			argv = args
			return []byte("Datapath actions: push_vlan(vid=1,pcp=0),7\n"), nil
		})
		a := &AppCtl{tool: run.Tool{Program: "ovs-appctl"}, runner: runner}
		got, err := a.ProtoTrace(context.Background(), "br-tun", Packet{InPort: 2, TunID: tt.tunID, DstMAC: "fa:16:3e:d8:3d:e4", DstIP: "10.1.0.211"})
		if err != nil || got != "push_vlan(vid=1,pcp=0),7" {
			t.Fatalf("ProtoTrace: %q, %v", got, err)
		}
		flow := strings.Join(argv, " ")
		if tt.want != "" && !strings.Contains(flow, tt.want) || tt.want == "" && strings.Contains(flow, "tun_id") || !strings.Contains(flow, "in_port=2") {
			t.Errorf("tun_id %#x: ovs-appctl %s", tt.tunID, flow)
		}
	}
}
