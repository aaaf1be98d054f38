package trace

import "github.com/ostopo/ostopo/netinspect/neutron"

// An import from what a node left behind records finer sources than the
// live collector (neutron.SourcePortConfig…, "rules/<ns>"…): parts of
// OVSDB and of a namespace's kernel facts that some outputs hold and
// others do not. A live snapshot records none of them, and then the
// parent stands for each (neutron.Unread, neutron.Failed): its hops rest
// on what they did before.

// finerNeeds adds to a hop's needs the finer sources its verdict rests on.
func (w *walker) finerNeeds(h *Hop, need, nsNeed []string) ([]string, []string) {
	switch h.Kind {
	case KindPhysicalBridge, KindIntegration, KindTunnelBridge, KindTunnel:
		// A bridge hop walks flows that name ports by OpenFlow number,
		// for a network whose type, segment and VLAN mapping are its
		// ports' other_config.
		need = append(need, neutron.SourceOFPort, neutron.SourcePortConfig)
	case KindPatch:
		if h.Bridge == "" {
			// No pair found: which physical bridge carries the network
			// is read off flows naming ports by number, for a network
			// whose type is its ports' other_config.
			need = append(need, neutron.SourceOFPort, neutron.SourcePortConfig)
		}
	case KindQVB:
		// Its verdict is the veth's peer, which comes with ip -d.
		nsNeed = append(nsNeed, neutron.SourceLinkInfo+"(root)")
	case KindRouter:
		if h.Namespace != "" && w.r.Direction == "outbound" && w.dvrRouter() {
			// A distributed router sends its instances out by rules
			// (from <fixed> lookup 16, the SNAT redirects).
			nsNeed = append(nsNeed, neutron.SourceRules+h.Namespace)
		}
	case KindFIPNamespace:
		if h.Namespace != "" && w.r.Direction == "outbound" {
			// fip- takes the router's traffic out of fg- by a rule.
			nsNeed = append(nsNeed, neutron.SourceRules+h.Namespace)
		}
	}
	return need, nsNeed
}

// networkUnread reports whether the ports' networks (other_config:
// net_uuid, network_type, segmentation_id) were recorded as not read.
func (w *walker) networkUnread() bool {
	return len(neutron.Failed(w.s, neutron.SourcePortConfig)) > 0
}

// dvrRouter reports whether the trace's router is a distributed one.
func (w *walker) dvrRouter() bool {
	r := w.n.Router(w.r.RouterID)
	return r != nil && r.Kind == "dvr"
}
