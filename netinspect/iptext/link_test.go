package iptext

import "testing"

// ip's oper state words (iproute2's oper_states, the kernel's IF_OPER_*)
// become the netlink library's LinkOperState names, which the collector
// records.
func TestOperState(t *testing.T) {
	for word, want := range map[string]string{
		"UNKNOWN": "unknown", "NOTPRESENT": "not-present", "DOWN": "down", "LOWERLAYERDOWN": "lower-layer-down",
		"TESTING": "testing", "DORMANT": "dormant", "UP": "up", "WEIRD": "unknown",
	} {
		if got := operState(word); got != want {
			t.Errorf("%s: %q, want %q", word, got, want)
		}
	}
	text := "5: veth0@if4: <NO-CARRIER,BROADCAST,MULTICAST,UP,M-DOWN> mtu 1500 qdisc noqueue state LOWERLAYERDOWN group default qlen 1000\n" +
		"    link/ether 0a:58:0a:f4:00:01 brd ff:ff:ff:ff:ff:ff link-netnsid 0\n"
	l := mustLinks(t, text)
	if v := link(t, l, "veth0"); v.OperState != "lower-layer-down" || v.Carrier || !v.AdminUp || v.Up() {
		t.Errorf("veth0 = %+v", v)
	}
}

// A point-to-point address is its local end at full length, whatever
// the peer's prefix.
func TestPeerAddress(t *testing.T) {
	text := "3: p2p0: <POINTOPOINT,NOARP,UP,LOWER_UP> mtu 1500 qdisc noqueue state UNKNOWN\n" +
		"    link/none \n" +
		"    inet 10.9.1.1 peer 10.9.2.0/24 scope global p2p0\n" +
		"    inet6 fd00::1 peer fd00::/64 scope global \n"
	l := mustLinks(t, text)
	a := link(t, l, "p2p0").Addrs
	if len(a) != 2 || a[0].Prefix != "10.9.1.1/32" || a[1].Prefix != "fd00::1/128" {
		t.Errorf("addresses = %+v", a)
	}
}
