package trace_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/ostopo/ostopo/fixtures/fixturetest"
	"github.com/ostopo/ostopo/netinspect/neutron"
	"github.com/ostopo/ostopo/netinspect/topo"
	"github.com/ostopo/ostopo/netinspect/trace"
)

// The snapshots in fixtures/fixturetest/reallab were taken by ostopo on the nodes of a
// lab run by the real Neutron 21 (Zed) agents with DVR (see its README):
// compute2 hosts vm6 (10.4.0.56, port ce23af72) on dvr-net behind the
// distributed router r-dvr (93406f47), with its floating IP 203.0.113.197
// served by compute2's fip- namespace; netnode (dvr_snat) holds r-dvr's
// snat- namespace.
const (
	dvrRouter  = "93406f47-37ef-418d-9ceb-0f173853a846"
	dvrExtNet  = "666b3331-2285-42cb-bbda-58c721e28d9b"
	dvrFIP     = "203.0.113.197"
	dvrFixed   = "10.4.0.56"
	dvrPort    = "ce23af72-2791-42c6-b8a7-8c06f4640c7b"
	dvrFIPNS   = "fip-" + dvrExtNet
	dvrRouterN = "qrouter-" + dvrRouter
)

// realLab decodes a snapshot of the lab. derive: work the Neutron view out
// again with this ostopo (the files hold the view of the ostopo that took
// them, as --replay shows it).
func realLab(t *testing.T, node string, derive bool) *topo.Snapshot {
	t.Helper()
	s := fixturetest.RealLab(t, "snap-"+node+".json")
	if derive {
		s.Neutron = neutron.Derive(s)
	}
	return s
}

// dropNamespace removes a namespace and the records of reading it, as a
// snapshot taken after "ip netns delete" has it.
func dropNamespace(s *topo.Snapshot, name string) {
	s.Namespaces = slices.DeleteFunc(s.Namespaces, func(ns topo.Namespace) bool { return ns.Name == name })
	s.Sources = slices.DeleteFunc(s.Sources, func(src topo.Source) bool {
		_, ns, _ := strings.Cut(src.Name, "/")
		return ns == name
	})
}

// dropLink removes a device and what rests on it from a namespace (the
// rfp- end of the veth dies with the fip- namespace holding its peer).
func dropLink(s *topo.Snapshot, ns, dev string) {
	n := s.Namespace(ns)
	n.Links = slices.DeleteFunc(n.Links, func(l topo.Link) bool { return l.Name == dev })
	n.Routes = slices.DeleteFunc(n.Routes, func(r topo.Route) bool { return r.Dev == dev })
	n.Neighbors = slices.DeleteFunc(n.Neighbors, func(nb topo.Neighbor) bool { return nb.Dev == dev })
}

// withoutFIPNamespace is compute2 after "ip netns delete fip-…": the
// namespace gone, and with it the fpr-⇄rfp- veth; OVS keeps its fg-
// port (without a device) and qrouter- its NAT and rules.
func withoutFIPNamespace(t *testing.T, keepRFP bool) *topo.Snapshot {
	s := realLab(t, "compute2", false)
	dropNamespace(s, dvrFIPNS)
	if !keepRFP {
		dropLink(s, dvrRouterN, "rfp-93406f47-3")
	}
	s.Neutron = neutron.Derive(s)
	return s
}

const dvrInbound = "provider_nic physical_bridge patch integration_bridge fip_namespace fpr_rfp router router_interface tap"

func TestDVRFloatingIPOnCompute(t *testing.T) {
	for _, derive := range []bool{true, false} {
		s := realLab(t, "compute2", derive)
		for _, in := range []string{dvrFIP, dvrFixed, dvrPort, "ce23af72"} {
			r, err := trace.Trace(s, in, trace.Options{})
			if err != nil {
				t.Fatalf("derive=%v trace %s: %v", derive, in, err)
			}
			if got := kinds(r); got != dvrInbound || !r.Complete || r.BrokenAt != nil {
				t.Fatalf("derive=%v trace %s: path %q complete=%v broken=%v; want %q complete\n%s", derive, in, got, r.Complete, r.BrokenAt, dvrInbound, trace.Text(r, s.Host))
			}
			if r.FloatingIP != dvrFIP || r.FixedIP != dvrFixed || r.PortID != dvrPort || r.RouterID != dvrRouter {
				t.Errorf("trace %s resolved to %s → %s port %s router %s", in, r.FloatingIP, r.FixedIP, r.PortID, r.RouterID)
			}
		}
		r, _ := trace.Trace(s, dvrFIP, trace.Options{})
		fg, veth, router := r.Hops[4], r.Hops[5], r.Hops[6]
		ev := strings.Join(fg.Evidence, "\n")
		if fg.Device != "fg-5dae1249-8a" || fg.Namespace != dvrFIPNS || fg.Bridge != "br-int" || fg.VLAN != 4 ||
			!strings.Contains(ev, "route 203.0.113.197/32 via 169.254.88.134 dev fpr-93406f47-3") ||
			!strings.Contains(ev, "address 203.0.113.165/24 on fg-5dae1249-8a") || !strings.Contains(ev, "proxy ARP") {
			t.Errorf("fip- hop: %+v", fg)
		}
		if veth.Device != "fpr-93406f47-3 ⇄ rfp-93406f47-3" || !strings.Contains(strings.Join(veth.Evidence, "\n"), "rfp-93406f47-3 169.254.88.134/31") {
			t.Errorf("veth hop: %+v", veth)
		}
		if !strings.Contains(strings.Join(router.Evidence, "\n"), "-i rfp-93406f47-3 -j DNAT --to-destination 10.4.0.56") {
			t.Errorf("router hop: %+v", router)
		}
		// Both fip- and qrouter- route: a ping through the floating IP
		// comes back with TTL 62.
		var ttl []string
		for _, h := range r.Hops {
			if h.DecrementsTTL {
				ttl = append(ttl, h.Kind)
			}
		}
		if strings.Join(ttl, " ") != "fip_namespace router" {
			t.Errorf("routing hops %v", ttl)
		}
		// The packet ofproto/trace is given on br-ex is addressed to fg-.
		if p := r.Hops[1].Packet; p == nil || p.DstMAC != "fa:16:3e:1e:8e:61" || p.DstIP != dvrFIP {
			t.Errorf("physical bridge packet %+v", p)
		}
	}
}

func TestDVRFloatingIPOutbound(t *testing.T) {
	s := realLab(t, "compute2", true)
	r, err := trace.Trace(s, dvrFIP, trace.Options{Reverse: true})
	if err != nil {
		t.Fatal(err)
	}
	want := "tap router_interface router fpr_rfp fip_namespace integration_bridge patch physical_bridge provider_nic"
	if got := kinds(r); got != want || !r.Complete {
		t.Fatalf("path %q complete=%v; want %q\n%s", got, r.Complete, want, trace.Text(r, s.Host))
	}
	router := strings.Join(r.Hops[2].Evidence, "\n")
	for _, e := range []string{"-j SNAT --to-source 203.0.113.197", "rule 59120: from 10.4.0.56/32 lookup 16", "table 16: route default via 169.254.88.135 dev rfp-93406f47-3"} {
		if !strings.Contains(router, e) {
			t.Errorf("router hop lacks %q:\n%s", e, router)
		}
	}
	if fip := strings.Join(r.Hops[4].Evidence, "\n"); !strings.Contains(fip, "from all iif fpr-93406f47-3 lookup 2852018311") || !strings.Contains(fip, "default via 203.0.113.1 dev fg-5dae1249-8a") {
		t.Errorf("fip- hop outbound:\n%s", fip)
	}
	// Without the rule to table 16 the instance's traffic does not leave
	// with its floating IP: broken at the router.
	ns := s.Namespace(dvrRouterN)
	ns.Rules = slices.DeleteFunc(ns.Rules, func(r topo.Rule) bool { return r.Table == 16 })
	r, _ = trace.Trace(s, dvrFIP, trace.Options{Reverse: true})
	if r.BrokenAt == nil || r.Hops[*r.BrokenAt].Kind != trace.KindRouter || !strings.Contains(r.Hops[*r.BrokenAt].Problem, "lookup 16") {
		t.Errorf("without the table 16 rule:\n%s", trace.Text(r, s.Host))
	}
}

func TestDVRNoFIPNamespace(t *testing.T) {
	for _, keepRFP := range []bool{false, true} {
		s := withoutFIPNamespace(t, keepRFP)
		r, err := trace.Trace(s, dvrFIP, trace.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if r.BrokenAt == nil {
			t.Fatalf("keepRFP=%v: not broken\n%s", keepRFP, trace.Text(r, s.Host))
		}
		h := r.Hops[*r.BrokenAt]
		if h.Kind != trace.KindFIPNamespace || h.Namespace != dvrFIPNS || !strings.Contains(h.Problem, "no "+dvrFIPNS+" namespace") {
			t.Errorf("keepRFP=%v: broken at %s %s: %s\n%s", keepRFP, h.Kind, h.Namespace, h.Problem, trace.Text(r, s.Host))
		}
		// The provider side up to br-int still holds (OVS keeps fg-).
		for _, p := range r.Hops[:*r.BrokenAt] {
			if !p.OK {
				t.Errorf("keepRFP=%v: hop %s before the break is not OK: %s", keepRFP, p.Kind, p.Problem)
			}
		}
		if strings.Contains(trace.Text(r, s.Host), "router has no gateway port") {
			t.Errorf("keepRFP=%v: the legacy gateway verdict on a DVR router:\n%s", keepRFP, trace.Text(r, s.Host))
		}
	}
	// With the fg- port gone from OVS as well, nothing on the node
	// carries the external network: the fip- namespace is still the break.
	s := realLab(t, "compute2", false)
	dropNamespace(s, dvrFIPNS)
	dropLink(s, dvrRouterN, "rfp-93406f47-3")
	br := s.OVS.Bridge("br-int")
	br.Ports = slices.DeleteFunc(br.Ports, func(p topo.Port) bool { return strings.HasPrefix(p.Name, "fg-") })
	s.Neutron = neutron.Derive(s)
	r, err := trace.Trace(s, dvrFIP, trace.Options{})
	if err != nil || r.BrokenAt == nil || *r.BrokenAt != 0 || r.Hops[0].Kind != trace.KindFIPNamespace {
		t.Errorf("no fg- either: %v\n%s", err, trace.Text(r, s.Host))
	}
}

func TestDVRNoFIPRoute(t *testing.T) {
	s := realLab(t, "compute2", false)
	ns := s.Namespace(dvrFIPNS)
	ns.Routes = slices.DeleteFunc(ns.Routes, func(r topo.Route) bool { return r.Dst == "203.0.113.197/32" })
	s.Neutron = neutron.Derive(s)
	r, err := trace.Trace(s, dvrFIP, trace.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if r.BrokenAt == nil || r.Hops[*r.BrokenAt].Kind != trace.KindFIPNamespace || !strings.Contains(r.Hops[*r.BrokenAt].Problem, "no route for 203.0.113.197") ||
		r.Hops[*r.BrokenAt].Expected != "203.0.113.197/32 via 169.254.88.134 dev fpr-93406f47-3" {
		t.Errorf("without the floating IP's route:\n%s", trace.Text(r, s.Host))
	}
}

func TestDVRPortsByTheirOwnAddress(t *testing.T) {
	s := realLab(t, "compute2", true)
	for _, c := range []struct{ in, want string }{
		{"qr-7b403c34-07", "router_interface"},
		{"10.4.0.1", "router_interface"},
		{"fg-5dae1249-8a", "provider_nic physical_bridge patch integration_bridge fip_namespace"},
		{"203.0.113.165", "provider_nic physical_bridge patch integration_bridge fip_namespace"},
	} {
		r, err := trace.Trace(s, c.in, trace.Options{})
		if err != nil {
			t.Fatalf("trace %s: %v", c.in, err)
		}
		if got := kinds(r); got != c.want || !r.Complete {
			t.Errorf("trace %s: %q complete=%v, want %q\n%s", c.in, got, r.Complete, c.want, trace.Text(r, s.Host))
		}
	}
	n := realLab(t, "netnode", true)
	for _, c := range []struct{ in, want string }{
		{"sg-28428019-59", "router_snat"}, {"10.4.0.220", "router_snat"}, {"10.4.0.2", "dhcp"}, {"10.4.0.1", "router_interface"},
	} {
		r, err := trace.Trace(n, c.in, trace.Options{})
		if err != nil || kinds(r) != c.want || !r.Complete {
			t.Errorf("netnode: trace %s: %v %q, want %q", c.in, err, kinds(r), c.want)
		}
		if c.want == "router_snat" && r.Hops[0].Namespace != "snat-"+dvrRouter {
			t.Errorf("sg- hop %+v", r.Hops[0])
		}
	}
}

func TestDVRSNATNode(t *testing.T) {
	for _, derive := range []bool{true, false} {
		s := realLab(t, "netnode", derive)
		// The distributed floating IP is not here: it lives in compute2's
		// fip- namespace, and the trace says where to look.
		_, err := trace.Trace(s, dvrFIP, trace.Options{})
		if !errors.Is(err, trace.ErrUnknown) || !strings.Contains(err.Error(), "fip- namespace of the compute node") || trace.ExitCode(nil, err) != 2 {
			t.Errorf("derive=%v trace %s on the SNAT node: %v", derive, dvrFIP, err)
		}
		// An instance of the router's subnet, as one without a floating
		// IP uses it: snat- with its SNAT rule, sg-, and over the tunnel
		// to compute2.
		r, err := trace.Trace(s, dvrFixed, trace.Options{})
		if err != nil {
			t.Fatalf("derive=%v: %v", derive, err)
		}
		want := "snat_namespace router_snat patch tunnel_bridge tunnel"
		if got := kinds(r); got != want || !r.Complete || strings.Join(r.ContinuesAt, ",") != "10.30.0.22" {
			t.Fatalf("derive=%v: path %q complete=%v continues %v; want %q\n%s", derive, got, r.Complete, r.ContinuesAt, want, trace.Text(r, s.Host))
		}
		if ev := strings.Join(r.Hops[0].Evidence, "\n"); !strings.Contains(ev, "-o qg-2fed6a22-43 -j SNAT --to-source 203.0.113.113") || !strings.Contains(ev, "route 10.4.0.0/24 dev sg-28428019-59") {
			t.Errorf("snat- hop:\n%s", ev)
		}
		if sg := r.Hops[1]; sg.Device != "sg-28428019-59" || sg.VLAN != 3 {
			t.Errorf("sg- hop %+v", sg)
		}
		r, err = trace.Trace(s, dvrFixed, trace.Options{Reverse: true})
		if err != nil || !r.Complete || !strings.HasSuffix(kinds(r), "router_snat snat_namespace") ||
			!strings.Contains(strings.Join(r.Hops[len(r.Hops)-1].Evidence, "\n"), "route default via 203.0.113.1 dev qg-2fed6a22-43") {
			t.Errorf("derive=%v outbound: %v\n%s", derive, err, trace.Text(r, s.Host))
		}
	}
}

// A floating IP whose instance is not on the node leaves by br-tun; a
// distributed router's frame does so with the node's DVR MAC, which
// br-tun table 1 writes over the qr- MAC every node shares.
func TestDVRMACRewriteLeavingBrTun(t *testing.T) {
	elsewhere := func(t *testing.T) *topo.Snapshot {
		s := realLab(t, "compute2", false)
		br := s.OVS.Bridge("br-int")
		br.Ports = slices.DeleteFunc(br.Ports, func(p topo.Port) bool { return p.Name == "tapce23af72-27" })
		root := s.Root()
		root.Links = slices.DeleteFunc(root.Links, func(l topo.Link) bool { return l.Name == "tapce23af72-27" })
		return s
	}
	s := elsewhere(t)
	s.Neutron = neutron.Derive(s)
	r, err := trace.Trace(s, dvrFIP, trace.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var tb *trace.Hop
	for i := range r.Hops {
		if r.Hops[i].Kind == trace.KindTunnelBridge {
			tb = &r.Hops[i]
		}
	}
	if tb == nil || !strings.Contains(strings.Join(tb.Evidence, "\n"), "dl_src=fa:16:3e:e3:f9:78 actions=mod_dl_src:fa:16:3f:8b:64:f2") || !tb.OK {
		t.Fatalf("br-tun hop without the DVR MAC rewrite:\n%s", trace.Text(r, s.Host))
	}
	// Without that flow the frames leave with the shared qr- MAC.
	s = elsewhere(t)
	tun := s.OVS.Bridge("br-tun")
	tun.Flows = slices.DeleteFunc(tun.Flows, func(f topo.Flow) bool {
		return f.Table == 1 && strings.Contains(f.Actions, "mod_dl_src:")
	})
	s.Neutron = neutron.Derive(s)
	r, _ = trace.Trace(s, dvrFIP, trace.Options{})
	if r.BrokenAt == nil || r.Hops[*r.BrokenAt].Kind != trace.KindTunnelBridge || !strings.Contains(r.Hops[*r.BrokenAt].Problem, "no DVR MAC rewrite") {
		t.Errorf("without the DVR_PROCESS flow:\n%s", trace.Text(r, s.Host))
	}
	// In a report sos clean masked, the node's DVR MAC is told only by the
	// rewrite (the fa:16:3f… prefix is masked): without the flow it is
	// unknown whether frames leave right, not a break the masking made.
	s = elsewhere(t)
	tun = s.OVS.Bridge("br-tun")
	tun.Flows = slices.DeleteFunc(tun.Flows, func(f topo.Flow) bool {
		return f.Table == 1 && strings.Contains(f.Actions, "mod_dl_src:")
	})
	for bi := range s.OVS.Bridges {
		for fi := range s.OVS.Bridges[bi].Flows {
			f := &s.OVS.Bridges[bi].Flows[fi]
			f.Match = strings.ReplaceAll(f.Match, "fa:16:3f:", "53:4f:53:")
			f.Actions = strings.ReplaceAll(f.Actions, "fa:16:3f:", "53:4f:53:")
		}
	}
	s.Sources = append(s.Sources, topo.Source{Name: topo.SourceMACs, Error: "masked by sos clean"})
	s.Neutron = neutron.Derive(s)
	r, _ = trace.Trace(s, dvrFIP, trace.Options{})
	tb = nil
	for i := range r.Hops {
		if r.Hops[i].Kind == trace.KindTunnelBridge {
			tb = &r.Hops[i]
		}
	}
	if tb == nil || tb.Problem != "" || !strings.Contains(tb.Unknown, "DVR MAC") || !r.Unknown {
		t.Errorf("masked, without the DVR_PROCESS flow:\n%s", trace.Text(r, s.Host))
	}
}

// A fip- namespace whose routes were not read leaves its hop unknown,
// neither broken nor clean.
func TestDVRFIPNamespaceUnread(t *testing.T) {
	s := realLab(t, "compute2", false)
	ns := s.Namespace(dvrFIPNS)
	ns.Routes = nil // the read failed after listing the devices
	s.Source("netlink/" + dvrFIPNS).OK = false
	s.Source("netlink/" + dvrFIPNS).Error = "netlink: interrupted"
	s.Neutron = neutron.Derive(s)
	r, err := trace.Trace(s, dvrFIP, trace.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if r.BrokenAt != nil || r.UnknownAt == nil || r.Hops[*r.UnknownAt].Kind != trace.KindFIPNamespace || trace.ExitCode(r, nil) != 3 {
		t.Errorf("unread fip- namespace:\n%s", trace.Text(r, s.Host))
	}
	if rt := s.Neutron.Router(dvrRouter); len(rt.Problems) != 0 || len(rt.FloatingIPs[0].Problems) != 0 || len(rt.Unknown) == 0 {
		t.Errorf("router problems %q, floating IP problems %q, unknown %q", rt.Problems, rt.FloatingIPs[0].Problems, rt.Unknown)
	}
}
