package sosimport

import (
	"path"
	"regexp"
	"sort"
	"strings"

	"github.com/ostopo/ostopo/netinspect/ovstext"
	"github.com/ostopo/ostopo/netinspect/topo"
)

// ovsTables are the tables sos lists with `ovs-vsctl [-t 5] list <table>`
// (bridge, interface, Open_vSwitch since 3.6–3.9, manager since 4.9.1;
// port and controller only an extras file's).
var ovsTables = []string{"Open_vSwitch", "bridge", "port", "interface", "controller", "manager"}

// ofctlFile matches the per-bridge ovs-ofctl outputs of the openvswitch
// plugin: dump-flows, show and dump-ports-desc, plain (OpenFlow 1.0) or
// with -O <version>, after an optional command prefix (Ubuntu Sunbeam's
// "openstack-hypervisor.", or an extras file's "docker exec <ctr> ").
var ofctlFile = regexp.MustCompile(`(?:^|[._])ovs-ofctl(?:_-O_(OpenFlow1[0-5]))?(?:_--names)?_(dump-flows|show|dump-ports-desc)_(.+)$`)

// readOVS reads the node's OVS from every place a report holds it
// (ovs-vsctl show and list, ovsdb-client dump, conf.db, ovs-ofctl per
// bridge, and an extras file's outputs) and merges them (ovstext.Merge).
func (r *report) readOVS(extras []recognised) (topo.OVS, []topo.Source) {
	ovsDirs := []string{dirOVS, dirNeutron32, dirNeutron31}
	var parts []ovstext.Part
	add := func(kind ovstext.Kind, o output, parse func(origin, text string) ovstext.Part) {
		if o.Path == "" {
			parts = append(parts, ovstext.Missing(kind, o.Looked...))
			return
		}
		if o.Err != nil {
			parts = append(parts, ovstext.Part{Kind: kind, Origin: o.Path, Err: o.Err})
			return
		}
		parts = append(parts, parse(o.Path, o.Text))
	}
	add(ovstext.KindShow, r.find("openvswitch", ovsDirs, "ovs-vsctl -t 5 show", "ovs-vsctl show"), ovstext.FromShow)
	for _, table := range ovsTables {
		o := r.find("openvswitch", []string{dirOVS}, "ovs-vsctl -t 5 list "+table, "ovs-vsctl list "+table)
		if o.Path == "" {
			continue // what the tables say comes from conf.db or the dump as well: Merge says what no input held
		}
		add(ovstext.KindList, o, func(origin, text string) ovstext.Part { return ovstext.FromList(origin, table, text) })
	}
	if o := r.find("openvswitch", []string{dirOVS}, "ovsdb-client -f list dump"); o.Path != "" {
		add(ovstext.KindDump, o, ovstext.FromDump)
	}
	for _, p := range confDBPaths {
		if !r.t.Exists(p) {
			continue
		}
		o := r.read(p, "")
		if o.Err != nil {
			parts = append(parts, ovstext.Part{Kind: ovstext.KindConfDB, Origin: p, Err: o.Err})
			continue
		}
		data, _ := r.t.ReadFile(p)
		parts = append(parts, ovstext.FromConfDB(p, data))
	}
	for _, e := range extras {
		if e.part != nil {
			parts = append(parts, *e.part)
		}
	}

	// Per bridge: every bridge a DB input names, list-br names, or an
	// ovs-ofctl file is about.
	bridges := map[string]bool{}
	for _, p := range parts {
		for _, name := range bridgeNames(p) {
			bridges[name] = true
		}
	}
	if o := r.find("openvswitch", []string{dirOVS}, "ovs-vsctl -t 5 list-br", "ovs-vsctl list-br"); o.ok() {
		for _, l := range strings.Split(o.Text, "\n") {
			if name := strings.TrimSpace(l); name != "" && !strings.ContainsAny(name, " \t:") {
				bridges[name] = true
			}
		}
	}
	files := map[string][]ofctlOutput{} // by the bridge's mangled name
	for _, e := range r.t.List(dirOVS) {
		if f, ok := parseOfctlName(e.Name); ok {
			f.path = e.Path
			files[f.bridge] = append(files[f.bridge], f)
		}
	}
	byMangled := map[string]string{}
	for b := range bridges {
		byMangled[Mangle(b)] = b
	}
	for m := range files {
		if _, ok := byMangled[m]; !ok {
			byMangled[m] = m // no DB input names it: its name as the file has it
		}
	}
	names := make([]string, 0, len(byMangled))
	for m := range byMangled {
		names = append(names, m)
	}
	sort.Strings(names)
	for _, m := range names {
		br := byMangled[m]
		var flows int
		for _, f := range files[m] {
			o := r.read(f.path, "")
			switch {
			case f.cmd == "dump-flows" && o.Err != nil:
				p := ovstext.FromFlows(f.path, br, f.protocol, "")
				p.Err = o.Err
				parts = append(parts, p)
				flows++
			case f.cmd == "dump-flows":
				parts = append(parts, ovstext.FromFlows(f.path, br, f.protocol, o.Text))
				flows++
			case o.Err == nil:
				p := ovstext.FromPortDesc(f.path, o.Text)
				if p.Ports != nil && p.Ports.Bridge == "" {
					p.Ports.Bridge = br
				}
				parts = append(parts, p)
			}
		}
		for _, e := range extras {
			if e.part != nil && e.part.Flows != nil && e.part.Flows.Bridge == br {
				flows++
			}
		}
		if flows == 0 {
			parts = append(parts, ovstext.MissingFlows(br, path.Join(dirOVS, Mangle("ovs-ofctl dump-flows "+br)), path.Join(dirOVS, Mangle("ovs-ofctl -O OpenFlow13 dump-flows "+br))))
		}
	}
	return ovstext.Merge(parts...)
}

// ofctlOutput is one per-bridge ovs-ofctl file.
type ofctlOutput struct {
	path     string
	cmd      string // dump-flows, show, dump-ports-desc
	protocol string // "" or OpenFlow13…
	bridge   string // as mangled in the file name
}

// parseOfctlName reads what a per-bridge ovs-ofctl file name says.
func parseOfctlName(name string) (ofctlOutput, bool) {
	m := ofctlFile.FindStringSubmatch(name)
	if m == nil {
		return ofctlOutput{}, false
	}
	return ofctlOutput{protocol: m[1], cmd: m[2], bridge: m[3]}, true
}

// bridgeNames are the bridges a DB input names.
func bridgeNames(p ovstext.Part) []string {
	if p.DB == nil {
		return nil
	}
	var out []string
	for _, row := range p.DB.Rows["Bridge"] {
		if name, ok := row["name"].(string); ok && name != "" {
			out = append(out, name)
		}
	}
	return out
}
