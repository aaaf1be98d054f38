package iptext

import (
	"path/filepath"
	"testing"
)

// The key test, on every platform: the outputs recorded from real
// namespaces (testdata/live, written by the live tests with -record)
// read as what the live collector read from the same namespaces at the
// same time (collected.json).
func TestRecordedOutputsEqualCollector(t *testing.T) {
	dirs, err := filepath.Glob(filepath.Join("testdata", "live", "*"))
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no recorded scenarios: %v", err)
	}
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			texts, collected := readRecorded(t, dir)
			checkAgainstCollector(t, texts, collected)
		})
	}
}
