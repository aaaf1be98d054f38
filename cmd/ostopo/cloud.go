package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/ostopo/ostopo/netinspect/cloud"
	"github.com/ostopo/ostopo/netinspect/doctor"
	"github.com/ostopo/ostopo/netinspect/safetext"
	"github.com/spf13/cobra"
)

// newCloudCmd shows many node snapshots as one cloud.
func newCloudCmd(a *app) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "cloud [--json]",
		Short: "the whole cloud from its nodes' snapshots: roles, health, the tunnel mesh, each network's local VLAN per node and VNI, routers, problems across nodes",
		Long: `cloud reads every node snapshot of --replay-dir DIR (as ostopo collect
writes it) or of each --replay FILE, and shows them as one cloud: each node
with its roles (network, compute; controller only when the snapshot says),
its health, ports, routers and tunnels; the tunnel mesh as a matrix, every
node's tunnels against every other node's local_ip; each network's local
VLAN on each node with its type and VNI, and where its DHCP runs; each
router on each node (HA role, DVR mode); and the problems that only show
across nodes: a tunnel missing or one-way, a tunnel to an address no node
has, a flood list that misses a node hosting the network (or names one that
does not), a port or a MAC on two nodes, a VNI carrying two networks, a
router active on two nodes. A check whose facts were not read is listed as
not checked, never as clean. On the live node (or one --replay, --demo) the
cloud is that one node. docs/cloud.md says which rules it follows.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, lerr := a.loadCloud(cmd.Context())
			if lerr != nil {
				return lerr.exit(exitUsage, exitUnknown)
			}
			results := examineNodes(c)
			code := cloudExit(c, results)
			if asJSON {
				sum := map[string]doctorSummary{}
				for name, r := range results {
					sum[name] = summarize(r)
				}
				if err := writeJSON(a.stdout, struct {
					*cloud.Cloud
					Doctor map[string]doctorSummary `json:"doctor"`
				}{c, sum}); err != nil {
					return fail(exitFail, "%v", err)
				}
				return exitWith(code)
			}
			notes := map[string]string{}
			for name, r := range results {
				notes[name] = summarize(r).text()
			}
			if _, err := io.WriteString(a.stdout, cloud.Text(c, notes)); err != nil {
				return fail(exitFail, "write standard output: %v", err)
			}
			return exitWith(code)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the cloud model (nodes, mesh, networks, ports, routers, flood lists, problems) and each node's doctor counts as JSON")
	return cmd
}

// examineNodes runs the doctor on every node of the cloud.
func examineNodes(c *cloud.Cloud) map[string]doctor.Result {
	out := make(map[string]doctor.Result, len(c.Nodes))
	for _, n := range c.Nodes {
		out[n.Name] = doctor.Examine(n.Snap)
	}
	return out
}

// doctorSummary is a node's doctor result in counts.
type doctorSummary struct {
	Errors    int `json:"errors"`
	Warnings  int `json:"warnings"`
	Unchecked int `json:"unchecked"`
	// Exit is what ostopo doctor on the node alone would exit with.
	Exit int `json:"exit"`
}

func summarize(r doctor.Result) doctorSummary {
	s := doctorSummary{Unchecked: len(r.Unchecked), Exit: r.ExitCode()}
	for _, f := range r.Findings {
		switch f.Severity {
		case doctor.Error:
			s.Errors++
		case doctor.Warning:
			s.Warnings++
		}
	}
	return s
}

func (s doctorSummary) text() string {
	var parts []string
	if s.Errors > 0 {
		parts = append(parts, fmt.Sprintf("%d error(s)", s.Errors))
	}
	if s.Warnings > 0 {
		parts = append(parts, fmt.Sprintf("%d warning(s)", s.Warnings))
	}
	if s.Unchecked > 0 {
		parts = append(parts, fmt.Sprintf("%d check(s) not run", s.Unchecked))
	}
	if len(parts) == 0 {
		return "clean"
	}
	return strings.Join(parts, ", ")
}

// cloudExit is ostopo cloud's status: 1 when a node (its Neutron view or
// its doctor) or a cross-node check found a problem, else 3 when
// something could not be read or checked, else 0.
func cloudExit(c *cloud.Cloud, results map[string]doctor.Result) int {
	code := c.ExitCode()
	if code == exitFail {
		return exitFail
	}
	for _, r := range results {
		switch r.ExitCode() {
		case 1, 2:
			return exitFail
		case 3:
			code = exitUnknown
		}
	}
	return code
}

// doctorCloud is ostopo doctor on a cloud's recordings: each node's
// findings under its name, then the problems across nodes. The status
// follows doctor's monitoring-plugin convention over all of them: an error
// anywhere (a node's, or a cross-node one) is 2; else anything not checked
// is 3; else a warning is 1.
func doctorCloud(a *app, cmd *cobra.Command, asJSON bool) error {
	c, lerr := a.loadCloud(cmd.Context())
	if lerr != nil {
		return lerr.exit(exitUnknown, exitUnknown)
	}
	results := examineNodes(c)
	code := doctorCloudExit(c, results)
	if asJSON {
		type node struct {
			Host string `json:"host"`
			doctor.Result
		}
		out := struct {
			Nodes     []node `json:"nodes"`
			CrossNode struct {
				Problems []cloud.Problem `json:"problems"`
				Unknown  []cloud.Unknown `json:"unknown"`
			} `json:"cross_node"`
		}{}
		for _, n := range c.Nodes {
			out.Nodes = append(out.Nodes, node{n.Name, results[n.Name]})
		}
		out.CrossNode.Problems, out.CrossNode.Unknown = c.Problems, c.Unknown
		if err := writeJSON(a.stdout, out); err != nil {
			return fail(exitUnknown, "%v", err)
		}
		return exitWith(code)
	}
	var b strings.Builder
	for _, n := range c.Nodes {
		fmt.Fprintf(&b, "== %s ==\n", safetext.Term(n.Name))
		b.WriteString(doctor.Text(n.Name, results[n.Name]))
		b.WriteString("\n")
	}
	b.WriteString("== across nodes ==\n")
	b.WriteString(cloud.ProblemsText(c))
	if _, err := io.WriteString(a.stdout, b.String()); err != nil {
		return fail(exitUnknown, "write standard output: %v", err)
	}
	return exitWith(code)
}

func doctorCloudExit(c *cloud.Cloud, results map[string]doctor.Result) int {
	errs, unknown, warn := false, len(c.Unknown) > 0, false
	for _, p := range c.Problems {
		switch p.Severity {
		case cloud.Error:
			errs = true
		default:
			warn = true
		}
	}
	for _, r := range results {
		switch r.ExitCode() {
		case 2:
			errs = true
		case 3:
			unknown = true
		case 1:
			warn = true
		}
	}
	switch {
	case errs:
		return 2
	case unknown:
		return 3
	case warn:
		return 1
	}
	return 0
}
