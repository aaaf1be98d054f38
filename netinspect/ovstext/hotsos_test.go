package ovstext

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/ostopo/ostopo/netinspect/topo"
	"github.com/ostopo/ostopo/ovs"
)

// hotsos reads a file of the real sosreport in testdata/hotsos.
func hotsos(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "hotsos", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

var hotsosBridges = []string{"br-data", "br-ex", "br-int", "br-tun"}

// hotsosOpenFlow is every ovs-ofctl output of the sosreport.
func hotsosOpenFlow(t *testing.T) []Part {
	t.Helper()
	var parts []Part
	for _, br := range hotsosBridges {
		parts = append(parts,
			FromPortDesc("ovs-ofctl_show_"+br, hotsos(t, "ovs-ofctl_show_"+br)),
			FromPortDesc("ovs-ofctl_dump-ports-desc_"+br, hotsos(t, "ovs-ofctl_dump-ports-desc_"+br)),
			FromFlows("ovs-ofctl_dump-flows_"+br, br, "", hotsos(t, "ovs-ofctl_dump-flows_"+br)))
		if br != "br-ex" {
			name := "ovs-ofctl_-O_OpenFlow13_dump-flows_" + br
			parts = append(parts, FromFlows(name, br, "OpenFlow13", hotsos(t, name)))
		}
	}
	return parts
}

func hotsosLists(t *testing.T) []Part {
	return []Part{
		FromList("ovs-vsctl_-t_5_list_interface", "", hotsos(t, "ovs-vsctl_-t_5_list_interface")),
		FromList("ovs-vsctl_-t_5_list_bridge", "", hotsos(t, "ovs-vsctl_-t_5_list_bridge")),
		FromList("ovs-vsctl_-t_5_list_Open_vSwitch", "", hotsos(t, "ovs-vsctl_-t_5_list_Open_vSwitch")),
	}
}

func noErrors(t *testing.T, parts []Part) {
	t.Helper()
	for _, p := range parts {
		if p.Err != nil {
			t.Fatalf("%s: %v", p.Origin, p.Err)
		}
	}
}

// A real sosreport of a Neutron node: the OVSDB outputs agree with each
// other (sos took them seconds apart), the flows are those of the plain
// dumps with their port numbers, and every fact family is read.
func TestHotsosSosReport(t *testing.T) {
	openflow := hotsosOpenFlow(t)
	show := FromShow("ovs-vsctl_-t_5_show", hotsos(t, "ovs-vsctl_-t_5_show"))
	dump := FromDump("ovsdb-client_-f_list_dump", hotsos(t, "ovsdb-client_-f_list_dump"))
	lists := hotsosLists(t)
	all := slices.Concat(openflow, lists, []Part{show, dump})
	noErrors(t, all)
	for _, p := range openflow {
		if p.Flows != nil && p.Flows.Named {
			t.Errorf("%s: numbered ports read as names", p.Origin)
		}
	}

	got, srcs := Merge(all...)
	for _, s := range srcs {
		if !s.OK {
			t.Errorf("source %s not read: %s", s.Name, s.Error)
		}
	}
	// The dump alone holds every OVSDB column: the other outputs agree.
	fromDump, _ := Merge(slices.Concat(openflow, []Part{dump})...)
	if d := cmp.Diff(fromDump, got); d != "" {
		t.Errorf("show + lists + dump differ from the dump alone (-dump +all):\n%s", d)
	}

	if got.UUID != "b8a20458-9009-41a0-aa49-71bcc0080537" || got.Version != "2.13.3" || got.DBVersion != "8.2.0" ||
		got.ExternalIDs["hostname"] != "compute4.mylab.home" {
		t.Errorf("Open_vSwitch row = %s %s %s %v", got.UUID, got.Version, got.DBVersion, got.ExternalIDs)
	}
	if len(got.Managers) != 1 || got.Managers[0] != (topo.Manager{Target: "ptcp:6640:127.0.0.1", IsConnected: true}) {
		t.Errorf("managers = %+v", got.Managers)
	}
	var names []string
	for _, b := range got.Bridges {
		names = append(names, b.Name)
	}
	if !slices.Equal(names, hotsosBridges) {
		t.Fatalf("bridges = %v, want %v", names, hotsosBridges)
	}
	brInt := got.Bridge("br-int")
	if brInt.FailMode != "secure" || brInt.DatapathType != "system" || brInt.DatapathID != "00002e1335c82646" ||
		!slices.Equal(brInt.Protocols, []string{"OpenFlow10", "OpenFlow11", "OpenFlow12", "OpenFlow13", "OpenFlow14"}) ||
		len(brInt.Controllers) != 1 || brInt.Controllers[0] != (topo.Controller{Target: "tcp:127.0.0.1:6633", IsConnected: true, Role: "other", InactivityProbe: 10000}) {
		t.Errorf("br-int = %+v", *brInt)
	}
	tap := got.Port("tap0e778df8-ca")
	if tap == nil || tap.Tag != 3 || tap.OtherConfig["net_uuid"] == "" || tap.OtherConfig["network_type"] != "vxlan" ||
		len(tap.Interfaces) != 1 || tap.Interfaces[0].ExternalIDs["iface-id"] != "0e778df8-ca29-490b-8d54-e238b1e0be1c" {
		t.Errorf("tap0e778df8-ca = %+v", tap)
	}
	vx := got.Port("vxlan-0a000085")
	if vx == nil || vx.Interfaces[0].Type != "vxlan" || vx.Interfaces[0].Options["remote_ip"] != "10.0.0.133" ||
		vx.Interfaces[0].Options["df_default"] != "true" || vx.Interfaces[0].OFPort != 3 {
		t.Errorf("vxlan-0a000085 = %+v", vx)
	}

	// Flows: the plain dumps (what the live collector runs), numbers as
	// printed, every line read.
	for _, br := range hotsosBridges {
		text := hotsos(t, "ovs-ofctl_dump-flows_"+br)
		want, err := ovs.ParseDumpFlows(text)
		if err != nil {
			t.Fatal(err)
		}
		topo.SortFlows(want)
		b := got.Bridge(br)
		if d := cmp.Diff(want, b.Flows); d != "" || len(b.Flows) != strings.Count(text, " cookie=") {
			t.Errorf("%s: flows differ from the plain dump's %d lines:\n%s", br, strings.Count(text, " cookie="), d)
		}
	}
	if s := sourceNamed(srcs, "openflow/br-int"); s == nil || s.Detail != "ovs-ofctl dump-flows ovs-ofctl_dump-flows_br-int" {
		t.Errorf("openflow/br-int = %+v, want the plain dump", s)
	}
}

func sourceNamed(srcs []topo.Source, name string) *topo.Source {
	for i := range srcs {
		if srcs[i].Name == name {
			return &srcs[i]
		}
	}
	return nil
}

// ovs-ofctl show and dump-ports-desc number the ports as the Interface
// table's ofport does, on every bridge of the real sosreport.
func TestPortDescMatchesOFPorts(t *testing.T) {
	fromDB, _ := Merge(FromDump("dump", hotsos(t, "ovsdb-client_-f_list_dump")))
	n := 0
	for _, br := range hotsosBridges {
		for _, file := range []string{"ovs-ofctl_show_" + br, "ovs-ofctl_dump-ports-desc_" + br} {
			pd, err := ParsePortDesc(hotsos(t, file))
			if err != nil {
				t.Fatalf("%s: %v", file, err)
			}
			if pd.Bridge != br {
				t.Errorf("%s: bridge %q", file, pd.Bridge)
			}
			b := fromDB.Bridge(br)
			if strings.Contains(file, "_show_") && pd.DatapathID != b.DatapathID {
				t.Errorf("%s: dpid %q, OVSDB datapath_id %q", file, pd.DatapathID, b.DatapathID)
			}
			want := map[string]int{}
			for _, p := range b.Ports {
				for _, i := range p.Interfaces {
					want[i.Name] = i.OFPort
				}
			}
			if d := cmp.Diff(want, pd.OFPorts); d != "" {
				t.Errorf("%s: port numbers differ from the Interface ofports (-ovsdb +ofctl):\n%s", file, d)
			}
			n++
		}
	}
	if n != 2*len(hotsosBridges) {
		t.Errorf("%d outputs checked", n)
	}
}

// `ovs-ofctl -O OpenFlow13 show` lists the ports under an OFPST_PORT_DESC
// reply of its own (hotsos's ovs-ofctl_-O_OpenFlow13_show_br-tun).
func TestParsePortDescOF13(t *testing.T) {
	const text = `OFPT_FEATURES_REPLY (OF1.3) (xid=0x2): dpid:00008272c483d847
n_tables:254, n_buffers:0
capabilities: FLOW_STATS TABLE_STATS PORT_STATS GROUP_STATS QUEUE_STATS
OFPST_PORT_DESC reply (OF1.3) (xid=0x3):
 1(patch-int): addr:fe:d2:9d:1a:7f:11
     config:     0
     state:      LIVE
     speed: 0 Mbps now, 0 Mbps max
 2(vxlan-0a000072): addr:06:c5:64:0e:a6:c2
     config:     0
     state:      LIVE
     speed: 0 Mbps now, 0 Mbps max
 LOCAL(br-tun): addr:82:72:c4:83:d8:47
     config:     PORT_DOWN
     state:      LINK_DOWN
     speed: 0 Mbps now, 0 Mbps max
OFPT_GET_CONFIG_REPLY (OF1.3) (xid=0x5): frags=normal miss_send_len=0
`
	pd, err := ParsePortDesc(text)
	if err != nil {
		t.Fatal(err)
	}
	want := &PortDesc{Bridge: "br-tun", DatapathID: "00008272c483d847", OFPorts: map[string]int{"patch-int": 1, "vxlan-0a000072": 2, "br-tun": 65534}}
	if d := cmp.Diff(want, pd); d != "" {
		t.Error(d)
	}
	for _, bad := range []string{
		"ovs-ofctl: br-int is not a bridge or a socket\n",
		"OFPT_FEATURES_REPLY (xid=0x2): dpid:0000\n 1(x) addr:00\n",
		"OFPT_FEATURES_REPLY (xid=0x2): dpid:0000\n 99999(x): addr:00:00:00:00:00:00\n",
		"",
	} {
		if _, err := ParsePortDesc(bad); err == nil {
			t.Errorf("ParsePortDesc(%q) read it", bad)
		}
	}
}

// Without the Port table (show and the lists sos runs, but no dump or
// conf.db), the import says what is missing and where it looked; the
// rest is what the dump gives, but for the Port rows' own columns.
func TestHotsosWithoutPortTable(t *testing.T) {
	openflow := hotsosOpenFlow(t)
	show := FromShow("sos_commands/openvswitch/ovs-vsctl_-t_5_show", hotsos(t, "ovs-vsctl_-t_5_show"))
	parts := slices.Concat(openflow, hotsosLists(t), []Part{show,
		Missing(KindDump, "sos_commands/openvswitch/ovsdb-client_-f_list_dump"),
		Missing(KindConfDB, "etc/openvswitch/conf.db", "var/lib/openvswitch/conf.db")})
	got, srcs := Merge(parts...)
	var failed []string
	for _, s := range srcs {
		if !s.OK {
			failed = append(failed, s.Name)
		}
	}
	if !slices.Equal(failed, []string{SourcePortConfig, SourceControllerRole}) {
		t.Fatalf("not read: %v, want %s and %s", failed, SourcePortConfig, SourceControllerRole)
	}
	pc := sourceNamed(srcs, SourcePortConfig)
	for _, want := range []string{"not collected: ", "ovs-vsctl show prints a port's tag and trunks only",
		"looked for sos_commands/openvswitch/ovsdb-client_-f_list_dump, etc/openvswitch/conf.db, var/lib/openvswitch/conf.db"} {
		if !strings.Contains(pc.Error, want) {
			t.Errorf("%s error %q lacks %q", pc.Name, pc.Error, want)
		}
	}
	fromDump, _ := Merge(slices.Concat(openflow, []Part{FromDump("dump", hotsos(t, "ovsdb-client_-f_list_dump"))})...)
	for i := range fromDump.Bridges {
		b := &fromDump.Bridges[i]
		for j := range b.Controllers {
			b.Controllers[j].Role, b.Controllers[j].InactivityProbe = "", 0
		}
		for j := range b.Ports {
			p := &b.Ports[j]
			p.UUID, p.VLANMode, p.ExternalIDs, p.OtherConfig = "", "", nil, nil
		}
	}
	if d := cmp.Diff(fromDump, got); d != "" {
		t.Errorf("show + lists differ from the dump but for the Port table (-dump +show):\n%s", d)
	}
	// The tag is in show: a port's VLAN is known without the Port table.
	if p := got.Port("qr-3a70b31c-3f"); p == nil || p.Tag != 3 || p.OtherConfig != nil {
		t.Errorf("qr-3a70b31c-3f = %+v", p)
	}
}

// A bridge that refuses OpenFlow 1.0 has a version negotiation failure
// in the plain dump: the flows come from the -O dump of the newest
// protocol it allows, as the live collector's -O asks for, and the Source
// says why.
func TestFlowsFallBackToProtocolDump(t *testing.T) {
	dump := FromDump("dump", strings.Replace(hotsos(t, "ovsdb-client_-f_list_dump"),
		"protocols           : [OpenFlow10, OpenFlow11, OpenFlow12, OpenFlow13, OpenFlow14]",
		"protocols           : [OpenFlow13]", 1))
	neg := FromFlows("ovs-ofctl_dump-flows_br-int", "br-int", "",
		"ovs-ofctl: br-int: version negotiation failed (we support version 0x01, peer supports version 0x04)\n")
	if !errors.Is(neg.Err, ErrVersionNegotiation) {
		t.Fatalf("plain dump error = %v", neg.Err)
	}
	of13 := FromFlows("ovs-ofctl_-O_OpenFlow13_dump-flows_br-int", "br-int", "OpenFlow13", hotsos(t, "ovs-ofctl_-O_OpenFlow13_dump-flows_br-int"))
	if of13.Err != nil || of13.Flows.Version != "OF1.3" {
		t.Fatalf("OF1.3 dump: %v %+v", of13.Err, of13.Flows)
	}
	got, srcs := Merge(dump, neg, of13)
	want, _ := ovs.ParseDumpFlows(hotsos(t, "ovs-ofctl_-O_OpenFlow13_dump-flows_br-int"))
	topo.SortFlows(want)
	if d := cmp.Diff(want, got.Bridge("br-int").Flows); d != "" {
		t.Errorf("br-int flows are not the OF1.3 dump's:\n%s", d)
	}
	s := sourceNamed(srcs, "openflow/br-int")
	if !s.OK || !strings.Contains(s.Detail, "ovs-ofctl_-O_OpenFlow13_dump-flows_br-int") || !strings.Contains(s.Detail, "version negotiation failed") {
		t.Errorf("openflow/br-int = %+v", s)
	}
	// A bridge whose only dump failed: not collected, and why.
	if s := sourceNamed(srcs, "openflow/br-tun"); s.OK || !strings.Contains(s.Error, "no ovs-ofctl dump-flows output for br-tun") {
		t.Errorf("openflow/br-tun = %+v", s)
	}
	// Both dumps read (outputs of different instants): the one the live
	// collector would have run, -O for a bridge without OpenFlow10.
	plain := FromFlows("ovs-ofctl_dump-flows_br-int", "br-int", "", hotsos(t, "ovs-ofctl_dump-flows_br-int"))
	got, _ = Merge(dump, plain, of13)
	if d := cmp.Diff(want, got.Bridge("br-int").Flows); d != "" {
		t.Errorf("br-int flows with both dumps read are not the OF1.3 dump's:\n%s", d)
	}
	_, srcs = Merge(dump, neg)
	if s := sourceNamed(srcs, "openflow/br-int"); s.OK || !strings.Contains(s.Error, "version negotiation failed") {
		t.Errorf("openflow/br-int with the failed dump only = %+v", s)
	}
}
