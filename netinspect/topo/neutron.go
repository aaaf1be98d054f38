package topo

// Port roles.
const (
	RoleInstance        = "instance"
	RoleDHCP            = "dhcp"
	RoleRouterInterface = "router_interface"
	RoleRouterGateway   = "router_gateway"
	RoleHA              = "ha"
	RoleRouterSNAT      = "router_snat" // sg- port of a DVR SNAT namespace
	RoleFIPGateway      = "fip_gateway" // fg- port of a DVR fip- namespace
	RoleUnknown         = "unknown"
)

// Firewall styles of instance ports.
const (
	FirewallHybrid = "iptables_hybrid" // tap in qbr, qvb⇄qvo veth, qvo on br-int
	FirewallOVS    = "openvswitch"     // tap directly on br-int with OVS firewall flows
	FirewallDirect = "direct"          // tap directly on br-int, no firewall flows (noop)
)

// DeadVLAN is Neutron's DEAD_VLAN_TAG.
const DeadVLAN = 4095

// Neutron is the Neutron meaning of a node, derived from the raw facts.
type Neutron struct {
	Bridges       []BridgeRole  `json:"bridges"`
	Ports         []NPort       `json:"ports"`
	Networks      []Network     `json:"networks"`
	Routers       []Router      `json:"routers"`
	Tunnels       []Tunnel      `json:"tunnels"`
	PatchPairs    []PatchPair   `json:"patch_pairs"`
	ProviderNICs  []ProviderNIC `json:"provider_nics"`
	DeadVLANPorts []string      `json:"dead_vlan_ports"` // port ids in VLAN 4095
	// Problems are node-level findings that belong to no single object
	// (a br-tun mapping for a VLAN no port uses, an orphan namespace).
	Problems []string `json:"problems"`
}

// Bridge roles.
const (
	BridgeIntegration = "integration"
	BridgeTunnel      = "tunnel"
	BridgePhysical    = "physical"
	BridgeOther       = "other"
)

// BridgeRole says what a bridge is for.
type BridgeRole struct {
	Name string `json:"name"`
	Role string `json:"role"`
	// PhysicalNetwork is the physnet of a physical bridge, when a network
	// on it says so.
	PhysicalNetwork string `json:"physical_network,omitempty"`
}

// NPort is one Neutron port as seen on this node.
type NPort struct {
	ID         string `json:"id"` // full UUID, or the 11-char device suffix when only devices tell
	Role       string `json:"role"`
	MAC        string `json:"mac,omitempty"`
	NetworkID  string `json:"network_id,omitempty"`
	LocalVLAN  int    `json:"local_vlan"` // 0: untagged
	InstanceID string `json:"instance_id,omitempty"`
	Firewall   string `json:"firewall,omitempty"`
	// Bridge and OVSPort name where the port is plugged into OVS.
	Bridge  string `json:"bridge,omitempty"`
	OVSPort string `json:"ovs_port,omitempty"`
	OFPort  int    `json:"ofport,omitempty"`
	// Namespace holds the port's device for dhcp/router ports.
	Namespace string   `json:"namespace,omitempty"`
	RouterID  string   `json:"router_id,omitempty"`
	FixedIPs  []string `json:"fixed_ips,omitempty"`
	Devices   Devices  `json:"devices"`
	// Dead is set for ports in VLAN 4095; DeadReason is "never_bound"
	// (tag 4095 with trunks [4095]) or "killed" (tag 4095 alone).
	Dead       bool     `json:"dead,omitempty"`
	DeadReason string   `json:"dead_reason,omitempty"`
	Problems   []string `json:"problems"`
	// Unknown lists what could not be checked because its source was not
	// read ("qvoX on br-int: unknown (ovsdb not read)"): never a problem,
	// and never clean either.
	Unknown []string `json:"unknown,omitempty"`
}

// Devices are the kernel/OVS devices that carry a port. For instance ports
// with the hybrid firewall all four exist; for others only the one that
// applies (tap for dhcp, qr-/qg- for routers; recorded under Tap).
type Devices struct {
	Tap *Device `json:"tap,omitempty"`
	QBR *Device `json:"qbr,omitempty"`
	QVB *Device `json:"qvb,omitempty"`
	QVO *Device `json:"qvo,omitempty"`
}

// Device is one member of a port's chain and its state.
type Device struct {
	Name      string `json:"name"`
	Namespace string `json:"namespace,omitempty"`
	// InKernel: a kernel device of that name exists; OnBridge: the OVS bridge
	// (or Linux bridge, for qvb/tap) it is plugged into.
	InKernel  bool   `json:"in_kernel"`
	OnBridge  string `json:"on_bridge,omitempty"`
	OperState string `json:"oper_state,omitempty"`
	Up        bool   `json:"up"`
	MTU       int    `json:"mtu,omitempty"`
	MAC       string `json:"mac,omitempty"`
	Peer      string `json:"peer,omitempty"` // veth peer name
}

// Network is one Neutron network as present on this node.
type Network struct {
	ID              string `json:"id"`
	LocalVLAN       int    `json:"local_vlan"`
	NetworkType     string `json:"network_type,omitempty"`
	SegmentationID  *int   `json:"segmentation_id"`
	PhysicalNetwork string `json:"physical_network,omitempty"`
	DHCPNamespace   string `json:"dhcp_namespace,omitempty"`
	// Bridge is the physical bridge carrying a flat/vlan network.
	Bridge  string   `json:"bridge,omitempty"`
	CIDRs   []string `json:"cidrs,omitempty"`
	MTU     int      `json:"mtu,omitempty"`
	Ports   []string `json:"ports"`
	Routers []string `json:"routers,omitempty"`
	// Flows that carry the network: br-tun ingress/flood, br-int and
	// physical-bridge VLAN translation. Each names the flow it found.
	Flows    NetworkFlows `json:"flows"`
	Problems []string     `json:"problems"`
	// Unknown lists what could not be checked because its source was not
	// read (see NPort.Unknown).
	Unknown []string `json:"unknown,omitempty"`
}

// NetworkFlows are the OpenFlow mappings found for a network's local VLAN.
type NetworkFlows struct {
	TunnelIngress string   `json:"tunnel_ingress,omitempty"` // br-tun table 3/4/6: tun_id -> lvid
	TunnelFlood   string   `json:"tunnel_flood,omitempty"`   // br-tun table 22: lvid -> tun_id, ports
	FloodPorts    []string `json:"flood_ports,omitempty"`
	IntIngress    string   `json:"int_ingress,omitempty"` // br-int prio 3 from int-<br>
	PhysEgress    string   `json:"phys_egress,omitempty"` // physical bridge prio 4 from phy-<br>
}

// Router is one Neutron router namespace on this node.
type Router struct {
	ID            string            `json:"id"`
	Namespace     string            `json:"namespace"`
	Kind          string            `json:"kind"` // legacy, ha, dvr
	HAState       string            `json:"ha_state,omitempty"`
	SNATNamespace string            `json:"snat_namespace,omitempty"`
	IPForward     *bool             `json:"ip_forward,omitempty"`
	Gateway       *RouterGateway    `json:"gateway"`
	Interfaces    []RouterInterface `json:"interfaces"`
	FloatingIPs   []FloatingIP      `json:"floating_ips"`
	Problems      []string          `json:"problems"`
	// Unknown lists what could not be checked because its source was not
	// read (see NPort.Unknown).
	Unknown []string `json:"unknown,omitempty"`
}

// RouterGateway is the qg- port of a router.
type RouterGateway struct {
	Port      string `json:"port"` // Neutron port id
	Device    string `json:"device"`
	Address   string `json:"address,omitempty"` // gateway port address with prefix
	NetworkID string `json:"network_id,omitempty"`
	NextHop   string `json:"next_hop,omitempty"` // default route via
}

// RouterInterface is a qr- port of a router.
type RouterInterface struct {
	Port      string   `json:"port"`
	Device    string   `json:"device"`
	NetworkID string   `json:"network_id,omitempty"`
	LocalVLAN int      `json:"local_vlan"`
	Addresses []string `json:"addresses"`
}

// FloatingIP is one floating IP of a router, from the qg- /32 addresses and
// the DNAT/SNAT rules.
type FloatingIP struct {
	FloatingIP string   `json:"floating_ip"`
	FixedIP    string   `json:"fixed_ip"`
	PortID     string   `json:"port_id,omitempty"`
	OnGateway  bool     `json:"on_gateway"` // /32 present on qg-
	DNAT       bool     `json:"dnat"`
	SNAT       bool     `json:"snat"`
	Problems   []string `json:"problems"`
}

// Lacks says what of its NAT plumbing a floating IP lacks ("not on qg",
// "no DNAT", "no SNAT"), for the views and reports that show it.
func (f FloatingIP) Lacks() []string {
	var miss []string
	if !f.OnGateway {
		miss = append(miss, "not on qg")
	}
	if !f.DNAT {
		miss = append(miss, "no DNAT")
	}
	if !f.SNAT {
		miss = append(miss, "no SNAT")
	}
	return miss
}

// Tunnel is one tunnel port on the tunnel bridge.
type Tunnel struct {
	Port     string   `json:"port"`
	Bridge   string   `json:"bridge"`
	Type     string   `json:"type"`
	LocalIP  string   `json:"local_ip"`
	RemoteIP string   `json:"remote_ip"`
	OFPort   int      `json:"ofport"`
	Problems []string `json:"problems"`
}

// PatchPair is two OVS patch ports that name each other as peers.
type PatchPair struct {
	Bridge     string   `json:"bridge"`
	Port       string   `json:"port"`
	PeerBridge string   `json:"peer_bridge,omitempty"`
	Peer       string   `json:"peer"`
	Problems   []string `json:"problems"`
}

// ProviderNIC is a non-patch, non-internal port of a physical bridge: the
// NIC that carries the provider network (eth4 in the course's scenario).
type ProviderNIC struct {
	Bridge   string `json:"bridge"`
	Name     string `json:"name"`
	InKernel bool   `json:"in_kernel"`
	Up       bool   `json:"up"`
	Carrier  bool   `json:"carrier"`
	// AdminDown tells a NIC set down (ip link set X down) from one that
	// is up without carrier: both have Up and Carrier false.
	AdminDown bool     `json:"admin_down,omitempty"`
	MTU       int      `json:"mtu,omitempty"`
	Addresses []string `json:"addresses,omitempty"`
	Problems  []string `json:"problems"`
}

// Port returns the Neutron port with that id (or id prefix), or nil.
func (n *Neutron) Port(id string) *NPort {
	for i := range n.Ports {
		if n.Ports[i].ID == id {
			return &n.Ports[i]
		}
	}
	return nil
}

// Network returns the network with that id, or nil.
func (n *Neutron) Network(id string) *Network {
	for i := range n.Networks {
		if n.Networks[i].ID == id {
			return &n.Networks[i]
		}
	}
	return nil
}

// Router returns the router with that id, or nil.
func (n *Neutron) Router(id string) *Router {
	for i := range n.Routers {
		if n.Routers[i].ID == id {
			return &n.Routers[i]
		}
	}
	return nil
}
