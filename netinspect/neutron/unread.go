package neutron

import (
	"strings"

	"github.com/ostopo/ostopo/netinspect/topo"
)

// NotRecorded is the error given for a source a snapshot holds no record
// of: nothing says it was read, so what it would have shown is unknown.
const NotRecorded = "not recorded in the snapshot"

// Unread returns the sources among needs that a snapshot did not read, in
// the order of needs. A need is either a source name ("ovsdb",
// "netlink/(root)", "openflow/br-int"), which must be recorded and read,
// or a family ending in "/" ("netlink/", "openflow/", "nat/"), every
// recorded member of which must have been read. A family may have no
// member at all (a compute node has no router, hence no nat/ source):
// whether its members were listed is the business of the source that
// lists them (ovsdb the bridges, netns the namespaces), which the caller
// names too. A source missing from the record comes back with OK false and
// the error NotRecorded.
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
}

func readOf(s *topo.Snapshot) readFacts {
	r := readFacts{flows: map[string]bool{}}
	r.ovsdb = len(Unread(s, "ovsdb")) == 0
	for i := range s.OVS.Bridges {
		name := s.OVS.Bridges[i].Name
		r.flows[name] = r.ovsdb && len(Unread(s, "openflow/"+name)) == 0
	}
	r.root = s.Root() != nil && len(Unread(s, "netlink/(root)")) == 0
	r.unreadKernel = Unread(s, "netlink/(root)", "netns", "netlink/")
	r.kernel = r.root && len(r.unreadKernel) == 0
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
