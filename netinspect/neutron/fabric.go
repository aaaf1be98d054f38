package neutron

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/ostopo/ostopo/netinspect/topo"
)

// isTunnel reports whether an interface has a tunnel type the agent uses.
func isTunnel(i *topo.Interface) bool {
	if i == nil {
		return false
	}
	switch i.Type {
	case "vxlan", "gre", "ip6gre", "geneve", "stt":
		return true
	}
	return false
}

// bridges classifies the OVS bridges: br-int by name (the agent's default
// integration_bridge) or, failing that, the bridge holding VIF ports; the
// tunnel bridge by its tunnel ports or patch peer; physical bridges by their
// patch peer on the integration bridge (phy-<br> ⇄ int-<br>).
func (d *deriver) bridges() {
	s := d.x.s
	var best *topo.Bridge
	bestVIFs := -1
	for i := range s.OVS.Bridges {
		b := &s.OVS.Bridges[i]
		if b.Name == "br-int" {
			best, bestVIFs = b, 1<<30
			continue
		}
		vifs := 0
		for _, p := range b.Ports {
			if len(p.Interfaces) == 0 {
				continue
			}
			if d.rd.lacks(SourceInterfaceConfig) {
				// No iface-id was read: the ports Neutron names
				// (qvo…, tap…, qr-…) tell the bridge instead.
				if prefix, _ := splitDevice(p.Name); prefix != "" && prefix != "qvb" && prefix != "qbr" {
					vifs++
				}
			} else if p.Interfaces[0].ExternalIDs["iface-id"] != "" {
				vifs++
			}
		}
		if vifs > bestVIFs && vifs > 0 {
			best, bestVIFs = b, vifs
		}
	}
	d.x.integration = best
	for i := range s.OVS.Bridges {
		b := &s.OVS.Bridges[i]
		role := topo.BridgeOther
		switch {
		case b == best:
			role = topo.BridgeIntegration
		case hasTunnelPorts(b) || b.Name == "br-tun":
			role = topo.BridgeTunnel
			if d.x.tunnel == nil {
				d.x.tunnel = b
			}
		case best != nil && patchedTo(d.x, b, best):
			role = topo.BridgePhysical
			d.x.physical = append(d.x.physical, b)
		}
		d.out.Bridges = append(d.out.Bridges, topo.BridgeRole{Name: b.Name, Role: role})
	}
}

func hasTunnelPorts(b *topo.Bridge) bool {
	for i := range b.Ports {
		for j := range b.Ports[i].Interfaces {
			if isTunnel(&b.Ports[i].Interfaces[j]) {
				return true
			}
		}
	}
	return false
}

// patchedTo reports whether bridge b has a patch port whose peer is on target.
func patchedTo(x *index, b, target *topo.Bridge) bool {
	for _, p := range b.Ports {
		for _, i := range p.Interfaces {
			if i.Type != "patch" {
				continue
			}
			if peer, ok := x.ifaces[i.Options["peer"]]; ok && peer.bridge == target {
				return true
			}
		}
	}
	return false
}

// setBridgePhysnet records the physnet a physical bridge carries.
func (d *deriver) setBridgePhysnet(bridge, physnet string) {
	for i := range d.out.Bridges {
		if d.out.Bridges[i].Name == bridge && d.out.Bridges[i].PhysicalNetwork == "" {
			d.out.Bridges[i].PhysicalNetwork = physnet
		}
	}
}

// tunnels lists tunnel ports with their endpoints and checks them against
// the agent's naming (<type>-%08x of the remote IPv4) and the node's
// addresses (local_ip must be on an interface of the node).
func (d *deriver) tunnels() {
	tunnels := sortedPorts(d.x, func(op ovsPort) bool { return isTunnel(op.iface) })
	// Which local_ip values are on an interface of the node: the node's
	// own namespace has thousands of addresses, the tunnels a few values.
	root := d.x.s.Root()
	local := map[string]bool{}
	for _, op := range tunnels {
		local[op.iface.Options["local_ip"]] = false
	}
	if root != nil && len(tunnels) > 0 {
		for _, l := range root.Links {
			for _, a := range l.Addrs {
				ip, _, _ := strings.Cut(a.Prefix, "/")
				if _, ok := local[ip]; ok {
					local[ip] = true
				}
			}
		}
	}
	for _, op := range tunnels {
		i := op.iface
		t := topo.Tunnel{
			Port: op.port.Name, Bridge: op.bridge.Name, Type: i.Type,
			LocalIP: i.Options["local_ip"], RemoteIP: i.Options["remote_ip"], OFPort: i.OFPort,
			Problems: []string{},
		}
		if want := tunnelName(t.Type, t.RemoteIP); want != "" && want != t.Port {
			t.Problems = append(t.Problems, fmt.Sprintf("name %s does not match remote_ip %s (the agent would call it %s)", t.Port, t.RemoteIP, want))
		}
		if t.LocalIP != "" && d.rd.root && !local[t.LocalIP] {
			t.Problems = append(t.Problems, fmt.Sprintf("local_ip %s is on no interface of this node", t.LocalIP))
		}
		if t.RemoteIP == "" {
			t.Problems = append(t.Problems, "no remote_ip option")
		}
		if i.OFPort < 0 {
			t.Problems = append(t.Problems, "OVS could not create the tunnel port (ofport -1): "+i.Error)
		}
		d.out.Tunnels = append(d.out.Tunnels, t)
	}
}

// tunnelName is the agent's get_tunnel_name for an IPv4 remote.
func tunnelName(typ, remote string) string {
	a, err := netip.ParseAddr(remote)
	if err != nil || !a.Is4() {
		return ""
	}
	if typ == "ip6gre" {
		typ = "gre"
	}
	b := a.As4()
	return fmt.Sprintf("%s-%02x%02x%02x%02x", typ, b[0], b[1], b[2], b[3])
}

// sortedPorts returns the OVS ports keep selects, ordered by bridge and
// name.
func sortedPorts(x *index, keep func(ovsPort) bool) []ovsPort {
	var out []ovsPort
	for _, op := range x.ports {
		if keep(op) {
			out = append(out, op)
		}
	}
	slices.SortFunc(out, func(a, b ovsPort) int {
		return cmp.Or(strings.Compare(a.bridge.Name, b.bridge.Name), strings.Compare(a.port.Name, b.port.Name))
	})
	return out
}

// patchPairs lists every patch port with its peer, once per pair.
func (d *deriver) patchPairs() {
	seen := map[string]bool{}
	for _, op := range sortedPorts(d.x, func(op ovsPort) bool { return op.iface != nil && op.iface.Type == "patch" }) {
		i := op.iface
		if seen[i.Name] {
			continue
		}
		pp := topo.PatchPair{Bridge: op.bridge.Name, Port: op.port.Name, Peer: i.Options["peer"], Problems: []string{}}
		seen[i.Name] = true
		peer, ok := d.x.ifaces[pp.Peer]
		switch {
		case pp.Peer == "":
			pp.Problems = append(pp.Problems, "no peer option")
		case pp.Peer == "nonexistent-peer":
			pp.Problems = append(pp.Problems, "peer is nonexistent-peer: the agent created the port but never finished wiring the bridge")
		case !ok:
			pp.Problems = append(pp.Problems, fmt.Sprintf("peer %s does not exist on any bridge", pp.Peer))
		default:
			pp.PeerBridge = peer.bridge.Name
			seen[peer.iface.Name] = true
			if peer.iface.Type != "patch" {
				pp.Problems = append(pp.Problems, fmt.Sprintf("peer %s is not a patch port (type %q)", pp.Peer, peer.iface.Type))
			} else if back := peer.iface.Options["peer"]; back != i.Name {
				pp.Problems = append(pp.Problems, fmt.Sprintf("peer %s points back at %s, not %s", pp.Peer, back, i.Name))
			}
			if peer.bridge == op.bridge {
				pp.Problems = append(pp.Problems, "both ends are on the same bridge")
			}
		}
		d.out.PatchPairs = append(d.out.PatchPairs, pp)
	}
}

// providerNICs lists the non-patch, non-internal ports of physical bridges:
// the NICs that carry provider networks (eth4 in the course's deployment).
func (d *deriver) providerNICs() {
	for _, b := range d.x.physical {
		for pi := range b.Ports {
			p := &b.Ports[pi]
			if len(p.Interfaces) == 0 {
				continue
			}
			i := &p.Interfaces[0]
			if i.Type == "patch" || i.Type == "internal" || isTunnel(i) || p.Name == b.Name {
				continue
			}
			nic := topo.ProviderNIC{Bridge: b.Name, Name: p.Name, Problems: []string{}}
			if l := d.x.root[p.Name]; l != nil {
				nic.InKernel, nic.Up, nic.Carrier, nic.MTU = true, l.Up(), l.Carrier, l.MTU
				nic.AdminDown = !l.AdminUp
				nic.Addresses = globalAddrs(l)
				// Set down, or up without carrier: the second is the
				// cable, the switch port or the peer, not ip link.
				if t := TroubleOf("", l, "", "", d.x.lookup); t != nil {
					nic.Problems = append(nic.Problems, t.Problem)
				}
				if len(nic.Addresses) > 0 {
					nic.Problems = append(nic.Problems, fmt.Sprintf("%s holds %s but is a port of %s: the host cannot use that address (move it to the bridge or another NIC)", p.Name, strings.Join(nic.Addresses, ", "), b.Name))
				}
			} else if d.rd.root {
				nic.Problems = append(nic.Problems, fmt.Sprintf("%s is a port of %s but no such device exists in the node's namespace", p.Name, b.Name))
			}
			if i.Error != "" {
				nic.Problems = append(nic.Problems, "OVS: "+i.Error)
			}
			d.out.ProviderNICs = append(d.out.ProviderNICs, nic)
		}
	}
}
