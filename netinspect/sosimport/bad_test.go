package sosimport

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ostopo/ostopo/netinspect/topo"
)

const (
	c1Router = "qrouter-820d309c-3281-474c-8118-3deda2ce6029"
	c1FIP    = "fip-d1877a46-4761-4bf2-8769-9d3ebae9c584"
)

// TestErrorTextFiles: files that hold only a command's error message
// (sos keeps stderr in the output's file) are no facts: a namespace gone
// before sos ran in it is read and absent (as in a live scan), a flow
// dump that failed and a sysctl -a that could not be read are not read.
func TestErrorTextFiles(t *testing.T) {
	src := filepath.Join(realSOS, "compute1-sos4.0")
	dir := copyTree(t, src, "sosreport-compute1-x", noManifest, func(rel string, b []byte) []byte {
		switch rel {
		case "sos_commands/networking/ip_netns_exec_" + c1Router + "_ip_address_show":
			return []byte(`Cannot open network namespace "` + c1Router + `": No such file or directory` + "\n")
		case "sos_commands/openvswitch/ovs-ofctl_dump-flows_br-int", "sos_commands/openvswitch/ovs-ofctl_-O_OpenFlow10_dump-flows_br-int",
			"sos_commands/openvswitch/ovs-ofctl_-O_OpenFlow13_dump-flows_br-int", "sos_commands/openvswitch/ovs-ofctl_-O_OpenFlow14_dump-flows_br-int":
			// Every dump of the bridge (Merge takes an -O one when the
			// plain one failed).
			return []byte("ovs-ofctl: br-int is not a bridge or a socket\n")
		case "sos_commands/kernel/sysctl_-a":
			return []byte("sysctl: cannot open \"/proc/sys\": No such file or directory\n")
		case "sos_commands/networking/ip_netns_exec_" + c1FIP + "_iptables-save":
			return []byte("iptables-save v1.8.9 (nf_tables): Could not fetch rule set generation id: Permission denied (you must be root)\n")
		}
		return b
	})
	imp := importPath(t, dir)
	if imp.Namespace(c1Router) != nil {
		t.Error("a namespace gone before sos read it is in the snapshot")
	}
	if s := imp.Source("netlink/" + c1Router); s == nil || !s.OK || !strings.Contains(s.Detail, "vanished") {
		t.Errorf("gone namespace: %+v", s)
	}
	for name, want := range map[string]string{
		"openflow/br-int": "not a bridge",
		"sysctl/(root)":   "sysctl",
		"nat/" + c1FIP:    "",
	} {
		s := imp.Source(name)
		if s == nil || s.OK || !strings.Contains(s.Error, want) {
			t.Errorf("%s: %+v, want not read (%q)", name, s, want)
		}
	}
	if b := imp.OVS.Bridge("br-int"); b == nil || len(b.Flows) != 0 {
		t.Errorf("flows of br-int from an error message: %d", len(b.Flows))
	}
	if root := imp.Root(); root == nil || root.IPForward != nil {
		t.Errorf("ip_forward from an error message: %v", root.IPForward)
	}
}

// TestConfDBCutBySizeLimit: a conf.db over sos's size limit is kept as
// its tail behind a symlink; its facts are not taken, and the families
// only it holds are not collected, saying why.
func TestConfDBCutBySizeLimit(t *testing.T) {
	src := filepath.Join(realSOS, "compute1-sos4.0")
	dir := copyTree(t, src, "sosreport-compute1-x", func(rel string) string {
		// sos 4.3 and later: no ovsdb-client dump, conf.db copied.
		if strings.HasSuffix(rel, "ovsdb-client_-f_list_dump") {
			return ""
		}
		return noManifest(rel)
	}, nil)
	tail := filepath.Join(dir, "sos_strings/openvswitch/etc.openvswitch.conf.db.tailed")
	os.MkdirAll(filepath.Dir(tail), 0o755)
	os.WriteFile(tail, []byte(`,"Port":{"0d6f1c3e-0000-4000-8000-000000000000":{"name":"qvo1"}}}`+"\n"), 0o644)
	os.MkdirAll(filepath.Join(dir, "etc/openvswitch"), 0o755)
	if err := os.Symlink("../../sos_strings/openvswitch/etc.openvswitch.conf.db.tailed", filepath.Join(dir, "etc/openvswitch/conf.db")); err != nil {
		t.Fatal(err)
	}
	imp := importPath(t, dir)
	s := imp.Source("ovsdb/port-config")
	if s == nil || s.OK || !strings.Contains(s.Error, "cut to its tail") {
		t.Errorf("port-config: %+v, want not collected because conf.db was cut", s)
	}
	if s := imp.Source("ovsdb"); s == nil || !s.OK {
		t.Errorf("the bridges and ports from ovs-vsctl show and list: %+v", s)
	}
	for _, b := range imp.OVS.Bridges {
		for _, p := range b.Ports {
			if len(p.OtherConfig) > 0 {
				t.Fatalf("port %s has other_config from a conf.db cut short: %v", p.Name, p.OtherConfig)
			}
		}
	}
}

// TestTruncatedReportImport cuts a compressed report at many points:
// each is an error on one line, or a snapshot that says the archive was
// cut (and what is missing is not collected), never a panic.
func TestTruncatedReportImport(t *testing.T) {
	data := gzipBytes(t, tarDir(t, copyTree(t, filepath.Join(realSOS, "compute1-sos4.0"), "sosreport-compute1-x", nil, nil)))
	dir := t.TempDir()
	partial := 0
	for i := 1; i < 20; i++ {
		n := len(data) * i / 20
		tr, err := Open(context.Background(), writeFile(t, dir, "cut.tar.gz", data[:n]), Limits{})
		if err == nil {
			snap := importOrErr(t, tr)
			if snap == nil {
				continue
			}
			partial++
			s := snap.Source(SourceReport)
			if s == nil || s.OK || !strings.Contains(s.Error, "ends early") {
				t.Errorf("cut at %d/%d: the snapshot does not say the archive was cut: %+v", n, len(data), s)
			}
			continue
		}
		if strings.Contains(err.Error(), "\n") {
			t.Errorf("cut at %d: %q", n, err)
		}
	}
	if partial == 0 {
		t.Error("no cut gave a partial import")
	}
}

func importOrErr(t *testing.T, tr *Tree) *topo.Snapshot {
	t.Helper()
	s, err := Import(tr)
	if err != nil {
		if strings.Contains(err.Error(), "\n") {
			t.Errorf("import error on more than one line: %q", err)
		}
		return nil
	}
	return s
}

// TestTwoHostsInAFolder: a folder of outputs of two nodes is refused,
// naming the files, never merged.
func TestTwoHostsInAFolder(t *testing.T) {
	net := filepath.Join(realSOS, "netnode-sos4.0/sos_commands")
	cmp := filepath.Join(realSOS, "compute1-sos4.0/sos_commands")
	read := func(p string) []byte {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	for name, files := range map[string]map[string][]byte{
		"two OVS databases": {
			"net-show.txt": read(filepath.Join(net, "openvswitch/ovs-vsctl_-t_5_show")),
			"cmp-show.txt": read(filepath.Join(cmp, "openvswitch/ovs-vsctl_-t_5_show")),
		},
		"two root ip a": {
			"show.txt":  read(filepath.Join(cmp, "openvswitch/ovs-vsctl_-t_5_show")),
			"ip_a.txt":  read(filepath.Join(cmp, "networking/ip_-d_address")),
			"ip_a2.txt": read(filepath.Join(net, "networking/ip_-d_address")),
		},
		"two prompts": {
			"a.txt": append([]byte("[root@net1 ~]# ip route\n"), read(filepath.Join(cmp, "networking/ip_route_show_table_all"))...),
			"b.txt": append([]byte("[root@cmp1 ~]# ovs-vsctl show\n"), read(filepath.Join(cmp, "openvswitch/ovs-vsctl_-t_5_show"))...),
		},
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			var names []string
			for n, b := range files {
				writeFile(t, dir, n, b)
				names = append(names, n)
			}
			tr, err := OpenDir(context.Background(), dir, Limits{})
			if err != nil {
				t.Fatal(err)
			}
			_, err = Import(tr)
			if err == nil {
				t.Fatal("two hosts' outputs were merged")
			}
			msg := err.Error()
			named := 0
			for _, n := range names {
				if strings.Contains(msg, n) {
					named++
				}
			}
			if named < 2 || strings.Contains(msg, "\n") {
				t.Errorf("the error does not name the two files on one line: %q", msg)
			}
		})
	}
}

// TestNothingToImport: a report or folder holding nothing ostopo reads
// is an error, not an empty node.
func TestNothingToImport(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "notes.txt", []byte("the router is broken, see the attached outputs\n"))
	tr, err := OpenDir(context.Background(), dir, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Import(tr); err == nil || !strings.Contains(err.Error(), "holds nothing ostopo reads") {
		t.Errorf("err = %v", err)
	}
	raw := makeTar(t, []tarEntry{{name: "sosreport-x/sos_commands/networking/ip_netns", body: "\n"}})
	tr, err = Open(context.Background(), writeFile(t, dir, "r.tar", raw), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Import(tr); err == nil || !strings.Contains(err.Error(), "holds nothing") {
		t.Errorf("err = %v", err)
	}
}

// TestNATWithoutNATTable: an iptables-save that shows no nat table (the
// host's iptables is the other backend than the L3 agent's) says nothing
// of NAT: not "no DNAT".
func TestNATWithoutNATTable(t *testing.T) {
	for text, want := range map[string]string{
		"# Generated by iptables-save v1.8.9 (legacy)\n*filter\n:INPUT ACCEPT [0:0]\nCOMMIT\n": "no nat table",
		"": "no nat table",
		"# Generated by iptables-save v1.8.9 (nf_tables)\n*nat\n:PREROUTING ACCEPT [0:0]\nCOMMIT\n# Warning: iptables-legacy tables present, use iptables-legacy-save to see them\n": "legacy",
	} {
		if tbl, err := parseNAT(text); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, %v; want an error saying %q", text, tbl, err, want)
		}
	}
	tbl, err := parseNAT("*nat\n:PREROUTING ACCEPT [0:0]\n:neutron-l3-agent-PREROUTING - [0:0]\n-A PREROUTING -j neutron-l3-agent-PREROUTING\nCOMMIT\n")
	if err != nil || tbl == nil || len(tbl.Rules) != 1 {
		t.Errorf("a nat table: %v, %v", tbl, err)
	}
}
