package describe

import (
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/ostopo/ostopo/ui/render"
)

// ovsdbLines writes an OVS port's row and its interfaces' rows: tag
// beside other_config:tag, external_ids (iface-id, vm-uuid), ofport,
// type and options.
func (x *Index) ovsdbLines(name string) lines {
	var ls lines
	op := x.ovsPorts[name]
	if op.Port == nil {
		if name == "" {
			ls.add(render.Dim, "no OVS port")
		} else {
			ls.add(render.Dim, "%s is no OVS port", name)
		}
		return ls
	}
	p := op.Port
	ls.link(bridgeRef(op.Bridge.Name), op.Bridge.Name, render.Header, "Port %s on %s", p.Name, op.Bridge.Name)
	vlan := "tag " + strconv.Itoa(p.Tag)
	if p.Tag == 0 {
		vlan = "no tag"
	}
	if len(p.Trunks) > 0 {
		vlan += "  trunks " + ints(p.Trunks)
	}
	if p.VLANMode != "" {
		vlan += "  vlan_mode " + p.VLANMode
	}
	ls.add(render.Normal, "  %s", vlan)
	x.kvLines(&ls, "other_config:", p.OtherConfig, "  ")
	x.kvLines(&ls, "external_ids:", p.ExternalIDs, "  ")
	for _, i := range p.Interfaces {
		ls.add(render.Header, "Interface %s  type %s  ofport %d", i.Name, orWord(i.Type, "system"), i.OFPort)
		state := "link_state " + orDash(i.LinkState) + "  admin_state " + orDash(i.AdminState)
		if i.MTU != 0 {
			state += "  mtu " + strconv.Itoa(i.MTU)
		}
		ls.add(render.Normal, "  %s", state)
		if i.OFPort < 0 {
			ls.add(render.Problem, "  ✗ ofport -1: OVS could not open the device")
		}
		if i.Error != "" {
			ls.wrap(render.Problem, "  ✗ error %s", i.Error)
		}
		x.kvLines(&ls, "options:", i.Options, "  ")
		if peer := i.Options["peer"]; peer != "" && i.Type == "patch" {
			if ref := x.deviceRef("", x.bridgeOf(peer), peer); ref.Kind != "" {
				ls.link(ref, peer, render.Normal, "  peer %s on %s", peer, orDash(x.bridgeOf(peer)))
			}
		}
		x.kvLines(&ls, "external_ids:", i.ExternalIDs, "  ")
		x.kvLines(&ls, "other_config:", i.OtherConfig, "  ")
	}
	return ls
}

// kvLines writes a map's entries in key order; a value that is a port's,
// network's or router's id links to it.
func (x *Index) kvLines(ls *lines, prefix string, m map[string]string, indent string) {
	for _, k := range slices.Sorted(maps.Keys(m)) {
		v := m[k]
		l := ls.add(render.Dim, "%s%s%s=%s", indent, prefix, k, v)
		l.Copy = v
		switch {
		case x.ports[v] != nil:
			l.Link = portRef(v)
		case x.networks[v] != nil:
			l.Link = networkRef(v)
		case x.routers[v] != nil:
			l.Link = routerRef(v)
		}
	}
}

// bridgeOf is the bridge holding an OVS port, "" if none.
func (x *Index) bridgeOf(port string) string {
	if op := x.ovsPorts[port]; op.Bridge != nil {
		return op.Bridge.Name
	}
	return ""
}

func ints(ns []int) string {
	var parts []string
	for _, n := range ns {
		parts = append(parts, strconv.Itoa(n))
	}
	return "[" + strings.Join(parts, ",") + "]"
}
