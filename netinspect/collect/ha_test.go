package collect

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/ostopo/ostopo/fixtures/fixturetest"
	"github.com/ostopo/ostopo/netinspect/topo"
)

const haRouterID = "f45e1aec-d61a-4ee1-97c4-f3f48e191187"

func realLabFile(t *testing.T, name string) string {
	t.Helper()
	return fixturetest.RealLabPath(name)
}

// keepalived.conf as the Zed L3 agent wrote it for the lab's HA router.
func TestParseKeepalivedConf(t *testing.T) {
	b, err := os.ReadFile(realLabFile(t, "keepalived-netnode2.conf"))
	if err != nil {
		t.Fatal(err)
	}
	want := topo.KeepalivedConf{Interface: "ha-ca5a6c5f-08", VRID: 101, VIPs: []topo.KeepalivedVIP{
		{Address: "169.254.0.101/24", Device: "ha-ca5a6c5f-08"},
		{Address: "10.3.0.1/24", Device: "qr-dc6959ca-b3"},
		{Address: "203.0.113.104/32", Device: "qg-5857f130-8c"},
		{Address: "203.0.113.177/24", Device: "qg-5857f130-8c"},
		{Address: "fe80::f816:3eff:fe8e:7dc2/64", Device: "qr-dc6959ca-b3"},
		{Address: "fe80::f816:3eff:fe91:260b/64", Device: "qg-5857f130-8c"},
	}}
	if diff := cmp.Diff(want, ParseKeepalivedConf(string(b))); diff != "" {
		t.Errorf("ParseKeepalivedConf (-want +got):\n%s", diff)
	}
	for in, wantErr := range map[string]string{
		"":        "no vrrp_instance",
		"garbage": "no vrrp_instance",
		"vrrp_instance VR_1 {\n interface ha-x\n virtual_ipaddress_excluded {\n  10.0.0.1/24 dev qr-x\n": "ends inside virtual_ipaddress_excluded",
	} {
		if got := ParseKeepalivedConf(in); !strings.Contains(got.Error, wantErr) {
			t.Errorf("%q: error %q, want %q", in, got.Error, wantErr)
		}
	}
	// Comments, and an address without a device or prefix length.
	got := ParseKeepalivedConf("vrrp_instance VR_2 { # HA\n virtual_ipaddress {\n  10.0.0.9 # the VIP\n ! old: 10.0.0.8/24\n }\n}\n")
	if got.Error != "" || len(got.VIPs) != 1 || got.VIPs[0] != (topo.KeepalivedVIP{Address: "10.0.0.9/32"}) {
		t.Errorf("commented conf: %+v", got)
	}
}

// Each router directory of ha_confs: the state file, or why it was not
// read (unknown, never backup), and keepalived.conf.
func TestReadHAConfs(t *testing.T) {
	dir := t.TempDir()
	conf, err := os.ReadFile(realLabFile(t, "keepalived-netnode.conf"))
	if err != nil {
		t.Fatal(err)
	}
	other := "0b6a6e1c-2f1d-4f55-9a0c-3f1c2d3e4f50"
	for rel, content := range map[string]string{
		"ha_confs/" + haRouterID + "/state":           "primary",
		"ha_confs/" + haRouterID + "/keepalived.conf": string(conf),
		"ha_confs/" + haRouterID + ".pid.keepalived":  "123\n",
		"ha_confs/" + other + "/keepalived.conf":      "vrrp_instance VR_2 {\n",
	} {
		p := filepath.Join(dir, rel)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	files, _, err := ReadAgentFiles(dir)
	if err != nil {
		t.Fatal(err)
	}
	if files.HARouterStates[haRouterID] != "primary" || len(files.HARouterStates) != 1 {
		t.Errorf("states %v", files.HARouterStates)
	}
	if e := files.HAStateErrors[other]; e != "no "+filepath.Join(dir, "ha_confs", other, "state") || len(files.HAStateErrors) != 1 {
		t.Errorf("state errors %v", files.HAStateErrors)
	}
	if c := files.Keepalived[haRouterID]; c.Error != "" || c.Interface != "ha-1a66c787-ef" || len(c.VIPs) != 6 {
		t.Errorf("keepalived.conf %+v", c)
	}
	if c := files.Keepalived[other]; !strings.Contains(c.Error, "cut short") {
		t.Errorf("cut keepalived.conf %+v", c)
	}
}

// What the collector probes on the lab's nodes: the primary's gateway
// address on netnode; nothing on netnode2 (the standby holds none), nor
// in any namespace of a legacy or distributed router.
func TestHAProbeTarget(t *testing.T) {
	for node, want := range map[string]string{"snap-netnode.json": "203.0.113.177 qg-5857f130-8c", "snap-netnode2.json": ""} {
		f, err := os.Open(realLabFile(t, node))
		if err != nil {
			t.Fatal(err)
		}
		s, err := topo.Decode(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for i := range s.Namespaces {
			if ip, gw, ok := HAProbeTarget(&s.Namespaces[i]); ok {
				got = append(got, ip.String()+" "+gw.Name)
				if s.Namespaces[i].Name != "qrouter-"+haRouterID || gw.Index == 0 {
					t.Errorf("%s: probes %s (%+v)", node, s.Namespaces[i].Name, gw)
				}
			}
		}
		if strings.Join(got, ",") != want {
			t.Errorf("%s: targets %q, want %q", node, got, want)
		}
	}
}
