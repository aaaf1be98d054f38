//go:build linux

package iptext

import (
	"context"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/ostopo/ostopo/fixtures/lab"
	"github.com/ostopo/ostopo/fixtures/lab/labtest"
	"github.com/ostopo/ostopo/netinspect/collect"
	"github.com/ostopo/ostopo/netinspect/topo"
)

var record = flag.Bool("record", false, "write what the live tests read to testdata/live (needs root)")

// The namespaces of the features scenario: a node (read as the root) and
// a router namespace holding the DVR veth's other end.
const (
	featNode   = "ostopo-iptext-node"
	featRouter = "qrouter-aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa"
)

// featureSetup builds, with real iproute2, one of each fact the model
// holds that this machine's kernel can make (it has no dummy, VLAN, GRE
// or bond drivers): veths in one namespace and across two, a bridge
// with a veth and a tap, tun and tap devices, a VXLAN, a macvlan, a
// device set down, secondary, labelled, peer and IPv6 addresses, routes
// of every type, protocols, tables past 255, a multipath route, IPv4 and
// IPv6 policy rules with marks and interfaces, neighbours of each state,
// ip_forward on and off, a router's NAT table.
var featureSetup = [][]string{
	{"-n", featNode, "link", "set", "lo", "up"},
	{"-n", featRouter, "link", "set", "lo", "up"},
	{"-n", featNode, "link", "add", "eth9", "type", "veth", "peer", "name", "eth9p"},
	{"-n", featNode, "link", "set", "eth9p", "up"},
	{"-n", featNode, "link", "set", "eth9", "up"},
	{"-n", featNode, "addr", "add", "10.9.0.1/24", "dev", "eth9"},
	{"-n", featNode, "addr", "add", "10.9.0.2/24", "dev", "eth9", "label", "eth9:1"},
	{"-n", featNode, "addr", "add", "2001:db8:9::1/64", "dev", "eth9", "nodad"},
	{"-n", featNode, "link", "add", "eth8", "type", "veth", "peer", "name", "eth8p"},
	{"-n", featNode, "link", "set", "eth8", "up"},
	{"-n", featNode, "link", "set", "eth8p", "up"},
	{"-n", featNode, "addr", "add", "10.100.0.1/24", "dev", "eth8"},
	{"-n", featNode, "link", "add", "vxlan-42", "type", "vxlan", "id", "42", "dev", "eth9", "dstport", "4789", "local", "10.9.0.1"},
	{"-n", featNode, "link", "set", "vxlan-42", "up"},
	{"-n", featNode, "link", "add", "mv0", "link", "eth9", "type", "macvlan", "mode", "bridge"},
	{"-n", featNode, "link", "add", "qbr-test", "type", "bridge"},
	{"-n", featNode, "link", "set", "qbr-test", "up"},
	{"-n", featNode, "link", "add", "qvb-test", "type", "veth", "peer", "name", "qvo-test"},
	{"-n", featNode, "link", "set", "qvb-test", "master", "qbr-test"},
	{"-n", featNode, "link", "set", "qvb-test", "up"},
	{"-n", featNode, "link", "set", "qvo-test", "up"},
	{"-n", featNode, "tuntap", "add", "tap-test", "mode", "tap"},
	{"-n", featNode, "tuntap", "add", "tun-test", "mode", "tun"},
	{"-n", featNode, "link", "set", "tap-test", "master", "qbr-test"},
	{"-n", featNode, "tuntap", "add", "p2p0", "mode", "tun"},
	{"-n", featNode, "link", "set", "p2p0", "up"},
	{"-n", featNode, "addr", "add", "10.9.1.1", "peer", "10.9.1.2/32", "dev", "p2p0"},
	{"-n", featNode, "link", "add", "rfp-aaaaaaaa-a", "type", "veth", "peer", "name", "fpr-aaaaaaaa-a", "netns", featRouter},
	{"-n", featNode, "link", "set", "rfp-aaaaaaaa-a", "up"},
	{"-n", featNode, "addr", "add", "169.254.106.114/31", "dev", "rfp-aaaaaaaa-a"},
	{"-n", featRouter, "link", "set", "fpr-aaaaaaaa-a", "up"},
	{"-n", featRouter, "addr", "add", "169.254.106.115/31", "dev", "fpr-aaaaaaaa-a"},
	{"-n", featRouter, "link", "add", "qg-aaaaaaaa-aa", "type", "veth", "peer", "name", "qg-peer"},
	{"-n", featRouter, "link", "set", "qg-peer", "up"},
	{"-n", featRouter, "link", "set", "qg-aaaaaaaa-aa", "up"},
	{"-n", featRouter, "addr", "add", "203.0.113.10/24", "dev", "qg-aaaaaaaa-aa"},
	{"-n", featRouter, "addr", "add", "203.0.113.20/32", "dev", "qg-aaaaaaaa-aa"},
	{"-n", featNode, "link", "add", "down0", "type", "veth", "peer", "name", "down0p"},
	{"-n", featNode, "route", "add", "default", "via", "10.9.0.254"},
	{"-n", featNode, "route", "add", "10.50.0.0/16", "via", "10.9.0.253", "proto", "static", "metric", "50"},
	{"-n", featNode, "route", "add", "10.60.0.0/16", "via", "10.9.0.253", "table", "100"},
	{"-n", featNode, "route", "add", "blackhole", "10.70.0.0/16"},
	{"-n", featNode, "route", "add", "unreachable", "10.71.0.0/16"},
	{"-n", featNode, "route", "add", "prohibit", "10.72.0.0/16"},
	{"-n", featNode, "route", "add", "throw", "10.73.0.0/16", "table", "100"},
	{"-n", featNode, "route", "add", "10.80.0.0/16", "nexthop", "via", "10.9.0.251", "weight", "1", "nexthop", "via", "10.100.0.252", "dev", "eth8", "weight", "2"},
	{"-n", featNode, "route", "add", "default", "via", "10.9.0.250", "dev", "eth9", "table", "3232240897"},
	{"-n", featNode, "route", "add", "10.90.0.5", "dev", "eth9", "scope", "link", "src", "10.9.0.1"},
	{"-n", featNode, "-6", "route", "add", "2001:db8:77::/64", "via", "2001:db8:9::fe"},
	{"-n", featNode, "-6", "route", "add", "default", "via", "2001:db8:9::fd", "table", "200", "metric", "5"},
	{"-n", featNode, "route", "add", "10.91.0.0/16", "via", "10.9.0.249", "proto", "18"},
	{"-n", featNode, "rule", "add", "from", "10.9.0.0/24", "lookup", "100", "pref", "100"},
	{"-n", featNode, "rule", "add", "fwmark", "0x1/0xff", "lookup", "100", "pref", "101"},
	{"-n", featNode, "rule", "add", "fwmark", "0x2", "lookup", "100", "pref", "102"},
	{"-n", featNode, "rule", "add", "iif", "eth9", "to", "10.60.0.0/16", "lookup", "main", "pref", "103"},
	{"-n", featNode, "rule", "add", "oif", "eth9", "lookup", "3232240897", "pref", "3232240897"},
	{"-n", featNode, "rule", "add", "from", "10.9.0.7", "unreachable", "pref", "104"},
	{"-n", featNode, "-6", "rule", "add", "from", "2001:db8:9::/64", "lookup", "200", "pref", "200"},
	{"-n", featNode, "neigh", "add", "10.9.0.10", "lladdr", "fa:16:3e:00:00:10", "dev", "eth9", "nud", "permanent"},
	{"-n", featNode, "neigh", "add", "10.9.0.11", "lladdr", "fa:16:3e:00:00:11", "dev", "eth9", "nud", "stale"},
	{"-n", featNode, "neigh", "add", "10.9.0.12", "lladdr", "fa:16:3e:00:00:12", "dev", "eth9", "nud", "noarp"},
	{"-n", featNode, "neigh", "add", "2001:db8:9::10", "lladdr", "fa:16:3e:00:00:20", "dev", "eth9", "nud", "permanent"},
	{"-n", featRouter, "route", "add", "default", "via", "203.0.113.1"},
	{"-n", featRouter, "route", "add", "10.0.0.0/8", "via", "169.254.106.114", "table", "16"},
	{"-n", featRouter, "rule", "add", "from", "10.1.1.5", "lookup", "16", "pref", "57481"},
}

const featRouterNAT = `*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:neutron-l3-agent-PREROUTING - [0:0]
:neutron-l3-agent-float-snat - [0:0]
-A PREROUTING -j neutron-l3-agent-PREROUTING
-A POSTROUTING -m comment --comment "Perform source NAT on outgoing traffic." -j neutron-l3-agent-float-snat
-A neutron-l3-agent-PREROUTING -d 203.0.113.20/32 -j DNAT --to-destination 10.1.1.5
-A neutron-l3-agent-float-snat -s 10.1.1.5/32 -j SNAT --to-source 203.0.113.20 --random-fully
COMMIT
`

func needRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root (network namespaces)")
	}
	for _, tool := range []string{"ip", "sysctl", "iptables-save", "iptables-restore"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("needs %s", tool)
		}
	}
}

func run(t *testing.T, stdin string, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v: %s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// buildFeatures makes the features scenario's namespaces, and removes
// them (only them) when the test ends.
func buildFeatures(t *testing.T) {
	t.Helper()
	for _, ns := range []string{featNode, featRouter} {
		if _, err := os.Stat("/run/netns/" + ns); err == nil {
			t.Fatalf("namespace %s exists already (left by an earlier run? ip netns delete %s)", ns, ns)
		}
		run(t, "", "ip", "netns", "add", ns)
		t.Cleanup(func() { exec.Command("ip", "netns", "delete", ns).Run() })
	}
	for _, c := range featureSetup {
		run(t, "", "ip", c...)
	}
	run(t, "", "ip", "netns", "exec", featRouter, "sysctl", "-qw", "net.ipv4.ip_forward=1")
	run(t, "", "ip", "netns", "exec", featNode, "sysctl", "-qw", "net.ipv4.ip_forward=0")
	run(t, featRouterNAT, "ip", "netns", "exec", featRouter, "iptables-restore")
	// Let IPv6 duplicate address detection end, so that both reads see
	// the same addresses and routes.
	for range 50 {
		if !strings.Contains(run(t, "", "ip", "netns", "exec", featNode, "ip", "-6", "addr"), "tentative") {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// recordTexts runs every recorded command in each namespace.
func recordTexts(t *testing.T, node string, others []string) []nsTexts {
	t.Helper()
	var out []nsTexts
	for _, ns := range append([]string{node}, others...) {
		x := nsTexts{name: ns, files: map[string]string{}}
		if ns == node {
			x.name, x.alias = "", node
		}
		for f, argv := range recordedCommands {
			c := exec.Command("ip", append([]string{"netns", "exec", ns}, argv...)...)
			b, _ := c.CombinedOutput() // sos keeps stderr too
			x.files[f] = string(b)
		}
		out = append(out, x)
	}
	return out
}

// collectLive runs the live collector on the node and the namespaces
// (linked from a directory of their own, as --netns-dir would be given).
func collectLive(t *testing.T, node string, others []string) []topo.Namespace {
	t.Helper()
	tmp := t.TempDir()
	dir := filepath.Join(tmp, "netns")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, ns := range others {
		if err := os.Symlink("/run/netns/"+ns, filepath.Join(dir, ns)); err != nil {
			t.Fatal(err)
		}
	}
	snap, err := collect.Collect(context.Background(), collect.Options{
		OVSDB: "unix:" + filepath.Join(tmp, "no-ovsdb.sock"), OVSRunDir: tmp, NetnsDirs: []string{dir},
		RootNetns: "/run/netns/" + node, NeutronStateDir: tmp, RootDir: tmp, ProcDir: tmp,
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range snap.Sources {
		if !s.OK && (strings.HasPrefix(s.Name, "netlink/") || strings.HasPrefix(s.Name, "sysctl/") || strings.HasPrefix(s.Name, "nat/")) {
			t.Fatalf("collector: %s: %s", s.Name, s.Error)
		}
	}
	return snap.Namespaces
}

// readSettled reads the texts and the collector, and again until the
// texts read before and after the collector agree: a node keeps changing
// for a while after it is built (a Linux bridge's oper state turns up
// only when its forward delay has passed), and the two reads are
// seconds apart.
func readSettled(t *testing.T, node string, others []string) ([]nsTexts, []topo.Namespace) {
	t.Helper()
	deadline := time.Now().Add(45 * time.Second)
	for {
		before := recordTexts(t, node, others)
		collected := collectLive(t, node, others)
		after := recordTexts(t, node, others)
		// Compared as read: the texts hold timers and counters.
		if cmp.Equal(assembleAll(t, before, cmdAddrD), assembleAll(t, after, cmdAddrD)) || time.Now().After(deadline) {
			return before, collected
		}
		time.Sleep(time.Second)
	}
}

// The key test: what the parsers read from the outputs of the real
// commands equals what the live collector reads from the same
// namespaces, fact by fact.
func TestParseEqualsLiveCollectorFeatures(t *testing.T) {
	needRoot(t)
	buildFeatures(t)
	others := []string{featRouter}
	texts, collected := readSettled(t, featNode, others)
	checkAgainstCollector(t, texts, collected)
	if *record {
		writeRecorded(t, filepath.Join("testdata", "live", "features"), texts, collected)
	}
}

// The same on the imitation lab's all-in-one node: its qdhcp- and
// qrouter- namespaces, linux bridges, taps and router NAT tables.
func TestParseEqualsLiveCollectorLab(t *testing.T) {
	needRoot(t)
	spec := lab.AllInOne()
	l := labtest.Build(t, spec)
	entries, err := os.ReadDir(l.NetnsDir())
	if err != nil {
		t.Fatal(err)
	}
	var others []string
	for _, e := range entries {
		if e.Name() != l.Node {
			others = append(others, e.Name())
		}
	}
	texts, collected := readSettled(t, l.Node, others)
	checkAgainstCollector(t, texts, collected)
	if *record {
		writeRecorded(t, filepath.Join("testdata", "live", "aio"), texts, collected)
	}
}
