package describe

import (
	"testing"

	"github.com/ostopo/ostopo/netinspect/trace"
	"github.com/ostopo/ostopo/ui/render"
)

// A trace that runs into an HA router standing by on this node is neither
// good nor broken here: the path is the primary node's to carry.
func TestStandbyTraceIsDim(t *testing.T) {
	at := 1
	r := &trace.Result{Standby: true, StandbyAt: &at, Hops: []trace.Hop{{OK: true}, {Standby: "standby here"}}}
	if got := TraceClass(r); got != render.Dim {
		t.Errorf("TraceClass(standby) = %v, want Dim", got)
	}
}
