package cloud

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// Flood is the flood list of one tunnelled network on one node (its
// br-tun table 22 flow, which l2population fills with a tunnel port per
// node that hosts ports of the network) against the nodes that really
// host ports of it.
type Flood struct {
	NetworkID string `json:"network_id"`
	Node      string `json:"node"`
	LocalVLAN int    `json:"local_vlan"`
	// Flow is the table 22 flow ("" when there is none).
	Flow string `json:"flow,omitempty"`
	// FloodTo are the nodes the flood ports lead to; Foreign the remote
	// addresses of flood ports that lead to no node of the cloud.
	FloodTo []string `json:"flood_to"`
	Foreign []string `json:"foreign,omitempty"`
	// Hosts are the other nodes that host ports of the network.
	Hosts []string `json:"hosts"`
	// Missing are hosts the flood list lacks; Extra are nodes it floods
	// to that host no port of the network.
	Missing []string `json:"missing,omitempty"`
	Extra   []string `json:"extra,omitempty"`
	// Everywhere: the flow floods to every tunnel port of the node, as
	// the OVS agent does without l2population; extra nodes are then no
	// problem.
	Everywhere bool `json:"everywhere,omitempty"`
	// Unknown says what could not be told and why ("" when all was).
	Unknown string `json:"unknown,omitempty"`
}

func (c *Cloud) floods() {
	for i := range c.Nodes {
		n := &c.Nodes[i]
		f := &c.facts[i]
		if !f.ovsdb {
			continue // its networks are unknown; the mesh says so
		}
		for _, id := range sortedKeys(f.nets) {
			nw := f.nets[id]
			cn := c.Network(id)
			if cn == nil || !cn.Tunnelled() {
				continue
			}
			fl := Flood{NetworkID: id, Node: n.Name, LocalVLAN: nw.LocalVLAN, Flow: nw.Flows.TunnelFlood, FloodTo: []string{}, Hosts: []string{}}
			var unsure []string
			for j := range c.Nodes {
				switch {
				case j == i:
				case !c.facts[j].ovsdb:
					unsure = append(unsure, c.Nodes[j].Name)
				case c.facts[j].nets[id] != nil:
					fl.Hosts = append(fl.Hosts, c.Nodes[j].Name)
				}
			}
			if !f.flows {
				fl.Unknown = fmt.Sprintf("%s's %s flows were not read", n.Name, orDefault(f.tunBridge, "tunnel bridge"))
				c.Floods = append(c.Floods, fl)
				c.Unknown = append(c.Unknown, Unknown{Kind: ProblemFloodMissing, Nodes: []string{n.Name},
					Subject: fmt.Sprintf("network %s on %s", id, n.Name), Text: "flood list: " + fl.Unknown})
				continue
			}
			flooded := map[string]bool{}
			for _, port := range nw.Flows.FloodPorts {
				flooded[port] = true
				t := f.tunnelByName[port]
				if t == nil {
					continue // a patch port or an ofport without a name: not a node
				}
				if j := c.nodeIndex(t.RemoteIP); j >= 0 {
					if !slices.Contains(fl.FloodTo, c.Nodes[j].Name) {
						fl.FloodTo = append(fl.FloodTo, c.Nodes[j].Name)
					}
				} else if !slices.Contains(fl.Foreign, t.RemoteIP) {
					fl.Foreign = append(fl.Foreign, t.RemoteIP)
				}
			}
			sort.Strings(fl.FloodTo)
			sort.Strings(fl.Foreign)
			fl.Everywhere = len(n.Snap.Neutron.Tunnels) > 0
			for _, t := range n.Snap.Neutron.Tunnels {
				fl.Everywhere = fl.Everywhere && flooded[t.Port]
			}
			for _, h := range fl.Hosts {
				if !slices.Contains(fl.FloodTo, h) {
					fl.Missing = append(fl.Missing, h)
				}
			}
			for _, to := range fl.FloodTo {
				if !slices.Contains(fl.Hosts, to) && !slices.Contains(unsure, to) {
					fl.Extra = append(fl.Extra, to)
				}
			}
			if len(unsure) > 0 {
				// Said once per node as UnknownOVSDB; kept here for
				// whoever reads this flood list alone.
				fl.Unknown = "whether " + strings.Join(unsure, ", ") + " host ports of it is unknown (OVSDB not read)"
			}
			c.addFlood(fl)
		}
	}
	for i := range c.Floods {
		fl := &c.Floods[i]
		if on := c.Network(fl.NetworkID).NodeOn(fl.Node); on != nil {
			on.FloodTo = append(slices.Clone(fl.FloodTo), fl.Foreign...)
		}
	}
}

func (c *Cloud) addFlood(fl Flood) {
	c.Floods = append(c.Floods, fl)
	subject := fmt.Sprintf("network %s on %s", fl.NetworkID, fl.Node)
	seg := c.segmentText(fl.NetworkID)
	flow := "no table 22 flow for local VLAN " + fmt.Sprint(fl.LocalVLAN)
	if fl.Flow != "" {
		flow = "table 22 flow: " + fl.Flow
	}
	if len(fl.Missing) > 0 {
		c.Problems = append(c.Problems, Problem{Kind: ProblemFloodMissing, Severity: Error, Nodes: sortedWith(fl.Node, fl.Missing), Subject: subject,
			Text: fmt.Sprintf("%s's flood list of network %s (%s) lacks %s, which host ports of it: broadcasts (ARP, DHCP) from %s do not reach them",
				fl.Node, fl.NetworkID, seg, strings.Join(fl.Missing, ", "), fl.Node),
			Evidence: []string{fmt.Sprintf("%s: %s", fl.Node, flow), fmt.Sprintf("%s floods to: %s", fl.Node, orDefault(strings.Join(fl.FloodTo, ", "), "no node"))}})
	}
	if len(fl.Extra) > 0 && !fl.Everywhere {
		c.Problems = append(c.Problems, Problem{Kind: ProblemFloodExtra, Severity: Warning, Nodes: sortedWith(fl.Node, fl.Extra), Subject: subject,
			Text: fmt.Sprintf("%s floods network %s (%s) to %s, which host no port of it: stale l2population entries",
				fl.Node, fl.NetworkID, seg, strings.Join(fl.Extra, ", ")),
			Evidence: []string{fmt.Sprintf("%s: %s", fl.Node, flow), "nodes that host ports of it: " + orDefault(strings.Join(fl.Hosts, ", "), "none but "+fl.Node)}})
	}
}

func sortedWith(first string, rest []string) []string {
	out := append([]string{first}, rest...)
	sort.Strings(out)
	return slices.Compact(out)
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}
