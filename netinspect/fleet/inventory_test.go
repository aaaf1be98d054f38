package fleet

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
)

func readTestInventory(t *testing.T, name string) *Inventory {
	t.Helper()
	inv, err := ReadInventory(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return inv
}

// kolla-ansible's own multinode file: the hosts ostopo collects are the
// network, compute and control nodes, not monitoring, storage or the
// deployment host.
func TestKollaMultinode(t *testing.T) {
	inv := readTestInventory(t, "kolla-multinode")
	got, err := inv.Select(CollectPattern)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"network01", "network02", "compute01", "control01", "control02", "control03"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("collected hosts = %v, want %v", got, want)
	}
	all := inv.Hosts()
	sort.Strings(all)
	wantAll := []string{"compute01", "control01", "control02", "control03", "localhost", "monitoring01", "network01", "network02", "storage01"}
	if !reflect.DeepEqual(all, wantAll) {
		t.Errorf("hosts = %v, want %v", all, wantAll)
	}
	// Groups by children: neutron is the network group's, openvswitch
	// network's and compute's (and manila-share's, empty).
	if got := inv.GroupHosts("neutron-l3-agent"); !reflect.DeepEqual(got, []string{"network01", "network02"}) {
		t.Errorf("neutron-l3-agent = %v", got)
	}
	if got := inv.GroupHosts("openvswitch"); !reflect.DeepEqual(got, []string{"network01", "network02", "compute01"}) {
		t.Errorf("openvswitch = %v", got)
	}
	h, err := inv.Host("localhost")
	if err != nil || !h.Local {
		t.Errorf("localhost = %+v, %v: want ansible_connection=local", h, err)
	}
	h, err = inv.Host("compute01")
	if err != nil {
		t.Fatal(err)
	}
	if h.Local || h.Address != "" || h.Target() != "compute01" || !h.Become {
		t.Errorf("compute01 = %+v", h)
	}
	if !contains(h.Groups, "compute") || !contains(h.Groups, "openvswitch") || !contains(h.Groups, "all") {
		t.Errorf("compute01 groups = %v", h.Groups)
	}
}

func TestKollaAllInOne(t *testing.T) {
	inv := readTestInventory(t, "kolla-all-in-one")
	got, err := inv.Select(CollectPattern)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, []string{"localhost"}) {
		t.Fatalf("collected = %v, want [localhost]", got)
	}
	h, _ := inv.Host("localhost")
	if !h.Local {
		t.Errorf("localhost is not local: %+v", h)
	}
}

// The variables each host ends up with, as ansible-inventory --host
// printed them for testdata/kolla-shaped.ini: a host's own win over its
// groups', a child group's over its parent's, all's are the last resort.
func TestInventoryVars(t *testing.T) {
	inv := readTestInventory(t, "kolla-shaped.ini")
	cases := map[string]map[string]string{
		"ctl01":     {"ansible_become": "true", "ansible_user": "kolla"},
		"net01":     {"ansible_become": "yes", "ansible_host": "10.0.0.11", "ansible_user": "netuser", "ostopo_flags": "--ovsdb unix:/x/db.sock --neutron-state-dir /x/state"},
		"net02":     {"ansible_become": "yes", "ansible_host": "10.0.0.12", "ansible_port": "2222", "ansible_user": "netuser"},
		"compute01": {"ansible_become": "yes", "ansible_user": "cmpuser", "ostopo_flags": "--timeout 60s"},
		"cmp-b":     {"ansible_become": "yes", "ansible_ssh_private_key_file": "/k/id", "ansible_user": "cmpuser", "ostopo_flags": "--timeout 60s"},
		"mon01":     {"ansible_become": "yes", "ansible_user": "everyone"},
		"localhost": {"ansible_become": "yes", "ansible_connection": "local", "ansible_user": "everyone"},
	}
	for host, want := range cases {
		if got := inv.Vars(host); !reflect.DeepEqual(got, want) {
			t.Errorf("%s vars = %v, want %v", host, got, want)
		}
	}
	h, err := inv.Host("net01")
	if err != nil {
		t.Fatal(err)
	}
	want := Host{Name: "net01", Address: "10.0.0.11", User: "netuser", Become: true,
		Flags:  []string{"--ovsdb", "unix:/x/db.sock", "--neutron-state-dir", "/x/state"},
		Groups: []string{"all", "baremetal", "network", "openvswitch"}}
	if !reflect.DeepEqual(h, want) {
		t.Errorf("net01 = %+v\nwant %+v", h, want)
	}
	if h, _ := inv.Host("net02"); h.Port != 2222 || h.Target() != "10.0.0.12" {
		t.Errorf("net02 = %+v, want port 2222 at 10.0.0.12", h)
	}
	if h, _ := inv.Host("cmp-a"); h.IdentityFile != "/k/id" {
		t.Errorf("cmp-a = %+v, want its key", h)
	}
}

func TestAnsibleBecomeFalse(t *testing.T) {
	inv, err := ParseInventory("inv", strings.NewReader("[compute]\nc1 ansible_become=no\nc2\n"))
	if err != nil {
		t.Fatal(err)
	}
	if h, _ := inv.Host("c1"); h.Become {
		t.Error("c1: ansible_become=no still becomes root")
	}
	if h, _ := inv.Host("c2"); !h.Become {
		t.Error("c2: no ansible_become: want root, as the playbook")
	}
}

func TestHostRanges(t *testing.T) {
	cases := []struct {
		in   string
		want []string
		port string
	}{
		{"compute[01:03]", []string{"compute01", "compute02", "compute03"}, ""},
		{"compute[1:3]", []string{"compute1", "compute2", "compute3"}, ""},
		{"c[08:12:2]", []string{"c08", "c10", "c12"}, ""},
		{"n-[a:c].lab", []string{"n-a.lab", "n-b.lab", "n-c.lab"}, ""},
		{"r[1:2]c[1:2]", []string{"r1c1", "r1c2", "r2c1", "r2c2"}, ""},
		{"node:2222", []string{"node"}, "2222"},
		{"node[1:2]:2222", []string{"node1", "node2"}, "2222"},
		{"10.0.0.[1:2]", []string{"10.0.0.1", "10.0.0.2"}, ""},
		{"[fd00::1]:22", []string{"fd00::1"}, "22"},
		{"fd00::1", []string{"fd00::1"}, ""},
	}
	for _, c := range cases {
		got, port, err := expandHostPattern(c.in)
		if err != nil || !reflect.DeepEqual(got, c.want) || port != c.port {
			t.Errorf("%s = %v port %q, %v; want %v port %q", c.in, got, port, err, c.want, c.port)
		}
	}
}

// An inventory Ansible would refuse is refused with its file and line.
func TestInventoryErrors(t *testing.T) {
	cases := []struct{ text, want string }{
		{"[control]\nc1\n[control:bogus]\n", "inv:3: section [control:bogus] has unknown type"},
		{"[control]\n[bad name]\n", "inv:2: invalid section entry"},
		{"[control]\nc1 ansible_user\n", "inv:2: expected key=value host variable assignment, got: ansible_user"},
		{"[control]\nc1 ansible_user='kolla\n", "inv:2: error parsing host definition"},
		{"[control]\nc1\n\n[nosuch:vars]\nx=1\n", "inv:4: section [nosuch:vars] not valid for undefined group: nosuch"},
		{"[all:children]\ncontrol\n# nothing declares it\n", "inv:2: section [all:children] includes undefined group: control"},
		{"[control:vars]\nansible_user\n[control]\n", "inv:2: expected key=value, got: ansible_user"},
		{"[compute]\ncompute[3:1]\n", "inv:2: host range must have begin <= end"},
		{"[compute]\ncompute[01:100]\n", "inv:2: host range must specify equal-length begin and end formats"},
		{"[compute]\ncompute[1:]\n", "inv:2: host range must specify end value"},
		{"[compute]\ncompute[0:9999999]\n", "inv:2: host range expands to more than"},
		{"[compute]\nnode:\n", "inv:2: invalid host pattern"},
		{"[a:children]\nb\n[b:children]\na\n", "creates a recursive dependency loop"},
		{"---\nall:\n  hosts:\n", "inv:1: invalid host pattern \"---\""},
	}
	for _, c := range cases {
		_, err := ParseInventory("inv", strings.NewReader(c.text))
		var ie *InventoryError
		if !errors.As(err, &ie) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: error %v, want one containing %q", c.text, err, c.want)
		}
		if err != nil && strings.Contains(err.Error(), "\n") {
			t.Errorf("%q: error of several lines: %q", c.text, err)
		}
	}
	if _, err := ReadInventory("testdata/no-such-file"); err == nil || !strings.HasPrefix(err.Error(), "testdata/no-such-file: ") {
		t.Errorf("missing file: %v", err)
	}
}

func TestShlexSplit(t *testing.T) {
	cases := map[string][]string{
		`h a=1 b="two words" c='x y'`:      {"h", "a=1", "b=two words", "c=x y"},
		`h a=1 # comment b=2`:              {"h", "a=1"},
		`h a=1#comment`:                    {"h", "a=1"},
		`h a="x#y"`:                        {"h", "a=x#y"},
		`h a=x\ y`:                         {"h", "a=x y"},
		`h a="q\"uote"`:                    {"h", `a=q"uote`},
		`h ostopo_flags="--ovsdb unix:/a"`: {"h", "ostopo_flags=--ovsdb unix:/a"},
	}
	for in, want := range cases {
		got, err := shlexSplit(in)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("%s = %q, %v; want %q", in, got, err, want)
		}
	}
}

// Ansible itself, when it is installed, is the reference: every host's
// variables and every pattern's hosts as ansible-inventory and ansible
// --list-hosts give them.
func TestInventoryAgainstAnsible(t *testing.T) {
	if _, err := exec.LookPath("ansible"); err != nil {
		t.Skip("ansible is not installed: the comparison with Ansible itself is skipped")
	}
	for _, file := range []string{"kolla-multinode", "kolla-all-in-one", "kolla-shaped.ini"} {
		path := filepath.Join("testdata", file)
		inv := readTestInventory(t, file)
		out := ansibleOut(t, "ansible-inventory", "-i", path, "--list")
		var list map[string]struct {
			Hosts []string `json:"hosts"`
		}
		var meta struct {
			Meta struct {
				HostVars map[string]map[string]any `json:"hostvars"`
			} `json:"_meta"`
		}
		if err := json.Unmarshal(out, &list); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(out, &meta); err != nil {
			t.Fatal(err)
		}
		for _, h := range inv.Hosts() {
			want := map[string]string{}
			for k, v := range meta.Meta.HostVars[h] {
				want[k] = fmt.Sprint(v)
			}
			if got := inv.Vars(h); !reflect.DeepEqual(got, want) && len(want) > 0 {
				t.Errorf("%s: %s vars = %v, ansible says %v", file, h, got, want)
			}
		}
		for _, g := range inv.Groups() {
			if _, ok := list[g]; !ok && g != "all" && g != "ungrouped" {
				t.Errorf("%s: group %s unknown to ansible", file, g)
			}
		}
	}
	inv := readTestInventory(t, "kolla-shaped.ini")
	for _, p := range limitPatterns {
		got, err := inv.Select(p.pattern)
		if err != nil {
			t.Errorf("%s: %v", p.pattern, err)
			continue
		}
		want := listHosts(t, "testdata/kolla-shaped.ini", p.pattern)
		if !sameSet(got, want) {
			t.Errorf("%q = %v, ansible says %v", p.pattern, got, want)
		}
	}
}

func ansibleOut(t *testing.T, prog string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(prog, args...)
	cmd.Env = append(os.Environ(), "ANSIBLE_NOCOLOR=1", "HOME="+t.TempDir(), "ANSIBLE_LOCAL_TEMP="+t.TempDir())
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %v: %v", prog, args, err)
	}
	return out
}

func listHosts(t *testing.T, inv, pattern string) []string {
	out := ansibleOut(t, "ansible", "-i", inv, "--list-hosts", "--", pattern)
	var hosts []string
	for _, l := range strings.Split(string(out), "\n") {
		l = strings.TrimSpace(l)
		if l != "" && !strings.HasPrefix(l, "hosts (") {
			hosts = append(hosts, l)
		}
	}
	return hosts
}

func sameSet(a, b []string) bool {
	x := append([]string(nil), a...)
	y := append([]string(nil), b...)
	sort.Strings(x)
	sort.Strings(y)
	return len(x) == len(y) && (len(x) == 0 || reflect.DeepEqual(x, y))
}

// ostopo_remote_base and ostopo_state_dir reach the Host: where the binary
// goes and where fixes journal on that node (the lab's nodes share one
// file system, and an operator may keep /var/tmp noexec).
func TestHostOstopoDirs(t *testing.T) {
	inv, err := ParseInventory("dirs.ini", strings.NewReader("[network]\nn1 ostopo_remote_base=/opt/ostopo ostopo_state_dir=/srv/ostopo-state\nn2\n"))
	if err != nil {
		t.Fatal(err)
	}
	h, err := inv.Host("n1")
	if err != nil {
		t.Fatal(err)
	}
	if h.RemoteBase != "/opt/ostopo" || h.StateDir != "/srv/ostopo-state" {
		t.Errorf("n1: remote base %q, state dir %q", h.RemoteBase, h.StateDir)
	}
	if h, _ := inv.Host("n2"); h.RemoteBase != "" || h.StateDir != "" {
		t.Errorf("n2: remote base %q, state dir %q, want the defaults", h.RemoteBase, h.StateDir)
	}
}
