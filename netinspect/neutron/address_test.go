package neutron

import "testing"

// Which addresses of the anti-spoofing flows are a port's (fixed IPs and
// allowed address pairs) and which every port gets.
func TestPortAddress(t *testing.T) {
	for v, want := range map[string]bool{
		"10.1.1.21":                        true,
		"10.1.0.0/24":                      true, // a CIDR allowed address pair
		"2001:db8:1::12":                   true,
		"2001:db8:1:0:f816:3eff:fe11:2233": true, // SLAAC: EUI-64, but Neutron's fixed IP
		"2001:db8:1::/64":                  true,
		"fe80::1":                          true, // a user's link-local pair (VRRP)
		"0.0.0.0":                          false,
		"0.0.0.0/8":                        false,
		"::":                               false,
		"::/0":                             false,
		"fe80::f816:3eff:fe11:2233":        false, // EUI-64 link-local of fa:16:3e:11:22:33
		"fe80::fc16:3eff:fe11:2233":        false,
		"":                                 false,
		"10.1.1.x":                         false,
		"10.1.1.1/33":                      false,
	} {
		if got := portAddress(v); got != want {
			t.Errorf("portAddress(%q) = %v, want %v", v, got, want)
		}
	}
}
