// Package doctor finds what is wrong on a node before anyone asks: each
// check is a pure function of a snapshot that returns findings with a
// stable id, a severity, the objects involved, the facts that show it and
// what to do.
package doctor

import (
	"cmp"
	"slices"

	"github.com/ostopo/ostopo/netinspect/topo"
)

// Severities, most severe first.
const (
	Error   = "error"
	Warning = "warning"
	Info    = "info"
)

// Object names one thing a finding is about.
type Object struct {
	Kind string `json:"kind"` // port, network, router, namespace, bridge, tunnel, patch, nic, route
	ID   string `json:"id"`
}

// Finding is one problem on the node.
type Finding struct {
	// ID is stable across runs for the same problem: check + "/" + object.
	ID       string   `json:"id"`
	Check    string   `json:"check"`
	Severity string   `json:"severity"`
	Title    string   `json:"title"`
	Objects  []Object `json:"objects"`
	Evidence []string `json:"evidence"`
	Fix      string   `json:"fix"`
}

// Check is one kind of problem and how to find it.
type Check struct {
	ID    string
	Title string
	Run   func(*node) []Finding
}

// Checks lists every check, in the order they are run and documented.
func Checks() []Check {
	return []Check{
		{"dead-vlan", "port in the dead VLAN 4095", deadVLAN},
		{"chain-broken", "instance chain tap–qbr–qvb⇄qvo broken", chainBroken},
		{"device-down", "device of a port's chain is down", deviceDown},
		{"mtu-mismatch", "MTU differs along a chain or from the network", mtuMismatch},
		{"tag-mismatch", "OVS tag differs from other_config:tag", tagMismatch},
		{"vlan-shared", "two networks on one local VLAN", vlanShared},
		{"vlan-unmapped", "local VLAN without its tunnel or physical mapping flows", vlanUnmapped},
		{"patch-peer", "patch port whose peer is missing", patchPeer},
		{"tunnel-local-ip", "tunnel whose local IP is on no interface", tunnelLocalIP},
		{"namespace-orphan", "namespace left behind", namespaceOrphan},
		{"namespace-empty", "namespace with no devices", namespaceEmpty},
		{"router-forwarding", "router namespace does not forward", routerForwarding},
		{"fip-nat", "floating IP address and DNAT rule disagree", fipNAT},
		{"router-interface-address", "router interface without an address", routerInterfaceAddress},
		{"router-duplicate-address", "address on two router ports", routerDuplicateAddress},
		{"dhcp-port", "DHCP namespace without its address or its tap on br-int", dhcpPort},
		{"default-route-via-bridge-port", "host's route leaves through a port of an OVS bridge, or a device that is down or without carrier", defaultRouteViaBridgePort},
		{"provider-nic-address", "provider NIC holds an address", providerNICAddress},
		{"fail-mode", "Neutron bridge not in fail_mode secure", failMode},
		{"controller", "bridge without a connected controller", controller},
	}
}

// Run runs every check and returns the findings, most severe first.
func Run(s *topo.Snapshot) []Finding {
	n := newNode(s)
	var out []Finding
	for _, c := range Checks() {
		for _, f := range c.Run(n) {
			f.Check = c.ID
			if f.Title == "" {
				f.Title = c.Title
			}
			if f.Evidence == nil {
				f.Evidence = []string{}
			}
			if len(f.Objects) > 0 {
				f.ID = c.ID + "/" + f.Objects[0].Kind + "/" + f.Objects[0].ID
			} else {
				f.ID = c.ID
			}
			out = append(out, f)
		}
	}
	slices.SortStableFunc(out, func(a, b Finding) int {
		if c := cmp.Compare(rank(a.Severity), rank(b.Severity)); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return out
}

func rank(sev string) int { return slices.Index([]string{Error, Warning, Info}, sev) }

// ExitCode is 0 clean, 1 warnings only, 2 errors (for cron and monitoring).
func ExitCode(fs []Finding) int {
	code := 0
	for _, f := range fs {
		switch f.Severity {
		case Error:
			return 2
		case Warning:
			code = 1
		}
	}
	return code
}
