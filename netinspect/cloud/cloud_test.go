package cloud

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/ostopo/ostopo/fixtures/fixturetest"
	"github.com/ostopo/ostopo/netinspect/topo"
)

// The four recorded nodes of the real-agent lab form one cloud (see
// docs/neutronlab.md): netnode and netnode2 run dvr_snat L3 agents,
// compute1 and compute2 are DVR compute nodes.
var labFixtures = []string{"net", "net2", "cmp", "cmp-ovsfw"}

const (
	netLegacy = "6e2096ec" // r-legacy's network (netnode, compute1)
	netHA     = "d9dc0c8a" // r-ha's internal network
	netHAHB   = "a3cbad31" // the HA heartbeat network
	netDVR    = "698b8540" // r-dvr's network, on every node but netnode2
	netBoth   = "71cbfb59" // on netnode, compute1, compute2
	routerHA  = "94cea846"
	routerDVR = "fdf88ceb"
	routerLeg = "327308ad"
)

// lab loads fresh copies of the lab's snapshots; edit changes them (by
// host name) before the cloud is built.
func lab(t *testing.T, edit func(by map[string]*topo.Snapshot)) *Cloud {
	t.Helper()
	by := map[string]*topo.Snapshot{}
	var snaps []*topo.Snapshot
	for _, f := range labFixtures {
		s := fixturetest.Load(t, f)
		by[s.Host] = s
		snaps = append(snaps, s)
	}
	if edit != nil {
		edit(by)
	}
	var kept []*topo.Snapshot
	for _, s := range snaps {
		if by[s.Host] != nil {
			kept = append(kept, s)
		}
	}
	c, err := New(kept)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func fullID(t *testing.T, ids []string, prefix string) string {
	t.Helper()
	for _, id := range ids {
		if strings.HasPrefix(id, prefix) {
			return id
		}
	}
	t.Fatalf("no id starting %s among %q", prefix, ids)
	return ""
}

func TestLabCloud(t *testing.T) {
	c := lab(t, nil)
	if len(c.Problems) != 0 || len(c.Unknown) != 0 {
		t.Errorf("the lab cloud is clean, got problems %+v unknown %+v", c.Problems, c.Unknown)
	}
	if got := c.ExitCode(); got != 0 {
		t.Errorf("exit %d, want 0", got)
	}
	roles := map[string][]string{
		"netnode": {RoleNetwork}, "netnode2": {RoleNetwork},
		"compute1": {RoleCompute}, "compute2": {RoleCompute},
	}
	ips := map[string]string{"netnode": "10.30.0.11", "netnode2": "10.30.0.12", "compute1": "10.30.0.21", "compute2": "10.30.0.22"}
	var names []string
	for _, n := range c.Nodes {
		names = append(names, n.Name)
		if !slices.Equal(n.Roles, roles[n.Name]) {
			t.Errorf("%s: roles %q, want %q", n.Name, n.Roles, roles[n.Name])
		}
		if len(n.RolesUnknown) != 1 || !strings.HasPrefix(n.RolesUnknown[0], RoleController) {
			t.Errorf("%s: the controller role cannot be told from these snapshots, got unknown %q", n.Name, n.RolesUnknown)
		}
		if !slices.Equal(n.TunnelIPs, []string{ips[n.Name]}) {
			t.Errorf("%s: tunnel IPs %q, want %s", n.Name, n.TunnelIPs, ips[n.Name])
		}
		if got := c.NodeByTunnelIP(ips[n.Name]); got == nil || got.Name != n.Name {
			t.Errorf("NodeByTunnelIP(%s) = %v, want %s", ips[n.Name], got, n.Name)
		}
		if n.Health.State != HealthOK {
			t.Errorf("%s: health %+v, want ok", n.Name, n.Health)
		}
		if c.Node(n.Name) != &c.Nodes[len(names)-1] {
			t.Errorf("Node(%s) is not the node", n.Name)
		}
	}
	if !slices.Equal(names, []string{"compute1", "compute2", "netnode", "netnode2"}) {
		t.Errorf("nodes %q, want them sorted", names)
	}
	if c.NodeByTunnelIP("10.30.0.99") != nil || c.Node("nope") != nil {
		t.Error("a node that is not in the cloud was found")
	}

	// The mesh: with l2population, compute2 and netnode2 share no
	// network, and have no tunnel: none needed. Every other pair has one
	// both ways.
	for _, from := range names {
		for _, to := range names {
			want := TunnelOK
			switch {
			case from == to:
				want = TunnelSelf
			case from+to == "compute2netnode2" || from+to == "netnode2compute2":
				want = TunnelNone
			}
			if got := c.Mesh.Cell(from, to); got == nil || got.State != want {
				t.Errorf("mesh %s -> %s: %+v, want %s", from, to, got, want)
			}
		}
	}
	if len(c.Mesh.Cols) != 4 {
		t.Errorf("mesh columns %+v: no foreign address in the lab", c.Mesh.Cols)
	}

	// r-ha is active on exactly one node; r-dvr's SNAT on netnode.
	for id, want := range map[string][]string{routerHA: {"netnode2"}, routerDVR: {"netnode"}, routerLeg: {"netnode"}} {
		var r *Router
		for i := range c.Routers {
			if strings.HasPrefix(c.Routers[i].ID, id) {
				r = &c.Routers[i]
			}
		}
		if r == nil || !slices.Equal(r.Active, want) {
			t.Errorf("router %s: %+v, want active on %q", id, r, want)
		}
	}

	// Each network's VNI and local VLAN per node, as recorded.
	type want struct {
		typ   string
		seg   int
		vlans map[string]int
	}
	for prefix, w := range map[string]want{
		netDVR:     {"vxlan", 1715, map[string]int{"netnode": 2, "compute1": 4, "compute2": 3}},
		netLegacy:  {"vxlan", 1073, map[string]int{"netnode": 4, "compute1": 2}},
		netBoth:    {"vxlan", 1853, map[string]int{"netnode": 1, "compute1": 1, "compute2": 1}},
		netHA:      {"vxlan", 1359, map[string]int{"netnode": 3, "netnode2": 5, "compute1": 3}},
		netHAHB:    {"vxlan", 1945, map[string]int{"netnode": 6, "netnode2": 2}},
		"76962fbb": {"vlan", 101, map[string]int{"netnode": 5, "compute2": 2}},
	} {
		var nw *Network
		for i := range c.Networks {
			if strings.HasPrefix(c.Networks[i].ID, prefix) {
				nw = &c.Networks[i]
			}
		}
		if nw == nil || nw.Type != w.typ || nw.SegmentationID == nil || *nw.SegmentationID != w.seg {
			t.Errorf("network %s: %+v, want %s %d", prefix, nw, w.typ, w.seg)
			continue
		}
		got := map[string]int{}
		for _, on := range nw.On {
			got[on.Node] = on.LocalVLAN
		}
		for node, v := range w.vlans {
			if got[node] != v {
				t.Errorf("network %s on %s: local VLAN %d, want %d (all: %v)", prefix, node, got[node], v, got)
			}
		}
		if len(got) != len(w.vlans) {
			t.Errorf("network %s on %v, want on %v", prefix, got, w.vlans)
		}
	}

	// Where things live: the DVR qr- port on three nodes (by design), the
	// HA router's qr- on both network nodes, DHCP on netnode only.
	for _, p := range c.Ports {
		switch {
		case p.Role == topo.RoleRouterInterface && strings.HasPrefix(p.RouterID, routerDVR):
			if p.Replicated != ReplicatedDVR || !slices.Equal(p.Nodes, []string{"compute1", "compute2", "netnode"}) {
				t.Errorf("DVR qr- port %s: %+v", p.ID, p)
			}
		case p.Role == topo.RoleRouterInterface && strings.HasPrefix(p.RouterID, routerHA):
			if p.Replicated != ReplicatedHA || !slices.Equal(p.Nodes, []string{"netnode", "netnode2"}) {
				t.Errorf("HA qr- port %s: %+v", p.ID, p)
			}
		case p.Role == topo.RoleDHCP:
			if !slices.Equal(p.Nodes, []string{"netnode"}) {
				t.Errorf("DHCP port %s on %q, want netnode", p.ID, p.Nodes)
			}
		case p.Role == topo.RoleInstance:
			if len(p.Nodes) != 1 || !strings.HasPrefix(p.Nodes[0], "compute") {
				t.Errorf("instance port %s on %q", p.ID, p.Nodes)
			}
		}
	}

	// Flood lists match the nodes that host the networks.
	if len(c.Floods) != 13 {
		t.Errorf("%d flood lists, want 13 (one per tunnelled network per node)", len(c.Floods))
	}
	for _, f := range c.Floods {
		if len(f.Missing)+len(f.Extra) > 0 || f.Unknown != "" || !slices.Equal(f.FloodTo, f.Hosts) {
			t.Errorf("flood of %s on %s: %+v", f.NetworkID, f.Node, f)
		}
	}
}

// kinds are the problem kinds found, with their nodes.
func kinds(ps []Problem) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Kind+" "+strings.Join(p.Nodes, ","))
	}
	return out
}

func unknownKinds(us []Unknown) []string {
	var out []string
	for _, u := range us {
		out = append(out, u.Kind+" "+strings.Join(u.Nodes, ","))
	}
	return out
}

func dropTunnel(s *topo.Snapshot, remote string) {
	s.Neutron.Tunnels = slices.DeleteFunc(s.Neutron.Tunnels, func(t topo.Tunnel) bool { return t.RemoteIP == remote })
}

func network(t *testing.T, s *topo.Snapshot, prefix string) *topo.Network {
	t.Helper()
	for i := range s.Neutron.Networks {
		if strings.HasPrefix(s.Neutron.Networks[i].ID, prefix) {
			return &s.Neutron.Networks[i]
		}
	}
	t.Fatalf("%s: no network %s", s.Host, prefix)
	return nil
}

func router(t *testing.T, s *topo.Snapshot, prefix string) *topo.Router {
	t.Helper()
	for i := range s.Neutron.Routers {
		if strings.HasPrefix(s.Neutron.Routers[i].ID, prefix) {
			return &s.Neutron.Routers[i]
		}
	}
	t.Fatalf("%s: no router %s", s.Host, prefix)
	return nil
}

func firstInstance(t *testing.T, s *topo.Snapshot) topo.NPort {
	t.Helper()
	for _, p := range s.Neutron.Ports {
		if p.Role == topo.RoleInstance {
			return p
		}
	}
	t.Fatalf("%s: no instance port", s.Host)
	return topo.NPort{}
}

func setFailed(s *topo.Snapshot, name string) {
	for i := range s.Sources {
		if s.Sources[i].Name == name {
			s.Sources[i].OK = false
			s.Sources[i].Error = "permission denied"
		}
	}
}

// Each break is made on purpose on a copy of the lab and must be named;
// nothing else may be.
func TestCloudBreaks(t *testing.T) {
	for _, tc := range []struct {
		name    string
		edit    func(t *testing.T, by map[string]*topo.Snapshot)
		want    []string // problem kinds and nodes, in the order found (most severe first)
		unknown []string
		cell    [3]string // from, to, state
		exit    int
		sev     []string // the problems' severities, when the case is about them
	}{
		{
			name: "one tunnel dropped: one-way",
			edit: func(t *testing.T, by map[string]*topo.Snapshot) {
				dropTunnel(by["compute1"], "10.30.0.11")
			},
			// compute1 also loses netnode from its flood lists: the flood
			// flows name a port that is gone.
			want: []string{
				"flood-missing compute1,netnode", "flood-missing compute1,netnode", "flood-missing compute1,netnode", "flood-missing compute1,netnode",
				"tunnel-one-way compute1,netnode"},
			cell: [3]string{"netnode", "compute1", TunnelOneWay},
			exit: 1,
		},
		{
			name: "both tunnels dropped: missing",
			edit: func(t *testing.T, by map[string]*topo.Snapshot) {
				dropTunnel(by["compute2"], "10.30.0.21")
				dropTunnel(by["compute1"], "10.30.0.22")
				for _, id := range []string{netDVR, netBoth} {
					for _, h := range []string{"compute1", "compute2"} {
						n := network(t, by[h], id)
						n.Flows.FloodPorts = slices.DeleteFunc(n.Flows.FloodPorts, func(p string) bool { return p == "vxlan-0a1e0015" || p == "vxlan-0a1e0016" })
					}
				}
			},
			want: []string{
				"flood-missing compute1,compute2", "flood-missing compute1,compute2", "flood-missing compute1,compute2", "flood-missing compute1,compute2",
				"tunnel-missing compute1,compute2"},
			cell: [3]string{"compute1", "compute2", TunnelMissing},
			exit: 1,
		},
		{
			name: "a tunnel between nodes that share no network is stale",
			edit: func(t *testing.T, by map[string]*topo.Snapshot) {
				s := by["compute2"]
				s.Neutron.Tunnels = append(s.Neutron.Tunnels, topo.Tunnel{Port: "vxlan-0a1e000c", Bridge: "br-tun", Type: "vxlan", LocalIP: "10.30.0.22", RemoteIP: "10.30.0.12"})
			},
			want: []string{"tunnel-one-way compute2,netnode2"},
			cell: [3]string{"compute2", "netnode2", TunnelOneWay},
			exit: 1,
		},
		{
			name: "HA router active on both network nodes",
			edit: func(t *testing.T, by map[string]*topo.Snapshot) {
				r := router(t, by["netnode"], routerHA)
				r.HARole, r.HAState = topo.HARoleActive, "primary"
			},
			want: []string{"router-active-on-two-nodes netnode,netnode2"},
			exit: 1,
		},
		{
			name: "a legacy router's namespace on two nodes",
			edit: func(t *testing.T, by map[string]*topo.Snapshot) {
				// r-legacy's namespace and its qr-/qg- ports copied to
				// netnode2: one problem for the router, none more for
				// each of its ports (but for the DVR qr- ports, which are
				// on several nodes anyway).
				from, to := by["netnode"], by["netnode2"]
				r := *router(t, from, routerLeg)
				to.Neutron.Routers = append(to.Neutron.Routers, r)
				for _, p := range from.Neutron.Ports {
					if p.RouterID == r.ID {
						to.Neutron.Ports = append(to.Neutron.Ports, p)
					}
				}
			},
			want: []string{"router-active-on-two-nodes netnode,netnode2"},
			exit: 1,
		},
		{
			name: "a router interface with the MAC of an instance port on another node",
			edit: func(t *testing.T, by map[string]*topo.Snapshot) {
				mac := firstInstance(t, by["compute2"]).MAC
				for i := range by["netnode"].Neutron.Ports {
					if p := &by["netnode"].Neutron.Ports[i]; strings.HasPrefix(p.RouterID, routerLeg) && p.Role == topo.RoleRouterInterface {
						p.MAC = mac
						break
					}
				}
			},
			want: []string{"mac-on-two-nodes compute2,netnode"},
			exit: 1,
		},
		{
			name: "HA role not read on one node",
			edit: func(t *testing.T, by map[string]*topo.Snapshot) {
				r := router(t, by["netnode"], routerHA)
				r.HARole, r.HAState = "", ""
			},
			unknown: []string{"router-active-on-two-nodes netnode"},
			exit:    3,
		},
		{
			name: "one instance port plugged on two compute nodes",
			edit: func(t *testing.T, by map[string]*topo.Snapshot) {
				p := firstInstance(t, by["compute1"])
				by["compute2"].Neutron.Ports = append(by["compute2"].Neutron.Ports, p)
			},
			want: []string{"port-on-two-nodes compute1,compute2"},
			sev:  []string{Error},
			exit: 1,
		},
		{
			name: "an instance port left behind in the dead VLAN",
			edit: func(t *testing.T, by map[string]*topo.Snapshot) {
				p := firstInstance(t, by["compute1"])
				p.Dead, p.LocalVLAN = true, topo.DeadVLAN
				by["compute2"].Neutron.Ports = append(by["compute2"].Neutron.Ports, p)
			},
			want: []string{"port-on-two-nodes compute1,compute2"},
			sev:  []string{Warning},
			exit: 1,
		},
		{
			name: "a node whose only port of a network is dead is no host of it",
			edit: func(t *testing.T, by map[string]*topo.Snapshot) {
				// compute2's one port of netBoth in the dead VLAN: the
				// others' flood lists still name compute2 (stale, but the
				// port is compute2's own problem), and compute2's list
				// for it is not checked against the others.
				s := by["compute2"]
				for i := range s.Neutron.Ports {
					if p := &s.Neutron.Ports[i]; strings.HasPrefix(p.NetworkID, netBoth) {
						p.Dead, p.LocalVLAN = true, topo.DeadVLAN
					}
				}
			},
			want: []string{"flood-extra compute1,compute2", "flood-extra compute2,netnode"},
			exit: 1,
		},
		{
			name: "two ports with one MAC on two nodes",
			edit: func(t *testing.T, by map[string]*topo.Snapshot) {
				mac := firstInstance(t, by["compute1"]).MAC
				for i := range by["compute2"].Neutron.Ports {
					if p := &by["compute2"].Neutron.Ports[i]; p.Role == topo.RoleInstance {
						p.MAC = strings.ToUpper(mac)
						break
					}
				}
			},
			want: []string{"mac-on-two-nodes compute1,compute2"},
			exit: 1,
		},
		{
			name: "one VNI for two networks",
			edit: func(t *testing.T, by map[string]*topo.Snapshot) {
				seg := 1715 // netDVR's
				network(t, by["compute2"], netBoth).SegmentationID = &seg
			},
			// netBoth now also has two segments.
			want: []string{"segment-differs compute1,compute2,netnode", "vni-clash compute1,compute2,netnode"},
			exit: 1,
		},
		{
			name: "a node's OVSDB not read, and its address not known",
			edit: func(t *testing.T, by map[string]*topo.Snapshot) {
				s := by["compute2"]
				setFailed(s, "ovsdb")
				s.Neutron.Tunnels, s.Neutron.Ports, s.Neutron.Networks = nil, nil, nil
				s.Namespaces = nil
			},
			// The others' tunnels to it lead to an address no node
			// claims, which may be its.
			unknown: []string{"ovsdb-not-read compute2", "tunnel-to-unknown-node compute1,compute2", "tunnel-to-unknown-node netnode,compute2"},
			cell:    [3]string{"compute1", "10.30.0.22", TunnelForeign},
			exit:    3,
		},
		{
			name: "a node's br-tun flows not read",
			edit: func(t *testing.T, by map[string]*topo.Snapshot) {
				setFailed(by["compute2"], "openflow/br-tun")
			},
			unknown: []string{"flood-missing compute2", "flood-missing compute2"},
			exit:    3,
		},
		{
			name: "a flood list lacks a node",
			edit: func(t *testing.T, by map[string]*topo.Snapshot) {
				n := network(t, by["compute1"], netDVR)
				n.Flows.FloodPorts = slices.DeleteFunc(n.Flows.FloodPorts, func(p string) bool { return p == "vxlan-0a1e0016" })
			},
			want: []string{"flood-missing compute1,compute2"},
			exit: 1,
		},
		{
			name: "a flood list names a node that hosts none of the network",
			edit: func(t *testing.T, by map[string]*topo.Snapshot) {
				n := network(t, by["netnode"], netLegacy)
				n.Flows.FloodPorts = append(n.Flows.FloodPorts, "vxlan-0a1e0016")
			},
			want: []string{"flood-extra compute2,netnode"},
			exit: 1,
		},
		{
			name: "a node not collected: its tunnels lead nowhere",
			edit: func(t *testing.T, by map[string]*topo.Snapshot) {
				delete(by, "netnode2")
			},
			want: []string{"tunnel-to-unknown-node compute1", "tunnel-to-unknown-node netnode"},
			// r-ha stands by on netnode, its only collected node.
			unknown: []string{"router-active-on-two-nodes netnode"},
			cell:    [3]string{"netnode", "10.30.0.12", TunnelForeign},
			exit:    1,
		},
		{
			name: "a node's OVSDB not read",
			edit: func(t *testing.T, by map[string]*topo.Snapshot) {
				s := by["compute2"]
				setFailed(s, "ovsdb")
				s.Neutron.Tunnels, s.Neutron.Ports, s.Neutron.Networks = nil, nil, nil
			},
			// Its tunnels are gone with its OVSDB, but its own namespace
			// still holds its local IP: the others' tunnels to it are
			// found, and whether it has them back is unknown.
			unknown: []string{"ovsdb-not-read compute2"},
			cell:    [3]string{"compute1", "compute2", TunnelOK},
			exit:    3,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := lab(t, func(by map[string]*topo.Snapshot) { tc.edit(t, by) })
			if got := kinds(c.Problems); !slices.Equal(got, tc.want) {
				t.Errorf("problems %q, want %q", got, tc.want)
				for _, p := range c.Problems {
					t.Logf("%+v", p)
				}
			}
			if got := unknownKinds(c.Unknown); !slices.Equal(got, tc.unknown) {
				t.Errorf("unknown %q, want %q", got, tc.unknown)
				for _, u := range c.Unknown {
					t.Logf("%+v", u)
				}
			}
			if tc.cell[0] != "" {
				if got := c.Mesh.Cell(tc.cell[0], tc.cell[1]); got == nil || got.State != tc.cell[2] {
					t.Errorf("mesh %s -> %s: %+v, want %s", tc.cell[0], tc.cell[1], got, tc.cell[2])
				}
			}
			if tc.sev != nil {
				var got []string
				for _, p := range c.Problems {
					got = append(got, p.Severity)
				}
				if !slices.Equal(got, tc.sev) {
					t.Errorf("severities %q, want %q", got, tc.sev)
				}
			}
			if got := c.ExitCode(); got != tc.exit {
				t.Errorf("exit %d, want %d", got, tc.exit)
			}
			for _, p := range c.Problems {
				if p.Text == "" || len(p.Evidence) == 0 || p.Subject == "" || (p.Severity != Error && p.Severity != Warning) {
					t.Errorf("problem without text, evidence, subject or severity: %+v", p)
				}
			}
		})
	}
}

func TestNewRefuses(t *testing.T) {
	if _, err := New(nil); err == nil {
		t.Error("a cloud of no snapshot was built")
	}
	a, b := fixturetest.Load(t, "net"), fixturetest.Load(t, "net")
	_, err := New([]*topo.Snapshot{fixturetest.Load(t, "cmp"), a, b})
	var dup *DuplicateHostError
	if !errors.As(err, &dup) || dup.Host != "netnode" || dup.First != 1 || dup.Second != 2 {
		t.Errorf("two snapshots of one host: %v", err)
	}
	a.Host = ""
	if _, err := New([]*topo.Snapshot{a}); err == nil {
		t.Error("a snapshot without a host name was taken")
	}
	// A snapshot of a report sos clean masked: alone it is a node like
	// any; with others its aliased addresses cannot be matched to theirs.
	m := fixturetest.Load(t, "net")
	m.Sources = append(m.Sources, topo.Source{Name: topo.SourceMACs, Error: "masked by sos clean"})
	if _, err := New([]*topo.Snapshot{m}); err != nil {
		t.Errorf("one masked snapshot: %v", err)
	}
	_, err = New([]*topo.Snapshot{fixturetest.Load(t, "cmp"), m})
	var masked *MaskedError
	if !errors.As(err, &masked) || masked.Host != "netnode" || masked.Index != 1 {
		t.Errorf("a masked snapshot among others: %v", err)
	}
}

// A single snapshot is a one-node cloud with nothing across nodes to say,
// except its tunnels to nodes that were not given.
func TestOneNodeCloud(t *testing.T) {
	c, err := New([]*topo.Snapshot{fixturetest.Load(t, "aio")})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Nodes) != 1 || !slices.Equal(c.Nodes[0].Roles, []string{RoleNetwork, RoleCompute}) {
		t.Errorf("aio: %+v", c.Nodes)
	}
	// Its tunnels lead to nodes that were not given: shown, but nothing
	// wrong.
	if len(c.Problems)+len(c.Unknown) != 0 || c.ExitCode() != 0 {
		t.Errorf("one node: problems %+v, unknown %+v", c.Problems, c.Unknown)
	}
	if cell := c.Mesh.Cell("aio", "10.30.0.21"); cell == nil || cell.State != TunnelForeign {
		t.Errorf("aio's tunnel to 10.30.0.21: %+v (columns %+v)", cell, c.Mesh.Cols)
	}
}
