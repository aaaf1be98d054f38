package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The cloud form's mistakes are caught before any node is reached.
func TestFixCloudUsage(t *testing.T) {
	inv := filepath.Join(t.TempDir(), "multinode")
	if err := os.WriteFile(inv, []byte("[network]\nnode1 ansible_host=192.0.2.10\n[compute]\n[control]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	fix := []string{"fix", "default-route", "--gateway", "10.20.0.1"}
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--ssh", "a", "--yes"}, exitUsage, "--yes is for one node: not with -i or --ssh"},
		{[]string{"--ssh", "a", "--netns", "x"}, exitUsage, "--netns is for one node"},
		{[]string{"--ssh", "a", "--persist"}, exitUsage, "--persist is for one node"},
		{[]string{"--ssh", "a", "-i", inv}, exitUsage, "-i and --ssh are two ways to name the nodes"},
		{[]string{"--ssh", "a", "--limit", "compute"}, exitUsage, "--limit goes with -i INVENTORY"},
		{[]string{"--ssh", "a", "--demo"}, exitUsage, "not with --replay, --replay-dir, --sos, --from-dir or --demo"},
		{[]string{"--ssh", "a", "--apply", "--readonly"}, exitFail, "--readonly: refusing to change the nodes"},
		{[]string{"--ssh", "-oProxyCommand=x"}, exitUsage, "want [user@]host[:port]"},
		{[]string{"-i", filepath.Join(t.TempDir(), "missing")}, exitUsage, "missing"},
		{[]string{"-i", inv, "--limit", "nosuch"}, exitUsage, "no host to repair"},
		{[]string{"-i", inv, "--canary", "node2"}, exitUsage, "--canary node2: not one of the hosts to repair"},
		{[]string{"--canary", "a"}, exitUsage, "--canary goes with -i INVENTORY or --ssh HOSTS"},
		{[]string{"--json"}, exitUsage, "--json goes with -i INVENTORY or --ssh HOSTS"},
		{[]string{"--confirm-token", "abc", "--apply"}, exitUsage, "--confirm-token: want 32 to 128 lowercase hex digits"},
		{[]string{"--confirm-token", strings.Repeat("a", 32)}, exitUsage, "--confirm-token goes with --apply, without --yes"},
	} {
		code, _, errOut := runCLI(t, append(fix, tc.args...)...)
		if code != tc.code || !strings.Contains(errOut, tc.want) || strings.Count(strings.TrimSpace(errOut), "\n") != 0 {
			t.Errorf("%q: exit %d, %q; want %d, %q", tc.args, code, errOut, tc.code, tc.want)
		}
	}
	code, _, errOut := runCLI(t, "fix", "default-route", "--ssh", "a", "--gateway", "10.20.0")
	if code != exitUsage || !strings.Contains(errOut, `gateway "10.20.0" is not an IPv4 or IPv6 address`) {
		t.Errorf("bad gateway: exit %d, %q", code, errOut)
	}
}
