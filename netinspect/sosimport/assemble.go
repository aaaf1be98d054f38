package sosimport

import (
	"errors"
	"fmt"
	"strings"

	"github.com/ostopo/ostopo/netinspect/iptext"
	"github.com/ostopo/ostopo/netinspect/topo"
)

// assembleNamespaces builds each namespace from its outputs (iptext's
// parsers), names the veth peers across them, and records the sources.
// A namespace whose devices no output shows is left out, as the live
// collector leaves out one it could not read, and its netlink source
// says why; one whose outputs say it was gone when they ran ("Cannot open
// network namespace") is read and absent, as a namespace deleted during
// a live scan. rootIDs are the ids the root namespace gives the others
// (netnsIDs of its ip netns).
func assembleNamespaces(all []*nsOutputs, tables map[string]int, rootIDs map[int]string) ([]topo.Namespace, []topo.Source) {
	var nss []topo.Namespace
	var links []*iptext.Links
	var srcs []topo.Source
	for _, o := range all {
		ns, lk, s := assembleNamespace(o, tables)
		srcs = append(srcs, s...)
		if ns != nil {
			nss = append(nss, *ns)
			links = append(links, lk)
		}
	}
	resolvePeers(nss, links, rootIDs)
	return nss, srcs
}

// assembleNamespace builds one namespace; nil when no output shows its
// devices.
func assembleNamespace(o *nsOutputs, tables map[string]int) (*topo.Namespace, *iptext.Links, []topo.Source) {
	kind, id := topo.ClassifyNamespace(o.name)
	ns := &topo.Namespace{Name: o.name, Root: o.name == "", Kind: kind, ID: id, Links: []topo.Link{}, Routes: []topo.Route{}}
	label := o.label()
	netlink := "netlink/" + label

	// Devices and addresses.
	var lk *iptext.Links
	var from output
	var coreErrs []string
	for _, out := range o.links {
		if out.Path == "" || out.Err != nil {
			continue
		}
		if gone := vanished(out.Text); gone != "" {
			return nil, nil, []topo.Source{{Name: netlink, OK: true, Detail: out.Path + ": vanished during collection (" + gone + ")"}}
		}
		parsed, err := parseLinks(out)
		if parsed == nil || len(parsed.Links) == 0 {
			if err == nil {
				err = errors.New("no device in it")
			}
			coreErrs = append(coreErrs, oneLine(errParsed(out, err)))
			continue
		}
		lk, from = parsed, out
		if err != nil {
			coreErrs = append(coreErrs, oneLine(errParsed(out, err)))
		}
		break
	}
	if lk == nil {
		why := firstErr(o.links)
		if len(coreErrs) > 0 {
			why = strings.Join(coreErrs, "; ")
		}
		return nil, nil, []topo.Source{{Name: netlink, Error: why}}
	}
	used := []string{from.Path}
	if !lk.Known.Has(iptext.KnowsAddrs) && o.addrs.ok() {
		if addrs, err := parseLinks(o.addrs); addrs != nil && addrs.Known.Has(iptext.KnowsAddrs) {
			mergeAddrs(lk, addrs)
			used = append(used, o.addrs.Path)
			if err != nil {
				coreErrs = append(coreErrs, oneLine(errParsed(o.addrs, err)))
			}
		}
	}
	ns.Links = lk.Links
	if !lk.Known.Has(iptext.KnowsAddrs) {
		what := "the addresses"
		if strings.HasSuffix(from.Command, "ifconfig -a") {
			what = "the secondary addresses (a router's floating IPs): ifconfig -a shows one IPv4 address per device"
		}
		coreErrs = append(coreErrs, what+" not collected (looked for "+strings.Join(append(from.Looked, o.addrs.Looked...), ", ")+")")
	}
	if ns.Root && !lk.Known.Has(iptext.KnowsMaster) {
		// A namespace's devices are enslaved to nothing Neutron makes; the
		// root's are (qvb to qbr).
		coreErrs = append(coreErrs, "the devices' masters not collected ("+from.Path+" does not show them)")
	}

	// IPv4 routes (and the root's IPv6 ones).
	switch {
	case o.routes.ok():
		rt, err := parseRoutes(o.routes, tables)
		if rt != nil {
			ns.Routes = append(ns.Routes, rt.Routes...)
			ns.DerivedRoutesOmitted += rt.DerivedOmitted
			used = append(used, o.routes.Path)
		}
		if err != nil {
			coreErrs = append(coreErrs, oneLine(errParsed(o.routes, err)))
		}
	default:
		coreErrs = append(coreErrs, "routes "+oneLine(o.routes.Err))
	}
	srcs := []topo.Source{}
	core := topo.Source{Name: netlink, OK: len(coreErrs) == 0, Detail: strings.Join(used, ", ")}
	if !core.OK {
		core.Error = strings.Join(coreErrs, "; ")
	}
	srcs = append(srcs, core)

	srcs = append(srcs, routes6(ns, o, tables, label))
	srcs = append(srcs, rules(ns, o, tables, label))
	srcs = append(srcs, neighbours(ns, o, label))
	if !lk.Known.Has(iptext.KnowsKind) {
		srcs = append(srcs, topo.Source{Name: SourceLinkDetails + label, Error: fmt.Sprintf("%v: %s is not ip -d (sos runs ip -d address show in namespaces from 4.3): the devices' kinds (veth, vxlan, tun) are unknown", ErrNotCollected, from.Path)})
	} else {
		srcs = append(srcs, topo.Source{Name: SourceLinkDetails + label, OK: true, Detail: from.Path})
	}

	// ip_forward.
	switch {
	case o.sysctl.ok():
		s, err := iptext.ParseSysctl(o.sysctl.Text)
		switch {
		case s.IPForward != nil:
			s.Apply(ns)
			srcs = append(srcs, topo.Source{Name: "sysctl/" + label, OK: true, Detail: o.sysctl.Path})
		case err != nil:
			srcs = append(srcs, failed("sysctl/"+label, o.sysctl.Path, errParsed(o.sysctl, err)))
		default:
			srcs = append(srcs, failed("sysctl/"+label, o.sysctl.Path, fmt.Errorf("%s: no %s in it", o.sysctl.Path, iptext.IPForwardKey)))
		}
	default:
		srcs = append(srcs, source("sysctl/"+label, o.sysctl))
	}

	// NAT, where the live collector reads it.
	if o.natWanted {
		srcs = append(srcs, nat(ns, o, label))
	}
	return ns, lk, srcs
}

func routes6(ns *topo.Namespace, o *nsOutputs, tables map[string]int, label string) topo.Source {
	name := SourceRoutes6 + label
	if !o.routes6.ok() {
		return source(name, o.routes6)
	}
	rt, err := parseRoutes6(o.routes6, tables)
	if rt != nil {
		ns.Routes = append(ns.Routes, rt.Routes...)
		ns.DerivedRoutesOmitted += rt.DerivedOmitted
	}
	if err != nil {
		return failed(name, o.routes6.Path, errParsed(o.routes6, err))
	}
	return topo.Source{Name: name, OK: true, Detail: o.routes6.Path}
}

func rules(ns *topo.Namespace, o *nsOutputs, tables map[string]int, label string) topo.Source {
	name := SourceRules + label
	var paths []string
	var got []topo.Rule
	for _, out := range o.rules {
		if !out.ok() {
			return source(name, out)
		}
		r, err := parseRules(out, tables)
		if err != nil {
			return failed(name, out.Path, errParsed(out, err))
		}
		got = append(got, r...)
		paths = append(paths, out.Path)
	}
	if len(paths) == 0 {
		return topo.Source{Name: name, Error: ErrNotCollected.Error()}
	}
	ns.Rules = got
	return topo.Source{Name: name, OK: true, Detail: strings.Join(paths, ", ")}
}

func neighbours(ns *topo.Namespace, o *nsOutputs, label string) topo.Source {
	name := SourceNeighbors + label
	if !o.neigh.ok() {
		return source(name, o.neigh)
	}
	n, err := iptext.ParseNeighbours(o.neigh.Text)
	if err != nil {
		return failed(name, o.neigh.Path, errParsed(o.neigh, err))
	}
	ns.Neighbors = n
	return topo.Source{Name: name, OK: true, Detail: o.neigh.Path}
}

func nat(ns *topo.Namespace, o *nsOutputs, label string) topo.Source {
	name := "nat/" + label
	if !o.nat.ok() {
		return source(name, o.nat)
	}
	t, err := parseNAT(o.nat.Text)
	if err != nil {
		return failed(name, o.nat.Path, errParsed(o.nat, err))
	}
	ns.NAT = t
	return topo.Source{Name: name, OK: true, Detail: o.nat.Path}
}

// firstErr is the error of the first output looked for.
func firstErr(outs []output) string {
	var looked []string
	for _, o := range outs {
		if o.Err != nil && !errors.Is(o.Err, ErrNotCollected) {
			return oneLine(o.Err)
		}
		looked = append(looked, o.Looked...)
	}
	return notCollected(looked).Error()
}

// vanished returns iproute2's words when an output says its namespace
// was gone ("Cannot open network namespace "x": No such file or
// directory"), "" otherwise.
func vanished(text string) string {
	t := strings.TrimSpace(text)
	if strings.HasPrefix(t, "Cannot open network namespace") && strings.Count(t, "\n") < 2 {
		return firstLine(t)
	}
	return ""
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return strings.TrimSpace(l)
}

// mergeAddrs puts the addresses of an address list on the devices of a
// link list (ip link and ip address outputs of one namespace).
func mergeAddrs(lk, addrs *iptext.Links) {
	for i := range lk.Links {
		if a := addrs.Link(lk.Links[i].Name); a != nil {
			lk.Links[i].Addrs = a.Addrs
		}
	}
	lk.Known |= iptext.KnowsAddrs
}
