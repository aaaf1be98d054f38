//go:build linux

package collect

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"

	"github.com/digitalocean/go-openvswitch/ovsdb"
	"github.com/ostopo/ostopo/netinspect/netnsx"
	"github.com/ostopo/ostopo/netinspect/neutron"
	"github.com/ostopo/ostopo/netinspect/topo"
	"github.com/ostopo/ostopo/ovs"
	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// Collect reads the whole node. It always returns a snapshot: a source that
// fails is recorded in Sources and never hides the others. The error is
// non-nil only when the context was canceled (not merely out of time).
func Collect(ctx context.Context, o Options) (*topo.Snapshot, error) {
	o = o.withDefaults()
	snap := &topo.Snapshot{Schema: topo.Schema, TakenAt: o.Now().UTC()}
	var rec recorder

	var wg sync.WaitGroup
	wg.Add(3)
	go func() {
		defer wg.Done()
		snap.OVS = collectOVS(ctx, o, &rec)
	}()
	go func() {
		defer wg.Done()
		snap.Namespaces = collectNamespaces(ctx, o, &rec)
	}()
	go func() {
		defer wg.Done()
		snap.Agent = collectAgentFiles(o.NeutronStateDir, &rec)
	}()
	wg.Wait()
	// Interrupted (Ctrl-C): nothing to write. Out of time (--timeout): what
	// was read is kept, and each source that did not finish says so.
	if err := ctx.Err(); errors.Is(err, context.Canceled) {
		return nil, fmt.Errorf("snapshot interrupted: %w", err)
	}

	snap.Sources = rec.sources
	snap.Host = hostName(snap.OVS)
	snap.Neutron = neutron.Derive(snap)
	snap.Normalize()
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

// recorder collects source outcomes from concurrent readers.
type recorder struct {
	mu      sync.Mutex
	sources []topo.Source
}

func (r *recorder) add(name, detail string, err error) {
	s := topo.Source{Name: name, OK: err == nil, Detail: detail}
	if err != nil {
		s.Error = explain(err)
	}
	r.mu.Lock()
	r.sources = append(r.sources, s)
	r.mu.Unlock()
}

// explain adds what an operator needs to know to a permission error.
func explain(err error) string {
	msg := err.Error()
	switch {
	case errors.Is(err, os.ErrPermission) && strings.Contains(msg, "namespace"):
		return msg + " (entering a namespace needs root: CAP_SYS_ADMIN)"
	case errors.Is(err, os.ErrPermission) && strings.Contains(msg, "OVSDB"):
		return msg + " (the OVSDB socket is root's: run as root)"
	case errors.Is(err, os.ErrPermission):
		return msg + " (run as root)"
	case strings.Contains(msg, "namespace") && strings.Contains(msg, "operation not permitted"):
		return msg + " (entering a namespace needs root: CAP_SYS_ADMIN)"
	case strings.Contains(msg, "you must be root") || strings.Contains(msg, "Permission denied"):
		return msg + " (iptables needs root: CAP_NET_ADMIN)"
	}
	return msg
}

func collectOVS(ctx context.Context, o Options, rec *recorder) topo.OVS {
	empty := topo.OVS{Managers: []topo.Manager{}, Bridges: []topo.Bridge{}}
	db, err := ovs.Dial(ctx, o.OVSDB)
	if err != nil {
		where := ""
		if db != nil {
			where = db.Where
		}
		rec.add("ovsdb", where, err)
		return empty
	}
	defer db.Close()
	// The bridge list is small and answers first: start the flow dumps
	// with it while the big Port and Interface tables are still coming.
	flows := map[string][]topo.Flow{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	dumpFlows := func(bridges []ovsdb.Row) {
		of, ofErr := ovs.NewOpenFlow(ctx, o.Runner, o.OVSRunDir)
		for _, row := range bridges {
			name, protocols := ovs.BridgeHeader(row)
			if ofErr != nil {
				rec.add("openflow/"+name, "", ofErr)
				continue
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				f, err := of.DumpFlows(ctx, name, protocols)
				rec.add("openflow/"+name, of.Describe(), err)
				mu.Lock()
				flows[name] = f
				mu.Unlock()
			}()
		}
	}
	raw, err := db.ReadAll(ctx, dumpFlows)
	var state topo.OVS
	if err == nil {
		state, err = ovs.Decode(raw)
	}
	rec.add("ovsdb", db.Where, err)
	wg.Wait()
	if err != nil {
		return empty
	}
	for i := range state.Bridges {
		if f := flows[state.Bridges[i].Name]; f != nil {
			state.Bridges[i].Flows = f
		}
	}
	return state
}

// nsReader holds what reading one namespace needs.
type nsReader struct {
	file   nsFile
	handle netns.NsHandle
	nl     *netlink.Handle
	state  *kernelState
}

func collectNamespaces(ctx context.Context, o Options, rec *recorder) []topo.Namespace {
	root, named, err := listNamespaces(o.RootNetns, o.NetnsDirs)
	if err != nil && root.Path == "" {
		rec.add("netns", "", err)
		return []topo.Namespace{}
	}
	rec.add("netns", strings.Join(o.NetnsDirs, ","), err)
	if o.afterList != nil {
		o.afterList()
	}
	nat := newNATReader(ctx, o.Runner)

	readers := make([]*nsReader, 0, len(named)+1)
	readers = append(readers, &nsReader{file: root})
	for _, f := range named {
		readers = append(readers, &nsReader{file: f})
	}
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
			readNamespace(ctx, r, nat, rec)
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
			out = append(out, r.state.ns)
		}
	}
	return out
}

func readNamespace(ctx context.Context, r *nsReader, nat *natReader, rec *recorder) {
	kind, id := topo.ClassifyNamespace(r.file.Name)
	ns := topo.Namespace{Name: r.file.Name, Root: r.file.Name == "", Path: r.file.Path, Inode: r.file.Inode, Kind: kind, ID: id}
	label := ns.Label()
	h, err := netns.GetFromPath(r.file.Path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			err = fmt.Errorf("namespace %s vanished during the scan", r.file.Path)
		} else {
			err = fmt.Errorf("open namespace %s: %w", r.file.Path, err)
		}
		rec.add("netlink/"+label, r.file.Path, err)
		return
	}
	r.handle = h
	open := func() (*netlink.Handle, error) {
		// Route netlink only: the xfrm and netfilter sockets a handle opens
		// by default cost a setns each and are never used.
		if r.file.Path == ownNamespace {
			// Reading the namespace we are in needs no setns, hence no root.
			return netlink.NewHandle(unix.NETLINK_ROUTE)
		}
		return netlink.NewHandleAt(h, unix.NETLINK_ROUTE)
	}
	r.nl, err = open()
	if err != nil {
		rec.add("netlink/"+label, r.file.Path, fmt.Errorf("open netlink in namespace %s: %w", r.file.Path, err))
		return
	}
	// Only the node's own namespace is big enough for a second socket (and
	// its setns) to pay off; the others are read on one.
	h2 := r.nl
	if ns.Root {
		if h2, err = open(); err != nil {
			rec.add("netlink/"+label, r.file.Path, fmt.Errorf("open netlink in namespace %s: %w", r.file.Path, err))
			return
		}
		defer h2.Close()
	}
	r.state, err = readKernel(r.nl, h2, &ns)
	if r.state == nil {
		rec.add("netlink/"+label, r.file.Path, fmt.Errorf("read namespace %s: %w", label, err))
		return
	}
	rec.add("netlink/"+label, r.file.Path, err)

	fwd, err := readIPForward(r.file)
	if err == nil {
		r.state.ns.IPForward = &fwd
	}
	rec.add("sysctl/"+label, "net.ipv4.ip_forward", err)

	switch kind {
	case topo.NSRouter, topo.NSSNAT, topo.NSFIP:
		t, detail, err := nat.read(ctx, r.file)
		r.state.ns.NAT = t
		rec.add("nat/"+label, detail, err)
	}
}

func readIPForward(f nsFile) (bool, error) {
	var b []byte
	read := func() (err error) {
		b, err = os.ReadFile("/proc/sys/net/ipv4/ip_forward")
		return err
	}
	var err error
	if f.Path == ownNamespace {
		err = read()
	} else {
		err = netnsx.Do(f.Path, read)
	}
	if err != nil {
		return false, fmt.Errorf("read net.ipv4.ip_forward: %w", err)
	}
	return strings.TrimSpace(string(b)) == "1", nil
}

// resolveVethPeers names the peer of every veth. A peer in the same
// namespace is found by ifindex; one in another namespace by asking each
// namespace which id it gives the others (ids are relative to the asker).
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
	for _, r := range readers {
		if r.state == nil {
			continue
		}
		var nsids map[int]*nsReader
		for _, v := range r.state.veths {
			target := r
			if v.peerNSID >= 0 {
				if nsids == nil {
					nsids = map[int]*nsReader{}
					for _, other := range readers {
						if other == r || other.state == nil {
							continue
						}
						if id, err := r.nl.GetNetNsIdByFd(int(other.handle)); err == nil && id >= 0 {
							nsids[id] = other
						}
					}
				}
				target = nsids[v.peerNSID]
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
