//go:build linux

package collect

import (
	"context"

	"github.com/ostopo/ostopo/netinspect/topo"
)

// deployRead is the node's deployment, read alongside the rest of the
// snapshot: a /proc scan, a few milliseconds, that the NAT reader may wait
// for.
type deployRead struct {
	done chan struct{}
	d    *topo.Deployment
}

// startDeployment reads how the node runs its agents (ReadDeployment),
// recorded as the source "deployment".
func startDeployment(ctx context.Context, o Options, rec *recorder) *deployRead {
	r := &deployRead{done: make(chan struct{})}
	go func() {
		defer close(r.done)
		d, detail, err := ReadDeployment(ctx, o)
		rec.add("deployment", detail, err)
		r.d = &d
	}()
	return r
}

func (r *deployRead) wait() *topo.Deployment {
	<-r.done
	return r.d
}

// l3Containers names the containers iptables-save may be run in when the
// host has none: the L3 agent's own when it runs in one (whatever it is
// called), kolla's neutron_l3_agent when how it runs is unknown, none when
// it runs on the host (a container would not be its namespaces' view).
func (r *deployRead) l3Containers() []string {
	a := (&topo.Snapshot{Deployment: r.wait()}).AgentRun(topo.AgentL3)
	switch {
	case a.Runs == topo.RunsContainer && a.Container != "" && a.Container != kollaL3Container:
		return []string{a.Container, kollaL3Container}
	case a.Runs == topo.RunsContainer || a.Runs == "":
		return []string{kollaL3Container}
	}
	return nil
}
