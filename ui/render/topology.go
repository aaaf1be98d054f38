package render

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/ostopo/ostopo/netinspect/neutron"
	"github.com/ostopo/ostopo/netinspect/topo"
)

// Topology draws the bridges the way the classic Neutron diagrams stack
// them: physical bridges (provider side) on top, br-int in the middle with
// its ports grouped by local VLAN, br-tun with its tunnels below. Each
// instance is its chain tap ─ qbr ─ qvb ═ qvo ─ br-int[tag]; a broken link
// is ✗, a missing device ✗name, a device that is down name↓.
func Topology(s *topo.Snapshot) []Row {
	n := &s.Neutron
	var rows []Row
	roles := map[string]topo.BridgeRole{}
	for _, b := range n.Bridges {
		roles[b.Name] = b
	}
	order := slices.Clone(s.OVS.Bridges)
	rank := func(b topo.Bridge) int {
		switch roles[b.Name].Role {
		case topo.BridgePhysical:
			return 0
		case topo.BridgeIntegration:
			return 1
		case topo.BridgeTunnel:
			return 2
		}
		return 3
	}
	slices.SortStableFunc(order, func(a, b topo.Bridge) int { return cmp.Compare(rank(a), rank(b)) })
	for i := range order {
		b := &order[i]
		role := roles[b.Name]
		rows = append(rows, Row{
			Text:  join(b.Name, role.Role, role.PhysicalNetwork, "fail_mode "+orDash(b.FailMode), b.DatapathType, strconv.Itoa(len(b.Ports))+" ports"),
			Class: Header, Ref: Ref{"bridge", b.Name}, Copy: b.Name,
		})
		rows = append(rows, patchRows(n, b.Name)...)
		switch role.Role {
		case topo.BridgePhysical:
			rows = append(rows, nicRows(n, b.Name)...)
		case topo.BridgeTunnel:
			rows = append(rows, tunnelRows(n, b.Name)...)
		case topo.BridgeIntegration:
			rows = append(rows, vlanRows(n, b.Name)...)
		}
	}
	// Chains the kernel has but no bridge holds.
	var loose []topo.NPort
	for _, p := range n.Ports {
		if p.Bridge == "" {
			loose = append(loose, p)
		}
	}
	if len(loose) > 0 {
		title := "not on any OVS bridge"
		if unread := neutron.Unread(s, "ovsdb"); len(unread) > 0 {
			// OVSDB was not read: where they are plugged is unknown.
			title = "bridge unknown: " + neutron.SourceNames(unread) + " was not read"
		}
		rows = append(rows, Row{Text: title, Class: Header, Ref: Ref{"bridge", ""}})
		for _, p := range loose {
			rows = append(rows, portRows(p, "    ")...)
		}
	}
	if len(n.Problems) > 0 {
		rows = append(rows, Row{Text: "node", Class: Header})
		for _, p := range n.Problems {
			rows = append(rows, Row{Text: "  ✗ " + p, Class: Problem})
		}
	}
	return rows
}

func patchRows(n *topo.Neutron, bridge string) []Row {
	var rows []Row
	for _, pp := range n.PatchPairs {
		port, peer, peerBr := pp.Port, pp.Peer, pp.PeerBridge
		switch {
		case pp.Bridge == bridge:
		case pp.PeerBridge == bridge:
			port, peer, peerBr = pp.Peer, pp.Port, pp.Bridge
		default:
			continue
		}
		link, class := "══", Normal
		if len(pp.Problems) > 0 {
			link, class = "✗", Problem
		}
		rows = append(rows, Row{
			Text:  "  " + join(port+" "+link+" "+peer, "("+orDash(peerBr)+")", "patch", problemsText(pp.Problems)),
			Class: class, Ref: Ref{"patch", pp.Bridge + "/" + pp.Port}, Copy: port,
		})
	}
	return rows
}

func nicRows(n *topo.Neutron, bridge string) []Row {
	var rows []Row
	for _, nic := range n.ProviderNICs {
		if nic.Bridge != bridge {
			continue
		}
		state := "up"
		switch {
		case nic.AdminDown:
			state = "down"
		case !nic.Up || !nic.Carrier:
			// Set up, no link: the cable or the switch port, not ip link.
			state = "no-carrier"
		}
		class := Good
		if len(nic.Problems) > 0 {
			class = Problem
		}
		rows = append(rows, Row{
			Text:  "  " + join(nic.Name, "provider NIC", state, "mtu "+strconv.Itoa(nic.MTU), strings.Join(nic.Addresses, " "), problemsText(nic.Problems)),
			Class: class, Ref: Ref{"nic", nic.Name}, Copy: nic.Name,
		})
	}
	return rows
}

func tunnelRows(n *topo.Neutron, bridge string) []Row {
	var rows []Row
	for _, t := range n.Tunnels {
		if t.Bridge != bridge {
			continue
		}
		class := Normal
		if len(t.Problems) > 0 {
			class = Problem
		}
		rows = append(rows, Row{
			Text:  "  " + join(t.Port, t.Type, t.LocalIP+" → "+t.RemoteIP, "ofport "+strconv.Itoa(t.OFPort), problemsText(t.Problems)),
			Class: class, Ref: Ref{"tunnel", t.Port}, Copy: t.RemoteIP,
		})
	}
	nets := slices.Clone(n.Networks)
	slices.SortStableFunc(nets, func(a, b topo.Network) int { return cmp.Compare(a.LocalVLAN, b.LocalVLAN) })
	for _, nw := range nets {
		if nw.Flows.TunnelIngress == "" && nw.Flows.TunnelFlood == "" {
			continue
		}
		seg := ""
		if nw.SegmentationID != nil {
			seg = strconv.Itoa(*nw.SegmentationID)
		}
		flood := "no flood flow"
		if len(nw.Flows.FloodPorts) > 0 {
			flood = "floods to " + strings.Join(nw.Flows.FloodPorts, ", ")
		}
		rows = append(rows, Row{
			Text:  "  " + join(fmt.Sprintf("VLAN %d ↔ %s %s", nw.LocalVLAN, nw.NetworkType, seg), "net "+Short(nw.ID), flood),
			Class: Dim, Ref: Ref{"network", nw.ID}, Search: nw.ID, Copy: nw.ID,
		})
	}
	return rows
}

// vlanRows groups the integration bridge's ports by local VLAN, one group
// per network.
func vlanRows(n *topo.Neutron, bridge string) []Row {
	byVLAN := map[int][]topo.NPort{}
	for _, p := range n.Ports {
		if p.Bridge == bridge {
			byVLAN[p.LocalVLAN] = append(byVLAN[p.LocalVLAN], p)
		}
	}
	nets := map[int]*topo.Network{}
	for i := range n.Networks {
		nets[n.Networks[i].LocalVLAN] = &n.Networks[i]
	}
	vlans := slices.Sorted(maps.Keys(byVLAN))
	var rows []Row
	for _, v := range vlans {
		rows = append(rows, vlanHeader(v, nets[v]))
		ports := byVLAN[v]
		slices.SortStableFunc(ports, func(a, b topo.NPort) int {
			if c := cmp.Compare(roleRank(a.Role), roleRank(b.Role)); c != 0 {
				return c
			}
			return cmp.Compare(a.OVSPort, b.OVSPort)
		})
		for _, p := range ports {
			rows = append(rows, portRows(p, "    ")...)
		}
	}
	return rows
}

func vlanHeader(v int, nw *topo.Network) Row {
	switch {
	case v == topo.DeadVLAN:
		return Row{Text: "  VLAN 4095  dead (ports the agent never bound or killed)", Class: Problem, Ref: Ref{"vlan", "4095"}, Search: "dead"}
	case v == 0:
		return Row{Text: "  untagged  (the OVS agent has not bound these ports)", Class: Problem, Ref: Ref{"vlan", "0"}}
	case nw == nil:
		return Row{Text: fmt.Sprintf("  VLAN %d  no network owns this tag", v), Class: Problem, Ref: Ref{"vlan", strconv.Itoa(v)}}
	}
	seg := ""
	if nw.SegmentationID != nil {
		seg = strconv.Itoa(*nw.SegmentationID)
	}
	dhcp := ""
	if nw.DHCPNamespace != "" {
		dhcp = "dhcp " + Short(strings.TrimPrefix(nw.DHCPNamespace, "qdhcp-"))
	}
	class := Header
	if len(nw.Problems) > 0 {
		class = Problem
	}
	return Row{
		Text:  "  " + join(fmt.Sprintf("VLAN %d", v), "net "+Short(nw.ID), nw.NetworkType, seg, nw.PhysicalNetwork, strings.Join(nw.CIDRs, " "), dhcp, problemsText(nw.Problems)),
		Class: class, Ref: Ref{"network", nw.ID}, Search: nw.ID + " vlan " + strconv.Itoa(v), Copy: nw.ID,
	}
}

func roleRank(role string) int {
	return slices.Index([]string{topo.RoleRouterGateway, topo.RoleRouterInterface, topo.RoleHA, topo.RoleRouterSNAT,
		topo.RoleFIPGateway, topo.RoleDHCP, topo.RoleInstance, topo.RoleUnknown}, role)
}

// portRows draws one port: its chain or its namespace, then its problems.
func portRows(p topo.NPort, indent string) []Row {
	class := Normal
	if len(p.Problems) > 0 {
		class = Problem
	}
	ips := strings.Join(p.FixedIPs, " ")
	search := strings.Join([]string{p.ID, p.MAC, p.InstanceID, p.NetworkID, ips, "vlan " + strconv.Itoa(p.LocalVLAN)}, " ")
	var text string
	switch {
	case p.Devices.QVO != nil || p.Devices.QBR != nil:
		text = join(chain(p), "vm "+Short(orDash(p.InstanceID)), ips)
	case p.Namespace != "":
		text = join(deviceName(p.Devices.Tap)+" ─ "+bridgeTag(p), p.Role, "▶ "+nsShort(p.Namespace), ips)
	default:
		text = join(deviceName(p.Devices.Tap)+" ─ "+bridgeTag(p), p.Role, p.Firewall, "vm "+Short(orDash(p.InstanceID)), ips)
	}
	rows := []Row{{Text: indent + text, Class: class, Ref: Ref{"port", p.ID}, Search: search, Copy: p.ID}}
	for _, pr := range p.Problems {
		rows = append(rows, Row{Text: indent + "  ✗ " + pr, Class: Problem, Ref: Ref{"port", p.ID}, Search: search, Copy: p.ID})
	}
	return rows
}

// chain draws tap ─ qbr ─ qvb ═ qvo ─ br-int[tag] with ✗ on broken links.
func chain(p topo.NPort) string {
	d := p.Devices
	link := func(ok bool, good string) string {
		if ok {
			return " " + good + " "
		}
		return " ✗ "
	}
	tapInQBR := d.Tap != nil && d.QBR != nil && d.Tap.InKernel && d.Tap.OnBridge == d.QBR.Name
	qvbInQBR := d.QVB != nil && d.QBR != nil && d.QVB.InKernel && d.QVB.OnBridge == d.QBR.Name
	peered := d.QVB != nil && d.QVO != nil && d.QVB.InKernel && d.QVO.InKernel && d.QVB.Peer == d.QVO.Name
	onOVS := d.QVO != nil && d.QVO.InKernel && p.Bridge != ""
	return deviceName(d.Tap) + link(tapInQBR, "─") + deviceName(d.QBR) + link(qvbInQBR, "─") +
		deviceName(d.QVB) + link(peered, "═") + deviceName(d.QVO) + link(onOVS, "─") + bridgeTag(p)
}

func deviceName(d *topo.Device) string {
	switch {
	case d == nil:
		return "✗?"
	case !d.InKernel:
		return "✗" + d.Name
	case !d.Up:
		return d.Name + "↓"
	}
	return d.Name
}

func bridgeTag(p topo.NPort) string {
	if p.Bridge == "" {
		return "✗br-int"
	}
	return p.Bridge + "[" + strconv.Itoa(p.LocalVLAN) + "]"
}

// nsShort abbreviates the UUID of a Neutron namespace name.
func nsShort(ns string) string {
	kind, id := topo.ClassifyNamespace(ns)
	if id == "" {
		return ns
	}
	return kind + "-" + Short(id)
}
