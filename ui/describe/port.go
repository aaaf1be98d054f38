package describe

import (
	"strconv"
	"strings"

	"github.com/ostopo/ostopo/netinspect/neutron"
	"github.com/ostopo/ostopo/netinspect/topo"
	"github.com/ostopo/ostopo/netinspect/trace"
	"github.com/ostopo/ostopo/ui/render"
)

// portPage: the verdict, the chain in path order (what the issue asks to
// see within the first lines of the detail pane), what the port is, its
// problems; then kernel, OVSDB, flows, trace and raw sections.
func (x *Index) portPage(id string) (Page, bool) {
	p := x.ports[id]
	if p == nil {
		return Page{}, false
	}
	ref := portRef(p.ID)
	fs := x.findings[ref]
	var sum lines
	verdict(&sum, fs, p.Problems, p.Unknown, p.Role+" port: chain and VLAN hold")
	x.chain(&sum, p)
	x.portFacts(&sum, p)
	if hasProblems(fs, p.Problems, p.Unknown) {
		sum.add(render.Header, "problems")
		problems(&sum, ref, fs, p.Problems, p.Unknown)
	}
	page := Page{Title: Title(ref), Trace: p.ID, Sections: []Section{{Lines: sum}}}
	page.Sections = append(page.Sections,
		section("kernel", x.portKernel(p)),
		section("OVSDB", x.ovsdbLines(p.OVSPort)),
		section("flows", x.portFlows(p)),
		// The trace walks the node (a millisecond on a 1000-instance
		// node): built when the page is scrolled to it.
		Section{Name: "trace", Lazy: func() []Line { return x.traceLines(p.ID) }},
		x.raw(ref))
	return page, true
}

// chain writes one line per hop in path order: tap → qbr → qvb ⇄ qvo →
// bridge[tag], each with its state, MTU and where it is plugged, and ✗
// where the link to the next hop is broken.
func (x *Index) chain(ls *lines, p *topo.NPort) {
	d := p.Devices
	hybrid := d.QBR != nil || d.QVB != nil || d.QVO != nil
	if hybrid {
		ls.add(render.Header, "chain  tap → qbr → qvb ⇄ qvo → %s", orDash(p.Bridge))
	} else {
		ls.add(render.Header, "chain  %s → %s", orWord(deviceWord(p), "device"), orDash(p.Bridge))
	}
	for _, dv := range devices(p) {
		var wrong []string
		switch {
		case hybrid && dv == d.Tap && d.QBR != nil && dv.InKernel && dv.OnBridge != d.QBR.Name:
			wrong = append(wrong, "✗ not in "+d.QBR.Name)
		case hybrid && dv == d.QVB && d.QBR != nil && dv.InKernel && dv.OnBridge != d.QBR.Name:
			wrong = append(wrong, "✗ not in "+d.QBR.Name)
		}
		if hybrid && dv == d.QVB && d.QVO != nil && dv.InKernel && d.QVO.InKernel && dv.Peer != d.QVO.Name {
			wrong = append(wrong, "✗ peer is not "+d.QVO.Name)
		}
		x.hop(ls, p, dv, wrong)
	}
	x.bridgeHop(ls, p)
}

// deviceWord names the device of a port that has one (a router's qr-, a
// DHCP tap).
func deviceWord(p *topo.NPort) string {
	if p.Devices.Tap != nil {
		return p.Devices.Tap.Name
	}
	return p.OVSPort
}

// hop writes one device of a chain.
func (x *Index) hop(ls *lines, p *topo.NPort, dv *topo.Device, wrong []string) {
	l := x.link(dv.Namespace, dv.Name)
	where := ""
	if dv.Namespace != "" {
		where = "in " + nsShort(dv.Namespace)
	}
	if l == nil {
		mark, class, state := "✗", render.Problem, "missing from the kernel"
		if unknownMentions(p.Unknown, dv.Name) {
			mark, class, state = "?", render.Dim, "not read"
		}
		line := ls.add(class, "  %s %-16s %s%s", mark, dv.Name, state, prefixed("  ", where))
		if ref := x.deviceRef(dv.Namespace, p.Bridge, dv.Name); ref.Kind == "link" || ref.Kind == "port" && ref.ID != p.ID {
			line.Link = ref
		}
		line.Copy = dv.Name
		return
	}
	state := stateWord(l)
	mark, class := "✓", render.Normal
	if neutron.Fault(l) != "" || len(wrong) > 0 {
		mark, class = "✗", render.Problem
	}
	// What is wrong first: at 80 columns the end of the line is cut.
	parts := wrong
	switch {
	case dv.OnBridge != "" && x.ovsPorts[dv.Name].Bridge != nil:
		parts = append(parts, "on "+dv.OnBridge)
	case l.Master != "":
		parts = append(parts, "in "+l.Master)
	}
	if l.Peer != nil && l.Peer.Name != "" && l.Kind == "veth" {
		parts = append(parts, "peer "+l.Peer.Name)
	}
	if op := x.ovsPorts[dv.Name]; op.Port != nil {
		if of := ofportOf(op.Port); of != 0 {
			parts = append(parts, "ofport "+strconv.Itoa(of))
		}
	}
	if where != "" {
		parts = append(parts, where)
	}
	ls.link(linkRef(dv.Namespace, dv.Name), dv.Name, class, "  %s %-16s %-10s mtu %-5d %s", mark, dv.Name, state, l.MTU, strings.Join(parts, "  "))
}

// bridgeHop writes the last hop: the OVS bridge and the port's VLAN, the
// tag beside other_config:tag (which the agent and the OVS firewall
// trust after a restart).
func (x *Index) bridgeHop(ls *lines, p *topo.NPort) {
	if p.Bridge == "" {
		mark, class, what := "✗", render.Problem, "on no OVS bridge"
		if unknownMentions(p.Unknown, "br-int") {
			mark, class, what = "?", render.Dim, "bridge unknown: OVSDB was not read"
		}
		ls.add(class, "  %s %-16s %s", mark, "br-int", what)
		return
	}
	op := x.ovsPorts[p.OVSPort]
	tag, other := p.LocalVLAN, ""
	if op.Port != nil {
		tag, other = op.Port.Tag, op.Port.OtherConfig["tag"]
	}
	mark, class := "✓", render.Normal
	var notes []string
	switch {
	case tag == topo.DeadVLAN:
		mark, class = "✗", render.Problem
		notes = append(notes, "dead VLAN")
	case tag == 0:
		mark, class = "✗", render.Problem
		notes = append(notes, "untagged")
	case other != "" && other != strconv.Itoa(tag):
		mark, class = "✗", render.Problem
		notes = append(notes, "tag ≠ other_config:tag")
	}
	tagText := "tag " + strconv.Itoa(tag)
	if tag == 0 {
		tagText = "no tag"
	}
	ls.link(bridgeRef(p.Bridge), p.Bridge, class, "  %s %-16s %-10s other_config:tag %s  port %s%s", mark, p.Bridge, tagText, orDash(other),
		p.OVSPort, prefixed("  ", strings.Join(notes, ", ")))
}

// stateWord is a device's state as an operator says it: up, DOWN (set
// down), NO-CARRIER (up, nothing at the other end), DOWN (oper …).
func stateWord(l *topo.Link) string {
	switch neutron.Fault(l) {
	case neutron.FaultAdminDown:
		return "DOWN"
	case neutron.FaultNoCarrier:
		return "NO-CARRIER"
	case neutron.FaultOperDown:
		return "DOWN(" + l.OperState + ")"
	}
	return "up"
}

// unknownMentions reports whether what could not be checked names a
// device: then its absence is not a problem.
func unknownMentions(unknown []string, name string) bool {
	for _, u := range unknown {
		if strings.Contains(u, name) {
			return true
		}
	}
	return false
}

// portFacts writes what the port is: role, network, VLAN, instance,
// addresses, floating IPs, router or namespace, id.
func (x *Index) portFacts(ls *lines, p *topo.NPort) {
	role := p.Role
	if p.Firewall != "" {
		role += "  firewall " + p.Firewall
	}
	if p.Dead {
		role += "  dead (" + p.DeadReason + ")"
	}
	ls.add(render.Normal, "role      %s", role)
	if p.NetworkID != "" {
		nwText := ""
		if nw := x.networks[p.NetworkID]; nw != nil {
			nwText = "  " + networkKind(nw)
		}
		ls.link(networkRef(p.NetworkID), p.NetworkID, render.Normal, "network   %s%s", p.NetworkID, nwText)
	}
	vlan := "VLAN      " + strconv.Itoa(p.LocalVLAN)
	if op := x.ovsPorts[p.OVSPort]; op.Port != nil {
		vlan += "  (tag " + strconv.Itoa(op.Port.Tag) + ", other_config:tag " + orDash(op.Port.OtherConfig["tag"]) + ")"
	}
	if nw := x.netOfVLAN[p.LocalVLAN]; nw != nil && nw.ID != p.NetworkID {
		ls.link(networkRef(nw.ID), nw.ID, render.Problem, "%s  ✗ the VLAN of network %s", vlan, render.Short(nw.ID))
	} else {
		ls.add(render.Normal, "%s", vlan).Copy = strconv.Itoa(p.LocalVLAN)
	}
	if p.InstanceID != "" {
		ls.add(render.Normal, "instance  %s", p.InstanceID).Copy = p.InstanceID
	}
	for _, ip := range p.FixedIPs {
		ls.add(render.Normal, "fixed IP  %s", ip).Copy = ipOnly(ip)
	}
	if p.MAC != "" {
		ls.add(render.Normal, "MAC       %s", p.MAC).Copy = p.MAC
	}
	for _, f := range x.fipsOfPort[p.ID] {
		class := render.Normal
		if len(f.fip.Problems) > 0 {
			class = render.Problem
		}
		l := ls.link(routerRef(f.router.ID), f.fip.FloatingIP, class, "floating  %s → %s  router %s  %s", f.fip.FloatingIP, orDash(f.fip.FixedIP),
			render.Short(f.router.ID), fipFlags(f.router, f.fip))
		l.Trace = f.fip.FloatingIP
	}
	if p.RouterID != "" {
		ls.link(routerRef(p.RouterID), p.RouterID, render.Normal, "router    %s", p.RouterID)
	}
	if p.Namespace != "" {
		ls.link(nsRef(p.Namespace), p.Namespace, render.Normal, "netns     %s", p.Namespace)
	}
	ls.add(render.Dim, "id        %s", p.ID).Copy = p.ID
}

// networkKind is "vxlan 1001  VLAN 2".
func networkKind(nw *topo.Network) string {
	seg := ""
	if nw.SegmentationID != nil {
		seg = " " + strconv.Itoa(*nw.SegmentationID)
	}
	return orDash(nw.NetworkType) + seg + "  VLAN " + strconv.Itoa(nw.LocalVLAN)
}

// portKernel writes each device's kernel facts, in path order.
func (x *Index) portKernel(p *topo.NPort) lines {
	var ls lines
	for _, dv := range devices(p) {
		l := x.link(dv.Namespace, dv.Name)
		if l == nil {
			ls.add(render.Problem, "%s in %s: not in the kernel", dv.Name, nsLabel(dv.Namespace))
			continue
		}
		x.kernelLines(&ls, dv.Namespace, l, "")
	}
	if len(ls) == 0 {
		ls.add(render.Dim, "no kernel device")
	}
	return ls
}

// portFlows writes the flows of the port's bridge that name it: its
// ofport in in_port, output or the OVS firewall's reg5, or its local
// VLAN.
func (x *Index) portFlows(p *topo.NPort) lines {
	var ls lines
	bf := x.flows[p.Bridge]
	if bf == nil {
		ls.add(render.Dim, "the port is on no bridge")
		return ls
	}
	of := bf.ofport[p.OVSPort]
	var pos []int
	if of > 0 {
		pos = union(bf.inPort[of], bf.output[of], bf.reg5[of])
	}
	if p.LocalVLAN != 0 {
		pos = union(pos, bf.vlan[p.LocalVLAN])
	}
	ls.link(bridgeRef(p.Bridge), p.Bridge, render.Dim, "%d flows of %s name %s (ofport %d) or VLAN %d", len(pos), p.Bridge, p.OVSPort, of, p.LocalVLAN)
	bf.flowLines(&ls, pos, "  ")
	return ls
}

// traceLines is a trace's verdict in one line and how to open it.
func (x *Index) traceLines(target string) lines {
	var ls lines
	r, err := trace.Trace(x.s, target, trace.Options{})
	if err != nil {
		ls.wrap(render.Dim, "not traceable: %s", err.Error())
		return ls
	}
	class := TraceClass(r)
	for _, v := range TraceVerdict(r, x.s.Host) {
		ls.wrap(class, "%s", v).Trace = target
	}
	ls.add(render.Dim, "t opens the trace (hop by hop, with the evidence)").Trace = target
	return ls
}

// ofportOf is an OVS port's OpenFlow port number (its first interface).
func ofportOf(p *topo.Port) int {
	for _, i := range p.Interfaces {
		return i.OFPort
	}
	return 0
}

func ipOnly(prefix string) string {
	ip, _, _ := strings.Cut(prefix, "/")
	return ip
}

func orWord(s, alt string) string {
	if s == "" {
		return alt
	}
	return s
}

func prefixed(prefix, s string) string {
	if s == "" {
		return ""
	}
	return prefix + s
}

// fipFlags says which of a floating IP's parts are there. Where it is
// answered depends on router r: a distributed floating IP is never on a
// qg- port but routed by the fip- namespace, and an HA router standing by
// here holds none of its addresses (the primary does), so neither misses
// "on qg-".
func fipFlags(r *topo.Router, f *topo.FloatingIP) string {
	type part struct {
		on   bool
		name string
	}
	where := part{f.OnGateway, "on qg-"}
	switch {
	case f.Distributed:
		where = part{f.FIPRoute, "fip- route"}
	case !f.OnGateway && neutron.HAStandby(r):
		where = part{true, "not on qg- here (standby)"}
	}
	var out []string
	for _, x := range []part{where, {f.DNAT, "dnat"}, {f.SNAT, "snat"}} {
		if x.on {
			out = append(out, x.name)
		} else {
			out = append(out, "no "+x.name)
		}
	}
	return strings.Join(out, ",")
}
