package doctor_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/ostopo/ostopo/fixtures/fixturetest"
	"github.com/ostopo/ostopo/fixtures/lab"
	"github.com/ostopo/ostopo/netinspect/doctor"
	"github.com/ostopo/ostopo/netinspect/neutron"
	"github.com/ostopo/ostopo/netinspect/topo"
)

func TestHealthyNodesAreClean(t *testing.T) {
	for _, name := range []string{"aio", "net", "net2", "cmp", "cmp-ovsfw", "scale"} {
		if fs := doctor.Run(fixturetest.Load(t, name)); len(fs) != 0 || doctor.ExitCode(fs) != 0 {
			t.Errorf("%s: %d findings, e.g. %+v", name, len(fs), fs[0])
		}
	}
}

// The broken lab node: one finding per injected fault, on the right object.
func TestBrokenNode(t *testing.T) {
	spec := lab.Broken()
	in := spec.Instances
	fs := doctor.Run(fixturetest.Load(t, "bad"))
	var ids []string
	for _, f := range fs {
		ids = append(ids, f.ID)
	}
	want := []string{
		"dead-vlan/port/" + in[0].ID, "dead-vlan/port/" + in[1].ID,
		"chain-broken/port/" + in[2].ID, "chain-broken/port/" + in[3].ID, "chain-broken/port/" + in[4].ID[:11],
		"device-down/port/" + in[5].ID, "tag-mismatch/port/" + in[6].ID,
		"vlan-unmapped/network/" + spec.Networks[3].ID,
		"fip-nat/router/" + spec.Routers[0].ID, "router-forwarding/router/" + spec.Routers[1].ID,
		"default-route-via-bridge-port/route/default", "provider-nic-address/nic/eth4",
	}
	for _, w := range want {
		if !slices.Contains(ids, w) {
			t.Errorf("missing finding %s", w)
		}
	}
	if len(ids) != len(want) {
		t.Errorf("%d findings, want %d: %v", len(ids), len(want), ids)
	}
	if doctor.ExitCode(fs) != 2 {
		t.Errorf("exit code %d, want 2", doctor.ExitCode(fs))
	}
}

func ovsPort(s *topo.Snapshot, name string) *topo.Port {
	if p := s.OVS.Port(name); p != nil {
		return p
	}
	panic("no OVS port " + name)
}

// Each check, with and without its fault, on the all-in-one node.
func TestEachCheck(t *testing.T) {
	inst := func(s *topo.Snapshot) topo.NPort {
		for _, p := range s.Neutron.Ports {
			if p.Role == topo.RoleInstance {
				return p
			}
		}
		panic("no instance")
	}
	tests := []struct {
		check, severity string
		breakIt         func(s *topo.Snapshot)
		object          string // kind/id prefix of the first object
	}{
		{"dead-vlan", doctor.Error, func(s *topo.Snapshot) { ovsPort(s, inst(s).OVSPort).Tag = 4095 }, "port/"},
		{"port-not-programmed", doctor.Error, func(s *topo.Snapshot) { ovsPort(s, inst(s).OVSPort).Tag = 0 }, "port/"},
		{"chain-broken", doctor.Error, func(s *topo.Snapshot) { s.Root().Link(inst(s).Devices.QVB.Name).Master = "" }, "port/"},
		{"device-down", doctor.Error, func(s *topo.Snapshot) { l := s.Root().Link(inst(s).Devices.Tap.Name); l.AdminUp = false }, "port/"},
		{"device-no-carrier", doctor.Error, func(s *topo.Snapshot) {
			l := s.Root().Link(inst(s).Devices.Tap.Name)
			l.Kind, l.TunMode, l.Peer, l.Carrier, l.OperState = "tuntap", "tap", nil, false, "down"
		}, "port/"},
		// 42 less than the chain's MTU, whatever the network's (1450 on
		// VXLAN, 1500 on the VLAN network).
		{"mtu-mismatch", doctor.Warning, func(s *topo.Snapshot) { s.Root().Link(inst(s).Devices.QVO.Name).MTU -= 42 }, "port/"},
		{"tag-mismatch", doctor.Error, func(s *topo.Snapshot) { ovsPort(s, inst(s).OVSPort).OtherConfig["tag"] = "9" }, "port/"},
		{"vlan-shared", doctor.Error, func(s *topo.Snapshot) {
			for _, p := range s.Neutron.Ports {
				if p.LocalVLAN == 3 && p.OVSPort != "" {
					op := ovsPort(s, p.OVSPort)
					op.Tag, op.OtherConfig["tag"] = 2, "2"
				}
			}
		}, "network/"},
		{"vlan-unmapped", doctor.Error, func(s *topo.Snapshot) {
			b := s.OVS.Bridge("br-tun")
			b.Flows = slices.DeleteFunc(b.Flows, func(f topo.Flow) bool { return f.Table == 4 && f.Priority == 1 })
		}, "network/"},
		{"patch-peer", doctor.Error, func(s *topo.Snapshot) { ovsPort(s, "patch-tun").Interfaces[0].Options["peer"] = "gone" }, "patch/br-int/patch-tun"},
		{"tunnel-local-ip", doctor.Error, func(s *topo.Snapshot) {
			ovsPort(s, s.Neutron.Tunnels[0].Port).Interfaces[0].Options["local_ip"] = "192.0.2.99"
		}, "tunnel/vxlan-"},
		{"namespace-orphan", doctor.Warning, func(s *topo.Snapshot) {
			s.Namespaces = append(s.Namespaces, topo.Namespace{Name: "qdhcp-00000000-0000-4000-a000-000000000000", Kind: topo.NSDHCP,
				ID: "00000000-0000-4000-a000-000000000000", Links: []topo.Link{{Name: "lo"}, {Name: "tap00000000-00"}}})
		}, "namespace/qdhcp-00000000"},
		{"namespace-empty", doctor.Warning, func(s *topo.Snapshot) {
			s.Namespaces = append(s.Namespaces, topo.Namespace{Name: "qrouter-00000000-0000-4000-a000-000000000000", Kind: topo.NSRouter,
				ID: "00000000-0000-4000-a000-000000000000", Links: []topo.Link{{Name: "lo"}}})
		}, "namespace/qrouter-00000000"},
		{"router-forwarding", doctor.Error, func(s *topo.Snapshot) {
			off := false
			s.Namespace(s.Neutron.Routers[0].Namespace).IPForward = &off
		}, "router/"},
		{"fip-nat", doctor.Error, func(s *topo.Snapshot) {
			r := s.Neutron.Routers[0]
			l := s.Namespace(r.Namespace).Link(r.Gateway.Device)
			l.Addrs = slices.DeleteFunc(l.Addrs, func(a topo.Addr) bool { return strings.HasSuffix(a.Prefix, "/32") })
		}, "router/"},
		{"router-interface-address", doctor.Warning, func(s *topo.Snapshot) {
			r := s.Neutron.Routers[0]
			s.Namespace(r.Namespace).Link(r.Interfaces[0].Device).Addrs = nil
		}, "port/"},
		{"router-duplicate-address", doctor.Error, func(s *topo.Snapshot) {
			r0, r1 := s.Neutron.Routers[0], s.Neutron.Routers[1]
			l := s.Namespace(r1.Namespace).Link(r1.Interfaces[0].Device)
			l.Addrs = append(l.Addrs, topo.Addr{Prefix: r0.Interfaces[0].Addresses[0], Scope: "global"})
		}, "address/"},
		{"dhcp-port", doctor.Error, func(s *topo.Snapshot) {
			for i := range s.Namespaces {
				if ns := &s.Namespaces[i]; ns.Kind == topo.NSDHCP {
					for j := range ns.Links {
						ns.Links[j].Addrs = nil
					}
					break
				}
			}
		}, "namespace/qdhcp-"},
		{"default-route-via-bridge-port", doctor.Error, func(s *topo.Snapshot) {
			// The kolla trap: the default route left on the NIC given to
			// br-ex (the lab's aio has no default route of its own).
			root := s.Root()
			root.Routes = slices.DeleteFunc(root.Routes, func(rt topo.Route) bool { return rt.Dst == "default" })
			root.Routes = append(root.Routes, topo.Route{Table: topo.RouteTableMain, Dst: "default", Gateway: "203.0.113.1", Dev: "eth4", Protocol: "boot", Family: 4})
		}, "route/default"},
		{"provider-nic-address", doctor.Warning, func(s *topo.Snapshot) {
			l := s.Root().Link("eth4")
			l.Addrs = append(l.Addrs, topo.Addr{Prefix: "203.0.113.11/24", Scope: "global"})
		}, "nic/eth4"},
		{"fail-mode", doctor.Warning, func(s *topo.Snapshot) { s.OVS.Bridge("br-tun").FailMode = "standalone" }, "bridge/br-tun"},
		{"controller", doctor.Warning, func(s *topo.Snapshot) { s.OVS.Bridge("br-tun").Controllers[0].IsConnected = false }, "bridge/br-tun"},
		// HA (ha_test.go has the real lab's): the router made HA, its
		// gateway address answered for from the wire; its state file
		// saying backup while it holds its addresses.
		{"ha-active-on-two-nodes", doctor.Error, func(s *topo.Snapshot) { haAnswered(makeHA(s, "primary"), s, "fa:16:3e:00:00:99") }, "router/"},
		{"ha-state", doctor.Warning, func(s *topo.Snapshot) { makeHA(s, "backup") }, "router/"},
	}
	checks := map[string]bool{}
	for _, c := range doctor.Checks() {
		checks[c.ID] = true
	}
	for _, tt := range tests {
		delete(checks, tt.check)
		t.Run(tt.check, func(t *testing.T) {
			s := fixturetest.Load(t, "aio")
			tt.breakIt(s)
			s.Neutron = neutron.Derive(s)
			var got []doctor.Finding
			for _, f := range doctor.Run(s) {
				if f.Check == tt.check {
					got = append(got, f)
				}
			}
			if len(got) == 0 {
				t.Fatalf("no %s finding", tt.check)
			}
			f := got[0]
			obj := f.Objects[0].Kind + "/" + f.Objects[0].ID
			if f.Severity != tt.severity || !strings.HasPrefix(obj, tt.object) || len(f.Evidence) == 0 || f.Fix == "" {
				t.Errorf("finding %+v; want severity %s, object %s…", f, tt.severity, tt.object)
			}
			if !strings.HasPrefix(f.ID, tt.check+"/"+tt.object) {
				t.Errorf("id %q is not check/object", f.ID)
			}
		})
	}
	for c := range checks {
		t.Errorf("check %s has no test", c)
	}
}

func BenchmarkDoctorScale(b *testing.B) {
	s := fixturetest.Load(b, "scale")
	for b.Loop() {
		doctor.Run(s)
	}
}

// notRead marks a source failed the way collection records it.
func notRead(s *topo.Snapshot, name, why string) {
	if src := s.Source(name); src != nil {
		src.OK, src.Error = false, why
		return
	}
	s.Sources = append(s.Sources, topo.Source{Name: name, Error: why})
}

// asNonRoot makes a snapshot look read by a user who is not root: no
// OVSDB (the socket is root's), no flows, and no namespace but the node's
// own (entering one needs CAP_SYS_ADMIN).
func asNonRoot(s *topo.Snapshot) {
	s.OVS = topo.OVS{Managers: []topo.Manager{}, Bridges: []topo.Bridge{}}
	s.Sources = slices.DeleteFunc(s.Sources, func(src topo.Source) bool {
		return strings.HasPrefix(src.Name, "openflow/") || strings.HasPrefix(src.Name, "nat/") ||
			strings.HasPrefix(src.Name, "sysctl/") && src.Name != "sysctl/(root)"
	})
	notRead(s, "ovsdb", "dial unix /run/openvswitch/db.sock: connect: permission denied (the OVSDB socket is root's: run as root)")
	var keep []topo.Namespace
	for _, ns := range s.Namespaces {
		if ns.Root {
			keep = append(keep, ns)
			continue
		}
		notRead(s, "netlink/"+ns.Name, "open namespace /run/netns/"+ns.Name+": operation not permitted (entering a namespace needs root: CAP_SYS_ADMIN)")
	}
	s.Namespaces = keep
	s.Neutron = neutron.Derive(s)
	s.Normalize()
}

// Facts that were not read are unknown, never clean (issue point 5): a
// check whose sources were not read does not run, is listed with them,
// and the exit status is 3 unless an error was found on what was read.
func TestUnreadIsUnknown(t *testing.T) {
	t.Run("not root", func(t *testing.T) {
		s := fixturetest.Load(t, "aio")
		asNonRoot(s)
		r := doctor.Examine(s)
		if len(r.Findings) != 0 {
			t.Errorf("findings on facts that were not read: %+v", r.Findings)
		}
		if len(r.Unchecked) != len(doctor.Checks()) || r.ExitCode() != 3 {
			t.Errorf("%d of %d checks unchecked, exit %d; want all, exit 3", len(r.Unchecked), len(doctor.Checks()), r.ExitCode())
		}
		u := r.Unchecked[0]
		if u.Check != "dead-vlan" || len(u.Sources) != 1 || u.Sources[0].Name != "ovsdb" || !strings.Contains(u.Sources[0].Error, "permission denied") {
			t.Errorf("first unchecked %+v; want dead-vlan needing ovsdb with its error", u)
		}
		text := doctor.Text(s.Host, r)
		for _, want := range []string{
			fmt.Sprintf("%s: nothing found in what could be read; %d of %[2]d checks could not run", s.Host, len(doctor.Checks())),
			"UNKNOWN dead-vlan: port in the dead VLAN 4095\n        · not read: ovsdb\n",
			"UNKNOWN device-down: device of a port's chain is set down\n        · not read: ovsdb, netlink/… (5)\n",
			"sources not read:\n  ovsdb: dial unix /run/openvswitch/db.sock: connect: permission denied",
			"\n  netlink/qrouter-",
		} {
			if !strings.Contains(text, want) {
				t.Errorf("text lacks %q:\n%s", want, text)
			}
		}
		if strings.Contains(text, "no problems found") {
			t.Errorf("text says no problems found:\n%s", text)
		}
	})
	t.Run("no sources at all", func(t *testing.T) {
		r := doctor.Examine(&topo.Snapshot{Schema: topo.Schema})
		if len(r.Findings) != 0 || len(r.Unchecked) != len(doctor.Checks()) || !r.NoFacts || r.ExitCode() != 3 {
			t.Errorf("empty snapshot: %d findings, %d unchecked, no facts %v, exit %d", len(r.Findings), len(r.Unchecked), r.NoFacts, r.ExitCode())
		}
		text := doctor.Text("", r)
		if !strings.Contains(text, fmt.Sprintf("no facts were recorded; none of the %d checks could run", len(doctor.Checks()))) || strings.Contains(text, "no problems found") {
			t.Errorf("text:\n%s", text)
		}
	})
	t.Run("one namespace unread, errors elsewhere", func(t *testing.T) {
		s := fixturetest.Load(t, "bad")
		for _, ns := range s.Namespaces {
			if ns.Kind == topo.NSDHCP {
				notRead(s, "netlink/"+ns.Name, "namespace vanished during the scan")
				break
			}
		}
		r := doctor.Examine(s)
		var ids []string
		for _, f := range r.Findings {
			ids = append(ids, f.ID)
		}
		// The checks that read every namespace do not run; the rest do,
		// and an error found on what was read is exit 2, not 3.
		if r.ExitCode() != 2 || !slices.Contains(ids, "dead-vlan/port/"+lab.Broken().Instances[0].ID) || slices.ContainsFunc(ids, func(id string) bool {
			return strings.HasPrefix(id, "device-down/") || strings.HasPrefix(id, "dhcp-port/")
		}) {
			t.Errorf("exit %d, findings %v", r.ExitCode(), ids)
		}
		var unchecked []string
		for _, u := range r.Unchecked {
			unchecked = append(unchecked, u.Check)
		}
		want := []string{"device-down", "device-no-carrier", "mtu-mismatch", "namespace-orphan", "namespace-empty", "router-forwarding",
			"fip-nat", "ha-active-on-two-nodes", "ha-state", "router-interface-address", "router-duplicate-address", "dhcp-port"}
		if !slices.Equal(unchecked, want) {
			t.Errorf("unchecked %v, want %v", unchecked, want)
		}
		if text := doctor.Text(s.Host, r); !strings.Contains(text, fmt.Sprintf("in what could be read; %d of %d checks could not run", len(want), len(doctor.Checks()))) {
			t.Errorf("summary:\n%s", text)
		}
	})
	t.Run("warnings only, one check unread", func(t *testing.T) {
		s := fixturetest.Load(t, "aio")
		s.OVS.Bridge("br-tun").FailMode = "standalone"
		notRead(s, "openflow/br-tun", "timeout")
		if r := doctor.Examine(s); r.ExitCode() != 3 || len(r.Unchecked) != 1 || r.Unchecked[0].Check != "vlan-unmapped" {
			t.Errorf("exit %d unchecked %+v; want 3 (unknown outranks a warning)", r.ExitCode(), r.Unchecked)
		}
	})
}

// Text keeps the old layout for what was found, and escapes what the
// snapshot holds: a name cannot drive the terminal or forge a line.
func TestText(t *testing.T) {
	if got := doctor.Text("node1", doctor.Examine(fixturetest.Load(t, "aio"))); got != "node1: no problems found\n" {
		t.Errorf("healthy: %q", got)
	}
	r := doctor.Result{Checks: 21, Findings: []doctor.Finding{{ID: "device-down/port/x", Check: "device-down", Severity: doctor.Error,
		Title: "device of a port's chain is set down", Evidence: []string{"tap\x1b]0;pwned\x07 admin down\nERROR   forged"}, Fix: "ip link set tap up"}}}
	want := "ERROR   device-down/port/x\n" +
		"        device of a port's chain is set down\n" +
		"        · tap\\x1b]0;pwned\\x07 admin down\\nERROR   forged\n" +
		"        → ip link set tap up\n" +
		"\n" +
		"node1: 1 errors, 0 warnings, 0 info\n"
	if got := doctor.Text("node1", r); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}
