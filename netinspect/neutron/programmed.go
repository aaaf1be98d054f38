package neutron

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/ostopo/ostopo/netinspect/topo"
)

// NotProgrammedProblem is how a port plugged into the integration bridge
// but not programmed by the OVS agent is named wherever it is reported
// (the port's problems, a trace's broken hop, the doctor).
const NotProgrammedProblem = "port plugged but not programmed by the OVS agent"

// Which flows the OVS agent installs for every port it binds, read from
// Neutron Zed (ovs_neutron_agent.py, openflow/native/br_int.py,
// openvswitch_firewall/firewall.py):
//
//   - OVS firewall (firewall_driver = openvswitch): prepare_port_filter
//     (port security on: initialize_port_flows), _initialize_egress_no_
//     port_security (port security off) and process_trusted_ports
//     (network:* ports: router and DHCP ports) all install table 60
//     priority 100 in_port=<ofport> loading reg5/reg6. So does every port
//     of the node, whatever its owner and port security.
//   - iptables_hybrid or noop: setup_arp_spoofing_protection gives an
//     instance port with port security table 0 priority 10 (arp, icmp6 NA)
//     → 24 and priority 9 → 25, and table 24/25 arp_spa / dl_src flows.
//     A port without port security, and every network:* port, gets none
//     (set_allowed_macs_for_port(allow_all=True) removes them), so only
//     instance ports are held to it, and the finding says port security.
//
// Besides flows, bind sets the port's VLAN tag (port_bound); an untagged
// port with an iface-id was never bound. A port the agent found unusable
// is in the dead VLAN 4095 (reported as dead, not here).
const (
	modeUnknown   = iota // br-int carries flows that are not the agent's: nothing to expect
	modeBare             // br-int has no flow at all
	modeFirewall         // the OVS firewall's tables are present
	modeAntiSpoof        // the agent's own anti-spoofing (iptables_hybrid, noop)
)

// portFlows is what br-int's flows say about its ports, read once.
type portFlows struct {
	mode int
	// firewall holds the ofports with the OVS firewall's entry flow
	// (table 60 priority 100 in_port), antiSpoof those with the agent's
	// anti-spoofing flows (table 0 priority 9/10, 24, 25 in_port). Either
	// is the agent's work: a port with one is programmed, whatever the
	// node's mode (a node moving between drivers has both for a while).
	firewall, antiSpoof map[int]bool
	// others counts, per ofport, the flows that still name it otherwise
	// (reg5=, output:): what is left of an earlier programming.
	others map[int]int
}

// readPortFlows classifies the integration bridge's flows.
func (x *index) readPortFlows(b *topo.Bridge) *portFlows {
	pf := &portFlows{firewall: map[int]bool{}, antiSpoof: map[int]bool{}, others: map[int]int{}}
	if len(b.Flows) == 0 {
		pf.mode = modeBare
		return pf
	}
	agent, firewall := false, false
	for fi := range b.Flows {
		f := &b.Flows[fi]
		switch f.Table {
		case 23: // CANARY_TABLE: only the agent writes it
			agent = true
		case 71, 72, 73, 81, 82: // the OVS firewall's base and rules tables
			firewall = true
		}
	}
	switch {
	case !agent:
		return pf // modeUnknown
	case firewall:
		pf.mode = modeFirewall
	default:
		pf.mode = modeAntiSpoof
	}
	for fi := range b.Flows {
		f := &b.Flows[fi]
		in := -1
		if v, ok := f.MatchField("in_port"); ok {
			if n, err := strconv.Atoi(v); err == nil {
				in = n
			} else {
				in = x.ofportOf(b, v)
			}
		}
		switch {
		case in < 0:
		case f.Table == 60 && f.Priority == 100:
			pf.firewall[in] = true
			continue
		case f.Table == 0 && (f.Priority == 9 || f.Priority == 10) || f.Table == 24 || f.Table == 25:
			pf.antiSpoof[in] = true
			continue
		}
		if r, ok := f.MatchInt("reg5"); ok {
			pf.others[r]++
			continue
		}
		for _, o := range f.Outputs() {
			if n, err := strconv.Atoi(o); err == nil {
				pf.others[n]++
			} else if n := x.ofportOf(b, o); n > 0 {
				pf.others[n]++
			}
		}
	}
	return pf
}

// programmed marks the ports plugged into the integration bridge (an
// OVS port with external_ids:iface-id) that the OVS agent has not
// programmed: no VLAN tag, or none of the flows it installs for every
// port it binds. When br-int's flows were not read nothing is said (that
// is unknown, not unprogrammed); when the missing flows are ones the
// agent leaves out for a port without port security, whether the port is
// programmed is unknown (ProgrammedUnknown), not denied. An instance
// port whose fixed IPs the node then holds nowhere has them unknown, not
// none: a compute node records them only in those flows.
func (d *deriver) programmed() {
	ib := d.x.integration
	if ib == nil || !d.rd.ovsdb {
		return
	}
	var pf *portFlows
	if d.rd.flows[ib.Name] {
		pf = d.x.readPortFlows(ib)
	}
	// Without the interfaces' external_ids, whether a port has an
	// iface-id (the agent binds only those) is unknown: the ports
	// Neutron's names tell are judged, and a verdict against one is
	// unknown, not definite.
	idUnread := d.rd.lacks(SourceInterfaceConfig)
	for i := range d.out.Ports {
		p := &d.out.Ports[i]
		if p.Bridge != ib.Name || p.Dead {
			continue
		}
		op, ok := d.x.ports[p.OVSPort]
		if !ok || op.bridge != ib || op.iface == nil || op.iface.ExternalIDs["iface-id"] == "" && !idUnread {
			continue
		}
		if pf != nil && pf.mode == modeFirewall && p.Firewall == topo.FirewallDirect {
			// A tap whose entry flow is gone is still the OVS
			// firewall's: the node's driver says so, not the port.
			p.Firewall = topo.FirewallOVS
		}
		why, definite := "", true
		switch {
		case op.port.Tag == 0:
			why = "no local VLAN tag on " + p.OVSPort + ": the agent never bound it"
		case pf != nil && d.rd.lacks(SourceOFPort):
			// The flows name the port by a number that was not read.
			p.Unknown = append(p.Unknown, ProgrammedUnknown+" ("+SourceNames(d.rd.ovsUnread[SourceOFPort])+" not read: the flows name the port by its OpenFlow number)")
			continue
		case pf == nil || op.iface.OFPort <= 0:
			// Flows not read, or a device OVS cannot use (reported as
			// such): nothing to tell.
		default:
			why, definite = pf.missing(p, op.iface.OFPort, ib.Name)
		}
		if why != "" && idUnread {
			why, definite = SourceNames(d.rd.ovsUnread[SourceInterfaceConfig])+" not read: whether the port has external_ids:iface-id, by which the agent binds it; "+why, false
		}
		switch {
		case why == "":
			continue
		case definite:
			p.NotProgrammed = why
			p.Problems = append(p.Problems, NotProgrammedProblem+": "+why)
		default:
			p.Unknown = append(p.Unknown, ProgrammedUnknown+" ("+why+")")
		}
		if p.Role == topo.RoleInstance && len(p.FixedIPs) == 0 {
			p.Unknown = append(p.Unknown, "fixed IPs: unknown (the node records an instance's addresses only in the anti-spoofing flows the agent installs when it programs the port, and in DHCP host files, which hold none for it)")
		}
	}
}

// ProgrammedUnknown starts the unknown of a port whose programming the
// node cannot tell (see PortProgrammedUnknown).
const ProgrammedUnknown = "programmed by the OVS agent: unknown"

// PortProgrammedUnknown returns the port's unknown saying whether the
// agent programmed it cannot be told, or "".
func PortProgrammedUnknown(p *topo.NPort) string {
	for _, u := range p.Unknown {
		if strings.HasPrefix(u, ProgrammedUnknown) {
			return u
		}
	}
	return ""
}

// missing says which flows the agent would have installed for the port
// are absent ("" when they are there, or when nothing is expected of
// it), and whether that proves the port unprogrammed: the OVS firewall's
// entry flow does (every port gets one), the anti-spoofing flows do not
// (a port without port security gets none, and the node does not record
// port security).
func (pf *portFlows) missing(p *topo.NPort, ofport int, bridge string) (string, bool) {
	var why string
	definite := true
	switch {
	case pf.mode == modeBare:
		return bridge + " has no flows at all (ovs-vswitchd restarted or the flows were deleted, and the agent has not reprogrammed the bridge)", true
	case pf.firewall[ofport] || pf.antiSpoof[ofport]:
		return "", false
	case pf.mode == modeFirewall:
		why = fmt.Sprintf("no %s table 60 priority 100 in_port=%d flow, which the OVS firewall installs for every port it handles, with or without port security", bridge, ofport)
	case pf.mode == modeAntiSpoof:
		if p.Role != topo.RoleInstance {
			return "", false
		}
		why = fmt.Sprintf("no %s table 0/24/25 in_port=%d anti-spoofing flow: either the agent has not programmed the port, or the port has port security disabled, for which it installs none; openstack port show %s -c port_security_enabled tells", bridge, ofport, p.ID)
		definite = false
	default:
		return "", false
	}
	if n := pf.others[ofport]; n > 0 {
		why += fmt.Sprintf("; %d other flow(s) still name ofport %d (reg5/output): left from an earlier programming", n, ofport)
	}
	return why, definite
}

// NotProgrammed returns the ports of a snapshot's Neutron view that are
// plugged but not programmed by the OVS agent.
func NotProgrammed(n *topo.Neutron) []*topo.NPort {
	var out []*topo.NPort
	for i := range n.Ports {
		if n.Ports[i].NotProgrammed != "" {
			out = append(out, &n.Ports[i])
		}
	}
	return out
}
