package collect

// Fuzz target for the Neutron agents' files: dnsmasq host files, the DHCP
// agent's interface files and keepalived's HA state files, which ostopo
// reads from the node's state dir. `.ci/fuzz` runs it for a bounded time;
// crashers go to testdata/fuzz/FuzzAgentFiles/ and are replayed by plain
// `go test`. The netlink message parsers are in fuzz_linux_test.go.

import (
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/ostopo/ostopo/fixtures"
	"github.com/ostopo/ostopo/netinspect/topo"
)

// renderDHCPHosts writes hosts back as the DHCP agent writes a host file.
func renderDHCPHosts(hosts []topo.DHCPHost) string {
	var b strings.Builder
	for _, h := range hosts {
		b.WriteString(h.MAC)
		if h.Hostname != "" {
			b.WriteString("," + h.Hostname)
		}
		if h.IP != "" {
			b.WriteString(",[" + h.IP + "]")
		}
		if h.PortID != "" {
			b.WriteString(",set:port-" + h.PortID)
		}
		b.WriteString("\n")
	}
	return b.String()
}

const dhcpHostsSample = `fa:16:3e:1a:2b:3c,host-10-10-0-12.openstacklocal,10.10.0.12
fa:16:3e:4b:9a:10,host-10-10-0-1.openstacklocal,10.10.0.1,set:port-5c6e1f0b-2a3b-4c5d-8e6f-7a8b9c0d1e2f
FA:16:3E:00:00:01,tag:dhcpv6,host-2001-db8--5.openstacklocal,[2001:db8::5]
# comment
garbage line
`

// checkDHCPHosts holds ParseDHCPHosts to its word on text: every host
// it keeps has a valid lower-case MAC and a valid IP or none, the hosts
// come in MAC order, there are no more of them than lines nor more bytes
// than the text has, and written back as the agent writes them they read
// back the same.
func checkDHCPHosts(t *testing.T, text string, hosts []topo.DHCPHost) {
	t.Helper()
	if hosts == nil {
		t.Fatal("nil hosts (the snapshot says [] for none)")
	}
	if lines := strings.Count(text, "\n") + 1; len(hosts) > lines {
		t.Errorf("%d hosts from %d lines", len(hosts), lines)
	}
	size := 0
	for _, h := range hosts {
		if hw, err := net.ParseMAC(h.MAC); err != nil || len(hw) != 6 || h.MAC != strings.ToLower(h.MAC) {
			t.Errorf("host MAC %q", h.MAC)
		}
		if h.IP != "" {
			if _, err := netip.ParseAddr(h.IP); err != nil {
				t.Errorf("host IP %q: %v", h.IP, err)
			}
		}
		size += len(h.MAC) + len(h.Hostname) + len(h.IP) + len(h.PortID)
	}
	if size > len(text) {
		t.Errorf("%d bytes of hosts from %d bytes of text", size, len(text))
	}
	if !slices.IsSortedFunc(hosts, func(a, b topo.DHCPHost) int { return strings.Compare(a.MAC, b.MAC) }) {
		t.Errorf("hosts out of MAC order")
	}
	again := ParseDHCPHosts(renderDHCPHosts(hosts))
	if diff := cmp.Diff(hosts, again); diff != "" {
		t.Errorf("hosts written back and read again (-first +again):\n%s", diff)
	}
}

// FuzzAgentFiles puts an arbitrary dnsmasq host file, DHCP interface file
// and HA state file, under arbitrary network and router directory names,
// in a state dir and reads it as a node's (ReadAgentFiles). The host file
// parser (ParseDHCPHosts) is held to its word on the text (checkDHCPHosts);
// what ReadAgentFiles returns is what the parsers make of the files
// (trimmed text for interface and state), a directory that is no network
// id is left out, and nothing fails. One target for the three files, as
// one function reads them: a target of its own for ParseDHCPHosts would
// be faster, but .ci/fuzz gives every target its own turn and has three
// minutes for all.
func FuzzAgentFiles(f *testing.F) {
	const netID, routerID = "5b1c7e2a-8d3f-4a6b-9c0d-1e2f3a4b5c6d", "7d2f3c1a-b4e5-4f60-8a91-b2c3d4e5f607"
	add := func(host string) {
		f.Add(netID, []byte(host), []byte("tap3f9a2b1c-7d\n"), routerID, []byte("primary\n"))
	}
	add(dhcpHostsSample)
	for _, name := range []string{"aio", "bad", "cmp", "cmp-ovsfw", "net", "net2"} {
		s, err := fixtures.Load(name)
		if err != nil {
			f.Fatal(err)
		}
		for _, n := range s.Agent.DHCP {
			add(renderDHCPHosts(n.Hosts))
		}
	}
	for _, s := range []string{
		"",
		"\n\r\n,,,\n",
		"fa:16:3e:00:00:01\n",
		"fa-16-3e-00-00-01,0000.5e00.5301,id:*,set:port-,set:port-a,set:port-b,tag:x,[::1],10.0.0.1\n",
		"00:00:00:00:00:00:00:00,02:00:5e:10:00:00:00:01,x\n", // 8- and 20-byte MACs are no dnsmasq MACs
		"fa:16:3e:00:00:01,fe80::1%eth0,[fe80::1%a b],[[::ffff:1.2.3.4]],[],1.2.3.4.5\n",
		"fa:16:3e:00:00:01,\x1b]0;pwned\a\x1b[2J,\x00,\xff\xfe,host\u202e\n",
		"fa:16:3e:00:00:01," + strings.Repeat("a", 4096) + "\n",
		strings.Repeat("fa:16:3e:00:00:01,h,10.0.0.1\n", 100),
	} {
		add(s)
	}
	f.Add(netID, []byte(""), []byte(""), routerID, []byte("backup"))
	f.Add("not-a-network", []byte("fa:16:3e:ff:ff:ff,x,10.0.0.1\n"), []byte("tap0"), "r", []byte("master\r\n"))
	f.Add(strings.ToUpper(netID), []byte("\x00"), []byte(" \t\x1b[2J\x00\n\n"), ".hidden", []byte("\xff\xfe fault \x07"))
	f.Add(netID, []byte(strings.Repeat("fa:16:3e:00:00:01,,\n", 50)), []byte(strings.Repeat(" ", 100)), "-", []byte{})

	// One state dir for every input, emptied each time: a fresh t.TempDir
	// per input made this target a third slower.
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, network string, host, iface []byte, router string, state []byte) {
		hosts := ParseDHCPHosts(string(host))
		checkDHCPHosts(t, string(host), hosts)

		// Names a directory cannot have are no input a node can hold.
		for _, name := range []string{network, router} {
			if name == "" || name == "." || name == ".." || len(name) > 255 || strings.ContainsAny(name, "/\x00") {
				return
			}
		}
		for _, sub := range []string{"dhcp", "ha_confs"} {
			if err := os.RemoveAll(filepath.Join(dir, sub)); err != nil {
				t.Fatal(err)
			}
		}
		write := func(rel string, content []byte) {
			p := filepath.Join(dir, rel)
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, content, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		write(filepath.Join("dhcp", network, "host"), host)
		write(filepath.Join("dhcp", network, "interface"), iface)
		write(filepath.Join("ha_confs", router, "state"), state)

		got, where, err := ReadAgentFiles(dir)
		if err != nil || where != dir {
			t.Fatalf("ReadAgentFiles = %q, %v", where, err)
		}
		want := topo.AgentFiles{
			StateDir:       dir,
			DHCP:           []topo.DHCPNetwork{},
			HARouterStates: map[string]string{router: strings.TrimSpace(string(state))},
			Keepalived: map[string]topo.KeepalivedConf{router: {
				VIPs: []topo.KeepalivedVIP{}, Error: "no " + filepath.Join(dir, "ha_confs", router, "keepalived.conf")}},
		}
		if topo.IsUUID(network) {
			want.DHCP = append(want.DHCP, topo.DHCPNetwork{
				NetworkID: network, Dir: filepath.Join(dir, "dhcp", network),
				Interface: strings.TrimSpace(string(iface)), Hosts: hosts,
			})
		}
		if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("ReadAgentFiles (-want +got):\n%s", diff)
		}
	})
}
