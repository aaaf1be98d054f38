// Package topo is ostopo's pure model: one snapshot of a Neutron node, as raw
// facts (namespaces, links, OVSDB rows, flows, NAT rules, DHCP files) plus the
// Neutron meaning derived from them. It imports the standard library and
// safetext (itself standard library only), so every feature above it
// replays from a recorded snapshot on any OS.
package topo

import "time"

// Schema is the version string written to and required from every snapshot.
const Schema = "ostopo.snapshot/v1"

// Snapshot is everything ostopo knows about one node at one moment.
type Snapshot struct {
	Schema  string    `json:"schema"`
	Host    string    `json:"host"`
	TakenAt time.Time `json:"taken_at"`
	// Sources says, for every fact source, whether it answered and if not why.
	Sources    []Source    `json:"sources"`
	Namespaces []Namespace `json:"namespaces"`
	OVS        OVS         `json:"ovs"`
	Agent      AgentFiles  `json:"agent_files"`
	// Deployment is how the node runs its Neutron agents; nil (snapshots
	// recorded before it was read) is unknown.
	Deployment *Deployment `json:"deployment,omitempty"`
	Neutron    Neutron     `json:"neutron"`
	// OFTraces are ovs-appctl ofproto/trace verdicts recorded on the live
	// node (ostopo trace --record), so a replay shows them too.
	OFTraces []OFTraceRecord `json:"ofproto_traces,omitempty"`
	// ARPProbes are the duplicate-address probes sent on the live node
	// for the HA routers it holds (see ARPProbe); each has a source
	// "arp-probe/<namespace>".
	ARPProbes []ARPProbe `json:"arp_probes,omitempty"`
}

// OFTraceRecord is what ofproto/trace said about one packet on one bridge.
type OFTraceRecord struct {
	Bridge          string `json:"bridge"`
	Flow            string `json:"flow"` // the packet, as ofproto/trace was given it
	DatapathActions string `json:"datapath_actions"`
	Error           string `json:"error,omitempty"`
}

// Source records the outcome of reading one fact source.
type Source struct {
	// Name identifies the source: "ovsdb", "openflow/br-int",
	// "netlink/qrouter-…", "nat/qrouter-…", "sysctl/…", "agent-files".
	Name   string `json:"name"`
	OK     bool   `json:"ok"`
	Detail string `json:"detail,omitempty"` // where it was read from, which backend answered
	Error  string `json:"error,omitempty"`
}

// Source returns the named source record, or nil.
func (s *Snapshot) Source(name string) *Source {
	for i := range s.Sources {
		if s.Sources[i].Name == name {
			return &s.Sources[i]
		}
	}
	return nil
}

// FailedSources lists the sources that did not answer.
func (s *Snapshot) FailedSources() []Source {
	var out []Source
	for _, src := range s.Sources {
		if !src.OK {
			out = append(out, src)
		}
	}
	return out
}

// Namespace returns the namespace with that name ("" is the root), or nil.
func (s *Snapshot) Namespace(name string) *Namespace {
	for i := range s.Namespaces {
		if s.Namespaces[i].Name == name {
			return &s.Namespaces[i]
		}
	}
	return nil
}

// Root returns the node's own namespace (the one ostopo ran in), or nil.
func (s *Snapshot) Root() *Namespace {
	for i := range s.Namespaces {
		if s.Namespaces[i].Root {
			return &s.Namespaces[i]
		}
	}
	return nil
}

// AgentFiles holds what the Neutron agents keep on disk under their state dir.
type AgentFiles struct {
	StateDir string        `json:"state_dir,omitempty"`
	DHCP     []DHCPNetwork `json:"dhcp"`
	// HARouterStates maps router id to the keepalived state file's content
	// ("primary"/"backup"; "master" on releases before Victoria).
	HARouterStates map[string]string `json:"ha_router_states,omitempty"`
	// HAStateErrors maps router id to why ha_confs/<id>/state was not
	// read (there is a directory for the router but no state file, or it
	// could not be read): its HA state is unknown.
	HAStateErrors map[string]string `json:"ha_state_errors,omitempty"`
	// Keepalived maps router id to what its ha_confs/<id>/keepalived.conf
	// says.
	Keepalived map[string]KeepalivedConf `json:"keepalived,omitempty"`
}

// DHCPNetwork is one dnsmasq configuration directory, <state>/dhcp/<network id>.
type DHCPNetwork struct {
	NetworkID string     `json:"network_id"`
	Dir       string     `json:"dir"`
	Interface string     `json:"interface,omitempty"` // content of the "interface" file
	Hosts     []DHCPHost `json:"hosts"`
}

// DHCPHost is one line of a dnsmasq host file: mac,hostname,ip.
type DHCPHost struct {
	MAC      string `json:"mac"`
	Hostname string `json:"hostname,omitempty"`
	IP       string `json:"ip"`
	PortID   string `json:"port_id,omitempty"` // from a set:port-<id> tag, when present
}
