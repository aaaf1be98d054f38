package neutron

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/ostopo/ostopo/netinspect/topo"
)

// splitDevice returns the Neutron prefix and id suffix of a device name: a
// prefix plus the first 11 characters of the port id (§1.2).
func splitDevice(name string) (prefix, suffix string) {
	for _, p := range [...]string{"qvo", "qvb", "qbr", "tap", "vhu", "qr-", "qg-", "ha-", "sg-", "fg-"} {
		if rest, ok := strings.CutPrefix(name, p); ok && rest != "" {
			return p, rest
		}
	}
	return "", ""
}

// roleOfPrefix maps a namespaced device prefix to the port's role.
func roleOfPrefix(prefix string) string {
	switch prefix {
	case "qr-":
		return topo.RoleRouterInterface
	case "qg-":
		return topo.RoleRouterGateway
	case "ha-":
		return topo.RoleHA
	case "sg-":
		return topo.RoleRouterSNAT
	case "fg-":
		return topo.RoleFIPGateway
	case "tap":
		return topo.RoleDHCP
	}
	return topo.RoleUnknown
}

// expectedNamespace is the namespace kind a namespaced role lives in.
func expectedNamespace(role string) []string {
	switch role {
	case topo.RoleDHCP:
		return []string{topo.NSDHCP}
	case topo.RoleRouterInterface, topo.RoleRouterGateway, topo.RoleHA:
		return []string{topo.NSRouter, topo.NSSNAT}
	case topo.RoleRouterSNAT:
		return []string{topo.NSSNAT}
	case topo.RoleFIPGateway:
		return []string{topo.NSFIP}
	}
	return nil
}

// ports builds one entry per Neutron port: first from OVS ports (the agent's
// view), then from kernel devices that should be plugged into OVS but are
// not (a chain whose qvo never reached br-int, a qr- left in a namespace).
func (d *deriver) ports() {
	// Nearly every OVS port is a Neutron port: sized once, not grown.
	d.portIdx = make(map[string]int, len(d.x.ports))
	d.out.Ports = make([]topo.NPort, 0, len(d.x.ports))
	covered := make(map[string]bool, len(d.x.ports)) // device suffixes already placed
	bridges := make([]*topo.Bridge, 0, len(d.x.s.OVS.Bridges))
	if d.x.integration != nil {
		bridges = append(bridges, d.x.integration)
	}
	for i := range d.x.s.OVS.Bridges {
		if b := &d.x.s.OVS.Bridges[i]; b != d.x.integration {
			bridges = append(bridges, b)
		}
	}
	for _, b := range bridges {
		for pi := range b.Ports {
			p := &b.Ports[pi]
			if len(p.Interfaces) == 0 || p.Name == b.Name {
				continue
			}
			i := &p.Interfaces[0]
			if i.Type == "patch" || isTunnel(i) {
				continue
			}
			prefix, suffix := splitDevice(p.Name)
			if prefix == "qvb" || prefix == "qbr" {
				prefix = "" // never OVS ports in Neutron's plumbing
			}
			if prefix == "" && i.ExternalIDs["iface-id"] == "" {
				if b != d.x.integration || !d.rd.lacks(SourceInterfaceConfig) {
					continue // the bridge's own NICs and foreign ports
				}
				// No iface-id was read: a port of the integration
				// bridge that Neutron's names do not tell may be one
				// of its ports all the same (iface-id is how the
				// agent knows them).
			}
			np := d.fromOVS(b, p, i, prefix, suffix)
			covered[suffix] = true
			d.add(np, p.Name)
		}
	}
	d.kernelOnlyChains(covered)
	d.namespacedOrphans()
}

// add appends a port, or notes a second plugging of the same port id.
func (d *deriver) add(np topo.NPort, device string) {
	if at, ok := d.portIdx[np.ID]; ok {
		first := &d.out.Ports[at]
		first.Problems = append(first.Problems, fmt.Sprintf("port id also plugged as %s on %s", device, np.Bridge))
		return
	}
	if np.Dead {
		d.out.DeadVLANPorts = append(d.out.DeadVLANPorts, np.ID)
	}
	d.portIdx[np.ID] = len(d.out.Ports)
	d.out.Ports = append(d.out.Ports, np)
}

func (d *deriver) fromOVS(b *topo.Bridge, p *topo.Port, i *topo.Interface, prefix, suffix string) topo.NPort {
	ext := i.ExternalIDs
	np := topo.NPort{
		ID: ext["iface-id"], MAC: strings.ToLower(ext["attached-mac"]),
		NetworkID: p.OtherConfig["net_uuid"], LocalVLAN: p.Tag,
		InstanceID: firstNonEmpty(ext["vm-uuid"], ext["vm-id"]),
		Bridge:     b.Name, OVSPort: p.Name, OFPort: i.OFPort, Problems: []string{},
	}
	switch {
	case np.ID == "" && d.rd.lacks(SourceInterfaceConfig):
		// Not missing: not read. The device's name tells the id's start.
		np.ID = firstNonEmpty(suffix, p.Name)
		np.Unknown = append(np.Unknown, d.rd.unknownOVS("its Neutron port id, MAC and instance (the OVS interface's external_ids iface-id, attached-mac, vm-uuid)", SourceInterfaceConfig))
	case np.ID == "":
		np.ID = suffix
		np.Problems = append(np.Problems, "no external_ids:iface-id on the OVS interface: the agent cannot tell which port this is")
	case suffix != "" && !strings.HasPrefix(np.ID, suffix):
		np.Problems = append(np.Problems, fmt.Sprintf("device name %s does not match iface-id %s", p.Name, np.ID))
	}
	if i.OFPort < 0 || i.Error != "" {
		np.Problems = append(np.Problems, "OVS cannot use the device: "+firstNonEmpty(i.Error, "ofport -1"))
	}
	d.vlanState(&np, b, p)

	switch {
	case prefix == "qvo":
		np.Role, np.Firewall = topo.RoleInstance, topo.FirewallHybrid
		d.hybridChain(&np, suffix, b)
	case prefix == "vhu" || prefix == "tap" && isInstanceTap(d.x, p.Name, i):
		np.Role = topo.RoleInstance
		np.Firewall = d.directFirewall(b, i.OFPort)
		k, ok := d.x.devIn("", p.Name)
		np.Devices.Tap = device(p.Name, k, ok)
		np.Devices.Tap.OnBridge = b.Name
		switch {
		case prefix == "tap" && !ok && !d.rd.root:
			np.Unknown = append(np.Unknown, unknown(p.Name+" in the kernel", "netlink/(root)"))
		case prefix == "tap" && !ok:
			np.Problems = append(np.Problems, p.Name+" missing from the kernel (instance not running?)")
		case ok:
			if t := TroubleOf("", k.link, np.InstanceID, np.ID, d.x.lookup); t != nil {
				np.Problems = append(np.Problems, t.Problem)
			}
		}
	case prefix != "":
		np.Role = roleOfPrefix(prefix)
		d.namespacedDevice(&np, p.Name)
	default:
		np.Role = topo.RoleUnknown
	}
	if np.MAC == "" && np.Devices.Tap != nil && d.rd.lacks(SourceInterfaceConfig) {
		// attached-mac was not read: the device's MAC is the port's
		// (a tap's fe:16:3e… turned into the instance's fa:16:3e…).
		np.MAC = d.portMAC(&np)
	}
	if np.Role == topo.RoleInstance {
		np.FixedIPs = d.instanceIPs(np.MAC, np.NetworkID)
		switch {
		case len(np.FixedIPs) > 0 || b != d.x.integration:
		case d.rd.lacks(SourceOFPort):
			// The anti-spoofing flows name the port by its number.
			np.Unknown = append(np.Unknown, d.rd.unknownOVS("fixed IPs (a compute node records them in the anti-spoofing flows, which name the port by its OpenFlow number)", SourceOFPort))
		default:
			np.FixedIPs = slices.Clone(d.x.spoofIPs[i.OFPort])
		}
	}
	if np.MAC == "" && np.Devices.Tap != nil {
		np.MAC = d.portMAC(&np)
	}
	if b == d.x.integration && d.rd.lacks(SourcePortConfig) {
		d.portConfigUnknown(&np)
	}
	return np
}

// portConfigUnknown says what a port of the integration bridge lacks
// when the Port table's other_config was not read: its network
// (net_uuid), unless the DHCP host files name it by the port's MAC, and
// whether its tag agrees with other_config:tag.
func (d *deriver) portConfigUnknown(np *topo.NPort) {
	if np.NetworkID == "" && np.MAC != "" {
		var nets []string
		for _, e := range d.x.dhcpByMAC[np.MAC] {
			if !slices.Contains(nets, e.network) {
				nets = append(nets, e.network)
			}
		}
		if len(nets) == 1 {
			np.NetworkID = nets[0]
		}
	}
	what := "whether its tag agrees with other_config:tag"
	if np.NetworkID == "" {
		what = "its network (other_config:net_uuid), and " + what
	}
	np.Unknown = append(np.Unknown, d.rd.unknownOVS(what, SourcePortConfig))
}

// isInstanceTap tells a VM tap on br-int (native firewall) from a DHCP tap:
// the DHCP tap is an OVS internal port moved into a qdhcp- namespace and
// has no vm-uuid/vm-id (§1.2 note).
func isInstanceTap(x *index, name string, i *topo.Interface) bool {
	if i.ExternalIDs["vm-uuid"] != "" || i.ExternalIDs["vm-id"] != "" {
		return true
	}
	if i.Type == "internal" {
		return false
	}
	for _, k := range x.devs[name] {
		if k.ns.Kind == topo.NSDHCP {
			return false // ovs_use_veth: tap on br-int, ns- peer inside qdhcp-
		}
	}
	return true
}

// portMAC is the port's MAC told from its device's when OVSDB's
// attached-mac does not say it. In a report sos clean masked, an
// instance's tap MAC is an alias of fe:16:3e:…, which says nothing of the
// alias of the instance's fa:16:3e:… (each MAC gets its own): the MAC is
// then unknown, not a wrong one that no DHCP entry or flow matches.
func (d *deriver) portMAC(np *topo.NPort) string {
	if np.Role == topo.RoleInstance && len(d.rd.masked) > 0 {
		what := "its MAC (told from the tap's fe:16:3e… MAC, which sos clean masked)"
		if !slices.ContainsFunc(np.Unknown, func(u string) bool { return strings.HasPrefix(u, what) }) {
			np.Unknown = append(np.Unknown, unknown(what, SourceNames(append(slices.Clone(d.rd.ovsUnread[SourceInterfaceConfig]), d.rd.masked...))))
		}
		return ""
	}
	return vmMAC(np.Devices.Tap.MAC, np.Role)
}

// vmMAC turns a libvirt tap MAC (fe:16:3e:…) into the instance's (fa:16:3e:…).
func vmMAC(mac, role string) string {
	if role == topo.RoleInstance && strings.HasPrefix(mac, "fe:") {
		return "fa:" + mac[3:]
	}
	return mac
}

// vlanState records the local VLAN facts of an OVS port: the dead VLAN (and
// which of Neutron's reasons fits), a missing tag, and a tag that disagrees
// with other_config:tag (which the OVS firewall and agent restarts trust).
func (d *deriver) vlanState(np *topo.NPort, b *topo.Bridge, p *topo.Port) {
	if b != d.x.integration {
		return
	}
	other := p.OtherConfig["tag"]
	switch {
	case p.Tag == topo.DeadVLAN:
		np.Dead = true
		if slices.Contains(p.Trunks, topo.DeadVLAN) {
			np.DeadReason = "never_bound"
			np.Problems = append(np.Problems, "in dead VLAN 4095 with trunks [4095]: created but never bound by the OVS agent (agent down, RPC or binding failure)")
		} else {
			np.DeadReason = "killed"
			np.Problems = append(np.Problems, "in dead VLAN 4095: killed by the OVS agent (port admin down, deleted, or binding failed)")
		}
	case p.Tag == 0:
		np.Problems = append(np.Problems, "no VLAN tag on br-int: the OVS agent has not bound this port yet")
	case other != "" && other != strconv.Itoa(p.Tag):
		np.Problems = append(np.Problems, fmt.Sprintf("OVS tag %d differs from other_config:tag %s", p.Tag, other))
	}
}

// hybridChain checks tap → qbr → qvb ⇄ qvo → br-int (§1.2, iptables_hybrid)
// and fills the port's devices, problems and unknowns.
func (d *deriver) hybridChain(np *topo.NPort, suffix string, b *topo.Bridge) {
	names := [4]string{"tap" + suffix, "qbr" + suffix, "qvb" + suffix, "qvo" + suffix}
	var devs [4]*topo.Device
	var k [4]kdev
	var ok [4]bool
	// One allocation for the four members: a 1000-instance node has 4,000.
	members := new([4]topo.Device)
	for j, n := range names {
		k[j], ok[j] = d.x.devIn("", n)
		devs[j] = &members[j]
		describeDevice(devs[j], n, k[j], ok[j])
	}
	tap, qbr, qvb, qvo := devs[0], devs[1], devs[2], devs[3]
	if b != nil {
		qvo.OnBridge = b.Name
	}
	problems := np.Problems
	for j, n := range names {
		switch {
		case ok[j]:
		case !d.rd.root:
			// Not in what was read: the node's namespace was not.
			np.Unknown = append(np.Unknown, unknown(n+" in the kernel", "netlink/(root)"))
		case j == 0:
			problems = append(problems, n+" missing from the kernel (instance not running, or plugged elsewhere)")
		default:
			problems = append(problems, n+" missing from the kernel")
		}
	}
	// A device's kind and a veth's peer come with ip -d: without it
	// (an import of plain ip link or ip address output) they are
	// unknown, not wrong.
	detailed := len(d.rd.rootLinkInfo) == 0
	if !detailed && (ok[1] || ok[2] && ok[3]) {
		np.Unknown = append(np.Unknown, unknown(fmt.Sprintf("whether %s is a Linux bridge and %s is the veth peer of %s", qbr.Name, qvb.Name, qvo.Name), SourceNames(d.rd.rootLinkInfo)))
	}
	if ok[1] && detailed && k[1].link.Kind != "bridge" {
		problems = append(problems, fmt.Sprintf("%s is a %s device, not a Linux bridge", qbr.Name, k[1].link.Kind))
	}
	if ok[0] && tap.OnBridge != qbr.Name {
		problems = append(problems, fmt.Sprintf("%s is not in %s (master: %s)", tap.Name, qbr.Name, orNone(tap.OnBridge)))
	}
	if ok[2] && qvb.OnBridge != qbr.Name {
		problems = append(problems, fmt.Sprintf("%s is not in %s (master: %s)", qvb.Name, qbr.Name, orNone(qvb.OnBridge)))
	}
	if ok[2] && ok[3] && detailed && qvb.Peer != qvo.Name {
		problems = append(problems, fmt.Sprintf("%s's veth peer is %s, not %s", qvb.Name, orNone(qvb.Peer), qvo.Name))
	}
	if b == nil && ok[3] {
		switch op, on := d.x.ports[qvo.Name]; {
		case on:
			qvo.OnBridge = op.bridge.Name
			problems = append(problems, fmt.Sprintf("%s is a port of %s, not of the integration bridge", qvo.Name, op.bridge.Name))
		case !d.rd.ovsdb:
			// No OVSDB rows: every chain lands here, plugged or not.
			np.Unknown = append(np.Unknown, unknown(qvo.Name+" on br-int", "ovsdb"))
		default:
			problems = append(problems, fmt.Sprintf("%s is not a port of br-int", qvo.Name))
		}
	}
	out := topo.Devices{QVO: qvo, QVB: qvb, QBR: qbr, Tap: tap}
	np.Devices = out
	// Devices that pass no traffic, each with its own cause: set down, or
	// up without carrier (a qvo whose qvb was set down is not reported
	// again: PortTroubles leaves out what another member explains).
	for _, t := range PortTroubles(np, d.x.lookup) {
		problems = append(problems, t.Problem)
	}
	first, mtuDiffers := -1, false
	for j, dv := range devs {
		if !ok[j] {
			continue
		}
		if first < 0 {
			first = dv.MTU
		} else if dv.MTU != first {
			mtuDiffers = true
		}
	}
	if mtuDiffers {
		var mtus []string
		for j, dv := range devs {
			if ok[j] {
				mtus = append(mtus, fmt.Sprintf("%s %d", names[j][:3], dv.MTU))
			}
		}
		problems = append(problems, "MTU differs along the chain: "+strings.Join(mtus, ", "))
	}
	np.Problems = problems
}

// directFirewall tells the OVS firewall (table 60 entry flows loading reg5,
// §3.5) from no firewall for a tap plugged straight into br-int.
func (d *deriver) directFirewall(b *topo.Bridge, ofport int) string {
	for fi := range b.Flows {
		f := &b.Flows[fi]
		if f.Table == 60 && f.Priority == 100 && d.x.inPortIs(b, f, ofport) && loadsReg5(f) {
			return topo.FirewallOVS
		}
	}
	return topo.FirewallDirect
}

// loadsReg5 tells whether a flow writes register 5, however the dump
// printed it: OpenFlow 1.0 (plain ovs-ofctl) as load:0xb->NXM_NX_REG5[],
// OpenFlow 1.3 (a sosreport's ovs-ofctl -O OpenFlow13) as
// set_field:0xb->reg5, either possibly with a bit range.
func loadsReg5(f *topo.Flow) bool {
	for _, a := range f.ActionList() {
		if !strings.HasPrefix(a, "load:") && !strings.HasPrefix(a, "set_field:") {
			continue
		}
		_, dst, ok := strings.Cut(a, "->")
		if !ok {
			continue
		}
		if reg, _, _ := strings.Cut(dst, "["); strings.EqualFold(reg, "NXM_NX_REG5") || strings.EqualFold(reg, "reg5") {
			return true
		}
	}
	return false
}

// namespacedDevice fills the device of a dhcp/router port and checks that
// it lives in the namespace its role needs and is up.
func (d *deriver) namespacedDevice(np *topo.NPort, name string) {
	want := expectedNamespace(np.Role)
	var found kdev
	ok := false
	for _, k := range d.x.devs[name] {
		if slices.Contains(want, k.ns.Kind) || !ok {
			found, ok = k, true
		}
	}
	np.Devices.Tap = device(name, found, ok)
	np.Devices.Tap.OnBridge = np.Bridge
	// Where the device belongs may be a namespace that was not read (or
	// not listed): then it is unknown, not missing or misplaced.
	inPlace := ok && (len(want) == 0 || slices.Contains(want, found.ns.Kind))
	if !inPlace && !d.rd.kernel {
		np.Unknown = append(np.Unknown, unknown(name+" in a "+strings.Join(want, "-/")+"- namespace", SourceNames(d.rd.unreadKernel)))
	}
	if !ok {
		if d.rd.kernel {
			np.Problems = append(np.Problems, name+" missing from the kernel (OVS port without a device)")
		}
		return
	}
	np.Namespace = found.ns.Name
	switch {
	case !d.rd.kernel && !inPlace:
	case found.ns.Root:
		np.Problems = append(np.Problems, fmt.Sprintf("%s is in the node's own namespace, not in a %s- namespace", name, strings.Join(want, "-/")))
	case len(want) > 0 && !slices.Contains(want, found.ns.Kind):
		np.Problems = append(np.Problems, fmt.Sprintf("%s is in %s, expected a %s- namespace", name, found.ns.Name, strings.Join(want, "-/")))
	}
	switch found.ns.Kind {
	case topo.NSRouter, topo.NSSNAT:
		np.RouterID = found.ns.ID
	case topo.NSFIP:
		if np.NetworkID == "" && d.rd.lacks(SourcePortConfig) {
			// net_uuid was not read: the fip- namespace is named after
			// the external network.
			np.NetworkID = found.ns.ID
		}
	case topo.NSDHCP:
		if np.NetworkID != "" && np.NetworkID != found.ns.ID {
			np.Problems = append(np.Problems, fmt.Sprintf("OVS says network %s but the device is in %s", np.NetworkID, found.ns.Name))
		}
		if np.NetworkID == "" {
			np.NetworkID = found.ns.ID
		}
	}
	if t := TroubleOf(found.ns.Name, found.link, np.InstanceID, np.ID, d.x.lookup); t != nil {
		np.Problems = append(np.Problems, t.Problem)
	}
	for _, a := range globalAddrs(found.link) {
		if a == "169.254.169.254/32" || a == "169.254.169.254/16" {
			continue // the metadata address on DHCP ports
		}
		if np.Role == topo.RoleRouterGateway && strings.HasSuffix(a, "/32") {
			continue // floating IPs
		}
		np.FixedIPs = append(np.FixedIPs, a)
	}
	np.FixedIPs = d.haFixedIPs(found.ns, name, np.FixedIPs) // keepalived's addresses (ha.go)
}

// instanceIPs looks the instance's MAC up in the DHCP host files.
func (d *deriver) instanceIPs(mac, network string) []string {
	var out []string
	for _, e := range d.x.dhcpByMAC[mac] {
		if network == "" || e.network == network {
			out = append(out, e.host.IP)
		}
	}
	return out
}

// kernelOnlyChains finds hybrid chains (tap/qbr/qvb/qvo in the node's
// namespace) whose port is not on br-int, so a broken plug still shows up.
func (d *deriver) kernelOnlyChains(covered map[string]bool) {
	root := d.x.s.Root()
	if root == nil {
		return
	}
	for li := range root.Links {
		l := &root.Links[li]
		prefix, suffix := splitDevice(l.Name)
		switch prefix {
		case "qvo", "qvb", "qbr":
		case "tap":
			if !strings.HasPrefix(l.Master, "qbr") {
				continue
			}
		default:
			continue
		}
		if covered[suffix] {
			continue
		}
		covered[suffix] = true
		np := topo.NPort{ID: suffix, Role: topo.RoleInstance, Firewall: topo.FirewallHybrid, Problems: []string{}}
		d.hybridChain(&np, suffix, nil)
		if np.Devices.Tap != nil && np.Devices.Tap.InKernel {
			np.MAC = vmMAC(np.Devices.Tap.MAC, np.Role)
			np.FixedIPs = d.instanceIPs(np.MAC, "")
			if len(d.x.dhcpByMAC[np.MAC]) > 0 {
				np.NetworkID = d.x.dhcpByMAC[np.MAC][0].network
			}
		}
		d.add(np, l.Name)
	}
}

// namespacedOrphans finds DHCP and router devices inside Neutron namespaces
// that are not OVS ports: the namespace thinks it is wired, br-int does not.
func (d *deriver) namespacedOrphans() {
	for ni := range d.x.s.Namespaces {
		ns := &d.x.s.Namespaces[ni]
		if ns.Root || ns.Kind == topo.NSOther {
			continue
		}
		for li := range ns.Links {
			l := &ns.Links[li]
			prefix, suffix := splitDevice(l.Name)
			if prefix == "" || prefix == "qvo" || prefix == "qvb" || prefix == "qbr" || prefix == "vhu" {
				continue
			}
			if _, onOVS := d.x.ports[l.Name]; onOVS {
				continue
			}
			if peerOnOVS(d.x, l) {
				continue // ovs_use_veth: the namespace end is a veth whose peer is the OVS port
			}
			np := topo.NPort{ID: suffix, Role: roleOfPrefix(prefix), Problems: []string{}}
			d.namespacedDevice(&np, l.Name)
			// Veth peers come with ip -d. Without it, an OVS port
			// named as ovs_use_veth names the OVS end (tap + the id
			// suffix) may be this device's peer: unknown, not missing.
			noDetails := Failed(d.x.s, SourceLinkInfo+ns.Label())
			_, vethEnd := d.x.ports["tap"+suffix]
			switch {
			case d.rd.ovsdb && len(noDetails) > 0 && vethEnd:
				np.Unknown = append(np.Unknown, unknown(l.Name+"'s veth peer (tap"+suffix+" on OVS?)", SourceNames(noDetails)))
			case d.rd.ovsdb:
				np.Problems = append(np.Problems, fmt.Sprintf("%s is in %s but is not a port of any OVS bridge", l.Name, ns.Name))
			default:
				// Without OVSDB every namespaced device lands here.
				np.Unknown = append(np.Unknown, unknown(l.Name+" on an OVS bridge", "ovsdb"))
			}
			np.MAC = l.MAC
			d.add(np, l.Name)
		}
	}
}

func peerOnOVS(x *index, l *topo.Link) bool {
	if l.Peer == nil {
		return false
	}
	_, ok := x.ports[l.Peer.Name]
	return ok
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
