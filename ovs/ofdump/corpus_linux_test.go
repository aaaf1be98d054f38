//go:build linux

package ofdump_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ostopo/ostopo/fixtures/lab"
	"github.com/ostopo/ostopo/fixtures/lab/labtest"
	"github.com/ostopo/ostopo/netinspect/topo"
	"github.com/ostopo/ostopo/ovs"
	"github.com/ostopo/ostopo/ovs/ofdump"
)

// The corpus bridges this test adds to the lab node, next to the agent's
// br-int, br-tun and br-ex: one fed over OpenFlow 1.0, as ovs-ofctl and the
// OVS firewall driver write flows, one over OpenFlow 1.3, as neutron's
// native (os-ken) driver does.
const (
	of10Bridge = "br-c10"
	of13Bridge = "br-c13"
)

// meters are the QoS meters corpus13.flows names (neutron's packet and
// bandwidth rate limits), added before its flows.
var meters = []string{
	"meter=1,pktps,burst,band=type=drop,rate=1000,burst_size=100",
	"meter=2,kbps,band=type=drop,rate=10000",
}

// On a real ovs-vswitchd, every flow of every bridge reads over the
// management socket exactly as `ovs-ofctl dump-flows` prints it: the lab's
// agent flows, and corpora of what Neutron's agents install (and the edges
// of the match and action formats), installed over OpenFlow 1.0 and 1.3.
func TestDumpMatchesOvsOfctl(t *testing.T) {
	l := labtest.Build(t, lab.AllInOne())
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	addBridge(ctx, t, l, of10Bridge, "OpenFlow10")
	addBridge(ctx, t, l, of13Bridge, "OpenFlow10,OpenFlow13")
	corpus10, corpus13 := testdata(t, "corpus.flows"), testdata(t, "corpus13.flows")
	mustRun(ctx, t, l, "ovs-ofctl", "add-flows", of10Bridge, corpus10)
	for _, m := range meters {
		mustRun(ctx, t, l, "ovs-ofctl", "-O", "OpenFlow13", "add-meter", of13Bridge, m)
	}
	mustRun(ctx, t, l, "ovs-ofctl", "-O", "OpenFlow13", "add-flows", of13Bridge, corpus13)

	// Every line of a corpus is a flow of its own: none was merged into
	// another or dropped.
	installed := map[string]int{of10Bridge: countFlows(t, corpus10), of13Bridge: countFlows(t, corpus13)}
	for _, br := range []string{"br-int", "br-tun", "br-ex", of10Bridge, of13Bridge} {
		got, want, err := dumpBoth(ctx, t, l, br)
		if err != nil {
			t.Errorf("%s: %v", br, err)
			continue
		}
		if n, ok := installed[br]; ok && len(want) != n {
			t.Errorf("%s: ovs-ofctl dumps %d flows, the corpus has %d", br, len(want), n)
		}
		if len(want) == 0 {
			t.Errorf("%s: no flows", br)
		}
		var diffs []string
		for i := range max(len(got), len(want)) {
			var g, w *topo.Flow
			if i < len(got) {
				g = &got[i]
			}
			if i < len(want) {
				w = &want[i]
			}
			if g == nil || w == nil || withoutCounters(*g) != withoutCounters(*w) {
				diffs = append(diffs, fmt.Sprintf("flow %d:\n  ofdump:    %s\n  ovs-ofctl: %s", i+1, flowText(g), flowText(w)))
			}
		}
		if len(diffs) > 0 {
			t.Errorf("%s: %d of %d flows differ:\n%s", br, len(diffs), len(want), strings.Join(diffs, "\n"))
		}
		t.Logf("%s: %d flows compared", br, len(want))
	}
}

// A flow holding an action or field ofdump does not write fails the whole
// dump with an UnwrittenError naming the flow, while ovs-ofctl prints it.
// Each line of unwritten.flows is installed alone, next to a flow ofdump
// writes: a bridge's flows are all read, or none.
func TestDumpUnwritten(t *testing.T) {
	l := labtest.Build(t, lab.Generate(lab.Shape{Name: "ofdump", LocalIP: "10.30.0.11"}))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	const br, written = "br-unw", "cookie=0xaa,table=0,priority=1,actions=NORMAL"
	addBridge(ctx, t, l, br, "OpenFlow10")
	sock := filepath.Join(l.RunDir(), br+".mgmt")
	lines := flowLines(t, testdata(t, "unwritten.flows"))
	for _, line := range lines {
		mustRun(ctx, t, l, "ovs-ofctl", "del-flows", br)
		mustRun(ctx, t, l, "ovs-ofctl", "add-flow", br, written)
		mustRun(ctx, t, l, "ovs-ofctl", "add-flow", br, line)
		var w *topo.Flow
		want := ofctlDump(ctx, t, l, br)
		for i := range want {
			if want[i].Cookie != "0xaa" {
				w = &want[i]
			}
		}
		if len(want) != 2 || w == nil {
			t.Errorf("%s: ovs-ofctl dumps %d flows, want 2", line, len(want))
			continue
		}
		flows, err := ofdump.Dump(ctx, sock)
		if !ofdump.IsUnwritten(err) {
			t.Errorf("%s: Dump = %v, %v; want an UnwrittenError (ovs-ofctl: %s)", line, flows, err, flowText(w))
			continue
		}
		if flows != nil {
			t.Errorf("%s: Dump returned %d flows with its error", line, len(flows))
		}
		if name := fmt.Sprintf("(table %d, priority %d, cookie %s)", w.Table, w.Priority, w.Cookie); !strings.Contains(err.Error(), name) {
			t.Errorf("%s: error %q does not name the flow %s", line, err, name)
		}
		t.Logf("%s\n  ovs-ofctl: %s\n  ofdump:    %v", line, w.Actions, err)
	}
	t.Logf("%d unwritten flows", len(lines))
}

// dumpBoth dumps a bridge with ofdump between two ovs-ofctl dumps, again
// while the two ovs-ofctl dumps differ (a flow learned or expired between
// them).
func dumpBoth(ctx context.Context, t *testing.T, l *lab.Lab, br string) (got, want []topo.Flow, err error) {
	t.Helper()
	sock := filepath.Join(l.RunDir(), br+".mgmt")
	for attempt := 0; ; attempt++ {
		before := ofctlDump(ctx, t, l, br)
		got, err := ofdump.Dump(ctx, sock)
		if err != nil {
			return nil, nil, err
		}
		after := ofctlDump(ctx, t, l, br)
		if sameFlows(before, after) || attempt == 2 {
			return got, after, nil
		}
	}
}

func ofctlDump(ctx context.Context, t *testing.T, l *lab.Lab, br string) []topo.Flow {
	t.Helper()
	out := mustRun(ctx, t, l, "ovs-ofctl", "dump-flows", "unix:"+filepath.Join(l.RunDir(), br+".mgmt"))
	flows, err := ovs.ParseDumpFlows(out)
	if err != nil {
		t.Fatalf("%s: parse ovs-ofctl dump-flows: %v\n%s", br, err, out)
	}
	return flows
}

func sameFlows(a, b []topo.Flow) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if withoutCounters(a[i]) != withoutCounters(b[i]) {
			return false
		}
	}
	return true
}

// flowText writes a flow's compared fields on one line.
func flowText(f *topo.Flow) string {
	if f == nil {
		return "(none)"
	}
	s := fmt.Sprintf("cookie=%s, table=%d, ", f.Cookie, f.Table)
	if f.IdleTimeout != 0 {
		s += fmt.Sprintf("idle_timeout=%d, ", f.IdleTimeout)
	}
	if f.HardTimeout != 0 {
		s += fmt.Sprintf("hard_timeout=%d, ", f.HardTimeout)
	}
	s += fmt.Sprintf("priority=%d", f.Priority)
	if f.Match != "" {
		s += "," + f.Match
	}
	return s + " actions=" + f.Actions
}

// addBridge adds a netdev bridge with no flows (fail_mode secure) and waits
// for its management socket.
func addBridge(ctx context.Context, t *testing.T, l *lab.Lab, br, protocols string) {
	t.Helper()
	mustRun(ctx, t, l, "ovs-vsctl", "--db="+l.OVSDB(), "--timeout=30",
		"add-br", br, "--", "set", "bridge", br, "datapath_type=netdev", "fail_mode=secure",
		"protocols="+protocols, "other_config:disable-in-band=true")
	sock := filepath.Join(l.RunDir(), br+".mgmt")
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if _, err := os.Stat(sock); err == nil {
			return
		} else if time.Now().After(deadline) {
			t.Fatalf("%s: no management socket: %v", br, err)
		}
	}
}

// mustRun runs an OVS tool with the lab's environment and returns its
// output.
func mustRun(ctx context.Context, t *testing.T, l *lab.Lab, name string, args ...string) string {
	t.Helper()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), l.Env()...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v: %s", name, strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return string(out)
}

func testdata(t *testing.T, name string) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// flowLines are a flows file's flows: its lines without comments and
// blank lines, as ovs-ofctl add-flows reads them.
func flowLines(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		line, _, _ := strings.Cut(sc.Text(), "#")
		if line = strings.TrimSpace(line); line != "" {
			lines = append(lines, line)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(lines) == 0 {
		t.Fatalf("%s: no flows", path)
	}
	return lines
}

func countFlows(t *testing.T, path string) int { return len(flowLines(t, path)) }
