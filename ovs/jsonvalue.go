package ovs

// OVSDB replies are read with a JSON reader of their own: a framer that
// cuts the stream into top-level values, and a parser that turns one into
// the values encoding/json gives an interface{} (map[string]any, []any,
// string, float64, bool, nil), which is what go-openvswitch's Row holds.
// On a 1000-instance node the reply is about 1 MB, and encoding/json spent
// 17 ms of CPU on it (a scan to frame it, then a reflective decode); this
// does it in a third of that. FuzzJSONValue holds it to encoding/json.

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// maxJSONDepth bounds nesting (encoding/json's own limit is 10000): an
// OVSDB row nests four deep, and a hostile server must not exhaust the
// stack.
const maxJSONDepth = 1000

// jsonFramer cuts a stream of JSON objects (JSON-RPC messages, with no
// separator) into one object's bytes at a time, never reading more than
// limit bytes in all.
type jsonFramer struct {
	r     io.Reader
	buf   []byte
	start int // where the next value begins
	limit int64
}

// next returns the bytes of the next object. They are valid until the
// next call.
func (f *jsonFramer) next() ([]byte, error) {
	depth, inString, escaped := 0, false, false
	begun := false
	i := f.start
	for {
		for ; i < len(f.buf); i++ {
			c := f.buf[i]
			if !begun {
				switch c {
				case ' ', '\t', '\r', '\n':
					f.start = i + 1
					continue
				case '{':
					begun = true
				default:
					return nil, fmt.Errorf("invalid character %q looking for the beginning of a message", c)
				}
			}
			switch {
			case inString:
				switch {
				case escaped:
					escaped = false
				case c == '\\':
					escaped = true
				case c == '"':
					inString = false
				}
			case c == '"':
				inString = true
			case c == '{' || c == '[':
				depth++
				if depth > maxJSONDepth {
					return nil, errors.New("JSON nested too deep")
				}
			case c == '}' || c == ']':
				depth--
				if depth == 0 {
					v := f.buf[f.start : i+1]
					f.start = i + 1
					return v, nil
				}
			}
		}
		// More bytes are needed: keep the unfinished value, read on.
		if f.start > 0 {
			n := copy(f.buf, f.buf[f.start:])
			i -= f.start
			f.buf, f.start = f.buf[:n], 0
		}
		if len(f.buf) == cap(f.buf) {
			f.buf = append(f.buf, make([]byte, max(64<<10, cap(f.buf)))...)[:len(f.buf)]
		}
		want := cap(f.buf) - len(f.buf)
		if int64(want) > f.limit {
			want = int(f.limit)
		}
		if want == 0 {
			return nil, fmt.Errorf("reply over %d MiB", MaxDBReply>>20)
		}
		n, err := f.r.Read(f.buf[len(f.buf) : len(f.buf)+want])
		f.buf = f.buf[:len(f.buf)+n]
		f.limit -= int64(n)
		if n == 0 && err != nil {
			if err == io.EOF && (begun || f.start < len(f.buf)) {
				err = io.ErrUnexpectedEOF
			}
			return nil, err
		}
	}
}

// parseJSON parses one JSON value, as encoding/json.Unmarshal into an
// interface{} would.
func parseJSON(b []byte) (any, error) {
	p := jsonParser{b: b}
	v, err := p.value(0)
	if err != nil {
		return nil, err
	}
	p.space()
	if p.i != len(p.b) {
		return nil, p.fail("after the value")
	}
	return v, nil
}

type jsonParser struct {
	b []byte
	i int
}

func (p *jsonParser) fail(where string) error {
	if p.i >= len(p.b) {
		return fmt.Errorf("unexpected end of JSON input %s", where)
	}
	return fmt.Errorf("invalid character %q at offset %d %s", p.b[p.i], p.i, where)
}

func (p *jsonParser) space() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\r', '\n':
			p.i++
		default:
			return
		}
	}
}

func (p *jsonParser) value(depth int) (any, error) {
	if depth > maxJSONDepth {
		return nil, errors.New("JSON nested too deep")
	}
	p.space()
	if p.i >= len(p.b) {
		return nil, p.fail("looking for a value")
	}
	switch c := p.b[p.i]; {
	case c == '{':
		return p.object(depth)
	case c == '[':
		return p.array(depth)
	case c == '"':
		return p.str()
	case c == '-' || c >= '0' && c <= '9':
		return p.number()
	case bytes.HasPrefix(p.b[p.i:], []byte("true")):
		p.i += 4
		return true, nil
	case bytes.HasPrefix(p.b[p.i:], []byte("false")):
		p.i += 5
		return false, nil
	case bytes.HasPrefix(p.b[p.i:], []byte("null")):
		p.i += 4
		return nil, nil
	}
	return nil, p.fail("looking for a value")
}

func (p *jsonParser) object(depth int) (any, error) {
	p.i++ // {
	m := map[string]any{}
	p.space()
	if p.i < len(p.b) && p.b[p.i] == '}' {
		p.i++
		return m, nil
	}
	for {
		p.space()
		if p.i >= len(p.b) || p.b[p.i] != '"' {
			return nil, p.fail("looking for a member name")
		}
		k, err := p.str()
		if err != nil {
			return nil, err
		}
		p.space()
		if p.i >= len(p.b) || p.b[p.i] != ':' {
			return nil, p.fail("after a member name")
		}
		p.i++
		v, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		m[k] = v
		p.space()
		if p.i >= len(p.b) {
			return nil, p.fail("in an object")
		}
		switch p.b[p.i] {
		case ',':
			p.i++
		case '}':
			p.i++
			return m, nil
		default:
			return nil, p.fail("after an object member")
		}
	}
}

func (p *jsonParser) array(depth int) (any, error) {
	p.i++ // [
	a := []any{}
	p.space()
	if p.i < len(p.b) && p.b[p.i] == ']' {
		p.i++
		return a, nil
	}
	for {
		v, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		a = append(a, v)
		p.space()
		if p.i >= len(p.b) {
			return nil, p.fail("in an array")
		}
		switch p.b[p.i] {
		case ',':
			p.i++
		case ']':
			p.i++
			return a, nil
		default:
			return nil, p.fail("after an array element")
		}
	}
}

// str reads a string. The usual one (no escape, valid UTF-8) is one
// conversion; the rest is decoded as encoding/json does, invalid UTF-8
// becoming U+FFFD.
func (p *jsonParser) str() (string, error) {
	p.i++ // "
	start := p.i
	ascii := true
	for p.i < len(p.b) {
		c := p.b[p.i]
		switch {
		case c == '"':
			s := p.b[start:p.i]
			p.i++
			if ascii || utf8.Valid(s) {
				return string(s), nil
			}
			p.i = start // each invalid byte becomes U+FFFD, as encoding/json has it
			return p.strSlow()
		case c == '\\':
			p.i = start
			return p.strSlow()
		case c < 0x20:
			return "", p.fail("in a string")
		case c >= 0x80:
			ascii = false
		}
		p.i++
	}
	return "", p.fail("in a string")
}

func (p *jsonParser) strSlow() (string, error) {
	var out []byte
	for p.i < len(p.b) {
		c := p.b[p.i]
		switch {
		case c == '"':
			p.i++
			return string(out), nil
		case c < 0x20:
			return "", p.fail("in a string")
		case c == '\\':
			p.i++
			if p.i >= len(p.b) {
				return "", p.fail("in a string escape")
			}
			switch e := p.b[p.i]; e {
			case '"', '\\', '/':
				out = append(out, e)
			case 'b':
				out = append(out, '\b')
			case 'f':
				out = append(out, '\f')
			case 'n':
				out = append(out, '\n')
			case 'r':
				out = append(out, '\r')
			case 't':
				out = append(out, '\t')
			case 'u':
				r, ok := p.hex4(p.i + 1)
				if !ok {
					return "", p.fail("in a \\u escape")
				}
				p.i += 4
				if utf16.IsSurrogate(r) {
					r2, ok := rune(-1), false
					if p.i+2 < len(p.b) && p.b[p.i+1] == '\\' && p.b[p.i+2] == 'u' {
						r2, ok = p.hex4(p.i + 3)
					}
					if dec := utf16.DecodeRune(r, r2); ok && dec != utf8.RuneError {
						p.i += 6
						r = dec
					} else {
						r = utf8.RuneError
					}
				}
				out = utf8.AppendRune(out, r)
			default:
				return "", p.fail("in a string escape")
			}
			p.i++
		case c < utf8.RuneSelf:
			out = append(out, c)
			p.i++
		default:
			r, size := utf8.DecodeRune(p.b[p.i:])
			if r == utf8.RuneError && size == 1 {
				out = utf8.AppendRune(out, utf8.RuneError)
			} else {
				out = append(out, p.b[p.i:p.i+size]...)
			}
			p.i += size
		}
	}
	return "", p.fail("in a string")
}

func (p *jsonParser) hex4(at int) (rune, bool) {
	if at+4 > len(p.b) {
		return 0, false
	}
	n, err := strconv.ParseUint(string(p.b[at:at+4]), 16, 32)
	return rune(n), err == nil
}

// number reads a JSON number (the grammar checked here, as ParseFloat
// accepts more) into a float64.
func (p *jsonParser) number() (any, error) {
	start := p.i
	digits := func() bool {
		s := p.i
		for p.i < len(p.b) && p.b[p.i] >= '0' && p.b[p.i] <= '9' {
			p.i++
		}
		return p.i > s
	}
	if p.b[p.i] == '-' {
		p.i++
	}
	switch {
	case p.i < len(p.b) && p.b[p.i] == '0':
		p.i++
	case !digits():
		return nil, p.fail("in a number")
	}
	if p.i < len(p.b) && p.b[p.i] == '.' {
		p.i++
		if !digits() {
			return nil, p.fail("after a decimal point")
		}
	}
	if p.i < len(p.b) && (p.b[p.i] == 'e' || p.b[p.i] == 'E') {
		p.i++
		if p.i < len(p.b) && (p.b[p.i] == '+' || p.b[p.i] == '-') {
			p.i++
		}
		if !digits() {
			return nil, p.fail("in an exponent")
		}
	}
	f, err := strconv.ParseFloat(string(p.b[start:p.i]), 64)
	if err != nil {
		return nil, fmt.Errorf("number %s: %w", p.b[start:p.i], err)
	}
	return f, nil
}
