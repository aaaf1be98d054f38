//go:build linux

package collect

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/ostopo/ostopo/netinspect/iptnft"
	"github.com/ostopo/ostopo/netinspect/netnsx"
	"github.com/ostopo/ostopo/netinspect/run"
	"github.com/ostopo/ostopo/netinspect/topo"
)

// kollaL3Container is where kolla runs the L3 agent, with /run/netns
// shared: where iptables-save is looked for when the host has none and how
// the node runs its L3 agent is unknown (deployRead.l3Containers).
const kollaL3Container = "neutron_l3_agent" // topo.KollaContainer(topo.AgentL3)

// natReader reads the nat table of router namespaces. The default
// iptables-save's backend answers first: nf_tables is read over netlink in
// this process (iptnft, written as iptables-save writes it), legacy and a
// rule iptnft does not write with iptables-save -t nat inside the
// namespace. When the answer shows no Neutron chains and the other backend
// is installed, that one is asked too, because rules written with nf_tables
// are invisible to legacy tools and the reverse.
type natReader struct {
	runner run.Runner
	tools  []natTool
	err    error
}

type natTool struct {
	tool    run.Tool
	backend string
}

func newNATReader(ctx context.Context, r run.Runner, l3Containers func() []string) *natReader {
	n := &natReader{runner: r}
	// Which containers may hold iptables-save depends on how the node
	// runs its L3 agent; that is waited for only when the host has none.
	var containers []string
	if _, err := exec.LookPath("iptables-save"); err != nil {
		containers = []string{kollaL3Container}
		if l3Containers != nil {
			containers = l3Containers()
		}
	}
	def, err := run.Find(ctx, r, "iptables-save", containers)
	if err != nil {
		n.err = err
		return n
	}
	n.tools = append(n.tools, natTool{tool: def, backend: backendOf(ctx, r, def)})
	for _, alt := range []string{"iptables-nft-save", "iptables-legacy-save"} {
		if _, err := exec.LookPath(alt); err != nil || def.Engine != "" {
			continue
		}
		t := natTool{tool: run.Tool{Program: alt}, backend: backendOf(ctx, r, run.Tool{Program: alt})}
		if t.backend != n.tools[0].backend {
			n.tools = append(n.tools, t)
		}
	}
	return n
}

// backendOf tells nf_tables from legacy. On the host the binary says it
// by what it links to (Debian's alternatives end at xtables-nft-multi or
// xtables-legacy-multi): no process to start, which on a node with many
// routers is a measurable part of a snapshot. Otherwise it asks
// `iptables-save --version`: "iptables-save v1.8.9 (nf_tables)".
func backendOf(ctx context.Context, r run.Runner, t run.Tool) string {
	if t.Engine == "" {
		if path, err := exec.LookPath(t.Program); err == nil {
			if target, err := filepath.EvalSymlinks(path); err == nil {
				switch base := filepath.Base(target); {
				case strings.Contains(base, "nft"):
					return "nf_tables"
				case strings.Contains(base, "legacy"):
					return "legacy"
				}
			}
		}
	}
	name, argv := t.Argv("--version")
	out, err := r(ctx, name, argv...)
	if err != nil {
		return "unknown"
	}
	s := string(out)
	switch {
	case strings.Contains(s, "nf_tables"):
		return "nf_tables"
	case strings.Contains(s, "legacy"):
		return "legacy"
	}
	return "legacy" // iptables before 1.8 has only the legacy backend and does not say so
}

func (n *natReader) read(ctx context.Context, f nsFile) (*topo.NATTable, string, error) {
	if n.err != nil {
		return nil, "", n.err
	}
	var first *topo.NATTable
	var firstDetail string
	var firstErr error
	for i, t := range n.tools {
		table, detail, err := n.readOne(ctx, t, f, i == 0)
		if i == 0 {
			first, firstDetail, firstErr = table, detail, err
		}
		if err == nil && table.HasNeutronChains() {
			return table, detail, nil
		}
	}
	return first, firstDetail, firstErr
}

// readOne reads with one backend: nf_tables over netlink when it is the
// default backend's (only then is an empty answer known to be the node's),
// else or on an unwritten rule with iptables-save.
func (n *natReader) readOne(ctx context.Context, t natTool, f nsFile, isDefault bool) (*topo.NATTable, string, error) {
	detail := t.tool.Describe() + " (" + t.backend + ")"
	if isDefault && t.backend == "nf_tables" {
		text, err := iptnft.ReadNAT(ctx, f.Path)
		if err == nil {
			table, perr := topo.ParseIPTablesSave(text)
			if perr != nil {
				return nil, "", fmt.Errorf("parse the nat table of %s read over netlink: %w", f.Name, perr)
			}
			table.Backend = t.backend
			return table, "nf_tables over netlink (written as iptables-save -t nat)", nil
		}
		detail = t.tool.Describe() + " (nf_tables; netlink not used: " + err.Error() + ")"
	}
	table, err := n.readWith(ctx, t, f)
	return table, detail, err
}

func (n *natReader) readWith(ctx context.Context, t natTool, f nsFile) (*topo.NATTable, error) {
	var out []byte
	var err error
	if t.tool.Engine != "" {
		// The container shares the host's /run/netns; enter by name there.
		name, argv := t.tool.Argv()
		argv = append(argv[:len(argv)-1], "ip", "netns", "exec", f.Name, t.tool.Program, "-t", "nat")
		out, err = n.runner(ctx, name, argv...)
	} else {
		nsErr := netnsx.Do(f.Path, func() error {
			out, err = n.runner(ctx, t.tool.Program, "-t", "nat")
			return nil
		})
		if nsErr != nil {
			return nil, nsErr
		}
	}
	if err != nil {
		return nil, fmt.Errorf("iptables-save in %s: %w", f.Name, err)
	}
	table, err := topo.ParseIPTablesSave(string(out))
	if err != nil {
		return nil, fmt.Errorf("parse iptables-save of %s: %w", f.Name, err)
	}
	table.Backend = t.backend
	return table, nil
}
