package cloud

import (
	"strings"
	"testing"

	"github.com/ostopo/ostopo/netinspect/topo"
)

// Names come from the snapshots: a host name holding terminal escapes or
// a newline is shown escaped, on its own line, in every table and problem.
func TestTextEscapesNames(t *testing.T) {
	evil := "compute1\x1b]0;pwned\a\nFAKE LINE"
	c := lab(t, func(by map[string]*topo.Snapshot) {
		by["compute1"].Host = evil
		by[evil] = by["compute1"]
		// A break naming the node, so that it appears in a problem too.
		dropTunnel(by["netnode"], "10.30.0.21")
	})
	out := Text(c, map[string]string{evil: "clean"})
	if strings.ContainsAny(out, "\x1b\a") || strings.Contains(out, "\nFAKE LINE") {
		t.Errorf("raw control characters or a forged line:\n%s", out)
	}
	if !strings.Contains(out, `compute1\x1b]0;pwned\x07\nFAKE LINE`) {
		t.Errorf("the host name is not shown escaped:\n%s", out)
	}
	if !strings.Contains(out, "tunnel-one-way") {
		t.Errorf("the problem is missing:\n%s", out)
	}
}

func TestTextLab(t *testing.T) {
	out := Text(lab(t, nil), nil)
	for _, want := range []string{
		"  every node: role controller unknown: the snapshot does not say whether neutron-server runs there",
		"  netnode2  ok        .         ok       \\",
		"  fdf88ceb  dvr     dvr       dvr       dvr_snat  -         netnode",
		"  a3cbad31  vxlan  1945     -         -         6        2         -",
		"PROBLEMS ACROSS NODES: none found",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "NOT CHECKED") || strings.Contains(out, "DOCTOR") {
		t.Errorf("nothing unknown, no notes given:\n%s", out)
	}
}
