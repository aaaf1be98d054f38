package doctor_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/ostopo/ostopo/fixtures/fixturetest"
	"github.com/ostopo/ostopo/netinspect/doctor"
	"github.com/ostopo/ostopo/netinspect/neutron"
	"github.com/ostopo/ostopo/netinspect/topo"
)

// realLab decodes a snapshot of the lab of fixtures/fixturetest/reallab
// (nodes built by the real Neutron 21 agents with DVR); derive works the
// Neutron view out again with this ostopo.
func realLab(t *testing.T, node string, derive bool) *topo.Snapshot {
	t.Helper()
	s := fixturetest.RealLab(t, "snap-"+node+".json")
	if derive {
		s.Neutron = neutron.Derive(s)
	}
	return s
}

// The real DVR nodes are healthy: no finding, from the recorded view or
// this ostopo's. (netnode2's HA standby is left out: its finding is
// another check's.)
func TestRealDVRNodesAreClean(t *testing.T) {
	for _, node := range []string{"compute1", "compute2", "netnode"} {
		for _, derive := range []bool{false, true} {
			if fs := doctor.Run(realLab(t, node, derive)); len(fs) != 0 {
				t.Errorf("%s (derive %v): findings %+v", node, derive, fs)
			}
		}
	}
	for _, derive := range []bool{false, true} {
		for _, f := range doctor.Run(realLab(t, "netnode2", derive)) {
			if strings.Contains(f.Title, "fip-") || slices.ContainsFunc(f.Objects, func(o doctor.Object) bool { return strings.HasPrefix(o.ID, "fip-") }) {
				t.Errorf("netnode2: %+v", f)
			}
		}
	}
}

// compute2 after "ip netns delete fip-…": the router's floating IP is
// DNATed in qrouter- with nothing to bring it there.
func TestDVRFIPNamespaceMissing(t *testing.T) {
	const (
		router = "93406f47-37ef-418d-9ceb-0f173853a846"
		fipNS  = "fip-666b3331-2285-42cb-bbda-58c721e28d9b"
	)
	for _, derive := range []bool{true, false} {
		s := realLab(t, "compute2", false)
		s.Namespaces = slices.DeleteFunc(s.Namespaces, func(ns topo.Namespace) bool { return ns.Name == fipNS })
		s.Sources = slices.DeleteFunc(s.Sources, func(src topo.Source) bool { return strings.HasSuffix(src.Name, "/"+fipNS) })
		q := s.Namespace("qrouter-" + router)
		q.Links = slices.DeleteFunc(q.Links, func(l topo.Link) bool { return strings.HasPrefix(l.Name, "rfp-") })
		q.Routes = slices.DeleteFunc(q.Routes, func(r topo.Route) bool { return strings.HasPrefix(r.Dev, "rfp-") })
		if derive {
			s.Neutron = neutron.Derive(s)
		}
		var found *doctor.Finding
		fs := doctor.Run(s)
		for i := range fs {
			if slices.Contains(fs[i].Objects, doctor.Object{Kind: "namespace", ID: fipNS}) {
				found = &fs[i]
			}
		}
		if found == nil {
			t.Fatalf("derive %v: no finding names %s: %+v", derive, fipNS, fs)
		}
		ev := strings.Join(found.Evidence, "\n")
		if found.Severity != doctor.Error || found.Objects[0] != (doctor.Object{Kind: "router", ID: router}) ||
			!strings.Contains(ev, "203.0.113.197") || !strings.Contains(ev, "no "+fipNS+" namespace") || !strings.Contains(found.Fix, "neutron-l3-agent") {
			t.Errorf("derive %v: %+v", derive, *found)
		}
	}
}
