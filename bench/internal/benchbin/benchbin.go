// Package benchbin prepares what the benchmarks time: the ostopo binary,
// built fresh, beside a copy of the 1000-instance recording.
package benchbin

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/ostopo/ostopo/fixtures"
)

// Build compiles ./cmd/ostopo (run from the repository root, as .ci/run
// does) into a new temporary dir and writes the scale recording there;
// cleanup removes both.
func Build(prefix string) (bin, scale string, cleanup func(), err error) {
	dir, err := os.MkdirTemp("", prefix)
	if err != nil {
		return "", "", nil, err
	}
	cleanup = func() { os.RemoveAll(dir) }
	bin = filepath.Join(dir, "ostopo")
	if out, err := exec.Command("go", "build", "-o", bin, "./cmd/ostopo").CombinedOutput(); err != nil {
		cleanup()
		return "", "", nil, fmt.Errorf("build ostopo: %v: %s", err, out)
	}
	raw, err := fixtures.Raw("scale")
	if err == nil {
		scale = filepath.Join(dir, "scale.json.gz")
		err = os.WriteFile(scale, raw, 0o644)
	}
	if err != nil {
		cleanup()
		return "", "", nil, fmt.Errorf("scale recording: %w", err)
	}
	return bin, scale, cleanup, nil
}
