package ui

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/ostopo/ostopo/fixtures/fixturetest"
	"github.com/ostopo/ostopo/netinspect/topo"
	"github.com/ostopo/ostopo/ui/pane/panetest"
)

// frame is what a key may cost to the next frame (60 Hz).
const frame = 16 * time.Millisecond

// scaleCloud is twenty nodes of the 1000-instance recording (each a node
// of its own name; they share the recording's facts, which the TUI only
// reads).
func scaleCloud(t testing.TB, n int) []*topo.Snapshot {
	s := fixturetest.Load(t, "scale")
	var out []*topo.Snapshot
	for i := 0; i < n; i++ {
		c := *s
		c.Host = fmt.Sprintf("scale-%02d", i+1)
		out = append(out, &c)
	}
	return out
}

// press times keys, each handled by Update and drawn by View, as the
// program does; the commands a key returns (building a scope's views)
// run untimed, as they run beside the screen.
func press(t testing.TB, m *Model, ks ...string) []time.Duration {
	t.Helper()
	var out []time.Duration
	for _, k := range ks {
		start := time.Now()
		_, cmd := m.Update(panetest.Key(k))
		_ = m.View()
		out = append(out, time.Since(start))
		run(t, m, cmd)
	}
	return out
}

// A cloud of twenty 1000-instance nodes stays instant: it opens on its
// Nodes view without building any node's views; moving in the Nodes view
// and the mesh, scoping to a node (which builds that node's views only)
// and moving in the views of one node or of all twenty each take less
// than a frame. Each key's fastest of three rounds is held to the frame,
// so that one pause of a busy machine does not fail it.
func TestCloudScaleStaysInstant(t *testing.T) {
	if testing.Short() {
		t.Skip("timing")
	}
	snaps := scaleCloud(t, 20)
	start := time.Now()
	m := newCloudTest(t, snaps, 160, 48)
	t.Logf("open (the cloud model of 20 nodes and the Nodes view): %v", time.Since(start))
	if len(m.cloud.byNode) != 0 || m.cloud.all != nil {
		t.Fatalf("views built at load: %d nodes, all %v", len(m.cloud.byNode), m.cloud.all != nil)
	}
	check := func(what string, ks ...string) {
		t.Helper()
		rounds := make([][]time.Duration, 3)
		for r := range rounds {
			rounds[r] = press(t, m, ks...)
		}
		var worst time.Duration
		for i := range ks {
			d := min(rounds[0][i], rounds[1][i], rounds[2][i])
			worst = max(worst, d)
			if d > frame && !raceEnabled {
				t.Errorf("%s: key %q takes %v (fastest of 3); a key must draw within %v", what, ks[i], d, frame)
			}
		}
		t.Logf("%s: %d keys, worst (fastest of 3) %v", what, len(ks), worst)
	}
	check("Nodes view", "j", "j", "G", "g", "j", "k")
	check("mesh", "m", "j", "right", "right", "G", "left", "g", "m")
	start = time.Now()
	command(t, m, "node scale-05")
	t.Logf(":node scale-05 (builds its views): %v", time.Since(start))
	if len(m.cloud.byNode) != 1 || m.cloud.all != nil {
		t.Errorf("scoping to one node built %d nodes' views (all: %v)", len(m.cloud.byNode), m.cloud.all != nil)
	}
	check("ports of one node", "5", "j", "j", "G", "g", "2", "1", "0", "j", "5")
	start = time.Now()
	command(t, m, "node all")
	t.Logf(":node all (builds every node's views, then the grouped ones): %v", time.Since(start))
	check("ports of all nodes", "5", "j", "j", "G", "g", "space", "j", "space", "6", "j", "G", "g", "1", "j")
	// Coming back to a scope built before builds nothing.
	before := len(m.cloud.byNode)
	d := press(t, m, ":", "n", "o", "d", "e", " ", "s", "c", "a", "l", "e", "-", "0", "5", "enter")
	if len(m.cloud.byNode) != before || m.cloud.scope != "scale-05" || slices.Max(d) > 10*frame && !raceEnabled {
		t.Errorf("back to scale-05: %d nodes built (was %d), scope %q, slowest key %v", len(m.cloud.byNode), before, m.cloud.scope, slices.Max(d))
	}
}
