// Package unreadtest makes a recorded snapshot look like an import from
// what a node left behind that lacked one finer source (neutron.Source*,
// "rules/<ns>"…): the facts of that part cleared the way an import leaves
// a fact no input held (netinspect/ovstext's Merge, netinspect/sosimport),
// and the source recorded as not read. For the tests of the packages that
// consume snapshots (neutron, doctor, trace).
package unreadtest

import (
	"slices"
	"strings"

	"github.com/ostopo/ostopo/netinspect/neutron"
	"github.com/ostopo/ostopo/netinspect/topo"
)

// Why is the error recorded for a source Lose takes away.
func Why(source string) string {
	return "not collected: " + source + " (no input held it; looked for sos_commands/openvswitch/…)"
}

// Lose clears the facts of a finer source and records the source as not
// read, with Why. An OVSDB source's columns are cleared on every row; a
// namespace family's ("rules/qrouter-…") facts on that namespace. The
// Neutron view is left as it was: the caller derives it again.
func Lose(s *topo.Snapshot, source string) {
	loseFacts(s, source)
	Record(s, source, false)
}

// Record records a source as read (ok) or not, replacing its record.
func Record(s *topo.Snapshot, source string, ok bool) {
	s.Sources = slices.DeleteFunc(s.Sources, func(src topo.Source) bool { return src.Name == source })
	src := topo.Source{Name: source, OK: ok}
	if ok {
		src.Detail = "sos_commands/openvswitch/ovsdb-client_-f_list_dump"
	} else {
		src.Error = Why(source)
	}
	s.Sources = append(s.Sources, src)
}

func loseFacts(s *topo.Snapshot, source string) {
	o := &s.OVS
	eachIface := func(f func(*topo.Interface)) {
		for bi := range o.Bridges {
			for pi := range o.Bridges[bi].Ports {
				for ii := range o.Bridges[bi].Ports[pi].Interfaces {
					f(&o.Bridges[bi].Ports[pi].Interfaces[ii])
				}
			}
		}
	}
	switch source {
	case neutron.SourcePortConfig:
		for bi := range o.Bridges {
			for pi := range o.Bridges[bi].Ports {
				p := &o.Bridges[bi].Ports[pi]
				p.VLANMode, p.ExternalIDs, p.OtherConfig = "", nil, nil
			}
		}
	case neutron.SourceInterfaceConfig:
		eachIface(func(i *topo.Interface) { i.ExternalIDs, i.OtherConfig = nil, nil })
	case neutron.SourceOFPort:
		eachIface(func(i *topo.Interface) { i.OFPort = 0 })
	case neutron.SourceInterfaceState:
		eachIface(func(i *topo.Interface) { i.LinkState, i.AdminState, i.MTU = "", "", 0 })
	case neutron.SourceBridgeConfig:
		for bi := range o.Bridges {
			b := &o.Bridges[bi]
			b.Protocols, b.ExternalIDs, b.OtherConfig = nil, nil, nil
		}
	case neutron.SourceSystemConfig:
		o.ExternalIDs, o.OtherConfig = nil, nil
	case neutron.SourceConnectionState:
		// conf.db alone: the controllers and managers configured, none
		// known to be connected (is_connected is not in the file).
		for bi := range o.Bridges {
			for ci := range o.Bridges[bi].Controllers {
				o.Bridges[bi].Controllers[ci].IsConnected = false
			}
		}
		for mi := range o.Managers {
			o.Managers[mi].IsConnected = false
		}
	case neutron.SourceControllerRole:
		for bi := range o.Bridges {
			for ci := range o.Bridges[bi].Controllers {
				c := &o.Bridges[bi].Controllers[ci]
				c.Role, c.InactivityProbe = "", 0
			}
		}
	default:
		loseNamespaceFacts(s, source)
	}
}

func loseNamespaceFacts(s *topo.Snapshot, source string) {
	family, label, ok := strings.Cut(source, "/")
	if !ok {
		return
	}
	var ns *topo.Namespace
	for i := range s.Namespaces {
		if s.Namespaces[i].Label() == label {
			ns = &s.Namespaces[i]
		}
	}
	if ns == nil {
		return
	}
	switch family + "/" {
	case neutron.SourceRules:
		ns.Rules = nil
	case neutron.SourceNeighbors:
		ns.Neighbors = nil
	case neutron.SourceRoutes6:
		ns.Routes = slices.DeleteFunc(ns.Routes, func(r topo.Route) bool { return r.Family == 6 })
	case neutron.SourceLinkInfo:
		for i := range ns.Links {
			l := &ns.Links[i]
			l.Kind, l.TunMode, l.Peer, l.VLANID, l.Parent, l.VNI = "", "", nil, 0, "", 0
		}
	case "sysctl/":
		ns.IPForward = nil
	case "nat/":
		ns.NAT = nil
	}
}
