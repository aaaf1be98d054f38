//go:build linux

package collect

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"syscall"
)

// ownNamespace is the namespace of the calling thread: the node's root
// unless --root-netns says otherwise.
const ownNamespace = "/proc/thread-self/ns/net"

// nsFile is one namespace to read, identified by the inode of its file.
type nsFile struct {
	Name  string // "" for the root
	Path  string
	Dev   uint64
	Inode uint64
}

func statNS(path string) (dev, ino uint64, err error) {
	var st syscall.Stat_t
	if err := syscall.Stat(path, &st); err != nil {
		return 0, 0, err
	}
	return uint64(st.Dev), st.Ino, nil
}

// listNamespaces returns the root namespace (the one at rootPath, by default
// the one ostopo runs in) and every named namespace in dirs, each once: the
// same namespace reached twice (/var/run -> /run, the node's own namespace
// listed in /run/netns) is deduplicated by device and inode. A default dir
// that does not exist holds no namespaces (a node where none was ever
// made); a dir the operator named must exist, or its namespaces would
// silently count as none.
func listNamespaces(rootPath string, dirs []string, named bool) (root nsFile, found []nsFile, err error) {
	if rootPath == "" {
		rootPath = ownNamespace
	}
	dev, ino, err := statNS(rootPath)
	if err != nil {
		return root, nil, fmt.Errorf("stat own namespace %s: %w", rootPath, err)
	}
	root = nsFile{Path: rootPath, Dev: dev, Inode: ino}
	seen := map[[2]uint64]bool{{dev, ino}: true}
	var dirErrs []error
	for _, dir := range dirs {
		entries, err := os.ReadDir(dir)
		if errors.Is(err, os.ErrNotExist) && !named {
			continue
		}
		if err != nil {
			dirErrs = append(dirErrs, fmt.Errorf("list namespaces in %s: %w", dir, err))
			continue
		}
		for _, e := range entries {
			p := filepath.Join(dir, e.Name())
			dev, ino, err := statNS(p)
			if err != nil || seen[[2]uint64{dev, ino}] {
				continue // vanished between readdir and stat, or already seen
			}
			// A file under /run/netns that is not a bind-mounted namespace
			// (left behind after `ip netns delete` failed) has the inode of a
			// plain file on tmpfs; opening it as a namespace fails later and is
			// reported there.
			seen[[2]uint64{dev, ino}] = true
			found = append(found, nsFile{Name: e.Name(), Path: p, Dev: dev, Inode: ino})
		}
	}
	sort.Slice(found, func(i, j int) bool { return found[i].Name < found[j].Name })
	return root, found, errors.Join(dirErrs...)
}
