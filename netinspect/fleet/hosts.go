package fleet

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// InventoryHosts reads an INI inventory and returns the hosts ostopo works
// on: its network, compute and control nodes (CollectPattern), under
// limit (an Ansible --limit pattern; empty for all of them), each with its
// connection variables. Errors name the file (and line).
func InventoryHosts(path, limit string) ([]Host, error) {
	inv, err := ReadInventory(path)
	if err != nil {
		return nil, err
	}
	names, err := inv.SelectLimited(CollectPattern, limit)
	if err != nil {
		return nil, fmt.Errorf("--limit %q: %w", limit, err)
	}
	out := make([]Host, 0, len(names))
	for _, n := range names {
		h, err := inv.Host(n)
		if err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	return out, nil
}

var sshHostRE = regexp.MustCompile(`^(?:([^@\s/]+)@)?(\[[0-9a-fA-F:.]+\]|[^@\s:/\[\]]+)(?::(\d+))?$`)

// ParseHostList reads --ssh's hosts: each [user@]host[:port] ([v6addr]:port
// for an IPv6 address with a port), separated by commas. The host part
// names the snapshot file and is what ssh connects to (so ~/.ssh/config's
// Host entries apply); every host becomes root through sudo -n unless it
// logs in as root.
func ParseHostList(list []string) ([]Host, error) {
	var out []Host
	seen := map[string]bool{}
	for _, item := range list {
		for _, s := range strings.Split(item, ",") {
			s = strings.TrimSpace(s)
			if s == "" {
				continue
			}
			h, err := parseSSHHost(s)
			if err != nil {
				return nil, err
			}
			if seen[h.Name] {
				continue
			}
			seen[h.Name] = true
			out = append(out, h)
		}
	}
	return out, nil
}

func parseSSHHost(s string) (Host, error) {
	if strings.Count(s, ":") >= 2 && !strings.Contains(s, "[") && !strings.Contains(s, "@") {
		return Host{Name: s, Become: true}, nil // a bare IPv6 address
	}
	m := sshHostRE.FindStringSubmatch(s)
	if m == nil || strings.HasPrefix(m[2], "-") {
		return Host{}, fmt.Errorf("--ssh %q: want [user@]host[:port]", s)
	}
	h := Host{Name: strings.Trim(m[2], "[]"), User: m[1], Become: true}
	if m[3] != "" {
		p, err := strconv.Atoi(m[3])
		if err != nil || p <= 0 || p > 65535 {
			return Host{}, fmt.Errorf("--ssh %q: bad port", s)
		}
		h.Port = p
	}
	return h, nil
}
