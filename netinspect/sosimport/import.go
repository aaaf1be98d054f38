package sosimport

import (
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/ostopo/ostopo/netinspect/neutron"
	"github.com/ostopo/ostopo/netinspect/topo"
)

// Import builds the snapshot of what a Tree holds, as the live collector
// would have read it, with the Neutron view derived (neutron.Derive) and
// a source per fact family: read (Detail names the file) or not collected
// (Error names where it was looked for). A fact the report does not hold
// is unknown, never false or empty: no ip_forward is not "off", no NAT
// file is not "no DNAT". The error is for a tree that holds nothing ostopo
// reads, or (a folder of outputs) two hosts' outputs mixed.
func Import(t *Tree) (*topo.Snapshot, error) {
	var snap *topo.Snapshot
	var err error
	if t.Kind == KindPlain {
		snap, err = importPlain(t)
	} else {
		snap, err = importSOS(t)
	}
	if err != nil {
		return nil, err
	}
	if !useful(snap) {
		return nil, fmt.Errorf("%s: holds nothing ostopo reads (neither OVSDB nor the node's own namespace): %s", t.Name, failedText(snap))
	}
	snap.Neutron = neutron.Derive(snap)
	snap.Normalize()
	return snap, nil
}

// useful is cmd/ostopo's test of a live snapshot: OVS state or the node's
// own kernel state.
func useful(s *topo.Snapshot) bool {
	ovsdb := s.Source("ovsdb")
	root := s.Source("netlink/(root)")
	return ovsdb != nil && ovsdb.OK || root != nil && root.OK
}

func failedText(s *topo.Snapshot) string {
	var parts []string
	for _, src := range s.FailedSources() {
		if src.Name == "ovsdb" || src.Name == "netlink/(root)" {
			parts = append(parts, src.Name+" "+src.Error)
		}
	}
	return strings.Join(parts, "; ")
}

// importSOS reads a sosreport of any layout.
func importSOS(t *Tree) (*topo.Snapshot, error) {
	r := newReport(t)
	snap := &topo.Snapshot{Schema: topo.Schema}
	var srcs []topo.Source

	var extras []recognised
	if t.IsDir(dirExtras) {
		// Outputs an extras file made (contrib/sos/extras.d/ostopo on
		// kolla nodes): recognised by content, as --from-dir's.
		var err error
		extras, err = recogniseAll(t, dirExtras)
		if err != nil {
			return nil, err
		}
	}

	ovsState, ovsSrcs := r.readOVS(extras)
	snap.OVS = ovsState
	srcs = append(srcs, ovsSrcs...)

	nss, nsSrcs := r.readNamespaces(extras)
	snap.Namespaces = nss
	srcs = append(srcs, nsSrcs...)

	agent, asrc := agentFiles(t)
	if asrc.OK && r.legacyNeutron() && !t.IsDir(path.Join(t.stateDir(), "ha_confs")) {
		// sos 3.1/3.2 copied only dhcp/<net>/ of the qdhcp namespaces.
		asrc.OK = false
		asrc.Error = "HA routers' state not collected: sos 3.1/3.2 copies only the DHCP agent's dhcp/ (looked for " + path.Join(t.stateDir(), "ha_confs") + ")"
	}
	snap.Agent = agent
	srcs = append(srcs, asrc)

	srcs = append(srcs, reportSources(r)...)
	snap.Sources = srcs
	snap.Host = hostName(t, snap.OVS)
	snap.TakenAt = takenAt(r)
	return snap, nil
}

// reportSources are the sources about the report as a whole: cut short,
// masked, its manifest unreadable.
func reportSources(r *report) []topo.Source {
	var out []topo.Source
	var problems []string
	if r.t.CutReason != "" {
		p := r.t.CutReason
		if len(r.t.Cut) > 0 {
			p += "; cut inside: " + strings.Join(r.t.Cut, ", ")
		}
		problems = append(problems, p)
	}
	if r.manifestErr != nil {
		problems = append(problems, "its manifest was not read ("+oneLine(r.manifestErr)+"): files were looked for by name")
	}
	if r.manifest != nil && len(r.manifest.TimedOut) > 0 {
		sort.Strings(r.manifest.TimedOut)
		problems = append(problems, "sos plugins timed out: "+strings.Join(r.manifest.TimedOut, ", ")+" (their last commands did not run)")
	}
	if len(problems) > 0 {
		out = append(out, topo.Source{Name: SourceReport, Error: strings.Join(problems, "; ")})
	}
	if ok, why := masked(r); ok {
		out = append(out, maskedSource(why))
	}
	return out
}

// legacyNeutron says whether the report is of sos 3.1/3.2: namespace
// outputs under neutron/ or openstack_neutron/.
func (r *report) legacyNeutron() bool {
	for _, d := range []string{dirNeutron31, dirNeutron32} {
		for _, e := range r.t.List(d) {
			if strings.HasPrefix(e.Name, "ip_netns_exec_") {
				return true
			}
		}
	}
	return false
}

// stateDir is the first state dir the tree holds, or the bare-metal one.
func (t *Tree) stateDir() string {
	for _, d := range stateDirs {
		if t.IsDir(path.Join(d, "dhcp")) || t.IsDir(path.Join(d, "ha_confs")) {
			return d
		}
	}
	return stateDirs[0]
}

// source is the source of a fact family from an output: read, with the
// file as Detail, or not, with why.
func source(name string, o output) topo.Source {
	if o.Err != nil {
		return topo.Source{Name: name, Detail: o.Path, Error: oneLine(o.Err)}
	}
	return topo.Source{Name: name, OK: true, Detail: o.Path}
}

// failed is a source not read for err.
func failed(name, detail string, err error) topo.Source {
	return topo.Source{Name: name, Detail: detail, Error: oneLine(err)}
}

// errParsed wraps what a parser said of an output.
func errParsed(o output, err error) error {
	return fmt.Errorf("%s: %w", o.Path, err)
}
