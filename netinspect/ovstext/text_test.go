package ovstext

import (
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/ostopo/ostopo/netinspect/topo"
	"github.com/ostopo/ostopo/ovs"
)

// Old `ovs-vsctl show` outputs from public Neutron material: names quoted
// (OVS 1.4 quoted "br-eth1", 2.3 "eth0"), options with quoted values.
func TestOldShowFormats(t *testing.T) {
	t.Run("neutron docs, OVS 1.4", func(t *testing.T) {
		got, srcs := Merge(FromShow("neutron-layer3", string(readTestdata(t, "public", "neutron-layer3-ovs-vsctl-show"))))
		if s := sourceNamed(srcs, "ovsdb"); !s.OK {
			t.Fatalf("ovsdb: %s", s.Error)
		}
		if got.UUID != "b9b27fc3-5057-47e7-ba64-0b6afe70a398" || got.Version != "1.4.0+build0" {
			t.Errorf("root = %s %s", got.UUID, got.Version)
		}
		want := map[string][]string{
			"br-eth1": {"br-eth1", "phy-br-eth1"},
			"br-ex":   {"br-ex", "phy-br-ex", "qg-0143bce1-08"},
			"br-int":  {"br-int", "int-br-eth1", "int-br-ex", "qr-0ba8700e-da", "qvob2044570-ad", "tapbb60d1bb-0c"},
		}
		if d := cmp.Diff(want, portNames(got)); d != "" {
			t.Errorf("bridges and ports (-want +got):\n%s", d)
		}
		if p := got.Port("qr-0ba8700e-da"); p.Tag != 1 || p.Interfaces[0].Name != "qr-0ba8700e-da" || p.Interfaces[0].Type != "internal" || p.UUID != "" {
			t.Errorf("qr- port = %+v", p)
		}
		// show has no uuid but the root's, and no ofport: unknown.
		wantFailedSome(t, srcs, SourcePortConfig, SourceInterfaceConfig, SourceOFPort, SourceInterfaceState, SourceBridgeConfig, SourceSystemConfig, SourceControllerRole)
	})
	t.Run("insights-core, OVS 2.3.2", func(t *testing.T) {
		got, _ := Merge(FromShow("insights", string(readTestdata(t, "public", "insights-ovs-vsctl-show-2.3.2"))))
		if got.Version != "2.3.2" || len(got.Bridges) != 3 {
			t.Fatalf("root = %s, %d bridges", got.Version, len(got.Bridges))
		}
		br := got.Bridge("br-tun")
		if br.FailMode != "secure" || len(br.Ports) != 6 {
			t.Errorf("br-tun = %+v", br)
		}
		vx := got.Port("vxlan-aca80118").Interfaces[0]
		wantOpts := map[string]string{"df_default": "true", "in_key": "flow", "local_ip": "172.168.1.26", "out_key": "flow", "remote_ip": "172.168.1.24"}
		if vx.Type != "vxlan" || !cmp.Equal(vx.Options, wantOpts) {
			t.Errorf("vxlan-aca80118 = %+v", vx)
		}
		if p := got.Port("eth0"); p == nil || p.Interfaces[0].Name != "eth0" {
			t.Errorf(`quoted "eth0" = %+v`, p)
		}
		if p := got.Port("ha-1f423581-cd"); p.Tag != 3 {
			t.Errorf("ha- port tag %d", p.Tag)
		}
	})
}

func portNames(o topo.OVS) map[string][]string {
	out := map[string][]string{}
	for _, b := range o.Bridges {
		out[b.Name] = []string{}
		for _, p := range b.Ports {
			out[b.Name] = append(out[b.Name], p.Name)
		}
	}
	return out
}

func wantFailedSome(t *testing.T, srcs []topo.Source, names ...string) {
	t.Helper()
	for _, n := range names {
		if s := sourceNamed(srcs, n); s == nil || s.OK || !strings.HasPrefix(s.Error, "not collected: ") {
			t.Errorf("source %s = %+v, want not collected", n, s)
		}
	}
}

// Every part of show's format: managers and controllers with their
// connection, fail_mode, datapath_type, tags and trunks, interface types,
// options and errors; a column ostopo does not read is skipped.
func TestParseShow(t *testing.T) {
	const text = `0a1b2c3d-0000-4000-8000-000000000001
    Manager "ptcp:6640:127.0.0.1"
        is_connected: true
    Bridge br-int
        Controller "tcp:127.0.0.1:6633"
            is_connected: true
        fail_mode: secure
        datapath_type: netdev
        Port "qvo\u00e9-1"
            tag: 4
            Interface "qvo\u00e9-1"
                error: "could not open network device qvo\u00e9-1 (No such device)"
        Port bond0
            trunks: [10, 20]
            Interface eth1
            Interface eth2
                bfd_status: {state=up}
        Port br-int
            Interface br-int
                type: internal
    Bridge br-tun
        Controller "tcp:127.0.0.1:6633"
        Port vxlan-0a1e0015
            Interface vxlan-0a1e0015
                type: vxlan
                options: {df_default="true", "in_key"=flow, remote_ip="10.30.0.21"}
    ovs_version: "3.1.0"
`
	got, srcs := Merge(FromShow("show", text))
	want := topo.OVS{
		UUID: "0a1b2c3d-0000-4000-8000-000000000001", Version: "3.1.0",
		Managers: []topo.Manager{{Target: "ptcp:6640:127.0.0.1", IsConnected: true}},
		Bridges: []topo.Bridge{
			{Name: "br-int", FailMode: "secure", DatapathType: "netdev",
				Controllers: []topo.Controller{{Target: "tcp:127.0.0.1:6633", IsConnected: true}},
				Ports: []topo.Port{
					{Name: "bond0", Trunks: []int{10, 20}, Interfaces: []topo.Interface{{Name: "eth1"}, {Name: "eth2"}}},
					{Name: "br-int", Interfaces: []topo.Interface{{Name: "br-int", Type: "internal"}}},
					{Name: "qvoé-1", Tag: 4, Interfaces: []topo.Interface{{Name: "qvoé-1", Error: "could not open network device qvoé-1 (No such device)"}}},
				},
				Flows: []topo.Flow{}},
			{Name: "br-tun",
				Controllers: []topo.Controller{{Target: "tcp:127.0.0.1:6633"}},
				Ports: []topo.Port{{Name: "vxlan-0a1e0015", Interfaces: []topo.Interface{{Name: "vxlan-0a1e0015", Type: "vxlan",
					Options: map[string]string{"df_default": "true", "in_key": "flow", "remote_ip": "10.30.0.21"}}}}},
				Flows: []topo.Flow{}},
		},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	if s := sourceNamed(srcs, SourceConnectionState); !s.OK {
		t.Errorf("show holds is_connected: %+v", s)
	}

	for _, bad := range []struct{ text, want string }{
		{"ovs-vsctl: unix:/var/run/openvswitch/db.sock: database connection failed (No such file or directory)\n", "line 1: not ovs-vsctl show output"},
		{"", "empty"},
		{"0a1b2c3d-0000-4000-8000-000000000001\n  Bridge br-int\n", "line 2: unexpected indentation"},
		{"0a1b2c3d-0000-4000-8000-000000000001\n        Port p\n", "line 2: indented under nothing"},
		{"0a1b2c3d-0000-4000-8000-000000000001\n    Bridge br-int\n        Port p\n            tag: x\n", "line 4: Port tag: not an integer"},
		{"0a1b2c3d-0000-4000-8000-000000000001\n    Bridge \"br-int\n", "line 2: Bridge name: unterminated string"},
		{"0a1b2c3d-0000-4000-8000-000000000001\n    Bridge br-int\n        Whatever\n", "line 3: not a row or column of Bridge"},
	} {
		if _, err := ParseShow(bad.text); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%q: err = %v, want %q", bad.text, err, bad.want)
		}
	}
}

// Column values as ovs-vsctl and ovsdb-client print them
// (ovsdb_datum_to_string).
func TestParseDatum(t *testing.T) {
	for _, c := range []struct {
		text string
		t    colType
		want any
	}{
		{"br-int", tString, "br-int"},
		{`"br-eth1"`, tString, "br-eth1"},
		{`"a\"b\\c\nd\u00e9"`, tString, "a\"b\\c\nd\u00e9"},
		{`""`, tString, ""},
		{"[]", tOptString, []any{"set", []any{}}},
		{"secure", tOptString, "secure"},
		{"5", tOptInt, float64(5)},
		{"-1", tOptInt, float64(-1)},
		{"[]", tOptInt, []any{"set", []any{}}},
		{"true", tBool, true},
		{"[OpenFlow10, OpenFlow13]", tStrings, []any{"set", []any{"OpenFlow10", "OpenFlow13"}}},
		{"[10,20]", tInts, []any{"set", []any{float64(10), float64(20)}}},
		{"[5ef1d0e8-0000-4000-8000-000000000001]", tUUIDs, []any{"set", []any{[]any{"uuid", "5ef1d0e8-0000-4000-8000-000000000001"}}}},
		{"{}", tSmap, []any{"map", []any{}}},
		{`{a=b, "c d"="e,f", iface-id="5ef1d0e8-0000-4000-8000-000000000001", n="0"}`, tSmap,
			[]any{"map", []any{[]any{"a", "b"}, []any{"c d", "e,f"}, []any{"iface-id", "5ef1d0e8-0000-4000-8000-000000000001"}, []any{"n", "0"}}}},
		{`{rstp_bridge_id="8.000.a61fd19ea54f",     rstp_bridge_port_id="0000"}`, tSmap,
			[]any{"map", []any{[]any{"rstp_bridge_id", "8.000.a61fd19ea54f"}, []any{"rstp_bridge_port_id", "0000"}}}},
	} {
		got, err := parseDatum(c.text, c.t)
		if err != nil {
			t.Errorf("%s: %v", c.text, err)
			continue
		}
		if d := cmp.Diff(c.want, got); d != "" {
			t.Errorf("%s (-want +got):\n%s", c.text, d)
		}
	}
	for _, c := range []struct {
		text string
		t    colType
	}{
		{`"unterminated`, tString}, {"[a, b", tStrings}, {"{a}", tSmap}, {"{a=b,}", tSmap}, {"a b", tString},
		{"x", tOptInt}, {`"5"`, tOptInt}, {"maybe", tBool}, {"[a b]", tStrings}, {"a", tSmap}, {"{a=b}", tStrings},
		{`"\x"`, tString}, {"", tString},
	} {
		if got, err := parseDatum(c.text, c.t); err == nil {
			t.Errorf("%q read as %v", c.text, got)
		}
	}
}

// `ovs-vsctl list` output: records by blank lines (or by a repeated
// column in a trimmed paste), headings longer than the 20-column pad,
// the table recognised from its columns; errors name their line.
func TestParseList(t *testing.T) {
	const text = `_uuid               : 5ef1d0e8-0000-4000-8000-000000000001
admin_state         : up
external_ids        : {attached-mac="fa:16:3e:00:00:01", iface-id="11111111-0000-4000-8000-000000000001", iface-status=active}
ingress_policing_burst: 0
link_state          : up
mtu                 : 1450
name                : tap1
ofport              : 3
options             : {}
statistics          : {rx_bytes=1, tx_bytes=2}
type                : ""
_uuid               : 5ef1d0e8-0000-4000-8000-000000000002
admin_state         : down
error               : "could not open network device tap2 (No such device)"
external_ids        : {}
link_state          : []
mtu                 : []
name                : tap2
ofport              : -1
options             : {}
type                : ""
`
	db, err := ParseList(text, "")
	if err != nil {
		t.Fatal(err)
	}
	rows := db.Rows["Interface"]
	if len(rows) != 2 {
		t.Fatalf("%d Interface rows: %v", len(rows), db.Rows)
	}
	if rows[0]["ofport"] != float64(3) || rows[0]["mtu"] != float64(1450) || rows[1]["ofport"] != float64(-1) {
		t.Errorf("rows = %v", rows)
	}
	// Only the columns every record printed are held (the first lacks
	// error, the second statistics: neither holds it fully).
	if db.holds("Interface", "error") || !db.holds("Interface", "ofport") || db.holds("Interface", "statistics") {
		t.Errorf("held = %v", db.Columns["Interface"])
	}
	for _, bad := range []struct{ text, want string }{
		{"ovs-vsctl: unix:/var/run/openvswitch/db.sock: database connection failed (No such file or directory)\n", "line 1: not a column line"},
		{"_uuid : 5ef1d0e8-0000-4000-8000-000000000001\nname : x\nfoo\n", "line 3: not a column line"},
		{"_uuid : 5ef1d0e8-0000-4000-8000-000000000001\nofport : x\n", "line 2: Interface ofport: not an integer"},
		{"name : x\nofport : 1\n", "line 1: a Interface record without _uuid"},
		{"_uuid : 5ef1d0e8-0000-4000-8000-000000000001\nfoo : 1\n", "line 1: a record of no table ostopo reads"},
	} {
		if _, err := ParseList(bad.text, ""); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%q: err = %v, want %q", bad.text, err, bad.want)
		}
	}
	if _, err := ParseList(text, "Bridge"); err == nil || !strings.Contains(err.Error(), `line 1: a Interface record, not "Bridge"`) {
		t.Errorf("interface records as Bridge: %v", err)
	}
	if db, err := ParseList(text, "interface"); err != nil || len(db.Rows["Interface"]) != 2 {
		t.Errorf("list interface: %v", err)
	}
	// An empty table prints nothing: it holds every column, no row.
	db, err = ParseList("", "Bridge")
	if err != nil || len(db.Rows["Bridge"]) != 0 || !db.holds("Bridge", "protocols") {
		t.Errorf("empty list: %v %v", db, err)
	}
	if _, err := ParseDump("Bridge table\nname : x\n"); err == nil || !strings.Contains(err.Error(), "without _uuid") {
		t.Errorf("dump record without _uuid: %v", err)
	}
	if _, err := ParseDump("_uuid : 5ef1d0e8-0000-4000-8000-000000000001\n"); err == nil || !strings.Contains(err.Error(), "line 1: a record before any") {
		t.Errorf("dump without caption: %v", err)
	}
	if _, err := ParseDump("Bridge table\n"); err == nil || !strings.Contains(err.Error(), "no Open_vSwitch table") {
		t.Errorf("dump without Open_vSwitch: %v", err)
	}
}

// A dump printed with port names (a terminal, or --names), such as an
// operator pastes, gets the port numbers the live collector's dumps have
// from the inputs' ofports; names no input numbers are said, not guessed.
func TestNamedFlowsAreNumbered(t *testing.T) {
	text := string(readTestdata(t, "public", "insights-dump-flows-names"))
	named := FromFlows("flows", "s1", "", text)
	if named.Err != nil || !named.Flows.Named || len(named.Flows.Flows) != 8 {
		t.Fatalf("%v %+v", named.Err, named.Flows)
	}
	show := FromShow("show", `0a1b2c3d-0000-4000-8000-000000000001
    Bridge s1
        Port s1
            Interface s1
                type: internal
        Port "s1-eth1"
            Interface "s1-eth1"
        Port "s1-eth2"
            Interface "s1-eth2"
        Port "s1-eth3"
            Interface "s1-eth3"
`)
	desc := FromPortDesc("ofctl-show", `OFPT_FEATURES_REPLY (xid=0x2): dpid:0000000000000001
n_tables:254, n_buffers:0
 1(s1-eth1): addr:d6:fc:9c:e7:a2:f9
     config:     0
 2(s1-eth2): addr:62:ee:31:2b:35:7c
     config:     0
 3(s1-eth3): addr:a2:72:e7:06:75:2e
     config:     0
 LOCAL(s1): addr:00:00:00:00:00:01
     config:     PORT_DOWN
`)
	got, srcs := Merge(show, desc, named)
	s := sourceNamed(srcs, "openflow/s1")
	if !s.OK || !strings.Contains(s.Detail, "port names numbered") {
		t.Errorf("openflow/s1 = %+v", s)
	}
	numbered := strings.NewReplacer(`"s1-eth1"`, "1", `"s1-eth2"`, "2", `"s1-eth3"`, "3").Replace(text)
	want, err := ovs.ParseDumpFlows(numbered)
	if err != nil {
		t.Fatal(err)
	}
	topo.SortFlows(want)
	if d := cmp.Diff(want, got.Bridge("s1").Flows); d != "" {
		t.Errorf("flows (-numbered +import):\n%s", d)
	}
	if got.Port("s1-eth2").Interfaces[0].OFPort != 2 || got.Port("s1").Interfaces[0].OFPort != 65534 {
		t.Errorf("ofports from ovs-ofctl show: %+v", got.Bridge("s1").Ports)
	}
	if s := sourceNamed(srcs, SourceOFPort); !s.OK || s.Detail != "ovs-ofctl show ofctl-show" {
		t.Errorf("%s = %+v", SourceOFPort, s)
	}

	// Without ovs-ofctl show nothing numbers them.
	got, srcs = Merge(show, FromFlows("flows", "s1", "", text))
	if s := sourceNamed(srcs, "openflow/s1"); s.OK || !strings.Contains(s.Error, "s1-eth2, s1-eth3, s1-eth1") {
		t.Errorf("openflow/s1 without ofports = %+v", s)
	}
	if len(got.Bridge("s1").Flows) != 8 {
		t.Errorf("flows kept: %d", len(got.Bridge("s1").Flows))
	}
}

// A dump's text is a reply (a header, flows) or an error; empty text is
// no answer, not a bridge without flows.
func TestParseFlows(t *testing.T) {
	fd, err := ParseFlows("NXST_FLOW reply (xid=0x4):\n")
	if err != nil || len(fd.Flows) != 0 || fd.Version != "" {
		t.Errorf("no flows: %+v %v", fd, err)
	}
	// A multipart reply: flags=[more] on each part but the last
	// (lib/ofp-print.c); lines from hotsos's br-tun dump.
	fd, err = ParseFlows(`OFPST_FLOW reply (OF1.3) (xid=0x2): flags=[more]
 cookie=0x5f3e4140959dac5a, duration=62960.601s, table=0, n_packets=1226, n_bytes=130651, priority=1,in_port=1 actions=goto_table:1
OFPST_FLOW reply (OF1.3) (xid=0x2):
 cookie=0x5f3e4140959dac5a, duration=63607.130s, table=0, n_packets=0, n_bytes=0, priority=0 actions=drop
`)
	if err != nil || len(fd.Flows) != 2 || fd.Version != "OF1.3" || fd.Named {
		t.Errorf("multipart: %+v %v", fd, err)
	}
	for _, bad := range []string{"", "\n\n", "ovs-ofctl: br-int is not a bridge or a socket\n", " cookie=0x0, table=0 no actions\n"} {
		if _, err := ParseFlows(bad); err == nil {
			t.Errorf("%q read as a dump", bad)
		}
	}
}

// Port names in flow text are found where ovs-ofctl prints ports, quoted
// or bare, and nowhere else.
func TestRewritePorts(t *testing.T) {
	ofports := map[string]int{"qvo-1": 5, "eth1": 1, "br-int": 65534, "tap\"x": 9}
	for _, c := range []struct{ in, want string }{
		{`in_port="qvo-1",dl_vlan=1`, "in_port=5,dl_vlan=1"},
		{`in_port=eth1`, "in_port=1"},
		{`output:"qvo-1",output:eth1,resubmit(,2)`, "output:5,output:1,resubmit(,2)"},
		{`enqueue:eth1:3,resubmit(eth1,4),output(port="qvo-1",max_len=100)`, "enqueue:1:3,resubmit(1,4),output(port=5,max_len=100)"},
		{`learn(table=20,NXM_OF_VLAN_TCI[0..11],output:NXM_OF_IN_PORT[]),output:"br-int"`, "learn(table=20,NXM_OF_VLAN_TCI[0..11],output:NXM_OF_IN_PORT[]),output:LOCAL"},
		{`in_port=LOCAL,output:IN_PORT,output:CONTROLLER`, "in_port=LOCAL,output:IN_PORT,output:CONTROLLER"},
		{`in_port=3,output:4`, "in_port=3,output:4"},
		{`in_port="tap\"x"`, "in_port=9"},
		{`dl_src=aa:bb,xin_port=eth1`, "dl_src=aa:bb,xin_port=eth1"},
	} {
		f := []topo.Flow{{Match: c.in}}
		if missing := numberPorts(f, ofports); len(missing) != 0 || f[0].Match != c.want {
			t.Errorf("%s -> %s (missing %v), want %s", c.in, f[0].Match, missing, c.want)
		}
	}
}

// Outputs of two hosts in one folder are refused, not merged.
func TestTwoHostsMixed(t *testing.T) {
	a := FromShow("host-a/show", "0a1b2c3d-0000-4000-8000-00000000000a\n    Bridge br-int\n")
	b := FromDump("host-b/dump", string(readTestdata(t, "hotsos", "ovsdb-client_-f_list_dump")))
	got, srcs := Merge(a, b)
	s := sourceNamed(srcs, "ovsdb")
	if s.OK || !strings.Contains(s.Error, "2 different OVS databases") || !strings.Contains(s.Error, "host-a/show") || len(got.Bridges) != 0 {
		t.Errorf("ovsdb = %+v, %d bridges", s, len(got.Bridges))
	}
}

// Nothing given: every family not collected, nothing invented.
func TestMergeNothing(t *testing.T) {
	got, srcs := Merge(Missing(KindShow, "sos_commands/openvswitch/ovs-vsctl_-t_5_show"),
		FromShow("sos_commands/openvswitch/ovs-vsctl_show", "ovs-vsctl: unix:/var/run/openvswitch/db.sock: database connection failed\n"))
	if got.Bridges == nil || len(got.Bridges) != 0 || got.Managers == nil {
		t.Errorf("OVS = %+v, want the live collector's empty state", got)
	}
	s := sourceNamed(srcs, "ovsdb")
	if s.OK || !strings.Contains(s.Error, "looked for sos_commands/openvswitch/ovs-vsctl_-t_5_show") ||
		!strings.Contains(s.Error, "unreadable: ovs-vsctl show sos_commands/openvswitch/ovs-vsctl_show: line 1") {
		t.Errorf("ovsdb = %+v", s)
	}
	if len(srcs) != len(families) {
		t.Errorf("%d sources", len(srcs))
	}
}

// Sniff tells each output from the others by its first lines.
func TestSniff(t *testing.T) {
	for name, want := range map[string]Kind{
		"hotsos/ovs-vsctl_-t_5_show":                       KindShow,
		"hotsos/ovs-vsctl_-t_5_list_interface":             KindList,
		"hotsos/ovsdb-client_-f_list_dump":                 KindDump,
		"hotsos/ovs-ofctl_show_br-int":                     KindPortDesc,
		"hotsos/ovs-ofctl_dump-ports-desc_br-int":          KindPortDesc,
		"hotsos/ovs-ofctl_dump-flows_br-int":               KindFlows,
		"hotsos/ovs-ofctl_-O_OpenFlow13_dump-flows_br-int": KindFlows,
		"lab/conf.db": KindConfDB,
		"lab/ovs-ofctl_-O_OpenFlow13_show_br-tun": KindPortDesc,
		"lab/ovs-ofctl_dump-flows_br-tun":         KindUnknown,
		"public/neutron-layer3-ovs-vsctl-show":    KindShow,
		"public/insights-dump-flows-names":        KindFlows,
		"confdb/nodiff.db":                        KindConfDB,
	} {
		parts := strings.SplitN(name, "/", 2)
		if got := Sniff(readTestdata(t, parts[0], parts[1])); got != want {
			t.Errorf("%s: %v, want %v", name, got, want)
		}
	}
	if got := Sniff([]byte("hello\n")); got != KindUnknown {
		t.Errorf("hello: %v", got)
	}
	kinds := []Kind{KindUnknown, KindShow, KindList, KindDump, KindConfDB, KindPortDesc, KindFlows}
	var names []string
	for _, k := range kinds {
		names = append(names, k.String())
	}
	slices.Sort(names)
	if len(slices.Compact(names)) != len(kinds) {
		t.Errorf("kind names %v", names)
	}
}
