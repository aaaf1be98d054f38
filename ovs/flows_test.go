package ovs

import (
	"context"
	"errors"
	"net"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/ostopo/ostopo/netinspect/run"
	"github.com/ostopo/ostopo/netinspect/topo"
)

// Raw (non-TTY) dump as ostopo captures it: header line, idle_age, numbers.
const rawDump = `NXST_FLOW reply (xid=0x4):
 cookie=0x8c2f5e0a9d417b36, duration=91873.402s, table=0, n_packets=41877, n_bytes=4120995, idle_age=0, priority=1,in_port=1 actions=resubmit(,2)
 cookie=0x8c2f5e0a9d417b36, duration=91861.733s, table=4, n_packets=52229, n_bytes=60117660, idle_age=3, hard_age=65534, priority=1,tun_id=0x3e9 actions=mod_vlan_vid:1,resubmit(,10)
 cookie=0x8c2f5e0a9d417b36, duration=91873.401s, table=10, n_packets=52229, n_bytes=60117660, idle_age=3, priority=1 actions=learn(table=20,hard_timeout=300,priority=1,cookie=0x8c2f5e0a9d417b36,NXM_OF_VLAN_TCI[0..11],NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[],load:0->NXM_OF_VLAN_TCI[],load:NXM_NX_TUN_ID[]->NXM_NX_TUN_ID[],output:OXM_OF_IN_PORT[]),output:1
 cookie=0x8c2f5e0a9d417b36, duration=212.044s, table=20, n_packets=14, n_bytes=1372, hard_timeout=300, idle_age=1, priority=1,vlan_tci=0x0001/0x0fff,dl_dst=fa:16:3e:9c:4d:21 actions=load:0->NXM_OF_VLAN_TCI[],load:0x3e9->NXM_NX_TUN_ID[],output:2
NXST_FLOW reply (xid=0x4):
 cookie=0x0, duration=1.5s, table=0, n_packets=0, n_bytes=0, idle_age=1, actions=NORMAL
`

// Formatted dump (--names, a TTY or a sort option): no header, quoted names.
const namedDump = ` cookie=0x3b7e1d09c5a2f468, duration=90498.151s, table=0, n_packets=11, n_bytes=770, priority=3,in_port="int-br-ex",vlan_tci=0x0000/0x1fff actions=mod_vlan_vid:2,resubmit(,58)
 cookie=0x3b7e1d09c5a2f468, duration=90511.602s, table=0, n_packets=0, n_bytes=0, priority=65535,dl_vlan=4095 actions=drop
`

func TestParseDumpFlows(t *testing.T) {
	got, err := ParseDumpFlows(rawDump)
	if err != nil {
		t.Fatal(err)
	}
	want := []topo.Flow{
		{Table: 0, Priority: 1, Cookie: "0x8c2f5e0a9d417b36", Match: "in_port=1", Actions: "resubmit(,2)", Packets: 41877, Bytes: 4120995, Duration: 91873.402},
		{Table: 4, Priority: 1, Cookie: "0x8c2f5e0a9d417b36", Match: "tun_id=0x3e9", Actions: "mod_vlan_vid:1,resubmit(,10)", Packets: 52229, Bytes: 60117660, Duration: 91861.733},
		{Table: 10, Priority: 1, Cookie: "0x8c2f5e0a9d417b36", Match: "", Actions: "learn(table=20,hard_timeout=300,priority=1,cookie=0x8c2f5e0a9d417b36,NXM_OF_VLAN_TCI[0..11],NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[],load:0->NXM_OF_VLAN_TCI[],load:NXM_NX_TUN_ID[]->NXM_NX_TUN_ID[],output:OXM_OF_IN_PORT[]),output:1", Packets: 52229, Bytes: 60117660, Duration: 91873.401},
		{Table: 20, Priority: 1, Cookie: "0x8c2f5e0a9d417b36", Match: "vlan_tci=0x0001/0x0fff,dl_dst=fa:16:3e:9c:4d:21", Actions: "load:0->NXM_OF_VLAN_TCI[],load:0x3e9->NXM_NX_TUN_ID[],output:2", Packets: 14, Bytes: 1372, Duration: 212.044, HardTimeout: 300},
		{Table: 0, Priority: 32768, Cookie: "0x0", Actions: "NORMAL", Duration: 1.5},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("raw dump (-want +got):\n%s", diff)
	}
	named, err := ParseDumpFlows(namedDump)
	if err != nil {
		t.Fatal(err)
	}
	if len(named) != 2 || named[0].Match != `in_port="int-br-ex",vlan_tci=0x0000/0x1fff` || named[1].Priority != 65535 {
		t.Errorf("named dump = %+v", named)
	}
	if _, err := ParseDumpFlows(" cookie=0x0, table=0, n_packets=x, priority=1 actions=drop\n"); err == nil {
		t.Error("a non-numeric counter parsed without error")
	}
	if _, err := ParseDumpFlows(" cookie=0x0, table=0, priority=1\n"); err == nil {
		t.Error("a flow without actions parsed without error")
	}
}

// The fallback to ovs-ofctl: argv is asserted, the bridge's management
// socket is named when a run dir is given, a bridge refusing OpenFlow 1.0
// gets -O, and the source says why the socket was not used.
func TestDumpFlowsFallback(t *testing.T) {
	var got [][]string
	fake := run.Runner(func(_ context.Context, name string, args ...string) ([]byte, error) {
		got = append(got, append([]string{name}, args...))
		return []byte(rawDump), nil
	})
	withCLI := func(of *OpenFlow, tool run.Tool) *OpenFlow {
		of.cliOnce.Do(func() { of.cli = tool })
		return of
	}
	dir := t.TempDir() // no sockets: a switch that is gone
	of := withCLI(NewOpenFlow(fake, dir), run.Tool{Program: "ovs-ofctl"})
	_, via, err := of.DumpFlows(context.Background(), "br-int", []string{"OpenFlow13", "OpenFlow14"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(via, "does not allow OpenFlow 1.0 (protocols OpenFlow13,OpenFlow14)") {
		t.Errorf("via = %q", via)
	}
	_, via, err = of.DumpFlows(context.Background(), "br-tun", []string{"OpenFlow10", "OpenFlow13"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(via, "ovs-ofctl (management socket not used: dump flows over "+dir+"/br-tun.mgmt: dial unix") {
		t.Errorf("via = %q", via)
	}
	want := [][]string{
		{"ovs-ofctl", "--timeout=5", "-O", "OpenFlow14", "dump-flows", "unix:" + dir + "/br-int.mgmt"},
		{"ovs-ofctl", "--timeout=5", "dump-flows", "unix:" + dir + "/br-tun.mgmt"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("argv (-want +got):\n%s", diff)
	}
	// A stale socket, left by a switch that is gone: refused, then the CLI.
	ln, err := net.Listen("unix", filepath.Join(dir, "br-old.mgmt"))
	if err != nil {
		t.Fatal(err)
	}
	ln.(*net.UnixListener).SetUnlinkOnClose(false)
	ln.Close()
	if _, via, err = of.DumpFlows(context.Background(), "br-old", nil); err != nil || !strings.Contains(via, "connection refused") {
		t.Errorf("stale socket: via %q, %v", via, err)
	}
	// Through kolla's container when the host has no ovs-ofctl.
	of = withCLI(NewOpenFlow(fake, dir), run.Tool{Program: "ovs-ofctl", Engine: "docker", Container: KollaContainer})
	of.rundir = ""
	got = nil
	if _, via, err = of.DumpFlows(context.Background(), "br-nosuch", []string{"OpenFlow13"}); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got[0], []string{"docker", "exec", "openvswitch_vswitchd", "ovs-ofctl", "--timeout=5", "-O", "OpenFlow13", "dump-flows", "br-nosuch"}) {
		t.Errorf("container argv = %v", got[0])
	}
	if !strings.Contains(via, "docker exec openvswitch_vswitchd") {
		t.Errorf("via = %q", via)
	}
	// No socket and no CLI: both reasons.
	of = NewOpenFlow(fake, dir)
	of.cliOnce.Do(func() { of.cliErr = run.ErrNotFound })
	if _, _, err := of.DumpFlows(context.Background(), "br-ex", nil); err == nil ||
		!strings.Contains(err.Error(), "br-ex.mgmt") || !errors.Is(err, run.ErrNotFound) {
		t.Errorf("no socket, no CLI: %v", err)
	}
}

func TestParseDumpFlowsRejectsNonFiniteDuration(t *testing.T) {
	for _, d := range []string{"nan", "inf", "-Inf"} {
		line := " cookie=0x0, duration=" + d + "s, table=0, n_packets=0, n_bytes=0, priority=1 actions=drop"
		if _, err := ParseDumpFlows("NXST_FLOW reply (xid=0x4):\n" + line + "\n"); err == nil || !strings.Contains(err.Error(), "duration") {
			t.Errorf("duration=%ss: error %v, want one about the duration", d, err)
		}
	}
}

func TestParseFlowLinePriority(t *testing.T) {
	for _, tt := range []struct {
		line, match string
		priority    int
	}{
		{" cookie=0x1, table=0, n_packets=0, n_bytes=0, priority=7,in_port=1 actions=drop", "in_port=1", 7},
		{" cookie=0x1, table=0, n_packets=0, n_bytes=0, priority=3 actions=drop", "", 3},
		{" cookie=0x1, table=0, n_packets=0, n_bytes=0, skb_priority=0x1,priority=10,ip actions=drop", "skb_priority=0x1,ip", 10},
		{" cookie=0x1, table=0, n_packets=0, n_bytes=0, priority=4,skb_priority=0x2 actions=drop", "skb_priority=0x2", 4},
		{" cookie=0x1, table=0, n_packets=0, n_bytes=0, arp,dl_vlan=5 actions=drop", "arp,dl_vlan=5", 32768},
		{" cookie=0x1, table=0, n_packets=0, n_bytes=0, actions=drop", "", 32768},
	} {
		f, err := ParseFlowLine(tt.line)
		if err != nil {
			t.Errorf("%q: %v", tt.line, err)
			continue
		}
		if f.Match != tt.match || f.Priority != tt.priority {
			t.Errorf("%q: match %q priority %d, want %q %d", tt.line, f.Match, f.Priority, tt.match, tt.priority)
		}
	}
}

// OpenFlow 1.3 dumps print flags before the match, followed by a space:
// the match and the priority are what follows them (a bridge limited to
// OpenFlow13 printed these; netinspect/ovstext/testdata/lab).
func TestFlowFlagsBeforeMatch(t *testing.T) {
	f, err := ParseFlowLine(" cookie=0x5e1f0a9d417b3600, duration=5.010s, table=0, n_packets=33, n_bytes=2810, reset_counts priority=1,in_port=1 actions=resubmit(,2)")
	if err != nil || f.Priority != 1 || f.Match != "in_port=1" || f.Table != 0 || f.Actions != "resubmit(,2)" {
		t.Errorf("%+v, %v", f, err)
	}
	f, err = ParseFlowLine("table=2, send_flow_rem check_overlap priority=0 actions=drop")
	if err != nil || f.Priority != 0 || f.Match != "" || f.Table != 2 {
		t.Errorf("%+v, %v", f, err)
	}
}
