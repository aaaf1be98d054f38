//go:build linux

package collect

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"

	"github.com/digitalocean/go-openvswitch/ovsdb"
	"github.com/ostopo/ostopo/netinspect/topo"
	"github.com/ostopo/ostopo/ovs"
)

// flowDumps runs one ovs-ofctl dump-flows per bridge, each as soon as the
// bridge is known. Every bridge has a management socket <name>.mgmt in the
// OVS run directory, so dumps start from there before OVSDB answers: on a
// busy 1000-instance node its Bridge table took 20-50 ms to arrive, and
// the integration bridge's 4,000 flows are then often the last fact in. A
// dump started that way is kept only for a bridge OVSDB names and that
// accepts ovs-ofctl's default protocol; any other bridge OVSDB names is
// dumped when its row arrives. Sockets OVSDB does not name (left behind by
// a crash) are dumped for nothing and forgotten.
type flowDumps struct {
	of    *ovs.OpenFlow
	ofErr error
	wg    sync.WaitGroup
	mu    sync.Mutex
	dumps map[string]*flowDump
}

type flowDump struct {
	flows []topo.Flow
	err   error
}

func startFlowDumps(ctx context.Context, o Options) *flowDumps {
	d := &flowDumps{dumps: map[string]*flowDump{}}
	d.of, d.ofErr = ovs.NewOpenFlow(ctx, o.Runner, o.OVSRunDir)
	if d.ofErr != nil {
		return d
	}
	rundir := o.OVSRunDir
	if rundir == "" {
		rundir = "/run/openvswitch" // ovs-ofctl's own default (/var/run links here)
	}
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
		f.flows, f.err = d.of.DumpFlows(ctx, bridge, protocols)
		topo.SortFlows(f.flows) // here rather than in the snapshot's last steps
	}()
}

// bridges is called with OVSDB's Bridge rows: each bridge not yet dumped
// the way its protocols need is dumped now.
func (d *flowDumps) bridges(ctx context.Context, rows []ovsdb.Row) {
	if d.ofErr != nil {
		return
	}
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
		if d.ofErr != nil {
			rec.add("openflow/"+name, "", d.ofErr)
			continue
		}
		f := d.dumps[name]
		if f == nil { // not in the Bridge rows the dumps were started from
			rec.add("openflow/"+name, d.of.Describe(), fmt.Errorf("dump flows of %s: bridge appeared during the scan", name))
			continue
		}
		rec.add("openflow/"+name, d.of.Describe(), f.err)
		if f.flows != nil {
			bridges[i].Flows = f.flows
		}
	}
}
