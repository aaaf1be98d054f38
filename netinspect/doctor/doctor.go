// Package doctor finds what is wrong on a node before anyone asks: each
// check is a pure function of a snapshot that returns findings with a
// stable id, a severity, the objects involved, the facts that show it and
// what to do.
package doctor

import (
	"cmp"
	"slices"

	"github.com/ostopo/ostopo/netinspect/neutron"
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
	// Needs names the sources the check reads (see neutron.Unread: a
	// name must have been read, every read member of a family such as
	// "netlink/" too). A check whose sources were not all read does not
	// run: an absence it would take for a problem, or a presence for
	// health, may only be what was not read.
	Needs []string
	Run   func(*node) []Finding
}

// Source families and names the checks need.
const (
	srcOVSDB   = "ovsdb"
	srcFlows   = "openflow/"
	srcRoot    = "netlink/(root)"
	srcNetns   = "netns"
	srcNetlink = "netlink/"
	srcSysctl  = "sysctl/"
	srcNAT     = "nat/"
	// srcAgentFiles holds the HA routers' state files.
	srcAgentFiles = "agent-files"
)

// srcIntFlows is the integration bridge's flows. It names the bridge by
// Neutron's default ([ovs] integration_bridge); resolveNeeds puts in the
// name the node's integration bridge really has.
const srcIntFlows = "openflow/br-int"

// resolveNeeds names the integration bridge's flow source after the bridge
// the Neutron view found in that role (a node may name it otherwise).
func resolveNeeds(s *topo.Snapshot, needs []string) []string {
	var intBridge string
	for _, b := range s.Neutron.Bridges {
		if b.Role == topo.BridgeIntegration {
			intBridge = b.Name
		}
	}
	if intBridge == "" || !slices.Contains(needs, srcIntFlows) {
		return needs
	}
	out := slices.Clone(needs)
	for i, n := range out {
		if n == srcIntFlows {
			out[i] = srcFlows + intBridge
		}
	}
	return out
}

// Checks lists every check, in the order they are run and documented.
func Checks() []Check {
	ovs := []string{srcOVSDB}
	chain := []string{srcOVSDB, srcRoot}
	devs := []string{srcOVSDB, srcRoot, srcNetns, srcNetlink}
	ns := []string{srcNetns, srcNetlink}
	// The finer OVSDB sources an import may lack (neutron.Source*): a
	// live snapshot has no record of them, and then OVSDB's stands for
	// them (neutron.Unread).
	portConfig := append(slices.Clone(ovs), neutron.SourcePortConfig)
	return []Check{
		{"dead-vlan", "port in the dead VLAN 4095", ovs, deadVLAN},
		// Which ports the agent binds (iface-id), and the flows naming
		// them by number (ofport).
		{"port-not-programmed", neutron.NotProgrammedProblem, []string{srcOVSDB, neutron.SourceInterfaceConfig, neutron.SourceOFPort, srcIntFlows}, portNotProgrammed},
		{"chain-broken", "instance chain tap–qbr–qvb⇄qvo broken", chain, chainBroken},
		{"device-down", "device of a port's chain is set down", devs, deviceDown},
		{"device-no-carrier", "device of a port's chain is up but has no carrier", devs, deviceNoCarrier},
		{"mtu-mismatch", "MTU differs along a chain or from the network", devs, mtuMismatch},
		{"tag-mismatch", "OVS tag differs from other_config:tag", portConfig, tagMismatch},
		// A port's network is its other_config:net_uuid.
		{"vlan-shared", "two networks on one local VLAN", portConfig, vlanShared},
		// A network's type and segment are its ports' other_config.
		{"vlan-unmapped", "local VLAN without its tunnel or physical mapping flows", []string{srcOVSDB, neutron.SourcePortConfig, srcFlows}, vlanUnmapped},
		{"patch-peer", "patch port whose peer is missing", ovs, patchPeer},
		{"tunnel-local-ip", "tunnel whose local IP is on no interface", chain, tunnelLocalIP},
		{"namespace-orphan", "namespace left behind", []string{srcOVSDB, srcNetns, srcNetlink}, namespaceOrphan},
		{"namespace-empty", "namespace with no devices", ns, namespaceEmpty},
		{"router-forwarding", "router namespace does not forward", []string{srcNetns, srcNetlink, srcSysctl}, routerForwarding},
		{"fip-nat", "floating IP address and DNAT rule disagree", []string{srcNetns, srcNetlink, srcNAT}, fipNAT},
		{"ha-active-on-two-nodes", "HA router active on two nodes (another node answered for its gateway address)", ns, haActiveOnTwoNodes},
		{"ha-state", "HA router's state file disagrees with its addresses, or says FAULT", []string{srcAgentFiles, srcNetns, srcNetlink}, haStateFindings},
		{"router-interface-address", "router interface without an address", ns, routerInterfaceAddress},
		{"router-duplicate-address", "address on two router ports", ns, routerDuplicateAddress},
		{"dhcp-port", "DHCP namespace without its address or its tap on br-int", []string{srcOVSDB, srcNetns, srcNetlink}, dhcpPort},
		{"default-route-via-bridge-port", "host's route leaves through a port of an OVS bridge, or a device that is down or without carrier", chain, defaultRouteViaBridgePort},
		{"provider-nic-address", "provider NIC holds an address", chain, providerNICAddress},
		{"fail-mode", "Neutron bridge not in fail_mode secure", ovs, failMode},
		{"controller", "bridge without a connected controller", []string{srcOVSDB, neutron.SourceConnectionState}, controller},
	}
}

// Unchecked is a check that did not run because facts it reads were not,
// or that ran but not on every object: some objects' facts were not read
// (an HA router's state file, its duplicate-address probe).
type Unchecked struct {
	Check string `json:"check"`
	Title string `json:"title"`
	// Sources are the ones it needs that were not read, with their errors
	// (neutron.NotRecorded for one the snapshot has no record of).
	Sources []topo.Source `json:"sources"`
}

// Result is what the doctor found, and what it could not look at.
type Result struct {
	// Findings come from the checks that ran, most severe first.
	Findings []Finding `json:"findings"`
	// Unchecked are the checks that did not run, in check order.
	Unchecked []Unchecked `json:"unchecked"`
	// Checks is how many checks there are (ran or not).
	Checks int `json:"checks"`
	// NoFacts is set when the snapshot records no source at all: nothing
	// was read, so nothing can be said.
	NoFacts bool `json:"no_facts,omitempty"`
}

// Examine runs every check whose sources were read and returns the
// findings, most severe first, and the checks that could not run.
func Examine(s *topo.Snapshot) Result {
	n := newNode(s)
	checks := Checks()
	r := Result{Findings: []Finding{}, Unchecked: []Unchecked{}, Checks: len(checks), NoFacts: len(s.Sources) == 0}
	for _, c := range checks {
		if unread := neutron.Unread(s, resolveNeeds(s, c.Needs)...); len(unread) > 0 {
			r.Unchecked = append(r.Unchecked, Unchecked{Check: c.ID, Title: c.Title, Sources: unread})
			continue
		}
		if unread := partialUnread(c.ID, n); len(unread) > 0 {
			// It runs on the objects whose facts were read; of these it
			// cannot say.
			r.Unchecked = append(r.Unchecked, Unchecked{Check: c.ID, Title: c.Title, Sources: unread})
		}
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
			r.Findings = append(r.Findings, f)
		}
	}
	slices.SortStableFunc(r.Findings, func(a, b Finding) int {
		if c := cmp.Compare(rank(a.Severity), rank(b.Severity)); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return r
}

// Run returns the findings of the checks that could run (Examine without
// the checks that could not: use Examine wherever "nothing found" is said).
func Run(s *topo.Snapshot) []Finding { return Examine(s).Findings }

func rank(sev string) int { return slices.Index([]string{Error, Warning, Info}, sev) }

// ExitCode follows the monitoring-plugin convention: 0 ok, 1 warning,
// 2 error, 3 unknown. An error found on facts that were read is real
// whatever else could not be read, and the most urgent news for whoever
// is paged, so it wins; otherwise a check that could not run makes the
// answer unknown (its error may be hiding there), which outranks
// warnings; then warnings; then clean.
func (r Result) ExitCode() int {
	code := ExitCode(r.Findings)
	switch {
	case code == 2:
		return 2
	case len(r.Unchecked) > 0:
		return 3
	}
	return code
}

// ExitCode is 0 clean, 1 warnings only, 2 errors, for findings alone: it
// knows nothing of checks that could not run (Result.ExitCode does).
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
