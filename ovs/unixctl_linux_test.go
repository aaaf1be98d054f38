//go:build linux

package ovs

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/ostopo/ostopo/fixtures/lab"
	"github.com/ostopo/ostopo/fixtures/lab/labtest"
	"github.com/ostopo/ostopo/netinspect/run"
)

// On a real ovs-vswitchd (a lab node), the control socket answers what
// ovs-appctl answers: the same trace verdicts, tunnels and datapath, with
// no process started.
func TestUnixCtlOnLabNode(t *testing.T) {
	spec := lab.AllInOne()
	l := labtest.Build(t, spec)
	ctx := context.Background()
	// A runner that fails the test if anything is started: the socket
	// alone must do.
	noExec := run.Runner(func(_ context.Context, name string, args ...string) ([]byte, error) {
		t.Errorf("a process was started: %s %v", name, args)
		return nil, fmt.Errorf("no process")
	})
	a, err := NewAppCtl(ctx, noExec, l.RunDir())
	if err != nil {
		t.Fatal(err)
	}
	if d := a.Describe(); !strings.HasPrefix(d, "control socket "+l.RunDir()) {
		t.Fatalf("Describe: %q", d)
	}
	pid, err := os.ReadFile(filepath.Join(l.RunDir(), "ovs-vswitchd.pid"))
	if err != nil {
		t.Fatal(err)
	}
	cli := &AppCtl{tool: run.Tool{Program: "ovs-appctl"}, runner: run.Exec(l.Env()...),
		target: []string{"-t", filepath.Join(l.RunDir(), "ovs-vswitchd."+strings.TrimSpace(string(pid))+".ctl")}}

	// Every OpenFlow port of every bridge, as a frame to each instance's
	// fixed IP: forwarded, dropped or sent to conntrack, the socket and
	// ovs-appctl must agree.
	ports := regexp.MustCompile(`(?m)^ *(\d+)\(([^)]+)\):`)
	bridges := []string{"br-int", "br-tun", "br-ex"}
	traces := 0
	for _, br := range bridges {
		show, err := run.Exec(l.Env()...)(ctx, "ovs-ofctl", "show", "unix:"+filepath.Join(l.RunDir(), br+".mgmt"))
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range ports.FindAllStringSubmatch(string(show), -1) {
			for _, in := range spec.Instances {
				p := Packet{InPort: atoi(m[1]), DstIP: strings.Split(in.IP, "/")[0], DstMAC: in.MAC}
				// A NORMAL bridge's answer follows its MAC learning
				// table, which the lab's own frames (neighbour
				// discovery) change between two calls: the same
				// question is asked again until two answers in a row
				// agree with each other.
				var got, want string
				var gerr, werr error
				for try := 0; try < 3; try++ {
					got, gerr = a.ProtoTrace(ctx, br, p)
					want, werr = cli.ProtoTrace(ctx, br, p)
					if got == want && (gerr == nil) == (werr == nil) {
						break
					}
				}
				if got != want || (gerr == nil) != (werr == nil) {
					t.Errorf("%s in_port=%s (%s) to %s: socket %q %v, ovs-appctl %q %v", br, m[1], m[2], in.IP, got, gerr, want, werr)
				}
				traces++
			}
		}
	}
	for _, q := range [][]string{{"ofproto/list-tunnels"}, {"dpif/show"}, {"bridge/dump-flows", "br-tun"}} {
		got, err := a.Call(ctx, q[0], q[1:]...)
		want, werr := cli.Call(ctx, q[0], q[1:]...)
		if err != nil || werr != nil || stripCounters(got) != stripCounters(want) {
			t.Errorf("%v: socket %v\n%s\novs-appctl %v\n%s", q, err, got, werr, want)
		}
	}
	// The daemon's own refusal is an error naming it, not a verdict.
	if _, err := a.ProtoTrace(ctx, "br-nope", Packet{InPort: 1}); err == nil || !strings.Contains(err.Error(), "unknown bridge") {
		t.Errorf("unknown bridge: %v", err)
	}
	t.Logf("%d traces the same over the socket and with ovs-appctl", traces)
}

// counterRE matches what moves between two calls on a node with traffic:
// flow ages and counters, the datapath's hit and miss counts.
var counterRE = regexp.MustCompile(`(duration|n_packets|n_bytes|hit|missed)[=:]\d+s?`)

func stripCounters(s string) string { return counterRE.ReplaceAllString(s, "$1=") }

func atoi(s string) int {
	n := 0
	fmt.Sscan(s, &n)
	return n
}
