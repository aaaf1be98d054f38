package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ostopo/ostopo/netinspect/fleet"
)

func TestCollectPrintPlaybook(t *testing.T) {
	code, out, _ := runCLI(t, "collect", "--print-playbook")
	if code != exitOK || out != fleet.Playbook || !strings.Contains(out, "ansible.builtin.fetch") {
		t.Errorf("exit %d, printed %d bytes: want the playbook", code, len(out))
	}
}

// Bad input is exit 2 with one line that says where.
func TestCollectBadInput(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	bad := write("bad", "[control]\nctl01 ansible_user\n")
	good := write("good", "[control]\nctl01\n[compute]\ncmp01\n[monitoring]\nmon01\n")
	named := write("named", "[compute]\ncollect\n")
	option := write("option", "[compute]\ncmp01 ansible_host=-oProxyCommand=x\n")
	out := filepath.Join(dir, "out")
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"-i", bad, "-o", out}, bad + ":2: expected key=value host variable assignment, got: ansible_user"},
		{[]string{"-i", filepath.Join(dir, "none"), "-o", out}, filepath.Join(dir, "none") + ": no such file or directory"},
		{[]string{"-i", good, "-o", out, "--limit", "mon01"}, "no host of the network, compute or control groups matches --limit \"mon01\""},
		{[]string{"-i", good, "-o", out, "--limit", "~bad("}, "--limit \"~bad(\""},
		{[]string{"-i", good}, "want -o DIR"},
		{[]string{"-o", out}, "want -i INVENTORY or --ssh HOSTS"},
		{[]string{"-i", good, "--ssh", "a", "-o", out}, "-i and --ssh are two sources"},
		{[]string{"--ssh", "a", "--limit", "x", "-o", out}, "--limit goes with -i"},
		{[]string{"--ssh", "-oProxyCommand=x", "-o", out}, "want [user@]host[:port]"},
		{[]string{"-i", good, "-o", out, "--forks", "0"}, "--forks 0"},
		{[]string{"-i", good, "-o", out, "--via", "carrier-pigeon"}, "--via \"carrier-pigeon\""},
		{[]string{"--ssh", "a", "-o", out, "--via", "ansible"}, "--via ansible needs -i"},
		{[]string{"-i", named, "-o", out}, "its snapshot would be collect.json"},
		{[]string{"-i", option, "-o", out}, "address \"-oProxyCommand=x\" is not one ssh can take"},
		{[]string{"--demo", "-i", good, "-o", out}, "collect reads live nodes"},
		{[]string{"-i", good, "-o", out, "--ssh-config", filepath.Join(dir, "none")}, "--ssh-config"},
	}
	for _, c := range cases {
		code, _, stderr := runCLI(t, append([]string{"collect"}, c.args...)...)
		if code != exitUsage || !strings.Contains(stderr, c.want) || strings.Count(stderr, "\n") != 1 {
			t.Errorf("collect %v: exit %d, stderr %q; want exit 2 and %q", c.args, code, stderr, c.want)
		}
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("bad input made the output directory")
	}
}

// --via ansible without ansible-playbook is bad input; auto falls back
// to ssh (and says so).
func TestCollectWithoutAnsible(t *testing.T) {
	dir := t.TempDir()
	inv := filepath.Join(dir, "inv")
	os.WriteFile(inv, []byte("[compute]\ncmp01 ansible_host=127.0.0.1\n"), 0o644)
	t.Setenv("PATH", dir) // neither ansible-playbook nor ssh
	code, _, stderr := runCLI(t, "collect", "-i", inv, "-o", filepath.Join(dir, "out"), "--via", "ansible")
	if code != exitUsage || !strings.Contains(stderr, "ansible-playbook is not installed") {
		t.Errorf("--via ansible: exit %d, %q", code, stderr)
	}
	code, _, stderr = runCLI(t, "collect", "-i", inv, "-o", filepath.Join(dir, "out"))
	if !strings.Contains(stderr, "ansible-playbook is not installed: collecting through ssh") {
		t.Errorf("auto without ansible-playbook: %q", stderr)
	}
	// No ssh either: the host fails, exit 3 (nothing collected), and
	// collect.json says why.
	if code != exitNoneCollected {
		t.Errorf("exit %d, want %d: %s", code, exitNoneCollected, stderr)
	}
	rep, err := fleet.ReadReport(filepath.Join(dir, "out", fleet.ReportFile))
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Hosts) != 1 || rep.Hosts[0].Status != fleet.StatusFailed || !strings.Contains(rep.Hosts[0].Message, "installing ostopo") {
		t.Errorf("report: %+v", rep.Hosts)
	}
}

func TestCollectExitStatusRow(t *testing.T) {
	row := collectExitStatus()
	if row.commands != "collect" || row.meaning[exitNoneCollected] == "-" || row.meaning[exitFail] == "-" {
		t.Errorf("collect's exit statuses: %+v", row)
	}
}
