package iptext

import "github.com/ostopo/ostopo/netinspect/topo"

// PeerScope is one namespace's devices, for ResolvePeers.
type PeerScope struct {
	// NS holds the devices (from ParseIPLinks); Peer and Parent are set
	// on them in place.
	NS *topo.Namespace
	// Lower is Links.Lower of the same text.
	Lower map[int]Lower
	// IDs are the ids this namespace gives the others (NetnsIDs of ip
	// netns run in it; sos runs it in the node's own namespace only);
	// nil when not read.
	IDs map[int]string
	// Aliases are other names the namespace goes by in the other texts'
	// "link-netns NAME" (a lab node's own namespace, which is also under
	// /run/netns); a sosreport's root namespace has none.
	Aliases []string
}

// ResolvePeers names the veth peers and the lower devices of VLANs and
// macvlans as the collector does (collect.resolveVethPeers), from what
// each text's "name@X" and "link-netnsid"/"link-netns" say:
//   - a veth whose peer is in its own namespace ("qvb1@qvo1") gets that
//     device, in its namespace;
//   - one whose peer is elsewhere ("fpr-1@if2 ... link-netns qrouter-1",
//     or "link-netnsid 3" with the ids ip netns gave) gets the device with
//     that ifindex in that namespace, if that device points back at it;
//     without a name or id (old iproute2, or a namespace whose ids were
//     not read) the one namespace holding a device that points back
//     (ifindexes swapped) is taken, and when there is none or several, the
//     peer's namespace is "?" (one ostopo was not shown), with its index;
//   - a VLAN's or macvlan's parent is the lower device's name.
//
// Only devices whose kind is known (ip -d) are resolved: without -d a
// veth is not known to be one, as the collector would not guess it.
func ResolvePeers(scopes []PeerScope) {
	byName := map[string]int{}
	for i, s := range scopes {
		if s.NS != nil {
			byName[s.NS.Name] = i
			for _, a := range s.Aliases {
				byName[a] = i
			}
		}
	}
	// pointsBack reports whether scope t has, at index idx, a device
	// naming index back as its cross-namespace lower end.
	pointsBack := func(t int, idx, back int) *topo.Link {
		s := scopes[t]
		ref, ok := s.Lower[idx]
		if !ok || ref.Index != back {
			return nil
		}
		for i := range s.NS.Links {
			if s.NS.Links[i].Index == idx {
				return &s.NS.Links[i]
			}
		}
		return nil
	}
	for si, s := range scopes {
		if s.NS == nil {
			continue
		}
		for li := range s.NS.Links {
			l := &s.NS.Links[li]
			ref, ok := s.Lower[l.Index]
			if !ok || ref.Index == 0 && ref.Name == "" {
				continue
			}
			switch l.Kind {
			case "vlan", "macvlan":
				l.Parent = ref.Name
				if ref.Name == "" {
					// The collector names the index in the device's own
					// namespace, wherever the lower device is.
					l.Parent = nameAt(s.NS, ref.Index)
				}
			case "veth":
				l.Peer = resolveVeth(scopes, byName, si, l, ref, pointsBack)
			}
		}
	}
}

func resolveVeth(scopes []PeerScope, byName map[string]int, si int, l *topo.Link, ref Lower,
	pointsBack func(t, idx, back int) *topo.Link) *topo.LinkRef {
	s := scopes[si]
	if ref.Name != "" && ref.NetnsID < 0 && ref.Netns == "" {
		// Same namespace: ip printed the peer's name.
		for _, p := range s.NS.Links {
			if p.Name == ref.Name {
				return &topo.LinkRef{Namespace: s.NS.Name, Name: p.Name, Index: p.Index}
			}
		}
		return &topo.LinkRef{Namespace: "?", Name: ref.Name}
	}
	unresolved := &topo.LinkRef{Namespace: "?", Index: ref.Index}
	if ref.Index == 0 {
		return unresolved
	}
	target, named := -1, false
	switch {
	case ref.Netns != "":
		target, named = lookup(byName, ref.Netns)
	case ref.NetnsID >= 0 && s.IDs != nil:
		if name, ok := s.IDs[ref.NetnsID]; ok {
			target, named = lookup(byName, name)
		} else {
			named = true // an id of a namespace ip netns did not list
		}
	}
	if named {
		if target < 0 || target == si {
			return unresolved
		}
		if p := pointsBack(target, ref.Index, l.Index); p != nil {
			return &topo.LinkRef{Namespace: scopes[target].NS.Name, Name: p.Name, Index: p.Index}
		}
		return unresolved
	}
	// No name and no id: the one namespace that points back, and does
	// not say it points at another namespace.
	var found *topo.LinkRef
	for t := range scopes {
		if t == si || scopes[t].NS == nil {
			continue
		}
		p := pointsBack(t, ref.Index, l.Index)
		if p == nil {
			continue
		}
		back := scopes[t].Lower[ref.Index]
		if back.Netns != "" && !s.named(back.Netns) {
			continue
		}
		if name, ok := scopes[t].IDs[back.NetnsID]; ok && !s.named(name) {
			continue
		}
		if found != nil {
			return unresolved // two candidates: which one is not known
		}
		found = &topo.LinkRef{Namespace: scopes[t].NS.Name, Name: p.Name, Index: p.Index}
	}
	if found == nil {
		return unresolved
	}
	return found
}

func lookup(byName map[string]int, name string) (int, bool) {
	if i, ok := byName[name]; ok {
		return i, true
	}
	return -1, true
}

func nameAt(ns *topo.Namespace, index int) string {
	for _, l := range ns.Links {
		if l.Index == index {
			return l.Name
		}
	}
	return ""
}

// named reports whether the scope's namespace goes by that name.
func (s PeerScope) named(name string) bool {
	if name == s.NS.Name {
		return true
	}
	for _, a := range s.Aliases {
		if a == name {
			return true
		}
	}
	return false
}
