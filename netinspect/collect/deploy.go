package collect

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"

	"github.com/ostopo/ostopo/netinspect/topo"
)

// ReadDeployment tells how the node runs its Neutron agents, from the node
// alone (no Neutron API): the agents' processes in o.ProcDir and their
// cgroups (docker, libpod, a systemd unit or none), which are proof; then,
// for agents that do not run, kolla's config dirs and volumes and the
// distribution's unit files under o.RootDir. RootDir "" is /, ProcDir ""
// is /proc (the live processes, whatever RootDir is). A process in another
// network namespace than the node's (o.RootNetns) serves another node (a
// lab's), and is not counted. What could not be read is listed in the
// result's Unread and leaves what it would have told unknown: a process
// list that could not be read is not "no agents". The error is set when
// the process dir could not be listed or ctx ended.
func ReadDeployment(ctx context.Context, o Options) (topo.Deployment, string, error) {
	rootDir, procDir := o.RootDir, o.ProcDir
	if rootDir == "" {
		rootDir = "/"
	}
	if procDir == "" {
		procDir = "/proc"
	}
	f := deployFacts{root: rootDir, kollaDir: map[string]bool{}, unit: map[string]string{}}
	f.readFiles()
	netns := o.RootNetns
	if netns == "" {
		netns = filepath.Join(procDir, "self/ns/net")
	}
	if st, err := os.Stat(netns); err == nil {
		f.netns = st
	} else if o.RootNetns != "" {
		f.unread = append(f.unread, fmt.Sprintf("the node's network namespace: %v (agents of other namespaces are not told apart)", err))
	}
	procs, err := f.scanProcesses(ctx, procDir)
	f.procs = procs
	d := f.deployment()
	detail := "style " + orUnknown(d.Style) + "; processes in " + procDir + ", files under " + rootDir
	if err != nil {
		d.Unread = append(d.Unread, err.Error())
	}
	return d, detail, err
}

// deployFacts is what was read of the node for its deployment.
type deployFacts struct {
	root string
	// kollaDir: /etc/kolla/<agent>/ exists.
	kollaDir map[string]bool
	// kollaNode: any trace of kolla (config dirs, kolla_logs, its log dir).
	kollaNode bool
	// kollaEngine is the engine whose volume dir holds kolla_logs.
	kollaEngine string
	// engines are the container engines installed on the host.
	engines []string
	// unit is the agent's systemd unit file, by program.
	unit map[string]string
	// netns is the node's network namespace; nil when unknown.
	netns os.FileInfo
	// procsComplete: the whole process list of the node was read.
	procsComplete bool
	procs         map[string][]agentProc
	// names maps container ids to names, read from the engines' files
	// on first need.
	names       map[string]string
	namesRead   bool
	found       []string
	unread      []string
	unreadNames []string
}

// agentProc is one process running an agent.
type agentProc struct {
	pid, ppid int
	command   string
	cg        cgroupPlace
}

// cgroupPlace is what a process's cgroup says runs it.
type cgroupPlace struct {
	runs   string // topo.Runs*
	engine string // docker, podman, kubernetes
	id     string // container id
	unit   string // systemd unit
	path   string
}

// agentINI is an agent's config file on a packaged node, under
// /etc/neutron.
func agentINI(prog string) string {
	switch prog {
	case topo.AgentOVS:
		return "plugins/ml2/openvswitch_agent.ini"
	case topo.AgentL3:
		return "l3_agent.ini"
	case topo.AgentDHCP:
		return "dhcp_agent.ini"
	case topo.AgentMetadata:
		return "metadata_agent.ini"
	}
	return strings.TrimPrefix(prog, "neutron-") + ".ini"
}

// unitDirs are where systemd unit files are installed: the admin's, then
// the packages' (RHEL, merged /usr, then Debian's /lib).
func unitDirs() []string {
	return []string{"etc/systemd/system", "usr/lib/systemd/system", "lib/systemd/system"}
}

func (f *deployFacts) at(p string) string { return filepath.Join(f.root, p) }

// exists stats p; an error other than absence is recorded as unread.
func (f *deployFacts) exists(p string, dir bool) bool {
	st, err := os.Stat(p)
	switch {
	case errors.Is(err, os.ErrNotExist) || errors.Is(err, syscall.ENOTDIR):
		return false
	case err != nil:
		f.unread = append(f.unread, err.Error())
		return false
	}
	return st.IsDir() == dir
}

// readFiles looks for kolla's and the packages' files.
func (f *deployFacts) readFiles() {
	for _, prog := range topo.AgentPrograms() {
		if p := f.at("etc/kolla/" + prog); f.exists(p, true) {
			f.kollaDir[prog], f.kollaNode = true, true
			f.found = append(f.found, p)
		}
	}
	for _, v := range []struct{ engine, dir string }{
		{"docker", "var/lib/docker/volumes/kolla_logs"},
		{"podman", "var/lib/containers/storage/volumes/kolla_logs"},
	} {
		if p := f.at(v.dir); f.exists(p, true) {
			f.kollaNode = true
			f.found = append(f.found, p)
			if f.kollaEngine == "" {
				f.kollaEngine = v.engine
			}
		}
	}
	if p := f.at("var/log/kolla/neutron"); f.exists(p, true) {
		f.kollaNode = true
		f.found = append(f.found, p)
	}
	for _, engine := range []string{"docker", "podman"} {
		for _, dir := range []string{"usr/bin", "usr/local/bin"} {
			if f.exists(f.at(dir+"/"+engine), false) {
				f.engines = append(f.engines, engine)
				break
			}
		}
	}
	for _, prog := range topo.AgentPrograms() {
		if p := f.at("etc/neutron/" + agentINI(prog)); f.exists(p, false) {
			f.found = append(f.found, p)
		}
		for _, dir := range unitDirs() {
			p := f.at(dir + "/" + prog + ".service")
			if target, err := os.Readlink(p); err == nil && target == "/dev/null" {
				// Masked (as a node that runs the packaged agents some other
				// way has them): not how this agent runs, and it hides the
				// packages' unit below it.
				f.found = append(f.found, p+" (masked)")
				break
			}
			if f.exists(p, false) {
				f.unit[prog] = p
				f.found = append(f.found, p)
				break
			}
		}
	}
}

// initPIDNamespace is the kernel's inode of the first PID namespace
// (PROC_PID_INIT_INO): a /proc seen from any other shows only its own
// processes.
const initPIDNamespace = "pid:[4026531836]"

// cmdlineHead bounds what is read of a command line: the agent's program
// is the first or second argument, or the first word of its title.
const cmdlineHead = 4 << 10

// scanProcesses reads every process's command line for the agents, and
// the cgroup and parent of those found. It says in f.procsComplete whether
// the list is the node's whole one: /proc mounted with hidepid, a PID
// namespace of ostopo's own or command lines it may not read leave
// agents it did not see unknown, not absent.
func (f *deployFacts) scanProcesses(ctx context.Context, procDir string) (map[string][]agentProc, error) {
	entries, err := os.ReadDir(procDir)
	if err != nil {
		return nil, fmt.Errorf("list processes: %w", err)
	}
	complete := true
	if _, err := os.Stat(filepath.Join(procDir, "1")); err != nil {
		complete = false
		f.unread = append(f.unread, "process 1 is not visible in "+procDir+" (mounted with hidepid?): other users' processes may be hidden")
	}
	if ns, err := os.Readlink(filepath.Join(procDir, "self/ns/pid")); err == nil && ns != initPIDNamespace {
		complete = false
		f.unread = append(f.unread, "ostopo runs in a PID namespace of its own ("+ns+"): the node's other processes are not visible")
	}
	procs := map[string][]agentProc{}
	var unreadable, nsUnread int
	var firstErr, nsErr error
	for i, e := range entries {
		if i%256 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, fmt.Errorf("list processes: %w", err)
			}
		}
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid <= 0 {
			continue
		}
		dir := filepath.Join(procDir, e.Name())
		cmdline, err := readHead(filepath.Join(dir, "cmdline"), cmdlineHead)
		switch {
		case gone(err):
			continue // exited meanwhile
		case err != nil:
			unreadable++
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		prog, command := agentOf(cmdline)
		if prog == "" {
			continue
		}
		switch other, err := f.otherNetns(dir); {
		case other:
			continue // another node's agent (a lab runs several on one machine)
		case err != nil:
			nsUnread++
			if nsErr == nil {
				nsErr = err
			}
		}
		p := agentProc{pid: pid, command: command, ppid: parentOf(dir)}
		cg, err := readHead(filepath.Join(dir, "cgroup"), 64<<10)
		if gone(err) {
			continue
		}
		if err != nil {
			f.unread = append(f.unread, fmt.Sprintf("cgroup of %s process %d: %v", prog, pid, err))
		} else {
			p.cg = placeOf(cgroupPath(string(cg)))
		}
		procs[prog] = append(procs[prog], p)
	}
	if unreadable > 0 {
		complete = false
		f.unread = append(f.unread, fmt.Sprintf("command line of %d processes (%v)", unreadable, firstErr))
	}
	if nsUnread > 0 {
		f.unread = append(f.unread, fmt.Sprintf("network namespace of %d agent processes (%v): agents of other namespaces are not told apart", nsUnread, nsErr))
	}
	f.procsComplete = complete
	return procs, nil
}

// otherNetns says a process is in another network namespace than the
// node's. Kolla's containers and systemd's services run in the node's own;
// a process elsewhere serves another node. Reading another user's
// namespace link needs root: unknown then, and the process is kept.
func (f *deployFacts) otherNetns(dir string) (bool, error) {
	if f.netns == nil {
		return false, nil
	}
	st, err := os.Stat(filepath.Join(dir, "ns/net"))
	switch {
	case gone(err):
		return false, nil
	case err != nil:
		return false, err
	}
	return !os.SameFile(st, f.netns), nil
}

// gone is the error of reading a process that has exited.
func gone(err error) bool {
	return errors.Is(err, os.ErrNotExist) || errors.Is(err, syscall.ESRCH)
}

// readHead reads at most n bytes of a file (a /proc file's size is 0, so
// the bound is read, not stat'ed).
func readHead(p string, n int) ([]byte, error) {
	fh, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	b, err := io.ReadAll(io.LimitReader(fh, int64(n)))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", p, err)
	}
	return b, nil
}

// parentOf reads a process's parent from /proc/PID/stat ("pid (comm) S
// ppid …"; comm may hold spaces and parentheses, so after the last ')').
// 0 when unreadable.
func parentOf(dir string) int {
	b, err := readHead(filepath.Join(dir, "stat"), 4<<10)
	if err != nil {
		return 0
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0
	}
	fields := strings.Fields(s[i+1:])
	if len(fields) < 2 {
		return 0
	}
	ppid, _ := strconv.Atoi(fields[1])
	return ppid
}

// agentOf returns the agent a command line runs, and its program's path
// as started: "/usr/bin/python3 /usr/bin/neutron-l3-agent --config-file …",
// or the title the agents give themselves since Zed, "neutron-l3-agent
// (/usr/bin/python3 /usr/bin/neutron-l3-agent …)" (one argument holding
// spaces). Only the program is compared, never a substring: the agents'
// helpers (privsep-helper --config-file …/l3_agent.ini,
// neutron-keepalived-state-change, haproxy) are not the agents.
func agentOf(cmdline []byte) (program, command string) {
	s := strings.TrimRight(string(cmdline), "\x00")
	if s == "" {
		return "", ""
	}
	args := strings.Split(s, "\x00")
	if len(args) == 1 {
		args = strings.Fields(args[0])
	}
	if len(args) > 1 && isAgent(args[0]) && strings.HasPrefix(args[1], "(") {
		args = append([]string{strings.TrimPrefix(args[1], "(")}, args[2:]...)
	}
	python := false
	for i, a := range args {
		a = strings.TrimSuffix(a, ")")
		base := path.Base(a)
		switch {
		case isAgent(base):
			return base, a
		case i == 0 && strings.HasPrefix(base, "python"):
			python = true
		case python && strings.HasPrefix(a, "-"): // the interpreter's options (-s, -u)
		default:
			return "", ""
		}
	}
	return "", ""
}

func isAgent(name string) bool { return slices.Contains(topo.AgentPrograms(), name) }

// cgroupPath picks the path of the cgroup a process is in from
// /proc/PID/cgroup: cgroup v2's one line ("0::/system.slice/x.service"),
// else v1's systemd hierarchy, else its first line.
func cgroupPath(text string) string {
	var first, systemd string
	for _, line := range strings.Split(text, "\n") {
		parts := strings.SplitN(line, ":", 3)
		if len(parts) != 3 {
			continue
		}
		switch {
		case parts[0] == "0" && parts[1] == "":
			return parts[2]
		case parts[1] == "name=systemd":
			systemd = parts[2]
		case first == "":
			first = parts[2]
		}
	}
	if systemd != "" {
		return systemd
	}
	return first
}

// placeOf tells from a cgroup path what runs the process: a container of
// docker (docker-<id>.scope, /docker/<id>), podman (libpod-<id>.scope,
// /libpod_parent/libpod-<id>) or Kubernetes (kubepods), a systemd system
// service (x.service), or nothing (a login session, a user's manager).
func placeOf(cg string) cgroupPlace {
	p := cgroupPlace{path: cg}
	segs := strings.Split(strings.Trim(cg, "/"), "/")
	kube := strings.Contains(cg, "kubepods")
	for i, seg := range segs {
		id := ""
		engine := ""
		switch {
		case strings.HasPrefix(seg, "docker-") && strings.HasSuffix(seg, ".scope"):
			engine, id = "docker", strings.TrimSuffix(strings.TrimPrefix(seg, "docker-"), ".scope")
		case i > 0 && segs[i-1] == "docker" && isHexID(seg):
			engine, id = "docker", seg
		case strings.HasPrefix(seg, "libpod-") && !strings.HasPrefix(seg, "libpod-conmon-"):
			engine, id = "podman", strings.TrimSuffix(strings.TrimPrefix(seg, "libpod-"), ".scope")
		case strings.HasPrefix(seg, "cri-containerd-") || strings.HasPrefix(seg, "crio-"):
			engine = "kubernetes"
			id = strings.TrimSuffix(seg[strings.IndexByte(seg, '-')+1:], ".scope")
			id = strings.TrimPrefix(id, "containerd-")
		case kube && isHexID(seg):
			engine, id = "kubernetes", seg
		}
		if engine != "" && isHexID(id) {
			if kube {
				engine = "kubernetes"
			}
			p.runs, p.engine, p.id = topo.RunsContainer, engine, id
			return p
		}
	}
	if kube {
		p.runs, p.engine = topo.RunsContainer, "kubernetes"
		return p
	}
	if len(segs) > 0 && segs[0] == "user.slice" {
		p.runs = topo.RunsProcess // a login session or a user's own manager
		return p
	}
	for i := len(segs) - 1; i >= 0; i-- {
		if strings.HasSuffix(segs[i], ".service") {
			p.runs, p.unit = topo.RunsSystemd, segs[i]
			return p
		}
	}
	p.runs = topo.RunsProcess
	return p
}

func isHexID(s string) bool {
	if len(s) < 12 || len(s) > 64 {
		return false
	}
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// containerName returns the name docker or podman gave a container,
// read from their own files (no engine is run: a snapshot must not wait on
// a daemon). "" when unreadable (they are root's).
func (f *deployFacts) containerName(engine, id string) string {
	switch engine {
	case "docker":
		p := f.at("var/lib/docker/containers/" + id + "/config.v2.json")
		b, err := readAgentFile(p, 4<<20)
		if err != nil {
			f.unreadNames = append(f.unreadNames, err.Error())
			return ""
		}
		var c struct{ Name string }
		if err := json.Unmarshal(b, &c); err != nil {
			f.unreadNames = append(f.unreadNames, fmt.Sprintf("%s: %v", p, err))
			return ""
		}
		return strings.TrimPrefix(c.Name, "/")
	case "podman":
		if !f.namesRead {
			f.namesRead = true
			f.names = map[string]string{}
			p := f.at("var/lib/containers/storage/overlay-containers/containers.json")
			b, err := readAgentFile(p, 32<<20)
			if err != nil {
				f.unreadNames = append(f.unreadNames, err.Error())
				return ""
			}
			var cs []struct {
				ID    string   `json:"id"`
				Names []string `json:"names"`
			}
			if err := json.Unmarshal(b, &cs); err != nil {
				f.unreadNames = append(f.unreadNames, fmt.Sprintf("%s: %v", p, err))
				return ""
			}
			for _, c := range cs {
				if len(c.Names) > 0 {
					f.names[c.ID] = c.Names[0]
				}
			}
		}
		return f.names[id]
	}
	return ""
}

// deployment works out each agent and the node's style from the facts.
func (f *deployFacts) deployment() topo.Deployment {
	d := topo.Deployment{Agents: []topo.AgentRun{}, ProcessesRead: f.procs != nil && f.procsComplete}
	proven := map[string]bool{}
	for _, prog := range topo.AgentPrograms() {
		a := f.agent(prog)
		if a.Running != nil && *a.Running && a.Runs != "" {
			proven[f.agentStyle(a)] = true
		}
		d.Agents = append(d.Agents, a)
	}
	// A file says how an agent that does not run would; where running
	// agents show another style, it is left over (the packages installed
	// on a machine whose agents a lab or kolla runs), and the agent takes
	// the node's style instead.
	for i := range d.Agents {
		if a := &d.Agents[i]; (a.Running == nil || !*a.Running) && a.Runs != "" && len(proven) > 0 && !proven[f.agentStyle(*a)] {
			f.found = append(f.found, "(left aside: "+f.agentStyle(*a)+" files of "+a.Program+", while the running agents show another style)")
			*a = topo.AgentRun{Program: a.Program, Running: a.Running}
		}
	}
	d.Style, d.Engine = f.style(d.Agents)
	for i := range d.Agents {
		if a := &d.Agents[i]; a.Runs == topo.RunsContainer && a.Engine == "" && d.Style == topo.DeployKolla {
			a.Engine = d.Engine
		}
	}
	d.Found = f.found
	d.Unread = append(f.unread, f.unreadNames...)
	return d
}

// agent says how one agent runs: its process's cgroup, which is proof;
// with no process, kolla's config dir or the distribution's unit file,
// when only one of them is there.
func (f *deployFacts) agent(prog string) topo.AgentRun {
	a := topo.AgentRun{Program: prog}
	ps := f.procs[prog]
	if len(ps) == 0 {
		if f.procs != nil && f.procsComplete {
			a.Running = new(bool)
		}
		switch kolla, unit := f.kollaDir[prog], f.unit[prog]; {
		case kolla && unit == "":
			a.Runs, a.Engine, a.Container = topo.RunsContainer, f.kollaEngine, topo.KollaContainer(prog)
		case unit != "" && !kolla:
			a.Runs, a.Unit = topo.RunsSystemd, filepath.Base(unit)
		}
		return a
	}
	p := mainProcess(ps)
	running := true
	a.Running, a.PID, a.Command = &running, p.pid, p.command
	where := "in a cgroup that could not be read"
	switch p.cg.runs {
	case topo.RunsContainer:
		a.Runs, a.Engine = topo.RunsContainer, p.cg.engine
		a.Container = f.containerName(p.cg.engine, p.cg.id)
		if a.Container == "" && (f.kollaNode || f.kollaDir[prog]) && p.cg.engine != "kubernetes" {
			a.Container = topo.KollaContainer(prog) // kolla names each container after its agent
		}
		if a.Container == "" && len(p.cg.id) >= 12 {
			a.Container = p.cg.id[:12] // docker and podman take a short id too
		}
		where = "in " + p.cg.engine + " container " + orUnknown(a.Container)
	case topo.RunsSystemd:
		if !agentUnit(p.cg.unit) {
			// Started by a script or a harness that runs as a service:
			// restarting that unit is not restarting the agent.
			a.Runs = topo.RunsProcess
			where = "run by no service manager of its own (in the cgroup of " + p.cg.unit + ")"
			break
		}
		a.Runs, a.Unit = topo.RunsSystemd, p.cg.unit
		where = "in systemd unit " + p.cg.unit
	case topo.RunsProcess:
		a.Runs = topo.RunsProcess
		where = "run by no service manager (cgroup " + p.cg.path + ")"
	}
	f.found = append(f.found, fmt.Sprintf("%s process %d %s", prog, p.pid, where))
	return a
}

// agentUnit says a systemd unit is one that runs a Neutron agent: the
// distribution's (neutron-l3-agent.service) or devstack's
// (devstack@q-l3.service), not some other service that started one.
func agentUnit(unit string) bool {
	name := strings.TrimSuffix(unit, ".service")
	return strings.Contains(name, "neutron") || strings.HasPrefix(name, "devstack@")
}

// mainProcess picks the agent's own process among those running it: the
// first whose parent is not one of them (the metadata agent's workers are
// its children).
func mainProcess(ps []agentProc) agentProc {
	slices.SortFunc(ps, func(a, b agentProc) int { return a.pid - b.pid })
	for _, p := range ps {
		if !slices.ContainsFunc(ps, func(q agentProc) bool { return q.pid == p.ppid }) {
			return p
		}
	}
	return ps[0]
}

// style is the node's style: that of every agent whose style is known
// (mixed when they differ), else what the files say, else unknown.
func (f *deployFacts) style(agents []topo.AgentRun) (style, engine string) {
	styles := map[string]bool{}
	for _, a := range agents {
		st := f.agentStyle(a)
		if st == "" {
			continue
		}
		styles[st] = true
		if st == topo.DeployKolla && engine == "" && (a.Engine == "docker" || a.Engine == "podman") {
			engine = a.Engine
		}
	}
	switch len(styles) {
	case 0:
		switch {
		case f.kollaNode:
			style = topo.DeployKolla
		case len(f.unit) > 0:
			style = topo.DeploySystemd
		}
	case 1:
		for s := range styles {
			style = s
		}
	default:
		style = topo.DeployMixed
	}
	if style != topo.DeployKolla {
		return style, ""
	}
	if engine == "" {
		engine = f.kollaEngine
	}
	if engine == "" && len(f.engines) == 1 {
		engine = f.engines[0]
	}
	return style, engine
}

// agentStyle is the deployment style one agent shows; "" unknown.
func (f *deployFacts) agentStyle(a topo.AgentRun) string {
	switch a.Runs {
	case topo.RunsContainer:
		if a.Engine == "kubernetes" || !(f.kollaNode || strings.HasPrefix(a.Container, "neutron_")) {
			return topo.DeployContainer
		}
		return topo.DeployKolla
	case topo.RunsSystemd:
		return topo.DeploySystemd
	case topo.RunsProcess:
		return topo.DeployProcess
	}
	return ""
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}
