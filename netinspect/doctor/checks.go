package doctor

import (
	"fmt"
	"net/netip"
	"sort"
	"strconv"
	"strings"

	"github.com/ostopo/ostopo/netinspect/neutron"
	"github.com/ostopo/ostopo/netinspect/routefix"
	"github.com/ostopo/ostopo/netinspect/topo"
)

// node is a snapshot with the lookups the checks share.
type node struct {
	s        *topo.Snapshot
	n        *topo.Neutron
	ovsPorts map[string]topo.PortOnBridge
	// troubles holds each port's devices that pass no traffic (by port
	// index), worked out once for device-down and device-no-carrier.
	troubles [][]neutron.Trouble
}

func newNode(s *topo.Snapshot) *node {
	return &node{s: s, n: &s.Neutron, ovsPorts: s.OVS.PortIndex()}
}

// portTroubles returns, per port, its devices that are set down or have
// no carrier (neutron.PortTroubles: a device whose fault another of the
// chain explains is left out).
func (x *node) portTroubles() [][]neutron.Trouble {
	if x.troubles == nil {
		links := neutron.Links(x.s)
		x.troubles = make([][]neutron.Trouble, len(x.n.Ports))
		for i := range x.n.Ports {
			x.troubles[i] = neutron.PortTroublesOn(x.s.Deployment, &x.n.Ports[i], links)
		}
	}
	return x.troubles
}

func port(id string) Object { return Object{"port", id} }

func deadVLAN(x *node) []Finding {
	var out []Finding
	for _, p := range x.n.Ports {
		if !p.Dead {
			continue
		}
		f := Finding{Severity: Error, Objects: []Object{port(p.ID), {"network", p.NetworkID}}}
		op := x.ovsPorts[p.OVSPort].Port
		if op != nil {
			f.Evidence = append(f.Evidence, fmt.Sprintf("OVSDB: Port %s tag=%d trunks=%v", op.Name, op.Tag, op.Trunks))
		}
		if p.DeadReason == "never_bound" {
			f.Title = "port created but never bound by the OVS agent (dead VLAN 4095, trunks [4095])"
			if ovs := x.s.AgentRun(topo.AgentOVS); ovs.NotRunning() {
				f.Fix = x.restartAgent(topo.AgentOVS) + "; then openstack port show " + p.ID + " (binding:vif_type)"
			} else {
				f.Fix = "check that " + ovs.Name() + " runs and its log for port " + p.ID + "; openstack port show " + p.ID + " (binding:vif_type)"
			}
		} else {
			f.Title = "port killed by the OVS agent (dead VLAN 4095): admin down, deleted, or binding failed"
			f.Fix = "openstack port show " + p.ID + " (admin_state_up, binding); a deleted port's leftovers: ovs-vsctl del-port " + p.OVSPort
		}
		out = append(out, f)
	}
	return out
}

// chainBroken reports hybrid chains whose devices are missing or miswired
// (what neutron.Derive found, read from the devices' facts).
func chainBroken(x *node) []Finding {
	var out []Finding
	peersRead := len(x.rootLinkInfoUnread()) == 0 // veth peers come with ip -d
	for _, p := range x.n.Ports {
		d := p.Devices
		if p.Role != topo.RoleInstance || d.QVO == nil {
			continue
		}
		var ev []string
		missing := func(dv *topo.Device) {
			if !dv.InKernel {
				ev = append(ev, dv.Name+" missing from the kernel")
			}
		}
		missing(d.Tap)
		missing(d.QBR)
		missing(d.QVB)
		missing(d.QVO)
		if d.Tap.InKernel && d.QBR.InKernel && d.Tap.OnBridge != d.QBR.Name {
			ev = append(ev, fmt.Sprintf("%s is not in %s (master: %s)", d.Tap.Name, d.QBR.Name, orNone(d.Tap.OnBridge)))
		}
		if d.QVB.InKernel && d.QBR.InKernel && d.QVB.OnBridge != d.QBR.Name {
			ev = append(ev, fmt.Sprintf("%s is not in %s (master: %s)", d.QVB.Name, d.QBR.Name, orNone(d.QVB.OnBridge)))
		}
		if d.QVB.InKernel && d.QVO.InKernel && peersRead && d.QVB.Peer != d.QVO.Name {
			ev = append(ev, fmt.Sprintf("%s's veth peer is %s, not %s", d.QVB.Name, orNone(d.QVB.Peer), d.QVO.Name))
		}
		if d.QVO.InKernel && p.Bridge == "" {
			ev = append(ev, d.QVO.Name+" is not a port of br-int")
		}
		if len(ev) == 0 {
			continue
		}
		out = append(out, Finding{Severity: Error, Objects: []Object{port(p.ID), {"network", p.NetworkID}}, Evidence: ev,
			Fix: "re-plug the port: nova reboot --hard " + instanceOf(p) + ", or recreate the missing link by hand (ip link set … master …; ovs-vsctl add-port br-int …)"})
	}
	return out
}

// devices returns a port's devices in path order.
func devices(p topo.NPort) []*topo.Device {
	var out []*topo.Device
	for _, d := range []*topo.Device{p.Devices.Tap, p.Devices.QBR, p.Devices.QVB, p.Devices.QVO} {
		if d != nil {
			out = append(out, d)
		}
	}
	return out
}

// deviceDown reports devices someone set down (or that the kernel holds
// down with carrier present): ip link set … up brings them back.
func deviceDown(x *node) []Finding {
	return troubleFindings(x, func(fault string) bool { return fault != neutron.FaultNoCarrier }, func(t neutron.Trouble) string {
		return fmt.Sprintf("%s %s", t.Device, t.Found)
	})
}

// deviceNoCarrier reports devices that are up but have no carrier: a tap
// no qemu holds (the instance is not running), a veth whose peer is down.
// Setting them up changes nothing; the advice says what to look at.
func deviceNoCarrier(x *node) []Finding {
	return troubleFindings(x, func(fault string) bool { return fault == neutron.FaultNoCarrier }, func(t neutron.Trouble) string {
		return t.Problem
	})
}

func troubleFindings(x *node, keep func(fault string) bool, evidence func(neutron.Trouble) string) []Finding {
	var out []Finding
	for i, ts := range x.portTroubles() {
		p := &x.n.Ports[i]
		var ev, fix []string
		for _, t := range ts {
			if !keep(t.Fault) {
				continue
			}
			ev = append(ev, evidence(t))
			if t.Namespace != "" && !strings.Contains(t.Next, t.Namespace) {
				ev[len(ev)-1] += " (in " + t.Namespace + ")"
			}
			fix = append(fix, t.Next)
		}
		if len(ev) > 0 {
			out = append(out, Finding{Severity: Error, Objects: []Object{port(p.ID)}, Evidence: ev, Fix: strings.Join(fix, "; ")})
		}
	}
	return out
}

func mtuMismatch(x *node) []Finding {
	var out []Finding
	from := map[string]string{} // network -> where its MTU was read, worked out once
	for _, p := range x.n.Ports {
		mtus := map[int]bool{}
		var ev []string
		for _, d := range devices(p) {
			if d.InKernel && d.MTU > 0 {
				mtus[d.MTU] = true
				ev = append(ev, fmt.Sprintf("%s mtu %d", d.Name, d.MTU))
			}
		}
		nw := x.n.Network(p.NetworkID)
		netMTU := 0
		if nw != nil {
			netMTU = nw.MTU
		}
		differs := len(mtus) > 1
		if netMTU > 0 && len(mtus) > 0 && !mtus[netMTU] {
			differs = true
			if _, ok := from[nw.ID]; !ok {
				from[nw.ID] = networkMTUFrom(x.n.Ports, nw)
			}
			ev = append(ev, fmt.Sprintf("network %s mtu %d (%s)", p.NetworkID, netMTU, from[nw.ID]))
		}
		if differs {
			out = append(out, Finding{Severity: Warning, Objects: []Object{port(p.ID), {"network", p.NetworkID}}, Evidence: ev,
				Fix: fmt.Sprintf("ip link set <device> mtu %d for each; a network MTU change needs the ports re-plugged", max(netMTU, 0))})
		}
	}
	return out
}

// networkMTUFrom says where a network's MTU was read, the way the
// derivation takes it (neutron's mtuSeen.decide): from the devices of its
// DHCP and router ports when any is in the kernel, else from its instance
// ports' devices. It names the devices that carry the MTU, and stays
// neutral when none does (a snapshot whose model was derived otherwise).
func networkMTUFrom(ports []topo.NPort, nw *topo.Network) string {
	var agent, vif []string
	agentRead := false
	for _, p := range ports {
		if p.NetworkID != nw.ID || p.Role == topo.RoleUnknown {
			continue
		}
		byAgent := p.Role != topo.RoleInstance
		for _, d := range devices(p) {
			if !d.InKernel || d.MTU <= 0 {
				continue
			}
			agentRead = agentRead || byAgent
			switch {
			case d.MTU != nw.MTU:
			case byAgent:
				agent = append(agent, d.Name)
			default:
				vif = append(vif, d.Name)
			}
		}
	}
	names, what := vif, "its instance ports' devices"
	if agentRead {
		names, what = agent, "its DHCP/router ports' devices"
	}
	if len(names) == 0 {
		return "taken from its ports' devices"
	}
	sort.Strings(names)
	if len(names) > 3 {
		names = append(names[:3:3], fmt.Sprintf("+%d", len(names)-3))
	}
	return "taken from " + what + ": " + strings.Join(names, ", ")
}

func tagMismatch(x *node) []Finding {
	var out []Finding
	for _, p := range x.n.Ports {
		op := x.ovsPorts[p.OVSPort].Port
		if op == nil || op.Tag == topo.DeadVLAN || op.Tag == 0 {
			continue
		}
		if other := op.OtherConfig["tag"]; other != "" && other != strconv.Itoa(op.Tag) {
			out = append(out, Finding{Severity: Error, Objects: []Object{port(p.ID), {"network", p.NetworkID}},
				Evidence: []string{fmt.Sprintf("OVSDB: Port %s tag=%d other_config:tag=%s", op.Name, op.Tag, other)},
				Fix:      x.restartAgent(topo.AgentOVS) + ": it re-tags ports from other_config as it starts; or ovs-vsctl set port " + op.Name + " tag=" + other})
		}
	}
	return out
}

func vlanShared(x *node) []Finding {
	owners := map[int][]string{}
	for _, nw := range x.n.Networks {
		if nw.LocalVLAN != 0 && nw.LocalVLAN != topo.DeadVLAN {
			owners[nw.LocalVLAN] = append(owners[nw.LocalVLAN], nw.ID)
		}
	}
	var out []Finding
	for vlan, ids := range owners {
		if len(ids) < 2 {
			continue
		}
		sort.Strings(ids)
		f := Finding{Severity: Error, Evidence: []string{fmt.Sprintf("local VLAN %d: networks %s", vlan, strings.Join(ids, ", "))},
			Fix: x.restartAgent(topo.AgentOVS) + " to re-allocate local VLANs; until then the networks see each other's traffic"}
		for _, id := range ids {
			f.Objects = append(f.Objects, Object{"network", id})
		}
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Objects[0].ID < out[j].Objects[0].ID })
	return out
}

func vlanUnmapped(x *node) []Finding {
	var out []Finding
	ofportsRead := len(x.lacks(neutron.SourceOFPort)) == 0
	for _, nw := range x.n.Networks {
		if nw.LocalVLAN == 0 || nw.NetworkType == "" || nw.NetworkType == "local" {
			continue
		}
		if !ofportsRead && physicalNetwork(&nw) {
			continue // its translation flows name ports by number (finerPartial)
		}
		var ev []string
		switch nw.NetworkType {
		case "vxlan", "gre", "geneve":
			if nw.Flows.TunnelIngress == "" {
				ev = append(ev, fmt.Sprintf("no br-tun flow mapping tunnel id %s to local VLAN %d", segment(nw), nw.LocalVLAN))
			}
		default:
			if nw.Flows.IntIngress == "" {
				ev = append(ev, fmt.Sprintf("no br-int priority 3 flow translating %s %s to local VLAN %d", nw.NetworkType, segment(nw), nw.LocalVLAN))
			}
			if nw.Flows.IntIngress != "" && nw.Flows.PhysEgress == "" {
				ev = append(ev, fmt.Sprintf("no %s priority 4 flow translating local VLAN %d back", orNone(nw.Bridge), nw.LocalVLAN))
			}
		}
		if len(ev) > 0 {
			out = append(out, Finding{Severity: Error, Objects: []Object{{"network", nw.ID}}, Evidence: ev,
				Fix: x.restartAgent(topo.AgentOVS) + ": it provisions the local VLAN's flows as it starts; ovs-ofctl dump-flows br-tun / br-int to confirm"})
		}
	}
	return out
}

func segment(nw topo.Network) string {
	if nw.SegmentationID == nil {
		return ""
	}
	return strconv.Itoa(*nw.SegmentationID)
}

func patchPeer(x *node) []Finding {
	var out []Finding
	for _, pp := range x.n.PatchPairs {
		if len(pp.Problems) == 0 {
			continue
		}
		out = append(out, Finding{Severity: Error, Objects: []Object{{"patch", pp.Bridge + "/" + pp.Port}, {"bridge", pp.Bridge}},
			Evidence: append([]string{fmt.Sprintf("OVSDB: %s options:peer=%s", pp.Port, pp.Peer)}, pp.Problems...),
			Fix:      x.restartAgent(topo.AgentOVS) + ": it creates patch-tun/patch-int and int-/phy- pairs as it starts"})
	}
	return out
}

func tunnelLocalIP(x *node) []Finding {
	root := x.s.Root()
	if root == nil {
		return nil
	}
	local := map[string]bool{}
	for _, l := range root.Links {
		for _, a := range l.Addrs {
			ip, _, _ := strings.Cut(a.Prefix, "/")
			local[ip] = true
		}
	}
	var out []Finding
	for _, t := range x.n.Tunnels {
		if t.LocalIP != "" && !local[t.LocalIP] {
			out = append(out, Finding{Severity: Error, Objects: []Object{{"tunnel", t.Port}},
				Evidence: []string{fmt.Sprintf("OVSDB: %s options:local_ip=%s", t.Port, t.LocalIP), "no interface of the node has " + t.LocalIP},
				Fix:      "restore the tunnel interface's address, or fix " + x.localIPSetting() + " and " + x.s.AgentRun(topo.AgentOVS).Restart()})
		}
	}
	return out
}

func namespaceOrphan(x *node) []Finding {
	var out []Finding
	for _, ns := range x.s.Namespaces {
		var owned bool
		switch ns.Kind {
		case topo.NSDHCP:
			for _, p := range x.n.Ports {
				if p.NetworkID == ns.ID && p.Bridge != "" {
					owned = true
				}
			}
		case topo.NSRouter:
			for _, p := range x.n.Ports {
				if p.RouterID == ns.ID && p.Bridge != "" {
					owned = true
				}
			}
		default:
			continue
		}
		if !owned && len(ns.Links) > 1 {
			out = append(out, Finding{Severity: Warning, Objects: []Object{{"namespace", ns.Name}},
				Evidence: []string{ns.Name + ": no port of its " + map[string]string{topo.NSDHCP: "network", topo.NSRouter: "router"}[ns.Kind] + " is on br-int"},
				Fix:      "if the " + ns.Kind + " was deleted: ip netns delete " + ns.Name + "; else " + x.restartAgent(map[string]string{topo.NSDHCP: topo.AgentDHCP, topo.NSRouter: topo.AgentL3}[ns.Kind])})
		}
	}
	return out
}

func namespaceEmpty(x *node) []Finding {
	var out []Finding
	for _, ns := range x.s.Namespaces {
		if ns.Root || ns.Kind == topo.NSOther {
			continue
		}
		if len(ns.Links) <= 1 { // only lo
			out = append(out, Finding{Severity: Warning, Objects: []Object{{"namespace", ns.Name}},
				Evidence: []string{fmt.Sprintf("%s has %d device(s)", ns.Name, len(ns.Links))},
				Fix:      "ip netns delete " + ns.Name + " (left behind by an agent that died mid-cleanup)"})
		}
	}
	return out
}

func routerForwarding(x *node) []Finding {
	var out []Finding
	for _, r := range x.n.Routers {
		if r.IPForward != nil && !*r.IPForward {
			out = append(out, Finding{Severity: Error, Objects: []Object{{"router", r.ID}, {"namespace", r.Namespace}},
				Evidence: []string{r.Namespace + ": net.ipv4.ip_forward=0"},
				Fix:      "ip netns exec " + r.Namespace + " sysctl -w net.ipv4.ip_forward=1; then find what turned it off"})
		}
	}
	return out
}

func fipNAT(x *node) []Finding {
	out := dvrFIPNamespace(x)
	for _, r := range x.n.Routers {
		for _, f := range r.FloatingIPs {
			var ev []string
			switch {
			case f.Distributed && !f.FIPRoute && r.DVR != nil && x.s.Namespace(r.DVR.FIPNamespace) != nil:
				ev = append(ev, "DNAT rule for "+f.FloatingIP+" from rfp- but "+r.DVR.FIPNamespace+" has no route for it via fpr-")
			case f.OnGateway && !f.DNAT:
				ev = append(ev, f.FloatingIP+"/32 is on the gateway port but there is no DNAT rule for it")
			case f.DNAT && !f.OnGateway && r.Kind != "dvr" && x.haHeld(&r):
				ev = append(ev, "DNAT rule for "+f.FloatingIP+" but the address is on no qg- device")
			case f.DNAT && !f.OnGateway && x.haStandbyFIP(&r, f) != nil:
				// A standby HA router holds no address by design (ha.go).
				ev = x.haStandbyFIP(&r, f)
			case f.DNAT && !f.SNAT:
				ev = append(ev, "DNAT rule for "+f.FloatingIP+" but no float-snat rule")
			}
			if len(ev) > 0 {
				out = append(out, Finding{Severity: Error, Objects: []Object{{"router", r.ID}, {"namespace", r.Namespace}, {"floating_ip", f.FloatingIP}}, Evidence: ev,
					Fix: x.restartAgent(topo.AgentL3) + ": it rewrites the router's NAT and addresses as it starts; or disassociate and re-associate the floating IP"})
			}
		}
	}
	return out
}

// dvrFIPNamespace finds distributed routers serving floating IPs on this
// node (qrouter- DNATs them from rfp-) without the fip- namespace of their
// external network, which answers ARP for them and routes them to the
// router: part of the fip-nat check, whose facts it reads.
func dvrFIPNamespace(x *node) []Finding {
	var out []Finding
	for i := range x.n.Routers {
		r := &x.n.Routers[i]
		d := neutron.DVR(x.s, r)
		if d == nil {
			continue
		}
		ns := x.s.Namespace(r.Namespace)
		var local []string
		for _, f := range r.FloatingIPs {
			if f.Distributed || neutron.DistributedFIP(ns, f.FloatingIP) {
				local = append(local, f.FloatingIP)
			}
		}
		if len(local) == 0 || d.FIPNamespace != "" && x.s.Namespace(d.FIPNamespace) != nil {
			continue
		}
		want := d.FIPNamespace
		if want == "" {
			want = "fip-<external network id>"
		}
		objs := []Object{{"router", r.ID}, {"namespace", want}}
		for _, f := range local {
			objs = append(objs, Object{"floating_ip", f})
		}
		out = append(out, Finding{Severity: Error, Title: "distributed router's floating IPs without their fip- namespace", Objects: objs,
			Evidence: []string{
				fmt.Sprintf("%s DNATs %s from rfp-: distributed floating IPs served on this node", r.Namespace, strings.Join(local, ", ")),
				fmt.Sprintf("no %s namespace on the node: nothing answers ARP for them on the external network or routes them to the router", want),
			},
			Fix: x.restartAgent(topo.AgentL3) + ": it recreates " + want + " with its fg- port and the router's rfp-/fpr- pair; then ip netns exec " + want + " ip route"})
	}
	return out
}

func routerInterfaceAddress(x *node) []Finding {
	var out []Finding
	for _, r := range x.n.Routers {
		if !x.haHeld(&r) {
			continue // keepalived keeps addresses only on the primary (ha.go)
		}
		for _, i := range r.Interfaces {
			if len(i.Addresses) == 0 {
				out = append(out, Finding{Severity: Warning, Objects: []Object{port(i.Port), {"router", r.ID}},
					Evidence: []string{i.Device + " in " + r.Namespace + " has no address"},
					Fix:      x.restartAgent(topo.AgentL3) + "; openstack router show " + r.ID})
			}
		}
	}
	return out
}

func routerDuplicateAddress(x *node) []Finding {
	seen := map[string][]string{} // ip -> devices
	routerOf := map[string]string{}
	for _, r := range x.n.Routers {
		devs := []string{}
		for _, i := range r.Interfaces {
			for _, a := range i.Addresses {
				seen[a] = append(seen[a], i.Device)
				devs = append(devs, i.Device)
			}
		}
		if r.Gateway != nil && r.Gateway.Address != "" {
			seen[r.Gateway.Address] = append(seen[r.Gateway.Address], r.Gateway.Device)
		}
		for _, d := range devs {
			routerOf[d] = r.ID
		}
	}
	var out []Finding
	for a, devs := range seen {
		if len(devs) < 2 {
			continue
		}
		ip, _ := netip.ParsePrefix(a)
		sort.Strings(devs)
		out = append(out, Finding{Severity: Error, Objects: []Object{{"address", ip.Addr().String()}},
			Evidence: []string{fmt.Sprintf("%s on %s", a, strings.Join(devs, ", "))},
			Fix:      "two router ports claim one address: openstack port list --fixed-ip ip-address=" + ip.Addr().String()})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Objects[0].ID < out[j].Objects[0].ID })
	return out
}

func dhcpPort(x *node) []Finding {
	var out []Finding
	for _, ns := range x.s.Namespaces {
		if ns.Kind != topo.NSDHCP {
			continue
		}
		tap := dhcpTap(&ns)
		// A veth's peer (ovs_use_veth: ns- in the namespace, tap on
		// br-int) comes with ip -d: without it, unknown (finerPartial).
		peersRead := len(neutron.Failed(x.s, neutron.SourceLinkInfo+ns.Label())) == 0
		var ev []string
		switch {
		case tap == nil:
			ev = append(ev, ns.Name+" has no tap device")
		default:
			if onOVS := x.ovsPorts[tap.Name].Port != nil; !onOVS && peersRead && (tap.Peer == nil || x.ovsPorts[tap.Peer.Name].Port == nil) {
				ev = append(ev, tap.Name+" is not a port of br-int")
			}
			global := 0
			for _, a := range tap.Addrs {
				if a.Scope == "global" && !strings.HasPrefix(a.Prefix, "169.254.") {
					global++
				}
			}
			if global == 0 {
				ev = append(ev, tap.Name+" has no address on the network's subnet")
			}
		}
		if len(ev) > 0 && len(ns.Links) > 1 {
			out = append(out, Finding{Severity: Error, Objects: []Object{{"namespace", ns.Name}, {"network", ns.ID}}, Evidence: ev,
				Fix: x.restartAgent(topo.AgentDHCP) + "; instances on network " + ns.ID + " get no DHCP answers meanwhile"})
		}
	}
	return out
}

// dhcpTap is a DHCP namespace's port device (tap…, or ns-… with
// ovs_use_veth), or nil.
func dhcpTap(ns *topo.Namespace) *topo.Link {
	var tap *topo.Link
	for i := range ns.Links {
		if strings.HasPrefix(ns.Links[i].Name, "tap") || strings.HasPrefix(ns.Links[i].Name, "ns-") {
			tap = &ns.Links[i]
		}
	}
	return tap
}

// defaultRouteViaBridgePort is the kolla trap (routefix.Diagnose): the
// host's uplink given as neutron_external_interface, plugged into br-ex, and
// still carrying the default route, so the host's own traffic goes nowhere.
// A route through a device that is down or has no carrier, and any other
// route someone added through such a device, is the same finding.
func defaultRouteViaBridgePort(x *node) []Finding {
	var out []Finding
	for _, d := range routefix.Diagnose(x.s) {
		dst, _, _ := strings.Cut(d.Route, " ")
		f := Finding{Severity: Error, Objects: []Object{{"route", dst}, {"nic", d.Dev}}, Evidence: []string{d.Text()}}
		if d.Bridge != "" {
			f.Objects = append(f.Objects, Object{"bridge", d.Bridge})
		}
		dev := "<management NIC>"
		if len(d.Candidates) > 0 {
			dev = d.Candidates[0].Dev
		}
		if dst == "default" {
			f.Fix = "send the default route through the management NIC to a gateway on its network that forwards and NATs: " +
				"ostopo fix default-route --dev " + dev + " --gateway <gateway> (a plan; --apply changes it; F in the TUI)"
		} else {
			f.Fix = "move the route to a NIC that carries the host's own traffic (" + dev + "), e.g. ip route replace " + dst + " via <gateway> dev " + dev
		}
		out = append(out, f)
	}
	return out
}

func providerNICAddress(x *node) []Finding {
	var out []Finding
	for _, nic := range x.n.ProviderNICs {
		if len(nic.Addresses) > 0 {
			out = append(out, Finding{Severity: Warning, Objects: []Object{{"nic", nic.Name}, {"bridge", nic.Bridge}},
				Evidence: []string{fmt.Sprintf("%s holds %s and is a port of %s", nic.Name, strings.Join(nic.Addresses, ", "), nic.Bridge)},
				Fix:      "a port of an OVS bridge cannot use its own address: move it to " + nic.Bridge + "'s internal port or another NIC"})
		}
	}
	return out
}

func neutronBridges(x *node) []topo.BridgeRole {
	var out []topo.BridgeRole
	for _, b := range x.n.Bridges {
		if b.Role == topo.BridgeIntegration || b.Role == topo.BridgeTunnel || b.Role == topo.BridgePhysical {
			out = append(out, b)
		}
	}
	return out
}

func failMode(x *node) []Finding {
	var out []Finding
	for _, role := range neutronBridges(x) {
		b := x.s.OVS.Bridge(role.Name)
		if b != nil && b.FailMode != "secure" {
			out = append(out, Finding{Severity: Warning, Objects: []Object{{"bridge", b.Name}},
				Evidence: []string{fmt.Sprintf("OVSDB: Bridge %s fail_mode=%s", b.Name, orNone(b.FailMode))},
				Fix:      "ovs-vsctl set-fail-mode " + b.Name + " secure (the OVS agent sets it; standalone floods between networks when the agent is gone)"})
		}
	}
	return out
}

func controller(x *node) []Finding {
	var out []Finding
	for _, role := range neutronBridges(x) {
		b := x.s.OVS.Bridge(role.Name)
		if b == nil {
			continue
		}
		connected := false
		var targets []string
		for _, c := range b.Controllers {
			targets = append(targets, c.Target)
			connected = connected || c.IsConnected
		}
		if connected {
			continue
		}
		ev := "no controller configured (pre-Pike agent, or not managed by the ML2/OVS agent)"
		if len(targets) > 0 {
			ev = "controller " + strings.Join(targets, ", ") + " not connected"
		}
		evidence := []string{ev}
		if n := len(neutron.NotProgrammed(x.n)); n > 0 && role.Role == topo.BridgeIntegration {
			// Both hold: the agent that would program them is away.
			evidence = append(evidence, fmt.Sprintf("%d port(s) on %s plugged but not programmed by the OVS agent (findings port-not-programmed)", n, b.Name))
		}
		out = append(out, Finding{Severity: Warning, Objects: []Object{{"bridge", b.Name}}, Evidence: evidence,
			Fix: x.controllerFix()})
	}
	return out
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// instanceOf names a port's instance for a command line.
func instanceOf(p topo.NPort) string {
	if p.InstanceID == "" {
		return "<instance>"
	}
	return p.InstanceID
}
