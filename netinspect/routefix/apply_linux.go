//go:build linux

package routefix

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/ostopo/ostopo/netinspect/arpprobe"
	"github.com/ostopo/ostopo/netinspect/netnsx"
	"github.com/ostopo/ostopo/netinspect/topo"
	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// ApplyOptions say where and how to apply a plan.
type ApplyOptions struct {
	NetnsPath string // the namespace to change; "" = the one ostopo runs in
	StateDir  string // journal and log (e.g. /var/lib/ostopo)
	Probe     string // HOST:PORT that must accept a TCP connection after the change
	// Confirm waits for the operator (or --yes); false or an error rolls back.
	Confirm func(ctx context.Context) (bool, error)
	// Say reports progress to the operator.
	Say func(format string, args ...any)
}

// ErrNotRoot is returned when changing routes is not permitted.
var ErrNotRoot = errors.New("changing routes needs root (CAP_NET_ADMIN; CAP_SYS_ADMIN to enter a namespace)")

// Apply changes the default route as planned, verifies it, waits for
// confirmation, and restores the old routes if either fails. The namespace
// (o.NetnsPath, "" = the one ostopo runs in) must exist, be a network
// namespace, and be the one the plan was made from.
func Apply(ctx context.Context, p *Plan, o ApplyOptions) error {
	if !p.OK() {
		return ErrRefused
	}
	if os.Geteuid() != 0 {
		return ErrNotRoot
	}
	if o.Say == nil {
		o.Say = func(string, ...any) {}
	}
	if o.NetnsPath != "" {
		if err := checkNetnsPath(ctx, o.NetnsPath); err != nil {
			return err
		}
	}
	ino, err := netnsInode(o.NetnsPath)
	if err != nil {
		return err
	}
	if p.NetnsInode != 0 && ino != p.NetnsInode {
		return &NetnsError{Name: netnsName(o.NetnsPath), Path: o.NetnsPath, Problem: NetnsElsewhere,
			Reason: fmt.Sprintf("the plan is for the namespace read from %s (inode %d), not for %s (inode %d): nothing changed",
				p.NetnsPath, p.NetnsInode, netnsWhere(o.NetnsPath), ino)}
	}
	if err := os.MkdirAll(o.StateDir, 0o700); err != nil {
		return fmt.Errorf("state dir: %w", err)
	}
	j := &Journal{NetnsPath: o.NetnsPath, NetnsInode: ino, Family: p.Family, Before: p.Before, After: p.After, State: StateApplying, Started: time.Now().UTC(), PID: os.Getpid()}
	if err := writeJournal(o.StateDir, j); err != nil {
		return err
	}
	logf(o.StateDir, "apply: before %s; after %s", routesText(p.Before), RouteText(p.After))
	if err := setDefaults(o.NetnsPath, j.family(), []topo.Route{p.After}); err != nil {
		rerr := restore(o.StateDir, j)
		return errors.Join(fmt.Errorf("replace the default route: %w", err), rerr)
	}
	j.State = StateWaiting
	if err := writeJournal(o.StateDir, j); err != nil {
		return errors.Join(err, restore(o.StateDir, j))
	}
	o.Say("applied: %s", p.Command)
	if err := Verify(ctx, o.NetnsPath, p.Dev, p.Gateway, o.Probe); err != nil {
		o.Say("verification failed: %v; restoring the old routes", err)
		return errors.Join(fmt.Errorf("verify: %w", err), restore(o.StateDir, j))
	}
	o.Say("verified: %s answers", p.Gateway)
	ok, err := o.Confirm(ctx)
	if err != nil || !ok {
		o.Say("not confirmed; restoring the old routes")
		return errors.Join(errors.New("not confirmed: rolled back"), err, restore(o.StateDir, j))
	}
	// `ostopo fix rollback` from another shell while this one waited has
	// restored the old routes: keeping would be a lie.
	if cur, err := readJournal(o.StateDir); err == nil && cur.State == StateRolled && cur.PID == j.PID && cur.Started.Equal(j.Started) {
		return fmt.Errorf("not kept: the fix was rolled back at %s while it waited for confirmation", cur.RolledBack.Format(time.RFC3339))
	}
	j.State, j.Confirmed = StateConfirmed, time.Now().UTC()
	logf(o.StateDir, "confirmed: %s", RouteText(p.After))
	return writeJournal(o.StateDir, j)
}

// Rollback restores the routes recorded in the journal, whatever happened
// since (ostopo killed while waiting, or an operator who changed their mind
// about a confirmed fix). The result says what it did: the routes restored
// and where, or why there was nothing to do (no journal in stateDir, or a
// journal rolled back before, which is left as it is).
func Rollback(ctx context.Context, stateDir string) (*RollbackResult, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if os.Geteuid() != 0 {
		return nil, ErrNotRoot
	}
	res := &RollbackResult{StateDir: stateDir}
	j, err := readJournal(stateDir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		res.Outcome = RollbackNoJournal
		return res, nil
	case err != nil:
		return nil, err
	}
	res.Journal = j
	if j.State == StateRolled {
		res.Outcome = RollbackAlready
		return res, nil
	}
	path, err := journalNetns(j)
	if err != nil {
		return nil, err
	}
	j.NetnsPath = path
	if err := restore(stateDir, j); err != nil {
		return nil, err
	}
	res.Outcome, res.NetnsPath, res.Restored = RollbackRestored, path, j.Before
	return res, nil
}

// netnsName is the name of a namespace path, "" for the one ostopo runs in.
func netnsName(path string) string {
	if path == "" {
		return ""
	}
	return filepath.Base(path)
}

// netnsWhere names a namespace path for the operator.
func netnsWhere(path string) string {
	if path == "" {
		return "the namespace ostopo runs in"
	}
	return path
}

// netnsInode identifies a namespace: the one at path, or ostopo's own.
func netnsInode(path string) (uint64, error) {
	if path == "" {
		path = "/proc/self/ns/net"
	}
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		return 0, fmt.Errorf("network namespace %s: %w", path, err)
	}
	return st.Ino, nil
}

// journalNetns finds the journalled namespace from wherever the rollback
// runs: its recorded path, ostopo's own namespace, or a name under
// /run/netns with the same identity. A namespace that is gone is an error,
// never a reason to change another one.
func journalNetns(j *Journal) (string, error) {
	if j.NetnsInode == 0 {
		return "", errors.New("the journal does not say which network namespace it changed: restore its routes by hand")
	}
	if j.NetnsPath != "" {
		if ino, err := netnsInode(j.NetnsPath); err == nil && ino == j.NetnsInode {
			return j.NetnsPath, nil
		}
	}
	if ino, err := netnsInode(""); err == nil && ino == j.NetnsInode {
		return "", nil
	}
	names, _ := os.ReadDir("/run/netns")
	for _, e := range names {
		path := "/run/netns/" + e.Name()
		if ino, err := netnsInode(path); err == nil && ino == j.NetnsInode {
			return path, nil
		}
	}
	return "", fmt.Errorf("the network namespace the fix changed (inode %d) is gone or not named under /run/netns: nothing restored", j.NetnsInode)
}

func restore(stateDir string, j *Journal) error {
	if err := setDefaults(j.NetnsPath, j.family(), j.Before); err != nil {
		logf(stateDir, "rollback FAILED: %v (wanted %s)", err, routesText(j.Before))
		return fmt.Errorf("restore the old routes: %w", err)
	}
	logf(stateDir, "rolled back: before %s; restored %s in %s", RouteText(j.After), routesText(j.Before), netnsWhere(j.NetnsPath))
	j.State, j.RolledBack = StateRolled, time.Now().UTC()
	return writeJournal(stateDir, j)
}

// setDefaults makes routes the namespace's only main-table defaults of the
// family (4 or 6). Every device is resolved before anything is deleted, so
// a route that cannot be added never costs the one that was there.
func setDefaults(nsPath string, family int, routes []topo.Route) error {
	h, err := handle(nsPath)
	if err != nil {
		return err
	}
	defer h.Close()
	var want []*netlink.Route
	for _, rt := range routes {
		link, err := h.LinkByName(rt.Dev)
		if err != nil {
			return fmt.Errorf("device %s: %w", rt.Dev, err)
		}
		// Restore what was there as it was: a DHCP client or NetworkManager
		// recognises its own routes by protocol and preferred source.
		want = append(want, &netlink.Route{LinkIndex: link.Attrs().Index, Gw: net.ParseIP(rt.Gateway), Table: unix.RT_TABLE_MAIN,
			Priority: rt.Metric, Protocol: protocolNumber(rt.Protocol), Src: net.ParseIP(rt.Src)})
	}
	nlFamily := netlink.FAMILY_V4
	if family == 6 {
		nlFamily = netlink.FAMILY_V6
	}
	current, err := h.RouteListFiltered(nlFamily, &netlink.Route{Table: unix.RT_TABLE_MAIN}, netlink.RT_FILTER_TABLE)
	if err != nil {
		return fmt.Errorf("list routes: %w", err)
	}
	for _, r := range current {
		if r.Dst == nil || r.Dst.IP.IsUnspecified() && isZeroMask(r.Dst) {
			if err := h.RouteDel(&r); err != nil && !errors.Is(err, unix.ESRCH) {
				return fmt.Errorf("delete default route: %w", err)
			}
		}
	}
	for i, nr := range want {
		if err := h.RouteReplace(nr); err != nil {
			return fmt.Errorf("add %s: %w", RouteText(routes[i]), err)
		}
	}
	return nil
}

// protocolNumber is the inverse of the collector's protocol names; an
// unknown name restores as "boot", what `ip route add` would use.
func protocolNumber(name string) netlink.RouteProtocol {
	switch name {
	case "static":
		return unix.RTPROT_STATIC
	case "dhcp":
		return unix.RTPROT_DHCP
	case "ra":
		return unix.RTPROT_RA
	case "kernel":
		return unix.RTPROT_KERNEL
	}
	var n int
	if _, err := fmt.Sscan(name, &n); err == nil && n > 0 && n < 256 {
		return netlink.RouteProtocol(n)
	}
	return unix.RTPROT_BOOT
}

func isZeroMask(n *net.IPNet) bool {
	ones, _ := n.Mask.Size()
	return ones == 0
}

// handle is a netlink handle in the namespace at nsPath ("" = the one
// ostopo runs in, on purpose).
func handle(nsPath string) (*netlink.Handle, error) {
	if nsPath == "" {
		return netlink.NewHandle(unix.NETLINK_ROUTE)
	}
	ns, err := netns.GetFromPath(nsPath)
	if err != nil {
		return nil, fmt.Errorf("open namespace %s: %w", nsPath, err)
	}
	defer ns.Close()
	// netlink.NewHandleAt takes a handle that is not open for "stay where
	// you are": it would change the namespace ostopo runs in.
	if !ns.IsOpen() {
		return nil, fmt.Errorf("open namespace %s: no handle", nsPath)
	}
	return netlink.NewHandleAt(ns, unix.NETLINK_ROUTE)
}

// Verify checks that the gateway answers on dev, asked on the wire (ARP
// for IPv4, neighbour solicitation for IPv6; the neighbour cache keeps a
// dead host's entry for minutes) and, with a probe, that HOST:PORT accepts
// a TCP connection. It runs in the namespace at nsPath ("" = the one
// ostopo runs in), which must exist and be a network namespace.
func Verify(ctx context.Context, nsPath, dev, gateway, probe string) error {
	if nsPath != "" {
		if err := checkNetnsPath(ctx, nsPath); err != nil {
			return err
		}
	}
	in := func(fn func() error) error {
		if nsPath == "" {
			return fn()
		}
		return netnsx.Do(nsPath, fn)
	}
	gw, _, ok := parseGateway(gateway)
	if !ok {
		return fmt.Errorf("gateway %q is not an IP address", gateway)
	}
	if err := in(func() error {
		var err error
		if gw.Is4() {
			_, err = arpprobe.Gateway(ctx, dev, gw, 3*time.Second)
		} else {
			_, err = ndpProbe(ctx, dev, gw, 3*time.Second)
		}
		return err
	}); err != nil {
		return err
	}
	return verifyProbe(ctx, in, probe)
}

func verifyProbe(ctx context.Context, in func(func() error) error, probe string) error {
	if probe == "" {
		return nil
	}
	return in(func() error {
		// The socket is made on this (locked) thread, in its namespace.
		d := net.Dialer{Timeout: 3 * time.Second}
		c, err := d.DialContext(ctx, "tcp", probe)
		if err != nil {
			return fmt.Errorf("probe %s: %w", probe, err)
		}
		return c.Close()
	})
}
