package cloud

import (
	"slices"
	"sort"
	"strings"

	"github.com/ostopo/ostopo/netinspect/neutron"
	"github.com/ostopo/ostopo/netinspect/topo"
)

// Network is one Neutron network across the nodes that have it.
type Network struct {
	ID string `json:"id"`
	// Type, SegmentationID and PhysicalNetwork are the segment as the
	// nodes' agents recorded it (the first node that says, in node
	// order; a node that says otherwise is a ProblemSegmentDiffers).
	// Type "" is unknown.
	Type            string   `json:"type,omitempty"`
	SegmentationID  *int     `json:"segmentation_id,omitempty"`
	PhysicalNetwork string   `json:"physical_network,omitempty"`
	CIDRs           []string `json:"cidrs,omitempty"`
	// On are the nodes that have the network, by node name.
	On []NetworkOn `json:"on"`
}

// Tunnelled says whether the network runs over the tunnels (vxlan, gre,
// geneve); false also when its type is unknown (see Type).
func (n *Network) Tunnelled() bool { return tunnelled(n.Type) }

func tunnelled(t string) bool { return neutron.TunnelTable(t) >= 0 }

// NodeOn returns what node has of the network, or nil.
func (n *Network) NodeOn(node string) *NetworkOn {
	for i := range n.On {
		if n.On[i].Node == node {
			return &n.On[i]
		}
	}
	return nil
}

// NetworkOn is a network on one node.
type NetworkOn struct {
	Node string `json:"node"`
	// LocalVLAN is the VLAN the node's OVS agent picked for it (each
	// node picks its own).
	LocalVLAN int `json:"local_vlan"`
	// Type and SegmentationID as this node's agent recorded them.
	Type           string `json:"type,omitempty"`
	SegmentationID *int   `json:"segmentation_id,omitempty"`
	// Ports are the ids of its ports plugged on the node.
	Ports         []string `json:"ports"`
	DHCPNamespace string   `json:"dhcp_namespace,omitempty"`
	Routers       []string `json:"routers,omitempty"`
	// FloodTo are the nodes (or, for a node not in the cloud, the
	// remote IP) its br-tun flood flow sends broadcasts to; see Flood.
	FloodTo []string `json:"flood_to,omitempty"`
}

// Ways a port exists on several nodes by design (Port.Replicated).
const (
	// ReplicatedDVR: a distributed router's qr- port, present on every
	// node with the router; its MAC is rewritten to each node's DVR MAC
	// on the wire.
	ReplicatedDVR = "dvr"
	// ReplicatedHA: a port of an HA router (qr-, qg-, sg-), present on
	// every L3 agent node of the router and held by the active one.
	ReplicatedHA = "ha"
)

// Port is one Neutron port and where it is plugged.
type Port struct {
	ID         string   `json:"id"`
	Role       string   `json:"role"`
	MAC        string   `json:"mac,omitempty"`
	NetworkID  string   `json:"network_id,omitempty"`
	InstanceID string   `json:"instance_id,omitempty"`
	RouterID   string   `json:"router_id,omitempty"`
	FixedIPs   []string `json:"fixed_ips,omitempty"`
	// Replicated says why the port may be on several nodes (Replicated*),
	// "" when it belongs on one.
	Replicated string   `json:"replicated,omitempty"`
	Nodes      []string `json:"nodes"`
	On         []PortOn `json:"on"`
}

// PortOn is a port on one node.
type PortOn struct {
	Node      string `json:"node"`
	Bridge    string `json:"bridge,omitempty"`
	OVSPort   string `json:"ovs_port,omitempty"`
	Namespace string `json:"namespace,omitempty"`
	LocalVLAN int    `json:"local_vlan"`
	// Dead: in the dead VLAN 4095 there (not bound to this node, or
	// killed by the agent).
	Dead bool `json:"dead,omitempty"`
}

// Router is one Neutron router across the nodes that have a namespace
// of it.
type Router struct {
	ID   string `json:"id"`
	Kind string `json:"kind"` // legacy, ha, dvr (as the nodes say)
	// HA: an HA router (kind ha, or a distributed router whose SNAT is
	// HA).
	HA bool       `json:"ha,omitempty"`
	On []RouterOn `json:"on"`
	// Active are the nodes where it answers: for an HA router those
	// whose HA role is active; for a legacy router every node with its
	// namespace; for a distributed router, those with its SNAT.
	Active []string `json:"active"`
	// RoleUnknown are the nodes of an HA router whose role there could
	// not be told.
	RoleUnknown []string `json:"role_unknown,omitempty"`
}

// RouterOn is a router on one node.
type RouterOn struct {
	Node      string `json:"node"`
	Namespace string `json:"namespace"`
	Kind      string `json:"kind"`
	// HARole and HAState as the node says (topo.Router).
	HARole  string `json:"ha_role,omitempty"`
	HAState string `json:"ha_state,omitempty"`
	// DVRMode is topo.DVRLocal or topo.DVRSNAT for a distributed router.
	DVRMode       string `json:"dvr_mode,omitempty"`
	SNATNamespace string `json:"snat_namespace,omitempty"`
	Gateway       string `json:"gateway,omitempty"` // the qg- address
	FloatingIPs   int    `json:"floating_ips"`
}

// Network returns the network with that id, or nil.
func (c *Cloud) Network(id string) *Network {
	i := sort.Search(len(c.Networks), func(i int) bool { return c.Networks[i].ID >= id })
	if i < len(c.Networks) && c.Networks[i].ID == id {
		return &c.Networks[i]
	}
	return nil
}

// Port returns the port with that id, or nil.
func (c *Cloud) Port(id string) *Port {
	i := sort.Search(len(c.Ports), func(i int) bool { return c.Ports[i].ID >= id })
	if i < len(c.Ports) && c.Ports[i].ID == id {
		return &c.Ports[i]
	}
	return nil
}

// Router returns the router with that id, or nil.
func (c *Cloud) Router(id string) *Router {
	i := sort.Search(len(c.Routers), func(i int) bool { return c.Routers[i].ID >= id })
	if i < len(c.Routers) && c.Routers[i].ID == id {
		return &c.Routers[i]
	}
	return nil
}

// haRouter says whether a node's router is HA (kind ha, or a distributed
// router whose SNAT namespace keepalived runs).
func haRouter(r *topo.Router) bool {
	return r.Kind == "ha" || r.HAState != "" || r.HARole != "" || len(r.HAVIPs) > 0
}

// layout places networks, ports and routers on the nodes.
func (c *Cloud) layout() {
	routers := map[string]*Router{}
	for i := range c.Nodes {
		n := &c.Nodes[i]
		for _, r := range n.Snap.Neutron.Routers {
			x := routers[r.ID]
			if x == nil {
				x = &Router{ID: r.ID, Kind: r.Kind}
				routers[r.ID] = x
			}
			if x.Kind != "dvr" && r.Kind == "dvr" {
				x.Kind = r.Kind
			}
			x.HA = x.HA || haRouter(&r)
			on := RouterOn{Node: n.Name, Namespace: r.Namespace, Kind: r.Kind, HARole: r.HARole, HAState: r.HAState,
				SNATNamespace: r.SNATNamespace, FloatingIPs: len(r.FloatingIPs)}
			if r.DVR != nil {
				on.DVRMode = r.DVR.Mode
			}
			if r.Gateway != nil {
				on.Gateway = r.Gateway.Address
			}
			x.On = append(x.On, on)
		}
	}
	for _, id := range sortedKeys(routers) {
		x := routers[id]
		for _, on := range x.On {
			switch {
			case x.HA && on.HARole == topo.HARoleActive:
				x.Active = append(x.Active, on.Node)
			case x.HA && on.HARole == "" && (x.Kind == "ha" || on.DVRMode == topo.DVRSNAT || on.SNATNamespace != ""):
				x.RoleUnknown = append(x.RoleUnknown, on.Node)
			case !x.HA && x.Kind == "dvr" && (on.DVRMode == topo.DVRSNAT || on.SNATNamespace != ""):
				x.Active = append(x.Active, on.Node)
			case !x.HA && x.Kind != "dvr":
				x.Active = append(x.Active, on.Node)
			}
		}
		if x.Active == nil {
			x.Active = []string{}
		}
		c.Routers = append(c.Routers, *x)
	}

	c.placePorts()

	nets := map[string]*Network{}
	for i := range c.Nodes {
		n := &c.Nodes[i]
		for _, nw := range n.Snap.Neutron.Networks {
			x := nets[nw.ID]
			if x == nil {
				x = &Network{ID: nw.ID}
				nets[nw.ID] = x
			}
			if x.Type == "" && nw.NetworkType != "" {
				x.Type, x.SegmentationID = nw.NetworkType, nw.SegmentationID
			}
			if x.PhysicalNetwork == "" {
				x.PhysicalNetwork = nw.PhysicalNetwork
			}
			for _, cidr := range nw.CIDRs {
				if !slices.Contains(x.CIDRs, cidr) {
					x.CIDRs = append(x.CIDRs, cidr)
				}
			}
			x.On = append(x.On, NetworkOn{Node: n.Name, LocalVLAN: nw.LocalVLAN, Type: nw.NetworkType, SegmentationID: nw.SegmentationID,
				Ports: slices.Clone(nw.Ports), DHCPNamespace: nw.DHCPNamespace, Routers: slices.Clone(nw.Routers)})
		}
	}
	for _, id := range sortedKeys(nets) {
		x := nets[id]
		sort.Strings(x.CIDRs)
		c.Networks = append(c.Networks, *x)
	}
}

// placePorts gathers every node's ports by id. A port known on a node
// only by its device's 11-character suffix joins the full id another
// node has for it.
func (c *Cloud) placePorts() {
	var full []string
	for i := range c.Nodes {
		for _, p := range c.Nodes[i].Snap.Neutron.Ports {
			if topo.IsUUID(p.ID) {
				full = append(full, p.ID)
			}
		}
	}
	sort.Strings(full)
	full = slices.Compact(full)
	resolve := func(id string) string {
		if topo.IsUUID(id) || id == "" {
			return id
		}
		k := sort.SearchStrings(full, id)
		if k < len(full) && strings.HasPrefix(full[k], id) && (k+1 == len(full) || !strings.HasPrefix(full[k+1], id)) {
			return full[k]
		}
		return id
	}
	kinds := map[string]*Router{}
	for i := range c.Routers {
		kinds[c.Routers[i].ID] = &c.Routers[i]
	}
	ports := map[string]*Port{}
	for i := range c.Nodes {
		n := &c.Nodes[i]
		for _, p := range n.Snap.Neutron.Ports {
			if p.ID == "" || p.OVSPort == "" && p.Namespace == "" {
				continue
			}
			id := resolve(p.ID)
			x := ports[id]
			if x == nil {
				x = &Port{ID: id}
				ports[id] = x
			}
			fill(&x.Role, p.Role)
			if x.Role == topo.RoleUnknown && p.Role != topo.RoleUnknown {
				x.Role = p.Role
			}
			fill(&x.MAC, strings.ToLower(p.MAC))
			fill(&x.NetworkID, p.NetworkID)
			fill(&x.InstanceID, p.InstanceID)
			fill(&x.RouterID, p.RouterID)
			if x.FixedIPs == nil {
				x.FixedIPs = slices.Clone(p.FixedIPs)
			}
			x.On = append(x.On, PortOn{Node: n.Name, Bridge: p.Bridge, OVSPort: p.OVSPort, Namespace: p.Namespace, LocalVLAN: p.LocalVLAN, Dead: p.Dead})
		}
	}
	for _, id := range sortedKeys(ports) {
		x := ports[id]
		if r := kinds[x.RouterID]; r != nil {
			switch {
			case r.HA && (x.Role == topo.RoleRouterInterface || x.Role == topo.RoleRouterGateway || x.Role == topo.RoleRouterSNAT):
				x.Replicated = ReplicatedHA
			case r.Kind == "dvr" && x.Role == topo.RoleRouterInterface:
				x.Replicated = ReplicatedDVR
			}
		}
		for _, on := range x.On {
			if !slices.Contains(x.Nodes, on.Node) {
				x.Nodes = append(x.Nodes, on.Node)
			}
		}
		c.Ports = append(c.Ports, *x)
	}
}

func fill(dst *string, v string) {
	if *dst == "" {
		*dst = v
	}
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
