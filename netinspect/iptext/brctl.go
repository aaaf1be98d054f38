package iptext

import (
	"strings"

	"github.com/ostopo/ostopo/netinspect/topo"
)

// LinuxBridge is one bridge of brctl show.
type LinuxBridge struct {
	Name       string
	ID         string // "8000.5e46cb509849"
	STP        bool
	Interfaces []string // never nil
}

// ParseBrctlShow reads brctl show: a header, then per bridge "NAME ID
// STP [IFACE]" and one more indented line per further interface.
func ParseBrctlShow(text string) ([]LinuxBridge, error) {
	out := []LinuxBridge{}
	var e errs
	header := false
	textLines(text, func(n int, line string) {
		f := strings.Fields(line)
		switch {
		case len(f) == 0:
			return
		case strings.HasPrefix(line, "bridge name"):
			header = true
			return
		case !header:
			e.add(n, line, "a bridge before the header")
			return
		case indented(line):
			if len(out) == 0 || len(f) != 1 {
				e.add(n, line, "not a bridge's interface")
				return
			}
			b := &out[len(out)-1]
			b.Interfaces = append(b.Interfaces, f[0])
			return
		}
		if len(f) < 3 || len(f) > 4 || !bridgeID(f[1]) || f[2] != "yes" && f[2] != "no" {
			e.add(n, line, "not a bridge line")
			return
		}
		b := LinuxBridge{Name: f[0], ID: f[1], STP: f[2] == "yes", Interfaces: []string{}}
		if len(f) == 4 {
			b.Interfaces = append(b.Interfaces, f[3])
		}
		out = append(out, b)
	})
	return out, e.err("brctl show", len(out))
}

// bridgeID reports whether s looks like "8000.5e46cb509849".
func bridgeID(s string) bool {
	prio, mac, ok := strings.Cut(s, ".")
	if !ok || len(prio) != 4 || len(mac) != 12 {
		return false
	}
	for _, c := range prio + mac {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

// ApplyBridges records what brctl show says on the namespace's devices,
// as the collector would have read it from netlink: each member's master
// is its bridge, each bridge's kind is "bridge". A fact ip already gave
// (a master, a kind) is kept: ip read it, brctl only repeats it.
func ApplyBridges(ns *topo.Namespace, bridges []LinuxBridge) {
	for _, b := range bridges {
		if l := ns.Link(b.Name); l != nil && l.Kind == "" {
			l.Kind = "bridge"
		}
		for _, m := range b.Interfaces {
			if l := ns.Link(m); l != nil && l.Master == "" {
				l.Master = b.Name
			}
		}
	}
}
