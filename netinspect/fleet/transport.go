// Package fleet reaches many nodes of one cloud: it reads kolla-ansible's
// inventory, runs ostopo on each node through Ansible (a playbook shipped
// inside ostopo) or through the system ssh client, and brings each node's
// snapshot home. Nothing a node sends back is trusted: snapshots are
// decoded with a size bound before they are kept, and messages are
// bounded and stored as data.
package fleet

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Host is one node of the cloud as the inventory names it.
type Host struct {
	// Name is the inventory_hostname: the name of its snapshot file.
	Name string `json:"name"`
	// Address is what ssh connects to (ansible_host); Name when empty.
	Address string `json:"address,omitempty"`
	// User is the remote user (ansible_user); empty leaves it to ssh
	// (~/.ssh/config, then the local user).
	User string `json:"user,omitempty"`
	// Port is the ssh port (ansible_port); 0 leaves it to ssh.
	Port int `json:"port,omitempty"`
	// IdentityFile is ansible_ssh_private_key_file; empty leaves it to ssh.
	IdentityFile string `json:"identity_file,omitempty"`
	// Become runs commands as root through `sudo -n` when the remote user
	// is not root already (ansible_become).
	Become bool `json:"become,omitempty"`
	// Local is ansible_connection=local: the host is the machine ostopo
	// runs on, reached without ssh.
	Local bool `json:"local,omitempty"`
	// Flags are appended to the remote `ostopo snapshot` (ostopo_flags),
	// one argument each: no shell ever splits or expands them.
	Flags []string `json:"flags,omitempty"`
	// Groups are the inventory groups the host is in, children included.
	Groups []string `json:"groups,omitempty"`
	// RemoteBase is where the ostopo binary goes on this host
	// (ostopo_remote_base, as the playbook takes it); "" leaves it to
	// SSH.RemoteDir.
	RemoteBase string `json:"remote_base,omitempty"`
	// StateDir is the journal directory of fixes on this host
	// (ostopo_state_dir); "" leaves the node's default, /var/lib/ostopo.
	StateDir string `json:"state_dir,omitempty"`
}

// Target is the address ssh connects to.
func (h Host) Target() string {
	if h.Address != "" {
		return h.Address
	}
	return h.Name
}

// SSH runs commands on hosts with the system ssh client, so that the
// operator's ~/.ssh/config (jump hosts, keys, user names) applies. The
// zero value is ready to use. Its methods may be called from several
// goroutines at once.
type SSH struct {
	// Program is the ssh client; "ssh" (from PATH) when empty.
	Program string
	// ConfigFile is given to ssh as -F; empty uses ~/.ssh/config.
	ConfigFile string
	// ConnectTimeout bounds the connection (not the command); 10s when 0.
	ConnectTimeout time.Duration
	// Become runs every command as root (sudo -n when the remote user is
	// not root), as if every Host had Become.
	Become bool
	// RemoteDir is where Put installs the ostopo binary, in a directory
	// named after its checksum; /var/tmp when empty.
	RemoteDir string
	// Options are extra ssh options, each given as -o OPTION.
	Options []string

	mu     sync.Mutex
	hashes map[string]string // local binary path -> sha256 hex
}

// Session is one command running on a host. The caller reads Stdout and
// Stderr to their end (or lets them be: they are pipes, and a command that
// fills one waits), closes Stdin when it has nothing more to say, and
// then calls Wait. When the connection drops, the remote command sees its
// standard input end (and a hangup): that is how a command on the node
// learns that the operator is gone.
type Session struct {
	Stdin  io.WriteCloser
	Stdout io.Reader
	Stderr io.Reader

	host  string
	local bool
	cmd   *exec.Cmd
}

// Wait waits for the command to end. A non-zero exit is an *Error;
// IsUnreachable tells whether ssh itself could not reach the host. Its
// Stderr is empty: the caller read Stderr.
func (s *Session) Wait() error {
	err := s.cmd.Wait()
	if err == nil {
		return nil
	}
	return hostError(s.host, s.local, "", err)
}

// Error is a command that failed on a host, or could not be run there.
type Error struct {
	Host string
	// Unreachable: ssh could not connect or log in (its exit status 255),
	// the command did not run.
	Unreachable bool
	// ExitCode is the remote command's status; -1 when there is none (it
	// did not end on its own, or the failure is not its exit).
	ExitCode int
	// Stderr is the end of what ssh and the command printed on standard
	// error, at most MaxMessage bytes: untrusted text.
	Stderr string
	Err    error
}

// Error is one line, but its text comes from the host: escape it
// (safetext.Term) before it reaches a terminal.
func (e *Error) Error() string {
	what := "failed"
	if e.Unreachable {
		what = "unreachable"
	}
	msg := lastLine(e.Stderr)
	if msg == "" {
		return fmt.Sprintf("%s: %s: %v", e.Host, what, e.Err)
	}
	return fmt.Sprintf("%s: %s: %v: %s", e.Host, what, e.Err, msg)
}

func (e *Error) Unwrap() error { return e.Err }

// IsUnreachable reports whether err says that the host could not be
// reached at all (as Ansible's UNREACHABLE), rather than a command that
// ran and failed.
func IsUnreachable(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Unreachable
}

// MaxMessage bounds every message kept from a host (stderr, Ansible's
// msg): enough for an error, not enough to fill a disk or a screen.
const MaxMessage = 2048

// maxRunOutput bounds what Run keeps of a command's standard output.
const maxRunOutput = 64 << 20

// sshUnreachable is the exit status ssh gives for its own errors.
const sshUnreachable = 255

// Start runs argv on host; argv[0] is looked up in the remote PATH. Each
// argument reaches the remote command as it is: they are quoted for the
// remote shell, never split or expanded by it.
func (s *SSH) Start(ctx context.Context, host Host, argv []string) (*Session, error) {
	cmd, err := s.command(ctx, host, argv)
	if err != nil {
		return nil, err
	}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", host.Name, err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", host.Name, err)
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", host.Name, err)
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("%s: start ssh: %w", host.Name, err)
	}
	return &Session{Stdin: stdin, Stdout: stdout, Stderr: stderr, host: host.Name, local: host.Local, cmd: cmd}, nil
}

// Run runs argv on host with no input and returns its standard output (at
// most 64 MiB: for commands that answer briefly). A failure is an *Error
// carrying the end of standard error.
func (s *SSH) Run(ctx context.Context, host Host, argv []string) ([]byte, error) {
	return s.run(ctx, host, argv, nil)
}

func (s *SSH) run(ctx context.Context, host Host, argv []string, stdin io.Reader) ([]byte, error) {
	cmd, err := s.command(ctx, host, argv)
	if err != nil {
		return nil, err
	}
	cmd.Stdin = stdin
	var stdout limitedBuffer
	stdout.max = maxRunOutput
	stderr := tailBuffer{max: MaxMessage}
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.Bytes(), hostError(host.Name, host.Local, stderr.String(), err)
	}
	if stdout.over {
		return stdout.Bytes(), &Error{Host: host.Name, ExitCode: -1, Err: fmt.Errorf("output past %d bytes", maxRunOutput)}
	}
	return stdout.Bytes(), nil
}

// RemotePath is where Put installs localBinary: a directory named after
// the binary's checksum, so that two versions never overwrite each other
// and an unchanged binary is not sent again.
func (s *SSH) RemotePath(localBinary string) (string, error) {
	sum, err := s.checksum(localBinary)
	if err != nil {
		return "", err
	}
	return remoteBinaryPath(s.remoteDir(), sum), nil
}

// Put installs the ostopo binary localBinary on host (as root when the
// host or s says Become) and returns its remote path (RemotePath): sent
// through ssh's standard input, written beside its final name, checked
// against its sha256 and renamed. When the same checksum is there already
// nothing is sent; on a Local host it is localBinary itself. The
// directory must belong to the remote user (root under Become) and not be
// a symbolic link: in a world-writable /var/tmp, another user's directory
// could swap the binary between the check and the run.
func (s *SSH) Put(ctx context.Context, host Host, localBinary string) (string, error) {
	if host.Local {
		// This machine: the binary is here already.
		return localBinary, nil
	}
	sum, err := s.checksum(localBinary)
	if err != nil {
		return "", err
	}
	base := s.remoteDir()
	if host.RemoteBase != "" {
		base = host.RemoteBase
	}
	dir := path.Dir(remoteBinaryPath(base, sum))
	script := []string{"sh", "-c", putScript, "ostopo-put", dir, sum}
	out, err := s.Run(ctx, host, append(script, "check"))
	if err != nil {
		return "", err
	}
	if strings.TrimSpace(string(out)) != "present" {
		f, err := os.Open(localBinary)
		if err != nil {
			return "", fmt.Errorf("open ostopo binary: %w", err)
		}
		defer f.Close()
		out, err = s.run(ctx, host, append(script, "install"), f)
		if err != nil {
			return "", err
		}
		if got := strings.TrimSpace(string(out)); got != "installed" && got != "present" {
			return "", &Error{Host: host.Name, ExitCode: -1, Err: fmt.Errorf("install %s: unexpected answer %q", dir, truncate(got, 80))}
		}
	}
	return dir + "/ostopo", nil
}

// putScript runs on the host: $1 the directory, $2 the sha256, $3 check
// (say present or absent) or install (read the binary on standard input).
// The binary is written beside its final name and renamed, so a reader
// (another ostopo collect at the same time) never runs half a binary.
const putScript = `set -u
d=$1 h=$2
umask 077
mkdir -- "$d" 2>/dev/null
if [ -L "$d" ] || [ ! -d "$d" ]; then echo "ostopo: $d is not a directory" >&2; exit 3; fi
if [ "$(stat -c %u -- "$d")" != "$(id -u)" ]; then echo "ostopo: $d belongs to another user" >&2; exit 3; fi
chmod 0700 -- "$d" || exit 3
if [ -f "$d/ostopo" ] && [ ! -L "$d/ostopo" ] && [ "$(sha256sum <"$d/ostopo" | cut -c1-64)" = "$h" ]; then echo present; exit 0; fi
if [ "$3" != install ]; then echo absent; exit 0; fi
t="$d/ostopo.part.$$"
cat >"$t" || { rm -f -- "$t"; exit 3; }
if [ "$(sha256sum <"$t" | cut -c1-64)" != "$h" ]; then rm -f -- "$t"; echo "ostopo: the binary arrived damaged" >&2; exit 3; fi
chmod 0700 -- "$t" && mv -f -- "$t" "$d/ostopo" && echo installed
`

func remoteBinaryPath(dir, sum string) string {
	return path.Join(dir, "ostopo-"+sum[:16], "ostopo")
}

func (s *SSH) remoteDir() string {
	if s.RemoteDir != "" {
		return s.RemoteDir
	}
	return "/var/tmp"
}

// checksum is the sha256 of a local file, computed once per path.
func (s *SSH) checksum(file string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sum, ok := s.hashes[file]; ok {
		return sum, nil
	}
	sum, err := fileSHA256(file)
	if err != nil {
		return "", err
	}
	if s.hashes == nil {
		s.hashes = map[string]string{}
	}
	s.hashes[file] = sum
	return sum, nil
}

func fileSHA256(file string) (string, error) {
	f, err := os.Open(file)
	if err != nil {
		return "", fmt.Errorf("ostopo binary: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("ostopo binary: %w", err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// command is the ssh command line running argv on host.
func (s *SSH) command(ctx context.Context, host Host, argv []string) (*exec.Cmd, error) {
	if len(argv) == 0 {
		return nil, fmt.Errorf("%s: no command", host.Name)
	}
	become := s.Become || host.Become
	if host.Local {
		if become && os.Geteuid() != 0 {
			argv = append([]string{"sudo", "-n", "--"}, argv...)
		}
		cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
		cmd.WaitDelay = 5 * time.Second
		return cmd, nil
	}
	target := host.Target()
	// A target beginning with '-' would be read by ssh as an option.
	if target == "" || strings.HasPrefix(target, "-") || strings.ContainsAny(target, " \t\n\r\x00") {
		return nil, fmt.Errorf("%s: bad address %q", host.Name, target)
	}
	prog := s.Program
	if prog == "" {
		prog = "ssh"
	}
	timeout := s.ConnectTimeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	args := []string{}
	if s.ConfigFile != "" {
		args = append(args, "-F", s.ConfigFile)
	}
	secs := int((timeout + time.Second - 1) / time.Second)
	args = append(args, "-T", "-o", "BatchMode=yes", "-o", "ConnectTimeout="+strconv.Itoa(secs))
	for _, o := range s.Options {
		args = append(args, "-o", o)
	}
	if host.User != "" {
		args = append(args, "-l", host.User)
	}
	if host.Port != 0 {
		args = append(args, "-p", strconv.Itoa(host.Port))
	}
	if host.IdentityFile != "" {
		args = append(args, "-i", host.IdentityFile)
	}
	if become {
		argv = append([]string{"sh", "-c", becomeScript, "ostopo-become"}, argv...)
	}
	args = append(args, "--", target, remoteCommand(argv))
	cmd := exec.CommandContext(ctx, prog, args...)
	cmd.WaitDelay = 5 * time.Second
	return cmd, nil
}

// becomeScript runs "$@" as root: directly when the user is root, else
// through sudo without a password prompt (a prompt would hang a batch).
const becomeScript = `if [ "$(id -u)" -eq 0 ]; then exec "$@"; fi; exec sudo -n -- "$@"`

// remoteCommand is argv as one command line for the remote shell, every
// argument single-quoted so that the shell passes it through unchanged.
func remoteCommand(argv []string) string {
	q := make([]string, len(argv))
	for i, a := range argv {
		q[i] = shellQuote(a)
	}
	return strings.Join(q, " ")
}

func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:@,+") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// hostError is a failed command as an *Error: ssh's own status 255 means
// the host was not reached (a Local host's command has no ssh in front).
func hostError(host string, local bool, stderr string, err error) error {
	e := &Error{Host: host, ExitCode: -1, Stderr: stderr, Err: err}
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		e.ExitCode = exit.ExitCode()
		e.Unreachable = e.ExitCode == sshUnreachable && !local
	}
	return e
}

// limitedBuffer keeps the first max bytes written to it.
type limitedBuffer struct {
	bytes.Buffer
	max  int
	over bool
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	if room := b.max - b.Len(); len(p) > room {
		b.over = true
		if room > 0 {
			b.Buffer.Write(p[:room])
		}
		return len(p), nil
	}
	return b.Buffer.Write(p)
}

// tailBuffer keeps the last max bytes written to it: the end of stderr
// says why a command failed.
type tailBuffer struct {
	b   []byte
	max int
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.b = append(t.b, p...)
	if len(t.b) > 2*t.max {
		t.b = append(t.b[:0], t.b[len(t.b)-t.max:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	b := t.b
	if len(b) > t.max {
		b = b[len(b)-t.max:]
	}
	return string(b)
}

// firstLine is the first non-empty line of s.
func firstLine(s string) string {
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			return l
		}
	}
	return ""
}

// truncate cuts s to at most n bytes, on a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && (s[n]&0xc0) == 0x80 {
		n--
	}
	return s[:n]
}
