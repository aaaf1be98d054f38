package doctor

import (
	"github.com/ostopo/ostopo/netinspect/neutron"
	"github.com/ostopo/ostopo/netinspect/topo"
)

// An import from what a node left behind (a sosreport, pasted outputs)
// records finer sources than the live collector: parts of OVSDB
// (neutron.SourcePortConfig…) and of a namespace's kernel facts
// (neutron.SourceLinkInfo…), each of which some outputs hold and others
// do not. A check resting wholly on one names it in its Needs; a check
// resting on one for some objects only runs on the others, skips these,
// and is reported unchecked for them (finerPartial).

// lacks returns the record of a finer source when it was not read (none
// for a live snapshot, which reads them all with their parent).
func (x *node) lacks(src string) []topo.Source { return neutron.Unread(x.s, src) }

// finerPartial returns, for a check that runs, the finer sources it
// needed of some objects and could not read.
func finerPartial(check string, x *node) []topo.Source {
	switch check {
	case "mtu-mismatch":
		// A port's network (other_config:net_uuid) gives the MTU its
		// devices are compared with.
		if u := x.lacks(neutron.SourcePortConfig); len(u) > 0 && anyPort(x, func(p *topo.NPort) bool { return p.NetworkID == "" && p.Bridge != "" }) {
			return u
		}
	case "vlan-unmapped":
		// A flat or VLAN network's translation flows name the patch
		// ports by number.
		if u := x.lacks(neutron.SourceOFPort); len(u) > 0 && anyNetwork(x, physicalNetwork) {
			return u
		}
	case "chain-broken":
		// A veth's peer comes with ip -d.
		if u := x.rootLinkInfoUnread(); len(u) > 0 && anyPort(x, func(p *topo.NPort) bool { return p.Devices.QVO != nil }) {
			return u
		}
	case "dhcp-port":
		var out []topo.Source
		for i := range x.s.Namespaces {
			ns := &x.s.Namespaces[i]
			if tap := dhcpTap(ns); ns.Kind == topo.NSDHCP && tap != nil && x.ovsPorts[tap.Name].Port == nil {
				out = append(out, neutron.Failed(x.s, neutron.SourceLinkInfo+ns.Label())...)
			}
		}
		return out
	}
	return nil
}

// rootLinkInfoUnread is the node's namespace's link details (veth peers,
// kinds) when recorded as not read.
func (x *node) rootLinkInfoUnread() []topo.Source {
	return neutron.Failed(x.s, neutron.SourceLinkInfo+"(root)")
}

// physicalNetwork reports whether a network is carried by a physical
// bridge (its VLAN translated by flows naming the patch ports).
func physicalNetwork(nw *topo.Network) bool {
	return nw.LocalVLAN != 0 && (nw.NetworkType == "flat" || nw.NetworkType == "vlan")
}

func anyPort(x *node, f func(*topo.NPort) bool) bool {
	for i := range x.n.Ports {
		if f(&x.n.Ports[i]) {
			return true
		}
	}
	return false
}

func anyNetwork(x *node, f func(*topo.Network) bool) bool {
	for i := range x.n.Networks {
		if f(&x.n.Networks[i]) {
			return true
		}
	}
	return false
}
