package ovs

import (
	"bytes"
	"encoding/json"
	"io"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
)

// FuzzJSONValue holds parseJSON to encoding/json.Unmarshal into an any:
// the same value for every input both accept, an error for every input
// encoding/json refuses.
func FuzzJSONValue(f *testing.F) {
	for _, s := range []string{
		`{"id":1,"result":[{"rows":[{"_uuid":["uuid","5c1f"],"tag":1,"other_config":["map",[["a","b"]]]}]}],"error":null}`,
		`"a\"b\\c\/\b\f\n\r\t\u00e9\ud83d\ude00\ud800x\udc00"`,
		"\"\xff\xfe ok \xc3\"", `[1.5e3,-0,0.25,true,false,null,{}]`, `{"a":1,"a":2}`, `-`, `01`, `1.`, `1e`,
		`"\u12"`, `{"a" 1}`, `[1,]`, `tru`, "\"\x01\"", `1e400`,
	} {
		f.Add([]byte(s))
	}
	if names, _ := filepath.Glob(filepath.Join("testdata", "*.json")); len(names) > 0 {
		if b, err := os.ReadFile(names[0]); err == nil && len(b) < 64<<10 {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := parseJSON(b)
		var want any
		werr := json.Unmarshal(b, &want)
		if (err == nil) != (werr == nil) {
			t.Fatalf("%q: parseJSON error %v, encoding/json error %v", b, err, werr)
		}
		if err == nil && !reflect.DeepEqual(got, want) && !sameNaN(got, want) {
			t.Fatalf("%q: parseJSON %#v, encoding/json %#v", b, got, want)
		}
	})
}

func sameNaN(a, b any) bool {
	x, ok1 := a.(float64)
	y, ok2 := b.(float64)
	return ok1 && ok2 && math.IsNaN(x) && math.IsNaN(y)
}

// The framer cuts concatenated messages whatever the reads' sizes, with
// braces inside strings, and bounds what it reads.
func TestJSONFramer(t *testing.T) {
	msgs := []string{`{"id":0,"result":[{"rows":[]}]}`, `{"s":"} { \" ]"}`, ` {"a":[{"b":{}}]}`}
	stream := strings.Join(msgs, "\n")
	f := &jsonFramer{r: iotest.OneByteReader(strings.NewReader(stream)), limit: 1 << 20}
	for i, want := range msgs {
		b, err := f.next()
		if err != nil || string(b) != strings.TrimSpace(want) {
			t.Fatalf("message %d: %q, %v", i, b, err)
		}
	}
	if _, err := f.next(); err != io.EOF {
		t.Errorf("after the last message: %v, want EOF", err)
	}
	f = &jsonFramer{r: strings.NewReader(`{"cut":`), limit: 1 << 20}
	if _, err := f.next(); err != io.ErrUnexpectedEOF {
		t.Errorf("a cut message: %v", err)
	}
	f = &jsonFramer{r: bytes.NewReader(bytes.Repeat([]byte(`{"a":1}`), 1000)), limit: 100}
	for range 14 {
		if _, err := f.next(); err != nil {
			t.Fatalf("within the limit: %v", err)
		}
	}
	if _, err := f.next(); err == nil || !strings.Contains(err.Error(), "MiB") {
		t.Errorf("over the limit: %v", err)
	}
	f = &jsonFramer{r: strings.NewReader(strings.Repeat("[", 2000)), limit: 1 << 20}
	if _, err := f.next(); err == nil {
		t.Error("a message that is not an object was framed")
	}
	f = &jsonFramer{r: strings.NewReader("{" + strings.Repeat("[", 2000)), limit: 1 << 20}
	if _, err := f.next(); err == nil || !strings.Contains(err.Error(), "deep") {
		t.Errorf("deep nesting: %v", err)
	}
	if _, err := parseJSON([]byte(strings.Repeat("[", 2000) + strings.Repeat("]", 2000))); err == nil {
		t.Error("parseJSON took 2000 levels")
	}
}
