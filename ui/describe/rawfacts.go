package describe

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/ostopo/ostopo/netinspect/topo"
	"github.com/ostopo/ostopo/ui/render"
)

// refName names an object in full ("port 0a1b…", "namespace (root)").
func refName(r render.Ref) string {
	if r.Kind == "namespace" && r.ID == "" {
		return "namespace (root)"
	}
	return r.Kind + " " + r.ID
}

// rawFacts is every fact ostopo has about one object, as flattened JSON
// paths: the Neutron view's fields and the raw facts under it (OVSDB rows
// with external_ids and other_config, kernel devices with state and MTU
// at each hop). The raw section at the end of a describe page.
func rawFacts(s *topo.Snapshot, r render.Ref) []render.Row {
	var sections []rawSection
	switch r.Kind {
	case "port":
		if p := s.Neutron.Port(r.ID); p != nil {
			sections = append(sections, rawSection{"neutron port", p})
			for _, d := range []*topo.Device{p.Devices.Tap, p.Devices.QBR, p.Devices.QVB, p.Devices.QVO} {
				if d == nil {
					continue
				}
				if op := s.OVS.Port(d.Name); op != nil {
					sections = append(sections, rawSection{"OVSDB port " + d.Name, op})
				}
				if l := link(s, d.Namespace, d.Name); l != nil {
					sections = append(sections, rawSection{"kernel " + d.Name + " in " + nsLabel(d.Namespace), l})
				}
			}
		}
	case "network":
		if n := s.Neutron.Network(r.ID); n != nil {
			sections = append(sections, rawSection{"neutron network", n})
			for _, d := range s.Agent.DHCP {
				if d.NetworkID == r.ID {
					sections = append(sections, rawSection{"DHCP files " + d.Dir, d})
				}
			}
		}
	case "router":
		if rt := s.Neutron.Router(r.ID); rt != nil {
			sections = append(sections, rawSection{"neutron router", rt})
			if ns := s.Namespace(rt.Namespace); ns != nil && ns.NAT != nil {
				sections = append(sections, rawSection{"nat table (" + ns.NAT.Backend + ")", rawNATLines(ns.NAT)})
			}
		}
	case "namespace":
		if ns := s.Namespace(r.ID); ns != nil {
			sections = append(sections, rawSection{"namespace " + ns.Label(), ns})
		}
	case "link":
		nsName, name, _ := strings.Cut(r.ID, "/")
		if l := link(s, nsName, name); l != nil {
			sections = append(sections, rawSection{"kernel " + name + " in " + nsLabel(nsName), l})
		}
		if op := s.OVS.Port(name); op != nil {
			sections = append(sections, rawSection{"OVSDB port " + name, op})
		}
	case "bridge":
		if b := s.OVS.Bridge(r.ID); b != nil {
			head := *b
			head.Ports, head.Flows = nil, nil
			sections = append(sections, rawSection{"OVSDB bridge " + b.Name, head})
			var names []string
			for _, p := range b.Ports {
				names = append(names, p.Name)
			}
			sections = append(sections, rawSection{"ports", names})
		}
	case "tunnel":
		for _, t := range s.Neutron.Tunnels {
			if t.Port == r.ID {
				sections = append(sections, rawSection{"tunnel", t})
			}
		}
		if op := s.OVS.Port(r.ID); op != nil {
			sections = append(sections, rawSection{"OVSDB port " + r.ID, op})
		}
	case "patch":
		for _, pp := range s.Neutron.PatchPairs {
			if pp.Bridge+"/"+pp.Port == r.ID {
				sections = append(sections, rawSection{"patch pair", pp})
			}
		}
	case "nic":
		for _, nic := range s.Neutron.ProviderNICs {
			if nic.Name == r.ID {
				sections = append(sections, rawSection{"provider NIC", nic})
			}
		}
		if l := link(s, "", r.ID); l != nil {
			sections = append(sections, rawSection{"kernel " + r.ID, l})
		}
	case "flow":
		br, idx, _ := strings.Cut(r.ID, "/")
		i, _ := strconv.Atoi(idx)
		if b := s.OVS.Bridge(br); b != nil && i < len(b.Flows) {
			sections = append(sections, rawSection{"flow on " + br, b.Flows[i]})
		}
	}
	if len(sections) == 0 {
		return []render.Row{{Text: "nothing known about " + refName(r) + " in this snapshot", Class: render.Problem}}
	}
	var rows []render.Row
	for _, sec := range sections {
		rows = append(rows, render.Row{Text: sec.title, Class: render.Header, Ref: r})
		rows = append(rows, flatten(sec.value, r)...)
	}
	return rows
}

type rawSection struct {
	title string
	value any
}

func link(s *topo.Snapshot, ns, name string) *topo.Link {
	if n := s.Namespace(ns); n != nil {
		return n.Link(name)
	}
	return nil
}

func rawNATLines(t *topo.NATTable) []string {
	var out []string
	for _, r := range t.Rules {
		out = append(out, r.Text())
	}
	return out
}

// flatten renders a value as "path: value" lines through its JSON form, so
// every field the snapshot has is shown without a renderer per type.
func flatten(v any, ref render.Ref) []render.Row {
	b, err := json.Marshal(v)
	if err != nil {
		return []render.Row{{Text: "  " + err.Error(), Class: render.Problem}}
	}
	var generic any
	if err := json.Unmarshal(b, &generic); err != nil {
		return []render.Row{{Text: "  " + err.Error(), Class: render.Problem}}
	}
	var rows []render.Row
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
			class := render.Normal
			if strings.Contains(prefix, "problems") {
				class = render.Problem
			}
			rows = append(rows, render.Row{Text: "  " + prefix + ": " + val, Class: class, Ref: ref, Copy: val})
		}
	}
	walk("", generic)
	return rows
}
