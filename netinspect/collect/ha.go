package collect

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/ostopo/ostopo/netinspect/topo"
)

// keepalivedConfMax bounds what is read of a keepalived.conf: about 60
// bytes per address, and a router holds one per floating IP.
const keepalivedConfMax = 4 << 20

// readHAConfs reads, for every HA router the L3 agent keeps under
// <state_path>/ha_confs/<router id>/, the state file the agent writes on
// every VRRP transition (ha_router.py ha_state) and the keepalived.conf it
// generates. A router directory without a readable state file says why
// in HAStateErrors: its state is unknown, not backup. A missing ha_confs
// is normal (no HA router, or not an L3 node); one that cannot be listed
// is the error returned.
func readHAConfs(dir string, files *topo.AgentFiles) error {
	haDir := filepath.Join(dir, "ha_confs")
	entries, err := os.ReadDir(haDir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return nil
	case err != nil:
		return fmt.Errorf("list %s: %w", haDir, err)
	}
	for _, e := range entries {
		// Beside each router's directory the agent keeps <id>.pid.keepalived
		// and <id>.pid.keepalived-vrrp files.
		if !e.IsDir() {
			continue
		}
		id, rdir := e.Name(), filepath.Join(haDir, e.Name())
		if b, err := readAgentFile(filepath.Join(rdir, "state"), smallFileMax); err == nil {
			if files.HARouterStates == nil {
				files.HARouterStates = map[string]string{}
			}
			files.HARouterStates[id] = strings.TrimSpace(string(b))
		} else {
			if files.HAStateErrors == nil {
				files.HAStateErrors = map[string]string{}
			}
			files.HAStateErrors[id] = haFileError(err)
		}
		conf := topo.KeepalivedConf{VIPs: []topo.KeepalivedVIP{}}
		if b, err := readAgentFile(filepath.Join(rdir, "keepalived.conf"), keepalivedConfMax); err != nil {
			conf.Error = haFileError(err)
		} else {
			conf = ParseKeepalivedConf(string(b))
		}
		if files.Keepalived == nil {
			files.Keepalived = map[string]topo.KeepalivedConf{}
		}
		files.Keepalived[id] = conf
	}
	return nil
}

// haFileError words why a file of ha_confs was not read.
func haFileError(err error) string {
	var pe *os.PathError
	if errors.Is(err, os.ErrNotExist) && errors.As(err, &pe) {
		return "no " + pe.Path
	}
	return err.Error()
}

// ParseKeepalivedConf reads what the L3 agent's keepalived.conf says of
// its vrrp_instance (neutron/agent/linux/keepalived.py build_config): the
// interface, the virtual_router_id, and the addresses of virtual_ipaddress
// and virtual_ipaddress_excluded, one per line as "<address>/<len> dev
// <device> [scope link] [no_track]". A file with no vrrp_instance, or one
// whose address blocks are not closed, is an error: its VIPs are unknown.
func ParseKeepalivedConf(text string) topo.KeepalivedConf {
	c := topo.KeepalivedConf{VIPs: []topo.KeepalivedVIP{}}
	var stack []string // the names of the blocks we are in
	instance := false
	for _, line := range strings.Split(text, "\n") {
		f := strings.Fields(line)
		f = f[:commentAt(f)]
		if len(f) == 0 {
			continue
		}
		if f[0] == "}" {
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
			continue
		}
		if f[len(f)-1] == "{" {
			stack = append(stack, f[0])
			instance = instance || f[0] == "vrrp_instance"
			continue
		}
		in := ""
		if len(stack) > 0 {
			in = stack[len(stack)-1]
		}
		switch {
		case in == "vrrp_instance" && f[0] == "interface" && len(f) > 1:
			c.Interface = f[1]
		case in == "vrrp_instance" && f[0] == "virtual_router_id" && len(f) > 1:
			c.VRID, _ = strconv.Atoi(f[1])
		case in == "virtual_ipaddress" || in == "virtual_ipaddress_excluded":
			p, err := netip.ParsePrefix(f[0])
			if err != nil {
				a, aerr := netip.ParseAddr(f[0])
				if aerr != nil {
					continue
				}
				p = netip.PrefixFrom(a, a.BitLen())
			}
			v := topo.KeepalivedVIP{Address: p.String()}
			for i := 1; i+1 < len(f); i++ {
				if f[i] == "dev" {
					v.Device = f[i+1]
				}
			}
			c.VIPs = append(c.VIPs, v)
		}
	}
	switch {
	case !instance:
		c.Error = "no vrrp_instance in keepalived.conf"
	case len(stack) > 0:
		c.Error = "keepalived.conf ends inside " + stack[len(stack)-1] + " { … }: cut short"
	}
	return c
}

// commentAt is the index of the first token that starts a comment ("#"
// or "!", as keepalived reads them), or len(f).
func commentAt(f []string) int {
	for i, s := range f {
		if strings.HasPrefix(s, "#") || strings.HasPrefix(s, "!") {
			return i
		}
	}
	return len(f)
}

// HAProbeTarget says what to probe in a namespace (ARPProbe): the IPv4
// gateway address an HA router's qg- holds, and that device. Keepalived puts it there on the
// primary only, so a router holding it is active here, whatever its state
// file says (the agent writes that file after keepalived acts, and a
// keepalived that died leaves the addresses behind): it is the address
// another node must not hold. ok is false for any other namespace: not a
// qrouter-, not HA (no ha- device), a DVR router's (its HA part is in the
// snat- namespace), or one holding no gateway address (a standby).
func HAProbeTarget(ns *topo.Namespace) (ip netip.Addr, gw *topo.Link, ok bool) {
	if ns.Kind != topo.NSRouter {
		return netip.Addr{}, nil, false
	}
	var ha bool
	for i := range ns.Links {
		l := &ns.Links[i]
		switch {
		case strings.HasPrefix(l.Name, "rfp-"):
			return netip.Addr{}, nil, false
		case strings.HasPrefix(l.Name, "ha-"):
			ha = true
		case strings.HasPrefix(l.Name, "qg-") && gw == nil:
			gw = l
		}
	}
	if !ha || gw == nil {
		return netip.Addr{}, nil, false
	}
	for _, a := range gw.Addrs {
		p, err := netip.ParsePrefix(a.Prefix)
		// Floating IPs are /32s beside it; the gateway address has the
		// external subnet's prefix length.
		if err == nil && p.Addr().Is4() && p.Bits() < 32 && a.Scope == "global" {
			return p.Addr(), gw, true
		}
	}
	return netip.Addr{}, nil, false
}
