package neutron

import (
	"strings"

	"github.com/ostopo/ostopo/netinspect/topo"
)

// NotRecorded is the error given for a source a snapshot holds no record
// of: nothing says it was read, so what it would have shown is unknown.
const NotRecorded = "not recorded in the snapshot"

// Finer sources. The live collector reads OVSDB in one go ("ovsdb") and a
// namespace's kernel facts in one go ("netlink/<ns>"); an import from what
// a node left behind (a sosreport, pasted outputs) finds them in several
// outputs, each holding some columns or some facts, and records a source
// per part (netinspect/ovstext's Source* and netinspect/sosimport's
// per-namespace families name the same). A live snapshot records none of
// them: a finer source without a record was read with its parent (Unread
// and Failed both take it so), and one recorded as not read makes unknown
// what rests on its part alone.
const (
	// SourcePortConfig: the Port table's vlan_mode, external_ids and
	// other_config (net_uuid, network_type, segmentation_id,
	// physical_network, tag).
	SourcePortConfig = "ovsdb/port-config"
	// SourceInterfaceConfig: the Interface table's external_ids
	// (iface-id, attached-mac, vm-uuid) and other_config.
	SourceInterfaceConfig = "ovsdb/interface-config"
	// SourceOFPort: the interfaces' OpenFlow port numbers (ofport), by
	// which flows name ports.
	SourceOFPort = "ovsdb/ofport"
	// SourceInterfaceState: the interfaces' link_state, admin_state and
	// mtu as OVS reports them (the view judges devices by the kernel's).
	SourceInterfaceState = "ovsdb/interface-state"
	// SourceBridgeConfig: the bridges' protocols, external_ids and
	// other_config.
	SourceBridgeConfig = "ovsdb/bridge-config"
	// SourceSystemConfig: the Open_vSwitch row's external_ids and
	// other_config.
	SourceSystemConfig = "ovsdb/system-config"
	// SourceConnectionState: the controllers and managers, and whether
	// they are connected (is_connected).
	SourceConnectionState = "ovsdb/connection-state"
	// SourceControllerRole: the controllers' role and inactivity_probe.
	SourceControllerRole = "ovsdb/controller-role"

	// Per-namespace families, followed by the namespace's label
	// ("rules/(root)", "linkinfo/qrouter-…"): its policy-routing rules,
	// ARP/ND cache, IPv6 routes, and link kinds and veth peers (ip -d).
	SourceRules     = "rules/"
	SourceNeighbors = "neigh/"
	SourceRoutes6   = "routes6/"
	SourceLinkInfo  = "linkinfo/"
)

// FinerSources lists the finer OVSDB sources, for whoever names them all.
func FinerSources() []string {
	return []string{SourcePortConfig, SourceInterfaceConfig, SourceOFPort, SourceInterfaceState,
		SourceBridgeConfig, SourceSystemConfig, SourceConnectionState, SourceControllerRole}
}

// parentSource returns the source a finer source is part of ("ovsdb" for
// "ovsdb/port-config", "netlink/(root)" for "rules/(root)"), or "" for a
// source that is no finer one.
func parentSource(name string) string {
	if strings.HasPrefix(name, "ovsdb/") {
		return "ovsdb"
	}
	for _, f := range []string{SourceRules, SourceNeighbors, SourceRoutes6, SourceLinkInfo} {
		if label, ok := strings.CutPrefix(name, f); ok && label != "" {
			return "netlink/" + label
		}
	}
	return ""
}

// Unread returns the sources among needs that a snapshot did not read, in
// the order of needs. A need is either a source name ("ovsdb",
// "netlink/(root)", "openflow/br-int"), which must be recorded and read,
// or a family ending in "/" ("netlink/", "openflow/", "nat/"), every
// recorded member of which must have been read. A family may have no
// member at all (a compute node has no router, hence no nat/ source):
// whether its members were listed is the business of the source that
// lists them (ovsdb the bridges, netns the namespaces), which the caller
// names too. A source missing from the record comes back with OK false and
// the error NotRecorded, except a finer source (SourcePortConfig,
// "rules/(root)"…): without a record it was read with its parent, and the
// parent is what must have been.
func Unread(s *topo.Snapshot, needs ...string) []topo.Source {
	var out []topo.Source
	seen := map[string]bool{}
	add := func(src topo.Source) {
		if !seen[src.Name] {
			seen[src.Name] = true
			out = append(out, src)
		}
	}
	for _, need := range needs {
		if strings.HasSuffix(need, "/") {
			for _, src := range s.Sources {
				if !src.OK && strings.HasPrefix(src.Name, need) {
					add(src)
				}
			}
			continue
		}
		switch src := s.Source(need); {
		case src == nil && parentSource(need) != "":
			for _, p := range Unread(s, parentSource(need)) {
				add(p)
			}
		case src == nil:
			add(topo.Source{Name: need, Error: NotRecorded})
		case !src.OK:
			add(*src)
		}
	}
	return out
}

// Failed returns the named sources that are recorded as not read. Unlike
// Unread, a name without a record is no failure: a namespace that does
// not exist has no netlink/ source, and one present in the snapshot was
// read (collection keeps a namespace only when its devices were listed).
func Failed(s *topo.Snapshot, names ...string) []topo.Source {
	var out []topo.Source
	for _, n := range names {
		if src := s.Source(n); src != nil && !src.OK {
			out = append(out, *src)
		}
	}
	return out
}

// SourceNames joins the names of sources ("ovsdb, netlink/(root)").
func SourceNames(srcs []topo.Source) string {
	names := make([]string, len(srcs))
	for i, s := range srcs {
		names[i] = s.Name
	}
	return strings.Join(names, ", ")
}

// readFacts says which sources Derive may take an absence from. A device,
// a port or a flow that a source did not show is missing only if that
// source was read: otherwise it is unknown, and saying "missing" would
// make the view lie (a non-root run reads no OVSDB; every port would be
// "not on br-int").
type readFacts struct {
	// ovsdb: the OVSDB rows were read (bridges, ports, tags).
	ovsdb bool
	// flows holds the bridges whose OpenFlow tables were dumped.
	flows map[string]bool
	// root: the node's own namespace was read.
	root bool
	// kernel: every namespace was listed and read, so a device found in
	// none of them is nowhere.
	kernel bool
	// unreadKernel names what kernel is false for.
	unreadKernel []topo.Source
	// ovsUnread holds, when OVSDB was read, the finer OVSDB sources
	// recorded as not read, by name: an import that found the bridges
	// and ports but not every column of them (see lacks).
	ovsUnread map[string][]topo.Source
	// rootLinkInfo holds the node's namespace's link details (kinds, veth
	// peers) when recorded as not read: devices and masters were read,
	// but not what ip -d adds.
	rootLinkInfo []topo.Source
	// masked holds the mac-addresses source when sos clean masked the
	// report: MACs are aliases, so a MAC's prefix (a tap's fe:16:3e, the
	// default DVR base fa:16:3f) tells nothing.
	masked []topo.Source
}

// lacks reports whether OVSDB was read but not the columns of one of its
// finer sources (SourcePortConfig…): what rests on them is unknown. It
// is false when OVSDB itself was not read, which the view says on its
// own terms (no bridge, no port).
func (r readFacts) lacks(src string) bool { return len(r.ovsUnread[src]) > 0 }

// unknownOVS is unknown for a fact resting on a finer OVSDB source.
func (r readFacts) unknownOVS(what, src string) string {
	return unknown(what, SourceNames(r.ovsUnread[src]))
}

func readOf(s *topo.Snapshot) readFacts {
	r := readFacts{flows: map[string]bool{}}
	r.ovsdb = len(Unread(s, "ovsdb")) == 0
	for i := range s.OVS.Bridges {
		name := s.OVS.Bridges[i].Name
		r.flows[name] = r.ovsdb && len(Unread(s, "openflow/"+name)) == 0
	}
	if r.ovsdb {
		for _, f := range FinerSources() {
			if u := Unread(s, f); len(u) > 0 {
				if r.ovsUnread == nil {
					r.ovsUnread = map[string][]topo.Source{}
				}
				r.ovsUnread[f] = u
			}
		}
	}
	r.root = s.Root() != nil && len(Unread(s, "netlink/(root)")) == 0
	r.rootLinkInfo = Failed(s, SourceLinkInfo+"(root)")
	r.unreadKernel = Unread(s, "netlink/(root)", "netns", "netlink/")
	r.kernel = r.root && len(r.unreadKernel) == 0
	r.masked = Failed(s, topo.SourceMACs)
	return r
}

// nsRead reports whether a namespace present in the snapshot was read
// whole (its addresses and routes too, not only its devices).
func nsRead(s *topo.Snapshot, ns *topo.Namespace, family string) bool {
	return len(Failed(s, family+ns.Label())) == 0
}

// unknown is the text of a fact the view cannot state: "<what>: unknown
// (<sources> not read)".
func unknown(what string, srcs ...string) string {
	return what + ": unknown (" + strings.Join(srcs, ", ") + " not read)"
}
