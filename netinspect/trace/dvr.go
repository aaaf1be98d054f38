package trace

import (
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/ostopo/ostopo/netinspect/neutron"
	"github.com/ostopo/ostopo/netinspect/topo"
)

// The path of a distributed router (DVR, reference §4.6), as the real
// agents build it. A floating IP lives on the compute node that hosts its
// instance, with no address anywhere:
//
//	provider NIC → physical bridge → patch → br-int (external VLAN)
//	→ fg- in fip-<external net>: proxy ARP answers for the floating IP,
//	  "<FIP>/32 via <rfp address> dev fpr-" routes it to the router
//	→ fpr- ⇄ rfp- (a 169.254.x.y/31 veth pair)
//	→ qrouter-: DNAT -i rfp- to the fixed IP, out of qr-
//	→ br-int → the instance
//
// Out (--reverse), qrouter-'s "from <fixed> lookup 16" sends it back by
// rfp- and fip-'s "iif fpr- lookup <n>" out of fg-. Instances without a
// floating IP leave by SNAT on the dvr_snat node: snat-<router>, whose
// sg- port on the instance's network the qrouter- redirect rules point at
// and whose qg- carries the router's gateway address.

// Hop kinds of a distributed router's path.
const (
	// KindFIPNamespace is fg- in fip-<external network>: the external
	// side of a distributed floating IP and its /32 route via fpr-.
	KindFIPNamespace = "fip_namespace"
	// KindFIPVeth is the fpr- ⇄ rfp- veth between fip- and qrouter-.
	KindFIPVeth = "fpr_rfp"
	// KindSNATNamespace is snat-<router> on the node hosting a
	// distributed router's centralized SNAT (agent_mode dvr_snat).
	KindSNATNamespace = "snat_namespace"
	// KindRouterSNAT is an sg- port of snat-<router> on br-int.
	KindRouterSNAT = "router_snat"
)

// dvrOf is a router's DVR parts (nil for other routers), from the view or,
// for a snapshot whose view predates them, from the facts.
func (w *walker) dvrOf(r *topo.Router) *topo.RouterDVR { return neutron.DVR(w.s, r) }

// distributedFIP reports whether the target's floating IP is a
// distributed one served on this node (through fip- and rfp-, not qg-).
func (w *walker) distributedFIP(t *target) bool {
	if t.router == nil || t.fip == nil {
		return false
	}
	return t.fip.Distributed || neutron.DistributedFIP(w.s.Namespace(t.router.Namespace), t.fip.FloatingIP)
}

// dvrExternal adds the external side of a distributed floating IP in
// place of external's qg- path: the provider NIC to br-int on the
// external network's VLAN, fg- in the fip- namespace with the floating
// IP's route, and the fpr- ⇄ rfp- pair to the router. It reports whether
// it did (false: not a distributed floating IP, external goes on).
func (w *walker) dvrExternal(t *target) bool {
	if !w.distributedFIP(t) {
		return false
	}
	d := w.dvrOf(t.router)
	if d == nil {
		d = &topo.RouterDVR{}
	}
	h := w.fgHop(t, d)
	if w.s.Namespace(d.FIPNamespace) != nil {
		w.fipRouting(h, t, d)
	}
	w.fipVeth(t, d)
	return true
}

// fgHop adds the provider side up to fg- (external's hops, with the fg-
// port standing in for qg-) and makes the last hop the fip- namespace's.
// Without the external network's VLAN on this node (its fip- namespace
// and fg- port both gone) the provider side is not walked: nothing on
// the node carries it, and the missing namespace is what to fix.
func (w *walker) fgHop(t *target, d *topo.RouterDVR) *Hop {
	fipNS := w.s.Namespace(d.FIPNamespace)
	extID := d.ExternalNetworkID
	var h *Hop
	if extID != "" && w.n.Network(extID) != nil {
		gw := &topo.RouterGateway{NetworkID: extID}
		if g := d.FIPGateway; g != nil {
			gw.Port, gw.Device, gw.Address, gw.NextHop = g.Port, g.Device, g.Address, g.NextHop
		}
		r2 := *t.router
		r2.Gateway, r2.Namespace = gw, orWord(d.FIPNamespace, t.router.Namespace)
		t2 := *t
		t2.router, t2.fip, t2.rport = &r2, nil, nil
		w.external(&t2)
		if last := &w.r.Hops[len(w.r.Hops)-1]; last.Kind == KindRouterGateway {
			h = last
		}
	}
	if h == nil {
		h = w.add(Hop{})
	}
	h.Kind, h.Namespace, h.DecrementsTTL = KindFIPNamespace, d.FIPNamespace, true
	if g := d.FIPGateway; g != nil && h.Device == "" {
		h.Device = g.Device
	}
	if fipNS == nil {
		// The namespace holds fg- and fpr-: whatever its port hop found
		// missing, the namespace is the break.
		h.Problem, h.Expected, h.Found, h.Next, h.Unknown = "", "", "", "", ""
		what := orWord(d.FIPNamespace, "fip-<external network id>")
		found := "no such namespace"
		if d.FIPNamespace == "" {
			found = "no fip- namespace, and nothing on this node names the router's external network"
		}
		problem, want := "no "+what+" namespace: nothing connects "+orWord(h.Device, "fg-")+" to the routers", what+" holding fg- on the external network"
		if t.floating != "" {
			problem = "no " + what + " namespace: nothing answers ARP for the distributed floating IPs of router " + t.router.ID + " or routes them to it"
			want += " and the route " + t.floating + "/32 via fpr-"
		}
		fail(h, problem, want, found,
			w.s.AgentRun(topo.AgentL3).Restart()+" (it recreates the fip- namespace for the router's floating IPs); then ip netns; ip netns exec "+what+" ip route")
	}
	return h
}

// fipRouting checks the fip- namespace: fg- in it with its address,
// forwarding, and the floating IP's /32 route via fpr- to the router;
// outbound, the rule taking the router's traffic out of fg-.
func (w *walker) fipRouting(h *Hop, t *target, d *topo.RouterDVR) {
	ns := w.s.Namespace(d.FIPNamespace)
	var fg *topo.Link
	if g := d.FIPGateway; g != nil {
		fg = ns.Link(g.Device)
	}
	fpr := fprOf(ns, t.router.ID, d)
	switch {
	case fg == nil:
		fail(h, "no fg- device in "+ns.Name+": nothing connects it to the external network", "fg-<port id> in "+ns.Name, "none",
			"ip netns exec "+ns.Name+" ip link; "+w.s.AgentRun(topo.AgentL3).Restart())
	default:
		for _, a := range fg.Addrs {
			if a.Scope == "global" {
				h.Evidence = append(h.Evidence, "address "+a.Prefix+" on "+fg.Name+" in "+ns.Name)
				if !strings.HasSuffix(a.Prefix, "/32") && !inPrefix(a.Prefix, t.floating) && t.floating != "" {
					h.Evidence = append(h.Evidence, t.floating+" is outside "+a.Prefix+": it reaches fg- only if the external router routes it there")
				}
			}
		}
		if t.floating != "" && w.r.Direction == "inbound" {
			// Collection reads no proxy_arp sysctl: say what answers ARP
			// without claiming it was checked.
			h.Evidence = append(h.Evidence, "ARP for "+t.floating+": proxy ARP on "+fg.Name+" (net.ipv4.conf."+fg.Name+".proxy_arp=1, set by the L3 agent; not read)")
		}
	}
	if ns.IPForward != nil {
		h.Evidence = append(h.Evidence, fmt.Sprintf("sysctl net.ipv4.ip_forward=%d in %s", map[bool]int{true: 1, false: 0}[*ns.IPForward], ns.Name))
		if !*ns.IPForward {
			fail(h, "net.ipv4.ip_forward is 0 in "+ns.Name, "ip_forward=1", "0", "ip netns exec "+ns.Name+" sysctl -w net.ipv4.ip_forward=1")
		}
	}
	rfpAddr := ""
	if d.RFP != nil {
		rfpAddr = hostOf(d.RFP.Address)
	}
	if t.floating != "" {
		fprName := "fpr-…"
		if fpr != nil {
			fprName = fpr.Name
		}
		rt := neutron.FIPRoute(ns, t.floating)
		switch {
		case rt == nil:
			fail(h, "no route for "+t.floating+" in "+ns.Name+": inbound traffic to it is not handed to the router",
				t.floating+"/32 via "+orWord(rfpAddr, "<rfp- address>")+" dev "+fprName, "no such route",
				"ip netns exec "+ns.Name+" ip route; "+w.s.AgentRun(topo.AgentL3).Restart()+" (it re-adds the floating IP's route)")
		case fpr != nil && rt.Dev != fpr.Name:
			h.Evidence = append(h.Evidence, routeText(rt))
			fail(h, "the route for "+t.floating+" in "+ns.Name+" leads to "+orWord(rt.Dev, "?")+", not to the router's "+fpr.Name,
				t.floating+"/32 via "+orWord(rfpAddr, "<rfp- address>")+" dev "+fpr.Name, routeText(rt), "ip netns exec "+ns.Name+" ip route get "+t.floating)
		default:
			h.Evidence = append(h.Evidence, routeText(rt))
		}
	}
	if w.r.Direction == "outbound" && fpr != nil {
		rule := neutron.IPRuleFromIIF(ns, fpr.Name)
		var def *topo.Route
		if rule != nil {
			def = neutron.TableDefault(ns, rule.Table)
			h.Evidence = append(h.Evidence, fmt.Sprintf("rule %d: from all iif %s lookup %d", rule.Priority, fpr.Name, rule.Table))
		}
		switch {
		case rule == nil:
			fail(h, "no rule for traffic from "+fpr.Name+" in "+ns.Name+": the router's traffic is not sent out of fg-",
				"from all iif "+fpr.Name+" lookup <table>", "none", "ip netns exec "+ns.Name+" ip rule; "+w.s.AgentRun(topo.AgentL3).Restart())
		case def == nil:
			fail(h, "table "+strconv.Itoa(rule.Table)+" of "+ns.Name+" has no default route", "default via <external gateway> dev fg-…", "none",
				"ip netns exec "+ns.Name+" ip route show table "+strconv.Itoa(rule.Table))
		default:
			h.Evidence = append(h.Evidence, fmt.Sprintf("table %d: %s", rule.Table, routeText(def)))
		}
	}
}

// fipVeth adds the fpr- ⇄ rfp- hop between fip- and qrouter-.
func (w *walker) fipVeth(t *target, d *topo.RouterDVR) {
	fipNS := w.s.Namespace(d.FIPNamespace)
	rns := w.s.Namespace(t.router.Namespace)
	var rfp, fpr *topo.Link
	if rns != nil {
		rfp = rfpOf(rns, t.router.ID, d)
	}
	if fipNS != nil {
		fpr = fprOf(fipNS, t.router.ID, d)
	}
	names := [2]string{fprName(t.router.ID), rfpName(t.router.ID)}
	if fpr != nil {
		names[0] = fpr.Name
	}
	if rfp != nil {
		names[1] = rfp.Name
	}
	h := w.add(Hop{Kind: KindFIPVeth, Device: names[0] + " ⇄ " + names[1], Namespace: d.FIPNamespace})
	for _, e := range []struct {
		l  *topo.Link
		ns string
	}{{fpr, d.FIPNamespace}, {rfp, t.router.Namespace}} {
		if e.l == nil {
			continue
		}
		addr := ""
		for _, a := range e.l.Addrs {
			if a.Scope == "global" && addr == "" {
				addr = " " + a.Prefix
			}
		}
		h.Evidence = append(h.Evidence, fmt.Sprintf("%s%s in %s, %s", e.l.Name, addr, short(e.ns), e.l.OperState))
		if e.l.MTU > 0 && (h.MTU == 0 || e.l.MTU < h.MTU) {
			h.MTU = e.l.MTU
		}
	}
	switch {
	case fipNS == nil:
		fail(h, "no "+names[0]+": the "+orWord(d.FIPNamespace, "fip-")+" namespace it lives in is missing", names[0]+" in "+orWord(d.FIPNamespace, "fip-<external network id>"),
			"none", w.s.AgentRun(topo.AgentL3).Restart())
	case rfp == nil:
		fail(h, "no "+names[1]+" in "+t.router.Namespace+": the router has no link to "+fipNS.Name, names[1]+" (veth peer of "+names[0]+")", "none",
			"ip netns exec "+t.router.Namespace+" ip link; "+w.s.AgentRun(topo.AgentL3).Restart())
	case fpr == nil:
		fail(h, "no "+names[0]+" in "+fipNS.Name+": the router has no link to it", names[0]+" (veth peer of "+names[1]+")", "none",
			"ip netns exec "+fipNS.Name+" ip link; "+w.s.AgentRun(topo.AgentL3).Restart())
	case rfp.Peer != nil && rfp.Peer.Name != "" && rfp.Peer.Name != fpr.Name:
		fail(h, rfp.Name+" is not the veth peer of "+fpr.Name, "veth "+rfp.Name+" ⇄ "+fpr.Name, "peer "+rfp.Peer.Name, "ip -n "+t.router.Namespace+" -d link show "+rfp.Name)
	default:
		if tr := neutron.TroubleOf(t.router.Namespace, rfp, "", "", w.link); tr != nil {
			fail(h, tr.Problem, expected(tr), tr.Found, tr.Next)
		} else if tr := neutron.TroubleOf(fipNS.Name, fpr, "", "", w.link); tr != nil {
			fail(h, tr.Problem, expected(tr), tr.Found, tr.Next)
		}
	}
}

// rfpOf and fprOf find the veth ends: by the agent's names, else by the
// view's, else by prefix.
func rfpOf(ns *topo.Namespace, routerID string, d *topo.RouterDVR) *topo.Link {
	if l := ns.Link(rfpName(routerID)); l != nil {
		return l
	}
	if d != nil && d.RFP != nil {
		return ns.Link(d.RFP.Name)
	}
	return nil
}

func fprOf(ns *topo.Namespace, routerID string, d *topo.RouterDVR) *topo.Link {
	if l := ns.Link(fprName(routerID)); l != nil {
		return l
	}
	if d != nil && d.FPR != nil {
		return ns.Link(d.FPR.Name)
	}
	return nil
}

// rfpName and fprName are the agent's names for the veth ends (prefix +
// router id, 14 characters).
func rfpName(routerID string) string { return cut14("rfp-" + routerID) }
func fprName(routerID string) string { return cut14("fpr-" + routerID) }

func cut14(s string) string {
	if len(s) > 14 {
		return s[:14]
	}
	return s
}

// dvrOutbound checks the router hop of a distributed floating IP going
// out: the rule sending the fixed IP to table 16 and that table's default
// route via fpr- over rfp- (a DVR router has no qg- here: the legacy
// "default via … dev qg-" check does not apply). It reports whether it
// did.
func (w *walker) dvrOutbound(h *Hop, t *target) bool {
	if !w.distributedFIP(t) {
		return false
	}
	ns := w.s.Namespace(h.Namespace)
	h.Evidence = slices.DeleteFunc(h.Evidence, func(e string) bool { return strings.HasPrefix(e, "route default via ") })
	if ns == nil {
		return true
	}
	rule := neutron.FIPRule(ns, t.fixed)
	def := neutron.TableDefault(ns, 16)
	if rule != nil {
		h.Evidence = append(h.Evidence, fmt.Sprintf("rule %d: from %s lookup 16", rule.Priority, rule.Src))
	}
	if def != nil {
		h.Evidence = append(h.Evidence, "table 16: "+routeText(def))
	}
	switch {
	case rule == nil:
		fail(h, "no rule \"from "+t.fixed+" lookup 16\" in "+h.Namespace+": the instance's traffic does not leave with its floating IP",
			"from "+t.fixed+" lookup 16 priority 32768–72767", "none",
			"ip netns exec "+h.Namespace+" ip rule; "+w.s.AgentRun(topo.AgentL3).Restart()+" or re-associate the floating IP")
	case def == nil || !strings.HasPrefix(def.Dev, "rfp-"):
		found := "none"
		if def != nil {
			found = routeText(def)
		}
		fail(h, "table 16 of "+h.Namespace+" has no default route via rfp-", "default via <fpr- address> dev rfp-…", found,
			"ip netns exec "+h.Namespace+" ip route show table 16")
	}
	return true
}

// dvrRouterEvidence adds to a distributed router's hop what the plain
// router hop does not say: outbound without a floating IP, the rule that
// redirects the subnet's traffic to its sg- port on the SNAT node.
func (w *walker) dvrRouterEvidence(h *Hop, t *target) {
	d := w.dvrOf(t.router)
	if d == nil || t.fip != nil || t.iface == nil || w.r.Direction != "outbound" {
		return
	}
	for _, sr := range d.SNATRedirects {
		if sr.Device == t.iface.Device {
			h.Evidence = append(h.Evidence, fmt.Sprintf("rule %d: from %s lookup %d: default via %s dev %s (SNAT on the node holding the sg- port)",
				sr.Priority, sr.From, sr.Table, orWord(sr.Via, "?"), sr.Device))
			if sr.Via != "" && d.Mode != topo.DVRSNAT {
				w.r.ContinuesAt = append(w.r.ContinuesAt, "the SNAT node's sg- port "+sr.Via)
			}
			return
		}
	}
	h.Evidence = append(h.Evidence, "no SNAT redirect rule for "+t.iface.Device+": without a floating IP the instance's traffic has no way out (a router without gateway, or with SNAT disabled)")
}

// viaSNAT reports whether the target goes through the router's snat-
// namespace on this node (the dvr_snat node): a fixed IP with no
// distributed floating IP here, or a floating IP the router centralizes
// on its qg- in snat-.
func (w *walker) viaSNAT(t *target) bool {
	d := w.dvrOf(t.router)
	if d == nil || d.Mode != topo.DVRSNAT || t.iface == nil || w.distributedFIP(t) {
		return false
	}
	for _, p := range w.portByIP[t.fixed] {
		if p.Role != topo.RoleInstance {
			return false // a router's or DHCP port's own address: traced to that port
		}
	}
	return w.s.Namespace("snat-"+t.router.ID) != nil
}

// snatPath adds the snat- namespace and its sg- port on the instance's
// network (after the provider side for a centralized floating IP).
func (w *walker) snatPath(t *target) {
	ns := w.s.Namespace("snat-" + t.router.ID)
	if t.floating != "" {
		w.external(t)
		if last := &w.r.Hops[len(w.r.Hops)-1]; last.Kind == KindRouterGateway {
			last.Namespace = ns.Name // a distributed router's qg- is in snat-
		}
	}
	d := w.dvrOf(t.router)
	h := w.add(Hop{Kind: KindSNATNamespace, Namespace: ns.Name, DecrementsTTL: true})
	if ns.IPForward != nil {
		h.Evidence = append(h.Evidence, fmt.Sprintf("sysctl net.ipv4.ip_forward=%d", map[bool]int{true: 1, false: 0}[*ns.IPForward]))
		if !*ns.IPForward {
			fail(h, "net.ipv4.ip_forward is 0 in "+ns.Name, "ip_forward=1", "0", "ip netns exec "+ns.Name+" sysctl -w net.ipv4.ip_forward=1")
		}
	}
	natRead := ns.NAT != nil && len(neutron.Failed(w.s, "nat/"+ns.Name)) == 0
	gw := t.router.Gateway
	switch {
	case t.floating != "":
		if rule := natRule(ns, "DNAT", t.floating); rule != "" {
			h.Evidence = append(h.Evidence, "nat: "+rule)
		} else if natRead {
			fail(h, "no DNAT rule for "+t.floating+" in "+ns.Name, "-A neutron-l3-agent-PREROUTING -d "+t.floating+"/32 -j DNAT --to-destination "+t.fixed,
				"no such rule", "ip netns exec "+ns.Name+" iptables-save -t nat | grep "+t.floating)
		}
	case gw != nil:
		if rule := snatRule(ns, gw.Device); rule != "" {
			h.Evidence = append(h.Evidence, "nat: "+rule+" (instances without a floating IP; one with a floating IP leaves by the fip- namespace of its compute node)")
		} else if natRead {
			fail(h, "no SNAT rule for traffic leaving "+gw.Device+" in "+ns.Name+": instances without a floating IP cannot reach the outside",
				"-A neutron-l3-agent-snat -o "+gw.Device+" -j SNAT --to-source "+hostOf(gw.Address), "no such rule",
				"ip netns exec "+ns.Name+" iptables-save -t nat; "+w.s.AgentRun(topo.AgentL3).Restart())
		}
	default:
		fail(h, "the router has no qg- port in "+ns.Name, "qg- on the external network in "+ns.Name, "none", "openstack router show "+t.router.ID+" (external_gateway_info)")
	}
	if w.r.Direction == "outbound" && gw != nil {
		if gw.NextHop != "" {
			h.Evidence = append(h.Evidence, "route default via "+gw.NextHop+" dev "+gw.Device)
		} else {
			fail(h, "no default route out of "+ns.Name, "default via <gateway> dev "+gw.Device, "none", "ip netns exec "+ns.Name+" ip route")
		}
	}
	// The sg- port on the instance's subnet.
	var sg *topo.RouterInterface
	if d != nil {
		for i := range d.SNATPorts {
			for _, a := range d.SNATPorts[i].Addresses {
				if inPrefix(a, t.fixed) {
					sg = &d.SNATPorts[i]
				}
			}
		}
	}
	rt := routeTo(ns, t.fixed)
	switch {
	case sg == nil:
		fail(h, "no sg- port in "+ns.Name+" on the subnet of "+t.fixed, "an sg- port whose subnet holds "+t.fixed, "none",
			w.s.AgentRun(topo.AgentL3).Restart()+"; openstack port list --device-owner network:router_centralized_snat --router "+t.router.ID)
		return
	case rt == nil || rt.Dev != sg.Device:
		fail(h, "no route to "+t.fixed+" via "+sg.Device+" in "+ns.Name, "route to the subnet dev "+sg.Device, orWord(routeTextOrEmpty(rt), "none"), "ip netns exec "+ns.Name+" ip route get "+t.fixed)
	default:
		h.Evidence = append(h.Evidence, fmt.Sprintf("route %s dev %s", rt.Dst, rt.Dev))
	}
	vlan := sg.LocalVLAN
	if nw := w.n.Network(t.iface.NetworkID); nw != nil {
		vlan = nw.LocalVLAN
	}
	sh := w.add(Hop{Kind: KindRouterSNAT, Device: sg.Device, Namespace: ns.Name, VLAN: vlan})
	sh.Evidence = append(sh.Evidence, "address "+strings.Join(sg.Addresses, " ")+" on "+sg.Device)
	w.portHop(sh, w.n.Port(sg.Port), vlan, "its network", false)
}

// snatRule is the snat- namespace's rule SNATing what leaves qg-.
func snatRule(ns *topo.Namespace, qg string) string {
	if ns.NAT == nil {
		return ""
	}
	for _, r := range ns.NAT.Rules {
		if r.Target == "SNAT" && strings.HasSuffix(r.Chain, "-snat") && r.Out == qg && !slices.Contains(r.Negated, "out") {
			return r.Text()
		}
	}
	return ""
}

// dvrToPort traces an fg- port by its own address: the provider side to
// fg- in its fip- namespace.
func (w *walker) dvrToPort(t *target) {
	p := t.rport
	d := &topo.RouterDVR{ExternalNetworkID: p.NetworkID, FIPNamespace: p.Namespace}
	if d.FIPNamespace == "" && p.NetworkID != "" {
		d.FIPNamespace = "fip-" + p.NetworkID
	}
	d.FIPGateway = &topo.FIPGateway{Port: p.ID, Device: orWord(p.OVSPort, devName(p.Devices.Tap)), Namespace: d.FIPNamespace, NetworkID: p.NetworkID, LocalVLAN: p.LocalVLAN}
	t2 := *t
	t2.router = &topo.Router{ID: "", Namespace: d.FIPNamespace}
	h := w.fgHop(&t2, d)
	h.DecrementsTTL = false
	h.Evidence = append(h.Evidence, "address "+strings.Join(p.FixedIPs, " ")+" on "+d.FIPGateway.Device+" in "+orWord(p.Namespace, "?"))
}

// dvrLeave adds to the tunnel bridge hop, when a distributed router on
// this node routed the frame (through its qr- port), the DVR_PROCESS flow
// that rewrites the qr- MAC (the same on every node) to this node's DVR
// MAC as it leaves: without it the other nodes see the router's MAC
// arrive from here and flap.
func (w *walker) dvrLeave(h *Hop, t *target, nw *topo.Network) {
	if t.router == nil || t.iface == nil || !slices.ContainsFunc(w.r.Hops, func(x Hop) bool { return x.Kind == KindRouterIf }) {
		return
	}
	d := w.dvrOf(t.router)
	if d == nil {
		return
	}
	if d.HostMAC == "" {
		if m := neutron.Failed(w.s, topo.SourceMACs); len(m) > 0 && h.Problem == "" && h.Unknown == "" {
			// Masked fa:16:3f… MACs hide this node's DVR MAC, so a missing
			// rewrite cannot be told from one the masking hid.
			h.Unknown = "whether frames the router sends leave with this node's DVR MAC: unknown (" + neutron.SourceNames(m) + " not read: sos clean masked the MACs)"
		}
		return
	}
	for _, f := range d.MACRewrites {
		if f.Device == t.iface.Device && f.Bridge == h.Bridge {
			h.Evidence = append(h.Evidence, f.Bridge+": "+f.Flow+" (DVR: routed frames leave with this node's DVR MAC "+d.HostMAC+", not "+t.iface.Device+"'s)")
			return
		}
	}
	if h.Bridge == "" || len(neutron.Unread(w.s, "openflow/"+h.Bridge)) > 0 {
		return
	}
	mac := ""
	if p := w.n.Port(t.iface.Port); p != nil {
		mac = p.MAC
	}
	fail(h, "no DVR MAC rewrite for "+t.iface.Device+" in "+h.Bridge+": frames the router sends leave with the qr- MAC every node's copy of the router shares",
		fmt.Sprintf("table=1, priority=1,dl_vlan=%d,dl_src=%s actions=mod_dl_src:%s,resubmit(,2)", nw.LocalVLAN, orWord(mac, "<qr- MAC>"), d.HostMAC), "none",
		w.s.AgentRun(topo.AgentOVS).Restart()+" (it rebinds the router's distributed ports); then ovs-ofctl dump-flows "+h.Bridge+" table=1")
}

// dvrNeeds are the sources a DVR hop's verdict rests on.
func (w *walker) dvrNeeds(h *Hop, need, nsNeed []string) ([]string, []string) {
	need = append(need, "netns")
	if h.Namespace != "" {
		nsNeed = append(nsNeed, "netlink/"+h.Namespace)
	}
	switch h.Kind {
	case KindFIPNamespace:
		if h.Namespace != "" {
			nsNeed = append(nsNeed, "sysctl/"+h.Namespace)
		}
	case KindFIPVeth:
		if w.r.RouterID != "" {
			nsNeed = append(nsNeed, "netlink/qrouter-"+w.r.RouterID)
		}
	case KindSNATNamespace:
		if h.Namespace != "" {
			nsNeed = append(nsNeed, "sysctl/"+h.Namespace, "nat/"+h.Namespace)
		}
	}
	return need, nsNeed
}

// dvrGatewayPort is, for a distributed floating IP, the fg- port that
// stands where qg- does for other routers (its MAC is what the provider
// side's packet is addressed to) and the external gateway.
func (w *walker) dvrGatewayPort(t *target) (port, nextHop string, ok bool) {
	if !w.distributedFIP(t) {
		return "", "", false
	}
	d := w.dvrOf(t.router)
	if d == nil || d.FIPGateway == nil {
		return "", "", true
	}
	return d.FIPGateway.Port, d.FIPGateway.NextHop, true
}

// dvrElsewhere explains an address that is no floating IP here when a
// distributed router's external subnet holds it: its floating IPs live in
// the fip- namespace of the compute node hosting each instance, which is
// where to trace it. unknown is returned otherwise.
func (w *walker) dvrElsewhere(ip string, unknown error) error {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return unknown
	}
	var routers, subnets []string
	for i := range w.n.Routers {
		r := &w.n.Routers[i]
		d := w.dvrOf(r)
		if d == nil {
			continue
		}
		var cands []string
		if r.Gateway != nil {
			cands = append(cands, r.Gateway.Address)
		}
		if d.FIPGateway != nil {
			cands = append(cands, d.FIPGateway.Address)
		}
		for _, c := range cands {
			if p, err := netip.ParsePrefix(c); err == nil && p.Masked().Contains(a) {
				routers = append(routers, shortID(r.ID))
				if !slices.Contains(subnets, p.Masked().String()) {
					subnets = append(subnets, p.Masked().String())
				}
				break
			}
		}
	}
	if len(routers) == 0 {
		return unknown
	}
	return fmt.Errorf("%s is no floating IP on this node, but it is on the external subnet %s of distributed router(s) %s: "+
		"a distributed floating IP lives in the fip- namespace of the compute node that hosts its instance (trace it there: openstack floating ip show %s; openstack port show <its port> -c binding_host_id): %w",
		ip, strings.Join(subnets, ", "), strings.Join(routers, ", "), ip, ErrUnknown)
}

// hostOf strips the prefix length: "169.254.88.134/31" -> "169.254.88.134".
func hostOf(prefix string) string {
	ip, _, _ := strings.Cut(prefix, "/")
	return ip
}

// routeText is a route as ip route prints it.
func routeText(rt *topo.Route) string {
	parts := []string{rt.Dst}
	if rt.Gateway != "" {
		parts = append(parts, "via "+rt.Gateway)
	}
	if rt.Dev != "" {
		parts = append(parts, "dev "+rt.Dev)
	}
	return "route " + strings.Join(parts, " ")
}

func routeTextOrEmpty(rt *topo.Route) string {
	if rt == nil {
		return ""
	}
	return routeText(rt)
}
