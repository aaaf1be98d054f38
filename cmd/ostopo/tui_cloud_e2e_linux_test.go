//go:build linux

package main

import (
	"strings"
	"testing"
)

// A person's session on a collected cloud: the binary opens --replay-dir
// on the four recorded nodes on its Nodes view, shows the tunnel mesh,
// switches to compute1 (:node with tab completion) and sees its ports
// only, traces a floating IP across the network node and compute1, and
// looks at all nodes' ports under their nodes.
func TestTUICloudEndToEnd(t *testing.T) {
	bin := buildBinary(t)
	dir := tuiCloudDir(t, nil)
	s := startTmux(t, 120, 40, bin, "--replay-dir", dir)

	scr := s.waitFor("ostopo all 4 nodes", "0 Nodes 1 Topology", "● all 4 nodes", "compute1     compute", "netnode2     network")
	if !strings.HasPrefix(s.list(scr)[0], "▌Nodes [5/5]") {
		t.Errorf("not on the Nodes view:\n%s", scr)
	}
	s.send("m")
	scr = s.waitFor("Nodes › Mesh", "▌Mesh [4 nodes, row → column]", "key: 1 compute1  2 compute2  3 netnode  4 netnode2")
	if !strings.Contains(scr, "2 compute2  ok  \\   ok  .") {
		t.Errorf("the mesh's compute2 row:\n%s", scr)
	}
	s.send("m")
	s.waitFor("▌Nodes [5/5]")

	// :node com<tab> completes the common start, 1 makes it compute1.
	s.send(":")
	s.typeText("node com")
	s.send("Tab")
	s.waitFor(":node compute", "nodes: compute1  compute2")
	s.typeText("1")
	s.send("Enter")
	scr = s.waitFor("ostopo compute1 (node 1 of 4)", "▌Topology")
	s.send("5")
	scr = s.waitFor("▌Ports [6/6]", "946772fd-8d2c", "234724c7-0bde")
	if strings.Contains(scr, "0247a8fd-016c") { // netnode's DHCP port
		t.Errorf("another node's port in compute1's scope:\n%s", scr)
	}

	s.send(":")
	s.typeText("trace 203.0.113.143")
	s.send("Enter")
	scr = s.waitFor("trace 203.0.113.143 across 2 nodes", "path complete", "netnode → compute1")
	if !strings.Contains(scr, "✓ netnode ") || !strings.Contains(scr, "✓ compute1 ") || !strings.Contains(scr, "VNI 1853") {
		t.Errorf("the trace does not name each hop's node and the VNI:\n%s", scr)
	}
	s.send("Escape") // the trace closed, then the focus back on the list
	s.waitFor("│▌port ")
	s.send("Escape")
	s.waitFor("▌Ports [6/6]")

	s.send(":")
	s.typeText("node all")
	s.send("Enter")
	scr = s.waitFor("ostopo all 4 nodes", "▼ node compute1  compute  ok", "▼ node compute2")
	s.quit()
}
