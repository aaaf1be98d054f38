package topo_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/ostopo/ostopo/fixtures/fixturetest"
	"github.com/ostopo/ostopo/netinspect/topo"
)

const neutralL3 = "restart the L3 agent (neutron_l3_agent in kolla, neutron-l3-agent elsewhere)"

// Snapshots recorded before the deployment was read (the imitation lab's
// bad and scale) have none: unknown, and the hints name the agent in every
// style.
func TestOldSnapshotsHaveUnknownDeployment(t *testing.T) {
	for _, name := range []string{"bad", "scale"} {
		s := fixturetest.Load(t, name)
		if s.Deployment != nil {
			t.Errorf("%s: deployment %+v, want none", name, *s.Deployment)
		}
		if got := s.AgentRun(topo.AgentL3).Restart(); got != neutralL3 {
			t.Errorf("%s: %q, want %q", name, got, neutralL3)
		}
		if got, want := s.AgentRun(topo.AgentOVS).Name(), "the OVS agent (neutron_openvswitch_agent in kolla, neutron-openvswitch-agent elsewhere)"; got != want {
			t.Errorf("%s: %q, want %q", name, got, want)
		}
		var buf bytes.Buffer
		if err := topo.Encode(&buf, s); err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(buf.Bytes(), []byte(`"deployment"`)) {
			t.Errorf("%s: an unknown deployment is written", name)
		}
	}
}

// The real-Neutron lab (fixtures/neutronlab) starts Debian's agents as
// plain processes from /usr/bin, under no service manager, though the
// packages' systemd units are installed: the recordings say so, and the
// hints name the process. An agent the node does not run (the DHCP agent
// of a compute node, the metadata agent everywhere) is known not to run:
// the whole process list was read.
func TestLabSnapshotsRunAgentsAsProcesses(t *testing.T) {
	for _, tc := range []struct {
		name string
		dhcp bool // the node runs a DHCP agent
	}{{"aio", true}, {"net", true}, {"net2", false}, {"cmp", false}, {"cmp-ovsfw", false}} {
		s := fixturetest.Load(t, tc.name)
		d := s.Deployment
		if d == nil {
			t.Errorf("%s: no deployment", tc.name)
			continue
		}
		if d.Style != topo.DeployProcess || !d.ProcessesRead || len(d.Unread) != 0 {
			t.Errorf("%s: style %q, processes read %v, unread %q; want %q, read, nothing unread", tc.name, d.Style, d.ProcessesRead, d.Unread, topo.DeployProcess)
		}
		running := []string{topo.AgentOVS, topo.AgentL3}
		stopped := []string{topo.AgentMetadata}
		if tc.dhcp {
			running = append(running, topo.AgentDHCP)
		} else {
			stopped = append(stopped, topo.AgentDHCP)
		}
		for _, prog := range running {
			a := s.AgentRun(prog)
			if a.Runs != topo.RunsProcess || a.Running == nil || !*a.Running || a.PID <= 0 || a.Command != "/usr/bin/"+prog {
				t.Errorf("%s: %s %+v; want a running process /usr/bin/%s", tc.name, prog, a, prog)
				continue
			}
			want := fmt.Sprintf("restart the %s process (pid %d, /usr/bin/%s; no service manager runs it: stop it and start it again as it was started)", prog, a.PID, prog)
			if got := a.Restart(); got != want {
				t.Errorf("%s: %q, want %q", tc.name, got, want)
			}
			if got, want := a.Name(), fmt.Sprintf("%s (pid %d)", prog, a.PID); got != want {
				t.Errorf("%s: %q, want %q", tc.name, got, want)
			}
		}
		for _, prog := range stopped {
			a := s.AgentRun(prog)
			if !a.NotRunning() || a.PID != 0 {
				t.Errorf("%s: %s %+v; want known not to run", tc.name, prog, a)
			}
			// Its style is the node's: restart it the way the node runs
			// the others.
			if got, want := a.Restart(), "restart "+prog+" as this node starts it (no service manager runs it)"; got != want {
				t.Errorf("%s: %q, want %q", tc.name, got, want)
			}
		}
		var buf bytes.Buffer
		if err := topo.Encode(&buf, s); err != nil {
			t.Fatal(err)
		}
		got, err := topo.Decode(&buf)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(s.Deployment, got.Deployment); diff != "" {
			t.Errorf("%s: deployment after a round trip (-want +got):\n%s", tc.name, diff)
		}
	}
}

func TestDeploymentRoundTrip(t *testing.T) {
	running, stopped := true, false
	s := fixturetest.Load(t, "aio")
	s.Deployment = &topo.Deployment{Style: topo.DeploySystemd, ProcessesRead: true,
		Agents: []topo.AgentRun{
			{Program: topo.AgentL3, Runs: topo.RunsSystemd, Running: &running, PID: 900, Command: "/usr/bin/neutron-l3-agent", Unit: "neutron-l3-agent.service"},
			{Program: topo.AgentDHCP, Runs: topo.RunsSystemd, Running: &stopped, Unit: "neutron-dhcp-agent.service"},
		},
		Found: []string{"/lib/systemd/system/neutron-l3-agent.service"}, Unread: []string{"cgroup of pid 7: permission denied"}}
	for _, encode := range []func(*bytes.Buffer, *topo.Snapshot) error{
		func(b *bytes.Buffer, s *topo.Snapshot) error { return topo.Encode(b, s) },
		func(b *bytes.Buffer, s *topo.Snapshot) error { return topo.EncodeIndent(b, s) },
	} {
		var buf bytes.Buffer
		if err := encode(&buf, s); err != nil {
			t.Fatal(err)
		}
		got, err := topo.Decode(&buf)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(s.Deployment, got.Deployment); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
		if a := got.AgentRun(topo.AgentDHCP); !a.NotRunning() || a.Restart() != "systemctl restart neutron-dhcp-agent" {
			t.Errorf("DHCP agent %+v: %q", a, a.Restart())
		}
	}
}

// An agent nothing was found for takes the node's style.
func TestAgentRunFromStyle(t *testing.T) {
	for _, c := range []struct {
		d       topo.Deployment
		restart string
		name    string
	}{
		{topo.Deployment{Style: topo.DeployKolla, Engine: "podman"}, "podman restart neutron_l3_agent", "container neutron_l3_agent"},
		{topo.Deployment{Style: topo.DeployKolla}, "docker restart neutron_l3_agent (podman restart under podman)", "container neutron_l3_agent"},
		{topo.Deployment{Style: topo.DeploySystemd}, "systemctl restart neutron-l3-agent", "neutron-l3-agent.service"},
		{topo.Deployment{Style: topo.DeployProcess}, "restart neutron-l3-agent as this node starts it (no service manager runs it)", "neutron-l3-agent"},
		{topo.Deployment{Style: topo.DeployMixed}, neutralL3, ""},
		{topo.Deployment{}, neutralL3, ""},
		{topo.Deployment{Style: topo.DeployKolla, Agents: []topo.AgentRun{{Program: topo.AgentL3, Runs: topo.RunsContainer, Engine: "kubernetes", Container: "3f2a1b4c5d6e"}}},
			"restart the kubernetes container 3f2a1b4c5d6e that runs neutron-l3-agent", "container 3f2a1b4c5d6e"},
	} {
		s := &topo.Snapshot{Deployment: &c.d}
		a := s.AgentRun(topo.AgentL3)
		if got := a.Restart(); got != c.restart {
			t.Errorf("%+v: restart %q, want %q", c.d, got, c.restart)
		}
		if c.name != "" && a.Name() != c.name {
			t.Errorf("%+v: name %q, want %q", c.d, a.Name(), c.name)
		}
	}
}

// A snapshot comes from anywhere: names that are not what a container, a
// unit or a program is called are never put in a command to copy.
func TestAgentRunHostileNames(t *testing.T) {
	for _, a := range []topo.AgentRun{
		{Program: topo.AgentL3, Runs: topo.RunsContainer, Engine: "docker", Container: "x; rm -rf /"},
		{Program: topo.AgentL3, Runs: topo.RunsContainer, Engine: "docker", Container: "-x"},
		{Program: topo.AgentL3, Runs: topo.RunsContainer, Engine: "docker", Container: "neutron_l3_agent\x1b]0;pwned\a"},
		{Program: topo.AgentL3, Runs: topo.RunsSystemd, Unit: "neutron-l3-agent.service && reboot"},
		{Program: topo.AgentL3, Runs: topo.RunsSystemd, Unit: "neutron-l3-agent"},
		{Program: topo.AgentL3, Runs: topo.RunsContainer, Engine: "docker $(id)", Container: "neutron_l3_agent"},
	} {
		s := &topo.Snapshot{Deployment: &topo.Deployment{Agents: []topo.AgentRun{a}}}
		got := s.AgentRun(topo.AgentL3)
		if r := got.Restart(); strings.ContainsAny(r, ";&$\x1b\a") || strings.Contains(r, "rm -rf") || strings.Contains(r, "reboot") {
			t.Errorf("%+v: restart %q", a, r)
		}
		if n := got.Name(); strings.ContainsAny(n, ";&$\x1b\a") || strings.Contains(n, "rm -rf") || strings.Contains(n, "reboot") {
			t.Errorf("%+v: name %q", a, n)
		}
	}
	a := topo.AgentRun{Program: "neutron-l3-agent; reboot", Runs: topo.RunsProcess, PID: 5, Command: "/usr/bin/x y"}
	if r := a.Restart(); strings.Contains(r, "reboot") || strings.Contains(r, "x y") {
		t.Errorf("restart %q", r)
	}
}
