package render

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/ostopo/ostopo/netinspect/topo"
)

// Title names an object for the breadcrumb.
func Title(r Ref) string {
	if r.Kind == "namespace" && r.ID == "" {
		return "namespace (root)"
	}
	return r.Kind + " " + r.ID
}

// Detail shows every fact ostopo has about one object: the Neutron view's
// fields and the raw facts under it (OVSDB rows with external_ids and
// other_config, kernel devices with state and MTU at each hop).
func Detail(s *topo.Snapshot, r Ref) []Row {
	var sections []section
	switch r.Kind {
	case "port":
		if p := s.Neutron.Port(r.ID); p != nil {
			sections = append(sections, section{"neutron port", p})
			for _, d := range []*topo.Device{p.Devices.Tap, p.Devices.QBR, p.Devices.QVB, p.Devices.QVO} {
				if d == nil {
					continue
				}
				if op := s.OVS.Port(d.Name); op != nil {
					sections = append(sections, section{"OVSDB port " + d.Name, op})
				}
				if l := link(s, d.Namespace, d.Name); l != nil {
					sections = append(sections, section{"kernel " + d.Name + " in " + nsLabel(d.Namespace), l})
				}
			}
		}
	case "network":
		if n := s.Neutron.Network(r.ID); n != nil {
			sections = append(sections, section{"neutron network", n})
			for _, d := range s.Agent.DHCP {
				if d.NetworkID == r.ID {
					sections = append(sections, section{"DHCP files " + d.Dir, d})
				}
			}
		}
	case "router":
		if rt := s.Neutron.Router(r.ID); rt != nil {
			sections = append(sections, section{"neutron router", rt})
			if ns := s.Namespace(rt.Namespace); ns != nil && ns.NAT != nil {
				sections = append(sections, section{"nat table (" + ns.NAT.Backend + ")", natLines(ns.NAT)})
			}
		}
	case "namespace":
		if ns := s.Namespace(r.ID); ns != nil {
			sections = append(sections, section{"namespace " + ns.Label(), ns})
		}
	case "link":
		nsName, name, _ := strings.Cut(r.ID, "/")
		if l := link(s, nsName, name); l != nil {
			sections = append(sections, section{"kernel " + name + " in " + nsLabel(nsName), l})
		}
		if op := s.OVS.Port(name); op != nil {
			sections = append(sections, section{"OVSDB port " + name, op})
		}
	case "bridge":
		if b := s.OVS.Bridge(r.ID); b != nil {
			head := *b
			head.Ports, head.Flows = nil, nil
			sections = append(sections, section{"OVSDB bridge " + b.Name, head})
			var names []string
			for _, p := range b.Ports {
				names = append(names, p.Name)
			}
			sections = append(sections, section{"ports", names})
		}
	case "tunnel":
		for _, t := range s.Neutron.Tunnels {
			if t.Port == r.ID {
				sections = append(sections, section{"tunnel", t})
			}
		}
		if op := s.OVS.Port(r.ID); op != nil {
			sections = append(sections, section{"OVSDB port " + r.ID, op})
		}
	case "patch":
		for _, pp := range s.Neutron.PatchPairs {
			if pp.Bridge+"/"+pp.Port == r.ID {
				sections = append(sections, section{"patch pair", pp})
			}
		}
	case "nic":
		for _, nic := range s.Neutron.ProviderNICs {
			if nic.Name == r.ID {
				sections = append(sections, section{"provider NIC", nic})
			}
		}
		if l := link(s, "", r.ID); l != nil {
			sections = append(sections, section{"kernel " + r.ID, l})
		}
	case "flow":
		br, idx, _ := strings.Cut(r.ID, "/")
		i, _ := strconv.Atoi(idx)
		if b := s.OVS.Bridge(br); b != nil && i < len(b.Flows) {
			sections = append(sections, section{"flow on " + br, b.Flows[i]})
		}
	}
	if len(sections) == 0 {
		return []Row{{Text: "nothing known about " + Title(r) + " in this snapshot", Class: Problem}}
	}
	var rows []Row
	for _, sec := range sections {
		rows = append(rows, Row{Text: sec.title, Class: Header, Ref: r})
		rows = append(rows, flatten(sec.value, r)...)
	}
	return rows
}

type section struct {
	title string
	value any
}

func nsLabel(ns string) string {
	if ns == "" {
		return "(root)"
	}
	return ns
}

func link(s *topo.Snapshot, ns, name string) *topo.Link {
	if n := s.Namespace(ns); n != nil {
		return n.Link(name)
	}
	return nil
}

func natLines(t *topo.NATTable) []string {
	var out []string
	for _, r := range t.Rules {
		out = append(out, r.Text())
	}
	return out
}

// flatten renders a value as "path: value" lines through its JSON form, so
// every field the snapshot has is shown without a renderer per type.
func flatten(v any, ref Ref) []Row {
	b, err := json.Marshal(v)
	if err != nil {
		return []Row{{Text: "  " + err.Error(), Class: Problem}}
	}
	var generic any
	if err := json.Unmarshal(b, &generic); err != nil {
		return []Row{{Text: "  " + err.Error(), Class: Problem}}
	}
	var rows []Row
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		switch x := v.(type) {
		case map[string]any:
			keys := slices.Sorted(maps.Keys(x))
			for _, k := range keys {
				p := k
				if prefix != "" {
					p = prefix + "." + k
				}
				walk(p, x[k])
			}
		case []any:
			if len(x) == 0 {
				return
			}
			for i, e := range x {
				walk(fmt.Sprintf("%s[%d]", prefix, i), e)
			}
		default:
			val := fmt.Sprint(x)
			if f, ok := x.(float64); ok {
				val = strconv.FormatFloat(f, 'f', -1, 64)
			}
			class := Normal
			if strings.Contains(prefix, "problems") {
				class = Problem
			}
			rows = append(rows, Row{Text: "  " + prefix + ": " + val, Class: class, Ref: ref, Copy: val})
		}
	}
	walk("", generic)
	return rows
}
