package topo

import (
	"fmt"
	"strings"
)

// Deployment styles: how a node runs its Neutron agents. "" is unknown:
// nothing on the node said, or what would have said was not readable.
const (
	// DeployKolla is kolla-ansible: each agent in a container of docker or
	// podman named after it (neutron_l3_agent), configured from
	// /etc/kolla/<agent>/.
	DeployKolla = "kolla"
	// DeploySystemd is distribution packages (Debian, Ubuntu, RHEL): each
	// agent a systemd service named after it (neutron-l3-agent.service).
	DeploySystemd = "systemd"
	// DeployProcess is agents no service manager runs: started by hand, by
	// a script or a lab.
	DeployProcess = "process"
	// DeployContainer is containers that are not kolla's (a Kubernetes pod).
	DeployContainer = "container"
	// DeployMixed is agents run in more than one of these ways.
	DeployMixed = "mixed"
)

// The Neutron agents of an ML2/OVS node, by program name (neutron-lib's
// AGENT_PROCESS_*): the process, the distribution's systemd unit and
// kolla's config dir are named so; kolla's container replaces - by _.
const (
	AgentOVS      = "neutron-openvswitch-agent"
	AgentL3       = "neutron-l3-agent"
	AgentDHCP     = "neutron-dhcp-agent"
	AgentMetadata = "neutron-metadata-agent"
)

// AgentPrograms lists the agents a deployment is asked about.
func AgentPrograms() []string {
	return []string{AgentOVS, AgentL3, AgentDHCP, AgentMetadata}
}

// How one agent runs (AgentRun.Runs); "" is unknown.
const (
	RunsContainer = "container"
	RunsSystemd   = "systemd"
	RunsProcess   = "process"
)

// Deployment is how the node runs its Neutron agents, told from the node
// itself (processes, their cgroups, config dirs, unit files), so that a
// hint names what exists there: `docker restart neutron_l3_agent` on a
// kolla node, `systemctl restart neutron-l3-agent` on a packaged one.
// Snapshots recorded before it existed have none: unknown.
type Deployment struct {
	Style string `json:"style"` // Deploy*; "" unknown
	// Engine is the container engine of a kolla node (docker, podman),
	// when known.
	Engine string     `json:"engine,omitempty"`
	Agents []AgentRun `json:"agents"`
	// ProcessesRead says the node's whole process list was read: an agent
	// without a process is then known not to run. Without it, not finding
	// one says nothing.
	ProcessesRead bool `json:"processes_read"`
	// Found is what told the style (a process, a config dir, a unit file).
	Found []string `json:"found,omitempty"`
	// Unread is what could not be read, and why.
	Unread []string `json:"unread,omitempty"`
}

// AgentRun is how one agent runs on the node.
type AgentRun struct {
	Program string `json:"program"` // Agent*
	Runs    string `json:"runs,omitempty"`
	// Running is true when its process was seen, false when the whole
	// process list was read without it, absent when that is unknown.
	Running *bool `json:"running,omitempty"`
	PID     int   `json:"pid,omitempty"`
	// Command is the program's path as it was started
	// (/usr/bin/neutron-l3-agent).
	Command string `json:"command,omitempty"`
	Engine  string `json:"engine,omitempty"` // docker, podman; kubernetes for a pod
	// Container is the container's name, or its id when no name was read.
	Container string `json:"container,omitempty"`
	Unit      string `json:"unit,omitempty"` // systemd unit: neutron-l3-agent.service
}

// KollaContainer is kolla-ansible's name for an agent's container.
func KollaContainer(program string) string { return strings.ReplaceAll(program, "-", "_") }

// Normalize sorts the agents by program.
func (d *Deployment) Normalize() {
	sortStable(d.Agents, func(a, b AgentRun) int { return strings.Compare(a.Program, b.Program) })
}

// AgentRun says how the node runs program: what was found for it, else
// what the node's style implies (a kolla node's missing L3 agent would be
// neutron_l3_agent), else nothing but the program: unknown, and its hints
// name every style.
func (s *Snapshot) AgentRun(program string) AgentRun {
	a := AgentRun{Program: program}
	d := s.Deployment
	if d == nil {
		return a
	}
	for _, x := range d.Agents {
		if x.Program == program {
			a = x
			break
		}
	}
	if a.Runs != "" {
		return a
	}
	switch d.Style {
	case DeployKolla:
		a.Runs, a.Engine, a.Container = RunsContainer, d.Engine, KollaContainer(program)
	case DeploySystemd:
		a.Runs, a.Unit = RunsSystemd, program+".service"
	case DeployProcess:
		a.Runs = RunsProcess
	}
	return a
}

// NotRunning says the agent is known not to run: its process list was read
// and it was not in it.
func (a AgentRun) NotRunning() bool { return a.Running != nil && !*a.Running }

// Restart is how to restart the agent, as a phrase a fix can begin with:
// the command for its style, or, when the style is unknown, the agent's
// names in each ("restart the L3 agent (neutron_l3_agent in kolla,
// neutron-l3-agent elsewhere)"). Names from the snapshot are used only when
// they are what a container, unit or program can be called: a snapshot
// comes from anywhere and the command is one to copy.
func (a AgentRun) Restart() string {
	prog := a.program()
	switch a.Runs {
	case RunsContainer:
		c := a.container()
		if c == "" {
			break
		}
		switch a.Engine {
		case "docker", "podman":
			return a.Engine + " restart " + c
		case "":
			return "docker restart " + c + " (podman restart under podman)"
		}
		if safeName(a.Engine) {
			return "restart the " + a.Engine + " container " + c + " that runs " + prog
		}
	case RunsSystemd:
		if u := a.unit(); u != "" {
			return "systemctl restart " + strings.TrimSuffix(u, ".service")
		}
	case RunsProcess:
		if a.PID > 0 {
			return fmt.Sprintf("restart the %s process (pid %d%s; no service manager runs it: stop it and start it again as it was started)", prog, a.PID, a.command(", "))
		}
		return "restart " + prog + " as this node starts it (no service manager runs it)"
	}
	return "restart " + a.neutral()
}

// Name names the agent for a fix that asks about it ("check that …
// runs"): its container, unit or process, or its names in each style.
func (a AgentRun) Name() string {
	switch a.Runs {
	case RunsContainer:
		if c := a.container(); c != "" {
			return "container " + c
		}
	case RunsSystemd:
		if u := a.unit(); u != "" {
			return u
		}
	case RunsProcess:
		if a.PID > 0 {
			return fmt.Sprintf("%s (pid %d)", a.program(), a.PID)
		}
		return a.program()
	}
	return a.neutral()
}

// neutral names an agent in every style.
func (a AgentRun) neutral() string {
	prog := a.program()
	label := map[string]string{AgentOVS: "OVS agent", AgentL3: "L3 agent", AgentDHCP: "DHCP agent", AgentMetadata: "metadata agent"}[prog]
	if label == "" {
		return prog + " (" + KollaContainer(prog) + " in kolla)"
	}
	return "the " + label + " (" + KollaContainer(prog) + " in kolla, " + prog + " elsewhere)"
}

func (a AgentRun) program() string {
	if a.Program == "" || len(a.Program) > 64 || !safeName(a.Program) {
		return "the agent"
	}
	return a.Program
}

func (a AgentRun) container() string {
	if len(a.Container) > 128 || !safeName(a.Container) {
		return ""
	}
	return a.Container
}

func (a AgentRun) unit() string {
	if len(a.Unit) > 256 || !strings.HasSuffix(a.Unit, ".service") || !safeName(a.Unit) {
		return ""
	}
	return a.Unit
}

// command returns sep and the program's path, when it is a plain path.
func (a AgentRun) command(sep string) string {
	if len(a.Command) > 256 || !strings.HasPrefix(a.Command, "/") {
		return ""
	}
	for _, c := range a.Command {
		if !(c == '/' || c == '+' || isNameRune(c)) {
			return ""
		}
	}
	return sep + a.Command
}

// safeName reports whether s is a name a shell takes as one plain word:
// what container, unit and program names are made of (systemd's escapes
// use \ and are left out; such a unit is named by the neutral text).
func safeName(s string) bool {
	if s == "" || s[0] == '-' || s[0] == '.' {
		return false
	}
	for _, c := range s {
		if !isNameRune(c) {
			return false
		}
	}
	return true
}

func isNameRune(c rune) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' || c == '@' || c == ':'
}
