//go:build linux

package collect

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/ostopo/ostopo/netinspect/arpprobe"
	"github.com/ostopo/ostopo/netinspect/netnsx"
	"github.com/ostopo/ostopo/netinspect/topo"
)

// haProbeTimeout is how long a duplicate-address probe waits for an
// answer. A host on the segment answers in a millisecond or two (a
// vswitchd upcall for a datapath's first packet adds a few more); 100 ms
// is many times that. The probes start as soon as their router's
// namespace is read (router namespaces are read first) and wait while
// the rest of the node is read, so a node holding HA routers takes about
// this much longer to read.
const haProbeTimeout = 100 * time.Millisecond

// haProbeParallel bounds the probes waiting at once: each holds a socket
// (the wait itself holds no thread: it is in the runtime's poller).
const haProbeParallel = 256

// haProber sends one duplicate-address probe per HA router the node
// holds (HAProbeTarget), each as soon as its namespace has been read and
// all of them while the rest of the node is read.
type haProber struct {
	ctx     context.Context
	rec     *recorder
	timeout time.Duration
	sem     chan struct{}
	wg      sync.WaitGroup
	mu      sync.Mutex
	probes  []topo.ARPProbe
}

func newHAProber(ctx context.Context, rec *recorder) *haProber {
	return &haProber{ctx: ctx, rec: rec, timeout: haProbeTimeout, sem: make(chan struct{}, haProbeParallel)}
}

// consider starts the probe of a namespace just read, when it is an HA
// router's holding its gateway address. What it needs of ns is taken
// now: the namespace is sorted and completed while the probe waits.
func (p *haProber) consider(file nsFile, ns *topo.Namespace) {
	ip, gw, ok := HAProbeTarget(ns)
	if !ok {
		return
	}
	dev, index, mac := gw.Name, gw.Index, net.HardwareAddr(nil)
	if m, err := net.ParseMAC(gw.MAC); err == nil {
		mac = m
	}
	name, label := ns.Name, ns.Label()
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		p.sem <- struct{}{}
		defer func() { <-p.sem }()
		probe, err := probeDuplicate(p.ctx, file.Path, dev, index, mac, ip, p.timeout)
		detail := fmt.Sprintf("duplicate-address probe for %s on %s", ip, dev)
		switch {
		case err != nil:
		case probe.Answered:
			detail += ": answered from " + probe.From
		default:
			detail += fmt.Sprintf(": no answer in %dms", probe.WaitedMS)
		}
		p.rec.add("arp-probe/"+label, detail, err)
		if err == nil {
			probe.Namespace = name
			p.mu.Lock()
			p.probes = append(p.probes, probe)
			p.mu.Unlock()
		}
	}()
}

// wait returns the probes once every one has answered or timed out.
func (p *haProber) wait() []topo.ARPProbe {
	p.wg.Wait()
	return p.probes
}

// probeDuplicate opens an ARP socket on dev (of that index, just read) in
// the namespace at nsPath and, back outside it, asks whether another host
// holds ip.
func probeDuplicate(ctx context.Context, nsPath, dev string, index int, mac net.HardwareAddr, ip netip.Addr, timeout time.Duration) (topo.ARPProbe, error) {
	var c *arpprobe.Conn
	open := func() error {
		var err error
		c, err = arpprobe.OpenIndex(dev, index, mac)
		return err
	}
	var err error
	if nsPath == ownNamespace {
		err = open()
	} else {
		err = netnsx.Do(nsPath, open)
	}
	if err != nil {
		return topo.ARPProbe{}, err
	}
	defer c.Close()
	ans, err := c.Duplicate(ctx, ip, timeout)
	if err != nil {
		return topo.ARPProbe{}, err
	}
	probe := topo.ARPProbe{Device: dev, Address: ip.String(), Answered: ans.From != nil, WaitedMS: int(ans.Waited.Milliseconds())}
	if ans.From != nil {
		probe.From = ans.From.String()
	}
	return probe, nil
}
