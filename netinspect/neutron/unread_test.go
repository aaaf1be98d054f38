package neutron_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/ostopo/ostopo/fixtures/fixturetest"
	"github.com/ostopo/ostopo/netinspect/neutron"
	"github.com/ostopo/ostopo/netinspect/topo"
)

// notRead marks a source of a snapshot as failed, as collection records
// it (adding the record if the snapshot has none).
func notRead(s *topo.Snapshot, name, why string) {
	if src := s.Source(name); src != nil {
		src.OK, src.Error = false, why
		return
	}
	s.Sources = append(s.Sources, topo.Source{Name: name, Error: why})
}

// dropSources removes the records of a family, as collection never makes
// them when what lists the family was not read.
func dropSources(s *topo.Snapshot, prefix string) {
	s.Sources = slices.DeleteFunc(s.Sources, func(src topo.Source) bool { return strings.HasPrefix(src.Name, prefix) })
}

// dropNamespace removes a namespace the way a failed read leaves it: not
// in the snapshot, its netlink source failed, no sysctl/nat record.
func dropNamespace(s *topo.Snapshot, name, why string) {
	label := (&topo.Namespace{Name: name, Root: name == ""}).Label()
	s.Namespaces = slices.DeleteFunc(s.Namespaces, func(ns topo.Namespace) bool { return ns.Label() == label })
	dropSources(s, "sysctl/"+label)
	dropSources(s, "nat/"+label)
	notRead(s, "netlink/"+label, why)
}

func unknowns(n topo.Neutron) map[string][]string {
	out := map[string][]string{}
	for _, p := range n.Ports {
		if len(p.Unknown) > 0 {
			out["port "+p.ID] = p.Unknown
		}
	}
	for _, x := range n.Networks {
		if len(x.Unknown) > 0 {
			out["network "+x.ID] = x.Unknown
		}
	}
	for _, r := range n.Routers {
		if len(r.Unknown) > 0 {
			out["router "+r.ID] = r.Unknown
		}
	}
	return out
}

// A source that was not read makes nothing a problem: the healthy
// all-in-one node, with one source unread at a time, still has no
// problem, and says what is unknown instead (issue point 5: as non-root,
// every port was "not a port of br-int").
func TestUnreadSourcesAreUnknownNotProblems(t *testing.T) {
	aio := fixturetest.Load(t, "aio")
	dhcp := dhcpNamespace(aio).Name
	router := aio.Neutron.Routers[0]
	tests := []struct {
		name    string
		unread  func(s *topo.Snapshot)
		object  string // an object that must carry an unknown naming source
		source  string
		minimum int // objects with an unknown, at least
	}{
		{"ovsdb", func(s *topo.Snapshot) {
			s.OVS = topo.OVS{Managers: []topo.Manager{}, Bridges: []topo.Bridge{}}
			dropSources(s, "openflow/")
			notRead(s, "ovsdb", "dial unix /run/openvswitch/db.sock: connect: permission denied")
		}, "port *", "ovsdb", 3},
		{"netlink of the node's namespace", func(s *topo.Snapshot) {
			dropNamespace(s, "", "list links: permission denied")
		}, "port *", "netlink/(root)", 1},
		{"netlink of a qdhcp- namespace", func(s *topo.Snapshot) {
			dropNamespace(s, dhcp, "open namespace /run/netns/"+dhcp+": permission denied")
		}, "port *", "netlink/" + dhcp, 1},
		{"addresses of a qrouter- namespace", func(s *topo.Snapshot) {
			ns := s.Namespace(router.Namespace)
			for i := range ns.Links {
				ns.Links[i].Addrs = nil
			}
			ns.Routes = nil
			notRead(s, "netlink/"+router.Namespace, "list addresses: interrupted")
		}, "router " + router.ID, "netlink/" + router.Namespace, 1},
		{"NAT of a qrouter- namespace", func(s *topo.Snapshot) {
			s.Namespace(router.Namespace).NAT = nil
			notRead(s, "nat/"+router.Namespace, "iptables-save: you must be root")
		}, "router " + router.ID, "nat/" + router.Namespace, 1},
		{"flows of br-tun", func(s *topo.Snapshot) {
			s.OVS.Bridge("br-tun").Flows = nil
			notRead(s, "openflow/br-tun", "ovs-ofctl: br-tun.mgmt: permission denied")
		}, "network *", "openflow/br-tun", 1},
		{"flows of br-int", func(s *topo.Snapshot) {
			s.OVS.Bridge("br-int").Flows = nil
			notRead(s, "openflow/br-int", "ovs-ofctl: br-int.mgmt: permission denied")
		}, "network *", "openflow/br-int", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := fixturetest.Load(t, "aio")
			tt.unread(s)
			n := derive(s)
			for obj, ps := range problems(n) {
				t.Errorf("%s: problem %q, on facts that were not read", obj, ps)
			}
			got := unknowns(n)
			if len(got) < tt.minimum {
				t.Errorf("%d objects say what is unknown, want at least %d: %v", len(got), tt.minimum, got)
			}
			for obj, us := range got {
				if obj != tt.object && !(strings.HasSuffix(tt.object, "*") && strings.HasPrefix(obj, strings.TrimSuffix(tt.object, "*"))) {
					continue
				}
				for _, u := range us {
					if strings.Contains(u, tt.source+" not read") || strings.Contains(u, tt.source+",") {
						return
					}
				}
			}
			t.Errorf("no unknown on %s naming %s: %v", tt.object, tt.source, got)
		})
	}
}

// Unread takes names (recorded and read) and families (every recorded
// member read; none recorded is fine).
func TestUnread(t *testing.T) {
	s := fixturetest.Load(t, "cmp")
	if got := neutron.Unread(s, "ovsdb", "netlink/", "nat/", "openflow/"); len(got) != 0 {
		t.Errorf("healthy compute node: %v", got)
	}
	notRead(s, "openflow/br-tun", "timeout")
	got := neutron.Unread(s, "ovsdb", "agent-files", "openflow/", "nat/", "nothing-such")
	if neutron.SourceNames(got) != "openflow/br-tun, nothing-such" || got[0].Error != "timeout" || got[1].Error != neutron.NotRecorded {
		t.Errorf("Unread = %+v", got)
	}
	if got := neutron.Unread(&topo.Snapshot{}, "ovsdb", "netlink/"); neutron.SourceNames(got) != "ovsdb" {
		t.Errorf("empty snapshot: %v", got)
	}
	if got := neutron.Failed(s, "netlink/qrouter-gone", "openflow/br-tun"); neutron.SourceNames(got) != "openflow/br-tun" {
		t.Errorf("Failed = %v", got)
	}
}

// A device that is up without carrier is not "down": a tap nothing holds
// (the instance is not running) says so and points at the instance, not
// at ip link set (issue point 7).
func TestNoCarrierIsNotDown(t *testing.T) {
	firstInstance := func(s *topo.Snapshot) topo.NPort {
		for _, p := range s.Neutron.Ports {
			if p.Role == topo.RoleInstance && p.InstanceID != "" {
				return p
			}
		}
		t.Fatal("no instance port with an instance id")
		return topo.NPort{}
	}
	tests := []struct {
		name     string
		break_   func(s *topo.Snapshot, p topo.NPort)
		want     []string // in the port's (or the NIC's) problems
		notWant  string
		problems int // problems on the object
	}{
		{"tap no qemu holds", func(s *topo.Snapshot, p topo.NPort) {
			l := s.Root().Link(p.Devices.Tap.Name)
			l.Kind, l.TunMode, l.Peer, l.Carrier, l.OperState = "tuntap", "tap", nil, false, "down"
		}, []string{"is up but has no carrier: nothing holds it open", "not running"}, "is down (oper state", 1},
		{"tap set down", func(s *topo.Snapshot, p topo.NPort) {
			l := s.Root().Link(p.Devices.Tap.Name)
			l.Kind, l.TunMode, l.Peer, l.AdminUp, l.Carrier, l.OperState = "tuntap", "tap", nil, false, false, "down"
		}, []string{"is down (oper state down)"}, "carrier", 1},
		{"qvb set down leaves qvo without carrier: one problem", func(s *topo.Snapshot, p topo.NPort) {
			qvb, qvo := s.Root().Link(p.Devices.QVB.Name), s.Root().Link(p.Devices.QVO.Name)
			qvb.AdminUp, qvb.Carrier, qvb.OperState = false, false, "down"
			qvo.Carrier, qvo.OperState = false, "lower-layer-down"
		}, []string{"is down (oper state down)"}, "carrier", 1},
		{"veth without carrier names its peer", func(s *topo.Snapshot, p topo.NPort) {
			qvb := s.Root().Link(p.Devices.QVB.Name)
			qvb.Carrier, qvb.OperState = false, "lower-layer-down"
		}, []string{"is up but has no carrier: its veth peer " + "qvo"}, "is down (oper state", 1},
		{"provider NIC without carrier", func(s *topo.Snapshot, _ topo.NPort) {
			l := s.Root().Link("eth4")
			l.Carrier, l.OperState = false, "lower-layer-down"
		}, []string{"eth4 is up but has no carrier"}, "is down (oper state", 1},
		{"provider NIC set down", func(s *topo.Snapshot, _ topo.NPort) {
			l := s.Root().Link("eth4")
			l.AdminUp, l.Carrier, l.OperState = false, false, "down"
		}, []string{"eth4 is down (oper state down)"}, "carrier", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := fixturetest.Load(t, "aio")
			p := firstInstance(s)
			tt.break_(s, p)
			n := derive(s)
			obj := "port " + p.ID
			if strings.HasPrefix(tt.name, "provider NIC") {
				obj = "nic eth4"
				nic := n.ProviderNICs[0]
				if nic.AdminDown != strings.HasSuffix(tt.name, "set down") {
					t.Errorf("AdminDown = %v", nic.AdminDown)
				}
			}
			got := problems(n)[obj]
			if len(got) != tt.problems {
				t.Errorf("%s: %d problems, want %d: %q", obj, len(got), tt.problems, got)
			}
			text := strings.Join(got, "\n")
			for _, w := range tt.want {
				if !strings.Contains(text, w) {
					t.Errorf("%s: problems %q lack %q", obj, got, w)
				}
			}
			if strings.Contains(text, tt.notWant) {
				t.Errorf("%s: problems %q say %q", obj, got, tt.notWant)
			}
		})
	}
}

// The advice for a device without carrier fits its kind.
func TestTroubleAdvice(t *testing.T) {
	tap := &topo.Link{Name: "tap0123abcd-ef", Kind: "tuntap", AdminUp: true, OperState: "down"}
	tr := neutron.TroubleOf("", tap, "5b1c0e4e-0000-4000-8000-000000000001", "0123abcd-ef00-4000-8000-000000000002", nil)
	if tr.Fault != neutron.FaultNoCarrier || !strings.Contains(tr.Next, "openstack server show 5b1c0e4e-0000-4000-8000-000000000001") ||
		!strings.Contains(tr.Next, "virsh domstate 5b1c0e4e-0000-4000-8000-000000000001") ||
		!strings.Contains(tr.Next, "grep -l 'iff:[[:space:]]*tap0123abcd-ef$' /proc/[0-9]*/fdinfo/*") || strings.Contains(tr.Next, "ip link set") {
		t.Errorf("tap without carrier: %+v", tr)
	}
	down := &topo.Link{Name: "qr-0123abcd-ef", Kind: "openvswitch", OperState: "down"}
	if tr := neutron.TroubleOf("qrouter-x", down, "", "", nil); tr.Fault != neutron.FaultAdminDown || tr.Next != "ip netns exec qrouter-x ip link set qr-0123abcd-ef up" {
		t.Errorf("device set down: %+v", tr)
	}
	qvb := &topo.Link{Name: "qvb1", Kind: "veth", AdminUp: true, OperState: "lower-layer-down", Peer: &topo.LinkRef{Name: "qvo1"}}
	peer := &topo.Link{Name: "qvo1", Kind: "veth", OperState: "down"}
	links := func(ns, name string) *topo.Link {
		if ns == "" && name == "qvo1" {
			return peer
		}
		return nil
	}
	if tr := neutron.TroubleOf("", qvb, "", "", links); tr.Fault != neutron.FaultNoCarrier || !strings.Contains(tr.Problem, "its veth peer qvo1 is down") || tr.Next != "ip link set qvo1 up" {
		t.Errorf("veth whose peer is down: %+v", tr)
	}
	if tr := neutron.TroubleOf("", &topo.Link{Name: "lo", AdminUp: true, Carrier: true, OperState: "unknown"}, "", "", nil); tr != nil {
		t.Errorf("healthy device: %+v", tr)
	}
}
