//go:build linux

package routefix

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
)

// FindNetns returns the path of the named network namespace, before
// anything is planned for it: the first dirs/NAME (the --netns-dir list)
// or, after them, the same name where `ip netns` keeps it (/run/netns,
// /var/run/netns). It must exist and be a network namespace; a missing one
// is an error, never a reason to plan for the namespace ostopo runs in.
// Errors are *NetnsError (ErrBadInput): `namespace "nosuch" does not exist
// (no /run/netns/nosuch)`.
func FindNetns(ctx context.Context, name string, dirs []string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	search := netnsSearchDirs(dirs)
	if !validNetnsName(name) {
		return "", &NetnsError{Name: name, Problem: NetnsBadName,
			Reason: fmt.Sprintf("namespace name %q is not a name under %s (a namespace name holds no /)", name, strings.Join(search, ", "))}
	}
	var tried []string
	for _, dir := range search {
		path := filepath.Join(dir, name)
		if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
			tried = append(tried, path)
			continue
		}
		if err := checkNetnsPath(ctx, path); err != nil {
			return "", err
		}
		return path, nil
	}
	return "", &NetnsError{Name: name, Problem: NetnsMissing, Err: os.ErrNotExist,
		Reason: fmt.Sprintf("namespace %q does not exist (no %s)", name, strings.Join(tried, ", "))}
}

// netnsSearchDirs is dirs, then the default ones, each directory once
// (/var/run is usually a link to /run).
func netnsSearchDirs(dirs []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, d := range append(append([]string(nil), dirs...), DefaultNetnsDirs()...) {
		key := filepath.Clean(d)
		// The netns dir itself may not exist yet (no namespace was ever
		// named); its parent tells /var/run/netns and /run/netns apart.
		if parent, err := filepath.EvalSymlinks(filepath.Dir(key)); err == nil {
			key = filepath.Join(parent, filepath.Base(key))
		}
		if !seen[key] {
			seen[key] = true
			out = append(out, d)
		}
	}
	return out
}

// checkNetnsPath makes sure path is a network namespace: a file under
// /run/netns that `ip netns delete` failed to unmount is a plain file, and
// a namespace of another kind cannot hold routes. Opening it as a netlink
// handle would fail later, after the journal was written.
func checkNetnsPath(ctx context.Context, path string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	name := filepath.Base(path)
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	switch {
	case errors.Is(err, unix.ENOENT):
		return &NetnsError{Name: name, Path: path, Problem: NetnsMissing, Err: os.ErrNotExist,
			Reason: fmt.Sprintf("namespace %q does not exist (no %s)", name, path)}
	case err != nil:
		return &NetnsError{Name: name, Path: path, Problem: NetnsUnreadable, Err: err,
			Reason: fmt.Sprintf("namespace %q cannot be opened (%s: %v)", name, path, err)}
	}
	defer unix.Close(fd)
	kind, err := unix.IoctlRetInt(fd, unix.NS_GET_NSTYPE)
	switch {
	case err == nil && kind == unix.CLONE_NEWNET:
		return nil
	case err == nil:
		return &NetnsError{Name: name, Path: path, Problem: NetnsNotNetwork,
			Reason: fmt.Sprintf("namespace %q is not a network namespace (%s is a namespace of another kind)", name, path)}
	case errors.Is(err, unix.ENOTTY):
		// Not a namespace file at all, or a kernel before 4.11 without
		// NS_GET_NSTYPE: there a namespace file is still on nsfs.
		var st unix.Statfs_t
		if unix.Fstatfs(fd, &st) == nil && st.Type == unix.NSFS_MAGIC {
			return nil
		}
		return &NetnsError{Name: name, Path: path, Problem: NetnsNotNetwork,
			Reason: fmt.Sprintf("namespace %q is not a network namespace (%s is a plain file, left behind by a failed ip netns delete?)", name, path)}
	default:
		return &NetnsError{Name: name, Path: path, Problem: NetnsUnreadable, Err: err,
			Reason: fmt.Sprintf("namespace %q cannot be checked (%s: %v)", name, path, err)}
	}
}
