package views

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/ostopo/ostopo/netinspect/doctor"
	"github.com/ostopo/ostopo/netinspect/neutron"
	"github.com/ostopo/ostopo/netinspect/safetext"
	"github.com/ostopo/ostopo/netinspect/topo"
	"github.com/ostopo/ostopo/ui/filter"
	"github.com/ostopo/ostopo/ui/render"
	"github.com/ostopo/ostopo/ui/table"
)

// The tables: one row per object, facts as cells, STATE last. Sort
// letters are a letter of the column's title and never one the key map
// binds (G N F Y D); Priority 0 columns (the id, the state) are never
// dropped, the highest Priority goes first when the width is short.

// Networks is the VLAN ledger: local VLAN ↔ network ↔ segment ↔ DHCP
// namespace ↔ routers ↔ ports, sorted by local VLAN.
func Networks(s *topo.Snapshot) table.Data {
	d := table.Data{Name: "Networks", SortBy: 'V', Empty: "no Neutron network on this node", EmptyClass: render.Dim,
		Columns: []table.Column{
			{Title: "VLAN", Sort: 'V', Numeric: true},
			{Title: "NETWORK", Sort: 'K'},
			{Title: "TYPE", Sort: 'T', Priority: 3},
			{Title: "SEG", Sort: 'E', Numeric: true, Priority: 4},
			{Title: "PHYSNET", Sort: 'P', Priority: 6},
			{Title: "MTU", Sort: 'M', Numeric: true, Priority: 8},
			{Title: "DHCP", Sort: 'H', Priority: 5},
			{Title: "ROUTERS", Sort: 'R', Priority: 7, Max: 26},
			{Title: "PORTS", Sort: 'O', Numeric: true, Priority: 2},
			{Title: "CIDRS", Sort: 'C', Priority: 1, Max: 33},
			{Title: "STATE/PROBLEMS", Sort: 'S', Flex: true},
		}}
	for _, n := range s.Neutron.Networks {
		seg := "-"
		if n.SegmentationID != nil {
			seg = strconv.Itoa(*n.SegmentationID)
		}
		routers := make([]string, len(n.Routers))
		for i, r := range n.Routers {
			routers[i] = render.Short(r)
		}
		st := tableStateOf(n.Problems, n.Unknown, "ok", render.Normal)
		cells := tableCells(strconv.Itoa(n.LocalVLAN), render.Short(n.ID), tableDash(n.NetworkType), seg, tableDash(n.PhysicalNetwork),
			tableDash(tablePositive(n.MTU)), tableDash(tableNSShort(n.DHCPNamespace)), tableDash(strings.Join(routers, ",")), strconv.Itoa(len(n.Ports)),
			networkCIDRs(n), st.text)
		ref := render.Ref{Kind: "network", ID: n.ID}
		d.Rows = append(d.Rows, table.Row{
			Cells: cells, SortKeys: st.sortKeys(len(cells)), Class: st.class, Ref: ref, Key: tableRowKey(ref, cells), Copy: safetext.Term(n.ID),
			Fields: filter.NewFields(tableFieldText(cells, n.ID, n.DHCPNamespace, strings.Join(n.Routers, " "), strings.Join(n.CIDRs, " ")),
				map[string][]string{
					"kind": {"network"}, "vlan": {strconv.Itoa(n.LocalVLAN)}, "net": {n.ID}, "id": {n.ID},
					"ns": tableNonEmpty(n.DHCPNamespace), "router": slices.Clone(n.Routers), "bridge": tableNonEmpty(n.Bridge),
					"state": st.states,
				}),
		})
	}
	return d
}

// Routers is one row per router namespace: its kind, gateway, floating
// IPs, networks, forwarding and NAT.
func Routers(s *topo.Snapshot) table.Data {
	d := table.Data{Name: "Routers", Empty: "no router namespace on this node", EmptyClass: render.Dim,
		Columns: []table.Column{
			{Title: "ROUTER", Sort: 'R'},
			{Title: "NAMESPACE", Sort: 'M', Priority: 7},
			{Title: "KIND", Sort: 'K', Priority: 3},
			{Title: "GATEWAY", Sort: 'A', Priority: 4, Max: 48},
			{Title: "FIPS", Sort: 'I', Numeric: true, Priority: 5},
			{Title: "NETWORKS", Sort: 'E', Priority: 6, Max: 26},
			{Title: "FWD", Sort: 'W', Priority: 2},
			{Title: "NAT", Sort: 'T', Priority: 1, Max: 28},
			{Title: "STATE/PROBLEMS", Sort: 'S', Flex: true},
		}}
	for _, r := range s.Neutron.Routers {
		problems := slices.Clone(r.Problems)
		var fips, fixed []string
		for _, f := range r.FloatingIPs {
			problems = append(problems, f.Problems...)
			fips = append(fips, f.FloatingIP)
			fixed = append(fixed, f.FixedIP)
		}
		st := tableStateOf(problems, r.Unknown, "ok", render.Normal)
		kind := r.Kind
		if r.HAState != "" {
			kind += " " + r.HAState
		}
		gateway, trace := "-", ""
		ids, nets, devs, addrs, vlans := []string{r.ID}, []string{}, []string{}, slices.Clone(fips), []string{}
		addrs = append(addrs, tableNonEmpty(fixed...)...)
		if g := r.Gateway; g != nil {
			gateway = strings.Join(tableNonEmpty(g.Device, g.Address), " ")
			if g.NextHop != "" {
				gateway += " via " + g.NextHop
			}
			// A DVR router's qg- is in its snat- namespace (the SNAT
			// node's), not in the qrouter- of the NAMESPACE column.
			if ns := s.Namespace(r.SNATNamespace); r.SNATNamespace != "" && ns != nil && ns.Link(g.Device) != nil {
				gateway += " in " + tableNSShort(r.SNATNamespace)
			}
			trace = tableAddr(g.Address)
			ids = append(ids, tableNonEmpty(g.Port)...)
			nets = append(nets, tableNonEmpty(g.NetworkID)...)
			devs = append(devs, tableNonEmpty(g.Device)...)
			addrs = append(addrs, tableNonEmpty(tableAddr(g.Address), g.NextHop)...)
		}
		if dvr := neutron.DVR(s, &r); dvr != nil {
			// A distributed router's way out on a compute node is fg- in
			// fip-, not a qg- of its own.
			if dvr.Mode == topo.DVRSNAT {
				kind += " snat"
			}
			if g := dvr.FIPGateway; g != nil && r.Gateway == nil {
				gateway = strings.Join(tableNonEmpty(g.Device, g.Address, "in "+tableNSShort(g.Namespace)), " ")
				ids = append(ids, tableNonEmpty(g.Port)...)
				nets = append(nets, tableNonEmpty(g.NetworkID)...)
				devs = append(devs, tableNonEmpty(g.Device)...)
				addrs = append(addrs, tableNonEmpty(tableAddr(g.Address))...)
			} else if r.Gateway == nil && dvr.FIPNamespace != "" && !dvr.FIPNamespacePresent && len(neutron.Unread(s, "netns")) == 0 {
				gateway = "no " + tableNSShort(dvr.FIPNamespace)
			}
		}
		var short []string
		for _, i := range r.Interfaces {
			ids = append(ids, tableNonEmpty(i.Port)...)
			devs = append(devs, tableNonEmpty(i.Device)...)
			vlans = append(vlans, strconv.Itoa(i.LocalVLAN))
			for _, a := range i.Addresses {
				addrs = append(addrs, tableAddr(a))
			}
			if i.NetworkID != "" && !slices.Contains(nets, i.NetworkID) {
				nets = append(nets, i.NetworkID)
				short = append(short, render.Short(i.NetworkID))
			}
		}
		cells := tableCells(render.Short(r.ID), tableDash(tableNSShort(r.Namespace)), kind, gateway, strconv.Itoa(len(r.FloatingIPs)),
			tableDash(strings.Join(short, ",")), tableOnOff(r.IPForward), tableNAT(s, &r), st.text)
		ref := render.Ref{Kind: "router", ID: r.ID}
		d.Rows = append(d.Rows, table.Row{
			Cells: cells, SortKeys: st.sortKeys(len(cells)), Class: st.class, Ref: ref, Key: tableRowKey(ref, cells),
			Copy: safetext.Term(r.ID), Trace: safetext.Term(trace),
			Fields: filter.NewFields(tableFieldText(cells, r.Namespace, r.SNATNamespace, strings.Join(ids, " "), strings.Join(nets, " "),
				strings.Join(devs, " "), strings.Join(addrs, " ")),
				map[string][]string{
					"kind": {"router"}, "router": {r.ID}, "id": ids, "ns": tableNonEmpty(r.Namespace, r.SNATNamespace),
					"net": nets, "dev": devs, "ip": addrs, "vlan": vlans, "state": st.states,
				}),
		})
	}
	return d
}

// Ports lists every Neutron port with its role, MAC, instance, network,
// local VLAN, device, addresses and chain state.
func Ports(s *topo.Snapshot) table.Data {
	d := table.Data{Name: "Ports", Empty: "no Neutron port on this node", EmptyClass: render.Dim,
		Columns: []table.Column{
			{Title: "PORT", Sort: 'P'},
			{Title: "ROLE", Sort: 'R', Priority: 2},
			{Title: "MAC", Sort: 'M', Priority: 7},
			{Title: "INSTANCE", Sort: 'I', Priority: 6},
			{Title: "NETWORK", Sort: 'K', Priority: 4},
			{Title: "VLAN", Sort: 'V', Numeric: true, Priority: 1},
			{Title: "DEVICE", Sort: 'E', Priority: 5},
			{Title: "FIXED IPS", Sort: 'X', Priority: 3, Max: 31},
			{Title: "STATE/PROBLEMS", Sort: 'S', Flex: true},
		}}
	links := neutron.Links(s)
	for _, p := range s.Neutron.Ports {
		id := p.ID
		if len(id) > 13 {
			id = id[:13]
		}
		dev := p.OVSPort
		if dev == "" && p.Devices.Tap != nil {
			dev = p.Devices.Tap.Name
		}
		st := tableStateOf(p.Problems, p.Unknown, "ok", render.Good)
		if p.Dead {
			st.states = append(st.states, "dead")
		}
		devs := tableNonEmpty(p.OVSPort)
		for _, dv := range []*topo.Device{p.Devices.Tap, p.Devices.QBR, p.Devices.QVB, p.Devices.QVO} {
			if dv == nil {
				continue
			}
			if !slices.Contains(devs, dv.Name) {
				devs = append(devs, dv.Name)
			}
			if l := links(dv.Namespace, dv.Name); dv.InKernel && l != nil {
				switch neutron.Fault(l) {
				case neutron.FaultAdminDown, neutron.FaultOperDown:
					st.states = append(st.states, "down")
				case neutron.FaultNoCarrier:
					st.states = append(st.states, "nocarrier")
				}
			}
		}
		ips := make([]string, len(p.FixedIPs))
		for i, ip := range p.FixedIPs {
			ips[i] = tableAddr(ip)
		}
		vlan := strconv.Itoa(p.LocalVLAN)
		cells := tableCells(id, tableDash(p.Role), tableDash(p.MAC), tableDash(render.Short(p.InstanceID)), tableDash(render.Short(p.NetworkID)),
			vlan, tableDash(dev), tableDash(strings.Join(p.FixedIPs, " ")), st.text)
		ref := render.Ref{Kind: "port", ID: p.ID}
		d.Rows = append(d.Rows, table.Row{
			Cells: cells, SortKeys: st.sortKeys(len(cells)), Class: st.class, Ref: ref, Key: tableRowKey(ref, cells),
			Copy: safetext.Term(p.ID), Trace: safetext.Term(p.ID),
			Fields: filter.NewFields(tableFieldText(cells, p.ID, p.InstanceID, p.NetworkID, p.Namespace, strings.Join(devs, " ")),
				map[string][]string{
					"kind": {"port"}, "vlan": {vlan}, "role": tableNonEmpty(p.Role), "net": tableNonEmpty(p.NetworkID),
					"ns": tableNonEmpty(p.Namespace), "bridge": tableNonEmpty(p.Bridge), "router": tableNonEmpty(p.RouterID),
					"dev": devs, "ip": ips, "mac": tableNonEmpty(p.MAC), "id": tableNonEmpty(p.ID, p.InstanceID), "state": st.states,
				}),
		})
	}
	return d
}

// Flows lists every bridge's flows, port numbers shown as the ports'
// names, in the order the bridges dumped them (by table).
func Flows(s *topo.Snapshot) table.Data {
	d := table.Data{Name: "Flows", Empty: "no OpenFlow flow was read", EmptyClass: render.Dim,
		Columns: []table.Column{
			{Title: "BRIDGE", Sort: 'B'},
			{Title: "TABLE", Sort: 'T', Numeric: true},
			{Title: "PRIO", Sort: 'P', Numeric: true},
			{Title: "MATCH", Sort: 'M', Min: 20, Max: 50},
			{Title: "ACTIONS", Sort: 'A', Flex: true, Min: 16},
			{Title: "PACKETS", Sort: 'C', Numeric: true, Priority: 1},
		}}
	for _, b := range s.OVS.Bridges {
		names := map[int]string{}
		for _, p := range b.Ports {
			for _, i := range p.Interfaces {
				names[i.OFPort] = p.Name
			}
		}
		for i, f := range b.Flows {
			var ports tableFlowPorts
			match := ports.name(f.Match, names)
			if match == "" {
				match = "*"
			}
			actions := ports.name(f.Actions, names)
			tableNo, prio := strconv.Itoa(f.Table), strconv.Itoa(f.Priority)
			cells := tableCells(b.Name, tableNo, prio, match, tableDash(actions), strconv.FormatUint(f.Packets, 10))
			class := render.Normal
			if f.Packets == 0 {
				class = render.Dim
			}
			var vlans []string
			if v, ok := f.MatchInt("dl_vlan"); ok {
				vlans = append(vlans, strconv.Itoa(v))
			}
			if v, ok := f.ModVLAN(); ok {
				vlans = append(vlans, strconv.Itoa(v))
			}
			copyText := fmt.Sprintf("table=%d,priority=%d", f.Table, f.Priority)
			if f.Match != "" {
				copyText += "," + f.Match
			}
			ref := render.Ref{Kind: "flow", ID: b.Name + "/" + strconv.Itoa(i)}
			d.Rows = append(d.Rows, table.Row{
				Cells: cells, Class: class, Ref: ref, Copy: safetext.Term(copyText),
				// Counters are no change: the key is the flow itself.
				Key: "flow\x00" + strings.Join(cells[:5], "\x00"),
				// The text holds what the cells renamed (in_port=3), not the
				// whole flow again: on 4,000 flows a regular expression
				// reads every byte of it at each keystroke.
				Fields: filter.NewFields(tableFieldText(cells, strings.Join(ports.numbers, " "), f.Cookie),
					map[string][]string{
						"kind": {"flow"}, "bridge": {b.Name}, "table": {tableNo}, "dev": ports.devs, "vlan": vlans, "id": {ref.ID},
					}),
			})
		}
	}
	return d
}

// Problems lists the doctor's findings, most severe first, then each
// check that could not run (severity "unknown": its facts were not read,
// which is no all-clear). Enter opens a finding's first object.
func Problems(r doctor.Result) table.Data {
	d := table.Data{Name: "Problems", Empty: "no problems found", EmptyClass: render.Good,
		Columns: []table.Column{
			{Title: "SEV", Sort: 'S'},
			{Title: "CHECK", Sort: 'C', Priority: 2},
			{Title: "OBJECT", Sort: 'O', Priority: 1, Max: 30},
			{Title: "TITLE", Sort: 'T', Flex: true},
		}}
	if r.NoFacts && len(r.Unchecked) == 0 {
		d.Empty, d.EmptyClass = "no facts were recorded: nothing could be checked", render.Problem
	}
	rank := map[string]string{doctor.Error: "0", doctor.Warning: "1", doctor.Info: "2"}
	for _, f := range r.Findings {
		ref, object := render.Ref{}, "-"
		fields := map[string][]string{"kind": {"finding"}, "sev": {f.Severity}, "id": {f.ID}, "state": {"broken"}}
		trace := ""
		var ids []string
		for i, o := range f.Objects {
			if i == 0 {
				ref, object = render.Ref{Kind: o.Kind, ID: o.ID}, o.Kind+" "+tableShortObject(o)
				if o.Kind == "port" {
					trace = o.ID
				}
			}
			ids = append(ids, o.ID)
			if k := tableObjectKey(o.Kind); k != "" {
				fields[k] = append(fields[k], o.ID)
			}
		}
		if n := len(f.Objects); n > 1 {
			object += " (+" + strconv.Itoa(n-1) + ")"
		}
		class := render.Header
		switch f.Severity {
		case doctor.Error:
			class = render.Problem
		case doctor.Info:
			class = render.Normal
		}
		sev := f.Severity
		if _, ok := rank[sev]; !ok {
			rank[sev] = "3"
		}
		cells := tableCells(sev, f.Check, object, f.Title)
		d.Rows = append(d.Rows, table.Row{
			Cells: cells, SortKeys: []string{rank[sev] + sev}, Class: class, Ref: ref, Key: tableRowKey(render.Ref{Kind: "finding", ID: f.ID}, cells),
			Copy: safetext.Term(f.ID), Trace: safetext.Term(trace), NoBadge: true,
			Fields: filter.NewFields(tableFieldText(cells, f.ID, strings.Join(ids, " "), strings.Join(f.Evidence, " "), f.Fix), fields),
		})
	}
	for _, u := range r.Unchecked {
		var srcs []string
		for _, src := range u.Sources {
			srcs = append(srcs, src.Name)
		}
		cells := tableCells("unknown", u.Check, "-", u.Title+": not checked, not read: "+strings.Join(srcs, ", "))
		d.Rows = append(d.Rows, table.Row{
			Cells: cells, SortKeys: []string{"4unknown"}, Class: render.Dim, Key: tableRowKey(render.Ref{Kind: "unchecked", ID: u.Check}, cells),
			Copy: safetext.Term(u.Check), NoBadge: true,
			Fields: filter.NewFields(tableFieldText(cells), map[string][]string{"kind": {"finding"}, "sev": {"unknown"}, "id": {u.Check}, "state": {"unknown"}}),
		})
	}
	return d
}

// tableState is what a row's STATE/PROBLEMS column says and how it sorts,
// styles and filters.
type tableState struct {
	text   string
	rank   string // problems first, then unknown, then healthy
	class  render.Class
	states []string // state: values ("ok", "broken", "unknown", ...)
}

// tableStateOf is the first problem (and how many more), or the first fact
// that could not be read ("? …": neither good nor a problem), or ok.
func tableStateOf(problems, unknown []string, ok string, okClass render.Class) tableState {
	switch {
	case len(problems) > 0:
		return tableState{text: "✗ " + firstMore(problems), rank: "0", class: render.Problem, states: []string{"broken"}}
	case len(unknown) > 0:
		return tableState{text: "? " + firstMore(unknown), rank: "1", class: render.Dim, states: []string{"unknown"}}
	}
	return tableState{text: ok, rank: "2", class: okClass, states: []string{"ok"}}
}

// sortKeys makes the state column (the last of n) sort by rank.
func (st tableState) sortKeys(n int) []string {
	keys := make([]string, n)
	keys[n-1] = st.rank + st.text
	return keys
}

// tableNAT says whether the router's floating IPs have their NAT: "-"
// without floating IPs, "?" when the NAT table was not read, "ok", or
// what is wrong with the first one that is wrong.
func tableNAT(s *topo.Snapshot, r *topo.Router) string {
	if len(r.FloatingIPs) == 0 {
		return "-"
	}
	ns := s.Namespace(r.Namespace)
	if ns == nil || ns.NAT == nil || len(neutron.Failed(s, "nat/"+ns.Label())) > 0 {
		return "?"
	}
	var bad []string
	for _, f := range r.FloatingIPs {
		switch {
		case len(f.Problems) == 0:
		case !f.DNAT:
			bad = append(bad, "no DNAT for "+f.FloatingIP)
		case !f.SNAT:
			bad = append(bad, "no SNAT for "+f.FloatingIP)
		case !f.OnGateway && r.Kind != "dvr":
			bad = append(bad, f.FloatingIP+" not on qg-")
		default:
			bad = append(bad, f.FloatingIP+": "+f.Problems[0])
		}
	}
	if len(bad) == 0 {
		return "ok"
	}
	return firstMore(bad)
}

// tableFlowPorts collects the ports a flow names by number: their names
// (for dev:) and the numbers as the flow has them (in_port=3, output:5).
type tableFlowPorts struct{ devs, numbers []string }

// name rewrites the OpenFlow port numbers of a match or actions text
// (in_port=3, output:3) as the ports' names.
func (fp *tableFlowPorts) name(s string, names map[int]string) string {
	var b strings.Builder
	for {
		i, plen := -1, 0
		for _, p := range []string{"in_port=", "output:"} {
			if j := strings.Index(s, p); j >= 0 && (i < 0 || j < i) {
				i, plen = j, len(p)
			}
		}
		if i < 0 {
			break
		}
		end := i + plen
		for end < len(s) && s[end] >= '0' && s[end] <= '9' {
			end++
		}
		b.WriteString(s[:i+plen])
		n, err := strconv.Atoi(s[i+plen : end])
		if name, ok := names[n]; ok && err == nil {
			b.WriteString(name)
			fp.numbers = append(fp.numbers, s[i:end])
			if !slices.Contains(fp.devs, name) {
				fp.devs = append(fp.devs, name)
			}
		} else {
			b.WriteString(s[i+plen : end])
		}
		s = s[end:]
	}
	if b.Len() == 0 {
		return s
	}
	b.WriteString(s)
	return b.String()
}

// tableObjectKey is the typed filter term an object's id fills in.
func tableObjectKey(kind string) string {
	switch kind {
	case "port":
		return "id"
	case "network":
		return "net"
	case "router":
		return "router"
	case "namespace":
		return "ns"
	case "bridge":
		return "bridge"
	}
	return ""
}

// tableShortObject abbreviates a finding's object id as the tables do.
func tableShortObject(o doctor.Object) string {
	if o.Kind == "namespace" {
		return tableNSShort(o.ID)
	}
	return render.Short(o.ID)
}

// tableNSShort abbreviates a Neutron namespace to its kind and short id
// (qrouter-1a2b3c4d).
func tableNSShort(ns string) string {
	kind, id := topo.ClassifyNamespace(ns)
	if id == "" {
		return ns
	}
	return kind + "-" + render.Short(id)
}

// tableCells makes every cell terminal text.
func tableCells(cells ...string) []string {
	for i, c := range cells {
		cells[i] = safetext.Term(c)
	}
	return cells
}

// tableRowKey identifies a row across refreshes: the object and what it shows.
func tableRowKey(ref render.Ref, cells []string) string {
	return ref.Kind + "\x00" + ref.ID + "\x00" + strings.Join(cells, "\x00")
}

// tableFieldText is what a plain filter term searches: the cells and what
// they abbreviate (full ids, names, addresses).
func tableFieldText(cells []string, more ...string) string {
	return strings.Join(cells, " ") + " " + strings.Join(more, " ")
}

// tableNonEmpty is the strings that are not "".
func tableNonEmpty(xs ...string) []string {
	out := make([]string, 0, len(xs))
	for _, x := range xs {
		if x != "" {
			out = append(out, x)
		}
	}
	return out
}

// tableAddr drops an address's prefix length (10.1.0.5/24 → 10.1.0.5).
func tableAddr(s string) string {
	a, _, _ := strings.Cut(s, "/")
	return a
}

// networkCIDRs is a network's CIDR cell: "? unknown here" when the node
// cannot tell them (a compute node has no DHCP or router port to read a
// prefix from), which a "-" would pass off as no subnet at all.
func networkCIDRs(n topo.Network) string {
	if len(n.CIDRs) == 0 && n.CIDRsUnknown != "" {
		return "? unknown here"
	}
	return tableDash(strings.Join(n.CIDRs, " "))
}

func tableDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func tablePositive(n int) string {
	if n <= 0 {
		return ""
	}
	return strconv.Itoa(n)
}

func tableOnOff(b *bool) string {
	switch {
	case b == nil:
		return "?"
	case *b:
		return "on"
	}
	return "off"
}
