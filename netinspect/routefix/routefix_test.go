package routefix

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ostopo/ostopo/fixtures/fixturetest"
	"github.com/ostopo/ostopo/netinspect/topo"
)

func TestDiagnoseKollaTrap(t *testing.T) {
	f := Diagnose(fixturetest.Load(t, "bad"))
	if len(f) != 1 {
		t.Fatalf("findings %+v", f)
	}
	got := f[0]
	if got.Dev != "eth4" || got.Bridge != "br-ex" || got.Why != "bridge-port" || got.Route != "default via 203.0.113.1 dev eth4" {
		t.Errorf("finding %+v", got)
	}
	if len(got.Candidates) == 0 || got.Candidates[0].Dev != "eth1" {
		t.Errorf("candidates %+v", got.Candidates)
	}
	if txt := got.Text(); !strings.Contains(txt, "eth4 is a port of br-ex") || !strings.Contains(txt, "candidates: eth1 (10.20.0.11/24)") {
		t.Errorf("text %q", txt)
	}
}

func TestDiagnoseHealthyNodes(t *testing.T) {
	for _, name := range []string{"aio", "net", "net2", "cmp", "cmp-ovsfw"} {
		if f := Diagnose(fixturetest.Load(t, name)); len(f) != 0 {
			t.Errorf("%s: %+v", name, f)
		}
	}
}

// Not only the default route: any route someone chose, through a port of
// an OVS bridge, a NIC that is down, or one without carrier.
func TestDiagnoseOtherRoutes(t *testing.T) {
	s := fixturetest.Load(t, "aio")
	root := s.Root()
	root.Routes = append(root.Routes,
		topo.Route{Table: topo.RouteTableMain, Dst: "198.51.100.0/24", Gateway: "203.0.113.254", Dev: "eth4", Protocol: "static", Family: 4},
		topo.Route{Table: topo.RouteTableMain, Dst: "203.0.113.0/24", Dev: "eth4", Protocol: "kernel", Scope: "link", Family: 4})
	// eth1 (management) is the aio's only NIC outside OVS (eth2 is a port
	// of br-phy, which holds the tunnel address): it loses its carrier, and
	// a second NIC, added here, is left to carry the host's traffic.
	eth1 := root.Link("eth1")
	eth1.Carrier = false
	root.Links = append(root.Links, topo.Link{Name: "eth5", Kind: "device", MTU: 1500, OperState: "up", AdminUp: true, Carrier: true,
		Addrs: []topo.Addr{{Prefix: "192.0.2.5/24", Scope: "global"}}})
	root.Routes = append(root.Routes, topo.Route{Table: topo.RouteTableMain, Dst: "10.99.0.0/16", Gateway: "10.20.0.1", Dev: "eth1", Protocol: "dhcp", Family: 4})
	f := Diagnose(s)
	if len(f) != 2 || f[0].Why != "bridge-port" || f[0].Route != "198.51.100.0/24 via 203.0.113.254 dev eth4 proto static" ||
		f[1].Why != "no-carrier" || f[1].Dev != "eth1" {
		t.Fatalf("findings %+v", f)
	}
	if len(f[1].Candidates) != 1 || f[1].Candidates[0].Dev != "eth5" {
		t.Errorf("candidates %+v, want only eth5 (eth1 has no carrier, the others are OVS ports)", f[1].Candidates)
	}
}

func TestPlan(t *testing.T) {
	s := fixturetest.Load(t, "bad")
	p, err := NewPlan(s, "", "10.20.0.1")
	if err != nil {
		t.Fatal(err)
	}
	if !p.OK() || p.Dev != "eth1" || p.Command != "ip route replace default via 10.20.0.1 dev eth1" {
		t.Errorf("plan %+v", p)
	}
	if len(p.Before) != 1 || RouteText(p.Before[0]) != "default via 203.0.113.1 dev eth4" || RouteText(p.After) != "default via 10.20.0.1 dev eth1 proto static" {
		t.Errorf("before %v after %v", p.Before, p.After)
	}
	if !strings.Contains(p.Reminder, "-s 10.20.0.0/24 -j MASQUERADE") || !strings.Contains(p.Reminder, "ip_forward=1") {
		t.Errorf("reminder %q", p.Reminder)
	}

	failed := func(p *Plan) []string {
		var out []string
		for _, c := range p.Checks {
			if !c.OK {
				out = append(out, c.What+": "+c.Detail)
			}
		}
		return out
	}
	for _, tc := range []struct{ dev, gw, want string }{
		{"eth1", "192.0.2.1", "gateway inside one of the device's subnets: 192.0.2.1 is in none of eth1's subnets"},
		{"eth4", "203.0.113.1", "device is not an OVS port: eth4 is a port of br-ex"},
		{"eth9", "10.20.0.1", "device exists: eth9 is not a device of the node"},
	} {
		p, err := NewPlan(s, tc.dev, tc.gw)
		if err != nil {
			t.Fatal(err)
		}
		if f := failed(p); p.OK() || len(f) == 0 || !strings.HasPrefix(f[0], tc.want) {
			t.Errorf("--dev %s --gateway %s: failed checks %q, want %q", tc.dev, tc.gw, f, tc.want)
		}
	}
	for _, gw := range []string{"", "fe80::1%eth2", "10.20.0"} {
		if _, err := NewPlan(s, "eth1", gw); err == nil {
			t.Errorf("gateway %q accepted", gw)
		}
	}
	down := fixturetest.Load(t, "bad")
	down.Root().Link("eth1").OperState = "down"
	if p, _ := NewPlan(down, "eth1", "10.20.0.1"); p.OK() {
		t.Error("a plan over a NIC that is down passed")
	}
}

func TestPersistFor(t *testing.T) {
	p, _ := NewPlan(fixturetest.Load(t, "bad"), "eth1", "10.20.0.1")
	mk := func(t *testing.T, files ...string) string {
		etc := t.TempDir()
		for _, f := range files {
			os.MkdirAll(filepath.Dir(filepath.Join(etc, f)), 0o755)
			os.WriteFile(filepath.Join(etc, f), []byte("x"), 0o644)
		}
		return etc
	}
	t.Run("netplan", func(t *testing.T) {
		etc := mk(t, "netplan/50-cloud-init.yaml", "network/interfaces")
		per := PersistFor(etc, p)
		if per.Manager != "netplan" || per.File != filepath.Join(etc, "netplan/90-ostopo-default-route.yaml") ||
			!strings.Contains(per.Content, "eth1:\n      routes:\n        - to: default\n          via: 10.20.0.1\n") {
			t.Fatalf("%+v", per)
		}
		state := t.TempDir()
		if err := per.Write(state); err != nil {
			t.Fatal(err)
		}
		st, err := os.Stat(per.File)
		if err != nil || st.Mode().Perm() != 0o600 {
			t.Errorf("written %v, mode %v", err, st.Mode())
		}
		log, _ := os.ReadFile(filepath.Join(state, "fix.log"))
		if !strings.Contains(string(log), "persisted for netplan: "+per.File+"; before (none)") {
			t.Errorf("log %s", log)
		}
	})
	t.Run("ifupdown", func(t *testing.T) {
		etc := mk(t, "network/interfaces")
		per := PersistFor(etc, p)
		if per.Manager != "ifupdown" || !strings.Contains(per.Content, `[ "$IFACE" = "eth1" ] || exit 0`) ||
			!strings.Contains(per.Content, "ip route replace default via 10.20.0.1 dev eth1") {
			t.Fatalf("%+v", per)
		}
		if err := per.Write(t.TempDir()); err != nil {
			t.Fatal(err)
		}
		if st, _ := os.Stat(per.File); st == nil || st.Mode().Perm() != 0o755 {
			t.Errorf("hook not executable: %v", st)
		}
	})
	t.Run("NetworkManager", func(t *testing.T) {
		per := PersistFor(mk(t, "NetworkManager/NetworkManager.conf"), p)
		if per.Manager != "NetworkManager" || per.File != "" || !strings.Contains(per.Explain, "nmcli connection modify") {
			t.Fatalf("%+v", per)
		}
		if err := per.Write(t.TempDir()); err == nil {
			t.Error("wrote a file for NetworkManager")
		}
	})
	t.Run("unknown", func(t *testing.T) {
		if per := PersistFor(mk(t), p); per.Manager != "unknown" || !strings.Contains(per.Explain, p.Command) {
			t.Fatalf("%+v", per)
		}
	})
}

// What cannot be a gateway is refused by NewPlan itself, as bad input with
// its own reason naming the address, the device and its subnet; it used to
// pass (broadcast, network address) or fail a pre-check with a false
// reason (the node's own 10.20.0.11 "is in none of eth1's subnets").
func TestPlanRefusesGateway(t *testing.T) {
	s := fixturetest.Load(t, "bad") // eth1 10.20.0.11/24, eth2 10.30.0.11/24, eth4 203.0.113.11/24
	for _, tc := range []struct {
		dev, gw string
		want    GatewayProblem
		reason  string // the whole message, or with a trailing "…" its start
	}{
		{"eth1", "10.20.0.255", GatewayBroadcast, "10.20.0.255 is the broadcast address of eth1's subnet 10.20.0.0/24, not a machine: the gateway must be one host on it that forwards and NATs"},
		{"", "10.20.0.255", GatewayBroadcast, "10.20.0.255 is the broadcast address of eth1's subnet 10.20.0.0/24, …"},
		{"eth1", "10.20.0.0", GatewayNetwork, "10.20.0.0 is the network address of eth1's subnet 10.20.0.0/24, not a machine: the gateway must be one host on it that forwards and NATs"},
		{"eth1", "255.255.255.255", GatewayBroadcast, "255.255.255.255 is the limited broadcast address (every host on the link), not a machine: the gateway must be one host on eth1's subnet 10.20.0.0/24 that forwards and NATs"},
		{"eth1", "0.0.0.0", GatewayUnspecified, "0.0.0.0 is the unspecified address, not a machine: the gateway must be one host on eth1's subnet 10.20.0.0/24 that forwards and NATs"},
		{"eth1", "::", GatewayUnspecified, ":: is the unspecified address, not a machine: the gateway must be one host on eth1's network that forwards and NATs"},
		{"eth1", "224.0.0.1", GatewayMulticast, "224.0.0.1 is a multicast address (224.0.0.0/4), not a machine: the gateway must be one host on eth1's subnet 10.20.0.0/24 that forwards and NATs"},
		{"eth1", "ff02::2", GatewayMulticast, "ff02::2 is a multicast address (ff00::/8), not a machine: …"},
		{"eth1", "127.0.0.1", GatewayLoopback, "127.0.0.1 is a loopback address (127.0.0.0/8): it never leaves this node; the gateway must be one host on eth1's subnet 10.20.0.0/24 that forwards and NATs"},
		{"eth1", "::1", GatewayLoopback, "::1 is a loopback address (::1/128): …"},
		{"eth1", "169.254.169.254", GatewayLinkLocal, "169.254.169.254 is an IPv4 link-local address (169.254.0.0/16, zeroconf and the metadata service), where no router forwards: the gateway must be one host on eth1's subnet 10.20.0.0/24 that forwards and NATs"},
		{"eth1", "10.20.0.11", GatewayOwn, "10.20.0.11 is this node's own address on eth1: the gateway must be another machine that forwards and NATs"},
		{"", "10.20.0.11", GatewayOwn, "10.20.0.11 is this node's own address on eth1: …"},
		{"eth1", "10.30.0.11", GatewayOwn, "10.30.0.11 is this node's own address on eth2: the gateway must be another machine that forwards and NATs"},
		{"eth4", "203.0.113.11", GatewayOwn, "203.0.113.11 is this node's own address on eth4: …"},
		{"eth1", "fe80::a0f0:a1ff:fe3c:836f", GatewayOwn, "fe80::a0f0:a1ff:fe3c:836f is this node's own address on eth1: …"},
		{"eth1", "::ffff:10.20.0.1", GatewayMapped, "::ffff:10.20.0.1 is an IPv4-mapped IPv6 address: give the IPv4 address 10.20.0.1 (on eth1's subnet 10.20.0.0/24)"},
		{"", "fe80::1", GatewayNeedsDevice, "fe80::1 is an IPv6 link-local address: it names a router only together with its link; give the link with --dev (or as fe80::1%DEV)"},
		{"eth1", "fe80::1%eth2", GatewayZone, "fe80::1%eth2 names the link eth2 but --dev is eth1: give one of them"},
		{"eth1", "10.20.0", GatewayUnparsable, `gateway "10.20.0" is not an IPv4 address or an IPv6 one (give --gateway, a host on eth1's subnet 10.20.0.0/24 that forwards and NATs)`},
		{"", "", GatewayUnparsable, `gateway "" is not an IPv4 address …`},
	} {
		p, err := NewPlan(s, tc.dev, tc.gw)
		var gerr *GatewayError
		if !errors.As(err, &gerr) {
			t.Errorf("--dev %q --gateway %q: err %v, plan %+v; want a *GatewayError (%s)", tc.dev, tc.gw, err, p, tc.want)
			continue
		}
		if !errors.Is(err, ErrBadInput) || gerr.Problem != tc.want {
			t.Errorf("--dev %q --gateway %q: problem %q, bad input %v; want %q", tc.dev, tc.gw, gerr.Problem, errors.Is(err, ErrBadInput), tc.want)
		}
		if start, ok := strings.CutSuffix(tc.reason, "…"); ok && !strings.HasPrefix(err.Error(), start) || !ok && err.Error() != tc.reason {
			t.Errorf("--dev %q --gateway %q:\n got %s\nwant %s", tc.dev, tc.gw, err, tc.reason)
		}
		if strings.Contains(err.Error(), "\n") {
			t.Errorf("--gateway %q: reason of several lines: %q", tc.gw, err)
		}
	}
}

// RFC 3021: a /31 has no network or broadcast address (both ends are
// hosts); in a /30 the two ends are. A /32 holds the node alone.
func TestPlanPointToPoint(t *testing.T) {
	with := func(prefix string) *topo.Snapshot {
		s := fixturetest.Load(t, "bad")
		s.Root().Link("eth1").Addrs[0].Prefix = prefix
		return s
	}
	for _, tc := range []struct {
		prefix, gw string
		want       GatewayProblem // "" = planned, the pre-checks pass
	}{
		{"10.20.0.10/31", "10.20.0.11", ""},
		{"10.20.0.11/31", "10.20.0.10", ""},
		{"10.20.0.10/31", "10.20.0.10", GatewayOwn},
		{"10.20.0.9/30", "10.20.0.10", ""},
		{"10.20.0.9/30", "10.20.0.8", GatewayNetwork},
		{"10.20.0.9/30", "10.20.0.11", GatewayBroadcast},
		{"10.20.0.11/32", "10.20.0.11", GatewayOwn},
	} {
		p, err := NewPlan(with(tc.prefix), "eth1", tc.gw)
		var gerr *GatewayError
		switch {
		case tc.want == "" && (err != nil || !p.OK()):
			t.Errorf("%s, gateway %s: %v %+v", tc.prefix, tc.gw, err, p)
		case tc.want != "" && (!errors.As(err, &gerr) || gerr.Problem != tc.want):
			t.Errorf("%s, gateway %s: %v, want %s", tc.prefix, tc.gw, err, tc.want)
		}
	}
	// Off a /32 nothing is on the device's subnet: a failed pre-check,
	// not bad input (the address could be a gateway, just not here).
	p, err := NewPlan(with("10.20.0.11/32"), "eth1", "10.20.0.1")
	if err != nil || p.OK() {
		t.Errorf("gateway off a /32: %v, ok %v", err, p != nil && p.OK())
	}
}

// An IPv6 link-local gateway is what a router advertises: with its device
// it plans the IPv6 default route.
func TestPlanIPv6LinkLocal(t *testing.T) {
	s := fixturetest.Load(t, "bad")
	for _, tc := range []struct{ dev, gw string }{{"eth1", "fe80::1"}, {"", "fe80::1%eth1"}, {"eth1", "FE80::1%eth1"}} {
		p, err := NewPlan(s, tc.dev, tc.gw)
		if err != nil {
			t.Fatalf("--dev %q --gateway %q: %v", tc.dev, tc.gw, err)
		}
		if !p.OK() || p.Dev != "eth1" || p.Gateway != "fe80::1" || p.Family != 6 ||
			p.Command != "ip -6 route replace default via fe80::1 dev eth1" || RouteText(p.After) != "default via fe80::1 dev eth1 proto static" {
			t.Errorf("--dev %q --gateway %q: %+v", tc.dev, tc.gw, p)
		}
		if len(p.Before) != 0 { // the node's IPv4 default is not this plan's business
			t.Errorf("before %v", p.Before)
		}
		if txt := p.Text("bad.lab", "ostopo-bad", nil, PersistFor(t.TempDir(), p)); !strings.Contains(txt, "  ip -n ostopo-bad -6 route replace default via fe80::1 dev eth1\n") ||
			!strings.Contains(txt, "✓ gateway inside one of the device's subnets: fe80::1 is link-local on eth1") {
			t.Errorf("text:\n%s", txt)
		}
	}
	// A device without IPv6: a failed pre-check.
	s.Root().Link("eth1").Addrs = s.Root().Link("eth1").Addrs[:1]
	if p, err := NewPlan(s, "eth1", "fe80::1"); err != nil || p.OK() {
		t.Errorf("eth1 without IPv6: %v %+v", err, p)
	}
}

// The plan text prints names from the node (host, devices): an escape
// sequence or a newline in one shows as text and forges no line.
func TestPlanTextHostileNames(t *testing.T) {
	const evil = "\x1b]0;pwned\a\x1b[2J\nforged: ✓ all good"
	plan := func(s *topo.Snapshot, dev string) string {
		t.Helper()
		p, err := NewPlan(s, "", "10.20.0.1")
		if err != nil {
			t.Fatal(err)
		}
		if p.Dev != dev {
			t.Fatalf("dev %q, want %q", p.Dev, dev)
		}
		return p.Text(s.Host, "ns"+dev[4:], Diagnose(s), PersistFor(t.TempDir(), p))
	}
	clean := plan(fixturetest.Load(t, "bad"), "eth1")
	s := renamed(t, fixturetest.Load(t, "bad"), map[string]string{"eth1": "eth1" + evil, "eth4": "eth4" + evil, "br-ex": "br-ex" + evil})
	s.Host += evil
	hostile := plan(s, "eth1"+evil)
	if strings.ContainsAny(hostile, "\x1b\a") {
		t.Errorf("control characters in the plan text:\n%q", hostile)
	}
	if got, want := strings.Count(hostile, "\n"), strings.Count(clean, "\n"); got != want {
		t.Errorf("%d lines, %d for clean names:\n%s", got, want, hostile)
	}
	if !strings.Contains(hostile, `eth1\x1b]0;pwned\x07\x1b[2J\nforged`) {
		t.Errorf("the name is not shown escaped:\n%s", hostile)
	}
	for _, f := range Diagnose(s) {
		if txt := f.Text(); strings.ContainsAny(txt, "\x1b\a\n") {
			t.Errorf("finding %q", txt)
		}
	}
}

// renamed is s with devices and bridges renamed everywhere (links, routes,
// OVS ports), through the snapshot's JSON.
func renamed(t *testing.T, s *topo.Snapshot, names map[string]string) *topo.Snapshot {
	t.Helper()
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	for from, to := range names {
		q, _ := json.Marshal(to)
		b = bytes.ReplaceAll(b, []byte(`"`+from+`"`), q)
	}
	var out topo.Snapshot
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return &out
}

// For a replay, --netns must name the namespace the snapshot was read from.
func TestSnapshotNetns(t *testing.T) {
	s := fixturetest.Load(t, "bad") // read from /run/netns/ostopo-bad
	if err := SnapshotNetns(s, "ostopo-bad"); err != nil {
		t.Error(err)
	}
	if err := SnapshotNetns(s, ""); err != nil {
		t.Error(err)
	}
	err := SnapshotNetns(s, "nosuch")
	var nerr *NetnsError
	if !errors.As(err, &nerr) || nerr.Problem != NetnsElsewhere || !errors.Is(err, ErrBadInput) ||
		err.Error() != `namespace "nosuch" is not the one the snapshot was read from (/run/netns/ostopo-bad)` {
		t.Errorf("%v", err)
	}
	s.Root().Path = "/proc/thread-self/ns/net" // read under ip netns exec: unknown which
	if err := SnapshotNetns(s, "nosuch"); err != nil {
		t.Error(err)
	}
}

// Rollback says what it did, and a journal rolled back before is not
// rolled back again in words.
func TestRollbackResultText(t *testing.T) {
	started := time.Date(2025, 3, 4, 10, 0, 0, 0, time.UTC)
	rolled := started.Add(90 * time.Second)
	before := []topo.Route{{Table: 254, Dst: "default", Gateway: "203.0.113.1", Dev: "eth4", Family: 4}}
	for _, tc := range []struct {
		r    RollbackResult
		want string
	}{
		{RollbackResult{Outcome: RollbackNoJournal, StateDir: "/var/lib/ostopo"}, "nothing to roll back: no journal in /var/lib/ostopo"},
		{RollbackResult{Outcome: RollbackAlready, Journal: &Journal{Started: started, RolledBack: rolled, State: StateRolled}},
			"nothing to roll back: the journal of 2025-03-04T10:00:00Z was already rolled back at 2025-03-04T10:01:30Z"},
		{RollbackResult{Outcome: RollbackAlready, Journal: &Journal{Started: started, State: StateRolled}},
			"nothing to roll back: the journal of 2025-03-04T10:00:00Z was already rolled back (the journal does not say when)"},
		{RollbackResult{Outcome: RollbackRestored, Journal: &Journal{Started: started, State: StateRolled}, NetnsPath: "/run/netns/ostopo-bad", Restored: before},
			"rolled back the fix of 2025-03-04T10:00:00Z: restored 1 IPv4 default route(s) in namespace ostopo-bad (/run/netns/ostopo-bad): default via 203.0.113.1 dev eth4"},
		{RollbackResult{Outcome: RollbackRestored, Journal: &Journal{Started: started, Confirmed: rolled, Family: 6, State: StateRolled}},
			"rolled back the fix of 2025-03-04T10:00:00Z (kept at 2025-03-04T10:01:30Z): restored 0 IPv6 default route(s) in the namespace ostopo runs in: it had none before the fix, and has none now"},
	} {
		if got := tc.r.Text(); got != tc.want {
			t.Errorf("\n got %s\nwant %s", got, tc.want)
		}
		if tc.r.Changed() != (tc.r.Outcome == RollbackRestored) {
			t.Errorf("%s: changed %v", tc.r.Outcome, tc.r.Changed())
		}
	}
}

// A device name goes into a root shell hook and a YAML file only if it
// cannot break out of them.
func TestPersistUnsafeDevice(t *testing.T) {
	s := renamed(t, fixturetest.Load(t, "bad"), map[string]string{"eth1": `e";reboot;"`})
	p, err := NewPlan(s, `e";reboot;"`, "10.20.0.1")
	if err != nil {
		t.Fatal(err)
	}
	etc := t.TempDir()
	os.MkdirAll(filepath.Join(etc, "network"), 0o755)
	os.WriteFile(filepath.Join(etc, "network", "interfaces"), nil, 0o644)
	if per := PersistFor(etc, p); per.File != "" || !strings.Contains(per.Explain, "not safe") {
		t.Errorf("%+v", per)
	}
}

// A NIC the kernel reports down while it is set up has no link: the
// advice is the cable or switch port, not `ip link set up`, which changes
// nothing (it used to be reported "down" whenever the oper state was).
func TestDiagnoseTellsSetDownFromNoCarrier(t *testing.T) {
	for _, tc := range []struct {
		adminUp bool
		why     string
		text    string
	}{
		{true, "no-carrier", "eth1 has no carrier (cable, switch port: ethtool eth1)"},
		{false, "down", "eth1 is set down (ip link set eth1 up)"},
	} {
		s := fixturetest.Load(t, "aio")
		// The lab's aio has no default route (the real-Neutron lab's
		// machines route only their own subnets): give it one through eth1.
		root := s.Root()
		root.Routes = append(root.Routes, topo.Route{Table: topo.RouteTableMain, Dst: "default", Gateway: "10.20.0.1", Dev: "eth1", Protocol: "boot", Family: 4})
		eth1 := root.Link("eth1")
		eth1.AdminUp, eth1.Carrier, eth1.OperState = tc.adminUp, false, "down"
		f := Diagnose(s)
		if len(f) != 1 || f[0].Why != tc.why || !strings.Contains(f[0].Text(), tc.text) {
			t.Errorf("admin up %v: %+v", tc.adminUp, f)
		}
	}
}
