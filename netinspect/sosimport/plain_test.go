package sosimport

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ostopo/ostopo/netinspect/sosimport/sostest"
)

// TestFromDir imports a folder of outputs with any names, as an operator
// pastes them: each told by its content; a namespace's by its file's name
// or its first line (a shell prompt and the command); a flow dump's
// bridge by its name or its command line. The facts are the live
// snapshot's where a file held them.
func TestFromDir(t *testing.T) {
	sos := filepath.Join(realSOS, "compute1-sos4.0/sos_commands")
	read := func(p string) string {
		b, err := os.ReadFile(filepath.Join(sos, p))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	ns := "ip_netns_exec_" + c1Router + "_"
	files := map[string]string{
		"vsctl show.txt":            read("openvswitch/ovs-vsctl_-t_5_show"),
		"interfaces":                "# ovs-vsctl list Interface\n" + read("openvswitch/ovs-vsctl_-t_5_list_interface"),
		"dump.txt":                  read("openvswitch/ovsdb-client_-f_list_dump"),
		"flows-br-int.txt":          read("openvswitch/ovs-ofctl_dump-flows_br-int"),
		"tunnel flows":              "root@compute1:~# ovs-ofctl dump-flows br-tun\n" + read("openvswitch/ovs-ofctl_dump-flows_br-tun"),
		"a.txt":                     read("networking/ip_-d_address"),
		"b.txt":                     read("networking/ip_route_show_table_all"),
		"c.txt":                     read("networking/ip_netns"),
		"sysctl.out":                read("kernel/sysctl_-a"),
		c1Router + ".addresses":     read("networking/" + ns + "ip_address_show"),
		"router-routes.txt":         "$ sudo ip netns exec " + c1Router + " ip route show table all\n" + read("networking/"+ns+"ip_route_show_table_all"),
		"nat/" + c1Router + "/save": read("networking/" + ns + "iptables-save"),
		"notes.txt":                 "the FIP does not answer\n",
		"ip_netns_exec_" + c1FIP + "_ip_address_show":         read("networking/ip_netns_exec_" + c1FIP + "_ip_address_show"),
		"ip_netns_exec_" + c1FIP + "_ip_route_show_table_all": read("networking/ip_netns_exec_" + c1FIP + "_ip_route_show_table_all"),
	}
	dir := t.TempDir()
	for name, body := range files {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tr, err := OpenDir(context.Background(), dir, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	imp, err := Import(tr)
	if err != nil {
		t.Fatal(err)
	}
	live := loadLive(t, "compute1")
	for _, d := range sostest.CompareFacts(live, imp) {
		t.Error(d)
	}
	for _, name := range []string{"ovsdb", "ovsdb/port-config", "openflow/br-int", "openflow/br-tun", "netns", "netlink/(root)", "sysctl/(root)",
		"netlink/" + c1Router, "nat/" + c1Router, "netlink/" + c1FIP} {
		if s := imp.Source(name); s == nil || !s.OK {
			t.Errorf("%s not read: %+v", name, s)
		}
	}
	// What no file held is not collected, and says so.
	for _, name := range []string{"openflow/br-ex", "sysctl/" + c1Router, "nat/" + c1FIP, "agent-files"} {
		if s := imp.Source(name); s == nil || s.OK || !strings.Contains(s.Error, "not collected") {
			t.Errorf("%s: %+v, want not collected", name, s)
		}
	}
	if s := imp.Source(SourceUnused); s == nil || !strings.Contains(s.Error, "notes.txt") {
		t.Errorf("the unused file is not named: %+v", s)
	}
	if imp.Host != live.Host {
		t.Errorf("host %q, live %q", imp.Host, live.Host)
	}
	if len(imp.Neutron.Ports) != len(live.Neutron.Ports) {
		t.Errorf("%d Neutron ports, live %d", len(imp.Neutron.Ports), len(live.Neutron.Ports))
	}
}

// TestUnnamedNamespaceOutput: two device lists of which neither names its
// namespace are refused, not both taken for the node's own.
func TestUnnamedNamespaceOutput(t *testing.T) {
	sos := filepath.Join(realSOS, "compute1-sos4.0/sos_commands")
	dir := t.TempDir()
	for name, p := range map[string]string{
		"show": "openvswitch/ovs-vsctl_-t_5_show",
		"ip1":  "networking/ip_-d_address",
		"ip2":  "networking/ip_netns_exec_" + c1Router + "_ip_address_show",
	} {
		b, err := os.ReadFile(filepath.Join(sos, p))
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, dir, name, b)
	}
	tr, err := OpenDir(context.Background(), dir, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = Import(tr)
	if err == nil || !strings.Contains(err.Error(), "ip1") || !strings.Contains(err.Error(), "ip2") || !strings.Contains(err.Error(), "name a namespace") {
		t.Errorf("err = %v", err)
	}
}

func TestCommandLines(t *testing.T) {
	for _, c := range []struct {
		line, ns, cmd, host string
	}{
		{"# ip netns exec qrouter-1 ip a", "qrouter-1", "ip a", ""},
		{"[root@net1 ~]# ip -n qdhcp-2 route", "qdhcp-2", "ip route", "net1"},
		{"root@cmp-1:~# sudo docker exec neutron_l3_agent ip netns exec snat-3 iptables-save", "snat-3", "iptables-save", "cmp-1"},
		{"$ ovs-ofctl -O OpenFlow13 dump-flows br-int", "", "ovs-ofctl -O OpenFlow13 dump-flows br-int", ""},
		{"hello world", "", "", ""},
	} {
		rec, err := recognise("f", []byte(c.line+"\n"))
		if err != nil {
			t.Fatal(err)
		}
		if rec.ns != c.ns || rec.promptHost != c.host || c.cmd != "" && rec.out.Command != c.cmd {
			t.Errorf("%q: ns %q cmd %q host %q; want %q %q %q", c.line, rec.ns, rec.out.Command, rec.promptHost, c.ns, c.cmd, c.host)
		}
	}
}

func TestMangle(t *testing.T) {
	for in, want := range map[string]string{
		"ip netns exec qrouter-1  ip -d address show":      "ip_netns_exec_qrouter-1_ip_-d_address_show",
		"ovs-appctl dpctl/dump-flows -m system@ovs-system": "ovs-appctl_dpctl.dump-flows_-m_system_ovs-system",
		"/usr/sbin/ip route show table all":                "ip_route_show_table_all",
		"ovs-vsctl -t 5 get Open_vSwitch . other_config":   "ovs-vsctl_-t_5_get_Open_vSwitch_._other_config",
		"  sysctl -a  ": "sysctl_-a",
	} {
		if got := Mangle(in); got != want {
			t.Errorf("Mangle(%q) = %q, want %q", in, got, want)
		}
	}
	if got := Mangle(strings.Repeat("x", 300)); len(got) != 255 {
		t.Errorf("not cut to 255: %d", len(got))
	}
}

func TestManifest(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(realSOS, "netnode-sos4.0", manifestPath))
	if err != nil {
		t.Fatal(err)
	}
	m, err := ParseManifest(b)
	if err != nil {
		t.Fatal(err)
	}
	if m.Version != "4.0" || m.StartTime.IsZero() {
		t.Errorf("version %q start %v", m.Version, m.StartTime)
	}
	c, ok := m.Find("networking", "ip  netns exec "+"qrouter-b63188de-e183-4292-8202-1e9d429c5ef3 ip address show")
	if !ok || c.File != "sos_commands/networking/ip_netns_exec_qrouter-b63188de-e183-4292-8202-1e9d429c5ef3_ip_address_show" || c.ReturnCode != 0 {
		t.Errorf("Find = %+v, %v", c, ok)
	}
	if _, err := ParseManifest([]byte("{")); err == nil {
		t.Error("a broken manifest was read")
	}
}
