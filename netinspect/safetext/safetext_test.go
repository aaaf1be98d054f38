package safetext

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

// hostile holds what a snapshot from someone else's machine may carry:
// an OSC title change ended by BEL, a screen clear, a C1 CSI (raw and as
// UTF-8), a bidi override, a newline, a carriage return, a tab, DEL, a
// byte that is not UTF-8, HTML and Markdown.
const hostile = "br\x1b]0;pwned\a\x1b[2J\u009b31m\x9b\u202egnp.exe\n\rx\ty\x7f\xff<script>|`*_[a](b)"

func TestTermEscapesEveryControl(t *testing.T) {
	got := Term(hostile)
	for _, c := range got {
		if c < 0x20 || c == 0x7f || c >= 0x80 && c <= 0x9f || c == 0x202e || c == utf8.RuneError {
			t.Fatalf("Term left %U in %q", c, got)
		}
	}
	want := `br\x1b]0;pwned\x07\x1b[2J\x9b31m\x9b\u202egnp.exe\n\rx\ty\x7f\xff<script>|` + "`*_[a](b)"
	if got != want {
		t.Errorf("Term(hostile)\n got %s\nwant %s", got, want)
	}
}

func TestTermKeepsPrintableText(t *testing.T) {
	for _, s := range []string{"", "br-int", "qrouter-0a1b2c3d", "tap–qbr–qvb⇄qvo ✓ ✗ • → é 漢字", "fa:16:3e:00:00:01"} {
		if got := Term(s); got != s {
			t.Errorf("Term(%q) = %q", s, got)
		}
	}
}

func TestBlockKeepsLinesOnly(t *testing.T) {
	got := Block("a\tb\nc\x1b[2Jd\re")
	if want := "a\tb\nc\\x1b[2Jd\\re"; got != want {
		t.Errorf("Block = %q, want %q", got, want)
	}
}

func TestBuilderKeepsFieldsOnTheirLine(t *testing.T) {
	var b Builder
	b.Linef("host %s: %d errors", "evil\nOK: no problems found", 2)
	b.Line("x\x1b")
	b.Blank()
	if got, want := b.String(), "host evil\\nOK: no problems found: 2 errors\nx\\x1b\n\n"; got != want {
		t.Errorf("Builder = %q, want %q", got, want)
	}
}

func TestWriterEscapesAndJoinsSplitCharacters(t *testing.T) {
	var out bytes.Buffer
	w := NewWriter(&out)
	in := []byte("→ ok\n" + hostile + "\n⇄")
	// Byte by byte: every multi-byte character is split across writes.
	for i := range in {
		if n, err := w.Write(in[i : i+1]); n != 1 || err != nil {
			t.Fatalf("Write = %d, %v", n, err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if want := "→ ok\n" + Block(hostile) + "\n⇄"; out.String() != want {
		t.Errorf("Writer\n got %q\nwant %q", out.String(), want)
	}
	out.Reset()
	w = NewWriter(&out)
	w.Write([]byte("a\xe2\x86")) // an arrow cut short
	w.Close()
	if want := `a\xe2\x86`; out.String() != want {
		t.Errorf("unfinished character: got %q, want %q", out.String(), want)
	}
}

func TestMarkdownRendersLiterally(t *testing.T) {
	got := Markdown("h\n# <img src=x onerror=alert(1)> | `c` *e* [l](javascript:x) &amp; fa:16:3e 10.0.0.1/24 a-b")
	for _, bad := range []string{"\n", "<", ">", "|", "`c`", "*e*", "[l]", "&amp;"} {
		if strings.Contains(strings.ReplaceAll(strings.ReplaceAll(strings.ReplaceAll(got, `\|`, ""), "\\`", ""), `\*`, ""), bad) && bad != "&amp;" {
			t.Errorf("Markdown left %q in %q", bad, got)
		}
	}
	if !strings.Contains(got, "&amp;amp;") || !strings.Contains(got, "fa:16:3e 10.0.0.1/24 a-b") || !strings.Contains(got, `h\\n`) {
		t.Errorf("Markdown = %q", got)
	}
}

func TestJSONHasNoTagsAndDecodesTheSame(t *testing.T) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.Encode(map[string]string{"k": hostile + " load:0x3e9->NXM_NX_TUN_ID[]"})
	in := buf.Bytes()
	out := JSON(in)
	if bytes.ContainsAny(out, "<\x1b\a") || bytes.Contains(out, []byte("\u009b")) {
		t.Fatalf("JSON left a tag or a control: %q", out)
	}
	if !bytes.Contains(out, []byte("->NXM")) {
		t.Errorf("JSON rewrote '>': %s", out)
	}
	var a, b map[string]string
	if err := json.Unmarshal(in, &a); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(out, &b); err != nil {
		t.Fatal(err)
	}
	if a["k"] != b["k"] {
		t.Errorf("decodes differently: %q vs %q", a["k"], b["k"])
	}
	plain := []byte(`{"a":"b"}`)
	if got := JSON(plain); &got[0] != &plain[0] {
		t.Error("JSON copied a document with nothing to rewrite")
	}
}
