package collect

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/ostopo/ostopo/netinspect/topo"
)

// node is a temp tree standing for a node: root/ for its files, proc/ for
// its processes.
type node struct {
	t          *testing.T
	root, proc string
}

func newNode(t *testing.T) *node {
	t.Helper()
	d := t.TempDir()
	n := &node{t: t, root: filepath.Join(d, "root"), proc: filepath.Join(d, "proc")}
	n.dir("")
	n.process(1, 0, "/sbin/init\x00splash\x00", "0::/init.scope\n")
	return n
}

// dir makes a directory under the node's root.
func (n *node) dir(p string) {
	n.t.Helper()
	if err := os.MkdirAll(filepath.Join(n.root, p), 0o755); err != nil {
		n.t.Fatal(err)
	}
}

// file writes a file under the node's root.
func (n *node) file(p, body string) {
	n.t.Helper()
	n.dir(filepath.Dir(p))
	if err := os.WriteFile(filepath.Join(n.root, p), []byte(body), 0o644); err != nil {
		n.t.Fatal(err)
	}
}

// process adds /proc/PID with a command line, a cgroup file and a stat
// naming its parent.
func (n *node) process(pid, ppid int, cmdline, cgroup string) {
	n.t.Helper()
	dir := filepath.Join(n.proc, strconv.Itoa(pid))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		n.t.Fatal(err)
	}
	stat := strconv.Itoa(pid) + " (py thon) S " + strconv.Itoa(ppid) + " 1 1 0 -1\n"
	for name, body := range map[string]string{"cmdline": cmdline, "cgroup": cgroup, "stat": stat} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o444); err != nil {
			n.t.Fatal(err)
		}
	}
}

func (n *node) read(o Options) (topo.Deployment, error) {
	n.t.Helper()
	o.RootDir, o.ProcDir = n.root, n.proc
	d, _, err := ReadDeployment(context.Background(), o)
	return d, err
}

func agentOfDeployment(t *testing.T, d topo.Deployment, prog string) topo.AgentRun {
	t.Helper()
	i := slices.IndexFunc(d.Agents, func(a topo.AgentRun) bool { return a.Program == prog })
	if i < 0 {
		t.Fatalf("no %s in %+v", prog, d.Agents)
	}
	return d.Agents[i]
}

const (
	id1 = "3f2a1b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708"
	id2 = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
)

// Kolla under docker: the running agents are proof (their cgroup is a
// docker scope), the DHCP agent's config dir says where it would run, the
// kolla_logs volume says docker.
func TestDeploymentKollaDocker(t *testing.T) {
	n := newNode(t)
	for _, a := range []string{"neutron-openvswitch-agent", "neutron-l3-agent", "neutron-dhcp-agent"} {
		n.dir("etc/kolla/" + a)
	}
	n.dir("var/lib/docker/volumes/kolla_logs/_data")
	n.process(4100, 4000, "/var/lib/kolla/venv/bin/python3\x00/var/lib/kolla/venv/bin/neutron-l3-agent\x00--config-file\x00/etc/neutron/neutron.conf\x00",
		"0::/system.slice/docker-"+id1+".scope\n")
	// The title the agents set since Zed: one argument holding spaces.
	n.process(4200, 4001, "neutron-openvswitch-agent (/var/lib/kolla/venv/bin/python3 /var/lib/kolla/venv/bin/neutron-openvswitch-agent --config-file /etc/neutron/neutron.conf)\x00\x00\x00",
		"0::/system.slice/docker-"+id2+".scope\n")
	// Its helpers name the agent's config, not the agent.
	n.process(4300, 4200, "/var/lib/kolla/venv/bin/python3\x00/var/lib/kolla/venv/bin/privsep-helper\x00--config-file\x00/etc/neutron/plugins/ml2/openvswitch_agent.ini\x00",
		"0::/system.slice/docker-"+id2+".scope\n")
	n.process(4400, 1, "dumb-init\x00--single-child\x00--\x00kolla_start\x00", "0::/system.slice/docker-"+id2+".scope\n")

	d, err := n.read(Options{})
	if err != nil {
		t.Fatal(err)
	}
	if d.Style != topo.DeployKolla || d.Engine != "docker" || !d.ProcessesRead {
		t.Errorf("style %q engine %q processes read %v, want kolla, docker, true", d.Style, d.Engine, d.ProcessesRead)
	}
	l3 := agentOfDeployment(t, d, topo.AgentL3)
	want := topo.AgentRun{Program: topo.AgentL3, Runs: topo.RunsContainer, Running: l3.Running, PID: 4100,
		Command: "/var/lib/kolla/venv/bin/neutron-l3-agent", Engine: "docker", Container: "neutron_l3_agent"}
	if diff := cmp.Diff(want, l3); diff != "" || l3.Running == nil || !*l3.Running {
		t.Errorf("L3 agent (-want +got):\n%s running %v", diff, l3.Running)
	}
	ovs := agentOfDeployment(t, d, topo.AgentOVS)
	if ovs.PID != 4200 || ovs.Container != "neutron_openvswitch_agent" || ovs.Command != "/var/lib/kolla/venv/bin/neutron-openvswitch-agent" {
		t.Errorf("OVS agent %+v, want pid 4200 in neutron_openvswitch_agent (from its title)", ovs)
	}
	dhcp := agentOfDeployment(t, d, topo.AgentDHCP)
	if !dhcp.NotRunning() || dhcp.Runs != topo.RunsContainer || dhcp.Container != "neutron_dhcp_agent" || dhcp.Engine != "docker" {
		t.Errorf("DHCP agent %+v, want known not running, kolla's docker container", dhcp)
	}
	s := &topo.Snapshot{Deployment: &d}
	for prog, want := range map[string]string{
		topo.AgentL3:       "docker restart neutron_l3_agent",
		topo.AgentDHCP:     "docker restart neutron_dhcp_agent",
		topo.AgentMetadata: "docker restart neutron_metadata_agent", // no dir: the node's style
	} {
		if got := s.AgentRun(prog).Restart(); got != want {
			t.Errorf("%s: restart %q, want %q", prog, got, want)
		}
	}
}

// A container's own name, read from docker's or podman's files, wins over
// kolla's convention; podman is told from libpod's cgroup.
func TestDeploymentContainerNames(t *testing.T) {
	n := newNode(t)
	n.dir("etc/kolla/neutron-l3-agent")
	n.file("var/lib/docker/containers/"+id1+"/config.v2.json", `{"ID":"`+id1+`","Name":"/l3_agent_blue"}`)
	n.process(50, 1, "/usr/bin/python3\x00-s\x00/usr/bin/neutron-l3-agent\x00", "0::/system.slice/docker-"+id1+".scope\n")
	n.file("var/lib/containers/storage/overlay-containers/containers.json", `[{"id":"`+id2+`","names":["ovs_agent_green"]}]`)
	n.process(60, 1, "/usr/bin/python3\x00/usr/bin/neutron-openvswitch-agent\x00", "0::/machine.slice/libpod-"+id2+".scope/container\n")
	d, err := n.read(Options{})
	if err != nil {
		t.Fatal(err)
	}
	s := &topo.Snapshot{Deployment: &d}
	if got := s.AgentRun(topo.AgentL3).Restart(); got != "docker restart l3_agent_blue" {
		t.Errorf("L3 agent: %q", got)
	}
	if got := s.AgentRun(topo.AgentOVS).Restart(); got != "podman restart ovs_agent_green" {
		t.Errorf("OVS agent: %q", got)
	}
	if d.Style != topo.DeployKolla {
		t.Errorf("style %q, want kolla (a kolla config dir and agents in containers)", d.Style)
	}
}

// Kolla under podman, with nothing of the L3 agent running: podman's
// kolla_logs volume names the engine.
func TestDeploymentKollaPodman(t *testing.T) {
	n := newNode(t)
	n.dir("etc/kolla/neutron-l3-agent")
	n.dir("var/lib/containers/storage/volumes/kolla_logs")
	n.process(70, 1, "/var/lib/kolla/venv/bin/python3\x00/var/lib/kolla/venv/bin/neutron-openvswitch-agent\x00",
		"0::/machine.slice/libpod-"+id2+".scope/container\n")
	d, err := n.read(Options{})
	if err != nil {
		t.Fatal(err)
	}
	s := &topo.Snapshot{Deployment: &d}
	if d.Style != topo.DeployKolla || d.Engine != "podman" {
		t.Errorf("style %q engine %q, want kolla podman", d.Style, d.Engine)
	}
	for prog, want := range map[string]string{topo.AgentL3: "podman restart neutron_l3_agent", topo.AgentOVS: "podman restart neutron_openvswitch_agent"} {
		if got := s.AgentRun(prog).Restart(); got != want {
			t.Errorf("%s: %q, want %q", prog, got, want)
		}
	}
}

// Distribution packages: the agents' units (cgroup v2 and v1), and a unit
// file for the one that does not run.
func TestDeploymentSystemdPackaged(t *testing.T) {
	n := newNode(t)
	for _, a := range []string{"neutron-openvswitch-agent", "neutron-l3-agent", "neutron-dhcp-agent", "neutron-metadata-agent"} {
		n.file("lib/systemd/system/"+a+".service", "[Service]\nExecStart=/usr/bin/"+a+"\n")
	}
	n.file("etc/neutron/l3_agent.ini", "[DEFAULT]\n")
	n.file("etc/neutron/plugins/ml2/openvswitch_agent.ini", "[ovs]\n")
	n.process(900, 1, "/usr/bin/python3\x00/usr/bin/neutron-l3-agent\x00--config-file=/usr/share/neutron/neutron-dist.conf\x00",
		"0::/system.slice/neutron-l3-agent.service\n")
	n.process(901, 1, "neutron-openvswitch-agent (/usr/bin/python3 /usr/bin/neutron-openvswitch-agent --config-file=/etc/neutron/neutron.conf)\x00",
		"12:pids:/system.slice/neutron-openvswitch-agent.service\n11:memory:/system.slice/neutron-openvswitch-agent.service\n1:name=systemd:/system.slice/neutron-openvswitch-agent.service\n")
	// The metadata agent and its workers, its children.
	n.process(910, 1, "/usr/bin/python3\x00/usr/bin/neutron-metadata-agent\x00", "0::/system.slice/neutron-metadata-agent.service\n")
	n.process(905, 910, "/usr/bin/python3\x00/usr/bin/neutron-metadata-agent\x00", "0::/system.slice/neutron-metadata-agent.service\n")
	n.process(911, 910, "/usr/bin/python3\x00/usr/bin/neutron-metadata-agent\x00", "0::/system.slice/neutron-metadata-agent.service\n")
	d, err := n.read(Options{})
	if err != nil {
		t.Fatal(err)
	}
	if d.Style != topo.DeploySystemd || d.Engine != "" {
		t.Errorf("style %q engine %q, want systemd", d.Style, d.Engine)
	}
	s := &topo.Snapshot{Deployment: &d}
	for prog, want := range map[string]string{
		topo.AgentL3:       "systemctl restart neutron-l3-agent",
		topo.AgentOVS:      "systemctl restart neutron-openvswitch-agent",
		topo.AgentDHCP:     "systemctl restart neutron-dhcp-agent",
		topo.AgentMetadata: "systemctl restart neutron-metadata-agent",
	} {
		if got := s.AgentRun(prog).Restart(); got != want {
			t.Errorf("%s: %q, want %q", prog, got, want)
		}
	}
	if a := s.AgentRun(topo.AgentMetadata); a.PID != 910 {
		t.Errorf("metadata agent pid %d, want 910 (its workers are its children)", a.PID)
	}
	if a := s.AgentRun(topo.AgentDHCP); !a.NotRunning() || a.Unit != "neutron-dhcp-agent.service" {
		t.Errorf("DHCP agent %+v, want its unit, known not running", a)
	}
	for _, want := range []string{filepath.Join(n.root, "lib/systemd/system/neutron-l3-agent.service"), filepath.Join(n.root, "etc/neutron/l3_agent.ini")} {
		if !slices.Contains(d.Found, want) {
			t.Errorf("found %q, want %s among them", d.Found, want)
		}
	}
}

// Agents run by hand (a lab, nsenter from a shell or a harness service):
// named by process, never by a unit that is not theirs. Processes in
// another network namespace serve another node and are left out.
func TestDeploymentPlainProcesses(t *testing.T) {
	n := newNode(t)
	// The machine has the packages' unit files, but here they do not run.
	n.file("lib/systemd/system/neutron-l3-agent.service", "")
	n.file("lib/systemd/system/neutron-dhcp-agent.service", "")
	netns := filepath.Join(n.root, "netns-node")
	other := filepath.Join(n.root, "netns-other")
	n.file("netns-node", "")
	n.file("netns-other", "")
	n.process(300, 299, "/usr/bin/python3\x00/usr/bin/neutron-l3-agent\x00--config-file\x00/tmp/lab/etc/l3_agent.ini\x00",
		"0::/user.slice/user-0.slice/session-4.scope\n")
	n.process(310, 299, "/usr/bin/python3\x00/usr/bin/neutron-openvswitch-agent\x00",
		"0::/system.slice/ci-runner.service\n")
	n.process(320, 299, "/usr/bin/python3\x00/usr/bin/neutron-dhcp-agent\x00", "0::/user.slice/user-0.slice/session-4.scope\n")
	for pid, ns := range map[int]string{300: netns, 310: netns, 320: other} {
		dir := filepath.Join(n.proc, strconv.Itoa(pid), "ns")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(ns, filepath.Join(dir, "net")); err != nil {
			t.Fatal(err)
		}
	}
	d, err := n.read(Options{RootNetns: netns})
	if err != nil {
		t.Fatal(err)
	}
	s := &topo.Snapshot{Deployment: &d}
	l3 := s.AgentRun(topo.AgentL3)
	if l3.Runs != topo.RunsProcess || l3.PID != 300 {
		t.Errorf("L3 agent %+v, want the process 300", l3)
	}
	want := "restart the neutron-l3-agent process (pid 300, /usr/bin/neutron-l3-agent; no service manager runs it: stop it and start it again as it was started)"
	if got := l3.Restart(); got != want {
		t.Errorf("L3 restart %q, want %q", got, want)
	}
	if ovs := s.AgentRun(topo.AgentOVS); ovs.Runs != topo.RunsProcess || strings.Contains(ovs.Restart(), "ci-runner") {
		t.Errorf("OVS agent in another service's cgroup: %+v, %q", ovs, ovs.Restart())
	}
	// Its only process is another node's (another network namespace);
	// its unit file is the packages', left over: the running agents show
	// how this node runs them.
	if dhcp := s.AgentRun(topo.AgentDHCP); !dhcp.NotRunning() || dhcp.Runs != topo.RunsProcess || strings.Contains(dhcp.Restart(), "systemctl") {
		t.Errorf("DHCP agent %+v: %q", dhcp, dhcp.Restart())
	}
	if d.Style != topo.DeployProcess {
		t.Errorf("style %q, want process", d.Style)
	}
}

// A masked unit (a symlink to /dev/null) is not how the agent runs, and
// hides the packages' unit below it.
func TestDeploymentMaskedUnit(t *testing.T) {
	n := newNode(t)
	n.file("lib/systemd/system/neutron-l3-agent.service", "")
	n.dir("etc/systemd/system")
	if err := os.Symlink("/dev/null", filepath.Join(n.root, "etc/systemd/system/neutron-l3-agent.service")); err != nil {
		t.Fatal(err)
	}
	d, err := n.read(Options{})
	if err != nil {
		t.Fatal(err)
	}
	if a := agentOfDeployment(t, d, topo.AgentL3); a.Runs != "" || d.Style != "" {
		t.Errorf("masked unit: L3 agent %+v, style %q; want unknown", a, d.Style)
	}
}

// What could not be read stays unknown: no process list is not "no
// agents", and a hidden or unreadable process leaves the others unknown.
func TestDeploymentUnreadable(t *testing.T) {
	t.Run("no proc", func(t *testing.T) {
		n := newNode(t)
		n.dir("etc/kolla/neutron-l3-agent")
		o := Options{RootDir: n.root, ProcDir: filepath.Join(n.root, "no-such-proc")}
		d, _, err := ReadDeployment(context.Background(), o)
		if err == nil {
			t.Fatal("no error for a process dir that cannot be listed")
		}
		if d.ProcessesRead || len(d.Unread) == 0 {
			t.Errorf("processes read %v, unread %q", d.ProcessesRead, d.Unread)
		}
		for _, a := range d.Agents {
			if a.Running != nil {
				t.Errorf("%s running %v, want unknown", a.Program, *a.Running)
			}
		}
		// The files still tell what they can.
		if d.Style != topo.DeployKolla || (&topo.Snapshot{Deployment: &d}).AgentRun(topo.AgentL3).Restart() != "docker restart neutron_l3_agent (podman restart under podman)" {
			t.Errorf("style %q, L3 %+v", d.Style, d.Agents)
		}
	})
	t.Run("hidepid", func(t *testing.T) {
		n := newNode(t)
		if err := os.RemoveAll(filepath.Join(n.proc, "1")); err != nil {
			t.Fatal(err)
		}
		d, err := n.read(Options{})
		if err != nil {
			t.Fatal(err)
		}
		if d.ProcessesRead || agentOfDeployment(t, d, topo.AgentL3).Running != nil || d.Style != "" {
			t.Errorf("hidden processes: read %v, %+v, style %q", d.ProcessesRead, d.Agents, d.Style)
		}
	})
	t.Run("unreadable command line", func(t *testing.T) {
		n := newNode(t)
		n.process(77, 1, "", "")
		cmdline := filepath.Join(n.proc, "77", "cmdline")
		if err := os.Remove(cmdline); err != nil {
			t.Fatal(err)
		}
		if err := os.Mkdir(cmdline, 0o755); err != nil { // reading it fails, even as root
			t.Fatal(err)
		}
		n.process(78, 1, "/usr/bin/python3\x00/usr/bin/neutron-l3-agent\x00", "0::/system.slice/neutron-l3-agent.service\n")
		d, err := n.read(Options{})
		if err != nil {
			t.Fatal(err)
		}
		if d.ProcessesRead || !slices.ContainsFunc(d.Unread, func(s string) bool { return strings.Contains(s, "command line of 1 processes") }) {
			t.Errorf("processes read %v, unread %q", d.ProcessesRead, d.Unread)
		}
		if a := agentOfDeployment(t, d, topo.AgentDHCP); a.Running != nil {
			t.Errorf("DHCP agent running %v: unknown when a process could not be read", *a.Running)
		}
		if a := agentOfDeployment(t, d, topo.AgentL3); a.Running == nil || !*a.Running || a.Unit != "neutron-l3-agent.service" {
			t.Errorf("L3 agent %+v: its process is proof", a)
		}
	})
	t.Run("unreadable cgroup", func(t *testing.T) {
		n := newNode(t)
		n.process(80, 1, "/usr/bin/python3\x00/usr/bin/neutron-l3-agent\x00", "")
		cg := filepath.Join(n.proc, "80", "cgroup")
		if err := os.Remove(cg); err != nil {
			t.Fatal(err)
		}
		if err := os.Mkdir(cg, 0o755); err != nil {
			t.Fatal(err)
		}
		d, err := n.read(Options{})
		if err != nil {
			t.Fatal(err)
		}
		a := (&topo.Snapshot{Deployment: &d}).AgentRun(topo.AgentL3)
		if a.Runs != "" || a.Running == nil || !*a.Running {
			t.Errorf("L3 agent %+v: running, how unknown", a)
		}
		if got, want := a.Restart(), "restart the L3 agent (neutron_l3_agent in kolla, neutron-l3-agent elsewhere)"; got != want {
			t.Errorf("restart %q, want %q", got, want)
		}
	})
	t.Run("canceled", func(t *testing.T) {
		n := newNode(t)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, _, err := ReadDeployment(ctx, Options{RootDir: n.root, ProcDir: n.proc}); err == nil {
			t.Error("no error from a canceled scan")
		}
	})
}

func TestAgentOf(t *testing.T) {
	for _, c := range []struct{ cmdline, prog, command string }{
		{"/usr/bin/python3\x00/usr/bin/neutron-l3-agent\x00--config-file\x00x\x00", "neutron-l3-agent", "/usr/bin/neutron-l3-agent"},
		{"/usr/bin/neutron-dhcp-agent\x00--config-file=x\x00", "neutron-dhcp-agent", "/usr/bin/neutron-dhcp-agent"},
		{"/usr/bin/python3.12\x00-s\x00-u\x00/opt/venv/bin/neutron-metadata-agent\x00", "neutron-metadata-agent", "/opt/venv/bin/neutron-metadata-agent"},
		{"neutron-l3-agent (/usr/bin/python3 /usr/bin/neutron-l3-agent --config-file /etc/neutron/neutron.conf)\x00", "neutron-l3-agent", "/usr/bin/neutron-l3-agent"},
		{"neutron-l3-agent\x00", "neutron-l3-agent", "neutron-l3-agent"},
		// Helpers, wrappers and look-alikes are not the agents.
		{"/usr/bin/python3\x00/usr/bin/privsep-helper\x00--config-file\x00/etc/neutron/l3_agent.ini\x00", "", ""},
		{"/usr/bin/python3\x00/usr/bin/neutron-keepalived-state-change\x00--router_id=x\x00", "", ""},
		{"haproxy\x00-f\x00/var/lib/neutron/ns-metadata-proxy/x.conf\x00", "", ""},
		{"sh\x00-c\x00neutron-l3-agent --config-file x\x00", "", ""},
		{"tail\x00-f\x00/var/log/neutron/neutron-l3-agent.log\x00", "", ""},
		{"/usr/bin/neutron-l3-agent-old\x00", "", ""},
		{"", "", ""},
	} {
		prog, command := agentOf([]byte(c.cmdline))
		if prog != c.prog || command != c.command {
			t.Errorf("agentOf(%q) = %q, %q; want %q, %q", c.cmdline, prog, command, c.prog, c.command)
		}
	}
}

func TestPlaceOf(t *testing.T) {
	for _, c := range []struct {
		cgroup string
		want   cgroupPlace
	}{
		{"0::/system.slice/docker-" + id1 + ".scope\n", cgroupPlace{runs: topo.RunsContainer, engine: "docker", id: id1}},
		{"12:pids:/docker/" + id1 + "\n1:name=systemd:/docker/" + id1 + "\n", cgroupPlace{runs: topo.RunsContainer, engine: "docker", id: id1}},
		{"0::/machine.slice/libpod-" + id2 + ".scope/container\n", cgroupPlace{runs: topo.RunsContainer, engine: "podman", id: id2}},
		{"0::/libpod_parent/libpod-" + id2 + "\n", cgroupPlace{runs: topo.RunsContainer, engine: "podman", id: id2}},
		{"0::/machine.slice/libpod-conmon-" + id2 + ".scope\n", cgroupPlace{runs: topo.RunsProcess}},
		{"0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod1.slice/cri-containerd-" + id1 + ".scope\n", cgroupPlace{runs: topo.RunsContainer, engine: "kubernetes", id: id1}},
		{"0::/system.slice/neutron-l3-agent.service\n", cgroupPlace{runs: topo.RunsSystemd, unit: "neutron-l3-agent.service"}},
		{"0::/system.slice/system-devstack.slice/devstack@q-l3.service\n", cgroupPlace{runs: topo.RunsSystemd, unit: "devstack@q-l3.service"}},
		{"0::/user.slice/user-1000.slice/user@1000.service/app.slice/x.service\n", cgroupPlace{runs: topo.RunsProcess}},
		{"0::/user.slice/user-0.slice/session-3.scope\n", cgroupPlace{runs: topo.RunsProcess}},
		{"0::/\n", cgroupPlace{runs: topo.RunsProcess}},
	} {
		got := placeOf(cgroupPath(c.cgroup))
		got.path = ""
		if got != c.want {
			t.Errorf("placeOf(%q) = %+v, want %+v", c.cgroup, got, c.want)
		}
	}
}
