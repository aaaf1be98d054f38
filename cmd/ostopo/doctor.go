package main

import (
	"io"

	"github.com/ostopo/ostopo/netinspect/doctor"
	"github.com/spf13/cobra"
)

// newDoctorCmd lists what is wrong on the node, as a monitoring plugin
// does (Nagios, Icinga, Zabbix): 0 ok, 1 warning, 2 error, 3 unknown.
func newDoctorCmd(a *app) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "doctor [--json]",
		Short: "every problem on the node with a stable id, severity, objects, evidence and what to do",
		Long: `doctor runs every check on the node (or --replay FILE, --demo) and lists each
problem with a stable id, a severity, the objects involved, the facts that
show it and what to do. A check whose facts were not read (not root, OVSDB
down, a namespace unreadable) does not run and is listed as such: doctor
never says "no problems found" on facts it did not read. The exit status
follows the monitoring-plugin convention, so doctor runs as a Nagios, Icinga
or Zabbix check unchanged. On many nodes' snapshots (--replay-dir DIR, or
--replay once per node) it prints each node's findings under its name, then
the problems only seen across nodes (ostopo cloud), and exits with the
worst of them all.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if a.g.cloudReplay() {
				return doctorCloud(a, cmd, asJSON)
			}
			snap, lerr := a.load(cmd.Context())
			if lerr != nil {
				return lerr.exit(exitUnknown, exitUnknown)
			}
			r := doctor.Examine(snap)
			if asJSON {
				if err := writeJSON(a.stdout, struct {
					Host string `json:"host"`
					doctor.Result
				}{snap.Host, r}); err != nil {
					return fail(exitUnknown, "%v", err)
				}
				return exitWith(r.ExitCode())
			}
			if _, err := io.WriteString(a.stdout, doctor.Text(snap.Host, r)); err != nil {
				return fail(exitUnknown, "write standard output: %v", err)
			}
			return exitWith(r.ExitCode())
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the findings and the checks that could not run as JSON")
	return cmd
}
