package cloud

import (
	"fmt"
	"testing"

	"github.com/ostopo/ostopo/fixtures/fixturetest"
	"github.com/ostopo/ostopo/netinspect/topo"
)

// BenchmarkNewScale merges 20 copies of the 1000-instance node under 20
// host names: the worst case, as every port is then plugged on all 20
// nodes and each is a problem with 20 lines of evidence.
func BenchmarkNewScale(b *testing.B) {
	base := fixturetest.Load(b, "scale")
	var snaps []*topo.Snapshot
	for i := range 20 {
		s := *base
		s.Host = fmt.Sprintf("node%02d", i)
		snaps = append(snaps, &s)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		c, err := New(snaps)
		if err != nil {
			b.Fatal(err)
		}
		_ = Text(c, nil)
	}
}
