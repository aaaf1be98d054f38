package fleet

import (
	"bufio"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Playbook is the playbook `ostopo collect` runs (`ostopo collect
// --print-playbook` prints it).
//
//go:embed collect.yml
var Playbook string

// Ansible collects through ansible-playbook and the Playbook, with the
// operator's own inventory and Ansible configuration.
type Ansible struct {
	// Program is ansible-playbook; from PATH when empty.
	Program string
	// Inventory is the inventory file, given to ansible-playbook as it is.
	Inventory string
	// Limit is passed through as --limit.
	Limit string
	// SSHConfig, when set, is given to Ansible's ssh as -F (through
	// ANSIBLE_SSH_COMMON_ARGS, which an inventory's
	// ansible_ssh_common_args still overrides).
	SSHConfig string
	// NoBecome runs ostopo as the connecting user (ostopo_become=false).
	NoBecome bool
	// RemoteBase is the directory for the binary's own directory on the
	// hosts; /var/tmp when empty.
	RemoteBase string
	// CommonFlags are `ostopo snapshot` arguments for every host, before
	// each host's ostopo_flags.
	CommonFlags []string
	// Env is added to ansible-playbook's environment.
	Env []string
}

// Installed reports whether ansible-playbook can be run.
func (a *Ansible) Installed() bool {
	_, err := exec.LookPath(a.program())
	return err == nil
}

func (a *Ansible) program() string {
	if a.Program != "" {
		return a.Program
	}
	return "ansible-playbook"
}

// Collect runs the playbook on hosts (the inventory's CollectPattern
// under Limit, as SelectLimited gives them) and returns the report; the
// snapshots that came back whole are in opts.Dir. An error means the run
// as a whole failed (ansible-playbook could not start, or stopped with an
// error of its own before any host's result); the report is there still.
func (a *Ansible) Collect(ctx context.Context, hosts []Host, opts Options) (*Report, error) {
	if err := CheckHostNames(hosts); err != nil {
		return nil, err
	}
	sum, err := fileSHA256(opts.Binary)
	if err != nil {
		return nil, err
	}
	r, err := newRun(opts, hosts)
	if err != nil {
		return nil, err
	}
	defer r.close()
	playbook := filepath.Join(r.stage, "collect.yml")
	varsFile := filepath.Join(r.stage, "vars.json")
	remoteBase := a.RemoteBase
	if remoteBase == "" {
		remoteBase = "/var/tmp"
	}
	vars, err := json.Marshal(map[string]any{
		"ostopo_binary":       opts.Binary,
		"ostopo_checksum":     sum,
		"ostopo_dest":         r.stage,
		"ostopo_become":       !a.NoBecome,
		"ostopo_remote_base":  remoteBase,
		"ostopo_common_flags": append([]string{}, a.CommonFlags...),
	})
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(playbook, []byte(Playbook), 0o600); err != nil {
		return nil, fmt.Errorf("playbook: %w", err)
	}
	if err := os.WriteFile(varsFile, vars, 0o600); err != nil {
		return nil, fmt.Errorf("playbook variables: %w", err)
	}
	args := []string{"-i", a.Inventory, "--forks", strconv.Itoa(opts.forks()), "-e", "@" + varsFile}
	if a.Limit != "" {
		args = append(args, "--limit", a.Limit)
	}
	args = append(args, playbook)
	cmd := exec.CommandContext(ctx, a.program(), args...)
	cmd.Env = append(os.Environ(),
		// The one output ostopo reads: one line per task result, no color.
		"ANSIBLE_STDOUT_CALLBACK=oneline",
		"ANSIBLE_NOCOLOR=1",
		"ANSIBLE_FORCE_COLOR=0",
		"ANSIBLE_RETRY_FILES_ENABLED=0",
	)
	if a.SSHConfig != "" {
		// Ansible splits these the way a shell would.
		cmd.Env = append(cmd.Env, "ANSIBLE_SSH_COMMON_ARGS=-F "+shellQuote(a.SSHConfig))
	}
	cmd.Env = append(cmd.Env, a.Env...)
	// Interrupted, ansible-playbook is asked to stop (and stops its ssh
	// connections) rather than killed outright.
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 10 * time.Second
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("run ansible-playbook: %w", err)
	}
	var wg sync.WaitGroup
	errTail := tailBuffer{max: MaxMessage}
	var errMu sync.Mutex
	wg.Add(2)
	go func() {
		defer wg.Done()
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			errMu.Lock()
			errTail.Write([]byte(line + "\n"))
			errMu.Unlock()
			if strings.TrimSpace(line) != "" {
				r.warn("ansible: " + line)
			}
		}
		io.Copy(io.Discard, stderr)
	}()
	go func() {
		defer wg.Done()
		parseOneline(stdout, r)
		io.Copy(io.Discard, stdout)
	}()
	wg.Wait()
	waitErr := cmd.Wait()

	// A host whose fetch was missed in the output but whose file is there
	// and whole is collected all the same.
	for _, h := range r.order {
		if !r.has(h) {
			if _, err := os.Stat(r.stagePath(h)); err == nil {
				r.acceptOrFail(h)
			}
		}
	}
	missing := "ansible-playbook gave no result for this host (is it in the inventory's network, compute or control group, and in --limit?)"
	var runErr error
	if waitErr != nil {
		code := -1
		var exit *exec.ExitError
		if errors.As(waitErr, &exit) {
			code = exit.ExitCode()
		}
		// 2: some host failed, 4: some host unreachable (or an
		// inventory Ansible could not parse), 6: both. Any other status
		// is ansible-playbook's own failure.
		if hostStatus := code == 2 || code == 4 || code == 6; !hostStatus || r.count() == 0 {
			why := firstLine(lastLines(errTail.String()))
			switch {
			case ctx.Err() != nil:
				why = ctxErr(ctx)
			case why == "":
				why = fmt.Sprintf("status %d", code)
			}
			missing = "ansible-playbook stopped: " + why
			runErr = errors.New(cleanMessage(missing))
		}
	}
	return r.finish("ansible", a.Inventory, a.Limit, missing), runErr
}

func (r *run) known(host string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	_, ok := r.hosts[host]
	return ok
}

func (r *run) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.results)
}

// acceptOrFail keeps a host's staged snapshot when it is a snapshot, and
// records the host's result either way.
func (r *run) acceptOrFail(host string) {
	if err := r.accept(host); err != nil {
		r.done(host, StatusFailed, err.Error(), "")
		return
	}
	r.done(host, StatusOK, "", host+".json")
}

// onelineRE is a result line of Ansible's oneline callback: "HOST | STATE"
// then " => {json}" or ": message" or " | rc=N | (stdout) ...". Host
// names hold no white space (an INI inventory splits on it).
var onelineRE = regexp.MustCompile(`^(\S+) \| (SUCCESS|CHANGED|FAILED!|FAILED|UNREACHABLE!|SKIPPED)(.*)$`)

// parseOneline reads ansible-playbook's output under the oneline
// callback and records each host's result as it comes: ok when its fetch
// result arrives and the file checks out, failed at its first failed
// task, unreachable at its first unreachable one.
func parseOneline(out io.Reader, r *run) {
	sc := bufio.NewScanner(out)
	// A task result holds the command's whole stdout and stderr.
	sc.Buffer(make([]byte, 64<<10), 64<<20)
	var lastUnreachable string
	var unreachableMsg strings.Builder
	flush := func() {
		if lastUnreachable != "" {
			r.done(lastUnreachable, StatusUnreachable, unreachableMsg.String(), "")
			lastUnreachable = ""
			unreachableMsg.Reset()
		}
	}
	for sc.Scan() {
		line := sc.Text()
		m := onelineRE.FindStringSubmatch(line)
		if m == nil {
			// The rest of an unreachable host's message (ssh's stderr
			// may run on several lines).
			if lastUnreachable != "" && unreachableMsg.Len() < MaxMessage {
				if l := strings.TrimSpace(line); l != "" {
					unreachableMsg.WriteString(" " + l)
				}
			}
			continue
		}
		flush()
		host, state, rest := m[1], m[2], m[3]
		if !r.known(host) {
			// Not a host of this run: the play names only the hosts
			// ostopo selected (as Ansible does, tested against it), so
			// this line is not Ansible's.
			continue
		}
		switch state {
		case "UNREACHABLE!":
			if !r.has(host) {
				lastUnreachable = host
				unreachableMsg.WriteString(strings.TrimSpace(strings.TrimPrefix(rest, ":")))
			}
		case "FAILED!":
			res := resultJSON(rest)
			if res == nil {
				r.done(host, StatusFailed, strings.TrimSpace(strings.TrimPrefix(rest, " =>")), "")
				continue
			}
			r.done(host, StatusFailed, res.message(), "")
		case "SUCCESS", "CHANGED":
			res := resultJSON(rest)
			if res == nil || res.Dest == "" || filepath.Clean(res.Dest) != r.stagePath(host) {
				continue
			}
			if !r.has(host) {
				r.acceptOrFail(host)
			}
		}
	}
	flush()
}

// taskResult is what ostopo reads of a task's result.
type taskResult struct {
	Msg          string `json:"msg"`
	Stderr       string `json:"stderr"`
	ModuleStderr string `json:"module_stderr"`
	RC           *int   `json:"rc"`
	Dest         string `json:"dest"`
	Cmd          any    `json:"cmd"`
}

// resultJSON decodes the " => {json}" end of a oneline result.
func resultJSON(rest string) *taskResult {
	_, js, ok := strings.Cut(rest, "=> ")
	if !ok {
		return nil
	}
	var res taskResult
	if err := json.Unmarshal([]byte(js), &res); err != nil {
		return nil
	}
	return &res
}

// message says why a task failed: Ansible's msg, and the last line the
// command wrote on stderr (ostopo's own error comes last, after its
// warnings).
func (t *taskResult) message() string {
	msg := strings.TrimSpace(t.Msg)
	if t.RC != nil && msg == "non-zero return code" {
		msg = fmt.Sprintf("ostopo snapshot exited %d", *t.RC)
	}
	for _, s := range []string{t.Stderr, t.ModuleStderr} {
		if l := lastLine(s); l != "" {
			if msg == "" {
				return l
			}
			return msg + ": " + l
		}
	}
	if msg == "" {
		return "the task failed without a message"
	}
	return msg
}

// lastLine is the last non-empty line of s.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		if l := strings.TrimSpace(lines[i]); l != "" {
			return l
		}
	}
	return ""
}

// lastLines is the end of ansible-playbook's stderr with its
// warnings left out: ERROR! lines say why it stopped.
func lastLines(s string) string {
	var keep []string
	for _, l := range strings.Split(s, "\n") {
		l = strings.TrimSpace(l)
		if strings.HasPrefix(l, "ERROR!") || (len(keep) > 0 && l != "" && !strings.HasPrefix(l, "[WARNING]")) {
			keep = append(keep, l)
		}
	}
	if len(keep) == 0 {
		return lastLine(s)
	}
	return strings.Join(keep, " ")
}
