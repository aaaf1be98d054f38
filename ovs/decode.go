package ovs

import (
	"fmt"
	"sort"
	"sync"

	"github.com/digitalocean/go-openvswitch/ovsdb"
	"github.com/ostopo/ostopo/netinspect/topo"
)

// Decode turns raw OVSDB rows into the topo model: bridges with their ports
// and interfaces, controllers and managers. Flows are filled in separately.
// Rows that reference missing rows are skipped, not fatal: the database can
// change between two selects. Each Bridge, Port and Interface row is placed
// once, where it is first referenced: a row referenced twice (a set holds
// each element once, and OVS puts a port in one bridge and an interface in
// one port, but the rows are only JSON) would otherwise be two devices in
// the snapshot, and repeated references multiplied bridges by ports by
// interfaces: 4 KB of rows made a million interfaces, 35 MB of snapshot
// (FuzzDecodeRows).
// Placing a row deletes it from its map, which costs no extra memory.
func Decode(raw Raw) (topo.OVS, error) {
	var out topo.OVS
	// The two big tables (a row per port on a 1000-instance node) are
	// converted side by side: this runs after the last OVSDB answer, when
	// the snapshot waits for nothing else.
	var ifaces map[string]topo.Interface
	var wg sync.WaitGroup
	wg.Go(func() { ifaces = decodeInterfaces(raw["Interface"]) })
	ports, ifaceUUIDs := decodePorts(raw["Port"])
	wg.Wait()
	// In row order, not map order, so that an interface two ports claim
	// goes to the same one every time.
	for _, r := range raw["Port"] {
		uuid := uuidOf(r["_uuid"])
		p, ok := ports[uuid]
		if !ok {
			continue
		}
		for _, u := range ifaceUUIDs[uuid] {
			if i, ok := ifaces[u]; ok {
				p.Interfaces = append(p.Interfaces, i)
				delete(ifaces, u)
			}
		}
		ports[uuid] = p
	}
	controllers := map[string]topo.Controller{}
	for _, r := range raw["Controller"] {
		controllers[uuidOf(r["_uuid"])] = topo.Controller{
			Target:          str(r["target"]),
			IsConnected:     boolOf(r["is_connected"]),
			Role:            str(r["role"]),
			InactivityProbe: intOr(r["inactivity_probe"], 0),
		}
	}
	bridges := map[string]topo.Bridge{}
	for _, r := range raw["Bridge"] {
		b := topo.Bridge{
			UUID:         uuidOf(r["_uuid"]),
			Name:         str(r["name"]),
			FailMode:     str(r["fail_mode"]),
			DatapathType: str(r["datapath_type"]),
			DatapathID:   str(r["datapath_id"]),
			Protocols:    strs(r["protocols"]),
			ExternalIDs:  strMap(r["external_ids"]),
			OtherConfig:  strMap(r["other_config"]),
			Controllers:  []topo.Controller{},
			Ports:        []topo.Port{},
			Flows:        []topo.Flow{},
		}
		for _, u := range uuids(r["controller"]) {
			if c, ok := controllers[u]; ok {
				b.Controllers = append(b.Controllers, c)
			}
		}
		for _, u := range uuids(r["ports"]) {
			if p, ok := ports[u]; ok {
				b.Ports = append(b.Ports, p)
				delete(ports, u)
			}
		}
		bridges[b.UUID] = b
	}
	rows := raw["Open_vSwitch"]
	if len(rows) != 1 {
		return out, fmt.Errorf("decode OVSDB: want 1 Open_vSwitch row, got %d", len(rows))
	}
	root := rows[0]
	out.UUID = uuidOf(root["_uuid"])
	out.Version = str(root["ovs_version"])
	out.DBVersion = str(root["db_version"])
	out.ExternalIDs = strMap(root["external_ids"])
	out.OtherConfig = strMap(root["other_config"])
	out.Managers = []topo.Manager{}
	out.Bridges = []topo.Bridge{}
	for _, r := range raw["Manager"] {
		out.Managers = append(out.Managers, topo.Manager{Target: str(r["target"]), IsConnected: boolOf(r["is_connected"])})
	}
	for _, u := range uuids(root["bridges"]) {
		if b, ok := bridges[u]; ok {
			out.Bridges = append(out.Bridges, b)
			delete(bridges, u)
		}
	}
	sort.Slice(out.Bridges, func(i, j int) bool { return out.Bridges[i].Name < out.Bridges[j].Name })
	return out, nil
}

func decodeInterfaces(rows []ovsdb.Row) map[string]topo.Interface {
	ifaces := make(map[string]topo.Interface, len(rows))
	for _, r := range rows {
		i := topo.Interface{
			UUID:        uuidOf(r["_uuid"]),
			Name:        str(r["name"]),
			Type:        str(r["type"]),
			OFPort:      intOr(r["ofport"], 0),
			Options:     strMap(r["options"]),
			ExternalIDs: strMap(r["external_ids"]),
			OtherConfig: strMap(r["other_config"]),
			LinkState:   str(r["link_state"]),
			AdminState:  str(r["admin_state"]),
			MTU:         intOr(r["mtu"], 0),
			Error:       str(r["error"]),
		}
		ifaces[i.UUID] = i
	}
	return ifaces
}

// decodePorts returns the ports by uuid, without their interfaces, and
// the uuids of the interfaces of each.
func decodePorts(rows []ovsdb.Row) (map[string]topo.Port, map[string][]string) {
	ports := make(map[string]topo.Port, len(rows))
	ifaces := make(map[string][]string, len(rows))
	for _, r := range rows {
		p := topo.Port{
			UUID:        uuidOf(r["_uuid"]),
			Name:        str(r["name"]),
			Tag:         intOr(r["tag"], 0),
			Trunks:      ints(r["trunks"]),
			VLANMode:    str(r["vlan_mode"]),
			ExternalIDs: strMap(r["external_ids"]),
			OtherConfig: strMap(r["other_config"]),
			Interfaces:  []topo.Interface{},
		}
		ports[p.UUID] = p
		ifaces[p.UUID] = uuids(r["interfaces"])
	}
	return ports, ifaces
}

// BridgeHeader reads the name and protocols of a Bridge row.
func BridgeHeader(r ovsdb.Row) (name string, protocols []string) {
	return str(r["name"]), strs(r["protocols"])
}

// OVSDB atoms arrive as JSON: strings, numbers, booleans, ["uuid", u],
// ["set", [atoms]] (a set of one is sent as the bare atom) and
// ["map", [[k, v], ...]].

func tagged(v any, tag string) ([]any, bool) {
	a, ok := v.([]any)
	if !ok || len(a) != 2 {
		return nil, false
	}
	if t, _ := a[0].(string); t != tag {
		return nil, false
	}
	return a, true
}

// setItems returns the atoms of a set column. Callers that want one atom
// check for a bare atom first (see str): wrapping each of 20,000 atoms in
// a slice of one was a third of Decode's time on a 1000-instance node.
func setItems(v any) []any {
	if a, ok := tagged(v, "set"); ok {
		items, _ := a[1].([]any)
		return items
	}
	if v == nil {
		return nil
	}
	return []any{v}
}

func uuidOf(v any) string {
	if a, ok := tagged(v, "uuid"); ok {
		s, _ := a[1].(string)
		return s
	}
	return ""
}

func uuids(v any) []string {
	var out []string
	for _, it := range setItems(v) {
		if u := uuidOf(it); u != "" {
			out = append(out, u)
		}
	}
	return out
}

// str reads a string column; an empty optional column is an empty set.
func str(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	for _, it := range setItems(v) {
		if s, ok := it.(string); ok {
			return s
		}
	}
	return ""
}

func strs(v any) []string {
	var out []string
	for _, it := range setItems(v) {
		if s, ok := it.(string); ok {
			out = append(out, s)
		}
	}
	sort.Strings(out)
	return out
}

func intOr(v any, def int) int {
	if f, ok := v.(float64); ok {
		return int(f)
	}
	for _, it := range setItems(v) {
		if f, ok := it.(float64); ok {
			return int(f)
		}
	}
	return def
}

func ints(v any) []int {
	var out []int
	for _, it := range setItems(v) {
		if f, ok := it.(float64); ok {
			out = append(out, int(f))
		}
	}
	sort.Ints(out)
	return out
}

func boolOf(v any) bool {
	if b, ok := v.(bool); ok {
		return b
	}
	for _, it := range setItems(v) {
		if b, ok := it.(bool); ok {
			return b
		}
	}
	return false
}

func strMap(v any) map[string]string {
	a, ok := tagged(v, "map")
	if !ok {
		return nil
	}
	pairs, _ := a[1].([]any)
	if len(pairs) == 0 {
		return nil
	}
	m := make(map[string]string, len(pairs))
	for _, p := range pairs {
		kv, ok := p.([]any)
		if !ok || len(kv) != 2 {
			continue
		}
		k, _ := kv[0].(string)
		m[k] = atomString(kv[1])
	}
	return m
}

func atomString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return fmt.Sprintf("%d", int64(x))
	case bool:
		return fmt.Sprintf("%t", x)
	}
	if u := uuidOf(v); u != "" {
		return u
	}
	return fmt.Sprint(v)
}
