package collect

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/ostopo/ostopo/netinspect/topo"
)

// DefaultStateDirs are where the Neutron agents' state_path is found on a
// node: bare metal, then kolla's named volume (state_path is
// /var/lib/neutron/kolla inside the containers) under docker and podman.
func DefaultStateDirs() []string {
	return []string{
		"/var/lib/neutron",
		"/var/lib/docker/volumes/neutron_metadata_socket/_data",
		"/var/lib/containers/storage/volumes/neutron_metadata_socket/_data",
		"/var/lib/neutron/kolla",
	}
}

func collectAgentFiles(dir string, rec *recorder) topo.AgentFiles {
	files, detail, err := ReadAgentFiles(dir)
	rec.add("agent-files", detail, err)
	return files
}

// ReadAgentFiles reads DHCP host files and HA router states under the
// state dir. With dir == "" the first of DefaultStateDirs that holds dhcp/ or
// ha_confs/ is used; finding none is normal on a compute node.
func ReadAgentFiles(dir string) (topo.AgentFiles, string, error) {
	files := topo.AgentFiles{DHCP: []topo.DHCPNetwork{}}
	if dir == "" {
		for _, d := range DefaultStateDirs() {
			if isDir(filepath.Join(d, "dhcp")) || isDir(filepath.Join(d, "ha_confs")) {
				dir = d
				break
			}
		}
		if dir == "" {
			return files, "no Neutron state dir with dhcp/ or ha_confs/ in " + strings.Join(DefaultStateDirs(), ", "), nil
		}
	} else if st, err := os.Stat(dir); err != nil {
		return files, dir, fmt.Errorf("neutron state dir: %w", err)
	} else if !st.IsDir() {
		return files, dir, fmt.Errorf("neutron state dir %s is not a directory", dir)
	}
	files.StateDir = dir
	var errs []error
	dhcpDirs, err := os.ReadDir(filepath.Join(dir, "dhcp"))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		errs = append(errs, fmt.Errorf("list %s: %w", filepath.Join(dir, "dhcp"), err))
	}
	for _, e := range dhcpDirs {
		if !e.IsDir() || !topo.IsUUID(e.Name()) {
			continue
		}
		d := filepath.Join(dir, "dhcp", e.Name())
		net := topo.DHCPNetwork{NetworkID: e.Name(), Dir: d, Hosts: []topo.DHCPHost{}}
		if b, err := readAgentFile(filepath.Join(d, "interface"), smallFileMax); err == nil {
			net.Interface = strings.TrimSpace(string(b))
		}
		b, err := readAgentFile(filepath.Join(d, "host"), hostFileMax)
		switch {
		case errors.Is(err, os.ErrNotExist):
		case err != nil:
			errs = append(errs, fmt.Errorf("read DHCP host file %s: %w", filepath.Join(d, "host"), err))
		default:
			net.Hosts = ParseDHCPHosts(string(b))
		}
		files.DHCP = append(files.DHCP, net)
	}
	if err := readHAConfs(dir, &files); err != nil {
		errs = append(errs, err)
	}
	return files, dir, errors.Join(errs...)
}

// Bounds of what is read of an agent's file: a host file holds a line of
// about 100 bytes per port of the network (65,000 ports in 16 MiB); the
// interface and keepalived state files hold one word.
const (
	hostFileMax  = 16 << 20
	smallFileMax = 4 << 10
)

// readAgentFile reads a regular file of at most max bytes. Anything else
// at the path (a FIFO would block the scan forever, a link to /dev/zero
// would fill memory) is an error naming it.
func readAgentFile(path string, max int64) ([]byte, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file (%v)", path, st.Mode().Type())
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("%s is larger than %s: not an agent's file", path, topo.FormatBytes(max))
	}
	return b, nil
}

func isDir(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}

// ParseDHCPHosts reads a dnsmasq --dhcp-hostsfile written by the DHCP agent:
// "mac,hostname,ip" with optional "set:port-<id>" / "tag:..." fields and
// "[v6addr]" brackets. Lines that name no MAC are skipped.
func ParseDHCPHosts(text string) []topo.DHCPHost {
	hosts := []topo.DHCPHost{}
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		var h topo.DHCPHost
		for _, f := range strings.Split(line, ",") {
			f = strings.TrimSpace(f)
			switch {
			case strings.HasPrefix(f, "set:port-"):
				h.PortID = strings.TrimPrefix(f, "set:port-")
			case strings.HasPrefix(f, "set:") || strings.HasPrefix(f, "tag:") || strings.HasPrefix(f, "id:"):
			case isMAC(f):
				h.MAC = strings.ToLower(f)
			case isIP(strings.Trim(f, "[]")):
				h.IP = strings.Trim(f, "[]")
			case h.Hostname == "":
				h.Hostname = f
			}
		}
		if h.MAC != "" {
			hosts = append(hosts, h)
		}
	}
	sort.SliceStable(hosts, func(i, j int) bool { return hosts[i].MAC < hosts[j].MAC })
	return hosts
}

func isMAC(s string) bool {
	hw, err := net.ParseMAC(s)
	return err == nil && len(hw) == 6
}

func isIP(s string) bool {
	_, err := netip.ParseAddr(s)
	return err == nil
}
