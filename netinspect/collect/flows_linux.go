//go:build linux

package collect

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"strings"
	"sync"

	"github.com/digitalocean/go-openvswitch/ovsdb"
	"github.com/ostopo/ostopo/netinspect/topo"
	"github.com/ostopo/ostopo/ovs"
)

// flowDumps dumps each bridge's flows (ovs.OpenFlow: over the bridge's
// management socket, ovs-ofctl only as a fallback) as soon as the bridge
// is known. Every bridge has a management socket <name>.mgmt in the
// OVS run directory, so dumps start from there before OVSDB answers: on a
// busy 1000-instance node its Bridge table took 20-50 ms to arrive, and
// the integration bridge's 4,000 flows are then often the last fact in. A
// dump started that way is kept only for a bridge OVSDB names and that
// accepts OpenFlow 1.0; any other bridge OVSDB names is
// dumped when its row arrives. Sockets OVSDB does not name (left behind by
// a crash) are dumped for nothing and forgotten.
type flowDumps struct {
	of    *ovs.OpenFlow
	wg    sync.WaitGroup
	mu    sync.Mutex
	dumps map[string]*flowDump
}

type flowDump struct {
	flows []topo.Flow
	via   string // how they were read, for the source
	err   error
}

func startFlowDumps(ctx context.Context, o Options) *flowDumps {
	d := &flowDumps{dumps: map[string]*flowDump{}, of: ovs.NewOpenFlow(o.Runner, o.OVSRunDir)}
	rundir := cmp.Or(o.OVSRunDir, ovs.DefaultRunDir)
	entries, err := os.ReadDir(rundir)
	if err != nil {
		return d // no early dumps; OVSDB's bridges are dumped as they arrive
	}
	for _, e := range entries {
		if name, ok := strings.CutSuffix(e.Name(), ".mgmt"); ok && e.Type()&os.ModeSocket != 0 {
			d.start(ctx, name, nil)
		}
	}
	return d
}

func (d *flowDumps) start(ctx context.Context, bridge string, protocols []string) {
	f := &flowDump{}
	d.mu.Lock()
	d.dumps[bridge] = f
	d.mu.Unlock()
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		f.flows, f.via, f.err = d.of.DumpFlows(ctx, bridge, protocols)
		topo.SortFlows(f.flows) // here rather than in the snapshot's last steps
	}()
}

// bridges is called with OVSDB's Bridge rows: each bridge not yet dumped
// the way its protocols need is dumped now.
func (d *flowDumps) bridges(ctx context.Context, rows []ovsdb.Row) {
	for _, row := range rows {
		name, protocols := ovs.BridgeHeader(row)
		d.mu.Lock()
		early := d.dumps[name]
		d.mu.Unlock()
		if early == nil || !ovs.DefaultProtocolOK(protocols) {
			d.start(ctx, name, protocols)
		}
	}
}

// wait waits for every dump started.
func (d *flowDumps) wait() { d.wg.Wait() }

// attach waits for the dumps and puts each bridge's flows on it, recording
// one source per bridge.
func (d *flowDumps) attach(bridges []topo.Bridge, rec *recorder) {
	d.wait()
	for i := range bridges {
		name := bridges[i].Name
		f := d.dumps[name]
		if f == nil { // not in the Bridge rows the dumps were started from
			rec.add("openflow/"+name, "", fmt.Errorf("dump flows of %s: bridge appeared during the scan", name))
			continue
		}
		rec.add("openflow/"+name, f.via, f.err)
		if f.flows != nil {
			bridges[i].Flows = f.flows
		}
	}
}
