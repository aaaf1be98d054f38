//go:build linux

package collect

import (
	"slices"
	"testing"

	"github.com/ostopo/ostopo/netinspect/topo"
)

// Where iptables-save is looked for when the host has none follows how the
// node runs its L3 agent.
func TestL3Containers(t *testing.T) {
	for _, c := range []struct {
		name string
		d    *topo.Deployment
		want []string
	}{
		{"unknown", &topo.Deployment{}, []string{"neutron_l3_agent"}},
		{"kolla", &topo.Deployment{Style: topo.DeployKolla, Engine: "podman"}, []string{"neutron_l3_agent"}},
		{"own name", &topo.Deployment{Style: topo.DeployKolla, Agents: []topo.AgentRun{
			{Program: topo.AgentL3, Runs: topo.RunsContainer, Engine: "docker", Container: "l3_blue"}}}, []string{"l3_blue", "neutron_l3_agent"}},
		{"systemd", &topo.Deployment{Style: topo.DeploySystemd}, nil},
		{"process", &topo.Deployment{Agents: []topo.AgentRun{{Program: topo.AgentL3, Runs: topo.RunsProcess, PID: 3}}}, nil},
	} {
		r := &deployRead{done: make(chan struct{}), d: c.d}
		close(r.done)
		if got := r.l3Containers(); !slices.Equal(got, c.want) {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}
