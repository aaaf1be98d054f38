//go:build linux

package collect

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"

	"github.com/digitalocean/go-openvswitch/ovsdb"
	"github.com/ostopo/ostopo/netinspect/netnsx"
	"github.com/ostopo/ostopo/netinspect/topo"
	"github.com/ostopo/ostopo/ovs"
	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netlink/nl"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// Facts is Collect without the Neutron view, for a caller that derives it
// while doing something else with the facts (topo.EncodeDeriving).
func Facts(ctx context.Context, o Options) (*topo.Snapshot, error) {
	o = o.withDefaults()
	snap := &topo.Snapshot{Schema: topo.Schema, TakenAt: o.Now().UTC()}
	var rec recorder
	ha := newHAProber(ctx, &rec)
	deploy := startDeployment(ctx, o, &rec)
	o.l3Containers = deploy.l3Containers

	var wg sync.WaitGroup
	wg.Add(3)
	go func() {
		defer wg.Done()
		snap.OVS = collectOVS(ctx, o, &rec)
	}()
	go func() {
		defer wg.Done()
		snap.Namespaces = collectNamespaces(ctx, o, &rec, ha)
	}()
	go func() {
		defer wg.Done()
		snap.Agent = collectAgentFiles(o.NeutronStateDir, &rec)
	}()
	wg.Wait()
	snap.ARPProbes = ha.wait()
	snap.Deployment = deploy.wait()
	// Interrupted (Ctrl-C): nothing to write. Out of time (--timeout): what
	// was read is kept, and each source that did not finish says so.
	if err := ctx.Err(); errors.Is(err, context.Canceled) {
		return nil, fmt.Errorf("snapshot interrupted: %w", err)
	}

	snap.Sources = rec.sources
	snap.Host = hostName(snap.OVS)
	return snap, nil
}

// hostName prefers what OVS was told by the deployment (kolla sets
// external_ids:hostname) over the kernel's, which a lab namespace shares with
// the machine.
func hostName(o topo.OVS) string {
	if h := o.ExternalIDs["hostname"]; h != "" {
		return h
	}
	if h := o.ExternalIDs["system-id"]; h != "" {
		return h
	}
	h, _ := os.Hostname()
	return h
}

func collectOVS(ctx context.Context, o Options, rec *recorder) topo.OVS {
	empty := topo.OVS{Managers: []topo.Manager{}, Bridges: []topo.Bridge{}}
	flows := startFlowDumps(ctx, o)
	db, err := ovs.Dial(ctx, o.OVSDB)
	if err != nil {
		where := ""
		if db != nil {
			where = db.Where
		}
		rec.add("ovsdb", where, err)
		flows.wait()
		return empty
	}
	defer db.Close()
	raw, err := db.ReadAll(ctx, func(rows []ovsdb.Row) { flows.bridges(ctx, rows) })
	var state topo.OVS
	if err == nil {
		state, err = ovs.Decode(raw)
	}
	rec.add("ovsdb", db.Where, err)
	if err != nil {
		flows.wait()
		return empty
	}
	flows.attach(state.Bridges, rec)
	for i := range state.Bridges {
		// Sorted here, alongside the namespace readers, rather than in
		// the snapshot's last, single-threaded steps (Normalize then
		// finds every list in order).
		state.Bridges[i].Normalize()
	}
	return state
}

// nsReader holds what reading one namespace needs.
type nsReader struct {
	file   nsFile
	bufs   *dumpBuffers // shared by every reader
	handle netns.NsHandle
	nl     *netlink.Handle
	state  *kernelState
}

func collectNamespaces(ctx context.Context, o Options, rec *recorder, ha *haProber) []topo.Namespace {
	root, named, err := listNamespaces(o.RootNetns, o.NetnsDirs, o.netnsDirsNamed)
	if err != nil && root.Path == "" {
		rec.add("netns", "", err)
		return []topo.Namespace{}
	}
	rec.add("netns", strings.Join(o.NetnsDirs, ","), err)
	if o.afterList != nil {
		o.afterList()
	}
	nat := newNATReader(ctx, o.Runner, o.l3Containers)

	var bufs dumpBuffers
	readers := make([]*nsReader, 0, len(named)+1)
	readers = append(readers, &nsReader{file: root, bufs: &bufs})
	for _, f := range named {
		readers = append(readers, &nsReader{file: f, bufs: &bufs})
	}
	// Router namespaces first: each also runs iptables-save, the slowest
	// read of a small namespace, and started last they would be the tail
	// of the scan. (The snapshot is sorted by name when written.)
	slices.SortStableFunc(readers[1:], func(a, b *nsReader) int {
		return cmp.Compare(natFirst(a.file.Name), natFirst(b.file.Name))
	})
	// The node's own namespace holds nearly every device (4,000 on a
	// 1000-instance node): it starts at once, outside the pool, so it is
	// never queued behind the small qdhcp-/qrouter- namespaces.
	sem := make(chan struct{}, o.Parallel)
	var wg sync.WaitGroup
	for i, r := range readers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if i > 0 {
				sem <- struct{}{}
				defer func() { <-sem }()
			}
			if err := ctx.Err(); err != nil {
				label := (&topo.Namespace{Name: r.file.Name, Root: r.file.Name == ""}).Label()
				rec.add("netlink/"+label, r.file.Path, fmt.Errorf("read namespace %s: %w", label, err))
				return
			}
			readNamespace(ctx, r, nat, ha, rec)
		}()
	}
	wg.Wait()
	resolveVethPeers(readers)

	out := make([]topo.Namespace, 0, len(readers))
	for _, r := range readers {
		if r.nl != nil {
			r.nl.Close()
		}
		if r.handle.IsOpen() {
			r.handle.Close()
		}
		if r.state != nil {
			// Sorted here (after the veth peers, which point into the
			// links), while OVS may still be read, rather than in the
			// snapshot's last, single-threaded steps.
			r.state.ns.Normalize()
			out = append(out, r.state.ns)
		}
	}
	return out
}

func readNamespace(ctx context.Context, r *nsReader, nat *natReader, ha *haProber, rec *recorder) {
	kind, id := topo.ClassifyNamespace(r.file.Name)
	ns := topo.Namespace{Name: r.file.Name, Root: r.file.Name == "", Path: r.file.Path, Inode: r.file.Inode, Kind: kind, ID: id}
	label := ns.Label()
	h, err := netns.GetFromPath(r.file.Path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		// Deleted between the listing and now (agents delete namespaces
		// all the time): read, and not on the node any more. A failed
		// source would make every check that reads namespaces unknown, and
		// a doctor run by monitoring flap to UNKNOWN on a busy node.
		rec.add("netlink/"+label, r.file.Path+": vanished during the scan (deleted meanwhile)", nil)
		return
	case err != nil:
		rec.add("netlink/"+label, r.file.Path, fmt.Errorf("open namespace %s: %w", r.file.Path, err))
		return
	}
	r.handle = h
	socks, fwd, fwdErr, err := enterNamespace(r)
	if err != nil {
		rec.add("netlink/"+label, r.file.Path, fmt.Errorf("open netlink in namespace %s: %w", r.file.Path, err))
		return
	}
	defer r.bufs.release(socks.links)
	defer r.bufs.release(socks.rest)
	r.state, err = readKernel(socks, &ns)
	if r.state == nil {
		rec.add("netlink/"+label, r.file.Path, fmt.Errorf("read namespace %s: %w", label, err))
		return
	}
	rec.add("netlink/"+label, r.file.Path, err)
	// An HA router holding its addresses is probed now, while its NAT
	// rules and the rest of the node are read.
	ha.consider(r.file, &r.state.ns)

	if fwdErr == nil {
		r.state.ns.IPForward = &fwd
	}
	rec.add("sysctl/"+label, "net.ipv4.ip_forward", fwdErr)

	switch kind {
	case topo.NSRouter, topo.NSSNAT, topo.NSFIP:
		t, detail, err := nat.read(ctx, r.file)
		r.state.ns.NAT = t
		rec.add("nat/"+label, detail, err)
	}
}

// enterNamespace does, in one visit to the namespace, what needs to be
// done from inside it: open the netlink sockets it is read through
// (nsSockets; the handle is kept in r.nl for the veth peers) and read
// net.ipv4.ip_forward, which /proc/sys shows for the namespace of the
// thread that opens it. Reading the namespace ostopo is in needs no setns,
// hence no root.
func enterNamespace(r *nsReader) (s nsSockets, fwd bool, fwdErr, err error) {
	inside := func() error {
		// Route netlink only: the xfrm and netfilter sockets a handle opens
		// by default are never used.
		links, err := nl.GetNetlinkSocketAt(netns.None(), netns.None(), unix.NETLINK_ROUTE)
		if err != nil {
			return err
		}
		rest, err := nl.GetNetlinkSocketAt(netns.None(), netns.None(), unix.NETLINK_ROUTE)
		if err != nil {
			links.Close()
			return err
		}
		if s.h, err = netlink.NewHandle(unix.NETLINK_ROUTE); err != nil {
			links.Close()
			rest.Close()
			return err
		}
		s.links, s.rest = r.bufs.socket(links), r.bufs.socket(rest)
		r.nl = s.h
		fwd, fwdErr = readIPForward()
		return nil
	}
	if r.file.Path == ownNamespace {
		err = inside()
	} else {
		err = netnsx.DoAt(r.handle, r.file.Path, inside)
	}
	return s, fwd, fwdErr, err
}

func readIPForward() (bool, error) {
	b, err := os.ReadFile("/proc/sys/net/ipv4/ip_forward")
	if err != nil {
		return false, fmt.Errorf("read net.ipv4.ip_forward: %w", err)
	}
	return strings.TrimSpace(string(b)) == "1", nil
}

// resolveVethPeers names the peer of every veth. A peer in the same
// namespace is found by ifindex. One in another namespace is known by the
// id the veth's namespace gives the peer's (ids are relative to the asker),
// and asking one namespace for the ids of all the others costs a netlink
// round trip per pair: 900 on a node with 30 namespaces. Both ends of a
// veth name each other, so the peer can only be in a namespace holding a
// cross-namespace veth whose index and peer index are this one's, swapped:
// only such namespaces are asked for their id, to tell them apart when
// indexes repeat. When none is found the peer lives in a namespace ostopo
// was not shown (a container's, or one outside the namespace directories).
func resolveVethPeers(readers []*nsReader) {
	byIndex := map[*nsReader]map[int]string{}
	nameAt := func(r *nsReader, idx int) string {
		m, ok := byIndex[r]
		if !ok {
			m = make(map[int]string, len(r.state.ns.Links))
			for _, l := range r.state.ns.Links {
				m[l.Index] = l.Name
			}
			byIndex[r] = m
		}
		return m[idx]
	}
	// Cross-namespace veth ends by {own index, peer index}.
	ends := map[[2]int][]*nsReader{}
	for _, r := range readers {
		if r.state == nil {
			continue
		}
		for _, v := range r.state.veths {
			if v.peerNSID >= 0 {
				k := [2]int{v.link.Index, v.peerIndex}
				ends[k] = append(ends[k], r)
			}
		}
	}
	type pair struct{ from, to *nsReader }
	ids := map[pair]int{}
	idOf := func(from, to *nsReader) int {
		p := pair{from, to}
		id, ok := ids[p]
		if !ok {
			id = -1
			if got, err := from.nl.GetNetNsIdByFd(int(to.handle)); err == nil {
				id = got
			}
			ids[p] = id
		}
		return id
	}
	for _, r := range readers {
		if r.state == nil {
			continue
		}
		for _, v := range r.state.veths {
			target := r
			if v.peerNSID >= 0 {
				target = nil
				for _, t := range ends[[2]int{v.peerIndex, v.link.Index}] {
					if t != r && idOf(r, t) == v.peerNSID {
						target = t
						break
					}
				}
			}
			ref := &topo.LinkRef{Index: v.peerIndex}
			if target != nil {
				ref.Namespace = target.state.ns.Name
				ref.Name = nameAt(target, v.peerIndex)
			} else {
				ref.Namespace = "?" // a namespace ostopo was not shown (a container's)
			}
			v.link.Peer = ref
		}
	}
}

// natFirst orders namespaces whose NAT table is read before the others.
func natFirst(name string) int {
	switch kind, _ := topo.ClassifyNamespace(name); kind {
	case topo.NSRouter, topo.NSSNAT, topo.NSFIP:
		return 0
	}
	return 1
}
