package render

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/ostopo/ostopo/netinspect/topo"
)

// Networks is the ledger: local VLAN ↔ network ↔ segment ↔ DHCP namespace ↔
// routers ↔ ports, mismatches flagged.
func Networks(s *topo.Snapshot) []Row {
	rows := []Row{{Text: fmt.Sprintf("%-5s %-8s %-6s %-6s %-9s %-15s %-17s %5s  %s", "VLAN", "NETWORK", "TYPE", "SEG", "PHYSNET", "DHCP", "ROUTERS", "PORTS", "CIDRS / PROBLEMS"), Class: Dim}}
	nets := slices.Clone(s.Neutron.Networks)
	slices.SortStableFunc(nets, func(a, b topo.Network) int { return a.LocalVLAN - b.LocalVLAN })
	for _, n := range nets {
		seg := "-"
		if n.SegmentationID != nil {
			seg = strconv.Itoa(*n.SegmentationID)
		}
		var routers []string
		for _, r := range n.Routers {
			routers = append(routers, Short(r))
		}
		class, tail := Normal, strings.Join(n.CIDRs, " ")
		switch {
		case len(n.Problems) > 0:
			class, tail = Problem, problemsText(n.Problems)
		case len(n.Unknown) > 0:
			class, tail = Dim, unknownText(n.Unknown)
		}
		rows = append(rows, Row{
			Text: fmt.Sprintf("%-5d %-8s %-6s %-6s %-9s %-15s %-17s %5d  %s", n.LocalVLAN, Short(n.ID), orDash(n.NetworkType), seg,
				orDash(n.PhysicalNetwork), orDash(nsShort(n.DHCPNamespace)), orDash(strings.Join(routers, ",")), len(n.Ports), tail),
			Class: class, Ref: Ref{"network", n.ID}, Search: n.ID + " " + strings.Join(n.Routers, " "), Copy: n.ID,
		})
	}
	return rows
}

// Ports lists every Neutron port with role, MAC, instance, network, VLAN
// and chain state.
func Ports(s *topo.Snapshot) []Row {
	rows := []Row{{Text: fmt.Sprintf("%-13s %-16s %-17s %-8s %-8s %4s  %-15s %s", "PORT", "ROLE", "MAC", "INSTANCE", "NETWORK", "VLAN", "DEVICE", "STATE / FIXED IPS"), Class: Dim}}
	for _, p := range s.Neutron.Ports {
		id := p.ID
		if len(id) > 13 {
			id = id[:13]
		}
		dev := p.OVSPort
		if dev == "" && p.Devices.Tap != nil {
			dev = p.Devices.Tap.Name
		}
		class, state := Good, "ok "+strings.Join(p.FixedIPs, " ")
		switch {
		case len(p.Problems) > 0:
			class, state = Problem, problemsText(p.Problems)
		case len(p.Unknown) > 0:
			// Not "ok": part of the port's facts were not read.
			class, state = Dim, unknownText(p.Unknown)
		}
		rows = append(rows, Row{
			Text: fmt.Sprintf("%-13s %-16s %-17s %-8s %-8s %4d  %-15s %s", id, p.Role, orDash(p.MAC), Short(orDash(p.InstanceID)),
				Short(orDash(p.NetworkID)), p.LocalVLAN, orDash(dev), state),
			Class: class, Ref: Ref{"port", p.ID},
			Search: strings.Join([]string{p.ID, p.InstanceID, p.NetworkID, strings.Join(p.FixedIPs, " "), "vlan " + strconv.Itoa(p.LocalVLAN)}, " "),
			Copy:   p.ID,
		})
	}
	return rows
}

// Namespaces lists every namespace with its interfaces, addresses and
// routes, and for routers the floating IPs and Neutron's NAT rules.
func Namespaces(s *topo.Snapshot) []Row {
	routers := map[string]*topo.Router{}
	for i := range s.Neutron.Routers {
		routers[s.Neutron.Routers[i].Namespace] = &s.Neutron.Routers[i]
	}
	var rows []Row
	for _, ns := range s.Namespaces {
		fwd := ""
		if ns.IPForward != nil {
			fwd = map[bool]string{true: "ip_forward on", false: "ip_forward off"}[*ns.IPForward]
		}
		class, unknown := Header, ""
		if r := routers[ns.Name]; r != nil && len(r.Problems) > 0 {
			class = Problem
		} else if r != nil && len(r.Unknown) > 0 {
			unknown = unknownText(r.Unknown)
		}
		rows = append(rows, Row{
			Text:  join(ns.Label(), ns.Kind, fwd, strconv.Itoa(len(ns.Links))+" links", strconv.Itoa(len(ns.Routes))+" routes", unknown),
			Class: class, Ref: Ref{"namespace", ns.Name}, Search: ns.ID, Copy: ns.Label(),
		})
		for _, l := range ns.Links {
			var addrs []string
			for _, a := range l.Addrs {
				if a.Scope != "link" && a.Scope != "host" {
					addrs = append(addrs, a.Prefix)
				}
			}
			state := l.OperState
			lclass := Normal
			if !l.Up() && l.Kind != "loopback" {
				lclass = Dim
			}
			master := ""
			if l.Master != "" {
				master = "master " + l.Master
			}
			rows = append(rows, Row{
				Text:  "  " + join(l.Name, l.Kind, state, "mtu "+strconv.Itoa(l.MTU), master, strings.Join(addrs, " ")),
				Class: lclass, Ref: Ref{"link", ns.Name + "/" + l.Name}, Search: l.MAC, Copy: l.Name,
			})
		}
		for _, r := range ns.Routes {
			if r.Table == topo.RouteTableLocal {
				continue
			}
			table := ""
			if r.Table != topo.RouteTableMain {
				table = "table " + strconv.Itoa(r.Table)
			}
			via := ""
			if r.Gateway != "" {
				via = "via " + r.Gateway
			}
			rows = append(rows, Row{Text: "  " + join("route", r.Dst, via, "dev "+orDash(r.Dev), table), Class: Dim, Ref: Ref{"namespace", ns.Name}})
		}
		if r := routers[ns.Name]; r != nil {
			for _, f := range r.FloatingIPs {
				fc := Good
				if len(f.Problems) > 0 {
					fc = Problem
				}
				port := ""
				if f.PortID != "" {
					port = "port " + Short(f.PortID)
				}
				rows = append(rows, Row{
					Text:  "  " + join("fip "+f.FloatingIP+" → "+orDash(f.FixedIP), port, flags(f), problemsText(f.Problems)),
					Class: fc, Ref: Ref{"router", r.ID}, Search: f.PortID, Copy: f.FloatingIP,
				})
			}
		}
		if ns.NAT != nil {
			for _, rule := range ns.NAT.Rules {
				if !strings.HasPrefix(rule.Chain, "neutron-") {
					continue
				}
				rows = append(rows, Row{Text: "  nat " + rule.Text(), Class: Dim, Ref: Ref{"namespace", ns.Name}})
			}
		}
	}
	return rows
}

func flags(f topo.FloatingIP) string {
	var out []string
	for _, x := range []struct {
		on   bool
		name string
	}{{f.OnGateway, "on qg-"}, {f.DNAT, "dnat"}, {f.SNAT, "snat"}} {
		if x.on {
			out = append(out, x.name)
		}
	}
	return strings.Join(out, ",")
}

// portNumber matches OpenFlow port numbers in match and actions text.
var portNumber = regexp.MustCompile(`(in_port=|output:)(\d+)`)

// Flows lists every bridge's flows by table, readable: port numbers become
// names, counters at the end.
func Flows(s *topo.Snapshot) []Row {
	var rows []Row
	for _, b := range s.OVS.Bridges {
		names := map[string]string{}
		for _, p := range b.Ports {
			for _, i := range p.Interfaces {
				names[strconv.Itoa(i.OFPort)] = p.Name
			}
		}
		named := func(s string) string {
			return portNumber.ReplaceAllStringFunc(s, func(m string) string {
				sub := portNumber.FindStringSubmatch(m)
				if n, ok := names[sub[2]]; ok {
					return sub[1] + n
				}
				return m
			})
		}
		rows = append(rows, Row{Text: join(b.Name, strconv.Itoa(len(b.Flows))+" flows"), Class: Header, Ref: Ref{"bridge", b.Name}, Copy: b.Name})
		table := -1
		for i, f := range b.Flows {
			if f.Table != table {
				table = f.Table
				count := 0
				for _, g := range b.Flows {
					if g.Table == table {
						count++
					}
				}
				rows = append(rows, Row{Text: fmt.Sprintf("  table %d  (%d flows)", table, count), Class: Dim, Ref: Ref{"bridge", b.Name}})
			}
			class := Normal
			if f.Packets == 0 {
				class = Dim
			}
			match := named(f.Match)
			if match == "" {
				match = "*"
			}
			rows = append(rows, Row{
				Text:  fmt.Sprintf("    %5d  %-40s %s  n=%d", f.Priority, match, named(f.Actions), f.Packets),
				Class: class, Ref: Ref{"flow", b.Name + "/" + strconv.Itoa(i)},
				Copy: fmt.Sprintf("table=%d,priority=%d,%s", f.Table, f.Priority, f.Match),
			})
		}
	}
	return rows
}
