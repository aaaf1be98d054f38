package sosimport

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ostopo/ostopo/netinspect/sosimport/sostest"
)

// TestKollaExtras reads a kolla node's report as sos leaves it with
// contrib/sos/extras.d/ostopo installed: no openvswitch plugin output
// (kolla's OVS is in containers), the OVS outputs and the router's NAT
// (as the L3 agent's own iptables sees it) under sos_extras/ostopo/, the
// agents' state in the copied volume.
func TestKollaExtras(t *testing.T) {
	src := filepath.Join(realSOS, "compute1-sos4.0")
	extras := "sos_commands/sos_extras/ostopo/"
	ovs := map[string]string{
		"ovs-vsctl_-t_5_show":              Mangle("docker exec openvswitch_vswitchd ovs-vsctl -t 5 show"),
		"ovs-vsctl_-t_5_list_Open_vSwitch": Mangle("docker exec openvswitch_vswitchd ovs-vsctl -t 5 list Open_vSwitch"),
		"ovs-vsctl_-t_5_list_bridge":       Mangle("docker exec openvswitch_vswitchd ovs-vsctl -t 5 list Bridge"),
		"ovs-vsctl_-t_5_list_interface":    Mangle("docker exec openvswitch_vswitchd ovs-vsctl -t 5 list Interface"),
		"ovsdb-client_-f_list_dump":        Mangle("docker exec openvswitch_vswitchd ovsdb-client -f list dump"),
		"ovs-ofctl_dump-flows_br-int":      Mangle("docker exec openvswitch_vswitchd ovs-ofctl dump-flows br-int"),
		"ovs-ofctl_dump-flows_br-tun":      Mangle("docker exec openvswitch_vswitchd ovs-ofctl dump-flows br-tun"),
		"ovs-ofctl_show_br-int":            Mangle("docker exec openvswitch_vswitchd ovs-ofctl show br-int"),
	}
	routerNAT := "sos_commands/networking/ip_netns_exec_" + c1Router + "_iptables-save"
	natB, err := os.ReadFile(filepath.Join(src, routerNAT))
	if err != nil {
		t.Fatal(err)
	}
	bundle := natBundleMark + c1Router + " iptables-save\n" + string(natB)
	dir := copyTree(t, src, "sosreport-compute1-kolla", func(rel string) string {
		if name, ok := strings.CutPrefix(rel, "sos_commands/openvswitch/"); ok {
			if to, ok := ovs[name]; ok {
				return extras + to
			}
			return ""
		}
		if d, ok := strings.CutPrefix(rel, "var/lib/neutron/"); ok {
			return "var/lib/docker/volumes/neutron_metadata_socket/_data/" + d
		}
		return noManifest(rel)
	}, func(rel string, b []byte) []byte {
		if rel == routerNAT {
			// The host's iptables is the other backend: it sees nothing.
			return []byte("# Warning: iptables-legacy tables present, use iptables-legacy-save to see them\n")
		}
		return b
	})
	os.MkdirAll(filepath.Join(dir, extras), 0o755)
	os.MkdirAll(filepath.Join(dir, "var/lib/docker/volumes/neutron_metadata_socket/_data/ha_confs"), 0o755)
	writeFile(t, filepath.Join(dir, extras), Mangle(`docker exec neutron_l3_agent sh -c 'for ns in $(ip netns list | cut -d" " -f1); do echo ...; done'`), []byte(bundle))
	imp := importPath(t, dir)
	live := loadLive(t, "compute1")
	for _, d := range sostest.CompareFacts(live, imp) {
		t.Error(d)
	}
	for _, name := range []string{"ovsdb", "ovsdb/port-config", "openflow/br-int", "openflow/br-tun", "nat/" + c1Router, "agent-files"} {
		if s := imp.Source(name); s == nil || !s.OK {
			t.Errorf("%s: %+v", name, s)
		}
	}
	if s := imp.Source("nat/" + c1Router); s == nil || !strings.Contains(s.Detail, "sos_extras") {
		t.Errorf("the router's NAT is not the L3 agent's: %+v", s)
	}
	if s := imp.Source("agent-files"); s == nil || !strings.Contains(s.Detail, "docker/volumes") {
		t.Errorf("agent files: %+v", s)
	}
}
