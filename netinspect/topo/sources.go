package topo

// The sources an import of a sosreport or of pasted outputs
// (netinspect/sosimport) records besides the live collector's ("ovsdb",
// "openflow/<bridge>", "netns", "netlink/<ns>", "sysctl/<ns>",
// "nat/<ns>", "agent-files", which mean there what they mean live).
//
// A live read of a namespace reads every kernel fact of it at once
// ("netlink/<ns>"); a report holds some of them and not others, by sos
// version. "netlink/<ns>" is then read when the namespace's devices,
// addresses and IPv4 routes were, and each of the families below has its
// own source, per namespace label ("(root)", "qrouter-…"), saying whether
// that part was collected. A live snapshot has none of them: a consumer
// asks with neutron.Failed (a name without a record is no failure).
const (
	// SourceRoutes6 is a namespace's IPv6 routes (sos collects them for
	// the root namespace only).
	SourceRoutes6 = "routes6/"
	// SourceRules is a namespace's policy-routing rules (sos 4.1 and
	// later per namespace).
	SourceRules = "rules/"
	// SourceNeighbors is a namespace's ARP/ND cache (sos 4.1 and later
	// per namespace).
	SourceNeighbors = "neigh/"
	// SourceLinkDetails is a namespace's link kinds and details (veth,
	// vxlan id, tun type): `ip -d` (sos 4.3 and later per namespace).
	// Without it a link's Kind is "" (unknown) and its Peer nil.
	SourceLinkDetails = "linkinfo/"
	// SourceMACs is recorded, not read, when sos clean masked the report:
	// MACs are not the node's (netinspect/sosimport).
	SourceMACs = "mac-addresses"
	// SourceReport is recorded, not read, when the archive ended early:
	// the facts in the files after the cut are missing.
	SourceReport = "sosreport"
)

// SourceOFTrace records how a live trace asked the bridges (ofproto/trace
// over ovs-vswitchd's control socket, or ovs-appctl and why), on the
// snapshot `ostopo trace --record` writes.
const SourceOFTrace = "ofproto/trace"
