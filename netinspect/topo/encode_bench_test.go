package topo_test

import (
	"io"
	"testing"

	"github.com/ostopo/ostopo/fixtures"
	"github.com/ostopo/ostopo/netinspect/topo"
)

// BenchmarkEncodeScale is the warm encode of the 1000-instance snapshot
// (3.5 MB of JSON), the last serial step of `ostopo snapshot`, whose speed
// target is a quarter of a manual sweep: every check the encoder makes per
// string byte shows here.
func BenchmarkEncodeScale(b *testing.B) {
	s, err := fixtures.Load("scale")
	if err != nil {
		b.Fatal(err)
	}
	var n countingWriter
	if err := topo.Encode(&n, s); err != nil { // warm: lists sorted, buffers sized
		b.Fatal(err)
	}
	b.SetBytes(int64(n))
	b.ReportAllocs()
	for b.Loop() {
		if err := topo.Encode(io.Discard, s); err != nil {
			b.Fatal(err)
		}
	}
}

type countingWriter int

func (c *countingWriter) Write(p []byte) (int, error) {
	*c += countingWriter(len(p))
	return len(p), nil
}
