package trace_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/ostopo/ostopo/fixtures/fixturetest"
	"github.com/ostopo/ostopo/fixtures/lab"
	"github.com/ostopo/ostopo/netinspect/topo"
	"github.com/ostopo/ostopo/netinspect/trace"
)

// notRead marks a source failed the way collection records it.
func notRead(s *topo.Snapshot, name, why string) {
	if src := s.Source(name); src != nil {
		src.OK, src.Error = false, why
		return
	}
	s.Sources = append(s.Sources, topo.Source{Name: name, Error: why})
}

// What the trace rests on was not read: the answer is unknown (exit 3),
// never a break and never bad input (issue point 5).
func TestUnreadIsUnknown(t *testing.T) {
	t.Run("no facts at all", func(t *testing.T) {
		_, err := trace.Trace(&topo.Snapshot{Schema: topo.Schema}, "203.0.113.200", trace.Options{})
		var ue *trace.UnreadError
		if !errors.Is(err, trace.ErrUnread) || errors.Is(err, trace.ErrUnknown) || !errors.As(err, &ue) || ue.Sources[0].Name != "ovsdb" ||
			trace.ExitCode(nil, err) != 3 || !strings.Contains(err.Error(), "ovsdb (not recorded in the snapshot)") {
			t.Errorf("err = %v, exit %d", err, trace.ExitCode(nil, err))
		}
	})
	t.Run("not found while the DHCP host files were not read", func(t *testing.T) {
		s := fixturetest.Load(t, "aio")
		notRead(s, "agent-files", "open /var/lib/neutron/dhcp: permission denied")
		_, err := trace.Trace(s, "198.51.100.7", trace.Options{})
		if !errors.Is(err, trace.ErrUnread) || !strings.Contains(err.Error(), "agent-files (open /var/lib/neutron/dhcp: permission denied)") {
			t.Errorf("err = %v", err)
		}
		if _, err := trace.Trace(s, "ffffffff", trace.Options{}); !errors.Is(err, trace.ErrUnread) {
			t.Errorf("unknown port prefix: %v", err)
		}
	})
	t.Run("OVSDB not read", func(t *testing.T) {
		s := fixturetest.Load(t, "aio")
		f := fip(s)
		s.OVS = topo.OVS{Managers: []topo.Manager{}, Bridges: []topo.Bridge{}}
		s.Sources = slices.DeleteFunc(s.Sources, func(src topo.Source) bool { return strings.HasPrefix(src.Name, "openflow/") })
		notRead(s, "ovsdb", "dial unix /run/openvswitch/db.sock: connect: permission denied")
		rederive(s)
		r, err := trace.Trace(s, f.FloatingIP, trace.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if r.Complete || r.BrokenAt != nil || !r.Unknown || r.UnknownAt == nil || *r.UnknownAt != 0 || trace.ExitCode(r, nil) != 3 {
			t.Fatalf("complete %v broken %v unknown %v at %v, exit %d; want unknown at hop 1, exit 3", r.Complete, r.BrokenAt, r.Unknown, r.UnknownAt, trace.ExitCode(r, nil))
		}
		// Without OVSDB, what the kernel alone shows can be checked: the
		// router namespace and the kernel half of the chain.
		kernelOnly := []string{trace.KindRouter, trace.KindQVB, trace.KindQBR, trace.KindTap}
		for _, h := range r.Hops {
			if h.Problem != "" || h.OK != slices.Contains(kernelOnly, h.Kind) {
				t.Errorf("hop %s: ok %v problem %q unknown %q", h.Kind, h.OK, h.Problem, h.Unknown)
			}
		}
		text := trace.Text(r, s.Host)
		for _, want := range []string{" 1 ? provider_nic", "       ? not checked: ovsdb was not read\n         ovsdb: dial unix /run/openvswitch/db.sock: connect: permission denied\n",
			"path UNKNOWN at hop 1 (provider_nic "} {
			if !strings.Contains(text, want) {
				t.Errorf("text lacks %q:\n%s", want, text)
			}
		}
		if strings.Contains(text, "BROKEN") || strings.Contains(text, "complete") {
			t.Errorf("text:\n%s", text)
		}
	})
	t.Run("NAT rules not read", func(t *testing.T) {
		s := fixturetest.Load(t, "aio")
		f := fip(s)
		ns := s.Neutron.Routers[0].Namespace
		s.Namespace(ns).NAT = nil
		notRead(s, "nat/"+ns, "iptables-save: exit status 1")
		rederive(s)
		r, err := trace.Trace(s, f.FloatingIP, trace.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if r.BrokenAt != nil || r.UnknownAt == nil || r.Hops[*r.UnknownAt].Kind != trace.KindRouter || r.Hops[*r.UnknownAt].Unknown != "nat/"+ns+" was not read" {
			t.Fatalf("broken %v unknown at %v: %+v", r.BrokenAt, r.UnknownAt, r.Hops)
		}
	})
	t.Run("a break found on what was read wins", func(t *testing.T) {
		s := fixturetest.Load(t, "aio")
		f := fip(s)
		ns := s.Neutron.Routers[0].Namespace
		notRead(s, "nat/"+ns, "iptables-save: exit status 1")
		l := s.Root().Link(s.Neutron.Port(f.PortID).Devices.QVB.Name)
		l.AdminUp, l.Carrier, l.OperState = false, false, "down"
		rederive(s)
		r, err := trace.Trace(s, f.FloatingIP, trace.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if r.BrokenAt == nil || r.Hops[*r.BrokenAt].Kind != trace.KindQVB || r.UnknownAt == nil || trace.ExitCode(r, nil) != 1 {
			t.Fatalf("broken at %v unknown at %v exit %d", r.BrokenAt, r.UnknownAt, trace.ExitCode(r, nil))
		}
		text := trace.Text(r, s.Host)
		if !strings.Contains(text, "path BROKEN at hop 9 (qvb ") || !strings.Contains(text, "(hop 6 could not be checked: nat/"+ns+" was not read)") {
			t.Errorf("text:\n%s", text)
		}
	})
}

// A tap that is up without carrier is not "down": the trace says nothing
// holds it and points at the instance (issue point 7); a provider NIC
// without carrier points at the cable, not at ip link set up.
func TestNoCarrier(t *testing.T) {
	s := fixturetest.Load(t, "aio")
	f := fip(s)
	p := s.Neutron.Port(f.PortID)
	l := s.Root().Link(p.Devices.Tap.Name)
	l.Kind, l.TunMode, l.Peer, l.Carrier, l.OperState = "tuntap", "tap", nil, false, "down"
	rederive(s)
	r, err := trace.Trace(s, f.FloatingIP, trace.Options{})
	if err != nil {
		t.Fatal(err)
	}
	h := r.Hops[*r.BrokenAt]
	if h.Kind != trace.KindTap || !strings.Contains(h.Problem, "has no carrier: nothing holds it open") || h.Found != "up, no carrier (oper state down)" ||
		!strings.Contains(h.Next, "openstack server show "+p.InstanceID) || !strings.Contains(h.Next, "virsh domstate "+p.InstanceID) ||
		!strings.Contains(h.Next, "/proc/[0-9]*/fdinfo/*") || strings.Contains(h.Next, "ip link set") {
		t.Errorf("tap hop: %+v", h)
	}

	s = fixturetest.Load(t, "aio")
	eth4 := s.Root().Link("eth4")
	eth4.Carrier, eth4.OperState = false, "lower-layer-down"
	rederive(s)
	r, _ = trace.Trace(s, f.FloatingIP, trace.Options{})
	h = r.Hops[*r.BrokenAt]
	if h.Kind != trace.KindProviderNIC || !strings.Contains(h.Problem, "eth4 is up but has no carrier") || strings.Contains(h.Next, "ip link set eth4 up") {
		t.Errorf("provider NIC hop: %+v", h)
	}
	eth4.AdminUp = false
	rederive(s)
	r, _ = trace.Trace(s, f.FloatingIP, trace.Options{})
	if h = r.Hops[*r.BrokenAt]; h.Next != "ip link set eth4 up" || h.Found != "admin down (oper state lower-layer-down)" {
		t.Errorf("provider NIC set down: %+v", h)
	}
}

// Any unique prefix of a port id, in any case, or a device name, traces
// that port; an ambiguous one lists the candidates (issue point 8).
func TestPortPrefixes(t *testing.T) {
	s := fixturetest.Load(t, "aio")
	f := fip(s)
	want := "provider_nic physical_bridge patch integration_bridge router_gateway router router_interface qvo qvb qbr tap"
	for _, in := range []string{f.PortID[:8], strings.ToUpper(f.PortID[:13]), " " + f.PortID[:4] + " ", "qvo" + f.PortID[:11], "tap" + f.PortID[:11]} {
		r, err := trace.Trace(s, in, trace.Options{})
		if err != nil || kinds(r) != want || r.PortID != f.PortID {
			t.Errorf("trace %q: %v, %q", in, err, kinds(r))
		}
	}
	// A second port whose id starts like the first.
	twin := *s.Neutron.Port(f.PortID)
	twin.ID = f.PortID[:8] + "-0000-4000-8000-000000000000"
	s.Neutron.Ports = append(s.Neutron.Ports, twin)
	_, err := trace.Trace(s, f.PortID[:8], trace.Options{})
	var ae *trace.AmbiguousError
	if !errors.As(err, &ae) || len(ae.Candidates) != 2 || trace.ExitCode(nil, err) != 2 ||
		!strings.Contains(err.Error(), "port id prefix "+f.PortID[:8]+" matches 2 ports: "+f.PortID+" (instance, "+f.FixedIP+", network ") {
		t.Errorf("ambiguous prefix: %v", err)
	}
	if r, err := trace.Trace(s, f.PortID[:10], trace.Options{}); err != nil || r.PortID != f.PortID {
		t.Errorf("a longer prefix that is unique again: %v", err)
	}
	// A port known only by its devices (its qvo is on no bridge), asked
	// for by the full id openstack shows.
	b := fixturetest.Load(t, "bad")
	orphan := lab.Broken().Instances[4].ID // FaultQVOOffBridge
	if r, err := trace.Trace(b, orphan, trace.Options{}); err != nil || r.PortID != orphan[:11] {
		t.Errorf("full id of a port known by its devices: %v", err)
	}
	for _, in := range []string{"abc", "zzzz", "qvo"} {
		if _, err := trace.Trace(s, in, trace.Options{}); err == nil || errors.Is(err, trace.ErrUnknown) || trace.ExitCode(nil, err) != 2 {
			t.Errorf("%q: %v", in, err)
		}
	}
	if _, err := trace.Trace(s, "ffff", trace.Options{}); !errors.Is(err, trace.ErrUnknown) {
		t.Errorf("a prefix of no port: %v", err)
	}
}

// A router interface, a router gateway or a DHCP port address (or port
// id) traces to that port.
func TestRouterAndDHCPAddresses(t *testing.T) {
	s := fixturetest.Load(t, "aio")
	r0 := s.Neutron.Routers[0]
	var dhcp *topo.NPort
	for i := range s.Neutron.Ports {
		if p := &s.Neutron.Ports[i]; p.Role == topo.RoleDHCP && len(p.FixedIPs) > 0 {
			dhcp = p
			break
		}
	}
	host := func(prefix string) string { ip, _, _ := strings.Cut(prefix, "/"); return ip }
	tests := []struct {
		in, role, port, kinds, what string
	}{
		{host(r0.Interfaces[0].Addresses[0]), topo.RoleRouterInterface, r0.Interfaces[0].Port, "router_interface", "router interface "},
		{r0.Interfaces[0].Port[:8], topo.RoleRouterInterface, r0.Interfaces[0].Port, "router_interface", "router interface "},
		{host(r0.Gateway.Address), topo.RoleRouterGateway, r0.Gateway.Port, "provider_nic physical_bridge patch integration_bridge router_gateway", "router gateway "},
		{host(dhcp.FixedIPs[0]), topo.RoleDHCP, dhcp.ID, "dhcp", "DHCP port "},
		{"tap" + dhcp.ID[:11], topo.RoleDHCP, dhcp.ID, "dhcp", "DHCP port "},
	}
	for _, tt := range tests {
		r, err := trace.Trace(s, tt.in, trace.Options{})
		if err != nil {
			t.Errorf("trace %s: %v", tt.in, err)
			continue
		}
		if r.Role != tt.role || r.PortID != tt.port || kinds(r) != tt.kinds || !r.Complete || trace.ExitCode(r, nil) != 0 {
			t.Errorf("trace %s: role %q port %s path %q complete %v", tt.in, r.Role, r.PortID, kinds(r), r.Complete)
		}
		last := r.Hops[len(r.Hops)-1]
		if !slices.ContainsFunc(last.Evidence, func(e string) bool { return strings.HasPrefix(e, "address ") }) {
			t.Errorf("trace %s: last hop evidence %q", tt.in, last.Evidence)
		}
		if text := trace.Text(r, s.Host); !strings.HasPrefix(text, "ostopo trace "+tt.what) {
			t.Errorf("trace %s: %s", tt.in, text)
		}
	}
	// The same address on two DHCP ports (two tenants' subnets): ambiguous.
	var other *topo.Namespace
	for i := range s.Namespaces {
		if ns := &s.Namespaces[i]; ns.Kind == topo.NSDHCP && ns.Name != dhcp.Namespace {
			other = ns
		}
	}
	for i := range other.Links {
		if strings.HasPrefix(other.Links[i].Name, "tap") {
			other.Links[i].Addrs = append(other.Links[i].Addrs, topo.Addr{Prefix: dhcp.FixedIPs[0], Scope: "global"})
		}
	}
	rederive(s)
	_, err := trace.Trace(s, host(dhcp.FixedIPs[0]), trace.Options{})
	var ae *trace.AmbiguousError
	if !errors.As(err, &ae) || len(ae.Candidates) != 2 || !strings.HasPrefix(err.Error(), "address "+host(dhcp.FixedIPs[0])+" matches 2 ports: ") {
		t.Errorf("an address two DHCP ports hold: %v", err)
	}
}

// Candidates offers every floating IP, instance fixed IP, router and DHCP
// port address and port id of the node once, in that order, each saying
// what it is.
func TestCandidates(t *testing.T) {
	s := fixturetest.Load(t, "aio")
	cs := trace.Candidates(s)
	values := map[string]string{}
	group := map[string]int{} // value -> group it was offered in, by its description
	last := 0
	for _, c := range cs {
		if _, dup := values[c.Value]; dup {
			t.Errorf("%s offered twice", c.Value)
		}
		values[c.Value] = c.Description
		g := 0
		switch {
		case strings.HasPrefix(c.Description, "floating IP → "):
		case strings.HasPrefix(c.Description, "fixed IP of port "):
			g = 1
		case strings.HasPrefix(c.Description, "port: "):
			g = 3
		default:
			g = 2
		}
		if g < last {
			t.Errorf("%s (%s) offered after group %d", c.Value, c.Description, last)
		}
		group[c.Value], last = g, g
	}
	host := func(prefix string) string { ip, _, _ := strings.Cut(prefix, "/"); return ip }
	want := map[string]string{}
	fips, portIDs := 0, 0
	for _, r := range s.Neutron.Routers {
		for _, f := range r.FloatingIPs {
			want[f.FloatingIP] = "floating IP → " + f.FixedIP + ", router " + r.ID[:8]
			fips++
		}
		for _, i := range r.Interfaces {
			for _, a := range i.Addresses {
				want[host(a)] = "router interface " + i.Device + " of router " + r.ID[:8]
			}
		}
		want[host(r.Gateway.Address)] = "router gateway " + r.Gateway.Device + " of router " + r.ID[:8]
	}
	for _, p := range s.Neutron.Ports {
		switch p.Role {
		case topo.RoleInstance:
			for _, a := range p.FixedIPs {
				want[a] = "fixed IP of port " + p.ID[:8]
			}
		case topo.RoleDHCP:
			want[host(p.FixedIPs[0])] = "DHCP port of network " + p.NetworkID[:8]
			want[p.ID] = "port: dhcp, " + p.FixedIPs[0] + ", network " + p.NetworkID[:8]
			portIDs++
		}
	}
	if fips == 0 || portIDs == 0 {
		t.Fatalf("aio: %d floating IPs, %d DHCP ports", fips, portIDs)
	}
	for value, w := range want {
		if !strings.HasPrefix(values[value], w) {
			t.Errorf("%s: %q, want %q…", value, values[value], w)
		}
	}
	if !strings.HasPrefix(cs[0].Description, "floating IP → ") {
		t.Errorf("first candidate %+v, want a floating IP", cs[0])
	}
	ids := 0
	for _, p := range s.Neutron.Ports {
		if _, ok := values[p.ID]; ok && group[p.ID] == 3 {
			ids++
		}
	}
	if others := len(want) - portIDs; len(cs) != others+ids || ids != len(s.Neutron.Ports) {
		t.Errorf("%d candidates, want %d addresses and %d port ids", len(cs), others, len(s.Neutron.Ports))
	}
	// Every candidate traces (or is a port without an address to trace).
	for _, c := range cs {
		if _, err := trace.Trace(s, c.Value, trace.Options{}); err != nil && !strings.Contains(err.Error(), "no fixed IP") {
			t.Errorf("candidate %s: %v", c.Value, err)
		}
	}
}

// Text escapes what the snapshot holds, line by line: a device name
// cannot retitle the terminal or forge a verdict.
func TestTextEscapes(t *testing.T) {
	zero := 0
	r := &trace.Result{IP: "10.0.0.5", FixedIP: "10.0.0.5", Direction: "inbound", BrokenAt: &zero, Hops: []trace.Hop{{
		Kind: trace.KindTap, Device: "tap\x1b]0;pwned\x07", Evidence: []string{"instance x\npath complete: 1 hops"},
		Problem: "tap\x1b[2J is down", Expected: "up", Found: "down", Next: "ip link set tap up",
	}}}
	got := trace.Text(r, "node\x1b[31m")
	if strings.ContainsAny(got, "\x1b\x07") || strings.Contains(got, "\npath complete") {
		t.Errorf("unescaped:\n%s", got)
	}
	for _, want := range []string{"on node\\x1b[31m (inbound)", " 1 ✗ tap                tap\\x1b]0;pwned\\x07\n", "       instance x\\npath complete: 1 hops\n",
		"       ✗ tap\\x1b[2J is down\n       expected: up\n       found:    down\n       next:     ip link set tap up\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("text lacks %q:\n%s", want, got)
		}
	}
}
