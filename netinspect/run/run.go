// Package run executes the few external programs ostopo needs (ovs-ofctl,
// ovs-appctl, iptables-save), with a context, an environment, stderr kept in
// the error, and a fallback into kolla's containers when the host lacks the
// program.
package run

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
)

// Runner runs a program and returns its standard output. It is the seam
// where tests and recordings plug in.
type Runner func(ctx context.Context, name string, args ...string) ([]byte, error)

// Error is a failed command with what it printed on stderr.
type Error struct {
	Cmd    string
	Stderr string
	Err    error
}

func (e *Error) Error() string {
	msg := strings.TrimSpace(e.Stderr)
	if i := strings.IndexByte(msg, '\n'); i >= 0 {
		msg = msg[:i]
	}
	if msg == "" {
		return fmt.Sprintf("%s: %v", e.Cmd, e.Err)
	}
	return fmt.Sprintf("%s: %v: %s", e.Cmd, e.Err, msg)
}

func (e *Error) Unwrap() error { return e.Err }

// Exec returns a Runner that runs programs on the host with extra
// environment variables (e.g. OVS_RUNDIR) added to ostopo's own.
func Exec(env ...string) Runner {
	return func(ctx context.Context, name string, args ...string) ([]byte, error) {
		cmd := exec.CommandContext(ctx, name, args...)
		if len(env) > 0 {
			cmd.Env = append(cmd.Environ(), env...)
		}
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil {
			return stdout.Bytes(), &Error{Cmd: name + " " + strings.Join(args, " "), Stderr: stderr.String(), Err: err}
		}
		return stdout.Bytes(), nil
	}
}

// ErrNotFound means the program is neither on the host nor in a container.
var ErrNotFound = errors.New("program not found")

// Tool is how to run one program: on the host, or inside a container.
type Tool struct {
	Program   string
	Engine    string // "docker" or "podman" when run in a container
	Container string
}

// Describe says where the tool runs, for the snapshot's source records.
func (t Tool) Describe() string {
	if t.Engine != "" {
		return fmt.Sprintf("%s exec %s %s", t.Engine, t.Container, t.Program)
	}
	return t.Program
}

// Argv returns the command line that runs the tool with args.
func (t Tool) Argv(args ...string) (string, []string) {
	if t.Engine == "" {
		return t.Program, args
	}
	argv := []string{"exec", t.Container, t.Program}
	return t.Engine, append(argv, args...)
}

// Find locates program on the host PATH; failing that, inside one of the
// named running containers of docker or podman (kolla installs no OVS or
// iptables tools on the host).
func Find(ctx context.Context, r Runner, program string, containers []string) (Tool, error) {
	if _, err := exec.LookPath(program); err == nil {
		return Tool{Program: program}, nil
	}
	for _, engine := range []string{"docker", "podman"} {
		if _, err := exec.LookPath(engine); err != nil {
			continue
		}
		for _, c := range containers {
			out, err := r(ctx, engine, "inspect", "--format", "{{.State.Running}}", c)
			if err == nil && strings.TrimSpace(string(out)) == "true" {
				return Tool{Program: program, Engine: engine, Container: c}, nil
			}
		}
	}
	where := "on the host PATH"
	if len(containers) > 0 {
		where += " or in a running container " + strings.Join(containers, "/")
	}
	return Tool{}, fmt.Errorf("%w: %s %s", ErrNotFound, program, where)
}
