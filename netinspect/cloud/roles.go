package cloud

import "github.com/ostopo/ostopo/netinspect/topo"

// ProgramServer is neutron-server's program name. The collector does not
// look for it today (topo.AgentPrograms lists the node agents), so a
// snapshot tells the controller role only when its deployment facts name
// it.
const ProgramServer = "neutron-server"

// roles tells what the node is by what runs on it. Network and compute are
// read from the Neutron view (a failed source there shows in the node's
// health as unknown); controller is told only by the deployment facts, and
// is otherwise unknown rather than guessed.
func roles(s *topo.Snapshot) (have, unknown []string) {
	if isNetwork(s) {
		have = append(have, RoleNetwork)
	}
	for _, p := range s.Neutron.Ports {
		if p.Role == topo.RoleInstance {
			have = append(have, RoleCompute)
			break
		}
	}
	switch ctl := controller(s); {
	case ctl == nil:
		unknown = append(unknown, RoleController+" unknown: the snapshot does not say whether neutron-server runs there")
	case *ctl:
		have = append(have, RoleController)
	}
	return have, unknown
}

// isNetwork: an L3 router namespace that is not a distributed router's
// node-local copy (every DVR compute node has one), a DVR router's
// centralized SNAT, or a DHCP namespace.
func isNetwork(s *topo.Snapshot) bool {
	for _, r := range s.Neutron.Routers {
		if r.Kind != "dvr" || r.DVR != nil && r.DVR.Mode == topo.DVRSNAT || r.SNATNamespace != "" {
			return true
		}
	}
	for _, n := range s.Neutron.Networks {
		if n.DHCPNamespace != "" {
			return true
		}
	}
	for _, p := range s.Neutron.Ports {
		if p.Role == topo.RoleDHCP {
			return true
		}
	}
	return false
}

// controller says whether neutron-server runs on the node: true or false
// when the deployment facts name it, nil when they cannot tell.
func controller(s *topo.Snapshot) *bool {
	d := s.Deployment
	if d == nil {
		return nil
	}
	for _, a := range d.Agents {
		if a.Program != ProgramServer {
			continue
		}
		if a.Running != nil {
			return a.Running
		}
		if a.Runs != "" {
			yes := true
			return &yes
		}
	}
	return nil
}
