//go:build linux

package routefix

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"time"

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
// confirmation, and restores the old routes if either fails.
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
	if err := os.MkdirAll(o.StateDir, 0o700); err != nil {
		return fmt.Errorf("state dir: %w", err)
	}
	ino, err := netnsInode(o.NetnsPath)
	if err != nil {
		return err
	}
	j := &Journal{NetnsPath: o.NetnsPath, NetnsInode: ino, Before: p.Before, After: p.After, State: StateApplying, Started: time.Now().UTC(), PID: os.Getpid()}
	if err := writeJournal(o.StateDir, j); err != nil {
		return err
	}
	logf(o.StateDir, "apply: before %s; after %s", routesText(p.Before), RouteText(p.After))
	if err := setDefaults(o.NetnsPath, []topo.Route{p.After}); err != nil {
		rerr := restore(o.StateDir, j)
		return errors.Join(fmt.Errorf("replace the default route: %w", err), rerr)
	}
	j.State = StateWaiting
	if err := writeJournal(o.StateDir, j); err != nil {
		return errors.Join(err, restore(o.StateDir, j))
	}
	o.Say("applied: %s", p.Command)
	if err := Verify(o.NetnsPath, p.Dev, p.Gateway, o.Probe); err != nil {
		o.Say("verification failed: %v; restoring the old routes", err)
		return errors.Join(fmt.Errorf("verify: %w", err), restore(o.StateDir, j))
	}
	o.Say("verified: %s answers", p.Gateway)
	ok, err := o.Confirm(ctx)
	if err != nil || !ok {
		o.Say("not confirmed; restoring the old routes")
		return errors.Join(errors.New("not confirmed: rolled back"), err, restore(o.StateDir, j))
	}
	j.State = StateConfirmed
	logf(o.StateDir, "confirmed: %s", RouteText(p.After))
	return writeJournal(o.StateDir, j)
}

// Rollback restores the routes recorded in the journal, whatever happened
// since (ostopo killed while waiting, or an operator who changed their mind).
func Rollback(stateDir string) (*Journal, error) {
	if os.Geteuid() != 0 {
		return nil, ErrNotRoot
	}
	b, err := os.ReadFile(journalPath(stateDir))
	if err != nil {
		return nil, fmt.Errorf("read journal: %w", err)
	}
	var j Journal
	if err := json.Unmarshal(b, &j); err != nil {
		return nil, fmt.Errorf("journal %s is corrupt: %w", journalPath(stateDir), err)
	}
	if j.State == StateRolled {
		return &j, nil
	}
	path, err := journalNetns(&j)
	if err != nil {
		return &j, err
	}
	j.NetnsPath = path
	return &j, restore(stateDir, &j)
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
	if err := setDefaults(j.NetnsPath, j.Before); err != nil {
		logf(stateDir, "rollback FAILED: %v (wanted %s)", err, routesText(j.Before))
		return fmt.Errorf("restore the old routes: %w", err)
	}
	logf(stateDir, "rolled back: before %s; restored %s", RouteText(j.After), routesText(j.Before))
	j.State = StateRolled
	return writeJournal(stateDir, j)
}

// setDefaults makes routes the namespace's only IPv4 main-table defaults.
// Every device is resolved before anything is deleted, so a route that
// cannot be added never costs the one that was there.
func setDefaults(nsPath string, routes []topo.Route) error {
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
	current, err := h.RouteListFiltered(netlink.FAMILY_V4, &netlink.Route{Table: unix.RT_TABLE_MAIN}, netlink.RT_FILTER_TABLE)
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

func handle(nsPath string) (*netlink.Handle, error) {
	if nsPath == "" {
		return netlink.NewHandle(unix.NETLINK_ROUTE)
	}
	ns, err := netns.GetFromPath(nsPath)
	if err != nil {
		return nil, fmt.Errorf("open namespace %s: %w", nsPath, err)
	}
	defer ns.Close()
	return netlink.NewHandleAt(ns, unix.NETLINK_ROUTE)
}

// Verify checks that the gateway answers ARP on dev (asked on the wire, not
// read from the neighbour cache) and, with a probe, that HOST:PORT accepts
// a TCP connection.
func Verify(nsPath, dev, gateway, probe string) error {
	in := func(fn func() error) error {
		if nsPath == "" {
			return fn()
		}
		return netnsx.Do(nsPath, fn)
	}
	gw, err := netip.ParseAddr(gateway)
	if err != nil || !gw.Is4() {
		return fmt.Errorf("gateway %q is not an IPv4 address", gateway)
	}
	if err := in(func() error {
		_, err := arpProbe(dev, gw, 3*time.Second)
		return err
	}); err != nil {
		return err
	}
	return verifyProbe(in, probe)
}

func verifyProbe(in func(func() error) error, probe string) error {
	if probe == "" {
		return nil
	}
	return in(func() error {
		c, err := net.DialTimeout("tcp", probe, 3*time.Second)
		if err != nil {
			return fmt.Errorf("probe %s: %w", probe, err)
		}
		return c.Close()
	})
}
