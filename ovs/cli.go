package ovs

import (
	"cmp"
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/ostopo/ostopo/netinspect/run"
	"github.com/ostopo/ostopo/netinspect/topo"
	"github.com/ostopo/ostopo/ovs/ofdump"
)

// KollaContainer is where kolla-ansible runs ovs-vswitchd and its tools.
const KollaContainer = "openvswitch_vswitchd"

// OpenFlow reads the flow tables of bridges: over each bridge's OpenFlow
// management socket (<rundir>/<bridge>.mgmt) with package ofdump, which
// writes the flows exactly as ovs-ofctl does, with no process; with
// ovs-ofctl (on the host or in kolla's container) only when the socket
// cannot be used, saying why. The CLI's dump is parsed by ParseDumpFlows:
// go-openvswitch's parsers drop counters and fail on OVS 3.x dump-tables
// output, so only its exec seam shape is kept (run.Runner is an ExecFunc
// with a context).
type OpenFlow struct {
	runner run.Runner
	rundir string
	// timeout bounds a dump (ovs-ofctl's --timeout, the socket's deadline),
	// so a wedged vswitchd cannot hold the snapshot.
	timeout int
	// cli is ovs-ofctl, looked for only when a socket fails: on a kolla
	// node looking means asking the container runtime.
	cliOnce sync.Once
	cli     run.Tool
	cliErr  error
}

// NewOpenFlow reads flows from the bridges of the switch whose run
// directory is rundir ("" for OVS's default, DefaultRunDir, where kolla
// bind-mounts the container's). With a run dir, ovs-ofctl (when needed)
// is pointed at the sockets explicitly, which works the same on the host
// and in a container that mounts /run/openvswitch.
func NewOpenFlow(r run.Runner, rundir string) *OpenFlow {
	return &OpenFlow{runner: r, rundir: rundir, timeout: 5}
}

// socket is a bridge's management socket.
func (o *OpenFlow) socket(bridge string) string {
	return filepath.Join(cmp.Or(o.rundir, DefaultRunDir), bridge+".mgmt")
}

// target is what ovs-ofctl is pointed at for a bridge.
func (o *OpenFlow) target(bridge string) string {
	if o.rundir == "" {
		return bridge
	}
	return "unix:" + o.socket(bridge)
}

// findCLI finds ovs-ofctl once, on the host or in kolla's container.
func (o *OpenFlow) findCLI(ctx context.Context) (run.Tool, error) {
	o.cliOnce.Do(func() { o.cli, o.cliErr = run.Find(ctx, o.runner, "ovs-ofctl", []string{KollaContainer}) })
	return o.cli, o.cliErr
}

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

// DumpFlows returns every flow of a bridge with counters, and how they
// were read (for the snapshot's sources): over the management socket when
// the bridge speaks OpenFlow 1.0 there and every flow is one ofdump
// writes, else with ovs-ofctl and the reason the socket was not used.
func (o *OpenFlow) DumpFlows(ctx context.Context, bridge string, protocols []string) (flows []topo.Flow, via string, err error) {
	var why string
	if DefaultProtocolOK(protocols) {
		sock := o.socket(bridge)
		sctx, cancel := context.WithTimeout(ctx, time.Duration(o.timeout)*time.Second)
		flows, err := ofdump.Dump(sctx, sock)
		cancel()
		if err == nil {
			return flows, "OpenFlow over " + sock, nil
		}
		if ctx.Err() != nil {
			return nil, "OpenFlow over " + sock, err
		}
		why = err.Error()
	} else {
		why = "the bridge does not allow OpenFlow 1.0 (protocols " + strings.Join(protocols, ",") + ")"
	}
	tool, err := o.findCLI(ctx)
	if err != nil {
		return nil, "", fmt.Errorf("%s; and %w", why, err)
	}
	via = tool.Describe() + " (management socket not used: " + why + ")"
	args := append([]string{"--timeout=" + fmt.Sprint(o.timeout)}, protocolFlag(protocols)...)
	args = append(args, "dump-flows", o.target(bridge))
	name, argv := tool.Argv(args...)
	out, err := o.runner(ctx, name, argv...)
	if err != nil {
		return nil, via, fmt.Errorf("dump flows of %s: %w", bridge, err)
	}
	flows, err = ParseDumpFlows(string(out))
	if err != nil {
		return nil, via, fmt.Errorf("parse flows of %s: %w", bridge, err)
	}
	return flows, via, nil
}
