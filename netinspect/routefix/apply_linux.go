//go:build linux

package routefix

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ostopo/ostopo/netinspect/netnsx"
	"github.com/ostopo/ostopo/netinspect/topo"
	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// Journal is written before anything changes, so that `ostopo fix rollback`
// can restore the routes at any later time, also after ostopo was killed.
type Journal struct {
	NetnsPath string       `json:"netns_path"` // "" = the namespace ostopo ran in
	Before    []topo.Route `json:"before"`
	After     topo.Route   `json:"after"`
	State     string       `json:"state"` // applying, waiting-confirmation, confirmed, rolled-back
	Started   time.Time    `json:"started"`
	PID       int          `json:"pid"`
}

// Journal states.
const (
	StateApplying  = "applying"
	StateWaiting   = "waiting-confirmation"
	StateConfirmed = "confirmed"
	StateRolled    = "rolled-back"
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

func journalPath(dir string) string { return filepath.Join(dir, "default-route.journal.json") }
func logPath(dir string) string     { return filepath.Join(dir, "fix.log") }

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
	j := &Journal{NetnsPath: o.NetnsPath, Before: p.Before, After: p.After, State: StateApplying, Started: time.Now().UTC(), PID: os.Getpid()}
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
	return &j, restore(stateDir, &j)
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
func setDefaults(nsPath string, routes []topo.Route) error {
	h, err := handle(nsPath)
	if err != nil {
		return err
	}
	defer h.Close()
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
	for _, rt := range routes {
		link, err := h.LinkByName(rt.Dev)
		if err != nil {
			return fmt.Errorf("device %s: %w", rt.Dev, err)
		}
		nr := &netlink.Route{LinkIndex: link.Attrs().Index, Gw: net.ParseIP(rt.Gateway), Table: unix.RT_TABLE_MAIN, Priority: rt.Metric}
		if rt.Protocol == "static" {
			nr.Protocol = unix.RTPROT_STATIC
		}
		if err := h.RouteReplace(nr); err != nil {
			return fmt.Errorf("add %s: %w", RouteText(rt), err)
		}
	}
	return nil
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

// Verify checks that the gateway answers ARP on dev (a datagram sent to it
// makes the kernel resolve it; the neighbour entry says whether it replied)
// and, with a probe, that HOST:PORT accepts a TCP connection.
func Verify(nsPath, dev, gateway, probe string) error {
	in := func(fn func() error) error {
		if nsPath == "" {
			return fn()
		}
		return netnsx.Do(nsPath, fn)
	}
	if err := in(func() error {
		c, err := net.DialTimeout("udp4", net.JoinHostPort(gateway, "9"), time.Second)
		if err != nil {
			return err
		}
		defer c.Close()
		_, err = c.Write([]byte{0})
		return err
	}); err != nil {
		return fmt.Errorf("send to %s: %w", gateway, err)
	}
	h, err := handle(nsPath)
	if err != nil {
		return err
	}
	defer h.Close()
	link, err := h.LinkByName(dev)
	if err != nil {
		return fmt.Errorf("device %s: %w", dev, err)
	}
	deadline := time.Now().Add(3 * time.Second)
	for {
		neighs, _ := h.NeighList(link.Attrs().Index, netlink.FAMILY_V4)
		for _, n := range neighs {
			if n.IP.String() != gateway {
				continue
			}
			if len(n.HardwareAddr) > 0 && n.State&(netlink.NUD_REACHABLE|netlink.NUD_STALE|netlink.NUD_DELAY|netlink.NUD_PROBE|netlink.NUD_PERMANENT) != 0 {
				return verifyProbe(in, probe)
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s does not answer ARP on %s", gateway, dev)
		}
		time.Sleep(50 * time.Millisecond)
	}
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

func writeJournal(dir string, j *Journal) error {
	b, err := json.MarshalIndent(j, "", "  ")
	if err != nil {
		return err
	}
	tmp := journalPath(dir) + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return fmt.Errorf("write journal: %w", err)
	}
	if err := os.Rename(tmp, journalPath(dir)); err != nil {
		return fmt.Errorf("write journal: %w", err)
	}
	return nil
}

// logf appends one line to the state dir's change log.
func logf(dir, format string, args ...any) {
	f, err := os.OpenFile(logPath(dir), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return
	}
	defer f.Close()
	fmt.Fprintf(f, "%s %s\n", time.Now().UTC().Format(time.RFC3339), fmt.Sprintf(format, args...))
}

func routesText(rs []topo.Route) string {
	if len(rs) == 0 {
		return "(no default route)"
	}
	var parts []string
	for _, r := range rs {
		parts = append(parts, RouteText(r))
	}
	return strings.Join(parts, "; ")
}
