package neutron

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/ostopo/ostopo/netinspect/topo"
)

// Distributed virtual routers (reference §3.4, §4.6; neutron/agent/l3/
// dvr_local_router.py, dvr_edge_router.py, dvr_fip_ns.py and the OVS
// agent's ovs_dvr_neutron_agent.py), as the real Zed agents build them:
//
//   - every node hosting the router has qrouter-<id> with the qr- ports,
//     the same MAC and address on every node;
//   - a node with its external gateway plugged (compute, agent_mode dvr;
//     and the dvr_snat node) links qrouter- to fip-<external network> by
//     the veth pair rfp-<id[:10]> ⇄ fpr-<id[:10]> (a 169.254.x.y/31 each,
//     rfp even); fip- holds the fg- port, an OVS internal port on br-int
//     tagged with the external network's local VLAN (not on br-ex);
//   - a floating IP of an instance on the node is no address anywhere:
//     fip- routes "<FIP>/32 via <rfp address> dev fpr-" and answers ARP
//     for it by proxy ARP on fg-; qrouter- DNATs it (-i rfp-) and sends
//     the instance's traffic back by "from <fixed> lookup 16" (priority
//     32768–72767), table 16 "default via <fpr address> dev rfp-";
//   - instances without a floating IP leave by SNAT on the dvr_snat node:
//     qrouter- has "from <qr subnet> lookup N priority N" (N the qr-
//     address as an integer), table N "default via <sg- address> dev qr-",
//     and snat-<id> holds the sg- ports and the router's qg-;
//   - each node's L2 agent has a DVR MAC (fa:16:3f:…): br-tun (or the
//     physical bridge) table 1 rewrites a qr- port's MAC to it as frames
//     leave, table 9 / br-int table 0 pass the other nodes' DVR MACs, and
//     br-int table 1/2 (DVR_TO_SRC_MAC) gives frames another node routed
//     to a local port the qr- MAC back.

// Neutron's DVR constants.
const (
	fipRouteTable    = 16            // dvr_fip_ns.FIP_RT_TBL
	fipRulePrioStart = 32768         // dvr_fip_ns.FIP_PR_START
	fipRulePrioEnd   = 32768 + 40000 // FIP_PR_END (exclusive)
	dvrProcessTable  = 1             // br-tun / physical bridge DVR_PROCESS
	dvrNotLearnTable = 9             // br-tun DVR_NOT_LEARN
	dvrToSrcMAC      = 1             // br-int DVR_TO_SRC_MAC (tunnelled networks)
	dvrToSrcMACPhys  = 2             // br-int DVR_TO_SRC_MAC_PHYSICAL (vlan, flat)
)

// rfpName and fprName are the veth ends' names: prefix + the router id,
// cut to the kernel's 14 characters (dvr_fip_ns.get_rtr_ext_device_name,
// get_int_device_name).
func rfpName(routerID string) string { return devName("rfp-", routerID) }
func fprName(routerID string) string { return devName("fpr-", routerID) }

func devName(prefix, id string) string {
	n := prefix + id
	if len(n) > 14 {
		n = n[:14]
	}
	return n
}

// distributed reports whether a qrouter- namespace is a distributed
// router's. Any one of its marks will do, so that a router whose fip-
// namespace (and with it the rfp- end of the veth) was deleted is still
// known for what it is: its rfp- device, a snat-<id> namespace, NAT rules
// naming rfp-, a rule to table 16 in the floating-IP priority range, a
// SNAT redirect rule, or the OVS agent's DVR_PROCESS flow for a qr- MAC.
func distributed(s *topo.Snapshot, ns *topo.Namespace, fl *dvrFlows) bool {
	if ns.Kind != topo.NSRouter {
		return false
	}
	for i := range ns.Links {
		if strings.HasPrefix(ns.Links[i].Name, "rfp-") {
			return true
		}
	}
	if s.Namespace("snat-"+ns.ID) != nil {
		return true
	}
	if ns.NAT != nil {
		for _, r := range ns.NAT.Rules {
			if strings.HasPrefix(r.In, "rfp-") || strings.HasPrefix(r.Out, "rfp-") {
				return true
			}
		}
	}
	for _, r := range ns.Rules {
		if r.Table == fipRouteTable && r.Priority >= fipRulePrioStart && r.Priority < fipRulePrioEnd {
			return true
		}
	}
	if len(snatRedirects(ns)) > 0 {
		return true
	}
	for i := range ns.Links {
		if l := &ns.Links[i]; strings.HasPrefix(l.Name, "qr-") && len(fl.rewrites[strings.ToLower(l.MAC)]) > 0 {
			return true
		}
	}
	return false
}

// DistributedFIP reports whether a router serves a floating IP the DVR
// way on this node: its DNAT rule in qrouter- takes it in from rfp-.
func DistributedFIP(ns *topo.Namespace, fip string) bool {
	if ns == nil || ns.NAT == nil {
		return false
	}
	for _, r := range ns.NAT.Rules {
		if r.Target == "DNAT" && strings.HasSuffix(r.Chain, "PREROUTING") && topo.HostIP(r.Dst) == fip && strings.HasPrefix(r.In, "rfp-") {
			return true
		}
	}
	return false
}

// FIPRoute returns the fip- namespace's route for a floating IP (the /32
// the L3 agent adds via the router's rfp- address), or nil.
func FIPRoute(fipNS *topo.Namespace, fip string) *topo.Route {
	if fipNS == nil {
		return nil
	}
	for i := range fipNS.Routes {
		rt := &fipNS.Routes[i]
		if rt.Table == topo.RouteTableMain && topo.HostIP(rt.Dst) == fip {
			return rt
		}
	}
	return nil
}

// FIPRule returns the qrouter- rule sending a fixed IP's traffic to table
// 16 (out through rfp- with its floating IP), or nil.
func FIPRule(ns *topo.Namespace, fixed string) *topo.Rule {
	if ns == nil || fixed == "" {
		return nil
	}
	for i := range ns.Rules {
		r := &ns.Rules[i]
		if r.Table == fipRouteTable && r.Src != "" && topo.HostIP(r.Src) == fixed {
			return r
		}
	}
	return nil
}

// TableDefault returns a namespace's IPv4 default route in a table, or nil.
func TableDefault(ns *topo.Namespace, table int) *topo.Route {
	if ns == nil {
		return nil
	}
	for i := range ns.Routes {
		rt := &ns.Routes[i]
		if rt.Table == table && rt.Dst == "default" && rt.Family != 6 {
			return rt
		}
	}
	return nil
}

// IPRuleFromIIF returns a namespace's rule for traffic coming in on a
// device (fip-'s "from all iif fpr-… lookup <int(fpr address)>"), or nil.
func IPRuleFromIIF(ns *topo.Namespace, dev string) *topo.Rule {
	if ns == nil {
		return nil
	}
	for i := range ns.Rules {
		if ns.Rules[i].IIF == dev {
			return &ns.Rules[i]
		}
	}
	return nil
}

// snatRedirects finds a qrouter- namespace's SNAT redirect rules: for a
// qr- address a/len, "from a/len lookup N priority N" with N the address
// as an integer (dvr_local_router._get_snat_idx; IPv4 only: the IPv6
// index folds a CRC and cannot be told from the address alone).
func snatRedirects(ns *topo.Namespace) []topo.SNATRedirect {
	var out []topo.SNATRedirect
	for i := range ns.Links {
		l := &ns.Links[i]
		if !strings.HasPrefix(l.Name, "qr-") {
			continue
		}
		for _, a := range globalAddrs(l) {
			p, err := netip.ParsePrefix(a)
			if err != nil || !p.Addr().Is4() {
				continue
			}
			b := p.Addr().As4()
			idx := int(uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3]))
			for _, r := range ns.Rules {
				if r.Table != idx || r.Priority != idx || r.Src == "" || networkOf(r.Src) != networkOf(a) {
					continue
				}
				sr := topo.SNATRedirect{Device: l.Name, From: r.Src, Priority: r.Priority, Table: r.Table}
				if rt := TableDefault(ns, idx); rt != nil && rt.Dev == l.Name {
					sr.Via = rt.Gateway
				}
				out = append(out, sr)
			}
		}
	}
	return out
}

// dvrFlows is what the OVS agent's DVR flows say, read in one pass over
// the flows of a snapshot (a node has one DVR MAC, and tens of thousands
// of flows for every router to share).
type dvrFlows struct {
	// host is the node's own DVR MAC: the DVR_PROCESS rewrite
	// (mod_dl_src:<own>) in br-tun or a physical bridge's table 1, or the
	// ARP fix-up to it in br-int table 0 (priority 5, dl_dst=<own>).
	host string
	// remote are the other nodes' (br-tun table 9, priority 1, dl_src).
	remote []string
	// rewrites are the DVR_PROCESS flows by the qr- MAC they rewrite
	// (table 1, priority 1, dl_src=<qr MAC>, mod_dl_src:<DVR MAC>).
	rewrites map[string][]topo.DVRFlow
	// toSrc are br-int's DVR_TO_SRC_MAC flows by the qr- MAC they give
	// frames to a local port (table 1/2, priority 20, dl_dst=<port MAC>,
	// mod_dl_src:<qr MAC>).
	toSrc map[string][]topo.DVRFlow
}

func readDVRFlows(s *topo.Snapshot, intBridge string) *dvrFlows {
	fl := &dvrFlows{rewrites: map[string][]topo.DVRFlow{}, toSrc: map[string][]topo.DVRFlow{}}
	for bi := range s.OVS.Bridges {
		b := &s.OVS.Bridges[bi]
		for fi := range b.Flows {
			f := &b.Flows[fi]
			switch {
			case b.Name == intBridge && (f.Table == dvrToSrcMAC || f.Table == dvrToSrcMACPhys) && f.Priority == 20:
				dst, _ := f.MatchField("dl_dst")
				for _, a := range f.ActionList() {
					if qr, ok := strings.CutPrefix(a, "mod_dl_src:"); ok {
						qr = strings.ToLower(qr)
						fl.toSrc[qr] = append(fl.toSrc[qr], topo.DVRFlow{MAC: strings.ToLower(dst), Bridge: b.Name, Flow: FlowText(f)})
					}
				}
			case b.Name != intBridge && f.Table == dvrProcessTable && f.Priority == 1:
				src, ok := f.MatchField("dl_src")
				if !ok {
					continue
				}
				for _, a := range f.ActionList() {
					if own, ok := strings.CutPrefix(a, "mod_dl_src:"); ok {
						if fl.host == "" {
							fl.host = strings.ToLower(own)
						}
						src = strings.ToLower(src)
						fl.rewrites[src] = append(fl.rewrites[src], topo.DVRFlow{MAC: src, Bridge: b.Name, Flow: FlowText(f)})
					}
				}
			case b.Name == intBridge && f.Table == 0 && f.Priority == 5:
				if v, ok := f.MatchField("dl_dst"); ok && fl.host == "" && isDVRMAC(v) {
					fl.host = strings.ToLower(v)
				}
			case f.Table == dvrNotLearnTable && f.Priority == 1:
				if v, ok := f.MatchField("dl_src"); ok && isDVRMAC(v) && !slices.Contains(fl.remote, strings.ToLower(v)) {
					fl.remote = append(fl.remote, strings.ToLower(v))
				}
			}
		}
	}
	slices.Sort(fl.remote)
	return fl
}

// isDVRMAC reports whether a MAC is in the default dvr_base_mac range.
// Only a hint (dvr_base_mac is configurable): used where the flow's shape
// alone does not tell.
func isDVRMAC(mac string) bool { return strings.HasPrefix(strings.ToLower(mac), "fa:16:3f:") }

// dvrFacts is a distributed router's view and the devices it was read
// from, for the checks that follow.
type dvrFacts struct {
	view          *topo.RouterDVR
	rfp, fpr, fg  *topo.Link
	fipNS, snatNS *topo.Namespace
}

// dvrOf works out a distributed router's parts on this node from the
// facts and the node's ports; portByDevice finds the port of an fg-/sg-
// device.
func dvrOf(s *topo.Snapshot, ns *topo.Namespace, r *topo.Router, ports []topo.NPort, portByDevice func(string) *topo.NPort, fl *dvrFlows) dvrFacts {
	v := &topo.RouterDVR{Mode: topo.DVRLocal}
	f := dvrFacts{view: v}
	if snat := s.Namespace("snat-" + ns.ID); snat != nil {
		v.Mode, f.snatNS = topo.DVRSNAT, snat
	}
	// rfp- in qrouter-, and the fip- namespace it leads to.
	f.rfp = ns.Link(rfpName(ns.ID))
	if f.rfp == nil {
		for i := range ns.Links {
			if strings.HasPrefix(ns.Links[i].Name, "rfp-") {
				f.rfp = &ns.Links[i]
				break
			}
		}
	}
	if f.rfp != nil && f.rfp.Peer != nil {
		if kind, id := topo.ClassifyNamespace(f.rfp.Peer.Namespace); kind == topo.NSFIP {
			v.ExternalNetworkID = id
		}
	}
	if v.ExternalNetworkID == "" && r.Gateway != nil && r.Gateway.NetworkID != "" {
		v.ExternalNetworkID = r.Gateway.NetworkID // the dvr_snat node's qg-
	}
	if v.ExternalNetworkID == "" {
		v.ExternalNetworkID = onlyExternalNetwork(s, ports)
	}
	if v.ExternalNetworkID != "" {
		v.FIPNamespace = "fip-" + v.ExternalNetworkID
		f.fipNS = s.Namespace(v.FIPNamespace)
		v.FIPNamespacePresent = f.fipNS != nil
	}
	if f.rfp != nil {
		v.RFP = dvrDevice(f.rfp, ns.Name)
	}
	if f.fipNS != nil {
		name := fprName(ns.ID)
		if f.rfp != nil && f.rfp.Peer != nil && f.rfp.Peer.Namespace == f.fipNS.Name && f.rfp.Peer.Name != "" {
			name = f.rfp.Peer.Name
		}
		if f.fpr = f.fipNS.Link(name); f.fpr != nil {
			v.FPR = dvrDevice(f.fpr, f.fipNS.Name)
		}
		for i := range f.fipNS.Links {
			if strings.HasPrefix(f.fipNS.Links[i].Name, "fg-") {
				f.fg = &f.fipNS.Links[i]
				break
			}
		}
	}
	v.FIPGateway = fipGateway(f, v, ports, portByDevice)
	if f.snatNS != nil {
		for li := range f.snatNS.Links {
			l := &f.snatNS.Links[li]
			if !strings.HasPrefix(l.Name, "sg-") {
				continue
			}
			sg := topo.RouterInterface{Device: l.Name, Addresses: globalAddrs(l)}
			if sg.Addresses == nil {
				sg.Addresses = []string{}
			}
			if p := portByDevice(l.Name); p != nil {
				sg.Port, sg.NetworkID, sg.LocalVLAN = p.ID, p.NetworkID, p.LocalVLAN
			} else {
				_, sg.Port = splitDevice(l.Name)
			}
			v.SNATPorts = append(v.SNATPorts, sg)
		}
	}
	v.SNATRedirects = snatRedirects(ns)
	v.HostMAC, v.RemoteMACs = fl.host, fl.remote
	macOf := map[string]string{} // local port MAC -> device
	for i := range ports {
		p := &ports[i]
		if p.MAC != "" {
			macOf[strings.ToLower(p.MAC)] = orNone(p.OVSPort)
		}
	}
	for i := range ns.Links {
		l := &ns.Links[i]
		if !strings.HasPrefix(l.Name, "qr-") || l.MAC == "" {
			continue
		}
		for _, f := range fl.rewrites[strings.ToLower(l.MAC)] {
			f.Device = l.Name
			v.MACRewrites = append(v.MACRewrites, f)
		}
		for _, f := range fl.toSrc[strings.ToLower(l.MAC)] {
			f.Device = macOf[f.MAC]
			v.ToSrcMAC = append(v.ToSrcMAC, f)
		}
	}
	return f
}

// onlyExternalNetwork is the external network of the node's only fip-
// namespace or only fg- port, "" when there is none or more than one.
func onlyExternalNetwork(s *topo.Snapshot, ports []topo.NPort) string {
	var ids []string
	for i := range s.Namespaces {
		if s.Namespaces[i].Kind == topo.NSFIP && !slices.Contains(ids, s.Namespaces[i].ID) {
			ids = append(ids, s.Namespaces[i].ID)
		}
	}
	for i := range ports {
		p := &ports[i]
		if p.Role == topo.RoleFIPGateway && p.NetworkID != "" && !slices.Contains(ids, p.NetworkID) {
			ids = append(ids, p.NetworkID)
		}
	}
	if len(ids) == 1 {
		return ids[0]
	}
	return ""
}

func dvrDevice(l *topo.Link, ns string) *topo.DVRDevice {
	d := &topo.DVRDevice{Name: l.Name, Namespace: ns, Up: l.Up()}
	for _, a := range globalAddrs(l) {
		if p, err := netip.ParsePrefix(a); err == nil && p.Addr().Is4() && d.Address == "" {
			d.Address = a
		}
	}
	if l.Peer != nil {
		d.Peer = l.Peer.Name
	}
	return d
}

// fipGateway is the fip- namespace's fg- port: from its device when the
// namespace is there, else from an fg- port OVS still has for the
// external network (the namespace deleted under it).
func fipGateway(f dvrFacts, v *topo.RouterDVR, ports []topo.NPort, portByDevice func(string) *topo.NPort) *topo.FIPGateway {
	var g *topo.FIPGateway
	switch {
	case f.fg != nil:
		g = &topo.FIPGateway{Device: f.fg.Name, Namespace: f.fipNS.Name}
		for _, a := range globalAddrs(f.fg) {
			if !strings.HasSuffix(a, "/32") && g.Address == "" {
				g.Address = a
			}
		}
		if p := portByDevice(f.fg.Name); p != nil {
			g.Port, g.NetworkID, g.LocalVLAN = p.ID, p.NetworkID, p.LocalVLAN
		} else {
			_, g.Port = splitDevice(f.fg.Name)
		}
	default:
		for i := range ports {
			p := &ports[i]
			if p.Role == topo.RoleFIPGateway && p.NetworkID != "" && p.NetworkID == v.ExternalNetworkID {
				g = &topo.FIPGateway{Port: p.ID, Device: orNone(p.OVSPort), Namespace: v.FIPNamespace, NetworkID: p.NetworkID, LocalVLAN: p.LocalVLAN}
				if len(p.FixedIPs) > 0 {
					g.Address = p.FixedIPs[0]
				}
				return g
			}
		}
		return nil
	}
	if g.NetworkID == "" {
		g.NetworkID = v.ExternalNetworkID
	}
	if f.fpr != nil {
		if rule := IPRuleFromIIF(f.fipNS, f.fpr.Name); rule != nil {
			if rt := TableDefault(f.fipNS, rule.Table); rt != nil {
				g.NextHop = rt.Gateway
			}
		}
	}
	return g
}

// isDistributed is distributed with the DVR flows read once.
func (d *deriver) isDistributed(ns *topo.Namespace) bool {
	return distributed(d.x.s, ns, d.flowsDVR())
}

func (d *deriver) flowsDVR() *dvrFlows {
	if d.dvrFlows == nil {
		intBr := "br-int"
		if d.x.integration != nil {
			intBr = d.x.integration.Name
		}
		d.dvrFlows = readDVRFlows(d.x.s, intBr)
	}
	return d.dvrFlows
}

// DVR returns a distributed router's parts on this node: the Neutron
// view's when it has them, else worked out from the facts, for a
// snapshot whose view was derived by an ostopo that did not know them
// (its kind dvr is taken at its word); nil for a router of another kind.
func DVR(s *topo.Snapshot, r *topo.Router) *topo.RouterDVR {
	switch {
	case r == nil:
		return nil
	case r.DVR != nil:
		return r.DVR
	}
	ns := s.Namespace(r.Namespace)
	if ns == nil || r.Kind != "dvr" {
		return nil
	}
	byDevice := func(name string) *topo.NPort {
		for i := range s.Neutron.Ports {
			p := &s.Neutron.Ports[i]
			if p.OVSPort == name || p.Devices.Tap != nil && p.Devices.Tap.Name == name {
				return p
			}
		}
		return nil
	}
	return dvrOf(s, ns, r, s.Neutron.Ports, byDevice, readDVRFlows(s, intBridgeName(s))).view
}

// intBridgeName is the integration bridge's name from the view, br-int
// when it does not say.
func intBridgeName(s *topo.Snapshot) string {
	for _, b := range s.Neutron.Bridges {
		if b.Role == topo.BridgeIntegration {
			return b.Name
		}
	}
	return "br-int"
}

// dvr fills in a distributed router's parts and checks them: its
// floating IPs served here need the fip- namespace of its external
// network, the rfp-⇄fpr- pair up between them, fg- in it, and each one
// a /32 route there and a rule to table 16 in qrouter-; on the node
// hosting its SNAT, an sg- port for every subnet it routes. What was not
// read is unknown, never a problem.
func (d *deriver) dvr(r *topo.Router, ns *topo.Namespace) {
	f := dvrOf(d.x.s, ns, r, d.out.Ports, d.portByDevice, d.flowsDVR())
	v := f.view
	r.DVR = v
	s := d.x.s
	qrRead := nsRead(s, ns, "netlink/")
	// The rules sending a fixed IP's traffic to table 16 are a part of
	// the namespace an import may lack (sos before 4.1 has none).
	rulesUnread := Failed(s, SourceRules+ns.Label())
	rulesRead := qrRead && len(rulesUnread) == 0
	fipRead := f.fipNS != nil && nsRead(s, f.fipNS, "netlink/")
	if f.fipNS != nil && !fipRead {
		r.Unknown = append(r.Unknown, unknown("the routes of "+f.fipNS.Name+" to its floating IPs", "netlink/"+f.fipNS.Name))
	}
	if len(d.rd.masked) > 0 {
		// Without a DVR_PROCESS rewrite to tell it by its shape, a DVR MAC
		// is told by the default base fa:16:3f, which masking hides.
		if v.HostMAC == "" {
			r.Unknown = append(r.Unknown, unknown("this node's DVR MAC (no DVR_PROCESS rewrite names it, and sos clean masked the fa:16:3f… MACs that would)", SourceNames(d.rd.masked)))
		}
		r.Unknown = append(r.Unknown, unknown("the other nodes' DVR MACs (told by the fa:16:3f… MACs sos clean masked)", SourceNames(d.rd.masked)))
	}
	var local []string // floating IPs served on this node
	for i := range r.FloatingIPs {
		fip := &r.FloatingIPs[i]
		if !DistributedFIP(ns, fip.FloatingIP) {
			continue
		}
		fip.Distributed = true
		local = append(local, fip.FloatingIP)
		if rt := FIPRoute(f.fipNS, fip.FloatingIP); rt != nil && (f.fpr == nil || rt.Dev == f.fpr.Name) {
			fip.FIPRoute = true
		}
		if rule := FIPRule(ns, fip.FixedIP); rule != nil {
			fip.RulePriority = rule.Priority
		}
		if !fip.FIPRoute && fipRead {
			via := "via <rfp- address> dev " + fprName(r.ID)
			if v.RFP != nil && v.RFP.Address != "" {
				via = "via " + strings.Split(v.RFP.Address, "/")[0] + " dev " + orNone(v.RFP.Peer)
			}
			fip.Problems = append(fip.Problems, fmt.Sprintf("no route for %s in %s (expected %s/32 %s): inbound traffic to it is not handed to the router", fip.FloatingIP, f.fipNS.Name, fip.FloatingIP, via))
		}
		if fip.RulePriority == 0 && fip.FixedIP != "" && rulesRead {
			fip.Problems = append(fip.Problems, fmt.Sprintf("no rule \"from %s lookup %d\" in %s: the instance's own traffic does not leave with its floating IP", fip.FixedIP, fipRouteTable, ns.Name))
		}
	}
	if len(local) > 0 && len(rulesUnread) > 0 {
		r.Unknown = append(r.Unknown, unknown("the rules in "+ns.Name+" sending its floating IPs' instances out by "+rfpName(r.ID)+" (from <fixed IP> lookup 16)", SourceNames(rulesUnread)))
	}
	if len(local) > 0 && d.rd.kernel {
		fipNS := orNone(v.FIPNamespace)
		if v.FIPNamespace == "" {
			fipNS = "fip-<external network id>"
		}
		switch {
		case f.fipNS == nil:
			r.Problems = append(r.Problems, fmt.Sprintf("no %s namespace: floating IP(s) %s of this distributed router are DNATed in %s, but nothing answers ARP for them on the external network or routes them to the router", fipNS, strings.Join(local, ", "), ns.Name))
		case f.rfp == nil:
			r.Problems = append(r.Problems, fmt.Sprintf("no %s in %s: the router has no link to %s, its floating IPs %s are unreachable", rfpName(r.ID), ns.Name, f.fipNS.Name, strings.Join(local, ", ")))
		case f.fpr == nil:
			r.Problems = append(r.Problems, fmt.Sprintf("%s has no %s peer in %s: the router's floating IPs %s are unreachable", f.rfp.Name, fprName(r.ID), f.fipNS.Name, strings.Join(local, ", ")))
		case !f.rfp.Up() || !f.fpr.Up():
			down := f.rfp.Name
			if f.rfp.Up() {
				down = f.fpr.Name
			}
			r.Problems = append(r.Problems, fmt.Sprintf("%s is down: the router's floating IPs %s are unreachable", down, strings.Join(local, ", ")))
		case f.fg == nil && fipRead:
			r.Problems = append(r.Problems, fmt.Sprintf("%s has no fg- device: nothing connects it to the external network", f.fipNS.Name))
		}
	}
	if f.snatNS != nil && qrRead && nsRead(s, f.snatNS, "netlink/") {
		for _, ri := range r.Interfaces {
			for _, a := range ri.Addresses {
				p, err := netip.ParsePrefix(a)
				if err != nil || !p.Addr().Is4() {
					continue
				}
				if !slices.ContainsFunc(v.SNATPorts, func(sg topo.RouterInterface) bool {
					return slices.ContainsFunc(sg.Addresses, func(b string) bool { return networkOf(b) == networkOf(a) })
				}) {
					r.Problems = append(r.Problems, fmt.Sprintf("no sg- port in %s on %s's subnet %s: instances on it without a floating IP get no SNAT", f.snatNS.Name, ri.Device, networkOf(a)))
				}
			}
		}
	}
}
