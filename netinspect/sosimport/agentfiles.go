package sosimport

import (
	"errors"
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/ostopo/ostopo/netinspect/collect"
	"github.com/ostopo/ostopo/netinspect/topo"
)

// agentFiles reads the Neutron agents' files a report copied (DHCP host
// files, HA routers' state and keepalived.conf) from the first state dir
// it holds, as collect.ReadAgentFiles reads them on a node, with the
// same parsers. The paths kept in the snapshot are the node's
// ("/var/lib/neutron/dhcp/<id>"). A report holding no state dir did not
// collect them (sos's openstack_neutron plugin did not run, or the node
// is kolla's, whose volume sos does not copy): the source says so, and
// nothing is taken for "no DHCP network, no HA router".
func agentFiles(t *Tree) (topo.AgentFiles, topo.Source) {
	files := topo.AgentFiles{DHCP: []topo.DHCPNetwork{}}
	src := topo.Source{Name: "agent-files"}
	dir := ""
	for _, d := range stateDirs {
		if t.IsDir(path.Join(d, "dhcp")) || t.IsDir(path.Join(d, "ha_confs")) {
			dir = d
			break
		}
	}
	if dir == "" && t.IsDir(stateDirs[0]) {
		// sos copied the agents' state dir (openstack_neutron, 3.3 and
		// later), and it holds neither: no DHCP network, no HA router, as
		// a live read of a compute node finds.
		files.StateDir = "/" + stateDirs[0]
		src.OK, src.Detail = true, stateDirs[0]+" (copied by sos): no dhcp/ or ha_confs/ in it"
		return files, src
	}
	if dir == "" {
		var looked []string
		for _, d := range stateDirs {
			looked = append(looked, d+"/{dhcp,ha_confs}")
		}
		src.Error = notCollected(looked).Error()
		if t.CutReason != "" {
			src.Error += " (" + t.CutReason + ")"
		}
		return files, src
	}
	files.StateDir = "/" + dir
	src.Detail = dir
	var errs []error
	for _, e := range t.List(path.Join(dir, "dhcp")) {
		if !e.IsDir || !topo.IsUUID(e.Name) {
			continue
		}
		net := topo.DHCPNetwork{NetworkID: e.Name, Dir: "/" + e.Path, Hosts: []topo.DHCPHost{}}
		if b, err := t.ReadFile(path.Join(e.Path, "interface")); err == nil {
			net.Interface = strings.TrimSpace(string(b))
		}
		b, err := t.ReadFile(path.Join(e.Path, "host"))
		switch {
		case errors.Is(err, ErrNotFound):
		case err != nil:
			errs = append(errs, fmt.Errorf("read DHCP host file: %w", err))
		default:
			net.Hosts = collect.ParseDHCPHosts(string(b))
		}
		files.DHCP = append(files.DHCP, net)
	}
	haDir := path.Join(dir, "ha_confs")
	for _, e := range t.List(haDir) {
		if !e.IsDir {
			continue // <id>.pid.keepalived and the like
		}
		id := e.Name
		if b, err := t.ReadFile(path.Join(e.Path, "state")); err == nil {
			if files.HARouterStates == nil {
				files.HARouterStates = map[string]string{}
			}
			files.HARouterStates[id] = strings.TrimSpace(string(b))
		} else {
			if files.HAStateErrors == nil {
				files.HAStateErrors = map[string]string{}
			}
			files.HAStateErrors[id] = haFileError(err, "/"+path.Join(e.Path, "state"))
		}
		conf := topo.KeepalivedConf{VIPs: []topo.KeepalivedVIP{}}
		if b, err := t.ReadFile(path.Join(e.Path, "keepalived.conf")); err != nil {
			conf.Error = haFileError(err, "/"+path.Join(e.Path, "keepalived.conf"))
		} else {
			conf = collect.ParseKeepalivedConf(string(b))
		}
		if files.Keepalived == nil {
			files.Keepalived = map[string]topo.KeepalivedConf{}
		}
		files.Keepalived[id] = conf
	}
	sort.Slice(files.DHCP, func(i, j int) bool { return files.DHCP[i].NetworkID < files.DHCP[j].NetworkID })
	if len(errs) > 0 {
		src.Error = errors.Join(errs...).Error()
		return files, src
	}
	src.OK = true
	return files, src
}

// haFileError words why a file of ha_confs was not read, as the live
// collector does ("no <path>").
func haFileError(err error, p string) string {
	if errors.Is(err, ErrNotFound) {
		return "no " + p
	}
	return err.Error()
}
