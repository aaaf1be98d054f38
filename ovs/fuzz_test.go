package ovs

// Fuzz targets for what ovs reads from the node's OVS: ovs-ofctl
// dump-flows text, OVSDB rows (JSON from ovsdb-server) and ovs-appctl
// ofproto/trace output. `.ci/fuzz` runs each for a bounded time; crashers
// go to testdata/fuzz/<target>/ and are replayed by plain `go test`.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/ostopo/ostopo/fixtures"
	"github.com/ostopo/ostopo/netinspect/neutron"
	"github.com/ostopo/ostopo/netinspect/run"
	"github.com/ostopo/ostopo/netinspect/topo"
)

// renderFlow writes a flow back as ovs-ofctl dump-flows prints it, every
// field ParseFlowLine reads included.
func renderFlow(f topo.Flow) string {
	var b strings.Builder
	b.WriteString(" cookie=" + f.Cookie)
	b.WriteString(", duration=" + strconv.FormatFloat(f.Duration, 'f', -1, 64) + "s")
	b.WriteString(", table=" + strconv.Itoa(f.Table))
	b.WriteString(", n_packets=" + strconv.FormatUint(f.Packets, 10))
	b.WriteString(", n_bytes=" + strconv.FormatUint(f.Bytes, 10))
	if f.IdleTimeout != 0 {
		b.WriteString(", idle_timeout=" + strconv.Itoa(f.IdleTimeout))
	}
	if f.HardTimeout != 0 {
		b.WriteString(", hard_timeout=" + strconv.Itoa(f.HardTimeout))
	}
	b.WriteString(", idle_age=3, priority=" + strconv.Itoa(f.Priority))
	if f.Match != "" {
		b.WriteString("," + f.Match)
	}
	b.WriteString(" actions=" + f.Actions)
	return b.String()
}

// FuzzParseDumpFlows feeds the dump-flows reader arbitrary text. Every
// flow it reads must read back the same when written out again, both as
// ovs-ofctl prints it (renderFlow, all fields) and as ostopo shows it to
// operators (neutron.FlowText: table, priority, match, actions); the
// actions are text of the input, durations are finite (JSON has no NaN),
// and there are no more flows than lines. The flow accessors Derive,
// doctor and trace use are checked on every flow read (checkFlowFields):
// a target of their own would cost .ci/fuzz another turn.
func FuzzParseDumpFlows(f *testing.F) {
	f.Add(rawDump)
	f.Add(namedDump)
	for _, name := range []string{"aio", "bad", "cmp", "net"} {
		s, err := fixtures.Load(name)
		if err != nil {
			f.Fatal(err)
		}
		for _, b := range s.OVS.Bridges {
			var dump strings.Builder
			dump.WriteString("NXST_FLOW reply (xid=0x4):\n")
			for _, fl := range b.Flows {
				dump.WriteString(renderFlow(fl) + "\n")
			}
			f.Add(dump.String())
		}
	}
	for _, s := range []string{
		"",
		"\n\n",
		"OFPST_FLOW reply (OF1.3) (xid=0x2):\n",
		" cookie=0x0, table=0, n_packets=x, priority=1 actions=drop\n",
		" cookie=0x0, table=0, priority=1\n",
		" cookie=0x0, duration=nan" + "s, table=0, actions=drop\n",
		" cookie=0x0, duration=1e309s, table=99999999999999999999, n_packets=18446744073709551616, actions=drop\n",
		" cookie=0x0, table=-1, n_bytes=-1, priority=-2147483649,priority=+7 actions=\n",
		" actions=actions=actions=\r\n",
		" priority=1,,, ,, actions=drop\n",
		" x=1 , y=2,, actions= drop ,\n",
		" priority=,in_port=\"a, b\" actions=output:\"a, b\"\n",
		" \x1b]0;pwned\x07, \x00=\x00, \xff\xfe actions=\x1b[2J\u2028\n",
		"reply\n reply actions=reply\nNXST_FLOW reply\n",
		" cookie=" + strings.Repeat("0", 1000) + ", table=0, priority=1 actions=" + strings.Repeat("output:1,", 500) + "\n",
		// For the flow accessors: VLAN and tunnel actions in both
		// spellings, numbers past int, unbalanced parentheses.
		" table=0, priority=1,tun_id=0x3e9 actions=mod_vlan_vid:1,resubmit(,10)\n",
		" table=0, priority=1,dl_vlan=1 actions=strip_vlan,load:0x3e9->NXM_NX_TUN_ID[],output:3,output:\"vxlan-0a00000b\"\n",
		" table=0, priority=1 actions=push_vlan:0x8100,set_field:4097->vlan_vid,set_field:0x3e9->tun_id\n",
		" table=0, priority=1,dl_vlan=99999999999999999999,tun_id=-0x8000000000000000 actions=mod_vlan_vid:-1,set_tunnel64:0xffffffffffffffff,set_field:0x7fffffff->vlan_vid\n",
		" table=0, priority=1,in_port=\"\",dl_vlan=,= actions=),(,,)),output:,output:\"\",set_tunnel:\n",
		" table=0, priority=1,\x00\x1b[2J=\xff actions=((((((((((,output:\x1b[31m\n",
	} {
		f.Add(s)
	}

	f.Fuzz(func(t *testing.T, text string) {
		flows, err := ParseDumpFlows(text)
		if err != nil {
			if flows != nil {
				t.Errorf("flows and an error: %v", err)
			}
			return
		}
		if flows == nil {
			t.Fatal("neither flows nor an error")
		}
		if lines := strings.Count(text, "\n") + 1; len(flows) > lines {
			t.Errorf("%d flows from %d lines", len(flows), lines)
		}
		for _, fl := range flows {
			checkFlowFields(t, fl)
			if math.IsNaN(fl.Duration) || math.IsInf(fl.Duration, 0) {
				t.Errorf("duration %v", fl.Duration)
			}
			// ("0x0" is the cookie of a line that gives none.)
			if !strings.Contains(text, fl.Actions) || fl.Cookie != "0x0" && !strings.Contains(text, fl.Cookie) {
				t.Errorf("actions %q or cookie %q are no text of the input", fl.Actions, fl.Cookie)
			}

			line := renderFlow(fl)
			again, err := ParseFlowLine(line)
			if err != nil {
				t.Fatalf("%+v written back as %q does not parse: %v", fl, line, err)
			}
			if diff := cmp.Diff(fl, again); diff != "" {
				t.Fatalf("written back as %q and read again (-first +again):\n%s", line, diff)
			}

			shown := neutron.FlowText(&fl)
			again, err = ParseFlowLine(shown)
			if err != nil {
				t.Fatalf("FlowText %q does not parse: %v", shown, err)
			}
			if again.Table != fl.Table || again.Priority != fl.Priority || again.Match != fl.Match || again.Actions != fl.Actions {
				t.Fatalf("FlowText %q reads as table %d, priority %d, match %q, actions %q; want %d, %d, %q, %q",
					shown, again.Table, again.Priority, again.Match, again.Actions, fl.Table, fl.Priority, fl.Match, fl.Actions)
			}
		}
	})
}

// checkFlowFields holds the flow accessors (MatchField, MatchInt,
// ActionList, ModVLAN, SetTunnelID, Outputs), which Derive, doctor and
// trace use on every flow of a snapshot, to their word: ActionList cuts
// the actions without losing or adding a byte, and every other answer
// comes from what it cut.
func checkFlowFields(t *testing.T, fl topo.Flow) {
	t.Helper()
	match, actions := fl.Match, fl.Actions
	list := fl.ActionList()
	joined := strings.Join(list, ",")
	if joined != actions && joined+"," != actions {
		t.Fatalf("ActionList(%q) = %q, which joins to %q", actions, list, joined)
	}
	if len(list) > strings.Count(actions, ",")+1 {
		t.Errorf("ActionList(%q) has %d actions", actions, len(list))
	}
	if utf8.ValidString(actions) {
		for _, a := range list {
			if !utf8.ValidString(a) {
				t.Errorf("action %q cut a character of %q", a, actions)
			}
		}
	}
	var outputs []string
	for _, a := range list {
		if v, ok := strings.CutPrefix(a, "output:"); ok {
			outputs = append(outputs, strings.Trim(v, `"`))
		}
	}
	if diff := cmp.Diff(outputs, fl.Outputs()); diff != "" {
		t.Errorf("Outputs(%q) are not the output: actions (-actions +Outputs):\n%s", actions, diff)
	}
	// The numbers come from the actions that say them. (A number that
	// does not parse gives ok == false and a value to ignore, as every
	// caller does.)
	hasAction := func(prefixes ...string) bool {
		for _, a := range list {
			for _, p := range prefixes {
				if strings.HasPrefix(a, p) {
					return true
				}
			}
		}
		return false
	}
	if v, ok := fl.ModVLAN(); ok && !hasAction("mod_vlan_vid:", "set_field:") {
		t.Errorf("ModVLAN(%q) = %d from no VLAN action", actions, v)
	}
	if v, ok := fl.SetTunnelID(); ok && !hasAction("load:", "set_field:", "set_tunnel:", "set_tunnel64:") {
		t.Errorf("SetTunnelID(%q) = %d from no tunnel action", actions, v)
	}
	for _, key := range []string{"in_port", "dl_vlan", "tun_id", "", match} {
		v, ok := fl.MatchField(key)
		if !ok {
			if v != "" {
				t.Errorf("MatchField(%q) = %q, absent", key, v)
			}
			continue
		}
		if !strings.Contains(match, v) {
			t.Errorf("MatchField(%q) of %q = %q, not in the match", key, match, v)
		}
		if _, ok := fl.MatchInt(key); ok && strings.Trim(v, "+-0123456789abcdefABCDEFxXoObB_") != "" {
			t.Errorf("MatchInt(%q) of %q read %q as a number", key, match, v)
		}
	}
}

// decodeAtomsRows are TestDecodeAtoms' hand-written rows: a controller, a
// manager, a set of one, trunks, a reference to a row that vanished.
const decodeAtomsRows = `{
 "Open_vSwitch": [{"_uuid": ["uuid","root"], "ovs_version": "3.3.1", "bridges": ["uuid","b1"],
   "manager_options": ["uuid","m1"], "external_ids": ["map", [["system-id","net1"]]]}],
 "Manager": [{"_uuid": ["uuid","m1"], "target": "ptcp:6640:127.0.0.1", "is_connected": true}],
 "Controller": [{"_uuid": ["uuid","c1"], "target": "tcp:127.0.0.1:6633", "is_connected": false, "role": "other", "inactivity_probe": ["set",[10000]]}],
 "Bridge": [{"_uuid": ["uuid","b1"], "name": "br-int", "controller": ["uuid","c1"], "fail_mode": ["set",[]],
   "ports": ["set", [["uuid","p1"], ["uuid","gone"]]], "protocols": ["set",["OpenFlow13","OpenFlow10"]]}],
 "Port": [{"_uuid": ["uuid","p1"], "name": "tap0d9e8f7a-6b", "tag": 4095, "trunks": ["set",[4095]],
   "vlan_mode": "trunk", "interfaces": ["uuid","i1"], "other_config": ["map",[]]}],
 "Interface": [{"_uuid": ["uuid","i1"], "name": "tap0d9e8f7a-6b", "type": "internal", "ofport": ["set",[]],
   "mtu": 1450, "error": "could not open network device tap0d9e8f7a-6b (No such device)"}]
}`

// FuzzDecodeRows feeds the OVSDB row decoder arbitrary JSON as
// ovsdb-server might send it. What it decodes must be the same every
// time (it decodes two tables side by side), hold each Bridge, Port and
// Interface row at most once (a row in two places would be two devices
// in the snapshot, and repeated references would multiply bridges by
// ports by interfaces), keep the bridges in name order, and go through
// the snapshot codec unchanged.
func FuzzDecodeRows(f *testing.F) {
	rows, err := os.ReadFile(filepath.Join("testdata", "rows-aio.json"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(rows)
	f.Add([]byte(decodeAtomsRows))
	for _, s := range []string{
		`{}`,
		`{"Open_vSwitch": []}`,
		`{"Open_vSwitch": [{}, {}]}`,
		`{"Open_vSwitch": [{"_uuid": ["uuid"], "bridges": ["set"], "external_ids": ["map"]}]}`,
		`{"Open_vSwitch": [{"_uuid": "root", "bridges": ["set", [["uuid", 1], ["uuid", null], ["set", []], 7]]}]}`,
		// Numbers past int, strings where numbers go, a map of non-strings.
		`{"Open_vSwitch": [{"_uuid": ["uuid","r"], "bridges": ["uuid","b"]}],
		  "Bridge": [{"_uuid": ["uuid","b"], "name": "\u001b[2J\u0000", "ports": ["uuid","p"], "other_config": ["map", [[1, 2], ["k"], ["k", ["uuid","u"]], ["k", ["set", [1]]], [null, true]]]}],
		  "Port": [{"_uuid": ["uuid","p"], "tag": 1e308, "trunks": ["set", [-1e308, 4096, 1.5, "x"]], "interfaces": ["set", [["uuid","i"]]]}],
		  "Interface": [{"_uuid": ["uuid","i"], "ofport": -1, "mtu": ["set", [1e19]], "options": ["map", [["remote_ip", 1e400]]]}]}`,
		// The same row referenced twice, and from two places.
		`{"Open_vSwitch": [{"_uuid": ["uuid","r"], "bridges": ["set", [["uuid","b"], ["uuid","b"], ["uuid","c"]]]}],
		  "Bridge": [{"_uuid": ["uuid","b"], "name": "br-b", "ports": ["set", [["uuid","p"], ["uuid","p"]]]},
		             {"_uuid": ["uuid","c"], "name": "br-c", "ports": ["uuid","p"]}],
		  "Port": [{"_uuid": ["uuid","p"], "name": "p", "interfaces": ["set", [["uuid","i"], ["uuid","i"]]]},
		           {"_uuid": ["uuid","p"], "name": "p-again"}],
		  "Interface": [{"_uuid": ["uuid","i"], "name": "i"}]}`,
	} {
		f.Add([]byte(s))
	}

	f.Fuzz(func(t *testing.T, data []byte) {
		var raw Raw
		if err := json.Unmarshal(data, &raw); err != nil {
			return // not rows: the OVSDB client rejects it before Decode
		}
		out, err := Decode(raw)
		if err != nil {
			if len(raw["Open_vSwitch"]) == 1 {
				t.Fatalf("Decode failed with one root row: %v", err)
			}
			return
		}
		if len(raw["Open_vSwitch"]) != 1 {
			t.Fatalf("Decode succeeded with %d root rows", len(raw["Open_vSwitch"]))
		}
		again, err := Decode(raw)
		if err != nil {
			t.Fatalf("second Decode: %v", err)
		}
		if diff := cmp.Diff(out, again); diff != "" {
			t.Fatalf("two Decodes of the same rows differ (-first +second):\n%s", diff)
		}
		if !slices.IsSortedFunc(out.Bridges, func(a, b topo.Bridge) int { return strings.Compare(a.Name, b.Name) }) {
			t.Errorf("bridges out of name order")
		}
		seen := map[string]bool{}
		once := func(table, uuid string) {
			if seen[table+"/"+uuid] {
				t.Errorf("%s row %q appears twice in the decoded state", table, uuid)
			}
			seen[table+"/"+uuid] = true
		}
		for _, b := range out.Bridges {
			once("Bridge", b.UUID)
			for _, p := range b.Ports {
				once("Port", p.UUID)
				for _, i := range p.Interfaces {
					once("Interface", i.UUID)
				}
			}
		}

		s := &topo.Snapshot{OVS: out}
		var enc bytes.Buffer
		if err := topo.Encode(&enc, s); err != nil {
			t.Fatalf("encode the decoded state: %v", err)
		}
		if enc.Len() > 16*len(data)+4096 {
			t.Errorf("%d bytes of rows became %d bytes of snapshot", len(data), enc.Len())
		}
		back, err := topo.Decode(&enc)
		if err != nil {
			t.Fatalf("decode the encoded state: %v", err)
		}
		if diff := cmp.Diff(s.OVS, back.OVS, cmpopts.EquateEmpty()); diff != "" {
			t.Fatalf("the decoded state through the snapshot codec (-decoded +again):\n%s", diff)
		}
	})
}

// FuzzProtoTrace feeds ProtoTrace arbitrary ofproto/trace output (through
// the runner seam, as if ovs-appctl printed it) and arbitrary packet
// fields (they come from a snapshot's ports). The verdict must be the
// "Datapath actions:" lines of the output (one per pass), each trimmed
// and without semicolons (or "drop" when its translation failed),
// joined on one line; without
// such a line there is an error, never an empty verdict (which reads as
// "drops it").
func FuzzProtoTrace(f *testing.F) {
	const trace = `Flow: ip,in_port=1,vlan_tci=0x0000,dl_src=fa:16:3e:00:00:01,dl_dst=fa:16:3e:00:00:02,nw_src=10.0.0.1,nw_dst=10.0.0.2,nw_proto=0,nw_tos=0,nw_ecn=0,nw_ttl=0,nw_frag=no

bridge("br-int")
----------------
 0. in_port=1, priority 9, cookie 0x8c2f5e0a9d417b36
    goto_table:60
60. priority 3, cookie 0x8c2f5e0a9d417b36
    NORMAL
     -> forwarding to learned port

Final flow: unchanged
Megaflow: recirc_id=0,eth,ip,in_port=1,dl_src=fa:16:3e:00:00:01,dl_dst=fa:16:3e:00:00:02,nw_frag=no
Datapath actions: push_vlan(vid=1,pcp=0),2
`
	f.Add(trace, "fa:16:3e:00:00:01", "10.0.0.2", 1, 0, false)
	f.Add(strings.Replace(trace, "push_vlan(vid=1,pcp=0),2", "drop", 1), "", "", 0, 4095, false)
	f.Add(strings.Replace(trace, "Final flow: unchanged", "Final flow: ip,in_port=LOCAL,dl_vlan=1", 1), "fa:16:3e:00:00:01", "", 65534, 1, false)
	f.Add("Datapath actions: \r\nDatapath actions: 3\n", "", "", 1, 0, true)
	f.Add("Datapath actions: ct(zone=3),recirc(0x5)\n\n===\nrecirc(0x5) - resume conntrack with default ct_state=trk|new (use --ct-next to customize)\n===\nDatapath actions: 5\n", "", "", 1, 3, false)
	f.Add("Datapath actions: 3\nTranslation failed (Recursion too deep), packet is dropped.\n", "", "", 1, 0, false)
	f.Add("ovs-appctl: br-x: unknown bridge\n", "", "", 1, 0, true)
	f.Add("Flow: in_port=1,dl_vlan=99999999,tcp,tp_src=x\nDatapath actions: 1\n", "", "", 1, 0, false)
	f.Add("Flow: =,==,ct_state=+trk,ct_mark=0x\nFinal flow: in_port=\nDatapath actions:\x1b[2J\x00", "zz:zz", "999.1.1.1", -1, -1, false)
	f.Add("", "fa:16:3e:00:00:01,actions=drop", "10.0.0.1\nDatapath actions: 1", 1<<40, 1<<20, false)

	f.Fuzz(func(t *testing.T, output, mac, ip string, inPort, vlan int, fail bool) {
		runner := run.Runner(func(context.Context, string, ...string) ([]byte, error) {
			if fail {
				return []byte(output), errors.New("exit status 2")
			}
			return []byte(output), nil
		})
		a := &AppCtl{tool: run.Tool{Program: "ovs-appctl"}, runner: runner}
		p := Packet{InPort: inPort, VLAN: vlan, SrcMAC: mac, DstMAC: mac, SrcIP: ip, DstIP: ip}
		got, err := a.ProtoTrace(context.Background(), "br-int", p)
		if err != nil {
			if got != "" {
				t.Errorf("verdict %q and an error: %v", got, err)
			}
			return
		}
		var want []string
		for line := range strings.Lines(output) {
			if v, ok := strings.CutPrefix(strings.TrimSuffix(line, "\n"), "Datapath actions: "); ok {
				want = append(want, strings.ReplaceAll(strings.TrimSpace(v), ";", ","))
			}
		}
		if len(want) == 0 {
			t.Fatalf("verdict %q from output with no Datapath actions line:\n%q", got, output)
		}
		passes := strings.Split(got, PassSeparator)
		if len(passes) != len(want) {
			t.Fatalf("verdict %q has %d passes, want %d (one per Datapath actions line)", got, len(passes), len(want))
		}
		for i := range want {
			if passes[i] != want[i] && passes[i] != "drop" {
				t.Errorf("pass %d of verdict %q is %q, want %q (its Datapath actions line)", i+1, got, passes[i], want[i])
			}
		}
		if strings.ContainsAny(got, "\n") {
			t.Errorf("verdict of more than a line: %q", got)
		}
	})
}
