//go:build linux

package doctor_test

import (
	"context"
	"net/netip"
	"strings"
	"testing"

	"github.com/ostopo/ostopo/fixtures/lab"
	"github.com/ostopo/ostopo/fixtures/lab/labsnap"
	"github.com/ostopo/ostopo/fixtures/lab/labtest"
	"github.com/ostopo/ostopo/netinspect/doctor"
)

// A healthy lab node: no error, no warning.
func TestLabClean(t *testing.T) {
	l := labtest.Build(t, lab.AllInOne())
	if err := l.WaitConnected(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, f := range doctor.Run(labsnap.Take(t, l)) {
		if f.Severity != doctor.Info {
			t.Errorf("%s %s: %v", f.Severity, f.ID, f.Evidence)
		}
	}
}

// One fault per check, made for real: each is reported on the right object.
func TestLabFaults(t *testing.T) {
	spec := lab.AllInOne()
	victim := spec.Instances[0]
	r0 := spec.Routers[0]
	qr0 := r0.Interfaces[0]
	const spare = "0fad0fad-0fad-4fad-afad-0fad0fad0fad"
	tests := []struct {
		fault  lab.Fault
		id     string // expected finding id (prefix)
		object string // an object it must name
	}{
		{lab.Fault{Kind: lab.FaultDeadNeverBound, Target: victim.ID}, "dead-vlan/port/" + victim.ID, victim.Network},
		{lab.Fault{Kind: lab.FaultQVBNoMaster, Target: victim.ID}, "chain-broken/port/" + victim.ID, victim.ID},
		{lab.Fault{Kind: lab.FaultTapMissing, Target: victim.ID}, "chain-broken/port/" + victim.ID, victim.ID},
		{lab.Fault{Kind: lab.FaultQVOOffBridge, Target: victim.ID}, "chain-broken/port/" + victim.ID[:11], victim.ID[:11]},
		{lab.Fault{Kind: lab.FaultDeviceDown, Target: victim.Device("qvb")}, "device-down/port/" + victim.ID, victim.ID},
		{lab.Fault{Kind: lab.FaultSmallMTU, Target: victim.ID}, "mtu-mismatch/port/" + victim.ID, victim.Network},
		{lab.Fault{Kind: lab.FaultTagMismatch, Target: victim.ID}, "tag-mismatch/port/" + victim.ID, victim.ID},
		{lab.Fault{Kind: lab.FaultVLANShared, Target: spec.Networks[2].ID}, "vlan-shared/network/", spec.Networks[2].ID},
		{lab.Fault{Kind: lab.FaultNoTunnelFlow, Target: spec.Networks[1].ID}, "vlan-unmapped/network/" + spec.Networks[1].ID, spec.Networks[1].ID},
		{lab.Fault{Kind: lab.FaultPatchPeer, Target: "patch-tun"}, "patch-peer/patch/br-int/patch-tun", "br-int"},
		{lab.Fault{Kind: lab.FaultTunnelLocalIP, Target: "vxlan-0a1e0015"}, "tunnel-local-ip/tunnel/vxlan-0a1e0015", "vxlan-0a1e0015"},
		{lab.Fault{Kind: lab.FaultOrphanNS, Target: spare}, "namespace-orphan/namespace/qdhcp-" + spare, "qdhcp-" + spare},
		{lab.Fault{Kind: lab.FaultEmptyNS, Target: spare}, "namespace-empty/namespace/qrouter-" + spare, "qrouter-" + spare},
		{lab.Fault{Kind: lab.FaultIPForwardOff, Target: r0.ID}, "router-forwarding/router/" + r0.ID, "qrouter-" + r0.ID},
		{lab.Fault{Kind: lab.FaultNoDNAT, Target: r0.FIPs[0].Floating}, "fip-nat/router/" + r0.ID, r0.FIPs[0].Floating},
		{lab.Fault{Kind: lab.FaultFIPNotOnQG, Target: r0.FIPs[0].Floating}, "fip-nat/router/" + r0.ID, r0.FIPs[0].Floating},
		{lab.Fault{Kind: lab.FaultQRNoAddress, Target: r0.ID}, "router-interface-address/port/" + qr0.ID, r0.ID},
		{lab.Fault{Kind: lab.FaultDuplicateAddr}, "router-duplicate-address/address/" + netip.MustParsePrefix(qr0.IP).Addr().String(), ""},
		{lab.Fault{Kind: lab.FaultDHCPNoAddress, Target: spec.Networks[1].ID}, "dhcp-port/namespace/qdhcp-" + spec.Networks[1].ID, spec.Networks[1].ID},
		{lab.Fault{Kind: lab.FaultDefaultViaEth4}, "default-route-via-bridge-port/route/default", "eth4"},
		{lab.Fault{Kind: lab.FaultDefaultViaEth4}, "provider-nic-address/nic/eth4", "br-ex"},
		{lab.Fault{Kind: lab.FaultFailMode, Target: "br-tun"}, "fail-mode/bridge/br-tun", "br-tun"},
		{lab.Fault{Kind: lab.FaultNoController, Target: "br-tun"}, "controller/bridge/br-tun", "br-tun"},
	}
	for _, tt := range tests {
		t.Run(tt.fault.Kind+"/"+strings.SplitN(tt.id, "/", 2)[0], func(t *testing.T) {
			l := labtest.Build(t, spec)
			if err := l.Inject(context.Background(), tt.fault); err != nil {
				t.Fatal(err)
			}
			fs := doctor.Run(labsnap.Take(t, l))
			for _, f := range fs {
				if !strings.HasPrefix(f.ID, tt.id) {
					continue
				}
				for _, o := range f.Objects {
					if tt.object == "" || o.ID == tt.object {
						return
					}
				}
				t.Fatalf("%s names %v, want %s among them", f.ID, f.Objects, tt.object)
			}
			var ids []string
			for _, f := range fs {
				ids = append(ids, f.ID)
			}
			t.Errorf("no finding %s…; got %v", tt.id, ids)
		})
	}
}
