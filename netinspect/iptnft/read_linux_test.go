//go:build linux

package iptnft

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// rules are Neutron's L3 agent rules (legacy and DVR routers, floating IPs,
// port forwarding, SNAT) and the other shapes this package writes, loaded
// with iptables-restore as the agent does.
const rules = `*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:neutron-postrouting-bottom - [0:0]
:neutron-l3-agent-snat - [0:0]
:neutron-l3-agent-float-snat - [0:0]
:neutron-l3-agent-PREROUTING - [0:0]
:neutron-l3-agent-POSTROUTING - [0:0]
:neutron-l3-agent-OUTPUT - [0:0]
:neutron-l3-agent-pf-2dc8e4a5 - [0:0]
-A PREROUTING -j neutron-l3-agent-PREROUTING
-A OUTPUT -j neutron-l3-agent-OUTPUT
-A POSTROUTING -j neutron-l3-agent-POSTROUTING
-A POSTROUTING -j neutron-postrouting-bottom
-A neutron-l3-agent-OUTPUT -d 203.0.113.10/32 -j DNAT --to-destination 10.0.0.5
-A neutron-l3-agent-POSTROUTING ! -i qg-4c3e2a1b-9f ! -o qg-4c3e2a1b-9f -m conntrack ! --ctstate DNAT -j ACCEPT
-A neutron-l3-agent-PREROUTING -d 169.254.169.254/32 -i qr-+ -p tcp -m tcp --dport 80 -j REDIRECT --to-ports 9697
-A neutron-l3-agent-PREROUTING -d 203.0.113.10/32 -j DNAT --to-destination 10.0.0.5
-A neutron-l3-agent-PREROUTING -d 203.0.113.12/32 -i rfp-4c3e2a1b-9 -j DNAT --to-destination 10.0.0.7
-A neutron-l3-agent-PREROUTING -j neutron-l3-agent-pf-2dc8e4a5
-A neutron-l3-agent-pf-2dc8e4a5 -d 203.0.113.11/32 -p tcp -m tcp --dport 2222 -j DNAT --to-destination 10.0.0.6:22
-A neutron-l3-agent-pf-2dc8e4a5 -d 203.0.113.11/32 -p udp -m udp --dport 5353 -j DNAT --to-destination 10.0.0.6:53
-A neutron-l3-agent-float-snat -s 10.0.0.5/32 -j SNAT --to-source 203.0.113.10 --random-fully
-A neutron-l3-agent-snat -j neutron-l3-agent-float-snat
-A neutron-l3-agent-snat -o qg-4c3e2a1b-9f -j SNAT --to-source 203.0.113.2 --random-fully
-A neutron-l3-agent-snat -m mark ! --mark 0x2/0xffff -m conntrack --ctstate DNAT -j SNAT --to-source 203.0.113.2 --random-fully
-A neutron-l3-agent-snat -s 10.1.0.0/16 -o qg-4c3e2a1b-9f -j SNAT --to-source 203.0.113.3-203.0.113.9 --persistent
-A neutron-l3-agent-snat ! -s 10.2.0.0/255.255.0.255 -j RETURN
-A neutron-l3-agent-snat -p udp -m udp --sport 53 ! --dport 54 -j ACCEPT
-A neutron-l3-agent-snat -m mark --mark 0x1 -j RETURN
-A neutron-l3-agent-snat -p icmp -j ACCEPT
-A neutron-l3-agent-snat -p tcp -m conntrack --ctstate NEW,RELATED,ESTABLISHED -j SNAT --to-source 203.0.113.4:1000-2000 --random
-A neutron-l3-agent-snat -g neutron-l3-agent-float-snat
-A neutron-postrouting-bottom -m comment --comment "Perform source NAT on outgoing traffic." -j neutron-l3-agent-snat
COMMIT
`

// Rules this package leaves to iptables-save, one at a time.
var unwrittenRules = []string{
	"-A POSTROUTING -o qg-x -j MASQUERADE",
	"-A PREROUTING -m addrtype --dst-type LOCAL -j RETURN",
	"-A PREROUTING -p tcp -m multiport --dports 1,2 -j RETURN",
	"-A PREROUTING -p tcp -m tcp --dport 100:200 -j RETURN",
	"-A PREROUTING -m conntrack --ctstatus CONFIRMED -j RETURN",
}

// testNetns makes a network namespace of the test's own, removed after it.
func testNetns(t *testing.T, name string) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: a network namespace and iptables")
	}
	if _, err := exec.LookPath("iptables-nft-save"); err != nil {
		t.Skip("no iptables-nft")
	}
	if out, err := exec.Command("ip", "netns", "add", name).CombinedOutput(); err != nil {
		t.Fatalf("ip netns add %s: %v: %s", name, err, out)
	}
	t.Cleanup(func() { exec.Command("ip", "netns", "del", name).Run() })
	return filepath.Join("/run/netns", name)
}

func inNS(t *testing.T, name, stdin string, argv ...string) string {
	t.Helper()
	cmd := exec.Command("ip", append([]string{"netns", "exec", name}, argv...)...)
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v: %v: %s", argv, err, out)
	}
	return string(out)
}

// withoutComments drops the banner lines, which name the tool and time.
func withoutComments(s string) string {
	var keep []string
	for _, l := range strings.Split(s, "\n") {
		if !strings.HasPrefix(l, "#") {
			keep = append(keep, l)
		}
	}
	return strings.Join(keep, "\n")
}

// The same text as iptables-nft-save, byte for byte but for the banner,
// in a namespace the real iptables-nft-restore wrote; and an empty one.
func TestReadNATMatchesIPTablesSave(t *testing.T) {
	const name = "ostopo-iptnft-test"
	path := testNetns(t, name)
	ctx := context.Background()
	empty, err := ReadNAT(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if want := inNS(t, name, "", "iptables-nft-save", "-t", "nat"); withoutComments(empty) != withoutComments(want) {
		t.Errorf("empty namespace:\n%s\niptables-save:\n%s", empty, want)
	}
	inNS(t, name, rules, "iptables-nft-restore")
	got, err := ReadNAT(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	want := inNS(t, name, "", "iptables-nft-save", "-t", "nat")
	if withoutComments(got) != withoutComments(want) {
		t.Errorf("read over netlink:\n%s\niptables-save:\n%s", got, want)
	}
	for _, r := range unwrittenRules {
		inNS(t, name, "*nat\n"+r+"\nCOMMIT\n", "iptables-nft-restore")
		if _, err := ReadNAT(ctx, path); !IsUnwritten(err) {
			t.Errorf("%s: %v, want an UnwrittenError", r, err)
		}
	}
}
