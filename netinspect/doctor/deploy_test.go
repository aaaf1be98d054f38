package doctor_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/ostopo/ostopo/fixtures/fixturetest"
	"github.com/ostopo/ostopo/netinspect/doctor"
	"github.com/ostopo/ostopo/netinspect/neutron"
	"github.com/ostopo/ostopo/netinspect/topo"
)

// packaged is a node of distribution packages: each agent a systemd unit.
func packaged(running bool) *topo.Deployment {
	d := &topo.Deployment{Style: topo.DeploySystemd, ProcessesRead: true}
	for i, prog := range topo.AgentPrograms() {
		r := running
		d.Agents = append(d.Agents, topo.AgentRun{Program: prog, Runs: topo.RunsSystemd, Running: &r, Unit: prog + ".service"})
		if running {
			d.Agents[i].PID = 900 + i
		}
	}
	return d
}

// fixOf returns the fix of the first finding of a check.
func fixOf(t *testing.T, fs []doctor.Finding, check string) string {
	t.Helper()
	for _, f := range fs {
		if f.Check == check {
			return f.Fix
		}
	}
	t.Fatalf("no %s finding among %d", check, len(fs))
	return ""
}

// On a packaged node the hints restart the agents' units, and name no
// kolla container or docker.
func TestHintsOnPackagedNode(t *testing.T) {
	s := fixturetest.Load(t, "bad")
	s.Deployment = packaged(true)
	fs := doctor.Run(s)
	for _, f := range fs {
		for _, kolla := range []string{"neutron_l3_agent", "neutron_openvswitch_agent", "neutron_dhcp_agent", "docker", "kolla"} {
			if strings.Contains(f.Fix, kolla) {
				t.Errorf("%s: fix names %s on a packaged node: %q", f.ID, kolla, f.Fix)
			}
		}
	}
	for check, want := range map[string]string{
		"fip-nat":       "systemctl restart neutron-l3-agent: it rewrites the router's NAT",
		"tag-mismatch":  "systemctl restart neutron-openvswitch-agent: it re-tags ports",
		"vlan-unmapped": "systemctl restart neutron-openvswitch-agent: it provisions",
	} {
		if got := fixOf(t, fs, check); !strings.HasPrefix(got, want) {
			t.Errorf("%s: %q, want it to begin %q", check, got, want)
		}
	}
	found := false
	for _, f := range fs {
		if f.Check == "dead-vlan" && strings.HasPrefix(f.Fix, "check that ") {
			found = true
			if !strings.Contains(f.Fix, "check that neutron-openvswitch-agent.service runs") {
				t.Errorf("never-bound port: %q", f.Fix)
			}
		}
	}
	if !found {
		t.Error("no never-bound port among the findings")
	}
}

// The same findings on other nodes: kolla under podman, agents run by
// hand, agents known not to run, and a snapshot recorded before the
// deployment was read (the neutral wording, naming both).
func TestHintsFollowTheDeployment(t *testing.T) {
	kolla := &topo.Deployment{Style: topo.DeployKolla, Engine: "podman"}
	running := true
	process := &topo.Deployment{Style: topo.DeployProcess, ProcessesRead: true, Agents: []topo.AgentRun{
		{Program: topo.AgentL3, Runs: topo.RunsProcess, Running: &running, PID: 4242, Command: "/usr/bin/neutron-l3-agent"}}}
	for _, c := range []struct {
		name string
		d    *topo.Deployment
		want string
	}{
		{"kolla podman", kolla, "podman restart neutron_l3_agent: it rewrites"},
		{"process", process, "restart the neutron-l3-agent process (pid 4242, /usr/bin/neutron-l3-agent; no service manager runs it"},
		{"not running", packaged(false), "no neutron-l3-agent process runs on this node; systemctl restart neutron-l3-agent: it rewrites"},
		{"old snapshot", nil, "restart the L3 agent (neutron_l3_agent in kolla, neutron-l3-agent elsewhere): it rewrites"},
	} {
		s := fixturetest.Load(t, "bad")
		s.Deployment = c.d
		if got := fixOf(t, doctor.Run(s), "fip-nat"); !strings.HasPrefix(got, c.want) {
			t.Errorf("%s: %q, want it to begin %q", c.name, got, c.want)
		}
	}
}

// The OVS agent's own hints on the all-in-one node: the tunnel's local IP
// is set where the deployment sets it, and a bridge without its controller
// says the agent does not run when that is known.
func TestOVSAgentHints(t *testing.T) {
	breakIt := func(s *topo.Snapshot) {
		ovsPort(s, s.Neutron.Tunnels[0].Port).Interfaces[0].Options["local_ip"] = "192.0.2.99"
		for i := range s.OVS.Bridge("br-int").Controllers {
			s.OVS.Bridge("br-int").Controllers[i].IsConnected = false
		}
	}
	for _, c := range []struct {
		name               string
		d                  *topo.Deployment
		tunnel, controller string
	}{
		// As recorded: the lab runs its agents as processes (pid XXX is
		// the recorded one's).
		{"recorded", nil,
			"restore the tunnel interface's address, or fix [ovs] local_ip in openvswitch_agent.ini and restart the neutron-openvswitch-agent process (pid XXX, /usr/bin/neutron-openvswitch-agent; no service manager runs it: stop it and start it again as it was started)",
			"is neutron-openvswitch-agent (pid XXX) running? (its os-ken controller listens on tcp:127.0.0.1:6633); restart the neutron-openvswitch-agent process (pid XXX, /usr/bin/neutron-openvswitch-agent; no service manager runs it: stop it and start it again as it was started)"},
		{"packaged, stopped", packaged(false),
			"restore the tunnel interface's address, or fix [ovs] local_ip in openvswitch_agent.ini and systemctl restart neutron-openvswitch-agent",
			"no neutron-openvswitch-agent process runs on this node; systemctl restart neutron-openvswitch-agent; its os-ken controller listens on tcp:127.0.0.1:6633"},
		{"kolla", &topo.Deployment{Style: topo.DeployKolla, Engine: "docker"},
			"restore the tunnel interface's address, or fix [ovs] local_ip (kolla-ansible: tunnel_interface in globals.yml, then kolla-ansible reconfigure) and docker restart neutron_openvswitch_agent",
			"is container neutron_openvswitch_agent running? (its os-ken controller listens on tcp:127.0.0.1:6633); docker restart neutron_openvswitch_agent"},
		{"unknown", nil,
			"restore the tunnel interface's address, or fix [ovs] local_ip (kolla: tunnel_interface) and restart the OVS agent (neutron_openvswitch_agent in kolla, neutron-openvswitch-agent elsewhere)",
			"is the OVS agent (neutron_openvswitch_agent in kolla, neutron-openvswitch-agent elsewhere) running? (its os-ken controller listens on tcp:127.0.0.1:6633)"},
	} {
		s := fixturetest.Load(t, "aio")
		breakIt(s)
		s.Neutron = neutron.Derive(s)
		if c.name == "recorded" {
			pid := strconv.Itoa(s.AgentRun(topo.AgentOVS).PID)
			c.tunnel, c.controller = strings.ReplaceAll(c.tunnel, "XXX", pid), strings.ReplaceAll(c.controller, "XXX", pid)
		} else {
			s.Deployment = c.d
		}
		fs := doctor.Run(s)
		if got := fixOf(t, fs, "tunnel-local-ip"); got != c.tunnel {
			t.Errorf("%s: tunnel %q, want %q", c.name, got, c.tunnel)
		}
		if got := fixOf(t, fs, "controller"); got != c.controller {
			t.Errorf("%s: controller %q, want %q", c.name, got, c.controller)
		}
	}
}
