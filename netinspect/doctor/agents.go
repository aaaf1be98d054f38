package doctor

import "github.com/ostopo/ostopo/netinspect/topo"

// restartAgent is how a fix restarts one of the node's agents: the command
// for how this node runs it (topo.Snapshot.AgentRun: docker restart
// neutron_l3_agent, systemctl restart neutron-l3-agent, the process), or
// its names in every style when that is unknown. When its process is known
// not to run, the fix says so first.
func (x *node) restartAgent(program string) string {
	a := x.s.AgentRun(program)
	if a.NotRunning() {
		return "no " + program + " process runs on this node; " + a.Restart()
	}
	return a.Restart()
}

// localIPSetting names where a tunnel's local IP is configured, as the
// node's deployment has it.
func (x *node) localIPSetting() string {
	switch a := x.s.AgentRun(topo.AgentOVS); a.Runs {
	case topo.RunsSystemd, topo.RunsProcess:
		return "[ovs] local_ip in openvswitch_agent.ini"
	case topo.RunsContainer:
		if x.s.Deployment != nil && x.s.Deployment.Style == topo.DeployKolla {
			return "[ovs] local_ip (kolla-ansible: tunnel_interface in globals.yml, then kolla-ansible reconfigure)"
		}
		return "[ovs] local_ip in openvswitch_agent.ini"
	}
	return "[ovs] local_ip (kolla: tunnel_interface)"
}

// controllerFix asks whether the OVS agent, whose os-ken controller the
// bridges connect to, runs; or says it does not.
func (x *node) controllerFix() string {
	const listens = "its os-ken controller listens on tcp:127.0.0.1:6633"
	a := x.s.AgentRun(topo.AgentOVS)
	switch {
	case a.NotRunning():
		return x.restartAgent(topo.AgentOVS) + "; " + listens
	case a.Runs == "":
		return "is " + a.Name() + " running? (" + listens + ")"
	}
	return "is " + a.Name() + " running? (" + listens + "); " + a.Restart()
}
