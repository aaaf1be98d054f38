package describe

import (
	"strconv"
	"strings"

	"github.com/ostopo/ostopo/netinspect/doctor"
	"github.com/ostopo/ostopo/netinspect/neutron"
	"github.com/ostopo/ostopo/netinspect/safetext"
	"github.com/ostopo/ostopo/netinspect/topo"
	"github.com/ostopo/ostopo/ui/render"
)

// Index holds one snapshot's lookups, built once (NewIndex) so that each
// page is a handful of map reads: the topo helpers scan slices, which on
// a 1000-instance node is a millisecond per lookup. It is not changed
// after NewIndex, so pages may be built from any goroutine.
type Index struct {
	s    *topo.Snapshot
	exam doctor.Result

	findings   map[render.Ref][]*doctor.Finding
	ports      map[string]*topo.NPort
	networks   map[string]*topo.Network
	routers    map[string]*topo.Router
	routerOfNS map[string]*topo.Router
	namespaces map[string]*topo.Namespace
	links      neutron.LinkLookup
	ovsPorts   map[string]topo.PortOnBridge
	// portOfDevice maps every device and OVS port name of a Neutron port
	// to it (tap, qbr, qvb, qvo, qr-, qg-).
	portOfDevice map[string]*topo.NPort
	// fips are the floating IPs by address, and by the port they map to.
	fips       map[string]fipOf
	fipsOfPort map[string][]fipOf
	roles      map[string]topo.BridgeRole
	tunnels    map[string]*topo.Tunnel
	patches    map[string]*topo.PatchPair // "<bridge>/<port>", both ends
	nics       map[string]*topo.ProviderNIC
	dhcp       map[string][]*topo.DHCPNetwork
	netOfVLAN  map[int]*topo.Network
	flows      map[string]*bridgeFlows
}

// fipOf is a floating IP and its router.
type fipOf struct {
	router *topo.Router
	fip    *topo.FloatingIP
}

// NewIndex indexes a snapshot and the doctor's result on it.
func NewIndex(s *topo.Snapshot, exam doctor.Result) *Index {
	n := &s.Neutron
	x := &Index{
		s: s, exam: exam,
		findings:     map[render.Ref][]*doctor.Finding{},
		ports:        make(map[string]*topo.NPort, len(n.Ports)),
		networks:     map[string]*topo.Network{},
		routers:      map[string]*topo.Router{},
		routerOfNS:   map[string]*topo.Router{},
		namespaces:   map[string]*topo.Namespace{},
		links:        neutron.Links(s),
		ovsPorts:     s.OVS.PortIndex(),
		portOfDevice: make(map[string]*topo.NPort, 4*len(n.Ports)),
		fips:         map[string]fipOf{},
		fipsOfPort:   map[string][]fipOf{},
		roles:        map[string]topo.BridgeRole{},
		tunnels:      map[string]*topo.Tunnel{},
		patches:      map[string]*topo.PatchPair{},
		nics:         map[string]*topo.ProviderNIC{},
		dhcp:         map[string][]*topo.DHCPNetwork{},
		netOfVLAN:    map[int]*topo.Network{},
		flows:        map[string]*bridgeFlows{},
	}
	for i := range x.exam.Findings {
		f := &x.exam.Findings[i]
		for _, o := range f.Objects {
			ref := render.Ref{Kind: o.Kind, ID: o.ID}
			x.findings[ref] = append(x.findings[ref], f)
		}
	}
	for i := range n.Ports {
		p := &n.Ports[i]
		x.ports[p.ID] = p
		for _, d := range devices(p) {
			x.portOfDevice[d.Name] = p
		}
		if p.OVSPort != "" {
			x.portOfDevice[p.OVSPort] = p
		}
	}
	for i := range n.Networks {
		nw := &n.Networks[i]
		x.networks[nw.ID] = nw
		if nw.LocalVLAN != 0 {
			x.netOfVLAN[nw.LocalVLAN] = nw
		}
	}
	for i := range n.Routers {
		r := &n.Routers[i]
		x.routers[r.ID] = r
		x.routerOfNS[r.Namespace] = r
		for j := range r.FloatingIPs {
			f := fipOf{r, &r.FloatingIPs[j]}
			x.fips[f.fip.FloatingIP] = f
			if f.fip.PortID != "" {
				x.fipsOfPort[f.fip.PortID] = append(x.fipsOfPort[f.fip.PortID], f)
			}
		}
	}
	for i := range s.Namespaces {
		ns := &s.Namespaces[i]
		x.namespaces[ns.Name] = ns
	}
	for _, b := range n.Bridges {
		x.roles[b.Name] = b
	}
	for i := range n.Tunnels {
		x.tunnels[n.Tunnels[i].Port] = &n.Tunnels[i]
	}
	for i := range n.PatchPairs {
		pp := &n.PatchPairs[i]
		x.patches[pp.Bridge+"/"+pp.Port] = pp
		if pp.PeerBridge != "" {
			if _, ok := x.patches[pp.PeerBridge+"/"+pp.Peer]; !ok {
				x.patches[pp.PeerBridge+"/"+pp.Peer] = pp
			}
		}
	}
	for i := range n.ProviderNICs {
		x.nics[n.ProviderNICs[i].Name] = &n.ProviderNICs[i]
	}
	for i := range s.Agent.DHCP {
		d := &s.Agent.DHCP[i]
		x.dhcp[d.NetworkID] = append(x.dhcp[d.NetworkID], d)
	}
	for i := range s.OVS.Bridges {
		b := &s.OVS.Bridges[i]
		x.flows[b.Name] = indexFlows(b)
	}
	return x
}

// Snapshot is the snapshot the index was built on.
func (x *Index) Snapshot() *topo.Snapshot { return x.s }

// Page builds the describe page of an object. An object the snapshot does
// not hold gets a page of one line saying so.
func (x *Index) Page(ref render.Ref) Page {
	if ref.Kind == "" {
		// A list row that stands for nothing (a column heading).
		var ls lines
		ls.add(render.Dim, "this row is no object")
		return Page{Title: "detail", Sections: []Section{{Lines: ls}}}
	}
	var p Page
	ok := false
	switch ref.Kind {
	case "port":
		p, ok = x.portPage(ref.ID)
	case "network":
		p, ok = x.networkPage(ref.ID)
	case "router":
		p, ok = x.routerPage(ref.ID)
	case "namespace":
		p, ok = x.namespacePage(ref.ID)
	case "link":
		p, ok = x.linkPage(ref.ID)
	case "bridge":
		p, ok = x.bridgePage(ref.ID)
	case "tunnel":
		p, ok = x.tunnelPage(ref.ID)
	case "patch":
		p, ok = x.patchPage(ref.ID)
	case "nic":
		p, ok = x.nicPage(ref.ID)
	case "flow":
		p, ok = x.flowPage(ref.ID)
	case "route":
		p, ok = x.routePage(ref.ID)
	case "floating_ip":
		p, ok = x.fipPage(ref.ID)
	case "address":
		p, ok = x.addressPage(ref.ID)
	case "vlan":
		p, ok = x.vlanPage(ref.ID)
	case "trace":
		p, ok = x.tracePage(ref.ID)
	}
	if !ok {
		return Unknown(ref)
	}
	p.Ref = ref
	if p.Title == "" {
		p.Title = Title(ref)
	}
	safeCopies(&p)
	return p
}

// safeCopies makes every line's Copy terminal-safe: what y copies is
// pasted into a shell, where a newline in a name would run a command.
func safeCopies(p *Page) {
	for i := range p.Sections {
		s := &p.Sections[i]
		for j := range s.Lines {
			s.Lines[j].Copy = safetext.Term(s.Lines[j].Copy)
		}
		if lazy := s.Lazy; lazy != nil {
			s.Lazy = func() []Line {
				ls := lazy()
				for j := range ls {
					ls[j].Copy = safetext.Term(ls[j].Copy)
				}
				return ls
			}
		}
	}
}

// Unknown is the page of an object the snapshot does not hold.
func Unknown(ref render.Ref) Page {
	var ls lines
	ls.add(render.Problem, "nothing known about %s in this snapshot", refName(ref))
	return Page{Title: Title(ref), Ref: ref, Sections: []Section{{Lines: ls}}}
}

// IsUnknown reports whether a page is Unknown's.
func (p Page) IsUnknown() bool {
	return len(p.Sections) == 1 && len(p.Sections[0].Lines) == 1 && strings.HasPrefix(p.Sections[0].Lines[0].Text, "nothing known about ")
}

// Title names an object as the pane's title and the breadcrumb show it:
// the kind and a short id ("port ada3ae32", "namespace qrouter-cd27476e").
func Title(ref render.Ref) string {
	id := ref.ID
	switch ref.Kind {
	case "namespace":
		if id == "" {
			return "namespace (root)"
		}
		id = nsShort(id)
	case "link":
		ns, name, _ := strings.Cut(id, "/")
		id = name + " in " + nsLabel(nsShort(ns))
	case "vlan":
		return "VLAN " + id
	default:
		id = render.Short(id)
	}
	return safetext.Term(ref.Kind + " " + id)
}

// Ref constructors, so that a link names its object as the views do.
func portRef(id string) render.Ref    { return render.Ref{Kind: "port", ID: id} }
func networkRef(id string) render.Ref { return render.Ref{Kind: "network", ID: id} }
func routerRef(id string) render.Ref  { return render.Ref{Kind: "router", ID: id} }
func nsRef(name string) render.Ref    { return render.Ref{Kind: "namespace", ID: name} }
func bridgeRef(name string) render.Ref {
	return render.Ref{Kind: "bridge", ID: name}
}
func linkRef(ns, name string) render.Ref { return render.Ref{Kind: "link", ID: ns + "/" + name} }
func flowRef(bridge string, i int) render.Ref {
	return render.Ref{Kind: "flow", ID: bridge + "/" + strconv.Itoa(i)}
}

// link returns a kernel device, or nil.
func (x *Index) link(ns, name string) *topo.Link { return x.links(ns, name) }

// deviceRef is the page that says most about a named device: the Neutron
// port it carries, the tunnel, patch or NIC it is, else its kernel link
// in ns; the zero Ref when nothing knows it.
func (x *Index) deviceRef(ns, bridge, name string) render.Ref {
	switch {
	case x.portOfDevice[name] != nil:
		return portRef(x.portOfDevice[name].ID)
	case x.tunnels[name] != nil:
		return render.Ref{Kind: "tunnel", ID: name}
	case bridge != "" && x.patches[bridge+"/"+name] != nil:
		return render.Ref{Kind: "patch", ID: bridge + "/" + name}
	case x.nics[name] != nil:
		return render.Ref{Kind: "nic", ID: name}
	case x.link(ns, name) != nil:
		return linkRef(ns, name)
	}
	return render.Ref{}
}

// devices are a port's devices in path order (tap, qbr, qvb, qvo).
func devices(p *topo.NPort) []*topo.Device {
	var out []*topo.Device
	for _, d := range []*topo.Device{p.Devices.Tap, p.Devices.QBR, p.Devices.QVB, p.Devices.QVO} {
		if d != nil {
			out = append(out, d)
		}
	}
	return out
}

// nsShort abbreviates the UUID of a Neutron namespace name.
func nsShort(ns string) string {
	kind, id := topo.ClassifyNamespace(ns)
	if id == "" {
		return ns
	}
	return kind + "-" + render.Short(id)
}

func nsLabel(ns string) string {
	if ns == "" {
		return "(root)"
	}
	return ns
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
