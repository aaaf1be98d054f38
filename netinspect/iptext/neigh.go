package iptext

import (
	"net"
	"strings"

	"github.com/ostopo/ostopo/netinspect/topo"
)

// nudStates are the neighbour states ip prints, in the collector's order
// and spelling (neighState).
var nudStates = []string{"INCOMPLETE", "REACHABLE", "STALE", "DELAY", "PROBE", "FAILED", "NOARP", "PERMANENT"}

// ParseNeighbours reads ip neigh (ip neigh show, ip -s -s neigh show):
// "IP dev DEV lladdr MAC [router] [used A/B/C probes N] STATE". States
// are written as the collector writes them (lower case, joined by ",",
// "none" for none). As the collector does, the kernel's own noarp
// entries for multicast and broadcast addresses are left out. Note that
// plain ip neigh hides every noarp and "none" entry, which the
// collector keeps when unicast: those are missing from such a text.
func ParseNeighbours(text string) ([]topo.Neighbor, error) {
	out := []topo.Neighbor{}
	var e errs
	textLines(text, func(n int, line string) {
		f := strings.Fields(line)
		if len(f) == 0 {
			return
		}
		nb, keep, reason := parseNeighbour(f)
		switch {
		case reason != "":
			e.add(n, line, reason)
		case keep:
			out = append(out, nb)
		}
	})
	return out, e.err("ip neigh", len(out))
}

func parseNeighbour(f []string) (nb topo.Neighbor, keep bool, reason string) {
	ip := net.ParseIP(f[0])
	if ip == nil {
		return nb, false, "no address"
	}
	nb.IP = ip.String()
	var states []string
	seen := false // a word only a neighbour line has
	for i := 1; i < len(f); i++ {
		w := f[i]
		has := i+1 < len(f)
		switch {
		case w == "dev" && has:
			nb.Dev = f[i+1]
			i++
		case w == "lladdr" && has:
			nb.MAC = lladdr(f[i+1])
			seen = true
			i++
		case (w == "ref" || w == "used" || w == "probes" || w == "proto" || w == "vni" || w == "port" || w == "via") && has:
			i++
			// iproute2 6.x prints "used 1/1/1probes 0": no space.
			if w == "used" && strings.HasSuffix(f[i], "probes") && i+1 < len(f) {
				i++
			}
		case w == "router" || w == "proxy" || w == "extern_learn" || w == "offload" || w == "trap" || w == "managed":
		case isNUDState(w):
			states = append(states, w)
			seen = true
		default:
			return nb, false, "unknown word " + w
		}
	}
	if !seen && nb.Dev == "" {
		return nb, false, "not a neighbour"
	}
	nb.State = stateWord(states)
	if nb.State == "noarp" && (ip.IsMulticast() || ip.IsUnspecified() || ip.Equal(net.IPv4bcast)) {
		return nb, false, ""
	}
	return nb, true, ""
}

func isNUDState(w string) bool {
	for _, s := range nudStates {
		if w == s {
			return true
		}
	}
	return false
}

// stateWord writes states as the collector's neighState does: in the
// kernel's bit order, lower case, joined by ",".
func stateWord(states []string) string {
	var parts []string
	for _, s := range nudStates {
		for _, got := range states {
			if got == s {
				parts = append(parts, strings.ToLower(s))
				break
			}
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ",")
}

// lladdr is a neighbour's link-layer address as the collector writes it
// (linkLayerAddr): a tunnel's IPv4 endpoint as an address, anything else
// as colon hex of its bytes.
func lladdr(s string) string {
	if ip := net.ParseIP(s); ip != nil {
		if v4 := ip.To4(); v4 != nil && !strings.Contains(s, ":") {
			return v4.String()
		}
		return net.HardwareAddr(ip).String()
	}
	if hw, err := net.ParseMAC(s); err == nil {
		return hw.String()
	}
	// Other lengths (ip prints any length): colon hex as written.
	return strings.ToLower(s)
}
