package describe

import (
	"strconv"
	"strings"

	"github.com/ostopo/ostopo/netinspect/safetext"
	"github.com/ostopo/ostopo/netinspect/topo"
	"github.com/ostopo/ostopo/ui/render"
)

// flowPage: one flow ("<bridge>/<position>"): its fields, counters, and
// the ports it names as links.
func (x *Index) flowPage(id string) (Page, bool) {
	// The position is after the last slash (a bridge's name is the
	// node's to choose).
	cut := strings.LastIndexByte(id, '/')
	br, pos := id[:max(cut, 0)], id[cut+1:]
	i, err := strconv.Atoi(pos)
	bf := x.flows[br]
	if err != nil || bf == nil || i < 0 || i >= len(bf.b.Flows) {
		return Page{}, false
	}
	f := &bf.b.Flows[i]
	var sum lines
	class := render.Normal
	if f.Packets == 0 {
		class = render.Dim
	}
	sum.add(class, "table %d  priority %d  n_packets %d  n_bytes %d", f.Table, f.Priority, f.Packets, f.Bytes)
	sum.add(render.Normal, "match     %s", orWord(bf.named(f.Match), "*")).Copy = f.Match
	sum.wrap(render.Normal, "actions   %s", bf.named(f.Actions)).Copy = f.Actions
	sum.add(render.Dim, "cookie    %s  duration %gs  idle_timeout %d  hard_timeout %d", orDash(f.Cookie), f.Duration, f.IdleTimeout, f.HardTimeout)
	sum.link(bridgeRef(br), br, render.Normal, "bridge    %s", br)
	sum.add(render.Dim, "copy      ovs-ofctl dump-flows %s '%s'", br, flowMatch(f)).Copy = "ovs-ofctl dump-flows " + br + " '" + flowMatch(f) + "'"
	var names lines
	seen := map[int]bool{}
	port := func(what, v string) {
		n, ok := bf.port(v)
		if !ok || seen[n] {
			return
		}
		seen[n] = true
		name := bf.names[n]
		if name == "" {
			names.add(render.Dim, "%s %d: no port of %s has this number", what, n, br)
			return
		}
		ref := x.deviceRef("", br, name)
		names.link(ref, name, render.Normal, "%-8s %s (ofport %d)%s", what, name, n, describeRef(x, ref))
	}
	if v, ok := f.MatchField("in_port"); ok {
		port("in_port", v)
	}
	for _, o := range f.Outputs() {
		port("output", o)
	}
	if v, ok := f.MatchField("reg5"); ok {
		if n, err := strconv.ParseInt(v, 0, 64); err == nil {
			port("reg5", strconv.Itoa(int(n)))
		}
	}
	if v, ok := f.MatchInt("dl_vlan"); ok {
		x.vlanLine(&names, "dl_vlan", v)
	}
	if v, ok := f.ModVLAN(); ok {
		x.vlanLine(&names, "sets VLAN", v)
	}
	page := Page{Sections: []Section{{Lines: sum}}}
	if len(names) > 0 {
		page.Sections = append(page.Sections, section("what it names", names))
	}
	page.Sections = append(page.Sections, x.raw(flowRef(br, i)))
	return page, true
}

// vlanLine names the network a VLAN id stands for: a local VLAN of
// br-int, or the segment of a VLAN network on the wire.
func (x *Index) vlanLine(ls *lines, what string, v int) {
	if nw := x.netOfVLAN[v]; nw != nil {
		ls.link(networkRef(nw.ID), nw.ID, render.Normal, "%-8s %d: local VLAN of network %s", what, v, nw.ID)
		return
	}
	for i := range x.s.Neutron.Networks {
		nw := &x.s.Neutron.Networks[i]
		if nw.NetworkType == "vlan" && nw.SegmentationID != nil && *nw.SegmentationID == v {
			ls.link(networkRef(nw.ID), nw.ID, render.Normal, "%-8s %d: segment of network %s", what, v, nw.ID)
			return
		}
	}
	l := ls.add(render.Dim, "%-8s %d: no network on this node uses it", what, v)
	if v == topo.DeadVLAN {
		l.Text = safetext.Term(what + " 4095: Neutron's dead VLAN")
	}
	if p, ok := x.vlanPage(strconv.Itoa(v)); ok && len(p.Sections) > 0 {
		l.Link = render.Ref{Kind: "vlan", ID: strconv.Itoa(v)}
	}
}

// describeRef is " → port ada3ae32 (instance)" for a device's owner.
func describeRef(x *Index, ref render.Ref) string {
	switch ref.Kind {
	case "port":
		if p := x.ports[ref.ID]; p != nil {
			return "  → port " + render.Short(p.ID) + " (" + p.Role + ")"
		}
	case "":
		return ""
	}
	return "  → " + ref.Kind
}

// flowMatch is the flow's table, priority and match, as dump-flows takes
// it to show just that flow.
func flowMatch(f *topo.Flow) string {
	s := "table=" + strconv.Itoa(f.Table) + ",priority=" + strconv.Itoa(f.Priority)
	if f.Match != "" {
		s += "," + f.Match
	}
	return s
}
