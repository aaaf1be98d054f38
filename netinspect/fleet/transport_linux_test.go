package fleet

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ostopo/ostopo/fixtures/sshlab"
)

// sshLab is two machines on a test network, sshd on "node", an SSH
// transport that runs ssh from "deployer", and "dark" with no sshd.
type sshLab struct {
	ssh        *SSH
	log        string // the remote command of each ssh run, one a line
	node, dark Host
	server     *sshlab.Server
}

func newSSHLab(t *testing.T) *sshLab {
	t.Helper()
	if err := sshlab.Preflight(); err != nil {
		t.Skipf("no sshd lab: %v", err)
	}
	ctx := context.Background()
	n, err := sshlab.NewNet(ctx, fmt.Sprintf("ft%d", os.Getpid()%100000), []string{"node", "dep", "dark"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := n.Close(context.Background()); err != nil {
			t.Error(err)
		}
	})
	node := n.Machines["node"]
	srv, err := sshlab.Start(ctx, t.TempDir(), node.Enter(), node.Addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Stop() })
	// ssh from the deployer's namespace, each command line logged.
	wdir := t.TempDir()
	wrapper := filepath.Join(wdir, "ssh")
	script := "#!/bin/sh\nfor a; do last=$a; done\nprintf '%s\\n' \"$last\" >>" + filepath.Join(wdir, "log") +
		"\nexec ip netns exec " + n.Machines["dep"].Netns + " ssh \"$@\"\n"
	if err := os.WriteFile(wrapper, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return &sshLab{
		log:    filepath.Join(wdir, "log"),
		ssh:    &SSH{Program: wrapper, ConfigFile: srv.ClientConfig, ConnectTimeout: 5 * time.Second, RemoteDir: t.TempDir()},
		node:   Host{Name: "node", Address: node.Addr, Become: true},
		dark:   Host{Name: "dark", Address: n.Machines["dark"].Addr, Become: true},
		server: srv,
	}
}

func TestSSHTransport(t *testing.T) {
	l := newSSHLab(t)
	ctx := context.Background()

	// Arguments reach the remote command unchanged: no shell splits or
	// expands them.
	args := []string{"printf", "%s|", "two words", "it's", "$HOME", "`id`", "a;b", "*", ""}
	out, err := l.ssh.Run(ctx, l.node, args)
	if err != nil {
		t.Fatalf("Run: %v\n%s", err, l.server.Log())
	}
	if want := "two words|it's|$HOME|`id`|a;b|*||"; string(out) != want {
		t.Errorf("Run printed %q, want %q", out, want)
	}

	// A failing command is an *Error with its stderr, not unreachable.
	_, err = l.ssh.Run(ctx, l.node, []string{"sh", "-c", "echo broken >&2; exit 7"})
	var e *Error
	if !asError(err, &e) || e.ExitCode != 7 || IsUnreachable(err) || !strings.Contains(e.Stderr, "broken") {
		t.Errorf("failing command: %#v", err)
	}
	// No sshd: unreachable.
	if _, err := l.ssh.Run(ctx, l.dark, []string{"true"}); !IsUnreachable(err) {
		t.Errorf("host without sshd: %v, want unreachable", err)
	}

	// Start: standard input reaches the command, its output comes back.
	sess, err := l.ssh.Start(ctx, l.node, []string{"sh", "-c", "read x; echo got $x; echo warn >&2"})
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(sess.Stdin, "confirm\n")
	sess.Stdin.Close()
	var stdout, stderr bytes.Buffer
	done := make(chan struct{})
	go func() { io.Copy(&stderr, sess.Stderr); close(done) }()
	io.Copy(&stdout, sess.Stdout)
	<-done
	if err := sess.Wait(); err != nil || stdout.String() != "got confirm\n" || stderr.String() != "warn\n" {
		t.Errorf("session: %v, stdout %q, stderr %q", err, stdout.String(), stderr.String())
	}
}

func TestSSHPut(t *testing.T) {
	l := newSSHLab(t)
	ctx := context.Background()
	bin := filepath.Join(t.TempDir(), "ostopo")
	if err := os.WriteFile(bin, []byte("#!/bin/sh\necho ostopo-test \"$@\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	remote, err := l.ssh.Put(ctx, l.node, bin)
	if err != nil {
		t.Fatalf("Put: %v\n%s", err, l.server.Log())
	}
	want, _ := l.ssh.RemotePath(bin)
	if remote != want || !strings.HasPrefix(remote, l.ssh.RemoteDir+"/ostopo-") {
		t.Errorf("Put = %s, want %s", remote, want)
	}
	out, err := l.ssh.Run(ctx, l.node, []string{remote, "snapshot"})
	if err != nil || string(out) != "ostopo-test snapshot\n" {
		t.Errorf("the installed binary: %q, %v", out, err)
	}
	st, err := os.Stat(remote)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o700 {
		t.Errorf("installed with mode %v, want 0700", st.Mode().Perm())
	}

	// The same binary again: nothing is sent (the file is not replaced,
	// and no ssh ran an install).
	before := inode(t, remote)
	installs := strings.Count(readFile(t, l.log), " install\n")
	if _, err := l.ssh.Put(ctx, l.node, bin); err != nil {
		t.Fatal(err)
	}
	if inode(t, remote) != before || strings.Count(readFile(t, l.log), " install\n") != installs {
		t.Errorf("the same binary was sent again:\n%s", readFile(t, l.log))
	}

	// A damaged copy on the host is replaced.
	if err := os.WriteFile(remote, []byte("damaged"), 0o700); err != nil {
		t.Fatal(err)
	}
	if _, err := l.ssh.Put(ctx, l.node, bin); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(remote); !strings.Contains(string(b), "ostopo-test") {
		t.Errorf("the damaged copy stayed: %q", b)
	}

	// Another user's directory is refused: it could swap the binary.
	dir := filepath.Dir(remote)
	if err := os.Chown(dir, 65534, 65534); err != nil {
		t.Fatal(err)
	}
	if _, err := l.ssh.Put(ctx, l.node, bin); err == nil || !strings.Contains(err.Error(), "belongs to another user") {
		t.Errorf("Put into another user's directory: %v", err)
	}
	os.Chown(dir, 0, 0)
	// A symbolic link in its place too.
	os.RemoveAll(dir)
	if err := os.Symlink(t.TempDir(), dir); err != nil {
		t.Fatal(err)
	}
	if _, err := l.ssh.Put(ctx, l.node, bin); err == nil || !strings.Contains(err.Error(), "is not a directory") {
		t.Errorf("Put through a symbolic link: %v", err)
	}
	os.Remove(dir)

	// Unreachable.
	if _, err := l.ssh.Put(ctx, l.dark, bin); !IsUnreachable(err) {
		t.Errorf("Put to a host without sshd: %v", err)
	}
}

func inode(t *testing.T, path string) uint64 {
	t.Helper()
	out, err := exec.Command("stat", "-c", "%i", path).Output()
	if err != nil {
		t.Fatal(err)
	}
	var n uint64
	fmt.Sscan(string(out), &n)
	return n
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
