package sosimport

import (
	"archive/tar"
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/ostopo/ostopo/netinspect/sosimport/sostest"
	"github.com/ostopo/ostopo/netinspect/topo"
)

// copyTree copies the report at src into a new directory (named top
// inside a temporary one), each file under the name rename gives it
// ("" drops it) with the content edit gives it; symbolic links are
// copied as they are.
func copyTree(t testing.TB, src, top string, rename func(string) string, edit func(string, []byte) []byte) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), top)
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if !d.Type().IsRegular() && d.Type()&fs.ModeSymlink == 0 {
			return nil // a socket sos copied
		}
		rel, _ := filepath.Rel(src, p)
		rel = filepath.ToSlash(rel)
		to := rel
		if rename != nil {
			to = rename(rel)
		}
		if to == "" {
			return nil
		}
		out := filepath.Join(dst, filepath.FromSlash(to))
		os.MkdirAll(filepath.Dir(out), 0o755)
		if d.Type()&fs.ModeSymlink != 0 {
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			return os.Symlink(target, out)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if edit != nil {
			b = edit(to, b)
		}
		return os.WriteFile(out, b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

// tarDir packs a directory as a tar under its base name.
func tarDir(t testing.TB, dir string) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	base := filepath.Dir(dir)
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(base, p)
		info, err := d.Info()
		if err != nil {
			return err
		}
		link := ""
		if d.Type()&fs.ModeSymlink != 0 {
			link, _ = os.Readlink(p)
		}
		h, err := tar.FileInfoHeader(info, link)
		if err != nil {
			return err
		}
		h.Name = filepath.ToSlash(rel)
		if d.IsDir() {
			h.Name += "/"
		}
		if err := tw.WriteHeader(h); err != nil {
			return err
		}
		if d.Type().IsRegular() {
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			tw.Write(b)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	tw.Close()
	return buf.Bytes()
}

// flatNS reads a flat (sos 3.3-4.2) namespace file name: the namespace
// and the command's mangled name.
var flatNS = regexp.MustCompile(`^sos_commands/networking/ip_netns_exec_((?:qrouter|qdhcp|snat|fip)-[0-9a-f-]{36})_(.+)$`)

// asSubdirs is the sos 4.3+ layout of a flat report: each namespace's
// outputs in namespaces/<ns>/, ip address show run with -d (the content
// stays what it was: without -d, as a text ostopo must not take for -d).
func asSubdirs(rel string) string {
	m := flatNS.FindStringSubmatch(rel)
	if m == nil {
		return rel
	}
	cmd := m[2]
	if cmd == "ip_address_show" {
		cmd = "ip_-d_address_show"
	}
	return "sos_commands/networking/namespaces/" + m[1] + "/ip_netns_exec_" + m[1] + "_" + cmd
}

func noManifest(rel string) string {
	if rel == manifestPath {
		return ""
	}
	return rel
}

// TestLayouts imports the real 4.0 report of compute1 rearranged as each
// sos version lays it out, directory and archive: the same facts as the
// live snapshot where collected, and the same facts not collected.
func TestLayouts(t *testing.T) {
	src := filepath.Join(realSOS, "compute1-sos4.0")
	live := loadLive(t, "compute1")
	top := "sosreport-compute1-2026-11-30-abcdefg"
	notCollected40 := map[string]int{SourceLinkDetails + "<ns>": 2, SourceNeighbors + "<ns>": 2, SourceRules + "<ns>": 2, "sysctl/<ns>": 2, SourceRoutes6 + "<ns>": 2}
	subdirs := copyTree(t, src, top, func(rel string) string { return asSubdirs(noManifest(rel)) }, nil)
	// sos 4.5.4 adds sysctl -a per namespace: ip_forward of the router.
	router := "qrouter-820d309c-3281-474c-8118-3deda2ce6029"
	sysctl := filepath.Join(subdirs, "sos_commands/networking/namespaces", router, "ip_netns_exec_"+router+"_sysctl_-a")
	if err := os.WriteFile(sysctl, []byte("net.ipv4.conf.all.forwarding = 1\nnet.ipv4.ip_forward = 1\nsysctl: permission denied on key 'net.ipv6.conf.all.stable_secret'\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, c := range []struct {
		name string
		path string
		want map[string]int
	}{
		{"4.0 flat with manifest", src, notCollected40},
		{"flat without manifest", copyTree(t, src, top, noManifest, nil), notCollected40},
		{"4.3 subdirs, 4.5.4 sysctl", subdirs, map[string]int{SourceLinkDetails + "<ns>": 2, SourceNeighbors + "<ns>": 2, SourceRules + "<ns>": 2, "sysctl/<ns>": 1, SourceRoutes6 + "<ns>": 2}},
		{"4.3 subdirs as .tar.xz", writeFile(t, dir, "r.tar.xz", xzBytes(t, tarDir(t, subdirs))), map[string]int{SourceLinkDetails + "<ns>": 2, SourceNeighbors + "<ns>": 2, SourceRules + "<ns>": 2, "sysctl/<ns>": 1, SourceRoutes6 + "<ns>": 2}},
		{"4.0 as .tar.gz", writeFile(t, dir, "r.tar.gz", gzipBytes(t, tarDir(t, copyTree(t, src, top, nil, nil)))), notCollected40},
	} {
		t.Run(c.name, func(t *testing.T) {
			imp := importPath(t, c.path)
			for _, d := range sostest.CompareFacts(live, imp) {
				t.Error(d)
			}
			if got := sostest.FailedNames(imp); fmt.Sprint(got) != fmt.Sprint(c.want) {
				t.Errorf("not read: %v\nwant %v", got, c.want)
				for _, s := range imp.FailedSources() {
					t.Logf("%s: %s", s.Name, s.Error)
				}
			}
			if len(imp.Neutron.Ports) != len(live.Neutron.Ports) || len(imp.Neutron.Routers) != len(live.Neutron.Routers) {
				t.Errorf("Neutron view: %d ports %d routers, live %d %d", len(imp.Neutron.Ports), len(imp.Neutron.Routers), len(live.Neutron.Ports), len(live.Neutron.Routers))
			}
		})
	}
	// The router's ip_forward came from its sysctl -a.
	imp := importPath(t, subdirs)
	if ns := imp.Namespace(router); ns == nil || ns.IPForward == nil || !*ns.IPForward {
		t.Errorf("ip_forward of %s from sysctl -a: %v", router, ns)
	}
}

// TestLegacyNeutronLayout reads sos 3.2's layout: a router's ifconfig -a,
// route -n and iptables-save under openstack_neutron/.
func TestLegacyNeutronLayout(t *testing.T) {
	ns := "qrouter-50711ca1-2f3c-4cd5-8f3a-5f9e0a1b2c3d"
	pre := "sosreport-net1-20150102-abcdefg/sos_commands/openstack_neutron/ip_netns_exec_" + ns + "_"
	raw := makeTar(t, []tarEntry{
		{name: "sosreport-net1-20150102-abcdefg/sos_commands/networking/ip_netns", body: ns + "\n"},
		{name: "sosreport-net1-20150102-abcdefg/sos_commands/networking/ip_address", body: "1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN\n    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00\n    inet 127.0.0.1/8 scope host lo\n"},
		{name: "sosreport-net1-20150102-abcdefg/sos_commands/networking/ip_route_show_table_all", body: "local 127.0.0.1 dev lo table local proto kernel scope host src 127.0.0.1\n"},
		{name: pre + "ifconfig_-a", body: `lo        Link encap:Local Loopback  
          inet addr:127.0.0.1  Mask:255.0.0.0
          UP LOOPBACK RUNNING  MTU:65536  Metric:1
          RX packets:0 errors:0 dropped:0 overruns:0 frame:0

qg-9a1b2c3d-4e Link encap:Ethernet  HWaddr fa:16:3e:11:22:33  
          inet addr:203.0.113.10  Bcast:203.0.113.255  Mask:255.255.255.0
          UP BROADCAST RUNNING  MTU:1500  Metric:1
          RX packets:10 errors:0 dropped:0 overruns:0 frame:0

`},
		{name: pre + "route_-n", body: `Kernel IP routing table
Destination     Gateway         Genmask         Flags Metric Ref    Use Iface
0.0.0.0         203.0.113.1     0.0.0.0         UG    0      0        0 qg-9a1b2c3d-4e
203.0.113.0     0.0.0.0         255.255.255.0   U     0      0        0 qg-9a1b2c3d-4e
`},
		{name: pre + "iptables-save", body: "# Generated by iptables-save v1.4.21\n*nat\n:PREROUTING ACCEPT [0:0]\n:neutron-l3-agent-PREROUTING - [0:0]\n-A PREROUTING -j neutron-l3-agent-PREROUTING\n-A neutron-l3-agent-PREROUTING -d 203.0.113.11/32 -j DNAT --to-destination 10.0.0.5\nCOMMIT\n"},
	})
	imp := importPath(t, writeFile(t, t.TempDir(), "r.tar.xz", xzBytes(t, raw)))
	n := imp.Namespace(ns)
	if n == nil || n.Link("qg-9a1b2c3d-4e") == nil || len(n.Routes) == 0 || n.NAT == nil || len(n.NAT.Rules) != 2 {
		t.Fatalf("namespace from sos 3.2's files: %+v", n)
	}
	src := imp.Source("netlink/" + ns)
	if src == nil || src.OK || !strings.Contains(src.Error, "secondary addresses") {
		t.Errorf("ifconfig hides secondary addresses (floating IPs): the source must say so: %+v", src)
	}
	if s := imp.Source("nat/" + ns); s == nil || !s.OK || !strings.Contains(s.Detail, "openstack_neutron/") {
		t.Errorf("nat source: %+v", s)
	}
	if imp.Host != "net1" {
		t.Errorf("host from the report's name: %q", imp.Host)
	}
}

var (
	macRE  = regexp.MustCompile(`\b[0-9a-f]{2}(?::[0-9a-f]{2}){5}\b`)
	ipv4RE = regexp.MustCompile(`\b(?:\d{1,3}\.){3}\d{1,3}\b`)
)

// masker rewrites MACs and IPv4 addresses as sos clean does
// (sos/cleaner/mappings): every MAC to 53:4f:53:xx:xx:xx, every IPv4
// address to 100.x.y.z, the same one for the same original across files.
type masker struct{ macs, ips map[string]string }

func (m *masker) edit(rel string, b []byte) []byte {
	if rel == manifestPath {
		return b
	}
	s := macRE.ReplaceAllStringFunc(string(b), func(mac string) string {
		if mac == "00:00:00:00:00:00" || mac == "ff:ff:ff:ff:ff:ff" {
			return mac
		}
		if r, ok := m.macs[mac]; ok {
			return r
		}
		n := len(m.macs) + 1
		r := fmt.Sprintf("53:4f:53:%02x:%02x:%02x", n>>16&0xff, n>>8&0xff, n&0xff)
		m.macs[mac] = r
		return r
	})
	s = ipv4RE.ReplaceAllStringFunc(s, func(ip string) string {
		if strings.HasPrefix(ip, "127.") || strings.HasPrefix(ip, "0.") || strings.HasPrefix(ip, "255.") || strings.HasPrefix(ip, "169.254.") {
			return ip
		}
		if r, ok := m.ips[ip]; ok {
			return r
		}
		n := len(m.ips) + 1
		r := fmt.Sprintf("100.%d.%d.%d", n>>16&0xff, n>>8&0xff, n&0xff+1)
		m.ips[ip] = r
		return r
	})
	return []byte(s)
}

// TestCleanedReport imports a report masked as sos clean masks it: the
// facts keep their shape (UUIDs are kept), and the snapshot says that
// MACs are not the node's, so that nothing is told from fa:16:3e.
func TestCleanedReport(t *testing.T) {
	src := filepath.Join(realSOS, "compute1-sos4.0")
	m := &masker{macs: map[string]string{}, ips: map[string]string{}}
	dir := copyTree(t, src, "sosreport-host0-2026-11-30-abcdefg", nil, m.edit)
	imp := importPath(t, dir)
	s := imp.Source(SourceMACs)
	if s == nil || s.OK || !strings.Contains(s.Error, "sos clean") || !strings.Contains(s.Error, "fa:16:3e") {
		t.Fatalf("masking not said: %+v", s)
	}
	live := loadLive(t, "compute1")
	if len(imp.Neutron.Ports) != len(live.Neutron.Ports) {
		t.Errorf("%d Neutron ports, live %d", len(imp.Neutron.Ports), len(live.Neutron.Ports))
	}
	// The same report unmasked says nothing of the kind.
	if s := importPath(t, src).Source(SourceMACs); s != nil {
		t.Errorf("an unmasked report: %+v", s)
	}
	// Every MAC the import states is the mask of the node's own (from
	// OVSDB's attached-mac, masked the same way as the DHCP files).
	liveMAC := map[string]string{}
	for _, p := range live.Neutron.Ports {
		liveMAC[p.ID] = p.MAC
	}
	for _, p := range imp.Neutron.Ports {
		if p.MAC != "" && p.MAC != m.macs[liveMAC[p.ID]] {
			t.Errorf("port %s: MAC %s, the mask of the node's %s is %s", p.ID, p.MAC, liveMAC[p.ID], m.macs[liveMAC[p.ID]])
		}
	}
	// The distributed router: this node's DVR MAC is still told by its
	// rewrite flow; the other nodes' only by the fa:16:3f… prefix, so
	// they are unknown, not none.
	for _, r := range imp.Neutron.Routers {
		if r.DVR == nil {
			continue
		}
		if want := m.macs[live.Neutron.Router(r.ID).DVR.HostMAC]; r.DVR.HostMAC != want {
			t.Errorf("router %s: DVR MAC %q, want the mask %q", r.ID, r.DVR.HostMAC, want)
		}
		if !slices.ContainsFunc(r.Unknown, func(u string) bool { return strings.Contains(u, "other nodes' DVR MACs") }) {
			t.Errorf("router %s: the other nodes' DVR MACs not said unknown: %v", r.ID, r.Unknown)
		}
	}
}

// TestCleanedReportTellsNothingFromMACs: without OVSDB's attached-mac
// (an import of `ovs-vsctl show` alone), an instance's MAC is told from
// its tap's fe:16:3e… MAC. Masked, that MAC is an alias with no relation
// to the instance's: the import says the MAC is unknown instead of
// stating the tap's alias, which no DHCP entry or flow of the node has.
func TestCleanedReportTellsNothingFromMACs(t *testing.T) {
	src := filepath.Join(realSOS, "compute1-sos4.0")
	showOnly := func(rel string) string {
		base := filepath.Base(rel)
		if strings.HasPrefix(base, "ovsdb-client") || strings.HasPrefix(base, "ovs-vsctl_-t_5_list") || strings.HasSuffix(rel, "conf.db") {
			return ""
		}
		return rel
	}
	m := &masker{macs: map[string]string{}, ips: map[string]string{}}
	masked := importPath(t, copyTree(t, src, "sosreport-host0-2026-11-30-abcdefg", showOnly, m.edit))
	plain := importPath(t, copyTree(t, src, "sosreport-host0-2026-11-30-abcdefg", showOnly, nil))
	live := loadLive(t, "compute1")
	instances := 0
	for _, lp := range live.Neutron.Ports {
		if lp.Role != topo.RoleInstance {
			continue
		}
		instances++
		// Without the Interface table, a port is known by its device.
		byDevice := func(s *topo.Snapshot) *topo.NPort {
			for i := range s.Neutron.Ports {
				if s.Neutron.Ports[i].OVSPort == lp.OVSPort {
					return &s.Neutron.Ports[i]
				}
			}
			return nil
		}
		pp, mp := byDevice(plain), byDevice(masked)
		if pp == nil || mp == nil {
			t.Fatalf("instance port %s (%s): unmasked %v, masked %v", lp.ID, lp.OVSPort, pp != nil, mp != nil)
		}
		// Unmasked, the tap tells the MAC (the guard below is needed only
		// for masking).
		if pp.MAC != lp.MAC {
			t.Errorf("unmasked: port %s MAC %q, the node's %q", lp.ID, pp.MAC, lp.MAC)
		}
		if mp.MAC != "" {
			t.Errorf("masked: port %s states MAC %q (the tap's alias is not the instance's MAC)", lp.ID, mp.MAC)
		}
		// Its fixed IPs are still told (by the anti-spoofing flows, which
		// name the port by number), masked as the node's.
		for i, ip := range mp.FixedIPs {
			if i >= len(lp.FixedIPs) || ip != m.ips[strings.Split(lp.FixedIPs[i], "/")[0]] {
				t.Errorf("masked: port %s fixed IPs %v, the node's %v", lp.ID, mp.FixedIPs, lp.FixedIPs)
				break
			}
		}
		if !slices.ContainsFunc(mp.Unknown, func(u string) bool { return strings.Contains(u, SourceMACs) }) {
			t.Errorf("masked: port %s does not say its MAC is unknown: %v", lp.ID, mp.Unknown)
		}
	}
	if instances == 0 {
		t.Fatal("no instance port on the node")
	}
}

// TestImportIsStable: importing twice gives the same snapshot, and the
// snapshot encodes and decodes as any other.
func TestImportIsStable(t *testing.T) {
	p := filepath.Join(realSOS, "netnode-sos4.0")
	a, b := importPath(t, p), importPath(t, p)
	var ja, jb bytes.Buffer
	if err := topo.Encode(&ja, a); err != nil {
		t.Fatal(err)
	}
	topo.Encode(&jb, b)
	if !bytes.Equal(ja.Bytes(), jb.Bytes()) {
		t.Error("two imports of one report differ")
	}
	if _, err := topo.Decode(bytes.NewReader(ja.Bytes())); err != nil {
		t.Errorf("the import does not decode: %v", err)
	}
}
