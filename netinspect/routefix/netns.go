package routefix

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/ostopo/ostopo/netinspect/safetext"
	"github.com/ostopo/ostopo/netinspect/topo"
)

// NetnsProblem says what is wrong with the namespace a fix was asked to
// change.
type NetnsProblem string

// Namespace problems.
const (
	NetnsBadName    NetnsProblem = "bad-name"                // not a single name under a netns dir
	NetnsMissing    NetnsProblem = "missing"                 // no such file
	NetnsUnreadable NetnsProblem = "unreadable"              // it exists, but cannot be opened
	NetnsNotNetwork NetnsProblem = "not-a-network-namespace" // a plain file left behind, or another kind of namespace
	// NetnsElsewhere: the plan (or the replayed snapshot) is of another
	// namespace than the one named.
	NetnsElsewhere NetnsProblem = "elsewhere"
)

// NetnsError refuses a namespace: nothing was planned or changed.
type NetnsError struct {
	Name    string // as given (--netns), or the path's last element
	Path    string // the path looked at, if one
	Problem NetnsProblem
	Reason  string // one line
	Err     error  // the underlying error, if any
}

// Error is the reason, safe to print on a terminal.
func (e *NetnsError) Error() string { return safetext.Term(e.Reason) }

// Is makes every NetnsError an ErrBadInput.
func (e *NetnsError) Is(target error) bool { return target == ErrBadInput }

// Unwrap is the underlying error (os.ErrNotExist for a missing namespace).
func (e *NetnsError) Unwrap() error { return e.Err }

// DefaultNetnsDirs are where `ip netns` keeps named namespaces.
func DefaultNetnsDirs() []string { return []string{"/run/netns", "/var/run/netns"} }

// SnapshotNetns checks, without touching the node, that a replayed
// snapshot is of the namespace named by --netns: the snapshot records the
// path its node namespace was read from. A snapshot read in the namespace
// ostopo ran in (`ip netns exec NAME ostopo snapshot`) does not say which
// one that was, and is taken at its word.
func SnapshotNetns(s *topo.Snapshot, name string) error {
	root := s.Root()
	if name == "" || root == nil || root.Path == "" || strings.HasPrefix(root.Path, "/proc/") {
		return nil
	}
	if filepath.Base(root.Path) == name {
		return nil
	}
	return &NetnsError{Name: name, Path: root.Path, Problem: NetnsElsewhere,
		Reason: fmt.Sprintf("namespace %q is not the one the snapshot was read from (%s)", name, root.Path)}
}

// validNetnsName reports whether name can only mean a file directly under
// a netns dir: no path separator, not . or .., no NUL.
func validNetnsName(name string) bool {
	return name != "" && name != "." && name != ".." && !strings.ContainsAny(name, "/\x00")
}
