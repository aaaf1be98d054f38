package ovstext

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/digitalocean/go-openvswitch/ovsdb"
	"github.com/ostopo/ostopo/netinspect/topo"
	"github.com/ostopo/ostopo/ovs"
)

// Source names of the OVSDB fact families beyond "ovsdb" (the bridges,
// ports and interfaces, as the live collector's "ovsdb" source) that an
// import records: what the live collector reads in one go comes from
// different outputs in a sosreport, and some of them may be absent.
const (
	SourcePortConfig      = "ovsdb/port-config"      // Port vlan_mode, external_ids, other_config
	SourceInterfaceConfig = "ovsdb/interface-config" // Interface external_ids, other_config
	SourceOFPort          = "ovsdb/ofport"           // Interface ofport
	SourceInterfaceState  = "ovsdb/interface-state"  // Interface link_state, admin_state, mtu
	SourceBridgeConfig    = "ovsdb/bridge-config"    // Bridge protocols, external_ids, other_config
	SourceSystemConfig    = "ovsdb/system-config"    // Open_vSwitch external_ids, other_config
	SourceConnectionState = "ovsdb/connection-state" // the controllers and managers, is_connected
	SourceControllerRole  = "ovsdb/controller-role"  // Controller role, inactivity_probe
)

// column is a table's column.
type column struct{ table, name string }

// family is a set of columns whose Source says whether they were read.
type family struct {
	source string
	what   string // what the columns are, and which outputs hold them
	cols   []column
	kinds  []Kind // the inputs that hold any of them, for "looked for"
}

var families = []family{
	{"ovsdb", "the bridges, ports and interfaces (ovs-vsctl show, ovsdb-client -f list dump or conf.db)",
		[]column{{"Open_vSwitch", "bridges"}, {"Open_vSwitch", "ovs_version"}, {"Bridge", "name"}, {"Bridge", "ports"},
			{"Bridge", "fail_mode"}, {"Bridge", "datapath_type"}, {"Port", "name"},
			{"Port", "interfaces"}, {"Port", "tag"}, {"Port", "trunks"}, {"Interface", "name"}, {"Interface", "type"},
			{"Interface", "options"}, {"Interface", "error"}},
		[]Kind{KindShow, KindDump, KindConfDB, KindList}},
	{SourcePortConfig, "the Port table's vlan_mode, external_ids and other_config (net_uuid, network_type, segmentation_id, physical_network): only ovsdb-client -f list dump (sos 3.3-4.2) or conf.db (sos 4.3 and later) hold them; ovs-vsctl show prints a port's tag and trunks only",
		[]column{{"Port", "vlan_mode"}, {"Port", "external_ids"}, {"Port", "other_config"}},
		[]Kind{KindDump, KindConfDB, KindList}},
	{SourceInterfaceConfig, "the Interface table's external_ids (iface-id, attached-mac, vm-uuid) and other_config: ovs-vsctl list interface, ovsdb-client -f list dump or conf.db",
		[]column{{"Interface", "external_ids"}, {"Interface", "other_config"}},
		[]Kind{KindList, KindDump, KindConfDB}},
	{SourceOFPort, "the interfaces' OpenFlow port numbers (ofport): ovs-vsctl list interface, ovsdb-client -f list dump, conf.db, or ovs-ofctl show of every bridge",
		[]column{{"Interface", "ofport"}},
		[]Kind{KindList, KindDump, KindConfDB, KindPortDesc}},
	{SourceInterfaceState, "the interfaces' link_state, admin_state and mtu: ovs-vsctl list interface or ovsdb-client -f list dump (conf.db does not hold them)",
		[]column{{"Interface", "link_state"}, {"Interface", "admin_state"}, {"Interface", "mtu"}},
		[]Kind{KindList, KindDump}},
	{SourceBridgeConfig, "the bridges' protocols, external_ids and other_config: ovs-vsctl list bridge, ovsdb-client -f list dump or conf.db",
		[]column{{"Bridge", "protocols"}, {"Bridge", "external_ids"}, {"Bridge", "other_config"}},
		[]Kind{KindList, KindDump, KindConfDB}},
	{SourceSystemConfig, "the Open_vSwitch row's external_ids (hostname, system-id) and other_config: ovs-vsctl list Open_vSwitch, ovsdb-client -f list dump or conf.db",
		[]column{{"Open_vSwitch", "external_ids"}, {"Open_vSwitch", "other_config"}},
		[]Kind{KindList, KindDump, KindConfDB}},
	{SourceConnectionState, "the controllers and managers and whether they are connected (is_connected): ovs-vsctl show or ovsdb-client -f list dump (conf.db does not hold is_connected)",
		[]column{{"Bridge", "controller"}, {"Controller", "target"}, {"Controller", "is_connected"}, {"Manager", "target"}, {"Manager", "is_connected"}},
		[]Kind{KindShow, KindDump, KindList}},
	{SourceControllerRole, "the controllers' role and inactivity_probe: ovsdb-client -f list dump only (conf.db has no role, ovs-vsctl show neither)",
		[]column{{"Controller", "role"}, {"Controller", "inactivity_probe"}},
		[]Kind{KindDump, KindConfDB, KindList}},
}

// Ranks: when two inputs give the same column of the same row, the lower
// rank wins. The outputs of a live server (list, dump) come first; conf.db
// is the same state; show holds fewer columns; a conf.db cut short is a
// past state; ovs-ofctl show only fills the ofport and dpid.
const (
	rankList = iota
	rankDump
	rankConfDB
	rankShow
	rankConfDBCut
	rankPortDesc
)

func rankOf(p *Part) int {
	switch p.Kind {
	case KindList:
		return rankList
	case KindDump:
		return rankDump
	case KindConfDB:
		if p.DB != nil && strings.Contains(p.DB.Note, "the log ends inside") {
			return rankConfDBCut
		}
		return rankConfDB
	case KindShow:
		return rankShow
	}
	return rankPortDesc
}

// mrow is a merged row: its columns and the rank of the input each came
// from.
type mrow struct {
	row  ovsdb.Row
	rank map[string]int
	best int
	// refs holds every input's value of a reference column, best first:
	// the best may point at rows no input has (ovs-vsctl list bridge
	// names ports by uuid, and only a dump or conf.db has the Port
	// table), and then the next is taken (show's ports, by name).
	refs map[string][]rankedValue
}

type rankedValue struct {
	rank int
	v    any
}

// refTables says which table each reference column ostopo reads points
// into.
var refTables = map[column]string{
	{"Open_vSwitch", "bridges"}: "Bridge", {"Open_vSwitch", "manager_options"}: "Manager",
	{"Bridge", "ports"}: "Port", {"Bridge", "controller"}: "Controller", {"Port", "interfaces"}: "Interface",
}

func (m *mrow) set(table, col string, v any, rank int) {
	if _, ok := refTables[column{table, col}]; ok {
		if m.refs == nil {
			m.refs = map[string][]rankedValue{}
		}
		c := m.refs[col]
		i, _ := slices.BinarySearchFunc(c, rank, func(x rankedValue, r int) int { return x.rank - r + boolInt(x.rank == r) })
		m.refs[col] = slices.Insert(c, i, rankedValue{rank, v})
	}
	if r, ok := m.rank[col]; ok && r <= rank {
		return
	}
	m.row[col] = v
	m.rank[col] = rank
}

// boolInt makes an equal rank sort after those already there (the first
// input of a rank wins).
func boolInt(b bool) int {
	if b {
		return -1
	}
	return 0
}

type mtable struct {
	rows  map[string]*mrow
	order []string
}

// merger holds the rows merged so far and which inputs held each column.
type merger struct {
	tables map[string]*mtable
	held   map[column][]string // origins that held the column (kind: origin)
}

func (mg *merger) row(table, key string, rank int) *mrow {
	t := mg.tables[table]
	if t == nil {
		t = &mtable{rows: map[string]*mrow{}}
		mg.tables[table] = t
	}
	m := t.rows[key]
	if m == nil {
		m = &mrow{row: ovsdb.Row{"_uuid": []any{"uuid", key}}, rank: map[string]int{}, best: rank}
		t.rows[key] = m
		t.order = append(t.order, key)
	}
	m.best = min(m.best, rank)
	return m
}

func (mg *merger) hold(table string, cols []string, p *Part) {
	for _, c := range cols {
		k := column{table, c}
		mg.held[k] = append(mg.held[k], describe(p))
	}
}

// describe names an input in a Source: its kind and where it came from.
func describe(p *Part) string {
	if p.Origin == "" {
		return p.Kind.String()
	}
	return p.Kind.String() + " " + p.Origin
}

// Merge combines what each input holds into the OVS state the live
// collector would have read, and a Source for "ovsdb", for each fact
// family (the Source* constants) and for each bridge's flows
// ("openflow/<bridge>"). Rows are matched by uuid, and those of `ovs-vsctl
// show` (which prints none) by name; a column two inputs give is taken
// from the better (see the ranks). Flows keep port numbers as the live
// collector's dumps do: a dump printed with names is numbered from the
// ofports the inputs give. A fact no input gave is left unknown (nil,
// "", 0) and its Source says not collected, and where it was looked for.
func Merge(parts ...Part) (topo.OVS, []topo.Source) {
	empty := topo.OVS{Managers: []topo.Manager{}, Bridges: []topo.Bridge{}}
	mg := &merger{tables: map[string]*mtable{}, held: map[column][]string{}}

	var shows, descs, flowParts []*Part
	var dbs []*Part
	for i := range parts {
		p := &parts[i]
		switch {
		case p.Err != nil:
		case p.Kind == KindFlows && p.Flows != nil:
			flowParts = append(flowParts, p)
		case p.Kind == KindPortDesc && p.Ports != nil:
			descs = append(descs, p)
		case p.DB == nil:
		case p.Kind == KindShow:
			shows = append(shows, p)
		default:
			dbs = append(dbs, p)
		}
	}

	if err := sameDatabase(append(slices.Clone(dbs), shows...)); err != nil {
		// Nothing is merged: every family is unknown, for that reason.
		srcs := make([]topo.Source, len(families))
		for i, f := range families {
			srcs[i] = topo.Source{Name: f.source, Error: err.Error()}
		}
		return empty, srcs
	}
	for _, p := range dbs {
		mg.addUUIDRows(p)
	}
	for i, p := range shows {
		mg.addShow(p, i)
	}
	for _, p := range descs {
		mg.addPortDesc(p)
	}

	sources := mg.familySources(parts)
	if !sources[0].OK {
		return empty, sources
	}
	out, err := ovs.Decode(mg.raw())
	if err != nil {
		sources[0].OK = false
		sources[0].Error = fmt.Sprintf("%s (from %s)", err, sources[0].Detail)
		sources[0].Detail = ""
		return empty, sources
	}
	clearStandIns(&out)
	// ovs-ofctl show numbers the ports of its bridge: of every bridge,
	// that is every ofport (of some, the family stays unknown).
	for i := range sources {
		if sources[i].Name == SourceOFPort && !sources[i].OK && ofportsFromEveryBridge(out.Bridges, descs) {
			from := make([]string, len(descs))
			for j, p := range descs {
				from[j] = describe(p)
			}
			sources[i] = topo.Source{Name: SourceOFPort, OK: true, Detail: safeLine(strings.Join(from, "; "))}
		}
	}
	for i := range out.Bridges {
		b := &out.Bridges[i]
		sources = append(sources, bridgeFlows(b, parts, flowParts, descs))
		b.Normalize()
	}
	return out, sources
}

// sameDatabase fails when the inputs come from different OVS databases
// (two hosts' outputs in one folder): their Open_vSwitch rows differ.
func sameDatabase(parts []*Part) error {
	seen := map[string]string{}
	var order []string
	for _, p := range parts {
		for _, r := range p.DB.Rows["Open_vSwitch"] {
			u := uuidOf(r)
			if u == "" || isStandIn(u) {
				continue
			}
			if _, ok := seen[u]; !ok {
				seen[u] = describe(p)
				order = append(order, u)
			}
		}
	}
	if len(order) > 1 {
		var b strings.Builder
		for i, u := range order {
			if i > 0 {
				b.WriteString("; ")
			}
			fmt.Fprintf(&b, "%s in %s", u, seen[u])
		}
		return fmt.Errorf("the inputs come from %d different OVS databases (Open_vSwitch rows %s): outputs of several hosts mixed", len(order), safeLine(b.String()))
	}
	return nil
}

func uuidOf(r ovsdb.Row) string {
	if a, ok := r["_uuid"].([]any); ok && len(a) == 2 {
		s, _ := a[1].(string)
		return s
	}
	return ""
}

// addUUIDRows merges an input whose rows have real uuids.
func (mg *merger) addUUIDRows(p *Part) {
	rank := rankOf(p)
	for _, table := range slices.Sorted(maps.Keys(p.DB.Rows)) {
		held := p.DB.Columns[table]
		for _, r := range p.DB.Rows[table] {
			u := uuidOf(r)
			if u == "" || isStandIn(u) {
				continue
			}
			m := mg.row(table, u, rank)
			for _, c := range held {
				v, ok := r[c]
				if !ok {
					v = emptyDatum()
				}
				m.set(table, c, v, rank)
			}
		}
	}
	for table, cols := range p.DB.Columns {
		mg.hold(table, cols, p)
	}
}

// nameIndex maps the names of a table's merged rows (targets for
// Manager) to their keys, the row from the better input for a name two
// rows have (an output taken while a port was replaced).
func (mg *merger) nameIndex(table string) map[string]string {
	ix := map[string]string{}
	t := mg.tables[table]
	if t == nil {
		return ix
	}
	col := nameColumn[table]
	best := map[string]int{}
	for _, k := range t.order {
		m := t.rows[k]
		s, _ := m.row[col].(string)
		if s == "" {
			continue // not held by the inputs that gave the row
		}
		if b, ok := best[s]; !ok || m.best < b {
			ix[s], best[s] = k, m.best
		}
	}
	return ix
}

// addShow merges `ovs-vsctl show` rows: each is matched by name (a
// controller by target among its bridge's) to a row an earlier input
// gave, or kept under a stand-in uuid.
func (mg *merger) addShow(p *Part, idx int) {
	rank := rankOf(p)
	resolve := map[string]string{}
	rowsOf := p.DB.Rows
	// Names are unique per table in OVS; a name index per table keeps
	// this linear on a 4,000-port show.
	for _, table := range []string{"Bridge", "Port", "Interface", "Manager"} {
		ix := mg.nameIndex(table)
		for _, r := range rowsOf[table] {
			u := uuidOf(r)
			name, _ := r[nameColumn[table]].(string)
			if k, ok := ix[name]; ok {
				resolve[u] = k
				continue
			}
			k := fmt.Sprintf("%s%d:%s", standInPrefix, idx, u)
			resolve[u] = k
			ix[name] = k
		}
	}
	// A controller's target is not unique (every Neutron bridge has
	// tcp:127.0.0.1:6633): it is matched among its bridge's.
	controllers := map[string]ovsdb.Row{}
	for _, r := range rowsOf["Controller"] {
		controllers[uuidOf(r)] = r
	}
	for _, b := range rowsOf["Bridge"] {
		var known []string
		if t := mg.tables["Bridge"]; t != nil {
			if m := t.rows[resolve[uuidOf(b)]]; m != nil {
				known = refs(m.row["controller"])
			}
		}
		for _, c := range refs(b["controller"]) {
			target, _ := controllers[c]["target"].(string)
			for _, k := range known {
				if t := mg.tables["Controller"]; t != nil && t.rows[k] != nil {
					if s, _ := t.rows[k].row["target"].(string); s == target {
						resolve[c] = k
						break
					}
				}
			}
			if _, ok := resolve[c]; !ok {
				resolve[c] = fmt.Sprintf("%s%d:%s", standInPrefix, idx, c)
			}
		}
	}
	for _, table := range slices.Sorted(maps.Keys(rowsOf)) {
		held := p.DB.Columns[table]
		for _, r := range rowsOf[table] {
			u := uuidOf(r)
			key := u
			if isStandIn(u) {
				if key = resolve[u]; key == "" {
					continue // a controller under no bridge: none in show output
				}
			}
			m := mg.row(table, key, rank)
			for _, c := range held {
				v, ok := r[c]
				if !ok {
					v = emptyDatum()
				} else if textSchema[table][c].key == atomUUID {
					v = translateRefs(v, resolve)
				}
				m.set(table, c, v, rank)
			}
		}
	}
	for table, cols := range p.DB.Columns {
		mg.hold(table, cols, p)
	}
}

// refs returns the uuids a reference column holds.
func refs(v any) []string {
	items, _ := setElems(v)
	var out []string
	for _, it := range items {
		if a, ok := it.([]any); ok && len(a) == 2 {
			if tag, _ := a[0].(string); tag == "uuid" {
				if s, ok := a[1].(string); ok {
					out = append(out, s)
				}
			}
		}
	}
	return out
}

func translateRefs(v any, resolve map[string]string) any {
	rs := refs(v)
	items := make([]any, 0, len(rs))
	for _, u := range rs {
		if k, ok := resolve[u]; ok {
			u = k
		}
		items = append(items, []any{"uuid", u})
	}
	return []any{"set", items}
}

// addPortDesc fills the ofport of the interfaces and the datapath_id of
// the bridge that ovs-ofctl show names, where no OVSDB input gave them.
func (mg *merger) addPortDesc(p *Part) {
	pd := p.Ports
	ifaces := mg.nameIndex("Interface")
	for name, n := range pd.OFPorts {
		if k, ok := ifaces[name]; ok {
			mg.tables["Interface"].rows[k].set("Interface", "ofport", float64(n), rankPortDesc)
		}
	}
	if pd.Bridge != "" && pd.DatapathID != "" {
		if k, ok := mg.nameIndex("Bridge")[pd.Bridge]; ok {
			mg.tables["Bridge"].rows[k].set("Bridge", "datapath_id", pd.DatapathID, rankPortDesc)
		}
	}
}

// raw is the merged rows as ovs.Decode reads them. A reference column
// takes the best value whose rows all exist, or else the best.
func (mg *merger) raw() ovs.Raw {
	raw := ovs.Raw{}
	for table, t := range mg.tables {
		rows := make([]ovsdb.Row, 0, len(t.order))
		for _, k := range t.order {
			m := t.rows[k]
			for col, vs := range m.refs {
				target := mg.tables[refTables[column{table, col}]]
				for _, rv := range vs {
					if allExist(rv.v, target) {
						m.row[col] = rv.v
						break
					}
				}
			}
			rows = append(rows, m.row)
		}
		raw[table] = rows
	}
	return raw
}

func allExist(v any, t *mtable) bool {
	for _, u := range refs(v) {
		if t == nil || t.rows[u] == nil {
			return false
		}
	}
	return true
}

// clearStandIns empties the uuids no input gave: the model's uuid is
// unknown for a row only `ovs-vsctl show` printed.
func clearStandIns(o *topo.OVS) {
	for i := range o.Bridges {
		b := &o.Bridges[i]
		if isStandIn(b.UUID) {
			b.UUID = ""
		}
		for j := range b.Ports {
			p := &b.Ports[j]
			if isStandIn(p.UUID) {
				p.UUID = ""
			}
			for k := range p.Interfaces {
				if isStandIn(p.Interfaces[k].UUID) {
					p.Interfaces[k].UUID = ""
				}
			}
		}
	}
}

func ofportsFromEveryBridge(bridges []topo.Bridge, descs []*Part) bool {
	if len(bridges) == 0 {
		return false
	}
	for _, b := range bridges {
		if !slices.ContainsFunc(descs, func(p *Part) bool { return p.Ports.Bridge == b.Name }) {
			return false
		}
	}
	return true
}

// familySources says, for each family, which inputs held all its columns
// or why it was not collected.
func (mg *merger) familySources(parts []Part) []topo.Source {
	out := make([]topo.Source, 0, len(families))
	for _, f := range families {
		var from []string
		missing := []string{}
		for _, c := range f.cols {
			held := mg.held[c]
			if len(held) == 0 {
				missing = append(missing, c.table+"."+c.name)
			}
			for _, h := range held {
				if !slices.Contains(from, h) {
					from = append(from, h)
				}
			}
		}
		src := topo.Source{Name: f.source}
		if len(missing) == 0 {
			src.OK = true
			src.Detail = safeLine(strings.Join(withNotes(from, parts), "; "))
		} else {
			src.Error = notCollected(f, missing, parts)
		}
		out = append(out, src)
	}
	return out
}

// withNotes adds to each input named what its DB says is partial.
func withNotes(from []string, parts []Part) []string {
	out := slices.Clone(from)
	for i, d := range out {
		for j := range parts {
			p := &parts[j]
			if p.DB != nil && p.DB.Note != "" && describe(p) == d {
				out[i] = d + " (" + p.DB.Note + ")"
			}
		}
	}
	return out
}

// notCollected is the error of a family no input held: what it is, which
// outputs hold it, where they were looked for, and why those found did
// not give it.
func notCollected(f family, missing []string, parts []Part) string {
	var b strings.Builder
	b.WriteString("not collected: ")
	b.WriteString(f.what)
	if len(missing) > 0 && len(missing) < len(f.cols) {
		b.WriteString(" (no input held " + strings.Join(missing, ", ") + ")")
	}
	var looked, failed []string
	for i := range parts {
		p := &parts[i]
		if !slices.Contains(f.kinds, p.Kind) || p.Err == nil {
			continue
		}
		if errors.Is(p.Err, ErrNotFound) {
			if p.Origin != "" {
				looked = append(looked, p.Origin)
			}
			continue
		}
		failed = append(failed, describe(p)+": "+p.Err.Error())
	}
	if len(looked) > 0 {
		b.WriteString("; looked for " + strings.Join(looked, ", "))
	}
	if len(failed) > 0 {
		b.WriteString("; unreadable: " + strings.Join(failed, "; "))
	}
	if len(looked) == 0 && len(failed) == 0 {
		b.WriteString("; no such input was given")
	}
	return safeLine(b.String())
}

// bridgeFlows puts a bridge's flows on it from the best dump and says
// where they came from: the plain dump, as the live collector runs it,
// unless the bridge refuses OpenFlow 1.0; then the dump with the newest
// protocol the bridge allows (what the live collector's -O asks for).
func bridgeFlows(b *topo.Bridge, parts []Part, flowParts, descs []*Part) topo.Source {
	name := "openflow/" + b.Name
	var cands []*Part
	for _, p := range flowParts {
		if p.Flows.Bridge == b.Name {
			cands = append(cands, p)
		}
	}
	pick := func() *Part {
		if ovs.DefaultProtocolOK(b.Protocols) {
			for _, p := range cands {
				if p.Flows.Protocol == "" {
					return p
				}
			}
		}
		var best *Part
		for _, p := range cands {
			if p.Flows.Protocol == "" {
				continue
			}
			if len(b.Protocols) > 0 && !slices.Contains(b.Protocols, p.Flows.Protocol) {
				continue
			}
			if best == nil || p.Flows.Protocol > best.Flows.Protocol {
				best = p
			}
		}
		if best == nil && len(cands) > 0 {
			best = cands[0]
		}
		return best
	}
	chosen := pick()
	var failed, looked []string
	for i := range parts {
		p := &parts[i]
		if p.Kind != KindFlows || p.Err == nil || p.Flows == nil || p.Flows.Bridge != b.Name {
			continue
		}
		if errors.Is(p.Err, ErrNotFound) {
			looked = append(looked, p.Origin)
		} else {
			failed = append(failed, describe(p)+": "+p.Err.Error())
		}
	}
	if chosen == nil {
		msg := "not collected: no ovs-ofctl dump-flows output for " + b.Name
		if len(looked) > 0 {
			msg += "; looked for " + strings.Join(looked, ", ")
		}
		if len(failed) > 0 {
			msg += "; unreadable: " + strings.Join(failed, "; ")
		}
		return topo.Source{Name: name, Error: safeLine(msg)}
	}
	flows := slices.Clone(chosen.Flows.Flows)
	detail := describe(chosen)
	if len(failed) > 0 {
		detail += " (" + strings.Join(failed, "; ") + ")"
	}
	if chosen.Flows.Named {
		ofports := map[string]int{}
		for _, p := range b.Ports {
			for _, i := range p.Interfaces {
				if i.OFPort > 0 {
					ofports[i.Name] = i.OFPort
				}
			}
		}
		for _, p := range descs {
			if p.Ports.Bridge == b.Name {
				maps.Copy(ofports, p.Ports.OFPorts)
			}
		}
		if missing := numberPorts(flows, ofports); len(missing) > 0 {
			b.Flows = flows
			return topo.Source{Name: name, Detail: safeLine(detail), Error: safeLine(fmt.Sprintf(
				"the dump names ports (ovs-ofctl --names, or run on a terminal) and no input gives the OpenFlow number of %s: flows that match or output on them cannot be followed",
				strings.Join(missing, ", ")))}
		}
		detail += " (port names numbered from the ofports)"
	}
	b.Flows = flows
	return topo.Source{Name: name, OK: true, Detail: safeLine(detail)}
}
