package trace

import (
	"cmp"
	"slices"
	"strings"

	"github.com/ostopo/ostopo/netinspect/topo"
)

// Candidate is one thing trace accepts, for shell completion and for
// listing the ports an ambiguous input matches.
type Candidate struct {
	Value       string `json:"value"`
	Description string `json:"description"`
}

// Candidates lists what trace can follow on a snapshot: floating IPs,
// instances' fixed IPs, router and DHCP port addresses, then port ids,
// each group in order, every value once (an address two ports hold is
// offered once; tracing it lists both).
func Candidates(s *topo.Snapshot) []Candidate {
	n := &s.Neutron
	var fips, fixed, addrs, ids []Candidate
	for _, r := range n.Routers {
		for _, f := range r.FloatingIPs {
			fips = append(fips, Candidate{f.FloatingIP, "floating IP → " + orWord(f.FixedIP, "?") + ", router " + shortID(r.ID)})
		}
	}
	for i := range n.Ports {
		p := &n.Ports[i]
		for _, a := range p.FixedIPs {
			ip, _, _ := strings.Cut(a, "/")
			switch p.Role {
			case topo.RoleInstance:
				fixed = append(fixed, Candidate{ip, "fixed IP of port " + shortID(p.ID) + instanceOf(p)})
			case topo.RoleRouterInterface:
				addrs = append(addrs, Candidate{ip, "router interface " + devName(p.Devices.Tap) + " of router " + shortID(orWord(p.RouterID, "?"))})
			case topo.RoleRouterGateway:
				addrs = append(addrs, Candidate{ip, "router gateway " + devName(p.Devices.Tap) + " of router " + shortID(orWord(p.RouterID, "?"))})
			case topo.RoleDHCP:
				addrs = append(addrs, Candidate{ip, "DHCP port of network " + shortID(orWord(p.NetworkID, "?"))})
			}
		}
		ids = append(ids, Candidate{p.ID, "port: " + portDescription(p)})
	}
	var out []Candidate
	seen := map[string]bool{}
	for _, group := range [][]Candidate{fips, fixed, addrs, ids} {
		slices.SortStableFunc(group, func(a, b Candidate) int { return cmp.Compare(a.Value, b.Value) })
		for _, c := range group {
			if !seen[c.Value] {
				seen[c.Value] = true
				out = append(out, c)
			}
		}
	}
	return out
}

func instanceOf(p *topo.NPort) string {
	if p.InstanceID == "" {
		return ""
	}
	return ", instance " + shortID(p.InstanceID)
}

// shortID abbreviates a UUID to the 8 characters every view shows.
func shortID(id string) string {
	if topo.IsUUID(id) {
		return id[:8]
	}
	return id
}
