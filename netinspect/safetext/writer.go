package safetext

import (
	"bytes"
	"io"
	"unicode/utf8"
)

// Writer passes text to a terminal (or to whatever reads a command's
// standard output and error) with Block's rule: newline and tab pass,
// every other control character, C1 character, format character and
// non-UTF-8 byte is written escaped. It is the net under everything a
// one-shot command prints, so that no byte of a snapshot drives the
// reader's terminal even where a formatter forgot Term.
//
// A character split across two writes (a buffered writer's chunks) is held
// until its end arrives; Close writes what is left of an unfinished one,
// escaped.
type Writer struct {
	w     io.Writer
	carry [utf8.UTFMax]byte
	n     int // bytes held in carry
	buf   []byte
}

// NewWriter returns a Writer over w.
func NewWriter(w io.Writer) *Writer { return &Writer{w: w} }

// Write writes p, escaped; it reports len(p) on success.
func (w *Writer) Write(p []byte) (int, error) {
	in := p
	if w.n > 0 {
		// Finish the character held from the last write.
		joined := make([]byte, 0, w.n+len(p))
		joined = append(joined, w.carry[:w.n]...)
		in = append(joined, p...)
		w.n = 0
	}
	// Hold back an unfinished character at the end.
	if cut := unfinishedTail(in); cut < len(in) {
		w.n = copy(w.carry[:], in[cut:])
		in = in[:cut]
	}
	if firstUnsafe(string(in), true) < 0 {
		if _, err := w.w.Write(in); err != nil {
			return 0, err
		}
		return len(p), nil
	}
	w.buf = append(w.buf[:0], Block(string(in))...)
	if _, err := w.w.Write(w.buf); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Close writes the rest of an unfinished character (escaped: it never
// finished) and leaves the underlying writer open.
func (w *Writer) Close() error {
	if w.n == 0 {
		return nil
	}
	rest := Block(string(w.carry[:w.n]))
	w.n = 0
	_, err := io.WriteString(w.w, rest)
	return err
}

// unfinishedTail is where a UTF-8 character that starts in the last three
// bytes of p but does not end in p begins; len(p) if there is none.
func unfinishedTail(p []byte) int {
	for back := 1; back <= utf8.UTFMax-1 && back <= len(p); back++ {
		c := p[len(p)-back]
		if c < utf8.RuneSelf {
			return len(p) // ASCII: nothing unfinished after it
		}
		if c >= 0xc0 { // a leading byte
			if need := leadLen(c); need > back {
				return len(p) - back
			}
			return len(p)
		}
	}
	return len(p)
}

// leadLen is the length of the UTF-8 sequence a leading byte starts.
func leadLen(c byte) int {
	switch {
	case c >= 0xf0:
		return 4
	case c >= 0xe0:
		return 3
	default:
		return 2
	}
}

// JSON rewrites encoded JSON so that it holds no '<' and no C1 control
// character: each is written as its \u escape, which decodes to the same
// string. Both can occur only inside strings, so the rewrite is exact.
// Without '<' no HTML tag survives a JSON document opened or pasted where
// HTML is rendered; without C1 (U+0080-U+009F, which encoding/json leaves
// raw) `cat snapshot.json` cannot drive a terminal. encoding/json's own
// HTML escaping would also rewrite '>' and '&', which every flow's
// `load:0x3e9->NXM_NX_TUN_ID[]` holds, and make snapshots hard to grep.
// b is returned as it is when there is nothing to rewrite.
func JSON(b []byte) []byte {
	i := firstJSONUnsafe(b)
	if i < 0 {
		return b
	}
	const hex = "0123456789abcdef"
	out := make([]byte, 0, len(b)+32)
	out = append(out, b[:i]...)
	for ; i < len(b); i++ {
		switch c := b[i]; {
		case c == '<':
			out = append(out, `\u003c`...)
		case c == 0xc2 && i+1 < len(b) && b[i+1] >= 0x80 && b[i+1] <= 0x9f:
			out = append(out, '\\', 'u', '0', '0', hex[b[i+1]>>4], hex[b[i+1]&0xf])
			i++
		default:
			out = append(out, c)
		}
	}
	return out
}

// firstJSONUnsafe is the index of the first '<' or C1 character, or -1.
// bytes.IndexByte (vectorised) finds the candidates: a whole snapshot has
// none or few, and a byte loop over it costs ~20 times as much.
func firstJSONUnsafe(b []byte) int {
	first := bytes.IndexByte(b, '<')
	for off := 0; off < len(b); {
		i := bytes.IndexByte(b[off:], 0xc2)
		if i < 0 {
			break
		}
		i += off
		if first >= 0 && i > first {
			break
		}
		if i+1 < len(b) && b[i+1] >= 0x80 && b[i+1] <= 0x9f {
			return i
		}
		off = i + 1
	}
	return first
}
