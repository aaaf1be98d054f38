package ofdump

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzDecode feeds flow stats entries (a reply segment's body after its
// 16-byte header) to the decoder and the writers: whatever the bytes, an
// error or flows, never a panic. The seeds are the recorded real replies'
// segments.
func FuzzDecode(f *testing.F) {
	names, _ := filepath.Glob(filepath.Join("testdata", "*.nxst"))
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			f.Fatal(err)
		}
		for len(b) >= 8+16 {
			l := int(b[2])<<8 | int(b[3])
			if l < 8+16 || l > len(b) {
				break
			}
			f.Add(b[8+16 : l])
			b = b[l:]
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		_ = eachStat(b, func(st stat) error {
			if fl, err := flowOf(st); err == nil && fl.Actions == "" {
				t.Errorf("flow with no action text: %+v", fl)
			}
			return nil
		})
	})
}
