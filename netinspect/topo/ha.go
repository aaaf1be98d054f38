package topo

// KeepalivedConf is what the L3 agent wrote to keepalived.conf for one HA
// router (<state_path>/ha_confs/<router id>/keepalived.conf).
type KeepalivedConf struct {
	// Interface is the vrrp_instance's device (ha-…, on the HA network
	// the two L3 agents' nodes exchange VRRP over).
	Interface string `json:"interface,omitempty"`
	// VRID is its virtual_router_id.
	VRID int `json:"vrid,omitempty"`
	// VIPs are the addresses keepalived puts on the primary's devices
	// (virtual_ipaddress and virtual_ipaddress_excluded): the gateway
	// address and floating IPs on qg-, the subnets' gateways on qr-,
	// the 169.254.0.x address on ha-.
	VIPs []KeepalivedVIP `json:"vips"`
	// Error says why the file was not read or understood; VIPs is then
	// unknown, not empty.
	Error string `json:"error,omitempty"`
}

// KeepalivedVIP is one address of a keepalived.conf: "203.0.113.104/32
// dev qg-5857f130-8c".
type KeepalivedVIP struct {
	Address string `json:"address"` // with its prefix length
	Device  string `json:"device,omitempty"`
}

// ARPProbe is one duplicate-address probe (RFC 5227: an ARP request from
// sender address 0.0.0.0) ostopo sent on the live node, from an HA
// router's qg- device, for the gateway address keepalived holds there.
// The node's own kernel does not answer its own probe on the wire, so an
// answer means another host holds the address too: when VRRP between the
// two L3 agents' nodes fails, both keepalived instances become primary.
// Judged by an answer arriving at all, not by its MAC: the two instances
// of a router share one (one Neutron port on both nodes).
type ARPProbe struct {
	Namespace string `json:"namespace"`
	Device    string `json:"device"`
	Address   string `json:"address"` // the IPv4 address asked for
	// Answered: a host on the wire answered that it holds Address.
	Answered bool `json:"answered"`
	// From is the answerer's hardware address.
	From string `json:"from,omitempty"`
	// WaitedMS is how long the probe waited: until the answer, or the
	// whole timeout when none came.
	WaitedMS int `json:"waited_ms"`
}
