package neutron

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/ostopo/ostopo/netinspect/topo"
)

// networks groups ports by network id (Port.other_config:net_uuid, §2.3),
// works out each network's local VLAN and segment, and checks the flows
// that carry it (br-tun tables 3/4/6 and 22, br-int priority 3, physical
// bridge priority 4; §3).
func (d *deriver) networks() {
	nets := map[string]*topo.Network{}
	get := func(id string) *topo.Network {
		n, ok := nets[id]
		if !ok {
			n = &topo.Network{ID: id, Ports: []string{}, Problems: []string{}}
			nets[id] = n
		}
		return n
	}
	vlans := map[string]map[int][]string{} // network -> lvid -> devices
	mtus := map[string]*mtuSeen{}          // network -> MTUs its ports' devices carry
	for pi := range d.out.Ports {
		p := &d.out.Ports[pi]
		if p.NetworkID == "" {
			continue
		}
		n := get(p.NetworkID)
		n.Ports = append(n.Ports, p.ID)
		if p.LocalVLAN != 0 && p.LocalVLAN != topo.DeadVLAN {
			if vlans[n.ID] == nil {
				vlans[n.ID] = map[int][]string{}
			}
			vlans[n.ID][p.LocalVLAN] = append(vlans[n.ID][p.LocalVLAN], firstNonEmpty(p.OVSPort, p.ID))
		}
		if p.RouterID != "" && (p.Role == topo.RoleRouterInterface || p.Role == topo.RoleRouterGateway) && !slices.Contains(n.Routers, p.RouterID) {
			n.Routers = append(n.Routers, p.RouterID)
		}
		if agentAddressed(p.Role) {
			for _, ip := range p.FixedIPs {
				if c := networkOf(ip); c != "" && !slices.Contains(n.CIDRs, c) {
					n.CIDRs = append(n.CIDRs, c)
				}
			}
		}
		if mtus[n.ID] == nil {
			mtus[n.ID] = &mtuSeen{}
		}
		mtus[n.ID].add(p)
	}
	// Segment facts the agent wrote on the ports of the integration bridge.
	if ib := d.x.integration; ib != nil {
		for _, p := range ib.Ports {
			id := p.OtherConfig["net_uuid"]
			if id == "" || nets[id] == nil {
				continue
			}
			n := nets[id]
			if t := p.OtherConfig["network_type"]; t != "" && n.NetworkType == "" {
				n.NetworkType = t
			}
			if pn := p.OtherConfig["physical_network"]; pn != "" && pn != "None" && n.PhysicalNetwork == "" {
				n.PhysicalNetwork = pn
			}
			if s, err := strconv.Atoi(p.OtherConfig["segmentation_id"]); err == nil && n.SegmentationID == nil {
				n.SegmentationID = &s
			}
		}
	}
	for ni := range d.x.s.Namespaces {
		ns := &d.x.s.Namespaces[ni]
		if ns.Kind != topo.NSDHCP {
			continue
		}
		n := get(ns.ID)
		n.DHCPNamespace = ns.Name
		switch {
		case len(n.Ports) > 0:
		case !d.rd.ovsdb:
			n.Unknown = append(n.Unknown, unknown("its ports on br-int", "ovsdb"))
		default:
			n.Problems = append(n.Problems, ns.Name+" exists but no port of this network is on br-int (left behind?)")
		}
	}
	for id, seen := range mtus {
		seen.decide(nets[id])
	}
	for _, n := range nets {
		n.CIDRsUnknown = cidrsUnknown(n, d.out.Ports, d.portIdx)
	}
	for id, byVLAN := range vlans {
		n := nets[id]
		n.LocalVLAN = majorityVLAN(byVLAN)
		if len(byVLAN) > 1 {
			n.Problems = append(n.Problems, "ports of this network are on different local VLANs: "+describeVLANs(byVLAN))
		}
	}
	owners := map[int][]string{}
	for _, n := range nets {
		if n.LocalVLAN != 0 {
			owners[n.LocalVLAN] = append(owners[n.LocalVLAN], n.ID)
		}
	}
	for _, n := range nets {
		if o := owners[n.LocalVLAN]; len(o) > 1 {
			sort.Strings(o)
			n.Problems = append(n.Problems, fmt.Sprintf("local VLAN %d is shared by networks %s", n.LocalVLAN, strings.Join(o, ", ")))
		}
		d.checkFlows(n)
	}
	if d.rd.lacks(SourcePortConfig) {
		// Which network a port is on was not read (net_uuid), but its
		// tag was: a VLAN some port carries is in use.
		used := maps.Clone(owners)
		for _, p := range d.out.Ports {
			if p.Bridge != "" && d.x.integration != nil && p.Bridge == d.x.integration.Name && p.LocalVLAN != 0 {
				used[p.LocalVLAN] = append(used[p.LocalVLAN], p.ID)
			}
		}
		owners = used
	}
	d.orphanMappings(owners)
	ids := slices.Sorted(maps.Keys(nets))
	for _, id := range ids {
		d.out.Networks = append(d.out.Networks, *nets[id])
	}
}

// mtuSeen gathers the MTUs the kernel devices of a network's ports carry,
// kept apart by who set them.
type mtuSeen struct {
	// agent: devices the DHCP and L3 agents plug (tap in qdhcp-, qr-,
	// qg-, ha-, sg-, fg-), set to the network's MTU when plugged and
	// again whenever it changes (DeviceManager.setup "force mtu",
	// RouterInfo.internal_network_updated).
	// vif: an instance's tap, qbr, qvb and qvo, set by os-vif (and
	// libvirt) from the network's MTU when the instance is plugged and
	// never after: the OVS agent does not touch them, so after an MTU
	// change they keep the old one until the instance is re-plugged.
	agent, vif map[int][]string // MTU -> device names
}

func (m *mtuSeen) add(p *topo.NPort) {
	into := &m.vif
	switch p.Role {
	case topo.RoleInstance:
	case topo.RoleUnknown:
		return // no telling what set its device
	default:
		into = &m.agent
	}
	for _, dv := range []*topo.Device{p.Devices.Tap, p.Devices.QBR, p.Devices.QVB, p.Devices.QVO} {
		if dv == nil || !dv.InKernel || dv.MTU <= 0 {
			continue
		}
		if *into == nil {
			*into = map[int][]string{}
		}
		(*into)[dv.MTU] = append((*into)[dv.MTU], dv.Name)
	}
}

// decide sets the network's MTU from its ports' devices and says so when
// they disagree. The agents' devices are taken when there are any: they
// follow the network's MTU, where os-vif's may be left from before a
// change. Among the devices taken, the smallest MTU is the reading: it is
// the largest packet all of them pass, and naming a larger one would have
// an operator size packets that some port of the network drops.
func (m *mtuSeen) decide(n *topo.Network) {
	from, what := m.agent, "its DHCP/router ports"
	if len(from) == 0 {
		from, what = m.vif, "its instance ports"
	}
	if len(from) == 0 {
		return
	}
	n.MTU = slices.Min(slices.Collect(maps.Keys(from)))
	all := map[int][]string{}
	for _, byMTU := range []map[int][]string{m.agent, m.vif} {
		for mtu, devs := range byMTU {
			all[mtu] = append(all[mtu], devs...)
		}
	}
	if len(all) > 1 {
		n.Problems = append(n.Problems, fmt.Sprintf("the devices of its ports carry different MTUs: %s; taking %d, the smallest of %s (ports plugged before an MTU change keep the old one until re-plugged; or a device was set by hand)",
			describeMTUs(all), n.MTU, what))
	}
}

func describeMTUs(byMTU map[int][]string) string {
	var parts []string
	for _, mtu := range slices.Sorted(maps.Keys(byMTU)) {
		devs := slices.Sorted(slices.Values(byMTU[mtu]))
		if len(devs) > 3 {
			devs = append(devs[:3:3], fmt.Sprintf("+%d", len(byMTU[mtu])-3))
		}
		parts = append(parts, fmt.Sprintf("%d (%s)", mtu, strings.Join(devs, ", ")))
	}
	return strings.Join(parts, "; ")
}

// agentAddressed reports whether ports of a role are devices the DHCP or
// L3 agent holds in a namespace with their subnet's prefix length: a
// network's CIDRs are read off them. Besides qdhcp- tap, qr- and qg-, the
// L3 agent's ha- (the HA network's subnet), sg- (DVR SNAT) and fg- (DVR
// floating IP gateway) ports are such devices: on a network node an HA
// network has no other port, and on a DVR compute node the external
// network has only its fg- port.
func agentAddressed(role string) bool {
	switch role {
	case topo.RoleDHCP, topo.RoleRouterInterface, topo.RoleRouterGateway, topo.RoleHA, topo.RoleRouterSNAT, topo.RoleFIPGateway:
		return true
	}
	return false
}

// cidrsUnknown says why a network's CIDRs could not be read, or "" when
// they were. Only the addresses of its DHCP and router ports (agentAddressed)
// carry a prefix length.
func cidrsUnknown(n *topo.Network, ports []topo.NPort, at map[string]int) string {
	if len(n.CIDRs) > 0 {
		return ""
	}
	for _, id := range n.Ports {
		i, ok := at[id]
		if !ok {
			continue
		}
		if agentAddressed(ports[i].Role) {
			return "no address read from its DHCP/router ports"
		}
	}
	if n.DHCPNamespace != "" {
		return "no address read from its DHCP port"
	}
	return "no DHCP or router port of this network on this node, and instance addresses carry no prefix length"
}

func majorityVLAN(byVLAN map[int][]string) int {
	best, count := 0, -1
	for v, devs := range byVLAN {
		if len(devs) > count || len(devs) == count && v < best {
			best, count = v, len(devs)
		}
	}
	return best
}

func describeVLANs(byVLAN map[int][]string) string {
	vs := slices.Sorted(maps.Keys(byVLAN))
	var parts []string
	for _, v := range vs {
		devs := byVLAN[v]
		sort.Strings(devs)
		if len(devs) > 3 {
			devs = append(devs[:3:3], fmt.Sprintf("+%d", len(byVLAN[v])-3))
		}
		parts = append(parts, fmt.Sprintf("%d (%s)", v, strings.Join(devs, ", ")))
	}
	return strings.Join(parts, "; ")
}

// TunnelTable is the br-tun table mapping a tunnel id to a local VLAN for
// a network type (3 gre, 4 vxlan, 6 geneve), or -1.
func TunnelTable(networkType string) int {
	switch networkType {
	case "gre":
		return 3
	case "vxlan":
		return 4
	case "geneve":
		return 6
	}
	return -1
}

// FlowText is a flow as an operator would grep for it in a dump.
func FlowText(f *topo.Flow) string {
	m := "priority=" + strconv.Itoa(f.Priority)
	if f.Match != "" {
		m += "," + f.Match
	}
	return fmt.Sprintf("table=%d, %s actions=%s", f.Table, m, f.Actions)
}

func (d *deriver) checkFlows(n *topo.Network) {
	if n.NetworkType == "" && d.rd.lacks(SourcePortConfig) {
		n.Unknown = append(n.Unknown, d.rd.unknownOVS("its type, segmentation id and the flows that carry it (other_config network_type, segmentation_id, physical_network on its ports)", SourcePortConfig))
		return
	}
	if n.LocalVLAN == 0 || n.NetworkType == "" || n.NetworkType == "local" {
		return
	}
	if table := TunnelTable(n.NetworkType); table >= 0 {
		d.checkTunnelFlows(n, table)
		return
	}
	d.checkPhysicalFlows(n)
}

func (d *deriver) checkTunnelFlows(n *topo.Network, table int) {
	tb := d.x.tunnel
	if tb == nil {
		n.Problems = append(n.Problems, fmt.Sprintf("%s network but no tunnel bridge (br-tun) on this node", n.NetworkType))
		return
	}
	if n.SegmentationID == nil {
		n.Problems = append(n.Problems, "tunnel network without other_config:segmentation_id on its ports")
		return
	}
	seg := *n.SegmentationID
	if !d.rd.flows[tb.Name] {
		n.Unknown = append(n.Unknown, unknown(fmt.Sprintf("%s flows for tunnel id %d and local VLAN %d", tb.Name, seg, n.LocalVLAN), "openflow/"+tb.Name))
		return
	}
	var wrong []string
	for fi := range tb.Flows {
		f := &tb.Flows[fi]
		if f.Table != table {
			continue
		}
		if tid, ok := f.MatchInt("tun_id"); !ok || tid != seg {
			continue
		}
		if v, ok := f.ModVLAN(); ok && v == n.LocalVLAN {
			n.Flows.TunnelIngress = FlowText(f)
		} else if ok {
			wrong = append(wrong, fmt.Sprintf("local VLAN %d", v))
		}
	}
	if n.Flows.TunnelIngress == "" {
		msg := fmt.Sprintf("no %s table %d flow mapping tunnel id %d (tun_id=0x%x) to local VLAN %d: traffic from other nodes is dropped", tb.Name, table, seg, seg, n.LocalVLAN)
		if len(wrong) > 0 {
			msg += "; it maps it to " + strings.Join(wrong, ", ")
		}
		n.Problems = append(n.Problems, msg)
	}
	for fi := range tb.Flows {
		f := &tb.Flows[fi]
		if f.Table != 22 {
			continue
		}
		if v, ok := f.MatchInt("dl_vlan"); !ok || v != n.LocalVLAN {
			continue
		}
		n.Flows.TunnelFlood = FlowText(f)
		for _, o := range f.Outputs() {
			n.Flows.FloodPorts = append(n.Flows.FloodPorts, firstNonEmpty(d.x.ofportName(tb, o), o))
		}
		if tid, ok := f.SetTunnelID(); ok && tid != seg {
			n.Problems = append(n.Problems, fmt.Sprintf("%s table 22 floods local VLAN %d with tunnel id %d, but the network's segmentation id is %d", tb.Name, n.LocalVLAN, tid, seg))
		}
	}
}

func (d *deriver) checkPhysicalFlows(n *topo.Network) {
	ib := d.x.integration
	if ib == nil {
		return
	}
	if !d.rd.flows[ib.Name] {
		n.Unknown = append(n.Unknown, unknown(fmt.Sprintf("%s flows translating local VLAN %d and the physical bridge behind them", ib.Name, n.LocalVLAN), "openflow/"+ib.Name))
		return
	}
	if d.rd.lacks(SourceOFPort) {
		// The translation flows name the patch port by its number.
		n.Unknown = append(n.Unknown, d.rd.unknownOVS(fmt.Sprintf("%s flows translating local VLAN %d and the physical bridge behind them (they name ports by OpenFlow number)", ib.Name, n.LocalVLAN), SourceOFPort))
		return
	}
	want := "vlan_tci=0x0000/0x1fff" // flat: untagged frames
	if n.NetworkType == "vlan" && n.SegmentationID != nil {
		want = "dl_vlan=" + strconv.Itoa(*n.SegmentationID)
	}
	var phys *topo.Bridge
	var physPort string
	for fi := range ib.Flows {
		f := &ib.Flows[fi]
		if f.Table != 0 || f.Priority != 3 || !strings.Contains(","+f.Match+",", ","+want+",") {
			continue
		}
		if v, ok := f.ModVLAN(); !ok || v != n.LocalVLAN {
			continue
		}
		inPort, _ := f.MatchField("in_port")
		op, ok := d.x.ports[d.x.ofportName(ib, inPort)]
		if !ok || op.iface == nil {
			continue
		}
		peer, ok := d.x.ifaces[op.iface.Options["peer"]]
		if !ok {
			continue
		}
		n.Flows.IntIngress = FlowText(f)
		phys, physPort = peer.bridge, peer.port.Name
		break
	}
	what := "untagged frames"
	if n.NetworkType == "vlan" {
		what = "VLAN " + strings.TrimPrefix(want, "dl_vlan=")
	}
	if phys == nil {
		n.Problems = append(n.Problems, fmt.Sprintf("no %s table 0 flow translating %s from a physical bridge to local VLAN %d: provider traffic never reaches the ports", ib.Name, what, n.LocalVLAN))
		return
	}
	n.Bridge = phys.Name
	if n.PhysicalNetwork != "" {
		d.setBridgePhysnet(phys.Name, n.PhysicalNetwork)
	}
	if !d.rd.flows[phys.Name] {
		n.Unknown = append(n.Unknown, unknown(fmt.Sprintf("%s flows translating local VLAN %d back", phys.Name, n.LocalVLAN), "openflow/"+phys.Name))
		return
	}
	for fi := range phys.Flows {
		f := &phys.Flows[fi]
		if f.Priority != 4 || !d.x.matchesPort(phys, f, physPort) {
			continue
		}
		if v, ok := f.MatchInt("dl_vlan"); !ok || v != n.LocalVLAN {
			continue
		}
		acts := f.ActionList()
		okFlat := n.NetworkType == "flat" && slices.Contains(acts, "strip_vlan")
		seg, hasSeg := f.ModVLAN()
		okVLAN := n.NetworkType == "vlan" && hasSeg && n.SegmentationID != nil && seg == *n.SegmentationID
		if okFlat || okVLAN {
			n.Flows.PhysEgress = FlowText(f)
		}
	}
	if n.Flows.PhysEgress == "" {
		n.Problems = append(n.Problems, fmt.Sprintf("no %s priority 4 flow translating local VLAN %d from %s back to %s: traffic to the provider network is dropped", phys.Name, n.LocalVLAN, physPort, what))
	}
}

// orphanMappings reports VLAN mappings in br-tun and br-int that no network
// on the node uses: flows the agent should have removed.
func (d *deriver) orphanMappings(owners map[int][]string) {
	if tb := d.x.tunnel; tb != nil {
		for fi := range tb.Flows {
			f := &tb.Flows[fi]
			if f.Table != 3 && f.Table != 4 && f.Table != 6 {
				continue
			}
			tid, ok1 := f.MatchInt("tun_id")
			v, ok2 := f.ModVLAN()
			if ok1 && ok2 && len(owners[v]) == 0 {
				d.out.Problems = append(d.out.Problems, fmt.Sprintf("%s maps tunnel id %d to local VLAN %d, which no port on this node uses (stale flow: %s)", tb.Name, tid, v, FlowText(f)))
			}
		}
	}
	if ib := d.x.integration; ib != nil {
		for fi := range ib.Flows {
			f := &ib.Flows[fi]
			if f.Table != 0 || f.Priority != 3 {
				continue
			}
			if v, ok := f.ModVLAN(); ok && len(owners[v]) == 0 {
				d.out.Problems = append(d.out.Problems, fmt.Sprintf("%s translates provider traffic to local VLAN %d, which no port on this node uses (stale flow: %s)", ib.Name, v, FlowText(f)))
			}
		}
	}
}
