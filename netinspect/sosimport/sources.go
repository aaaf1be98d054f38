package sosimport

import "github.com/ostopo/ostopo/netinspect/topo"

// The sources an import records (their meaning: netinspect/topo's
// sources.go) besides the live collector's ("ovsdb",
// "openflow/<bridge>", "netns", "netlink/<ns>", "sysctl/<ns>",
// "nat/<ns>", "agent-files", which mean here what they mean live).
//
// A live read of a namespace reads every kernel fact of it at once
// ("netlink/<ns>"); a report holds some of them and not others, by sos
// version. "netlink/<ns>" is then read when the namespace's devices,
// addresses and IPv4 routes were, and each of the families below has its
// own source, per namespace label ("(root)", "qrouter-…"), saying whether
// that part was collected. A live snapshot has none of them: a consumer
// asks with neutron.Failed (a name without a record is no failure).
const (
	SourceRoutes6     = topo.SourceRoutes6
	SourceRules       = topo.SourceRules
	SourceNeighbors   = topo.SourceNeighbors
	SourceLinkDetails = topo.SourceLinkDetails
	SourceMACs        = topo.SourceMACs
	SourceReport      = topo.SourceReport
)
