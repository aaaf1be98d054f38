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

	// NotProgrammed says why a port plugged into the integration bridge
	// (external_ids:iface-id) is not programmed by the OVS agent: no VLAN
	// tag, or none of the flows the agent installs for every port it
	// binds. Empty when it is programmed or when that cannot be told
	// (the flows were not read).
	NotProgrammed string `json:"not_programmed,omitempty"`
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
	Bridge string   `json:"bridge,omitempty"`
	CIDRs  []string `json:"cidrs,omitempty"`
	// CIDRsUnknown says why CIDRs is empty: a node knows a network's
	// subnets only from the addresses of its DHCP and router ports
	// (instance addresses, from DHCP files or flows, carry no prefix
	// length), so a compute node without them cannot tell, and none is
	// not the same as not known. Empty when CIDRs were read.
	CIDRsUnknown string `json:"cidrs_unknown,omitempty"`
	// MTU is the one its ports' devices carry: the agents and os-vif
	// set each to the network's MTU (0: no device read).
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
	ID        string `json:"id"`
	Namespace string `json:"namespace"`
	Kind      string `json:"kind"` // legacy, ha, dvr
	// HAState is the HA router's state file as the L3 agent wrote it
	// ("primary", "backup", "fault"; "master" before Victoria); ""
	// when it was not read.
	HAState string `json:"ha_state,omitempty"`
	// HARole is what this node is for an HA router (see HARole*); ""
	// for another kind, or when it cannot be told (Unknown says why).
	HARole string `json:"ha_role,omitempty"`
	// HAVIPs are the addresses keepalived.conf gives the primary
	// ("203.0.113.104/32 dev qg-5857f130-8c"): what this node holds
	// when it is the primary, and what a standby would take over.
	HAVIPs []string `json:"ha_vips,omitempty"`
	// HAAnsweredFrom is the hardware address that answered, from the
	// wire, the duplicate-address probe for the gateway address of an
	// HA router active here: another node holds the address too, so the
	// router is active on two nodes. "" when nothing answered or no
	// probe was read (Unknown then says so).
	HAAnsweredFrom string            `json:"ha_answered_from,omitempty"`
	SNATNamespace  string            `json:"snat_namespace,omitempty"`
	IPForward      *bool             `json:"ip_forward,omitempty"`
	Gateway        *RouterGateway    `json:"gateway"`
	Interfaces     []RouterInterface `json:"interfaces"`
	FloatingIPs    []FloatingIP      `json:"floating_ips"`
	Problems       []string          `json:"problems"`
	// Unknown lists what could not be checked because its source was not
	// read (see NPort.Unknown).
	Unknown []string `json:"unknown,omitempty"`

	// DVR is what a distributed router (kind dvr) has on this node
	// besides its qrouter- namespace; nil for the other kinds.
	DVR *RouterDVR `json:"dvr,omitempty"`
}

// What a node is for an HA router (Router.HARole).
const (
	// HARoleActive: keepalived holds the router's addresses on this
	// node (it does so on the primary only), or the state file says
	// primary.
	HARoleActive = "active"
	// HARoleStandby: the state file says backup (or fault) and no
	// address of the router is held here: the router is active on the
	// other L3 agent's node.
	HARoleStandby = "standby"
)

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

	// Distributed: a DVR floating IP served on this node by its fip-
	// namespace through the router's rfp-/fpr- pair (the DNAT rule
	// names -i rfp-…), never an address on qg- (reference §4.6).
	Distributed bool `json:"distributed,omitempty"`
	// FIPRoute: the fip- namespace routes the floating IP (/32) via fpr-
	// to the router; RulePriority is the qrouter's "from <fixed> lookup
	// 16" rule that sends the instance's own traffic back out that way
	// (0: none). Distributed floating IPs only.
	FIPRoute     bool `json:"fip_route,omitempty"`
	RulePriority int  `json:"rule_priority,omitempty"`
}

// Lacks says what of its NAT plumbing a floating IP lacks ("not on qg",
// "no DNAT", "no SNAT"; for a distributed one "no fip- route" instead of
// "not on qg"), for the views and reports that show it.
func (f FloatingIP) Lacks() []string {
	var miss []string
	switch {
	case f.Distributed && !f.FIPRoute:
		miss = append(miss, "no fip- route")
	case !f.Distributed && !f.OnGateway:
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

// DVR modes of a distributed router on a node (the L3 agent's agent_mode).
const (
	// DVRLocal: qrouter- with rfp-⇄fpr- to the fip- namespace of its
	// external network (a compute node, agent_mode dvr).
	DVRLocal = "dvr"
	// DVRSNAT: also snat-<router> with its sg- and qg- ports (the node
	// hosting its centralized SNAT, agent_mode dvr_snat).
	DVRSNAT = "dvr_snat"
)

// RouterDVR is what a distributed router has on this node besides its
// qrouter- namespace (reference §3.4, §4.6).
type RouterDVR struct {
	Mode string `json:"mode"` // DVRLocal or DVRSNAT
	// ExternalNetworkID is the router's external network, from its fip-
	// namespace, the fg- port or its qg- port ("" when nothing says).
	ExternalNetworkID string `json:"external_network_id,omitempty"`
	// FIPNamespace is fip-<external network id>, where the router's
	// distributed floating IPs are answered and routed; FIPNamespacePresent
	// says whether the node has it.
	FIPNamespace        string `json:"fip_namespace,omitempty"`
	FIPNamespacePresent bool   `json:"fip_namespace_present,omitempty"`
	// RFP (in qrouter-) and FPR (in fip-) are the veth pair between the
	// router and the fip- namespace, each with its 169.254.x.y/31.
	RFP *DVRDevice `json:"rfp,omitempty"`
	FPR *DVRDevice `json:"fpr,omitempty"`
	// FIPGateway is the fip- namespace's fg- port on the external network
	// (an OVS internal port on br-int in its local VLAN).
	FIPGateway *FIPGateway `json:"fip_gateway,omitempty"`
	// SNATPorts are the sg- ports of snat-<router> (DVRSNAT), one per
	// internal subnet: the SNAT for instances without a floating IP.
	SNATPorts []RouterInterface `json:"snat_ports,omitempty"`
	// SNATRedirects are the qrouter- rules that send each internal
	// subnet's traffic (without floating IP) to its sg- port.
	SNATRedirects []SNATRedirect `json:"snat_redirects,omitempty"`
	// HostMAC is this node's DVR MAC (dvr_base_mac, fa:16:3f:…): frames
	// the router sends leave with it instead of the qr- MAC, which every
	// node's copy of the router shares. RemoteMACs are the other nodes'.
	HostMAC    string   `json:"host_mac,omitempty"`
	RemoteMACs []string `json:"remote_macs,omitempty"`
	// MACRewrites are, per qr- port, the tunnel or physical bridge flow
	// (table 1, DVR_PROCESS) that rewrites its MAC to HostMAC.
	MACRewrites []DVRFlow `json:"mac_rewrites,omitempty"`
	// ToSrcMAC are the integration bridge flows (table 1/2,
	// DVR_TO_SRC_MAC) that give frames another node's router sent to a
	// local port on the router's subnets the qr- MAC back.
	ToSrcMAC []DVRFlow `json:"to_src_mac,omitempty"`
}

// DVRDevice is one end of the rfp-⇄fpr- veth pair.
type DVRDevice struct {
	Name      string `json:"name"`
	Namespace string `json:"namespace"`
	Address   string `json:"address,omitempty"` // 169.254.x.y/31
	Up        bool   `json:"up"`
	Peer      string `json:"peer,omitempty"`
}

// FIPGateway is the fg- port of a fip- namespace.
type FIPGateway struct {
	Port      string `json:"port"` // Neutron port id
	Device    string `json:"device"`
	Namespace string `json:"namespace"`
	Address   string `json:"address,omitempty"`
	NetworkID string `json:"network_id,omitempty"`
	LocalVLAN int    `json:"local_vlan,omitempty"`
	// NextHop is the external gateway the fip- namespace sends the
	// router's traffic to (its "iif fpr-…" rule's table).
	NextHop string `json:"next_hop,omitempty"`
}

// SNATRedirect is one qrouter- rule "from <qr subnet> lookup N priority
// N" whose table N says "default via <sg- address> dev qr-…".
type SNATRedirect struct {
	Device   string `json:"device"` // the qr- port
	From     string `json:"from"`
	Priority int    `json:"priority"`
	Table    int    `json:"table"`
	Via      string `json:"via,omitempty"` // the sg- port's address
}

// DVRFlow names a flow of the DVR MAC handling and what it is for.
type DVRFlow struct {
	Device string `json:"device,omitempty"` // the qr- port, or the local port
	MAC    string `json:"mac"`
	Bridge string `json:"bridge"`
	Flow   string `json:"flow"`
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
