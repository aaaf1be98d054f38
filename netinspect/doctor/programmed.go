package doctor

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/ostopo/ostopo/netinspect/neutron"
	"github.com/ostopo/ostopo/netinspect/topo"
)

// portNotProgrammed reports ports plugged into the integration bridge
// (external_ids:iface-id) that the OVS agent has not programmed (see
// neutron.NotProgrammedProblem): an error, told together with the
// bridge's controller being disconnected when it is (the agent is not
// running, the usual cause). A port whose anti-spoofing flows alone are
// missing may only have port security disabled: that is said as
// information, not as an error the node cannot prove.
func portNotProgrammed(x *node) []Finding {
	disconnected, known := x.controllerDown()
	var out []Finding
	for i := range x.n.Ports {
		p := &x.n.Ports[i]
		unknown := neutron.PortProgrammedUnknown(p)
		if p.NotProgrammed == "" && unknown == "" {
			continue
		}
		objs := []Object{port(p.ID)}
		if p.NetworkID != "" {
			objs = append(objs, Object{"network", p.NetworkID})
		}
		ev := []string{fmt.Sprintf("OVSDB: Port %s on %s tag=%d ofport %d, external_ids:iface-id=%s", p.OVSPort, p.Bridge, p.LocalVLAN, p.OFPort, p.ID)}
		if p.NotProgrammed != "" {
			ev = append(ev, p.NotProgrammed)
		} else {
			ev = append(ev, unknown)
		}
		if p.Role == topo.RoleInstance && len(p.FixedIPs) == 0 {
			ev = append(ev, "its fixed IPs are unknown on this node: the flows that would record them are missing")
		}
		switch {
		case disconnected != "":
			ev = append(ev, disconnected)
		case !known:
			ev = append(ev, "whether the OVS agent is connected to "+orWord(p.Bridge, "br-int")+" is unknown ("+neutron.SourceNames(x.lacks(neutron.SourceConnectionState))+" not read)")
		}
		confirm := "ovs-ofctl dump-flows " + orWord(p.Bridge, "br-int") + " | grep -w in_port=" + strconv.Itoa(p.OFPort)
		if p.NotProgrammed == "" {
			out = append(out, Finding{Severity: Info, Objects: objs, Evidence: ev,
				Title: "port without the OVS agent's anti-spoofing flows: not programmed, or port security disabled",
				Fix:   "openstack port show " + p.ID + " -c port_security_enabled; if it is enabled, the agent has not programmed the port: " + x.restartAgent(topo.AgentOVS) + "; " + confirm})
			continue
		}
		fix := "the OVS agent programs a port when it binds it, and every port on a restart's resync: " + x.restartAgent(topo.AgentOVS)
		if disconnected == "" && known {
			fix += "; the agent is connected, so check its log for port " + p.ID
		}
		out = append(out, Finding{Severity: Error, Objects: objs, Evidence: ev, Fix: fix + "; then " + confirm})
	}
	return out
}

// controllerDown says, when the integration bridge's controller (the OVS
// agent's os-ken) is not connected, what shows it; "" when it is, or the
// bridge has none configured. known is false when whether it is
// connected was not read (an import whose outputs hold no is_connected:
// conf.db alone): then "" says nothing.
func (x *node) controllerDown() (down string, known bool) {
	if len(x.lacks(neutron.SourceConnectionState)) > 0 {
		return "", false
	}
	for _, role := range x.n.Bridges {
		if role.Role != topo.BridgeIntegration {
			continue
		}
		b := x.s.OVS.Bridge(role.Name)
		if b == nil || len(b.Controllers) == 0 {
			return "", true
		}
		var targets []string
		for _, c := range b.Controllers {
			if c.IsConnected {
				return "", true
			}
			targets = append(targets, c.Target)
		}
		return fmt.Sprintf("%s's controller %s is not connected: the OVS agent is not running, or not managing the bridge (finding controller/bridge/%s)", b.Name, strings.Join(targets, ", "), b.Name), true
	}
	return "", true
}

func orWord(s, alt string) string {
	if s == "" {
		return alt
	}
	return s
}
