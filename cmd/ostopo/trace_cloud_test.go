package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ostopo/ostopo/fixtures/fixturetest"
	"github.com/ostopo/ostopo/netinspect/neutron"
	"github.com/ostopo/ostopo/netinspect/topo"
)

// traceCloudFiles writes the recorded lab cloud's node snapshots (those
// of fixtures, each changed by edit when given) into a directory and
// returns it and the files by host.
func traceCloudFiles(t *testing.T, edit func(by map[string]*topo.Snapshot), fixtures ...string) (string, map[string]string) {
	t.Helper()
	dir := t.TempDir()
	by := map[string]*topo.Snapshot{}
	for _, f := range fixtures {
		s := fixturetest.Load(t, f)
		by[s.Host] = s
	}
	if edit != nil {
		edit(by)
	}
	files := map[string]string{}
	for host, s := range by {
		p := filepath.Join(dir, host+".json")
		f, err := os.Create(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := topo.Encode(f, s); err != nil {
			t.Fatal(err)
		}
		f.Close()
		files[host] = p
	}
	return dir, files
}

// ostopo trace on a cloud: the path across nodes, its exit statuses those
// of the single-node trace; one --replay is the single-node trace still.
func TestTraceAcrossTheCloud(t *testing.T) {
	all := []string{"net", "net2", "cmp", "cmp-ovsfw"}
	dir, files := traceCloudFiles(t, nil, all...)
	// The DNAT rule of 203.0.113.143 (r-legacy on netnode) gone.
	noDNAT, _ := traceCloudFiles(t, func(by map[string]*topo.Snapshot) {
		for i := range by["netnode"].Namespaces {
			if nat := by["netnode"].Namespaces[i].NAT; nat != nil {
				nat.Rules = slices.DeleteFunc(nat.Rules, func(r topo.NATRule) bool { return r.Target == "DNAT" && topo.HostIP(r.Dst) == "203.0.113.143" })
			}
		}
		// A replay shows the Neutron view the snapshot carries: the one
		// ostopo derives from the node as it now is.
		by["netnode"].Neutron = neutron.Derive(by["netnode"])
		by["netnode"].Normalize()
	}, all...)
	for _, c := range []struct {
		args []string
		code int
		want []string
	}{
		{[]string{"trace", "203.0.113.143", "--replay-dir", dir}, 0, []string{
			"ostopo trace floating IP 203.0.113.143 → fixed IP 10.1.0.11 across netnode → compute1 (inbound)",
			"crossing: netnode (10.30.0.11) local VLAN 1 → vxlan-0a1e0015, VNI 1853 → compute1 (10.30.0.21) local VLAN 1",
			" 1 ✓ netnode  provider_nic ", "18 ✓ compute1 tap                tap946772fd-8d",
			"path complete: 18 hops on netnode → compute1"}},
		{[]string{"trace", "203.0.113.191", "--reverse", "--replay-dir", dir}, 0, []string{
			"across compute1 → netnode2 (outbound)",
			"crossing: compute1 (10.30.0.21) local VLAN 3 → vxlan-0a1e000c, VNI 1359 → netnode2 (10.30.0.12) local VLAN 5",
			"note: netnode: router 94cea846-c81c-453c-98f5-974192b7cbce stands by there (HA): not the path"}},
		{[]string{"trace", "203.0.113.143", "--replay", files["netnode"], "--replay", files["netnode2"], "--replay", files["compute2"]}, exitUnknown, []string{
			"path UNKNOWN at hop 11 on ? (node 10.30.0.21): 10.30.0.21 is not in the collected cloud: collect it"}},
		{[]string{"trace", "203.0.113.143", "--replay-dir", noDNAT}, 1, []string{
			"path BROKEN at hop 6 on netnode (router qrouter-327308ad-6d6f-47cb-ad21-406ad293ded3): no DNAT rule for 203.0.113.143"}},
		{[]string{"trace", "203.0.113.191", "--replay", files["netnode"], "--replay", files["compute1"]}, 4, []string{
			"path STANDBY at hop 6 on netnode (router "}},
		{[]string{"trace", "192.0.2.77", "--replay-dir", dir}, 2, nil},
		{[]string{"trace", "203.0.113.143", "--replay-dir", dir, "--record", filepath.Join(t.TempDir(), "x.json")}, exitUsage, nil},
		// One snapshot: the single-node trace, as before.
		{[]string{"trace", "203.0.113.143", "--replay", files["netnode"]}, 0, []string{
			"ostopo trace floating IP 203.0.113.143 → fixed IP 10.1.0.11 on netnode (inbound)",
			"continues on the node(s) at 10.30.0.21"}},
	} {
		code, stdout, stderr := runCLI(t, c.args...)
		if code != c.code {
			t.Errorf("%v: exit %d, want %d; stderr %q\n%s", c.args, code, c.code, stderr, stdout)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(stdout, w) {
				t.Errorf("%v: output lacks %q:\n%s", c.args, w, stdout)
			}
		}
	}
	code, stdout, _ := runCLI(t, "trace", "203.0.113.143", "--replay-dir", dir, "--json")
	var r struct {
		Nodes     []string `json:"nodes"`
		Complete  bool     `json:"complete"`
		Crossings []struct {
			VNI int `json:"vni"`
		} `json:"crossings"`
		Hops []struct {
			Node string `json:"node"`
		} `json:"hops"`
	}
	if err := json.Unmarshal([]byte(stdout), &r); err != nil || code != 0 || !r.Complete || !slices.Equal(r.Nodes, []string{"netnode", "compute1"}) ||
		len(r.Crossings) != 1 || r.Crossings[0].VNI != 1853 || r.Hops[len(r.Hops)-1].Node != "compute1" {
		t.Errorf("--json: exit %d, %v: %+v", code, err, r)
	}
}

// trace -i/--ssh collects the nodes live first: its flags are refused
// where they cannot apply, on one line with the usage status.
func TestTraceLiveCloudUsage(t *testing.T) {
	inv := filepath.Join(t.TempDir(), "multinode")
	if err := os.WriteFile(inv, []byte("[network]\nnode1 ansible_host=192.0.2.10\n[compute]\n[control]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--limit", "compute"}, "--limit goes with -i INVENTORY or --ssh HOSTS"},
		{[]string{"--collect-dir", "/tmp/x"}, "--collect-dir goes with -i INVENTORY or --ssh HOSTS"},
		{[]string{"--ssh", "a", "-i", inv}, "-i and --ssh are two ways to name the nodes"},
		{[]string{"--ssh", "a", "--demo"}, "not with --replay, --replay-dir, --sos, --from-dir or --demo"},
		{[]string{"--ssh", "a", "--record", "/tmp/x.json"}, "--record writes one node's snapshot"},
		{[]string{"-i", inv, "--limit", "nosuch"}, "no host to collect"},
		{[]string{"--ssh", "-oProxyCommand=x"}, "want [user@]host[:port]"},
	} {
		code, _, errOut := runCLI(t, append([]string{"trace", "203.0.113.10"}, tc.args...)...)
		if code != exitUsage || !strings.Contains(errOut, tc.want) || strings.Count(strings.TrimSpace(errOut), "\n") != 0 {
			t.Errorf("%q: exit %d, %q; want %d, %q", tc.args, code, errOut, exitUsage, tc.want)
		}
	}
}
