package topo_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/ostopo/ostopo/fixtures"
	"github.com/ostopo/ostopo/netinspect/neutron"
	"github.com/ostopo/ostopo/netinspect/safetext"
	"github.com/ostopo/ostopo/netinspect/topo"
)

func TestDecodeRejectsBadInput(t *testing.T) {
	good, err := fixtures.Raw("aio")
	if err != nil {
		t.Fatal(err)
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(good)
	zw.Close()
	tests := []struct {
		name    string
		input   []byte
		wantErr string
		schema  bool
	}{
		{"empty", nil, "snapshot is empty", false},
		{"truncated", good[:len(good)/2], "truncated snapshot", false},
		{"corrupt", append([]byte(`{"schema": "ostopo.snapshot/v1", "host": }`), good...), "corrupt snapshot: line 1", false},
		{"unknown schema", []byte(`{"schema": "ostopo.snapshot/v9", "host": "x"}`), `unsupported snapshot schema "ostopo.snapshot/v9"`, true},
		{"no schema", []byte(`{"host": "x"}`), `no "schema" field`, true},
		{"trailing garbage", append(append([]byte{}, good...), []byte(`{"more": 1}`)...), "after top-level value", false},
		{"wrong type", []byte(`{"schema": "ostopo.snapshot/v1", "namespaces": "nope"}`), `field "namespaces"`, false},
		{"truncated gzip", gz.Bytes()[:gz.Len()/2], "gzip", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := topo.Decode(bytes.NewReader(tt.input))
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Decode error = %v, want it to contain %q", err, tt.wantErr)
			}
			if got := errors.Is(err, topo.ErrSchema); got != tt.schema {
				t.Errorf("errors.Is(err, ErrSchema) = %v, want %v", got, tt.schema)
			}
		})
	}
	if _, err := topo.Decode(bytes.NewReader(gz.Bytes())); err != nil {
		t.Errorf("gzip snapshot: %v", err)
	}
}

// Encoding is stable: a decoded fixture re-encodes to the same bytes, so
// snapshots can be diffed and golden-tested.
func TestEncodeRoundTripIsStable(t *testing.T) {
	for _, name := range []string{"aio", "bad", "cmp", "cmp-ovsfw", "net", "net2"} {
		t.Run(name, func(t *testing.T) {
			raw, _ := fixtures.Raw(name)
			s, err := topo.Decode(bytes.NewReader(raw))
			if err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			if err := topo.EncodeIndent(&out, s); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(string(raw), out.String()); diff != "" {
				t.Errorf("re-encoded snapshot differs (-recorded +encoded):\n%s", diff)
			}
		})
	}
}

// Normalize orders lists regardless of the order collection produced them in.
func TestNormalizeSortsEverything(t *testing.T) {
	s, _ := fixtures.Load("aio")
	want, _ := fixtures.Load("aio")
	reverse := func(n int, swap func(i, j int)) {
		for i := 0; i < n/2; i++ {
			swap(i, n-1-i)
		}
	}
	reverse(len(s.Namespaces), func(i, j int) { s.Namespaces[i], s.Namespaces[j] = s.Namespaces[j], s.Namespaces[i] })
	reverse(len(s.Sources), func(i, j int) { s.Sources[i], s.Sources[j] = s.Sources[j], s.Sources[i] })
	for i := range s.OVS.Bridges {
		f := s.OVS.Bridges[i].Flows
		reverse(len(f), func(i, j int) { f[i], f[j] = f[j], f[i] })
	}
	reverse(len(s.Neutron.Ports), func(i, j int) { s.Neutron.Ports[i], s.Neutron.Ports[j] = s.Neutron.Ports[j], s.Neutron.Ports[i] })
	s.Normalize()
	if diff := cmp.Diff(want, s); diff != "" {
		t.Errorf("Normalize did not restore the order (-want +got):\n%s", diff)
	}
}

func TestClassifyNamespace(t *testing.T) {
	tests := []struct{ name, kind, id string }{
		{"", topo.NSRoot, ""},
		{"qrouter-7d2f3c1a-b4e5-4f60-8a91-b2c3d4e5f607", topo.NSRouter, "7d2f3c1a-b4e5-4f60-8a91-b2c3d4e5f607"},
		{"qdhcp-5b1c7e2a-8d3f-4a6b-9c0d-1e2f3a4b5c6d", topo.NSDHCP, "5b1c7e2a-8d3f-4a6b-9c0d-1e2f3a4b5c6d"},
		{"snat-c81d0e2f-4a3b-4c5d-9e6f-7a8b9c0d1e2f", topo.NSSNAT, "c81d0e2f-4a3b-4c5d-9e6f-7a8b9c0d1e2f"},
		{"fip-9f3c2a1e-5b7d-4c8e-a1f2-3d4e5f607182", topo.NSFIP, "9f3c2a1e-5b7d-4c8e-a1f2-3d4e5f607182"},
		{"qrouter-not-a-uuid", topo.NSOther, ""},
		{"cni-1234", topo.NSOther, ""},
	}
	for _, tt := range tests {
		kind, id := topo.ClassifyNamespace(tt.name)
		if kind != tt.kind || id != tt.id {
			t.Errorf("ClassifyNamespace(%q) = %q, %q; want %q, %q", tt.name, kind, id, tt.kind, tt.id)
		}
	}
}

func TestCompactAndIndentedAgree(t *testing.T) {
	s, _ := fixtures.Load("net")
	var compact, indented bytes.Buffer
	if err := topo.Encode(&compact, s); err != nil {
		t.Fatal(err)
	}
	topo.EncodeIndent(&indented, s)
	a, err := topo.Decode(&compact)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := topo.Decode(&indented)
	if diff := cmp.Diff(a, b); diff != "" {
		t.Errorf("compact and indented encodings decode differently:\n%s", diff)
	}
	var again bytes.Buffer
	topo.Encode(&again, s)
	if n := bytes.Count(again.Bytes(), []byte("\n")); n != 1 {
		t.Errorf("compact encoding has %d lines, want 1", n)
	}
}

// TestEncodeFieldsAtOnce holds Encode, which encodes the top-level fields
// concurrently, to the bytes encoding/json writes for the whole document
// ('<' and C1 escaped as by safetext.JSON), on every fixture and with the
// omitempty field both empty and set.
func TestEncodeFieldsAtOnce(t *testing.T) {
	for _, name := range fixtures.Names() {
		s, err := fixtures.Load(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, traces := range [][]topo.OFTraceRecord{nil, {{Bridge: "br-int", Flow: "in_port=1,arp", DatapathActions: "drop<&>"}}} {
			s.OFTraces = traces
			var got bytes.Buffer
			if err := topo.Encode(&got, s); err != nil {
				t.Fatal(err)
			}
			var want bytes.Buffer
			enc := json.NewEncoder(&want)
			enc.SetEscapeHTML(false)
			if err := enc.Encode(s); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got.Bytes(), safetext.JSON(want.Bytes())) {
				t.Errorf("%s (%d traces): Encode differs from encoding/json (%d vs %d bytes)", name, len(traces), got.Len(), want.Len())
			}
		}
	}
}

// EncodeDeriving writes, for a snapshot of facts, the bytes Encode writes
// once the Neutron view is derived; the derivation runs alongside the
// encoding of the facts (go test -race checks they only share reads).
func TestEncodeDeriving(t *testing.T) {
	for _, name := range fixtures.Names() {
		want, err := fixtures.Load(name)
		if err != nil {
			t.Fatal(err)
		}
		want.Neutron = neutron.Derive(want)
		var wantJSON bytes.Buffer
		if err := topo.Encode(&wantJSON, want); err != nil {
			t.Fatal(err)
		}
		facts, _ := fixtures.Load(name)
		facts.Neutron = topo.Neutron{}
		var got bytes.Buffer
		if err := topo.EncodeDeriving(&got, facts, neutron.Derive); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Bytes(), wantJSON.Bytes()) {
			t.Errorf("%s: EncodeDeriving differs from Derive then Encode (%d vs %d bytes)", name, got.Len(), wantJSON.Len())
		}
	}
}

// Input from someone else's machine is bounded: an endless stream, a gzip
// bomb and a document of nothing but empty objects end in ErrTooLarge, not
// in the OOM killer.
func TestDecodeBoundsInput(t *testing.T) {
	const limit = 1 << 20
	endless := io.MultiReader(strings.NewReader(`{"schema":"ostopo.snapshot/v1","host":"`), zeros{})
	if _, err := topo.DecodeLimit(endless, limit); !errors.Is(err, topo.ErrTooLarge) || !strings.Contains(err.Error(), "more than 1 MiB") {
		t.Errorf("endless input: %v", err)
	}

	var bomb bytes.Buffer
	zw := gzip.NewWriter(&bomb)
	zw.Write([]byte(`{"schema":"ostopo.snapshot/v1","host":"x"`))
	zw.Write(bytes.Repeat([]byte(" "), 4*limit))
	zw.Write([]byte(`}`))
	zw.Close()
	if bomb.Len() > limit/10 {
		t.Fatalf("bomb is %d bytes compressed", bomb.Len())
	}
	if _, err := topo.DecodeLimit(&bomb, limit); !errors.Is(err, topo.ErrTooLarge) || !strings.Contains(err.Error(), "decompressed more than") {
		t.Errorf("gzip bomb: %v", err)
	}

	empties := `{"schema":"ostopo.snapshot/v1","namespaces":[{}` + strings.Repeat(`,{}`, limit/4) + `]}`
	if _, err := topo.DecodeLimit(strings.NewReader(empties), limit); !errors.Is(err, topo.ErrTooLarge) || !strings.Contains(err.Error(), "objects and arrays") {
		t.Errorf("empty objects: %v", err)
	}

	// A real 1000-instance snapshot passes the default bound with room.
	raw, err := fixtures.Raw("scale")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := topo.Decode(bytes.NewReader(raw)); err != nil {
		t.Errorf("scale snapshot: %v", err)
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

func TestFormatBytes(t *testing.T) {
	for n, want := range map[int64]string{512: "512 B", 1 << 20: "1 MiB", 128 << 20: "128 MiB", 3 << 29: "1.5 GiB"} {
		if got := topo.FormatBytes(n); got != want {
			t.Errorf("FormatBytes(%d) = %q, want %q", n, got, want)
		}
	}
}
