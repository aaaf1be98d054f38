//go:build linux

package collect

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/ostopo/ostopo/netinspect/topo"
)

// The collector's probe of an HA router's gateway address, in namespaces
// the test makes: a switch, the router's namespace here (an ha- device
// and qg- holding the address, as on the primary) and the other node's
// port, with the same MAC (one Neutron port on both nodes). The probe is
// recorded as a source and a fact, unanswered while the other node holds
// nothing, answered once it holds the address too.
func TestHAProberBetweenNamespaces(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root (network namespaces)")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skip("needs ip (iproute2)")
	}
	p := fmt.Sprintf("ostopo-hap%d", os.Getpid())
	sw, here, other := p+"-sw", "qrouter-"+haRouterID+"-"+p, p+"-other"
	t.Cleanup(func() {
		for _, ns := range []string{sw, here, other} {
			exec.Command("ip", "netns", "del", ns).Run()
		}
	})
	ip := func(args ...string) {
		t.Helper()
		if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
			t.Fatalf("ip %s: %v: %s", strings.Join(args, " "), err, out)
		}
	}
	for _, ns := range []string{sw, here, other} {
		ip("netns", "add", ns)
	}
	ip("-n", sw, "link", "add", "br0", "type", "bridge")
	ip("-n", sw, "link", "set", "br0", "up")
	for _, n := range []struct{ ns, dev, port string }{{here, "qg-5857f130-8c", "p1"}, {other, "qg-other", "p2"}} {
		ip("link", "add", n.dev, "netns", n.ns, "type", "veth", "peer", n.port, "netns", sw)
		ip("-n", sw, "link", "set", n.port, "master", "br0", "up")
		ip("-n", n.ns, "link", "set", n.dev, "address", "fa:16:3e:91:26:0b")
		ip("-n", n.ns, "link", "set", n.dev, "up")
	}
	ip("-n", here, "addr", "add", "203.0.113.177/24", "dev", "qg-5857f130-8c")
	ip("-n", here, "addr", "add", "203.0.113.104/32", "dev", "qg-5857f130-8c")

	// The namespace as the collector reads it (its ha- device is only
	// named: the probe does not use it).
	read := func() *topo.Namespace {
		out, err := exec.Command("ip", "-n", here, "-o", "link", "show", "qg-5857f130-8c").Output()
		if err != nil {
			t.Fatal(err)
		}
		var index int
		fmt.Sscanf(string(out), "%d:", &index)
		return &topo.Namespace{Name: here, Kind: topo.NSRouter, ID: haRouterID, Links: []topo.Link{
			{Name: "ha-1a66c787-ef", Index: 2},
			{Name: "qg-5857f130-8c", Index: index, MAC: "fa:16:3e:91:26:0b", Addrs: []topo.Addr{
				{Prefix: "203.0.113.177/24", Scope: "global"}, {Prefix: "203.0.113.104/32", Scope: "global"}}},
		}}
	}
	probe := func() ([]topo.ARPProbe, []topo.Source, time.Duration) {
		var rec recorder
		p := newHAProber(context.Background(), &rec)
		start := time.Now()
		p.consider(nsFile{Name: here, Path: "/run/netns/" + here}, read())
		probes := p.wait()
		return probes, rec.sources, time.Since(start)
	}

	probes, srcs, took := probe()
	if len(probes) != 1 || probes[0].Answered || probes[0].Address != "203.0.113.177" || probes[0].Device != "qg-5857f130-8c" || probes[0].Namespace != here {
		t.Fatalf("probe with no other holder: %+v", probes)
	}
	if len(srcs) != 1 || srcs[0].Name != "arp-probe/"+here || !srcs[0].OK || !strings.Contains(srcs[0].Detail, "no answer in") {
		t.Errorf("sources %+v", srcs)
	}
	if took > haProbeTimeout+500*time.Millisecond {
		t.Errorf("an unanswered probe took %v (timeout %v)", took, haProbeTimeout)
	}

	ip("-n", other, "addr", "add", "203.0.113.177/24", "dev", "qg-other")
	probes, srcs, _ = probe()
	if len(probes) != 1 || !probes[0].Answered || probes[0].From != "fa:16:3e:91:26:0b" || !strings.Contains(srcs[0].Detail, "answered from fa:16:3e:91:26:0b") {
		t.Errorf("probe with the other node holding the address: %+v %+v", probes, srcs)
	}

	// A namespace that is gone: the probe's source says why, no fact.
	var rec recorder
	hp := newHAProber(context.Background(), &rec)
	hp.consider(nsFile{Name: here, Path: "/run/netns/" + p + "-nosuch"}, read())
	if got := hp.wait(); len(got) != 0 || len(rec.sources) != 1 || rec.sources[0].OK || rec.sources[0].Error == "" {
		t.Errorf("gone namespace: %+v %+v", got, rec.sources)
	}
}
