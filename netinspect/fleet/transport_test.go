package fleet

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// A Local host (ansible_connection=local) runs on this machine, without
// ssh: its status 255 is the command's, not an unreachable host.
func TestLocalHost(t *testing.T) {
	s := &SSH{}
	h := Host{Name: "localhost", Local: true}
	out, err := s.Run(t.Context(), h, []string{"sh", "-c", "printf '%s' \"$1\"", "sh", "a b"})
	if err != nil || string(out) != "a b" {
		t.Fatalf("Run: %q, %v", out, err)
	}
	_, err = s.Run(t.Context(), h, []string{"sh", "-c", "exit 255"})
	var e *Error
	if !asError(err, &e) || e.ExitCode != 255 || IsUnreachable(err) {
		t.Errorf("exit 255 on a local host: %#v", err)
	}
	bin := filepath.Join(t.TempDir(), "ostopo")
	os.WriteFile(bin, []byte("x"), 0o755)
	if p, err := s.Put(t.Context(), h, bin); err != nil || p != bin {
		t.Errorf("Put on a local host: %q, %v; want the binary itself", p, err)
	}
}

// The shipped playbook is one ansible-playbook accepts.
func TestPlaybookSyntax(t *testing.T) {
	if _, err := exec.LookPath("ansible-playbook"); err != nil {
		t.Skip("ansible-playbook is not installed")
	}
	dir := t.TempDir()
	pb := filepath.Join(dir, "collect.yml")
	if err := os.WriteFile(pb, []byte(Playbook), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("ansible-playbook", "--syntax-check", "-i", "localhost,", pb)
	cmd.Env = append(os.Environ(), "HOME="+dir, "ANSIBLE_LOCAL_TEMP="+filepath.Join(dir, "tmp"))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("ansible-playbook --syntax-check: %v\n%s", err, out)
	}
}

func asError(err error, target **Error) bool { return errors.As(err, target) }
