// Package cloud is ostopo's view of a whole cloud: many node snapshots
// (netinspect/topo) read as one. It is a pure function of the snapshots:
// which node is what (network, compute, controller), the tunnel mesh
// between them, each network's local VLAN on each node and its VNI, where
// each port, DHCP namespace and router lives, the l2population flood
// lists against the nodes that really host a network's ports, and the
// problems that only show across nodes (a port plugged on two nodes, a
// router active on two nodes). Like topo, it imports the standard library
// and ostopo's pure packages only, so that it replays anywhere.
//
// A fact a node's snapshot did not read is unknown: every check that
// rests on it lands in Cloud.Unknown, never among the clean ones.
package cloud

import (
	"errors"
	"fmt"
	"net/netip"
	"sort"
	"strings"

	"github.com/ostopo/ostopo/netinspect/neutron"
	"github.com/ostopo/ostopo/netinspect/topo"
)

// Node roles (Node.Roles), told by what runs on the node.
const (
	// RoleNetwork: the node hosts L3 router namespaces (legacy, HA, or a
	// distributed router's centralized SNAT) or DHCP namespaces.
	RoleNetwork = "network"
	// RoleCompute: the node hosts instance ports.
	RoleCompute = "compute"
	// RoleController: the node runs neutron-server (from its deployment
	// facts). Snapshots do not record it today, so this role is mostly
	// unknown (Node.RolesUnknown says so) rather than guessed.
	RoleController = "controller"
)

// Node is one node of the cloud: its snapshot and what the cloud model
// tells about it.
type Node struct {
	Name string         `json:"name"`
	Snap *topo.Snapshot `json:"-"`
	// Roles are the Role* constants that apply, in that order: network,
	// compute, controller.
	Roles []string `json:"roles"`
	// RolesUnknown says which roles could not be told and why ("controller:
	// ...").
	RolesUnknown []string `json:"roles_unknown,omitempty"`
	// TunnelIPs are this node's local_ip(s), from its tunnel ports'
	// options:local_ip, sorted. Empty when the node has no tunnel port
	// (or OVSDB was not read): its local IP is then unknown.
	TunnelIPs []string `json:"tunnel_ips"`
	Health    Health   `json:"health"`
	Counts    Counts   `json:"counts"`
}

// Counts are what a node holds, for a one-line summary.
type Counts struct {
	Ports     int `json:"ports"`     // Neutron ports plugged on the node
	Instances int `json:"instances"` // of which instance ports
	Routers   int `json:"routers"`   // router namespaces
	DHCP      int `json:"dhcp"`      // DHCP namespaces
	Tunnels   int `json:"tunnels"`   // tunnel ports
}

// HasRole says whether the node has role r.
func (n *Node) HasRole(r string) bool {
	for _, x := range n.Roles {
		if x == r {
			return true
		}
	}
	return false
}

// Cloud is many node snapshots read as one.
type Cloud struct {
	// Nodes are sorted by name.
	Nodes []Node `json:"nodes"`
	// Mesh is every node's tunnels against every other node's local IP.
	Mesh Mesh `json:"mesh"`
	// Networks are every network some node hosts, by id.
	Networks []Network `json:"networks"`
	// Ports are every Neutron port plugged on some node, by id, with the
	// nodes it is plugged on.
	Ports []Port `json:"ports"`
	// Routers are every router some node has a namespace of, by id.
	Routers []Router `json:"routers"`
	// Floods are the flood lists of each tunnelled network on each node
	// against the nodes that host its ports.
	Floods []Flood `json:"floods"`
	// Problems are what only shows across nodes, most severe first.
	Problems []Problem `json:"problems"`
	// Unknown are the cross-node checks that could not be made (or not
	// on everything) because a node's facts were not read.
	Unknown []Unknown `json:"unknown"`

	// byIP maps a tunnel local_ip to the index of its node in Nodes.
	byIP map[string]int
	// byAddr maps a global address of a node's own namespace to the
	// index of its node, when one node alone has it (-1: several).
	byAddr map[string]int
	facts  []nodeFacts
}

// New builds the cloud model of snaps, one per node. It fails with no
// snapshot, a snapshot without a host name, or two snapshots of the same
// host (a *DuplicateHostError: the caller names the two sources).
func New(snaps []*topo.Snapshot) (*Cloud, error) {
	if len(snaps) == 0 {
		return nil, errors.New("no snapshot: a cloud needs at least one node")
	}
	c := &Cloud{byIP: map[string]int{}, byAddr: map[string]int{}}
	seen := map[string]int{}
	for i, s := range snaps {
		if s == nil {
			return nil, fmt.Errorf("snapshot %d is empty", i+1)
		}
		if s.Host == "" {
			return nil, fmt.Errorf("snapshot %d names no host", i+1)
		}
		if j, ok := seen[s.Host]; ok {
			return nil, &DuplicateHostError{Host: s.Host, First: j, Second: i}
		}
		seen[s.Host] = i
		if len(snaps) > 1 && s.Source(topo.SourceMACs) != nil && !s.Source(topo.SourceMACs).OK {
			return nil, &MaskedError{Host: s.Host, Index: i}
		}
		c.Nodes = append(c.Nodes, Node{Name: s.Host, Snap: s})
	}
	sort.Slice(c.Nodes, func(i, j int) bool { return c.Nodes[i].Name < c.Nodes[j].Name })
	c.facts = make([]nodeFacts, len(c.Nodes))
	var ipClash []Problem
	for i := range c.Nodes {
		n := &c.Nodes[i]
		c.facts[i] = factsOf(n.Snap)
		n.TunnelIPs = tunnelIPs(n.Snap)
		n.Roles, n.RolesUnknown = roles(n.Snap)
		n.Counts = countsOf(n.Snap)
		for _, ip := range n.TunnelIPs {
			if j, ok := c.byIP[ip]; ok {
				ipClash = append(ipClash, Problem{
					Kind: ProblemTunnelIPClash, Severity: Error, Nodes: []string{c.Nodes[j].Name, n.Name}, Subject: "local_ip " + ip,
					Text:     fmt.Sprintf("two nodes use %s as their tunnel local_ip: the others cannot tell them apart", ip),
					Evidence: []string{c.tunnelEvidence(j, ip), c.tunnelEvidence(i, ip)},
				})
				continue
			}
			c.byIP[ip] = i
		}
		for _, a := range globalAddrs(n.Snap) {
			if j, ok := c.byAddr[a]; ok && j != i {
				c.byAddr[a] = -1
				continue
			}
			c.byAddr[a] = i
		}
	}
	c.Problems = append(c.Problems, ipClash...)
	c.layout()
	c.mesh()
	c.floods()
	c.crossProblems()
	c.health()
	c.sortFindings()
	return c, nil
}

// DuplicateHostError is New's error for two snapshots of one host: First
// and Second are their indexes in New's argument.
type DuplicateHostError struct {
	Host          string
	First, Second int
}

func (e *DuplicateHostError) Error() string {
	return fmt.Sprintf("two snapshots of host %q: a cloud holds one per node", e.Host)
}

// MaskedError is New's error for a snapshot imported from a report sos
// clean masked, among others: its addresses and MACs are aliases that
// report alone uses (sos clean maps them anew on each node unless told
// to share a map, which the report does not record), and a cloud matches
// exactly those across nodes (tunnel local_ip to remote_ip, the same MAC
// on two nodes). Matching aliases would make verdicts up; one masked node
// alone is read as any snapshot. Index is its index in New's argument.
type MaskedError struct {
	Host  string
	Index int
}

func (e *MaskedError) Error() string {
	return fmt.Sprintf("the snapshot of host %q was imported from a report sos clean masked: its addresses and MACs are aliases of that report alone, which a cloud cannot match across nodes; read it alone", e.Host)
}

// Node returns the node with that name, or nil.
func (c *Cloud) Node(name string) *Node {
	i := sort.Search(len(c.Nodes), func(i int) bool { return c.Nodes[i].Name >= name })
	if i < len(c.Nodes) && c.Nodes[i].Name == name {
		return &c.Nodes[i]
	}
	return nil
}

// NodeByTunnelIP returns the node whose tunnel ports have local_ip ip, or
// nil when no node in the cloud has it. A node with no tunnel port of its
// own (its local_ip unknown) is found by the address when it alone holds
// ip on an interface of its own namespace.
func (c *Cloud) NodeByTunnelIP(ip string) *Node {
	if i, ok := c.byIP[ip]; ok {
		return &c.Nodes[i]
	}
	if i, ok := c.byAddr[ip]; ok && i >= 0 && len(c.Nodes[i].TunnelIPs) == 0 {
		return &c.Nodes[i]
	}
	return nil
}

// nodeIndex is NodeByTunnelIP as an index into Nodes, -1 for none.
func (c *Cloud) nodeIndex(ip string) int {
	if n := c.NodeByTunnelIP(ip); n != nil {
		return c.indexOf(n.Name)
	}
	return -1
}

func (c *Cloud) indexOf(name string) int {
	i := sort.Search(len(c.Nodes), func(i int) bool { return c.Nodes[i].Name >= name })
	if i < len(c.Nodes) && c.Nodes[i].Name == name {
		return i
	}
	return -1
}

// nodeFacts are what the cross-node checks need to know of one node:
// which of its sources were read, and its networks and tunnels by key.
type nodeFacts struct {
	// ovsdb: the node's OVSDB was read, so its ports, tunnels and
	// networks are known (absent ones are absent).
	ovsdb bool
	// tunBridge is the node's tunnel bridge ("" none); flows says its
	// flow table was read.
	tunBridge string
	flows     bool
	// nets are the networks with at least one live port on the node: not
	// in the dead VLAN, and programmed by the agent. Only such a port is
	// ACTIVE, and l2population makes tunnels and flooding entries for
	// active ports alone; a dead one is the node's own problem.
	nets map[string]*topo.Network
	// tunnelByName maps a tunnel port's name to it.
	tunnelByName map[string]*topo.Tunnel
}

func factsOf(s *topo.Snapshot) nodeFacts {
	f := nodeFacts{nets: map[string]*topo.Network{}, tunnelByName: map[string]*topo.Tunnel{}}
	f.ovsdb = len(neutron.Unread(s, "ovsdb")) == 0
	for _, b := range s.Neutron.Bridges {
		if b.Role == topo.BridgeTunnel {
			f.tunBridge = b.Name
		}
	}
	if f.tunBridge == "" && len(s.Neutron.Tunnels) > 0 {
		f.tunBridge = s.Neutron.Tunnels[0].Bridge
	}
	f.flows = f.ovsdb && f.tunBridge != "" && len(neutron.Unread(s, "openflow/"+f.tunBridge)) == 0
	idle := map[string]bool{}
	for _, p := range s.Neutron.Ports {
		if p.Dead || p.NotProgrammed != "" {
			idle[p.ID] = true
		}
	}
	for i := range s.Neutron.Networks {
		n := &s.Neutron.Networks[i]
		for _, id := range n.Ports {
			if !idle[id] {
				f.nets[n.ID] = n
				break
			}
		}
	}
	for i := range s.Neutron.Tunnels {
		t := &s.Neutron.Tunnels[i]
		f.tunnelByName[t.Port] = t
	}
	return f
}

// tunnelIPs are the distinct local_ip values of the node's tunnel ports.
func tunnelIPs(s *topo.Snapshot) []string {
	seen := map[string]bool{}
	out := []string{}
	for _, t := range s.Neutron.Tunnels {
		if t.LocalIP != "" && !seen[t.LocalIP] {
			seen[t.LocalIP] = true
			out = append(out, t.LocalIP)
		}
	}
	sort.Strings(out)
	return out
}

// globalAddrs are the global unicast addresses of the node's own
// namespace (no loopback, no link-local), without prefix length.
func globalAddrs(s *topo.Snapshot) []string {
	root := s.Root()
	if root == nil {
		return nil
	}
	var out []string
	for _, l := range root.Links {
		for _, a := range l.Addrs {
			p, err := netip.ParsePrefix(a.Prefix)
			if err != nil || !p.Addr().IsGlobalUnicast() {
				continue
			}
			out = append(out, p.Addr().String())
		}
	}
	return out
}

func countsOf(s *topo.Snapshot) Counts {
	var c Counts
	for _, p := range s.Neutron.Ports {
		if p.OVSPort == "" && p.Namespace == "" {
			continue
		}
		c.Ports++
		if p.Role == topo.RoleInstance {
			c.Instances++
		}
	}
	c.Routers = len(s.Neutron.Routers)
	for _, n := range s.Neutron.Networks {
		if n.DHCPNamespace != "" {
			c.DHCP++
		}
	}
	c.Tunnels = len(s.Neutron.Tunnels)
	return c
}

// tunnelEvidence names node i's tunnel ports with local_ip ip.
func (c *Cloud) tunnelEvidence(i int, ip string) string {
	var ports []string
	for _, t := range c.Nodes[i].Snap.Neutron.Tunnels {
		if t.LocalIP == ip {
			ports = append(ports, t.Port)
		}
	}
	return fmt.Sprintf("%s: OVSDB %s options:local_ip=%s", c.Nodes[i].Name, strings.Join(ports, ", "), ip)
}

// names are the names of the nodes at idx, in node order.
func (c *Cloud) names(idx []int) []string {
	sort.Ints(idx)
	out := make([]string, 0, len(idx))
	for k, i := range idx {
		if k > 0 && idx[k-1] == i {
			continue
		}
		out = append(out, c.Nodes[i].Name)
	}
	return out
}
