package topo

import "strings"

// Namespace kinds, from the Neutron naming convention prefix-<uuid>.
const (
	NSRoot    = "root"
	NSRouter  = "qrouter"
	NSDHCP    = "qdhcp"
	NSSNAT    = "snat"
	NSFIP     = "fip"
	NSLBaaS   = "qlbaas"
	NSOVNMeta = "ovnmeta"
	NSOther   = "other"
)

// Namespace is one network namespace and the kernel state inside it.
type Namespace struct {
	Name  string `json:"name"` // "" for the node's own namespace
	Root  bool   `json:"root,omitempty"`
	Path  string `json:"path,omitempty"`
	Inode uint64 `json:"inode,omitempty"`
	Kind  string `json:"kind"`
	// ID is the Neutron object id in the name (router, network), if any.
	ID        string  `json:"id,omitempty"`
	IPForward *bool   `json:"ip_forward,omitempty"`
	Links     []Link  `json:"links"`
	Routes    []Route `json:"routes"`
	// DerivedRoutesOmitted counts kernel routes left out because the
	// addresses already say them: the local table's entries for the
	// namespace's own addresses, and each IPv6 device's fe80::/64 and
	// ff00::/8 (12,000 of them on a 1000-instance node).
	DerivedRoutesOmitted int        `json:"derived_routes_omitted,omitempty"`
	Rules                []Rule     `json:"rules"`
	Neighbors            []Neighbor `json:"neighbors"`
	NAT                  *NATTable  `json:"nat,omitempty"`
}

// Label is the name an operator knows the namespace by.
func (n *Namespace) Label() string {
	if n.Root {
		return "(root)"
	}
	return n.Name
}

// Link returns the link with that name, or nil.
func (n *Namespace) Link(name string) *Link {
	for i := range n.Links {
		if n.Links[i].Name == name {
			return &n.Links[i]
		}
	}
	return nil
}

// ClassifyNamespace returns the kind and Neutron id encoded in a namespace name.
func ClassifyNamespace(name string) (kind, id string) {
	if name == "" {
		return NSRoot, ""
	}
	for _, k := range []string{NSRouter, NSDHCP, NSSNAT, NSFIP, NSLBaaS, NSOVNMeta} {
		if rest, ok := strings.CutPrefix(name, k+"-"); ok && IsUUID(rest) {
			return k, rest
		}
	}
	return NSOther, ""
}

// IsUUID reports whether s is a canonical lower-case 8-4-4-4-12 UUID.
func IsUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i, c := range s {
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
				return false
			}
		}
	}
	return true
}

// LinkKind is a device's Kind from the kernel's link kind (IFLA_INFO_KIND,
// ip -d's word): "loopback" for the loopback device, "device" for a
// physical one (no kind), "tuntap" for "tun", else the kind itself. The
// live collector and the import of ip -d outputs both name kinds so.
func LinkKind(kind string, loopback bool) string {
	switch {
	case loopback:
		return "loopback"
	case kind == "":
		return "device"
	case kind == "tun":
		return "tuntap"
	}
	return kind
}

// Link is one kernel network device.
type Link struct {
	Index   int    `json:"index"`
	Name    string `json:"name"`
	Kind    string `json:"kind"`               // veth, bridge, tuntap, vxlan, openvswitch, vlan, device, loopback...
	TunMode string `json:"tun_mode,omitempty"` // tap or tun, for tuntap links
	MAC     string `json:"mac,omitempty"`
	MTU     int    `json:"mtu"`
	// OperState is the kernel's operstate: up, down, unknown, lowerlayerdown...
	OperState string `json:"oper_state"`
	AdminUp   bool   `json:"admin_up"`
	Carrier   bool   `json:"carrier"` // IFF_LOWER_UP
	Master    string `json:"master,omitempty"`
	// Peer is the other end of a veth, possibly in another namespace.
	Peer   *LinkRef `json:"peer,omitempty"`
	VLANID int      `json:"vlan_id,omitempty"`
	Parent string   `json:"parent,omitempty"` // lower device of a vlan/macvlan
	VNI    int      `json:"vni,omitempty"`
	Addrs  []Addr   `json:"addrs"`
}

// Up reports whether the device can pass traffic: administratively up and
// not reported down by the kernel (OVS internal and tap devices say "unknown").
func (l *Link) Up() bool {
	switch l.OperState {
	// Both spellings: the kernel's and ip's (LOWERLAYERDOWN), and the
	// netlink library's, which collection records ("lower-layer-down": a
	// veth whose peer is down, read as up while only the first was known).
	case "down", "lowerlayerdown", "lower-layer-down", "notpresent", "not-present":
		return false
	}
	return l.AdminUp
}

// LinkRef names a device in a namespace.
type LinkRef struct {
	Namespace string `json:"namespace"` // "" = root
	Name      string `json:"name"`
	Index     int    `json:"index"`
}

// Addr is an address on a link.
type Addr struct {
	Prefix string `json:"prefix"` // 10.0.0.1/24, fe80::1/64
	Scope  string `json:"scope"`  // global, link, host
	Label  string `json:"label,omitempty"`
}

// Route is one route of any table.
type Route struct {
	Table    int    `json:"table"`
	Type     string `json:"type,omitempty"` // unicast, local, broadcast, blackhole...
	Dst      string `json:"dst"`            // prefix, or "default"
	Gateway  string `json:"gateway,omitempty"`
	Dev      string `json:"dev,omitempty"`
	Src      string `json:"src,omitempty"`
	Protocol string `json:"protocol,omitempty"`
	Scope    string `json:"scope,omitempty"`
	Metric   int    `json:"metric,omitempty"`
	Family   int    `json:"family"` // 4 or 6
}

// Rule is one policy-routing rule.
type Rule struct {
	Priority int    `json:"priority"`
	Family   int    `json:"family"`
	Src      string `json:"src,omitempty"`
	Dst      string `json:"dst,omitempty"`
	IIF      string `json:"iif,omitempty"`
	OIF      string `json:"oif,omitempty"`
	Mark     string `json:"fwmark,omitempty"`
	Table    int    `json:"table"`
}

// Neighbor is one ARP/ND cache entry.
type Neighbor struct {
	IP    string `json:"ip"`
	MAC   string `json:"mac,omitempty"`
	Dev   string `json:"dev"`
	State string `json:"state"`
}

// RouteTableMain and RouteTableLocal are the kernel's fixed table ids.
const (
	RouteTableMain  = 254
	RouteTableLocal = 255
)
