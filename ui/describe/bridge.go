package describe

import (
	"strconv"
	"strings"

	"github.com/ostopo/ostopo/netinspect/topo"
	"github.com/ostopo/ostopo/ui/render"
)

// bridgePage: role, fail_mode, controllers, ports (links to what each
// carries) and flow counts per table.
func (x *Index) bridgePage(name string) (Page, bool) {
	if name == "" {
		return x.looseBridgePage()
	}
	b := x.s.OVS.Bridge(name)
	if b == nil {
		return Page{}, false
	}
	ref := bridgeRef(name)
	fs := x.findings[ref]
	role := x.roles[name]
	var sum lines
	verdict(&sum, fs, nil, nil, orWord(role.Role, "bridge")+" bridge")
	ls := &sum
	ls.add(render.Normal, "role        %s%s", orWord(role.Role, "-"), prefixed("  physnet ", role.PhysicalNetwork))
	failClass := render.Normal
	if b.FailMode != "secure" && role.Role != "" && role.Role != topo.BridgeOther {
		failClass = render.Problem
	}
	ls.add(failClass, "fail_mode   %s", orDash(b.FailMode))
	ls.add(render.Normal, "datapath    %s  id %s", orWord(b.DatapathType, "system"), orDash(b.DatapathID))
	if len(b.Protocols) > 0 {
		ls.add(render.Normal, "protocols   %s", strings.Join(b.Protocols, ","))
	}
	if len(b.Controllers) == 0 {
		ls.add(render.Dim, "controller  none")
	}
	for _, c := range b.Controllers {
		class, state := render.Good, "connected"
		if !c.IsConnected {
			class, state = render.Problem, "NOT connected"
		}
		ls.add(class, "controller  %s  %s%s", c.Target, state, prefixed("  role ", c.Role)).Copy = c.Target
	}
	ls.add(render.Normal, "%d ports  %d flows", len(b.Ports), len(b.Flows))
	if len(fs) > 0 {
		ls.add(render.Header, "problems")
		problems(ls, ref, fs, nil, nil)
	}
	page := Page{Title: Title(ref), Sections: []Section{{Lines: sum}}}
	var ports lines
	for _, p := range b.Ports {
		x.bridgePortLine(&ports, b, &p)
	}
	page.Sections = append(page.Sections, section("ports ("+strconv.Itoa(len(b.Ports))+")", ports))
	var tables lines
	for _, t := range x.flows[name].tables {
		tables.add(render.Normal, "table %-3d %5d flows", t.table, t.flows).Copy = "ovs-ofctl dump-flows " + name + " table=" + strconv.Itoa(t.table)
	}
	if len(tables) == 0 {
		tables.add(render.Dim, "no flows recorded")
	}
	page.Sections = append(page.Sections, section("flows per table", tables))
	var db lines
	x.kvLines(&db, "external_ids:", b.ExternalIDs, "")
	x.kvLines(&db, "other_config:", b.OtherConfig, "")
	if b.UUID != "" {
		db.add(render.Dim, "_uuid=%s", b.UUID).Copy = b.UUID
	}
	page.Sections = append(page.Sections, section("OVSDB", db), x.raw(ref))
	return page, true
}

// looseBridgePage is the Topology view's group of chains no bridge
// holds (its Ref is the bridge ""): their ports.
func (x *Index) looseBridgePage() (Page, bool) {
	var ports lines
	for i := range x.s.Neutron.Ports {
		if p := &x.s.Neutron.Ports[i]; p.Bridge == "" {
			x.portLine(&ports, p.ID)
		}
	}
	if len(ports) == 0 {
		return Page{}, false
	}
	var sum lines
	if unknownOVSDB := x.s.Source("ovsdb"); unknownOVSDB == nil || !unknownOVSDB.OK {
		sum.add(render.Dim, "UNKNOWN  where these ports are plugged: OVSDB was not read")
	} else {
		sum.add(render.Problem, "BROKEN  %d ports whose chain is on no OVS bridge", len(ports))
	}
	return Page{Title: "ports on no bridge", Sections: []Section{{Lines: sum}, section("ports", ports)}}, true
}

// bridgePortLine is one port of a bridge: ofport, tag, type, and what it
// is (a Neutron port, a patch, a tunnel, a NIC), as a link.
func (x *Index) bridgePortLine(ls *lines, b *topo.Bridge, p *topo.Port) {
	typ, of := "system", 0
	for _, i := range p.Interfaces {
		typ, of = orWord(i.Type, "system"), i.OFPort
	}
	tag := ""
	if p.Tag != 0 {
		tag = "tag " + strconv.Itoa(p.Tag)
	}
	ref := x.deviceRef("", b.Name, p.Name)
	what := ""
	switch ref.Kind {
	case "port":
		np := x.ports[ref.ID]
		what = "port " + render.Short(np.ID) + " " + np.Role
	case "patch", "tunnel", "nic":
		what = ref.Kind
	}
	class := render.Normal
	if np := x.portOfDevice[p.Name]; np != nil && len(np.Problems) > 0 {
		class = render.Problem
	}
	ls.link(ref, p.Name, class, "%-16s ofport %-5d %-9s %-8s %s", p.Name, of, tag, typ, what)
}
