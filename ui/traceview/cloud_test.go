package traceview

import (
	"slices"
	"strings"
	"testing"

	"github.com/ostopo/ostopo/fixtures/fixturetest"
	"github.com/ostopo/ostopo/fixtures/hostile"
	"github.com/ostopo/ostopo/netinspect/cloud"
	"github.com/ostopo/ostopo/netinspect/cloudtrace"
	"github.com/ostopo/ostopo/netinspect/neutron"
	"github.com/ostopo/ostopo/netinspect/topo"
	"github.com/ostopo/ostopo/ui/pane"
	"github.com/ostopo/ostopo/ui/pane/panetest"
)

// crossing is a floating IP of the recorded cloud routed on netnode to an
// instance on compute1, across VNI 1853 (0x73d).
const crossing = "203.0.113.143"

// cloudTrace traces crossing on the recorded cloud; broken deletes
// compute1's br-tun table 4 flow of the VNI first; rename renames the
// nodes (hostile.Names).
func cloudTrace(t *testing.T, broken, rename bool) *cloudtrace.Result {
	t.Helper()
	var snaps []*topo.Snapshot
	for _, f := range []string{"net", "net2", "cmp", "cmp-ovsfw"} {
		s := fixturetest.Load(t, f)
		if broken && s.Host == "compute1" {
			b := s.OVS.Bridge("br-tun")
			b.Flows = slices.DeleteFunc(b.Flows, func(f topo.Flow) bool { return f.Table == 4 && strings.Contains(f.Match, "tun_id=0x73d") })
			s.Neutron = neutron.Derive(s)
			s.Normalize()
		}
		if rename {
			s = hostile.Names(s)
		}
		snaps = append(snaps, s)
	}
	c, err := cloud.New(snaps)
	if err != nil {
		t.Fatal(err)
	}
	r, err := cloudtrace.Trace(c, crossing, cloudtrace.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func openCloud(r *cloudtrace.Result, w, h int) *Model {
	m := NewCloud(panetest.Context(nil), r)
	m.SetSize(w, h)
	m.SetFocus(true)
	return m
}

// A trace across the cloud: the verdict first, naming the node of the
// break; each hop its node; the crossing with both nodes' local VLANs and
// the VNI, whole (it wraps); the first broken hop open and marked; y the
// broken hop's next: command, Y the trace as Markdown with its nodes.
func TestCloudTrace(t *testing.T) {
	m := openCloud(cloudTrace(t, true, false), 80, 40)
	if m.Title() != "trace "+crossing+" across 2 nodes" {
		t.Errorf("title %q", m.Title())
	}
	view := m.View()
	lines := strings.Split(view, "\n")
	if !strings.HasPrefix(panetest.Bare(lines[0]), "path BROKEN at hop ") || !strings.Contains(view, "on compute1 (tunnel_bridge") {
		t.Errorf("the verdict is not first, naming compute1:\n%s", view)
	}
	joined := strings.Join(strings.Fields(view), " ")
	if !strings.Contains(joined, "crossing: netnode (10.30.0.11) local VLAN 1 → vxlan-0a1e0015, VNI 1853 → compute1 (10.30.0.21) local VLAN 1") {
		t.Errorf("the crossing is not shown whole:\n%s", view)
	}
	var marked []string
	for _, l := range lines {
		if strings.Contains(l, "first break ▶") {
			marked = append(marked, l)
		}
	}
	if len(marked) != 1 || !strings.Contains(marked[0], "✗ compute1") || !strings.Contains(view, "expected:") {
		t.Errorf("the first broken hop is not marked once, open, on compute1: %q\n%s", marked, view)
	}
	for _, l := range lines {
		if strings.Contains(l, "▸ ") && !strings.Contains(l, " netnode ") && !strings.Contains(l, " compute1 ") {
			t.Errorf("a hop names no node: %q", l)
		}
	}
	msg, ok := press(m, "y").(pane.CopyMsg)
	if !ok || !strings.Contains(msg.Text, "ovs-") {
		t.Errorf("y copies %+v", msg)
	}
	md, ok := press(m, "Y").(pane.CopyMsg)
	if !ok || !strings.Contains(md.Text, "netnode") || !strings.Contains(md.Text, "compute1") || !strings.Contains(md.Text, "VNI 1853") {
		t.Errorf("Y copies %+v", md)
	}
	// Complete: no mark.
	if v := openCloud(cloudTrace(t, false, false), 80, 40).View(); !strings.HasPrefix(panetest.Bare(v), "path complete") || strings.Contains(v, "first break ▶") {
		t.Errorf("complete trace:\n%s", v)
	}
	// Node names holding escape sequences are shown escaped.
	h := openCloud(cloudTrace(t, true, true), 120, 60)
	hostile.CheckTerminal(t, "cloud trace", []byte(h.View()))
	if !strings.Contains(h.View(), `compute1\x1b]0;pwned`) {
		t.Errorf("the node is not named, escaped:\n%s", h.View())
	}
}

// TestCloudGolden holds the broken trace across the cloud at 80×24.
func TestCloudGolden(t *testing.T) {
	golden(t, "cloud-broken-80x24", openCloud(cloudTrace(t, true, false), 80, 24).View())
}
