package topo

import (
	"strings"
	"testing"
)

func TestCompareJoined(t *testing.T) {
	words := []string{"", "a", "ab", "b", "fa:16", "fa:16:3e", "10.0.0.1", "10.0.0.10", "\xff"}
	for _, a1 := range words {
		for _, a2 := range words {
			for _, b1 := range words {
				for _, b2 := range words {
					if got, want := compareJoined(a1, a2, b1, b2), strings.Compare(a1+a2, b1+b2); got != want {
						t.Fatalf("compareJoined(%q, %q, %q, %q) = %d, want %d", a1, a2, b1, b2, got, want)
					}
				}
			}
		}
	}
}
