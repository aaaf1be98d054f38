package run

import (
	"bytes"
	"context"
	"errors"
	"os/exec"
	"strings"
	"testing"
)

// Exec returns what the program wrote, whole, however large; on failure
// what it wrote so far and an Error with its stderr.
func TestExecReturnsOutputAndErrors(t *testing.T) {
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh")
	}
	r := Exec("OSTOPO_TEST=ok")
	ctx := context.Background()

	out, err := r(ctx, "sh", "-c", `printf '%s' "$OSTOPO_TEST"`)
	if err != nil || string(out) != "ok" {
		t.Errorf("small output: %q, %v", out, err)
	}
	out, err = r(ctx, "sh", "-c", "true")
	if err != nil || len(out) != 0 {
		t.Errorf("no output: %q, %v", out, err)
	}
	// 2 MiB and 7 bytes: more than a pipe holds, not a page multiple.
	out, err = r(ctx, "sh", "-c", `head -c 2097159 /dev/zero | tr '\0' x`)
	if err != nil || len(out) != 2<<20+7 || bytes.Count(out, []byte("x")) != len(out) {
		t.Errorf("large output: %d bytes, %v", len(out), err)
	}
	out, err = r(ctx, "sh", "-c", "echo partial; echo 'it broke' >&2; exit 3")
	var runErr *Error
	if !errors.As(err, &runErr) || !strings.Contains(err.Error(), "it broke") || string(out) != "partial\n" {
		t.Errorf("failure: output %q, error %v", out, err)
	}
}
