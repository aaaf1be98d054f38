package report

import (
	"github.com/ostopo/ostopo/netinspect/doctor"
	"github.com/ostopo/ostopo/netinspect/topo"
	"github.com/ostopo/ostopo/ui/diagram"
)

// pageOptions lay the drawing out for a page: lanes wrap at 200 cells
// (1,600 pixels, shrunk to the page's width), and each shows its broken
// chains first, then pageHealthy healthy ones (the ports table lists
// every port).
func pageOptions() diagram.Options { return diagram.Options{Width: 200, Healthy: pageHealthy} }

const pageHealthy = 6

// SVG is the node's drawing alone: the TUI's diagram, drawn by
// diagram.SVG.
func SVG(s *topo.Snapshot) string {
	return diagram.SVG(diagram.Build(s, doctor.Examine(s), pageOptions()))
}
