package neutron_test

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/ostopo/ostopo/fixtures/fixturetest"
	"github.com/ostopo/ostopo/netinspect/neutron"
	"github.com/ostopo/ostopo/netinspect/neutron/unreadtest"
	"github.com/ostopo/ostopo/netinspect/ovstext"
	"github.com/ostopo/ostopo/netinspect/sosimport"
	"github.com/ostopo/ostopo/netinspect/topo"
)

// The finer sources the view reads are the ones the importers record.
func TestFinerSourceNamesAreTheImporters(t *testing.T) {
	pairs := [][2]string{
		{neutron.SourcePortConfig, ovstext.SourcePortConfig},
		{neutron.SourceInterfaceConfig, ovstext.SourceInterfaceConfig},
		{neutron.SourceOFPort, ovstext.SourceOFPort},
		{neutron.SourceInterfaceState, ovstext.SourceInterfaceState},
		{neutron.SourceBridgeConfig, ovstext.SourceBridgeConfig},
		{neutron.SourceSystemConfig, ovstext.SourceSystemConfig},
		{neutron.SourceConnectionState, ovstext.SourceConnectionState},
		{neutron.SourceControllerRole, ovstext.SourceControllerRole},
		{neutron.SourceRules, sosimport.SourceRules},
		{neutron.SourceNeighbors, sosimport.SourceNeighbors},
		{neutron.SourceRoutes6, sosimport.SourceRoutes6},
		{neutron.SourceLinkInfo, sosimport.SourceLinkDetails},
	}
	for _, p := range pairs {
		if p[0] != p[1] {
			t.Errorf("neutron reads %q, the importer records %q", p[0], p[1])
		}
	}
	// Every finer OVSDB source ovstext.Merge records is one the view knows.
	_, srcs := ovstext.Merge()
	for _, src := range srcs {
		if src.Name != "ovsdb" && !strings.HasPrefix(src.Name, "openflow/") && !slices.Contains(neutron.FinerSources(), src.Name) {
			t.Errorf("ovstext records %s, which neutron.FinerSources does not name", src.Name)
		}
	}
}

// A finer source without a record was read with its parent; one recorded
// as not read is unread, and so is its parent's failure.
func TestUnreadFinerSources(t *testing.T) {
	s := fixturetest.Load(t, "cmp")
	if got := neutron.Unread(s, neutron.SourcePortConfig, "rules/(root)"); len(got) != 0 {
		t.Errorf("live snapshot: %v", got)
	}
	unreadtest.Record(s, neutron.SourceOFPort, true)
	unreadtest.Record(s, neutron.SourcePortConfig, false)
	got := neutron.Unread(s, "ovsdb", neutron.SourceOFPort, neutron.SourcePortConfig)
	if neutron.SourceNames(got) != neutron.SourcePortConfig || got[0].Error != unreadtest.Why(neutron.SourcePortConfig) {
		t.Errorf("Unread = %+v", got)
	}
	notRead(s, "netlink/(root)", "list links: permission denied")
	if got := neutron.Unread(s, "rules/(root)"); neutron.SourceNames(got) != "netlink/(root)" {
		t.Errorf("rules of an unread namespace: %v", got)
	}
	s = fixturetest.Load(t, "cmp")
	notRead(s, "ovsdb", "permission denied")
	if got := neutron.Unread(s, neutron.SourceInterfaceConfig, neutron.SourceOFPort); neutron.SourceNames(got) != "ovsdb" {
		t.Errorf("finer sources of an unread OVSDB: %v", got)
	}
}

// unknownsNaming lists the objects with an unknown naming source.
func unknownsNaming(n topo.Neutron, source string) []string {
	var out []string
	for obj, us := range unknowns(n) {
		for _, u := range us {
			if strings.Contains(u, source+" not read") || strings.Contains(u, source+",") {
				out = append(out, obj)
				break
			}
		}
	}
	slices.Sort(out)
	return out
}

// An import that lacked a part of OVSDB or of a namespace's kernel facts
// makes unknown, never a problem and never clean, what rests on that part;
// the same snapshot with the part recorded as read gives today's view
// (issue 16, point 2).
func TestFinerSourcesUnreadAreUnknown(t *testing.T) {
	tests := []struct {
		fixture, source string
		// affected are object kinds ("port", "network", "router") that
		// must carry an unknown naming the source, with at least min
		// objects; none: the view does not rest on the source and stays
		// as it was.
		affected []string
		min      int
		check    func(t *testing.T, before, after topo.Neutron)
	}{
		{"cmp", neutron.SourcePortConfig, []string{"port"}, 4, func(t *testing.T, before, after topo.Neutron) {
			// A compute node knows its instances' networks from
			// net_uuid only: no network, and no stale-mapping finding
			// for the VLANs its ports still carry (tags were read).
			for _, p := range after.Ports {
				if p.Role == topo.RoleInstance && p.NetworkID != "" {
					t.Errorf("port %s: network %s from nowhere", p.ID, p.NetworkID)
				}
			}
		}},
		{"net", neutron.SourcePortConfig, []string{"port", "network"}, 10, func(t *testing.T, before, after topo.Neutron) {
			// DHCP namespaces still name their networks, whose type and
			// mapping flows are unknown.
			for _, nw := range after.Networks {
				if nw.NetworkType != "" || nw.SegmentationID != nil || nw.Flows.TunnelIngress != "" || nw.Flows.IntIngress != "" {
					t.Errorf("network %s: type %q segment %v flows %+v, from other_config that was not read", nw.ID, nw.NetworkType, nw.SegmentationID, nw.Flows)
				}
			}
		}},
		{"aio", neutron.SourcePortConfig, []string{"port"}, 10, func(t *testing.T, before, after topo.Neutron) {
			// A node with DHCP host files knows its instances'
			// networks from them, by MAC.
			for _, p := range before.Ports {
				if q := after.Port(p.ID); p.Role == topo.RoleInstance && (q == nil || q.NetworkID != p.NetworkID) {
					t.Errorf("port %s: network %+v, want %s", p.ID, q, p.NetworkID)
				}
			}
		}},
		{"aio", neutron.SourceInterfaceConfig, []string{"port"}, 13, func(t *testing.T, before, after topo.Neutron) {
			// The ports are the same, named by their devices' id prefix,
			// their MACs read from the devices.
			if len(after.Ports) != len(before.Ports) {
				t.Errorf("%d ports, want %d", len(after.Ports), len(before.Ports))
			}
			for _, p := range before.Ports {
				q := portByPrefix(after, p.ID)
				if q == nil {
					t.Errorf("port %s gone", p.ID)
					continue
				}
				if q.MAC != p.MAC || q.Role != p.Role || q.LocalVLAN != p.LocalVLAN || !slices.Equal(q.FixedIPs, p.FixedIPs) {
					t.Errorf("port %s: MAC %s role %s VLAN %d IPs %v, want %s %s %d %v", p.ID, q.MAC, q.Role, q.LocalVLAN, q.FixedIPs, p.MAC, p.Role, p.LocalVLAN, p.FixedIPs)
				}
			}
		}},
		{"cmp", neutron.SourceInterfaceConfig, []string{"port"}, 6, nil},
		{"cmp", neutron.SourceOFPort, []string{"port"}, 4, func(t *testing.T, before, after topo.Neutron) {
			// A compute node's instance addresses are in the flows, by
			// ofport: unknown, not none.
			for _, p := range after.Ports {
				if p.Role == topo.RoleInstance && (len(p.FixedIPs) > 0 || !hasUnknown(p.Unknown, "fixed IPs")) {
					t.Errorf("port %s: fixed IPs %v, unknowns %q", p.ID, p.FixedIPs, p.Unknown)
				}
			}
		}},
		{"aio", neutron.SourceOFPort, []string{"network"}, 2, func(t *testing.T, before, after topo.Neutron) {
			// Flat and VLAN networks are translated by flows naming
			// the patch port by number.
			for _, nw := range after.Networks {
				if (nw.NetworkType == "flat" || nw.NetworkType == "vlan") && (nw.Flows.IntIngress != "" || nw.Bridge != "") {
					t.Errorf("network %s: flows %+v bridge %q", nw.ID, nw.Flows, nw.Bridge)
				}
			}
		}},
		{"aio", neutron.SourceInterfaceState, nil, 0, nil},
		{"net", neutron.SourceBridgeConfig, nil, 0, nil},
		{"net", neutron.SourceSystemConfig, nil, 0, nil},
		{"net", neutron.SourceConnectionState, nil, 0, nil},
		{"net", neutron.SourceControllerRole, nil, 0, nil},
		{"aio", neutron.SourceLinkInfo + "(root)", []string{"port"}, 5, nil},
	}
	for _, tt := range tests {
		t.Run(tt.fixture+" "+tt.source, func(t *testing.T) {
			before := derive(fixturetest.Load(t, tt.fixture))
			s := fixturetest.Load(t, tt.fixture)
			unreadtest.Lose(s, tt.source)
			after := derive(s)
			for obj, ps := range problems(after) {
				t.Errorf("%s: problem %q, on facts that were not read", obj, ps)
			}
			got := unknownsNaming(after, tt.source)
			if tt.affected == nil {
				if !reflect.DeepEqual(before, after) {
					t.Errorf("the view changed, but nothing in it rests on %s:\n%s", tt.source, diffViews(before, after))
				}
			} else {
				if len(got) < tt.min {
					t.Errorf("%d objects say %s was not read, want at least %d: %v", len(got), tt.source, tt.min, got)
				}
				for _, kind := range tt.affected {
					if !slices.ContainsFunc(got, func(o string) bool { return strings.HasPrefix(o, kind+" ") }) {
						t.Errorf("no %s says %s was not read: %v", kind, tt.source, got)
					}
				}
			}
			if tt.check != nil {
				tt.check(t, before, after)
			}

			// Recorded as read, as an import that found it records it:
			// today's view.
			s = fixturetest.Load(t, tt.fixture)
			unreadtest.Record(s, tt.source, true)
			if again := derive(s); !reflect.DeepEqual(before, again) {
				t.Errorf("with %s read the view changed:\n%s", tt.source, diffViews(before, again))
			}
		})
	}
}

// The rules of a distributed router's namespace (sos before 4.1 has
// none): the rule taking a floating IP's instance out is unknown, not
// missing.
func TestRulesUnreadAreUnknown(t *testing.T) {
	before := derive(fixturetest.Load(t, "cmp-ovsfw"))
	r := before.Routers[0]
	if r.Kind != "dvr" || len(r.FloatingIPs) == 0 || r.FloatingIPs[0].RulePriority == 0 {
		t.Fatalf("fixture: router %s %+v", r.Kind, r.FloatingIPs)
	}
	s := fixturetest.Load(t, "cmp-ovsfw")
	unreadtest.Lose(s, neutron.SourceRules+r.Namespace)
	after := derive(s)
	for obj, ps := range problems(after) {
		t.Errorf("%s: problem %q, on rules that were not read", obj, ps)
	}
	if got := unknownsNaming(after, neutron.SourceRules+r.Namespace); !slices.Equal(got, []string{"router " + r.ID}) {
		t.Errorf("unknowns naming the rules: %v", got)
	}
	// Read, and without the rule: the problem it is.
	s = fixturetest.Load(t, "cmp-ovsfw")
	unreadtest.Record(s, neutron.SourceRules+r.Namespace, true)
	s.Namespace(r.Namespace).Rules = nil
	if ps := problems(derive(s))["fip "+r.FloatingIPs[0].FloatingIP]; len(ps) != 1 || !strings.Contains(ps[0], "lookup 16") {
		t.Errorf("rules read, none there: %q", ps)
	}
}

// A router's ip_forward not read (sos before 4.5.4 has no sysctl -a per
// namespace) is unknown, not off and not on.
func TestIPForwardUnreadIsUnknown(t *testing.T) {
	s := fixturetest.Load(t, "aio")
	r := derive(s).Routers[0]
	unreadtest.Lose(s, "sysctl/"+r.Namespace)
	after := derive(s)
	got := after.Router(r.ID)
	if got.IPForward != nil || len(got.Problems) != 0 || !hasUnknown(got.Unknown, "net.ipv4.ip_forward: unknown (sysctl/"+r.Namespace+" not read)") {
		t.Errorf("router: ip_forward %v problems %q unknown %q", got.IPForward, got.Problems, got.Unknown)
	}
}

// A namespace's device without ip -d: a qr- whose OVS end ovs_use_veth
// names tap… may be that port's veth peer: unknown. Read, it is an orphan.
func TestVethPeerUnreadIsUnknown(t *testing.T) {
	orphan := func(lose bool) topo.Neutron {
		s := fixturetest.Load(t, "aio")
		r := derive(s).Routers[0]
		ns := s.Namespace(r.Namespace)
		qr := r.Interfaces[0].Device
		p := s.OVS.Port(qr)
		p.Name, p.Interfaces[0].Name = "tap"+strings.TrimPrefix(qr, "qr-"), "tap"+strings.TrimPrefix(qr, "qr-")
		ns.Link(qr).Peer = &topo.LinkRef{Name: p.Name}
		if lose {
			unreadtest.Lose(s, neutron.SourceLinkInfo+ns.Label())
		} else {
			ns.Link(qr).Peer = nil
		}
		return derive(s)
	}
	if got := fmt.Sprint(problems(orphan(false))); !strings.Contains(got, "is not a port of any OVS bridge") {
		t.Errorf("peer read, none: %s", got)
	}
	n := orphan(true)
	if got := fmt.Sprint(problems(n)); strings.Contains(got, "is not a port of any OVS bridge") {
		t.Errorf("peer not read: %s", got)
	}
	if !strings.Contains(fmt.Sprint(unknowns(n)), "veth peer (tap") {
		t.Errorf("unknowns: %v", unknowns(n))
	}
}

func hasUnknown(us []string, part string) bool {
	return slices.ContainsFunc(us, func(u string) bool { return strings.Contains(u, part) })
}

// portByPrefix finds the port whose id is id or its device suffix.
func portByPrefix(n topo.Neutron, id string) *topo.NPort {
	for i := range n.Ports {
		if p := &n.Ports[i]; p.ID == id || len(p.ID) >= 11 && strings.HasPrefix(id, p.ID) {
			return p
		}
	}
	return nil
}

// diffViews says where two views differ, briefly.
func diffViews(a, b topo.Neutron) string {
	va, vb := reflect.ValueOf(a), reflect.ValueOf(b)
	var out []string
	for i := range va.NumField() {
		if !reflect.DeepEqual(va.Field(i).Interface(), vb.Field(i).Interface()) {
			out = append(out, fmt.Sprintf("%s: %+v\n  now %+v", va.Type().Field(i).Name, va.Field(i).Interface(), vb.Field(i).Interface()))
		}
	}
	return strings.Join(out, "\n")
}

// Without the interfaces' external_ids, the integration bridge is still
// told by the ports Neutron names (qvo…, tap…, qr-…) when it is not
// called br-int, and a port of it that no Neutron name tells (its
// iface-id, not read, would) is listed as unknown, not left out.
func TestInterfaceConfigUnreadKeepsThePorts(t *testing.T) {
	load := func(lose bool) (*topo.Snapshot, topo.Neutron) {
		s := fixturetest.Load(t, "aio")
		b := s.OVS.Bridge("br-int")
		b.Name = "br-integration"
		b.Port("br-int").Name = "br-integration"
		b.Ports = append(b.Ports, topo.Port{UUID: "o-hm0", Name: "o-hm0", Tag: 7, Interfaces: []topo.Interface{{
			UUID: "o-hm0", Name: "o-hm0", Type: "internal", OFPort: 99,
			ExternalIDs: map[string]string{"iface-id": "0a0b0c0d-0000-4000-8000-000000000001", "attached-mac": "fa:16:3e:00:00:01"},
		}}})
		s.Source("openflow/br-int").Name = "openflow/br-integration"
		if lose {
			unreadtest.Lose(s, neutron.SourceInterfaceConfig)
		}
		return s, derive(s)
	}
	_, before := load(false)
	_, after := load(true)
	for _, n := range []topo.Neutron{before, after} {
		if i := slices.IndexFunc(n.Bridges, func(b topo.BridgeRole) bool { return b.Role == topo.BridgeIntegration }); i < 0 || n.Bridges[i].Name != "br-integration" {
			t.Errorf("integration bridge: %+v", n.Bridges)
		}
	}
	if p := after.Port("o-hm0"); p == nil || !hasUnknown(p.Unknown, neutron.SourceInterfaceConfig+" not read") || len(p.Problems) != 0 {
		t.Errorf("o-hm0 without its iface-id: %+v", p)
	}
	if p := before.Port("0a0b0c0d-0000-4000-8000-000000000001"); p == nil || p.OVSPort != "o-hm0" {
		t.Errorf("o-hm0 with its iface-id: %+v", p)
	}
	if len(after.Ports) != len(before.Ports) {
		t.Errorf("%d ports, want %d", len(after.Ports), len(before.Ports))
	}
}

// A port the agent has not programmed, when whether it has an iface-id
// was not read: whether the agent should have is unknown, so its
// programming is unknown, not denied.
func TestInterfaceConfigUnreadProgrammingIsUnknown(t *testing.T) {
	s := fixturetest.Load(t, "cmp-ovsfw")
	var p topo.NPort
	for _, q := range s.Neutron.Ports {
		if q.Role == topo.RoleInstance && q.OFPort > 0 {
			p = q
		}
	}
	b := s.OVS.Bridge("br-int")
	in := fmt.Sprintf("in_port=%d", p.OFPort)
	b.Flows = slices.DeleteFunc(b.Flows, func(f topo.Flow) bool { return strings.Contains(","+f.Match+",", ","+in+",") })
	if n := derive(s); n.Port(p.ID).NotProgrammed == "" {
		t.Fatalf("flows deleted, iface-id read: programmed")
	}
	unreadtest.Lose(s, neutron.SourceInterfaceConfig)
	n := derive(s)
	got := portByPrefix(n, p.ID)
	if got == nil || got.NotProgrammed != "" || len(got.Problems) != 0 || !strings.Contains(neutron.PortProgrammedUnknown(got), neutron.SourceInterfaceConfig+" not read") {
		t.Errorf("port: %+v", got)
	}
}
