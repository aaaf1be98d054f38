//go:build linux

package arpprobe

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/ostopo/ostopo/netinspect/netnsx"
	"golang.org/x/sys/unix"
)

// dadLab is an HA router's two qg- ports on one provider segment, in
// namespaces the test makes (nothing outside them is touched): a switch
// (a Linux bridge, learning as any switch does) and two nodes, a and b,
// whose ports share one MAC, as the two instances of an HA router's
// gateway port do (one Neutron port on both nodes).
type dadLab struct{ sw, a, b string }

const (
	dadMAC = "fa:16:3e:91:26:0b"
	dadIP  = "203.0.113.177"
)

func newDADLab(t *testing.T) *dadLab {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root (network namespaces)")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skip("needs ip (iproute2)")
	}
	p := fmt.Sprintf("ostopo-dad%d", os.Getpid())
	l := &dadLab{sw: p + "-sw", a: p + "-a", b: p + "-b"}
	t.Cleanup(func() {
		for _, ns := range []string{l.sw, l.a, l.b} {
			exec.Command("ip", "netns", "del", ns).Run()
		}
	})
	cmds := [][]string{
		{"netns", "add", l.sw}, {"netns", "add", l.a}, {"netns", "add", l.b},
		{"-n", l.sw, "link", "add", "br0", "type", "bridge"},
		{"-n", l.sw, "link", "set", "br0", "up"},
	}
	for _, n := range []struct{ ns, dev, port string }{{l.a, "qga", "pa"}, {l.b, "qgb", "pb"}} {
		cmds = append(cmds,
			[]string{"link", "add", n.dev, "netns", n.ns, "type", "veth", "peer", n.port, "netns", l.sw},
			[]string{"-n", l.sw, "link", "set", n.port, "master", "br0", "up"},
			[]string{"-n", n.ns, "link", "set", n.dev, "address", dadMAC},
			[]string{"-n", n.ns, "link", "set", n.dev, "up"})
	}
	for _, args := range cmds {
		if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
			t.Fatalf("ip %s: %v: %s", strings.Join(args, " "), err, out)
		}
	}
	return l
}

// hold puts the gateway address on a node's port, as keepalived does on
// a primary.
func (l *dadLab) hold(t *testing.T, ns, dev string) {
	t.Helper()
	if out, err := exec.Command("ip", "-n", ns, "addr", "add", dadIP+"/24", "dev", dev).CombinedOutput(); err != nil {
		t.Fatalf("ip addr add: %v: %s", err, out)
	}
}

// probe runs a's duplicate-address probe: the socket is opened in a's
// namespace, the wait is outside it, as the collector does.
func (l *dadLab) probe(t *testing.T) Answer {
	t.Helper()
	var c *Conn
	if err := netnsx.Do("/run/netns/"+l.a, func() error {
		var err error
		c, err = Open("qga")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ans, err := c.Duplicate(context.Background(), netip.MustParseAddr(dadIP), 500*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	return ans
}

// An HA router active on two nodes: b holds the gateway address too, and
// answers a's probe although both ports have one MAC. a holding the
// address itself (it is the primary) does not answer its own probe; b not
// holding it (the standby it should be) answers nothing.
func TestDuplicateBetweenNamespaces(t *testing.T) {
	l := newDADLab(t)
	if ans := l.probe(t); ans.From != nil || ans.Sent != 1 {
		t.Fatalf("nobody holds %s: answer %+v", dadIP, ans)
	}
	l.hold(t, l.a, "qga")
	start := time.Now()
	if ans := l.probe(t); ans.From != nil {
		t.Fatalf("only a holds %s: answered from %v (its own kernel?)", dadIP, ans.From)
	} else if ans.Waited < 400*time.Millisecond || time.Since(start) > 2*time.Second {
		t.Errorf("unanswered probe waited %v (%v in all); want the whole 500ms and no more than a little", ans.Waited, time.Since(start))
	}
	l.hold(t, l.b, "qgb")
	ans := l.probe(t)
	if ans.From.String() != dadMAC || ans.Waited > 400*time.Millisecond {
		t.Fatalf("b holds %s too: answer %+v; want one from %s at once", dadIP, ans, dadMAC)
	}
}

// Why the probe's sender hardware address is ProbeMAC and not the port's:
// an answer is sent to it, and with the two ports' one MAC the switch has
// just learnt it on b's port, the one the answer comes in by: dropped.
func TestDuplicateAnswerToSharedMACIsLost(t *testing.T) {
	l := newDADLab(t)
	l.hold(t, l.a, "qga")
	l.hold(t, l.b, "qgb")
	var c *Conn
	if err := netnsx.Do("/run/netns/"+l.a, func() error {
		var err error
		c, err = Open("qga")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ip := netip.MustParseAddr(dadIP)
	req := Packet(OpRequest, c.MAC(), netip.IPv4Unspecified(), make(net.HardwareAddr, 6), ip)
	_, err := Ask(context.Background(), c.f, req, c.broadcast(), 300*time.Millisecond, 1, ARPWords(), ip, "qga",
		func(b []byte, _ unix.Sockaddr) (net.HardwareAddr, bool) { return ProbeAnswer(b, ip) })
	if _, none := err.(*NoAnswer); !none {
		t.Errorf("a probe from the shared MAC: %v; want no answer (the switch drops it as a hairpin)", err)
	}
	if ans := l.probe(t); ans.From == nil {
		t.Error("a probe from ProbeMAC: no answer")
	}
}
