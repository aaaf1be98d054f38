package routefix

import (
	"net"
	"net/netip"
	"testing"
)

func TestARPPacket(t *testing.T) {
	gw := netip.MustParseAddr("10.20.0.1")
	me := netip.MustParseAddr("10.20.0.11")
	mac := net.HardwareAddr{2, 0, 0, 0, 0, 1}
	req := arpPacket(1, mac, me, make(net.HardwareAddr, 6), gw)
	if len(req) != 28 || req[7] != 1 || req[24] != 10 || req[27] != 1 {
		t.Fatalf("request % x", req)
	}
	if _, ok := arpReplyFrom(req, gw); ok {
		t.Error("a request taken for a reply")
	}
	reply := arpPacket(2, net.HardwareAddr{2, 0, 0, 0, 0, 9}, gw, mac, me)
	if got, ok := arpReplyFrom(reply, gw); !ok || got.String() != "02:00:00:00:00:09" {
		t.Errorf("reply: %v %v", got, ok)
	}
	if _, ok := arpReplyFrom(reply, me); ok {
		t.Error("a reply from another host accepted")
	}
}
