//go:build linux

package collect

import (
	"strings"
	"testing"
)

// A namespace dir the operator named must exist (--netns-dir /nonexistent
// used to read as "no namespaces" without a word); the default dirs may
// be absent on a node where no namespace was ever made.
func TestListNamespacesNamedDirMustExist(t *testing.T) {
	missing := t.TempDir() + "/nonexistent"
	if _, _, err := listNamespaces("", []string{missing}, true); err == nil || !strings.Contains(err.Error(), missing) {
		t.Errorf("named missing dir: err = %v, want one naming %s", err, missing)
	}
	if _, _, err := listNamespaces("", []string{missing}, false); err != nil {
		t.Errorf("default missing dir: %v", err)
	}
}
