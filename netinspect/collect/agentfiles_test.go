package collect

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/ostopo/ostopo/netinspect/topo"
)

func TestParseDHCPHosts(t *testing.T) {
	in := `fa:16:3e:1a:2b:3c,host-10-10-0-12.openstacklocal,10.10.0.12
fa:16:3e:4b:9a:10,host-10-10-0-1.openstacklocal,10.10.0.1,set:port-5c6e1f0b-2a3b-4c5d-8e6f-7a8b9c0d1e2f
FA:16:3E:00:00:01,tag:dhcpv6,host-2001-db8--5.openstacklocal,[2001:db8::5]
# comment
garbage line
`
	want := []topo.DHCPHost{
		{MAC: "fa:16:3e:00:00:01", Hostname: "host-2001-db8--5.openstacklocal", IP: "2001:db8::5"},
		{MAC: "fa:16:3e:1a:2b:3c", Hostname: "host-10-10-0-12.openstacklocal", IP: "10.10.0.12"},
		{MAC: "fa:16:3e:4b:9a:10", Hostname: "host-10-10-0-1.openstacklocal", IP: "10.10.0.1", PortID: "5c6e1f0b-2a3b-4c5d-8e6f-7a8b9c0d1e2f"},
	}
	if diff := cmp.Diff(want, ParseDHCPHosts(in)); diff != "" {
		t.Errorf("ParseDHCPHosts (-want +got):\n%s", diff)
	}
}

func TestReadAgentFiles(t *testing.T) {
	dir := t.TempDir()
	net := "5b1c7e2a-8d3f-4a6b-9c0d-1e2f3a4b5c6d"
	write := func(rel, content string) {
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("dhcp/"+net+"/host", "fa:16:3e:1a:2b:3c,host-10-10-0-12.openstacklocal,10.10.0.12\n")
	write("dhcp/"+net+"/interface", "tap3f9a2b1c-7d\n")
	write("dhcp/not-a-network/host", "fa:16:3e:ff:ff:ff,x,10.0.0.1\n")
	write("ha_confs/7d2f3c1a-b4e5-4f60-8a91-b2c3d4e5f607/state", "primary\n")
	got, where, err := ReadAgentFiles(dir)
	if err != nil || where != dir {
		t.Fatalf("ReadAgentFiles = %v, %q", err, where)
	}
	want := topo.AgentFiles{
		StateDir: dir,
		DHCP: []topo.DHCPNetwork{{NetworkID: net, Dir: filepath.Join(dir, "dhcp", net), Interface: "tap3f9a2b1c-7d",
			Hosts: []topo.DHCPHost{{MAC: "fa:16:3e:1a:2b:3c", Hostname: "host-10-10-0-12.openstacklocal", IP: "10.10.0.12"}}}},
		HARouterStates: map[string]string{"7d2f3c1a-b4e5-4f60-8a91-b2c3d4e5f607": "primary"},
		Keepalived: map[string]topo.KeepalivedConf{"7d2f3c1a-b4e5-4f60-8a91-b2c3d4e5f607": {VIPs: []topo.KeepalivedVIP{},
			Error: "no " + filepath.Join(dir, "ha_confs/7d2f3c1a-b4e5-4f60-8a91-b2c3d4e5f607/keepalived.conf")}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ReadAgentFiles (-want +got):\n%s", diff)
	}
	if _, _, err := ReadAgentFiles(filepath.Join(dir, "nope")); err == nil {
		t.Error("a missing --neutron-state-dir was not reported")
	}
}

// A host file that is a FIFO (which would block the scan) or a link to
// /dev/zero (which would fill memory) is an error naming it, and the rest
// of the state dir is still read.
func TestReadAgentFilesBoundsWhatItReads(t *testing.T) {
	dir := t.TempDir()
	fifoNet, zeroNet := "5b1c7e2a-8d3f-4a6b-9c0d-1e2f3a4b5c6d", "6b1c7e2a-8d3f-4a6b-9c0d-1e2f3a4b5c6d"
	for _, n := range []string{fifoNet, zeroNet} {
		os.MkdirAll(filepath.Join(dir, "dhcp", n), 0o755)
	}
	if err := syscall.Mkfifo(filepath.Join(dir, "dhcp", fifoNet, "host"), 0o600); err != nil {
		t.Fatal(err)
	}
	os.Symlink("/dev/zero", filepath.Join(dir, "dhcp", zeroNet, "host"))
	done := make(chan struct{})
	var got topo.AgentFiles
	var err error
	go func() {
		got, _, err = ReadAgentFiles(dir)
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("ReadAgentFiles blocked on a FIFO")
	}
	if err == nil || !strings.Contains(err.Error(), filepath.Join(fifoNet, "host")) || !strings.Contains(err.Error(), filepath.Join(zeroNet, "host")) {
		t.Errorf("err = %v", err)
	}
	if len(got.DHCP) != 2 {
		t.Errorf("networks read: %+v", got.DHCP)
	}
}
