package topo

import (
	"cmp"
	"slices"
	"strconv"
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

// SortFlows is a stable sort by table, priority (highest first) and match.
func TestSortFlowsIsStable(t *testing.T) {
	var flows []Flow
	for i := range 500 {
		flows = append(flows, Flow{Table: (i * 7) % 5, Priority: (i * 13) % 4, Match: []string{"arp", "ip", "in_port=1"}[(i*11)%3], Cookie: strconv.Itoa(i)})
	}
	want := slices.Clone(flows)
	slices.SortStableFunc(want, func(a, b Flow) int {
		return cmp.Or(cmp.Compare(a.Table, b.Table), cmp.Compare(b.Priority, a.Priority), strings.Compare(a.Match, b.Match))
	})
	SortFlows(flows)
	if !slices.Equal(flows, want) {
		t.Errorf("SortFlows differs from a stable sort")
	}
}
