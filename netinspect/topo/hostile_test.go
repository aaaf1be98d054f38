package topo_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/ostopo/ostopo/fixtures/fixturetest"
	"github.com/ostopo/ostopo/fixtures/hostile"
	"github.com/ostopo/ostopo/netinspect/topo"
)

// A snapshot whose every string holds escape sequences, C1 controls and
// HTML is written, compact and indented, with no raw '<' (no tag survives
// a JSON document opened where HTML is rendered) and no raw C1 character
// (`cat snapshot.json` cannot drive a terminal), keeps '>' raw (flows say
// load:0x3e9->NXM_NX_TUN_ID[] and people grep for it), and decodes to what
// encoding/json's own encoding decodes to.
func TestEncodeHostileSnapshot(t *testing.T) {
	for _, name := range []string{"aio", "bad"} {
		s := hostile.Snapshot(fixturetest.Load(t, name))
		s.Schema = topo.Schema // as Encode sets it, and in Encode's order
		s.Normalize()
		var plain bytes.Buffer
		enc := json.NewEncoder(&plain)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(s); err != nil {
			t.Fatal(err)
		}
		want, err := topo.Decode(&plain)
		if err != nil {
			t.Fatal(err)
		}
		for _, indent := range []bool{false, true} {
			var out bytes.Buffer
			encode := topo.Encode
			if indent {
				encode = topo.EncodeIndent
			}
			if err := encode(&out, s); err != nil {
				t.Fatal(err)
			}
			hostile.CheckText(t, name, out.Bytes())
			if bytes.IndexByte(out.Bytes(), '<') >= 0 {
				t.Errorf("%s (indent %v): a raw '<'", name, indent)
			}
			if !bytes.Contains(out.Bytes(), []byte("->NXM_NX_TUN_ID[]")) {
				t.Errorf("%s (indent %v): '>' of the flows escaped", name, indent)
			}
			got, err := topo.Decode(&out)
			if err != nil {
				t.Fatalf("%s (indent %v): %v", name, indent, err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s (indent %v): decodes otherwise than encoding/json's document:\n%s", name, indent, diff)
			}
		}
	}
}
