package topo

import (
	"bytes"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/ostopo/ostopo/netinspect/safetext"
)

// The hand-written JSON of the hot types (jsonwrite.go) must be the bytes
// encoding/json writes. Fixtures leave many fields empty, so snapshots are
// also built by reflection with every field set (a field added to a type
// and not written by hand shows up here), and with each field at random
// set, zero, nil or empty (omitempty, null against []), with strings that
// need escaping.
func TestHandWrittenJSONMatchesEncodingJSON(t *testing.T) {
	check := func(t *testing.T, s *Snapshot) {
		t.Helper()
		var got bytes.Buffer
		if err := encodeFieldsAtOnce(&got, s, nil); err != nil {
			t.Fatal(err)
		}
		want := encodingJSON(t, s)
		if !bytes.Equal(got.Bytes(), want.Bytes()) {
			g, w := got.Bytes(), want.Bytes()
			i := 0
			for i < len(g) && i < len(w) && g[i] == w[i] {
				i++
			}
			t.Fatalf("differs from encoding/json at byte %d:\n got …%s\nwant …%s", i, excerpt(g, i), excerpt(w, i))
		}
	}
	t.Run("every field set", func(t *testing.T) {
		var s Snapshot
		fill(reflect.ValueOf(&s).Elem(), rand.New(rand.NewPCG(1, 2)), 0)
		check(t, &s)
	})
	t.Run("random", func(t *testing.T) {
		for seed := range uint64(300) {
			var s Snapshot
			fill(reflect.ValueOf(&s).Elem(), rand.New(rand.NewPCG(seed, 7)), 0.35)
			check(t, &s)
		}
	})
	t.Run("zero", func(t *testing.T) {
		check(t, &Snapshot{})
	})
}

func TestHandWrittenJSONRejectsNaN(t *testing.T) {
	s := Snapshot{OVS: OVS{Bridges: []Bridge{{Name: "br-int", Flows: []Flow{{Duration: 0}}}}}}
	s.OVS.Bridges[0].Flows[0].Duration = zero() / zero()
	if err := encodeFieldsAtOnce(&bytes.Buffer{}, &s, nil); err == nil {
		t.Fatal("a NaN duration was encoded")
	}
}

func zero() float64 { return 0 }

// encodingJSON is what ostopo's encoder is held to: what encoding/json
// writes for v, HTML escaping off, with '<' and C1 characters escaped by
// safetext.JSON.
func encodingJSON(t *testing.T, v any) *bytes.Buffer {
	t.Helper()
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return bytes.NewBuffer(safetext.JSON(out.Bytes()))
}

func excerpt(b []byte, i int) string {
	return string(b[max(0, i-80):min(len(b), i+80)])
}

// Strings that need each of encoding/json's escapes, and plain ones.
var trickyStrings = []string{
	"br-int", "", `q"uote`, `back\slash`, "<a&b>", "ctl\x01\x1f\b\f\n\r\t", "\u2028\u2029", "bad\xffutf8\xe2\x82",
	"naïve é 雪", "fe80::1/64", "<script>x</script>", "c1\u0080\u0085\u009b\u009f\u00a0", "load:0x3e9->NXM_NX_TUN_ID[]",
}

// fill sets every field reachable from v. With pZero > 0 each value is
// left zero (nil, empty) with that probability, slices and maps are as
// often empty as nil, and numbers vary in sign and size.
func fill(v reflect.Value, r *rand.Rand, pZero float64) {
	if pZero > 0 && r.Float64() < pZero {
		if v.Kind() == reflect.Slice && r.IntN(2) == 0 {
			v.Set(reflect.MakeSlice(v.Type(), 0, 0)) // [] rather than null
		} else if v.Kind() == reflect.Map && r.IntN(2) == 0 {
			v.Set(reflect.MakeMap(v.Type()))
		}
		return
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(trickyStrings[r.IntN(len(trickyStrings))])
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int64:
		v.SetInt([]int64{1, -1, 4095, 1 << 40}[r.IntN(4)])
	case reflect.Uint64:
		v.SetUint([]uint64{1, 1 << 63, 12345}[r.IntN(3)])
	case reflect.Float64:
		v.SetFloat([]float64{0.001, 1e-7, 1e21, 123.456, -2.5}[r.IntN(5)])
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fill(v.Elem(), r, pZero)
	case reflect.Slice:
		n := 1 + r.IntN(3)
		v.Set(reflect.MakeSlice(v.Type(), n, n))
		for i := range n {
			fill(v.Index(i), r, pZero)
		}
	case reflect.Map:
		m := reflect.MakeMap(v.Type())
		for range 1 + r.IntN(4) {
			k := reflect.New(v.Type().Key()).Elem()
			fill(k, r, 0)
			e := reflect.New(v.Type().Elem()).Elem()
			fill(e, r, 0)
			m.SetMapIndex(k, e)
		}
		v.Set(m)
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[time.Time]() {
			v.Set(reflect.ValueOf(time.Date(2026, 11, 21, 15, 4, 5, 123456789, time.UTC)))
			return
		}
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				fill(v.Field(i), r, pZero)
			}
		}
	default:
		panic("fill: no case for " + v.Type().String())
	}
}

// recordingWriter keeps what is written and the size of each write; it
// fails once failAfter bytes have been written (0: never).
type recordingWriter struct {
	bytes.Buffer
	writes    []int
	failAfter int
}

func (r *recordingWriter) Write(p []byte) (int, error) {
	if r.failAfter > 0 && r.Len()+len(p) > r.failAfter {
		return 0, errors.New("disk full")
	}
	r.writes = append(r.writes, len(p))
	return r.Buffer.Write(p)
}

// A 1000-instance snapshot is written as it is encoded, in pieces of about
// flushSize, with the bytes encoding/json writes; a failing writer's error
// is returned.
func TestEncodeStreamsLargeSnapshot(t *testing.T) {
	f, err := os.Open("../../fixtures/snapshots/scale.json.gz")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s, err := Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	want := encodingJSON(t, s)
	for _, deriving := range []bool{false, true} {
		var got recordingWriter
		var derive func()
		if deriving {
			derive = func() {} // the view is already there; what matters is the path taken
		}
		if err := encodeFieldsAtOnce(&got, s, derive); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Bytes(), want.Bytes()) {
			t.Fatalf("deriving=%v: differs from encoding/json (%d vs %d bytes)", deriving, got.Len(), want.Len())
		}
		// Values handed to encoding/json whole (agent_files) and a Neutron
		// view encoded ahead come in one piece; the bulk streams.
		sizes := slices.Sorted(slices.Values(got.writes))
		if median := sizes[len(sizes)/2]; len(sizes) < want.Len()/(4*flushSize) || median > 2*flushSize {
			t.Errorf("deriving=%v: %d writes, median %d bytes: not streamed in pieces of about %d", deriving, len(sizes), median, flushSize)
		}
	}
	failing := recordingWriter{failAfter: 200 << 10}
	if err := encodeFieldsAtOnce(&failing, s, nil); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("a failing writer gave %v", err)
	}
}

func TestJSONPlainTable(t *testing.T) {
	if len(jsonPlain) != utf8.RuneSelf {
		t.Fatalf("jsonPlain has %d entries", len(jsonPlain))
	}
	for c := range byte(utf8.RuneSelf) {
		want := c >= 0x20 && c != '"' && c != '\\' && c != '<'
		if got := jsonPlain[c] == 1; got != want || jsonPlain[c] > 1 {
			t.Errorf("jsonPlain[%#02x] = %d, want %v", c, jsonPlain[c], want)
		}
	}
}
