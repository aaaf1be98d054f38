// Package safetext is the one place where a string from a snapshot or a
// node becomes text for a terminal, a Markdown document or a JSON stream.
// Snapshots travel between machines and the node's own names (interface,
// namespace, bridge, host names, external_ids) are set by whoever runs it,
// so every such string is untrusted: printed raw, `\e]0;pwned\a` retitles
// the reader's terminal and `\e[2J` clears it, a newline forges a line of
// output, `<script>` runs in a Markdown viewer that passes HTML through.
//
// Everything here shows such characters visibly instead of dropping them:
// the reader sees that a name holds an escape, and two different names
// never look the same.
package safetext

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Term returns s as one line of terminal text. Control characters (C0,
// newline and tab included, DEL, C1), bytes that are not UTF-8, and the
// Unicode format characters that reorder or hide text (bidirectional
// overrides and isolates, zero-width characters, the byte-order mark) are
// written as Go escapes: \x1b, \n, \x9b, \u202e. Everything else, all
// printable non-ASCII text included, is unchanged. A string with nothing
// to escape is returned as it is, without allocating.
func Term(s string) string { return escape(s, false) }

// Block is Term for text of several lines: newline and tab stay as they
// are; every other control character is escaped. For text whose line
// structure ostopo made itself (a command's whole output); a field inside
// such text goes through Term or Builder first, so a newline in a name
// cannot forge a line.
func Block(s string) string { return escape(s, true) }

// unsafeRune reports whether r is escaped in terminal text.
func unsafeRune(r rune) bool {
	switch {
	case r < 0x20, r == 0x7f, r >= 0x80 && r <= 0x9f:
		return true
	case r == 0x061c, // Arabic letter mark
		r == 0x180e,                // Mongolian vowel separator
		r >= 0x200b && r <= 0x200f, // zero-width space/joiners, LRM, RLM
		r >= 0x2028 && r <= 0x202e, // line/paragraph separators, bidi embeddings and overrides
		r >= 0x2060 && r <= 0x206f, // word joiner, invisible operators, bidi isolates, deprecated format
		r == 0xfeff,                // byte-order mark / zero-width no-break space
		r >= 0xfff9 && r <= 0xfffb: // interlinear annotation
		return true
	}
	return false
}

func escape(s string, keepLines bool) string {
	i := firstUnsafe(s, keepLines)
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	b.WriteString(s[:i])
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case keepLines && (r == '\n' || r == '\t'):
			b.WriteRune(r)
		case !unsafeRune(r):
			b.WriteString(s[i : i+size])
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\r':
			b.WriteString(`\r`)
		case r < 0x100:
			fmt.Fprintf(&b, `\x%02x`, r)
		default:
			fmt.Fprintf(&b, `\u%04x`, r)
		}
		i += size
	}
	return b.String()
}

// firstUnsafe is the index of the first byte to escape, or -1. ASCII is
// checked byte by byte (the common case: names, addresses, flows).
func firstUnsafe(s string, keepLines bool) int {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 || c == 0x7f {
				if !keepLines || c != '\n' && c != '\t' {
					return i
				}
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || unsafeRune(r) {
			return i
		}
		i += size
	}
	return -1
}

// Builder assembles terminal text line by line. Each line is formatted,
// then escaped as a whole with Term, so whatever the arguments hold (an
// escape sequence, a newline) stays inside its line. A format therefore
// never holds a newline: write one line per call.
type Builder struct{ b strings.Builder }

// Linef formats one line and ends it.
func (b *Builder) Linef(format string, a ...any) {
	b.b.WriteString(Term(fmt.Sprintf(format, a...)))
	b.b.WriteByte('\n')
}

// Line writes one line and ends it.
func (b *Builder) Line(s string) {
	b.b.WriteString(Term(s))
	b.b.WriteByte('\n')
}

// Blank writes an empty line.
func (b *Builder) Blank() { b.b.WriteByte('\n') }

// String returns the text so far.
func (b *Builder) String() string { return b.b.String() }

// Markdown returns s as inline Markdown text that renders as exactly these
// characters: in a table cell, a heading or a paragraph. Terminal controls
// are escaped as by Term (a newline cannot leave a cell or a heading);
// HTML's < > & become entities (no tag or entity of the input survives);
// the characters that make emphasis, code, links, cells, headings and
// strikethrough are backslash-escaped.
func Markdown(s string) string {
	s = Term(s)
	var b strings.Builder
	b.Grow(len(s) + 8)
	for _, r := range s {
		switch r {
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '&':
			b.WriteString("&amp;")
		case '\\', '`', '*', '_', '[', ']', '|', '#', '~':
			// What starts emphasis, code, a link or image, a cell, a
			// heading's closing sequence, strikethrough. A cell or a
			// heading's text never starts a line, so list and setext
			// markers (- + =) stay readable, as in MACs and addresses.
			b.WriteByte('\\')
			b.WriteRune(r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
