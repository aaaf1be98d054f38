package neutron_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/ostopo/ostopo/fixtures/fixturetest"
	"github.com/ostopo/ostopo/netinspect/neutron"
	"github.com/ostopo/ostopo/netinspect/topo"
)

// The lab of fixtures/fixturetest/reallab: snapshots of nodes built by the
// real Neutron 21 (Zed) agents with DVR. r-dvr (93406f47) is distributed,
// its SNAT on netnode; vm6 (10.4.0.56) on compute2 has the floating IP
// 203.0.113.197, served by compute2's fip- namespace.
const (
	labDVRRouter = "93406f47-37ef-418d-9ceb-0f173853a846"
	labExtNet    = "666b3331-2285-42cb-bbda-58c721e28d9b"
	labFIPNS     = "fip-" + labExtNet
)

// realLabFacts decodes a lab snapshot; its Neutron view is left as the
// ostopo that took it derived it.
func realLabFacts(t *testing.T, node string) *topo.Snapshot {
	t.Helper()
	s := fixturetest.RealLab(t, "snap-"+node+".json")
	return s
}

func labRouter(t *testing.T, n *topo.Neutron, id string) *topo.Router {
	t.Helper()
	r := n.Router(id)
	if r == nil {
		t.Fatalf("no router %s", id)
	}
	return r
}

func TestDVRComputeNode(t *testing.T) {
	s := realLabFacts(t, "compute2")
	n := neutron.Derive(s)
	r := labRouter(t, &n, labDVRRouter)
	d := r.DVR
	if r.Kind != "dvr" || d == nil || d.Mode != topo.DVRLocal || len(r.Problems) != 0 || r.Gateway != nil {
		t.Fatalf("router %+v", r)
	}
	if d.ExternalNetworkID != labExtNet || d.FIPNamespace != labFIPNS || !d.FIPNamespacePresent {
		t.Errorf("fip- namespace %q (%s, present %v)", d.FIPNamespace, d.ExternalNetworkID, d.FIPNamespacePresent)
	}
	if d.RFP == nil || d.RFP.Name != "rfp-93406f47-3" || d.RFP.Address != "169.254.88.134/31" || !d.RFP.Up || d.RFP.Peer != "fpr-93406f47-3" ||
		d.FPR == nil || d.FPR.Name != "fpr-93406f47-3" || d.FPR.Address != "169.254.88.135/31" || d.FPR.Namespace != labFIPNS {
		t.Errorf("rfp %+v fpr %+v", d.RFP, d.FPR)
	}
	// fg- is an OVS internal port on br-int in the external network's
	// local VLAN (not on br-ex).
	if g := d.FIPGateway; g == nil || g.Device != "fg-5dae1249-8a" || g.Port != "5dae1249-8a25-4a79-bf16-828a508c7a7a" || g.Address != "203.0.113.165/24" ||
		g.LocalVLAN != 4 || g.NextHop != "203.0.113.1" {
		t.Errorf("fg- %+v", d.FIPGateway)
	}
	if len(d.SNATPorts) != 0 || len(d.SNATRedirects) != 1 || d.SNATRedirects[0] != (topo.SNATRedirect{Device: "qr-7b403c34-07", From: "10.4.0.1/24", Priority: 168034305, Table: 168034305, Via: "10.4.0.220"}) {
		t.Errorf("snat %+v redirects %+v", d.SNATPorts, d.SNATRedirects)
	}
	if d.HostMAC != "fa:16:3f:8b:64:f2" || !slices.Equal(d.RemoteMACs, []string{"fa:16:3f:09:ed:fe", "fa:16:3f:19:a3:19", "fa:16:3f:37:75:f5"}) {
		t.Errorf("DVR MACs %s %v", d.HostMAC, d.RemoteMACs)
	}
	if len(d.MACRewrites) != 1 || d.MACRewrites[0].Bridge != "br-tun" || d.MACRewrites[0].Device != "qr-7b403c34-07" ||
		!strings.Contains(d.MACRewrites[0].Flow, "dl_src=fa:16:3e:e3:f9:78 actions=mod_dl_src:fa:16:3f:8b:64:f2") {
		t.Errorf("MAC rewrites %+v", d.MACRewrites)
	}
	if len(d.ToSrcMAC) != 1 || d.ToSrcMAC[0].Device != "tapce23af72-27" || d.ToSrcMAC[0].MAC != "fa:16:3e:db:22:21" {
		t.Errorf("DVR_TO_SRC_MAC %+v", d.ToSrcMAC)
	}
	if len(r.FloatingIPs) != 1 {
		t.Fatalf("floating IPs %+v", r.FloatingIPs)
	}
	f := r.FloatingIPs[0]
	if f.FloatingIP != "203.0.113.197" || f.FixedIP != "10.4.0.56" || !f.Distributed || !f.FIPRoute || f.RulePriority != 59120 || len(f.Problems) != 0 || len(f.Lacks()) != 0 {
		t.Errorf("floating IP %+v lacks %v", f, f.Lacks())
	}
	// The view of a snapshot taken by an ostopo that knew no DVR parts
	// is worked out from the facts, the same.
	old := &s.Neutron.Routers[0]
	if old.DVR != nil {
		t.Fatal("the recorded view has DVR parts: this test needs one without")
	}
	if got := neutron.DVR(s, old); got == nil || got.FIPNamespace != d.FIPNamespace || got.FIPGateway == nil || *got.FIPGateway != *d.FIPGateway || got.HostMAC != d.HostMAC {
		t.Errorf("DVR of the recorded view: %+v", got)
	}
}

func TestDVRSNATNode(t *testing.T) {
	n := neutron.Derive(realLabFacts(t, "netnode"))
	r := labRouter(t, &n, labDVRRouter)
	d := r.DVR
	if r.Kind != "dvr" || d == nil || d.Mode != topo.DVRSNAT || r.SNATNamespace != "snat-"+labDVRRouter || len(r.Problems) != 0 {
		t.Fatalf("router %+v", r)
	}
	if len(d.SNATPorts) != 1 || d.SNATPorts[0].Device != "sg-28428019-59" || !slices.Equal(d.SNATPorts[0].Addresses, []string{"10.4.0.220/24"}) || d.SNATPorts[0].LocalVLAN != 3 {
		t.Errorf("sg- ports %+v", d.SNATPorts)
	}
	if r.Gateway == nil || r.Gateway.Device != "qg-2fed6a22-43" || r.Gateway.NextHop != "203.0.113.1" {
		t.Errorf("gateway (qg- in snat-) %+v", r.Gateway)
	}
	if d.FIPGateway == nil || d.FIPGateway.Device != "fg-2ecf3186-d0" || d.HostMAC != "fa:16:3f:37:75:f5" || len(r.FloatingIPs) != 0 {
		t.Errorf("fg- %+v, DVR MAC %s, floating IPs %v", d.FIPGateway, d.HostMAC, r.FloatingIPs)
	}
	for _, other := range n.Routers {
		if other.ID != labDVRRouter && (other.DVR != nil || other.Kind == "dvr") {
			t.Errorf("router %s (%s) taken for distributed", other.ID, other.Kind)
		}
	}
	for _, p := range n.Ports {
		if len(p.Problems) > 0 {
			t.Errorf("port %s (%s): %v", p.ID, p.Role, p.Problems)
		}
	}
}

func TestDVRNodesWithoutDistributedRouters(t *testing.T) {
	for _, node := range []string{"compute1", "netnode2"} {
		n := neutron.Derive(realLabFacts(t, node))
		for _, r := range n.Routers {
			if r.Kind == "dvr" || r.DVR != nil {
				t.Errorf("%s: router %s taken for distributed", node, r.ID)
			}
		}
	}
}

// Deleting the fip- namespace takes the veth with it; qrouter- keeps its
// NAT and rules, which still say the router is distributed and which of
// its floating IPs are served here.
func TestDVRFIPNamespaceMissing(t *testing.T) {
	s := realLabFacts(t, "compute2")
	s.Namespaces = slices.DeleteFunc(s.Namespaces, func(ns topo.Namespace) bool { return ns.Name == labFIPNS })
	s.Sources = slices.DeleteFunc(s.Sources, func(src topo.Source) bool { return strings.HasSuffix(src.Name, "/"+labFIPNS) })
	q := s.Namespace("qrouter-" + labDVRRouter)
	q.Links = slices.DeleteFunc(q.Links, func(l topo.Link) bool { return strings.HasPrefix(l.Name, "rfp-") })
	q.Routes = slices.DeleteFunc(q.Routes, func(r topo.Route) bool { return strings.HasPrefix(r.Dev, "rfp-") })
	n := neutron.Derive(s)
	r := labRouter(t, &n, labDVRRouter)
	if r.Kind != "dvr" || r.DVR == nil || r.DVR.FIPNamespacePresent || r.DVR.FIPNamespace != labFIPNS || r.DVR.RFP != nil {
		t.Fatalf("router %+v dvr %+v", r, r.DVR)
	}
	if len(r.Problems) != 1 || !strings.Contains(r.Problems[0], "no "+labFIPNS+" namespace") || !strings.Contains(r.Problems[0], "203.0.113.197") {
		t.Errorf("problems %q", r.Problems)
	}
	if f := r.FloatingIPs[0]; !f.Distributed || f.FIPRoute || !slices.Equal(f.Lacks(), []string{"no fip- route"}) {
		t.Errorf("floating IP %+v lacks %v", f, f.Lacks())
	}
}

func TestDVRFIPRouteMissing(t *testing.T) {
	s := realLabFacts(t, "compute2")
	ns := s.Namespace(labFIPNS)
	ns.Routes = slices.DeleteFunc(ns.Routes, func(r topo.Route) bool { return r.Dst == "203.0.113.197/32" })
	q := s.Namespace("qrouter-" + labDVRRouter)
	q.Rules = slices.DeleteFunc(q.Rules, func(r topo.Rule) bool { return r.Table == 16 })
	n := neutron.Derive(s)
	f := labRouter(t, &n, labDVRRouter).FloatingIPs[0]
	if f.FIPRoute || f.RulePriority != 0 || len(f.Problems) != 2 ||
		!strings.Contains(f.Problems[0], "no route for 203.0.113.197 in "+labFIPNS+" (expected 203.0.113.197/32 via 169.254.88.134 dev fpr-93406f47-3)") ||
		!strings.Contains(f.Problems[1], `no rule "from 10.4.0.56 lookup 16"`) {
		t.Errorf("floating IP %+v", f)
	}
}
