package topo_test

// Fuzz targets for everything in topo that reads text from another machine:
// the snapshot codec (a --replay file is anyone's) and iptables-save
// output. The flow match/action readers (Flow.ActionList and the rest)
// are fuzzed on every flow FuzzParseDumpFlows (ovs) reads.
// `.ci/fuzz` runs each for a bounded time; crashers go to
// testdata/fuzz/<target>/ and are replayed by plain `go test`.

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"io"
	"runtime"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/ostopo/ostopo/fixtures"
	"github.com/ostopo/ostopo/netinspect/safetext"
	"github.com/ostopo/ostopo/netinspect/topo"
)

// fuzzDecodeLimit is DecodeLimit's bound in FuzzDecode: far below the
// default, so that an input that decompresses to the limit costs the
// fuzzer milliseconds, not a second; above every plain fixture (140 KB).
const fuzzDecodeLimit = 1 << 20

// decodeAllocsPerByte bounds what Decode may allocate per byte of JSON it
// reads (after decompression). Decode promises memory in proportion to
// its input (at most one object or array per 64 bytes, each a struct of a
// few hundred bytes); the recorded fixtures take 4-6 bytes per byte.
const decodeAllocsPerByte = 48

// decodeAllocsSlack covers Decode's fixed costs: gzip's window and
// tables, the first buffers of io.ReadAll, encoding/json's state, and the
// 1024 objects or arrays any document may hold whatever its size (a
// struct of up to a few hundred bytes each, in slices that double).
const decodeAllocsSlack = 2 << 20

// equateEmpty treats a nil and an empty list or map as the same: the
// snapshot format omits some empty fields (omitempty), so `"negated": []`
// comes back as an absent field.
var equateEmpty = cmpopts.EquateEmpty()

func addFixtures(f *testing.F) {
	for _, name := range fixtures.Names() {
		raw, err := fixtures.Raw(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw)
	}
}

func gzipped(b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

// FuzzDecode feeds Decode arbitrary bytes, plain or gzip. Whatever it
// accepts must survive the trip back: Encode, then Decode, gives the same
// snapshot; encoding that again gives the same bytes, and the same bytes
// as encoding/json with safetext.JSON's escapes (which Encode's
// hand-written writer claims to match).
// And Decode's memory stays in proportion to the JSON it read.
func FuzzDecode(f *testing.F) {
	addFixtures(f)
	aio, err := fixtures.Raw("aio")
	if err != nil {
		f.Fatal(err)
	}
	minimal := `{"schema":"ostopo.snapshot/v1"}`
	for _, s := range []string{
		"",
		minimal,
		"null",
		"[]",
		`"ostopo.snapshot/v1"`,
		`{"schema":"ostopo.snapshot/v1"} {"schema":"ostopo.snapshot/v1"}`,
		`{"SCHEMA":"ostopo.snapshot/v1","Host":"x"}`,
		"\xef\xbb\xbf" + minimal, // a byte order mark
		// Terminal escapes, NUL, a lone surrogate, U+2028 and bytes that
		// are not UTF-8, in every kind of string the snapshot has.
		`{"schema":"ostopo.snapshot/v1","host":"\u001b]0;pwned\u0007\u001b[2J\u0000\ud800\u2028` + "\xff\xfe" + `",` +
			`"namespaces":[{"name":"qrouter-\u0000","links":[{"name":"\u001b[31m","mac":"` + "\x80" + `"}],` +
			`"nat":{"backend":"x","chains":["\u0000"],"rules":[{"chain":"c","spec":"\\\"","negated":[]}]}}],` +
			`"agent_files":{"dhcp":[{"network_id":"<script>","hosts":[{"mac":"&amp;","ip":""}]}],"ha_router_states":{"\u0000":"\n"}}}`,
		// Numbers at and past the edges of their Go types.
		`{"schema":"ostopo.snapshot/v1","namespaces":[{"name":"a","inode":18446744073709551615,"links":[{"index":-9223372036854775808,"mtu":9223372036854775807}]}]}`,
		`{"schema":"ostopo.snapshot/v1","namespaces":[{"inode":18446744073709551616}]}`,
		`{"schema":"ostopo.snapshot/v1","namespaces":[{"inode":-1}]}`,
		`{"schema":"ostopo.snapshot/v1","ovs":{"bridges":[{"name":"br-int","flows":[{"table":0,"duration_s":1.7976931348623157e308,"n_packets":18446744073709551615}]}]}}`,
		`{"schema":"ostopo.snapshot/v1","ovs":{"bridges":[{"flows":[{"duration_s":1e999}]}]}}`,
		`{"schema":"ostopo.snapshot/v1","ovs":{"bridges":[{"flows":[{"duration_s":5e-324},{"duration_s":-0},{"duration_s":1e21},{"duration_s":1e-7}]}]}}`,
		`{"schema":"ostopo.snapshot/v1","taken_at":"9999-12-31T23:59:59.999999999+23:59"}`,
		`{"schema":"ostopo.snapshot/v1","taken_at":"0000-01-01T00:00:00Z"}`,
		`{"schema":"ostopo.snapshot/v1","taken_at":"2026-01-01T00:00:00.000000001-00:01"}`,
		// Nesting: deep arrays, a document of nothing but containers.
		strings.Repeat("[", 20000) + strings.Repeat("]", 20000),
		`{"schema":"ostopo.snapshot/v1","namespaces":[` + strings.Repeat(`{},`, 2000) + `{}]}`,
		`{"schema":"ostopo.snapshot/v1","host":"` + strings.Repeat(`\\`, 1000) + `"}`,
		// Neutron view and trace records, which are decoded as they are.
		`{"schema":"ostopo.snapshot/v1","neutron":{"networks":[{"id":"n","ports":["b","a","a"]}],"routers":[{"id":"r","floating_ips":[{"floating_ip":"2"},{"floating_ip":"1"}]}]},"ofproto_traces":[{"bridge":"br-int","flow":"in_port=1","datapath_actions":"drop"}]}`,
	} {
		f.Add([]byte(s))
	}
	f.Add(gzipped([]byte(minimal)))
	f.Add(gzipped([]byte(minimal))[:20]) // truncated
	f.Add(append(gzipped([]byte(minimal)), gzipped([]byte(minimal))...))
	f.Add(append(gzipped([]byte(minimal)), "garbage"...))
	gz := gzipped(aio)
	f.Add(gz[:len(gz)/2])
	f.Add(gzipped(append([]byte(`{"schema":"ostopo.snapshot/v1","host":"`), make([]byte, 2*fuzzDecodeLimit)...))) // a small bomb
	f.Add([]byte{0x1f, 0x8b})

	f.Fuzz(func(t *testing.T, data []byte) {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		s, err := topo.DecodeLimit(bytes.NewReader(data), fuzzDecodeLimit)
		runtime.ReadMemStats(&after)

		jsonLen := len(data)
		if bytes.HasPrefix(data, []byte{0x1f, 0x8b}) {
			jsonLen = gunzippedLen(data, fuzzDecodeLimit)
		}
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > uint64(decodeAllocsPerByte*jsonLen+decodeAllocsSlack) {
			t.Errorf("Decode of %d bytes (%d of JSON) allocated %d bytes (err %v)", len(data), jsonLen, alloc, err)
		}
		if err != nil {
			if s != nil {
				t.Errorf("Decode returned a snapshot and an error: %v", err)
			}
			return
		}
		if s == nil {
			t.Fatal("Decode returned neither a snapshot nor an error")
		}
		if s.Schema != topo.Schema {
			t.Errorf("Decode accepted schema %q", s.Schema)
		}

		var enc bytes.Buffer
		if err := topo.Encode(&enc, s); err != nil { // normalizes s
			t.Fatalf("Encode of a decoded snapshot: %v", err)
		}
		s2, err := topo.Decode(bytes.NewReader(enc.Bytes()))
		if err != nil {
			t.Fatalf("Decode of an encoded snapshot: %v\n%s", err, excerptOf(enc.Bytes()))
		}
		if diff := cmp.Diff(s, s2, equateEmpty); diff != "" {
			t.Fatalf("Decode(Encode(s)) differs from s (-s +again):\n%s", diff)
		}
		var enc2 bytes.Buffer
		if err := topo.Encode(&enc2, s2); err != nil {
			t.Fatalf("Encode again: %v", err)
		}
		if !bytes.Equal(enc.Bytes(), enc2.Bytes()) {
			t.Fatalf("encoding is not stable:\n%s\n%s", excerptOf(enc.Bytes()), excerptOf(enc2.Bytes()))
		}
		var buf bytes.Buffer
		je := json.NewEncoder(&buf)
		je.SetEscapeHTML(false)
		if err := je.Encode(s); err != nil {
			t.Fatalf("encoding/json: %v", err)
		}
		if std := safetext.JSON(buf.Bytes()); !bytes.Equal(enc.Bytes(), std) {
			i := 0
			for i < min(enc.Len(), len(std)) && enc.Bytes()[i] == std[i] {
				i++
			}
			t.Fatalf("Encode and encoding/json (+safetext.JSON) differ at byte %d:\nEncode:        %q\nencoding/json: %q",
				i, window(enc.Bytes(), i), window(std, i))
		}
	})
}

// gunzippedLen is how much Decode holds for gzip data: the compressed
// bytes, and the JSON that comes out of them up to limit+1 bytes or until
// the stream breaks.
func gunzippedLen(data []byte, limit int64) int {
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return len(data)
	}
	n, _ := io.Copy(io.Discard, io.LimitReader(zr, limit+1))
	return int(n) + len(data)
}

func window(b []byte, i int) []byte { return b[max(0, i-40):min(len(b), i+40)] }

func excerptOf(b []byte) string {
	if len(b) > 2000 {
		return string(b[:2000]) + "…"
	}
	return string(b)
}

// FuzzParseIPTablesSave feeds the iptables-save reader arbitrary text.
// What it accepts it must be able to read again as it printed it: the
// chains and the rules' text (Text), written back as a nat table, parse
// to the same chains and rules. Every rule is a line of the input, and
// the result is never larger than the input.
func FuzzParseIPTablesSave(f *testing.F) {
	f.Add(refNATSave)
	f.Add("")
	f.Add("hello world\n")
	f.Add("*nat\n:PREROUTING ACCEPT\nthis is not a rule\nCOMMIT\n")
	f.Add("# Generated by iptables-nft-save v1.8.9 (nf_tables)\n*nat\nCOMMIT\n")
	f.Add("# iptables-save legacy\r\n*nat\r\n:A - [0:0]\r\n-A A -j\r\n-A\r\n-A \r\n-A  x\r\nCOMMIT\r\n")
	f.Add("*nat\n-A X ! ! -s -d\n-A X -m comment --comment \"unterminated -j DNAT\n-A X \"\" -j \"a b\" --to-destination\n")
	f.Add("*nat\n-A \x1b[2J \x00 -s \xff\xfe -j \u2028\n:\x00\n*filter\n-A INPUT bad\n*nat\n-A Y -o x\n")
	f.Add("*nat\n" + strings.Repeat("-A X ! -o qg-1 ", 200) + "\n")
	// The recorded routers' tables (scale's hundreds add nothing more).
	for _, name := range []string{"aio", "bad", "cmp", "cmp-ovsfw", "net", "net2"} {
		s, err := fixtures.Load(name)
		if err != nil {
			f.Fatal(err)
		}
		for _, ns := range s.Namespaces {
			if ns.NAT != nil {
				f.Add(renderNAT(ns.NAT))
			}
		}
	}

	f.Fuzz(func(t *testing.T, text string) {
		nat, err := topo.ParseIPTablesSave(text)
		if err != nil {
			if nat != nil {
				t.Errorf("a table and an error: %v", err)
			}
			return
		}
		if nat == nil {
			t.Fatal("neither a table nor an error")
		}
		if nat.Chains == nil || nat.Rules == nil {
			t.Errorf("nil lists in %+v (the snapshot says [] for none)", nat)
		}
		lines := map[string]bool{}
		for l := range strings.SplitSeq(text, "\n") {
			lines[strings.TrimSpace(l)] = true
		}
		size := 0
		for _, r := range nat.Rules {
			if got := strings.TrimSpace(r.Text()); !lines[got] {
				t.Errorf("rule %q is no line of the input", got)
			}
			size += len(r.Chain) + len(r.Spec) + len(r.Target) + len(r.Src) + len(r.Dst) + len(r.In) + len(r.Out) + len(r.ToDestination) + len(r.ToSource)
			if len(r.Negated) > strings.Count(r.Spec, "!") {
				t.Errorf("rule %q negates %d matches", r.Text(), len(r.Negated))
			}
		}
		// The fields are words of the rule; a byte that is not UTF-8 may
		// come back as U+FFFD (3 bytes).
		if size > 3*2*len(text) {
			t.Errorf("%d bytes of rules from %d bytes of text", size, len(text))
		}

		again, err := topo.ParseIPTablesSave(renderNAT(nat))
		if err != nil {
			t.Fatalf("the table as written back does not parse: %v\n%s", err, renderNAT(nat))
		}
		if diff := cmp.Diff(nat.Chains, again.Chains, equateEmpty); diff != "" {
			t.Errorf("chains written back and read again (-first +again):\n%s", diff)
		}
		if diff := cmp.Diff(nat.Rules, again.Rules, equateEmpty); diff != "" {
			t.Errorf("rules written back and read again (-first +again):\n%s", diff)
		}
	})
}

// renderNAT writes a table back as iptables-save prints it.
func renderNAT(t *topo.NATTable) string {
	var b strings.Builder
	b.WriteString("# Generated by iptables-save v1.8.9 (" + t.Backend + ")\n*nat\n")
	for _, c := range t.Chains {
		b.WriteString(":" + c + " - [0:0]\n")
	}
	for _, r := range t.Rules {
		b.WriteString(r.Text() + "\n")
	}
	b.WriteString("COMMIT\n")
	return b.String()
}

// refNATSave is a legacy router with one floating IP
// (neutron-ovs-reference.md §4.3), and a filter table to skip.
const refNATSave = `# Generated by iptables-save v1.8.7 on Thu Aug 20 10:14:03 2026
*nat
:PREROUTING ACCEPT [0:0]
:neutron-l3-agent-PREROUTING - [0:0]
:neutron-l3-agent-float-snat - [0:0]
:neutron-postrouting-bottom - [0:0]
-A PREROUTING -j neutron-l3-agent-PREROUTING
-A neutron-l3-agent-OUTPUT -d 203.0.113.112/32 -j DNAT --to-destination 10.10.0.12
-A neutron-l3-agent-POSTROUTING ! -o qg-8e2a77d4-c1 -m conntrack ! --ctstate DNAT -j ACCEPT
-A neutron-l3-agent-PREROUTING -d 169.254.169.254/32 -i qr-+ -p tcp -m tcp --dport 80 -j REDIRECT --to-ports 9697
-A neutron-l3-agent-float-snat -s 10.10.0.12/32 -j SNAT --to-source 203.0.113.112 --random-fully
-A neutron-postrouting-bottom -m comment --comment "Perform source NAT on outgoing traffic." -j neutron-l3-agent-snat
COMMIT
# Completed on Thu Aug 20 10:14:03 2026
*filter
:INPUT ACCEPT [0:0]
-A INPUT -p tcp -m tcp --dport 9697 -j DROP
COMMIT
`

// Decode's errors stay errors (not panics) whatever reader it is given.
func TestDecodeReaderErrors(t *testing.T) {
	boom := errors.New("disk on fire")
	if _, err := topo.Decode(io.MultiReader(strings.NewReader(`{"schema":`), errReader{boom})); !errors.Is(err, boom) {
		t.Errorf("Decode of a failing reader: %v, want it to wrap %v", err, boom)
	}
}

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }
