//go:build linux

package routefix

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ostopo/ostopo/fixtures/fixturetest"
)

// netnsDir is a namespace dir holding a network namespace (this
// process's, through /proc), another kind of namespace, and a plain file
// like the one a failed `ip netns delete` leaves behind.
func netnsDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for name, target := range map[string]string{"node": "/proc/self/ns/net", "uts": "/proc/self/ns/uts"} {
		if err := os.Symlink(target, filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "stale"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// --netns NAME is looked up before anything is planned: a name that is not
// there used to plan for the namespace ostopo runs in.
func TestFindNetns(t *testing.T) {
	ctx := context.Background()
	dir := netnsDir(t)
	if p, err := FindNetns(ctx, "node", []string{dir}); err != nil || p != filepath.Join(dir, "node") {
		t.Errorf("node: %q %v", p, err)
	}
	for _, tc := range []struct {
		name   string
		dirs   []string
		want   NetnsProblem
		prefix string
	}{
		{"nosuch", nil, NetnsMissing, `namespace "nosuch" does not exist (no /run/netns/nosuch`},
		{"nosuch", []string{dir}, NetnsMissing, `namespace "nosuch" does not exist (no ` + dir + `/nosuch, /run/netns/nosuch`},
		{"stale", []string{dir}, NetnsNotNetwork, `namespace "stale" is not a network namespace (` + dir + `/stale is a plain file, left behind by a failed ip netns delete?)`},
		{"uts", []string{dir}, NetnsNotNetwork, `namespace "uts" is not a network namespace (` + dir + `/uts is a namespace of another kind)`},
		{"../node", []string{dir}, NetnsBadName, `namespace name "../node" is not a name under ` + dir},
		{"", []string{dir}, NetnsBadName, `namespace name "" is not a name under`},
	} {
		p, err := FindNetns(ctx, tc.name, tc.dirs)
		var nerr *NetnsError
		if !errors.As(err, &nerr) || nerr.Problem != tc.want || !errors.Is(err, ErrBadInput) || !strings.HasPrefix(err.Error(), tc.prefix) {
			t.Errorf("%q in %q: %q, %v; want %s: %s…", tc.name, tc.dirs, p, err, tc.want, tc.prefix)
		}
		if tc.want == NetnsMissing && (!errors.Is(err, os.ErrNotExist) || !strings.HasSuffix(err.Error(), "/nosuch)")) {
			t.Errorf("%q: %v", tc.name, err)
		}
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := FindNetns(cancelled, "node", []string{dir}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

// Verify never falls back to the namespace ostopo runs in.
func TestVerifyRefusesMissingNetns(t *testing.T) {
	ctx := context.Background()
	dir := netnsDir(t)
	for _, tc := range []struct {
		path string
		want NetnsProblem
	}{{filepath.Join(dir, "nosuch"), NetnsMissing}, {filepath.Join(dir, "stale"), NetnsNotNetwork}} {
		var nerr *NetnsError
		if err := Verify(ctx, tc.path, "lo", "127.0.0.2", ""); !errors.As(err, &nerr) || nerr.Problem != tc.want {
			t.Errorf("%s: %v, want %s", tc.path, err, tc.want)
		}
	}
}

// Apply checks the namespace before it writes a journal.
func TestApplyRefusesMissingNetns(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("Apply needs root")
	}
	ctx := context.Background()
	dir := netnsDir(t)
	p, err := NewPlan(fixturetest.Load(t, "bad"), "eth1", "10.20.0.1")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		path string
		want NetnsProblem
	}{{filepath.Join(dir, "nosuch"), NetnsMissing}, {filepath.Join(dir, "stale"), NetnsNotNetwork}} {
		state := t.TempDir()
		var nerr *NetnsError
		err := Apply(ctx, p, ApplyOptions{NetnsPath: tc.path, StateDir: state, Confirm: func(context.Context) (bool, error) { return false, nil }})
		if !errors.As(err, &nerr) || nerr.Problem != tc.want {
			t.Errorf("%s: %v, want %s", tc.path, err, tc.want)
		}
		if _, err := os.Stat(journalPath(state)); err == nil {
			t.Errorf("%s: a journal was written", tc.path)
		}
	}
}
