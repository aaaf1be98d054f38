//go:build linux

package routefix

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/ostopo/ostopo/fixtures/fixturetest"
	"github.com/ostopo/ostopo/netinspect/topo"
	"golang.org/x/sys/unix"
)

// rfLab is two namespaces joined by a veth pair: the node (rf0,
// 10.99.0.2/24 and fe80::2, default via 10.99.0.3) and its gateway (rf1,
// 10.99.0.1/24 and fe80::1). Nothing outside them is touched.
type rfLab struct {
	node, gw string // names under /run/netns
	path     string // the node's
}

func newRFLab(t *testing.T) *rfLab {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root (network namespaces)")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skip("needs ip (iproute2)")
	}
	l := &rfLab{node: fmt.Sprintf("ostopo-rf%d", os.Getpid()), gw: fmt.Sprintf("ostopo-rf%d-gw", os.Getpid())}
	l.path = "/run/netns/" + l.node
	t.Cleanup(func() {
		exec.Command("ip", "netns", "del", l.node).Run()
		exec.Command("ip", "netns", "del", l.gw).Run()
	})
	for _, args := range [][]string{
		{"netns", "add", l.node},
		{"netns", "add", l.gw},
		{"link", "add", "rf0", "netns", l.node, "type", "veth", "peer", "rf1", "netns", l.gw},
		// Fixed link-local addresses, without duplicate detection: usable at once.
		{"-n", l.node, "link", "set", "rf0", "addrgenmode", "none"},
		{"-n", l.gw, "link", "set", "rf1", "addrgenmode", "none"},
		{"-n", l.node, "addr", "add", "10.99.0.2/24", "dev", "rf0"},
		{"-n", l.node, "addr", "add", "fe80::2/64", "dev", "rf0", "nodad"},
		{"-n", l.gw, "addr", "add", "10.99.0.1/24", "dev", "rf1"},
		{"-n", l.gw, "addr", "add", "fe80::1/64", "dev", "rf1", "nodad"},
		{"-n", l.node, "link", "set", "rf0", "up"},
		{"-n", l.gw, "link", "set", "rf1", "up"},
		{"-n", l.node, "route", "add", "default", "via", "10.99.0.3", "dev", "rf0"},
	} {
		if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
			t.Fatalf("ip %s: %v: %s", strings.Join(args, " "), err, out)
		}
	}
	return l
}

// snapshot is what the collector would read of the node.
func (l *rfLab) snapshot(t *testing.T) *topo.Snapshot {
	t.Helper()
	var st unix.Stat_t
	if err := unix.Stat(l.path, &st); err != nil {
		t.Fatal(err)
	}
	return &topo.Snapshot{Host: "rf", Namespaces: []topo.Namespace{{
		Root: true, Path: l.path, Inode: st.Ino, Kind: topo.NSRoot,
		Links: []topo.Link{{Name: "rf0", Kind: "veth", MTU: 1500, OperState: "up", AdminUp: true, Carrier: true,
			Addrs: []topo.Addr{{Prefix: "10.99.0.2/24", Scope: "global"}, {Prefix: "fe80::2/64", Scope: "link"}}}},
		Routes: []topo.Route{{Table: topo.RouteTableMain, Type: "unicast", Dst: "default", Gateway: "10.99.0.3", Dev: "rf0", Protocol: "boot", Scope: "global", Family: 4}},
	}}}
}

// defaults are the node's default routes of a family, as ip prints them.
func (l *rfLab) defaults(t *testing.T, family string) string {
	t.Helper()
	out, err := exec.Command("ip", "-n", l.node, family, "route", "show", "default").Output()
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(strings.Fields(string(out)), " ")
}

func (l *rfLab) plan(t *testing.T, gateway string) *Plan {
	t.Helper()
	p, err := NewPlan(l.snapshot(t), "rf0", gateway)
	if err != nil || !p.OK() {
		t.Fatalf("plan via %s: %v %+v", gateway, err, p)
	}
	return p
}

func keep(context.Context) (bool, error) { return true, nil }

func TestVerifyAsksTheWire(t *testing.T) {
	l := newRFLab(t)
	ctx := context.Background()
	for _, gw := range []string{"10.99.0.1", "fe80::1"} {
		if err := Verify(ctx, l.path, "rf0", gw, ""); err != nil {
			t.Errorf("%s: %v", gw, err)
		}
	}
	// Nobody there: no answer within the caller's deadline (Verify's own
	// is 3s), three requests all the same.
	for gw, want := range map[string]string{
		"10.99.0.9": "10.99.0.9 does not answer ARP on rf0 (3 requests in ",
		"fe80::9":   "fe80::9 does not answer neighbour solicitations on rf0 (3 in ",
	} {
		short, cancel := context.WithTimeout(ctx, 1200*time.Millisecond)
		err := Verify(short, l.path, "rf0", gw, "")
		cancel()
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", gw, err, want)
		}
	}
}

// A rollback says what it restored and where; a second one finds the
// journal rolled back and says so, changing nothing.
func TestApplyThenRollbackTwice(t *testing.T) {
	l := newRFLab(t)
	ctx := context.Background()
	state := t.TempDir()
	if err := Apply(ctx, l.plan(t, "10.99.0.1"), ApplyOptions{NetnsPath: l.path, StateDir: state, Confirm: keep}); err != nil {
		t.Fatal(err)
	}
	if got := l.defaults(t, "-4"); got != "default via 10.99.0.1 dev rf0 proto static" {
		t.Fatalf("after apply: %q", got)
	}
	j, err := readJournal(state)
	if err != nil || j.State != StateConfirmed || j.Confirmed.IsZero() || !j.RolledBack.IsZero() {
		t.Fatalf("journal %+v %v", j, err)
	}
	res, err := Rollback(ctx, state)
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("rolled back the fix of %s (kept at %s): restored 1 IPv4 default route(s) in namespace %s (%s): default via 10.99.0.3 dev rf0",
		j.Started.Format(time.RFC3339), j.Confirmed.Format(time.RFC3339), l.node, l.path)
	if !res.Changed() || res.Text() != want {
		t.Errorf("first rollback:\n got %s\nwant %s", res.Text(), want)
	}
	if got := l.defaults(t, "-4"); got != "default via 10.99.0.3 dev rf0" {
		t.Errorf("after rollback: %q", got)
	}
	j, _ = readJournal(state)
	if j.State != StateRolled || j.RolledBack.IsZero() {
		t.Fatalf("journal %+v", j)
	}

	// Someone puts a default route back by hand: the stale journal must
	// not take it away again.
	if out, err := exec.Command("ip", "-n", l.node, "route", "replace", "default", "via", "10.99.0.1", "dev", "rf0").CombinedOutput(); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	res, err = Rollback(ctx, state)
	if err != nil {
		t.Fatal(err)
	}
	want = fmt.Sprintf("nothing to roll back: the journal of %s was already rolled back at %s", j.Started.Format(time.RFC3339), j.RolledBack.Format(time.RFC3339))
	if res.Changed() || res.Outcome != RollbackAlready || res.Text() != want {
		t.Errorf("second rollback:\n got %s\nwant %s", res.Text(), want)
	}
	if got := l.defaults(t, "-4"); got != "default via 10.99.0.1 dev rf0" {
		t.Errorf("the second rollback changed the routes: %q", got)
	}
	log, _ := os.ReadFile(logPath(state))
	if n := strings.Count(string(log), "rolled back: "); n != 1 {
		t.Errorf("%d rollbacks logged:\n%s", n, log)
	}

	empty := t.TempDir()
	if res, err := Rollback(ctx, empty); err != nil || res.Outcome != RollbackNoJournal || res.Text() != "nothing to roll back: no journal in "+empty {
		t.Errorf("no journal: %v %+v", err, res)
	}
}

// An IPv6 default route through a link-local gateway, and back to none;
// the IPv4 default is never touched.
func TestApplyIPv6LinkLocal(t *testing.T) {
	l := newRFLab(t)
	ctx := context.Background()
	state := t.TempDir()
	if err := Apply(ctx, l.plan(t, "fe80::1"), ApplyOptions{NetnsPath: l.path, StateDir: state, Confirm: keep}); err != nil {
		t.Fatal(err)
	}
	if got := l.defaults(t, "-6"); !strings.HasPrefix(got, "default via fe80::1 dev rf0 proto static") {
		t.Errorf("after apply: %q", got)
	}
	res, err := Rollback(ctx, state)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(res.Text(), "restored 0 IPv6 default route(s) in namespace "+l.node) {
		t.Errorf("rollback: %s", res.Text())
	}
	if got := l.defaults(t, "-6"); got != "" {
		t.Errorf("after rollback: %q", got)
	}
	if got := l.defaults(t, "-4"); got != "default via 10.99.0.3 dev rf0" {
		t.Errorf("the IPv4 default changed: %q", got)
	}
}

// A plan made from one namespace's snapshot changes no other namespace.
func TestApplyRefusesAnotherNamespace(t *testing.T) {
	l := newRFLab(t)
	p, err := NewPlan(fixturetest.Load(t, "bad"), "eth1", "10.20.0.1") // read from /run/netns/ostopo-bad
	if err != nil {
		t.Fatal(err)
	}
	state := t.TempDir()
	err = Apply(context.Background(), p, ApplyOptions{NetnsPath: l.path, StateDir: state, Confirm: keep})
	var nerr *NetnsError
	if !errors.As(err, &nerr) || nerr.Problem != NetnsElsewhere || !strings.Contains(err.Error(), "the plan is for the namespace read from /run/netns/ostopo-bad") {
		t.Errorf("%v", err)
	}
	if _, err := os.Stat(journalPath(state)); err == nil {
		t.Error("a journal was written")
	}
	if got := l.defaults(t, "-4"); got != "default via 10.99.0.3 dev rf0" {
		t.Errorf("routes changed: %q", got)
	}
}

// `ostopo fix rollback` in another shell while Apply waits for the
// operator: the "yes" that follows keeps nothing and says so.
func TestRollbackWhileWaiting(t *testing.T) {
	l := newRFLab(t)
	ctx := context.Background()
	state := t.TempDir()
	confirm := func(ctx context.Context) (bool, error) {
		if _, err := Rollback(ctx, state); err != nil {
			return false, err
		}
		return true, nil
	}
	err := Apply(ctx, l.plan(t, "10.99.0.1"), ApplyOptions{NetnsPath: l.path, StateDir: state, Confirm: confirm})
	if err == nil || !strings.Contains(err.Error(), "not kept: the fix was rolled back at ") {
		t.Errorf("%v", err)
	}
	if got := l.defaults(t, "-4"); got != "default via 10.99.0.3 dev rf0" {
		t.Errorf("routes: %q", got)
	}
	b, _ := os.ReadFile(journalPath(state))
	var j Journal
	if json.Unmarshal(b, &j); j.State != StateRolled {
		t.Errorf("journal %s", b)
	}
}
