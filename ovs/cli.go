package ovs

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"

	"github.com/ostopo/ostopo/netinspect/run"
	"github.com/ostopo/ostopo/netinspect/topo"
)

// KollaContainer is where kolla-ansible runs ovs-vswitchd and its tools.
const KollaContainer = "openvswitch_vswitchd"

// OpenFlow reads the flow tables of bridges with ovs-ofctl. The dump is
// parsed by ParseDumpFlows: go-openvswitch's parsers drop counters and fail
// on OVS 3.x dump-tables output, so only its exec seam shape is kept
// (run.Runner is an ExecFunc with a context).
type OpenFlow struct {
	tool   run.Tool
	runner run.Runner
	rundir string
	// timeout is passed to ovs-ofctl as --timeout, so a wedged vswitchd
	// cannot hold the snapshot.
	timeout int
}

// NewOpenFlow finds ovs-ofctl on the host or in kolla's container. rundir,
// when set (--ovs-rundir, OVS_RUNDIR), is where <bridge>.mgmt sockets live;
// they are then named explicitly, which works the same on the host and in a
// container that mounts /run/openvswitch.
func NewOpenFlow(ctx context.Context, r run.Runner, rundir string) (*OpenFlow, error) {
	tool, err := run.Find(ctx, r, "ovs-ofctl", []string{KollaContainer})
	if err != nil {
		return nil, err
	}
	return &OpenFlow{tool: tool, runner: r, rundir: rundir, timeout: 5}, nil
}

// target is what ovs-ofctl is pointed at for a bridge.
func (o *OpenFlow) target(bridge string) string {
	if o.rundir == "" {
		return bridge
	}
	return "unix:" + filepath.Join(o.rundir, bridge+".mgmt")
}

// Describe says how ovs-ofctl is run.
func (o *OpenFlow) Describe() string { return o.tool.Describe() }

// DefaultProtocolOK says whether a bridge with these protocols is dumped
// with ovs-ofctl's default (OpenFlow 1.0 and Nicira extensions), as
// DumpFlows(ctx, bridge, nil) does.
func DefaultProtocolOK(protocols []string) bool { return protocolFlag(protocols) == nil }

// protocolFlag returns "-O <newest>" when the bridge refuses OpenFlow 1.0,
// which plain ovs-ofctl speaks (Neutron always allows OpenFlow10, but an
// operator may have changed it).
func protocolFlag(protocols []string) []string {
	if len(protocols) == 0 || slices.Contains(protocols, "OpenFlow10") {
		return nil
	}
	p := slices.Clone(protocols)
	slices.Sort(p)
	return []string{"-O", p[len(p)-1]}
}

// DumpFlows returns every flow of a bridge with counters.
func (o *OpenFlow) DumpFlows(ctx context.Context, bridge string, protocols []string) ([]topo.Flow, error) {
	args := append([]string{"--timeout=" + fmt.Sprint(o.timeout)}, protocolFlag(protocols)...)
	args = append(args, "dump-flows", o.target(bridge))
	name, argv := o.tool.Argv(args...)
	out, err := o.runner(ctx, name, argv...)
	if err != nil {
		return nil, fmt.Errorf("dump flows of %s: %w", bridge, err)
	}
	flows, err := ParseDumpFlows(string(out))
	if err != nil {
		return nil, fmt.Errorf("parse flows of %s: %w", bridge, err)
	}
	return flows, nil
}
