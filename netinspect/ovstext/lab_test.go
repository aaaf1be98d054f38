package ovstext

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/ostopo/ostopo/netinspect/topo"
)

// liveFile holds, beside a lab node's recorded outputs, the OVS state the
// live collector read from the same node.
const liveFile = "live-ovs.json"

// The lab node's outputs, recorded by TestLabImportMatchesLive -record,
// import to what the live collector read of that node.
func TestRecordedLab(t *testing.T) {
	dir := filepath.Join("testdata", "lab")
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		files[e.Name()] = b
	}
	var live topo.OVS
	if err := json.Unmarshal(files[liveFile], &live); err != nil {
		t.Fatal(err)
	}
	checkImport(t, files, live)
}

// checkImport imports a node's outputs the ways the sos versions hold
// them and compares each with the live collector's read of the node.
func checkImport(t *testing.T, files map[string][]byte, live topo.OVS) {
	t.Helper()
	text := func(name string) string {
		b, ok := files[name]
		if !ok {
			t.Fatalf("no %s among the outputs", name)
		}
		return string(b)
	}
	var openflow []Part
	for _, br := range []string{"br-int", "br-tun", "br-ex"} {
		for _, o := range []string{"", "-O_OpenFlow13_"} {
			openflow = append(openflow,
				FromPortDesc("ovs-ofctl_"+o+"show_"+br, text("ovs-ofctl_"+o+"show_"+br)),
				FromPortDesc("ovs-ofctl_"+o+"dump-ports-desc_"+br, text("ovs-ofctl_"+o+"dump-ports-desc_"+br)),
				FromFlows("ovs-ofctl_"+o+"dump-flows_"+br, br, strings.Trim(strings.TrimPrefix(o, "-O"), "_"), text("ovs-ofctl_"+o+"dump-flows_"+br)))
		}
	}
	show := FromShow("ovs-vsctl_-t_5_show", text("ovs-vsctl_-t_5_show"))
	lists := []Part{
		FromList("ovs-vsctl_-t_5_list_interface", "Interface", text("ovs-vsctl_-t_5_list_interface")),
		FromList("ovs-vsctl_-t_5_list_bridge", "Bridge", text("ovs-vsctl_-t_5_list_bridge")),
		FromList("ovs-vsctl_-t_5_list_Open_vSwitch", "Open_vSwitch", text("ovs-vsctl_-t_5_list_Open_vSwitch")),
	}
	dump := FromDump("ovsdb-client_-f_list_dump", text("ovsdb-client_-f_list_dump"))
	confdb := FromConfDB("var/lib/openvswitch/conf.db", files["conf.db"])
	for _, p := range append(slices.Concat(openflow, lists), show, dump, confdb) {
		plainBrTun := strings.HasPrefix(p.Origin, "ovs-ofctl_") && strings.HasSuffix(p.Origin, "_br-tun") && !strings.Contains(p.Origin, "OpenFlow13")
		if p.Err != nil && !plainBrTun {
			t.Fatalf("%s: %v", p.Origin, p.Err)
		}
	}
	// What an input lacks is unknown: zero in the model.
	noRole := func(o *topo.OVS) {
		forControllers(o, func(c *topo.Controller) { c.Role, c.InactivityProbe = "", 0 })
	}
	noRuntime := func(o *topo.OVS) {
		for i := range o.Managers {
			o.Managers[i].IsConnected = false
		}
		forControllers(o, func(c *topo.Controller) { c.IsConnected, c.Role = false, "" })
		forInterfaces(o, func(i *topo.Interface) { i.LinkState, i.AdminState, i.MTU = "", "", 0 })
	}
	noPortTable := func(o *topo.OVS) {
		noRole(o)
		for i := range o.Bridges {
			for j := range o.Bridges[i].Ports {
				p := &o.Bridges[i].Ports[j]
				p.UUID, p.VLANMode, p.ExternalIDs, p.OtherConfig = "", "", nil, nil
			}
		}
	}
	for _, v := range []struct {
		name   string
		parts  []Part
		lacks  func(*topo.OVS)
		failed []string
	}{
		{"sos 4.0-4.2 (show, lists, ovsdb-client dump)", slices.Concat(openflow, lists, []Part{show, dump}), nil, nil},
		{"ovsdb-client dump and flows", slices.Concat(openflow, []Part{dump}), nil, nil},
		// sos 4.3 and later: the role of a controller is lost (no
		// output has it), its inactivity_probe is in conf.db.
		{"sos 4.3 and later (show, lists, conf.db)", slices.Concat(openflow, lists, []Part{show, confdb}),
			func(o *topo.OVS) { forControllers(o, func(c *topo.Controller) { c.Role = "" }) }, []string{SourceControllerRole}},
		// conf.db alone holds no runtime column.
		{"conf.db and flows", slices.Concat(openflow, []Part{confdb}), noRuntime,
			[]string{SourceInterfaceState, SourceConnectionState, SourceControllerRole}},
		// Without the Port table (no dump, no conf.db: sos 3.9, or a
		// folder of pasted outputs), ports come from show: no uuid, no
		// other_config.
		{"show and lists", slices.Concat(openflow, lists, []Part{show}), noPortTable,
			[]string{SourcePortConfig, SourceControllerRole}},
	} {
		got, srcs := Merge(v.parts...)
		want := comparable(t, live)
		if v.lacks != nil {
			v.lacks(&want)
		}
		if d := cmp.Diff(want, comparable(t, got)); d != "" {
			t.Errorf("%s: import differs from the live read (-live +import):\n%s", v.name, d)
		}
		wantFailed(t, v.name, srcs, v.failed...)
	}
}

func forControllers(o *topo.OVS, f func(*topo.Controller)) {
	for i := range o.Bridges {
		for j := range o.Bridges[i].Controllers {
			f(&o.Bridges[i].Controllers[j])
		}
	}
}

func forInterfaces(o *topo.OVS, f func(*topo.Interface)) {
	for i := range o.Bridges {
		for j := range o.Bridges[i].Ports {
			for k := range o.Bridges[i].Ports[j].Interfaces {
				f(&o.Bridges[i].Ports[j].Interfaces[k])
			}
		}
	}
}

// wantFailed checks that exactly the named sources were not read.
func wantFailed(t *testing.T, what string, srcs []topo.Source, names ...string) {
	t.Helper()
	var failed []string
	for _, s := range srcs {
		if !s.OK {
			failed = append(failed, s.Name)
			if !strings.HasPrefix(s.Error, "not collected: ") {
				t.Errorf("%s: source %s: error %q does not say not collected", what, s.Name, s.Error)
			}
		}
	}
	if !slices.Equal(failed, names) {
		t.Errorf("%s: sources not read = %v, want %v", what, failed, names)
	}
}

// comparable is an OVS state as two reads of the same node agree on:
// the same JSON, sorted, with the flows' counters and ages (which change
// from one read to the next) zeroed.
func comparable(t *testing.T, o topo.OVS) topo.OVS {
	t.Helper()
	b, err := json.Marshal(o)
	if err != nil {
		t.Fatal(err)
	}
	var out topo.OVS
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	s := topo.Snapshot{OVS: out}
	s.Normalize()
	for i := range s.OVS.Bridges {
		for j := range s.OVS.Bridges[i].Flows {
			f := &s.OVS.Bridges[i].Flows[j]
			f.Duration, f.Packets, f.Bytes = 0, 0, 0
		}
	}
	return s.OVS
}
