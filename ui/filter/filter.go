// Package filter is the TUI's filter language, shared by every list:
// what `/` takes, parsed once per keystroke and matched against each row's
// Fields.
//
//	qvo            substring of what the row shows (and its hidden ids,
//	               MACs, addresses), any case
//	=10.1.0.1      exact: a whole word of the row, or a whole field value
//	/^qr-.*12$/    regular expression (RE2, any case)
//	!healthy       inversion of any term
//	vlan:4095      typed term: the row's field equals (or, for ids and
//	               names, starts with) the value; role:dhcp net:5153154e
//	               ns:qrouter state:broken kind:port bridge:br-int
//	vlan:=4 ns:/^qdhcp-/  typed terms take the exact and regex forms too
//	"a b"          quotes keep spaces in one term
//
// Terms are joined by AND. Everything is case-insensitive.
package filter

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Fields are what a row offers a filter: its text (what it shows, plus
// search text it abbreviates) and typed values by key ("vlan", "role",
// "net", "ns", "state", ...). Build them with NewFields: the lower-case
// text is worked out once, not on every keystroke.
type Fields struct {
	lower string
	terms map[string][]string
}

// NewFields makes a row's fields. Values are kept lower-case. The value
// slices are not written to: views pass a snapshot's own slices (a
// network's CIDRs, a router's ids), which other goroutines may read (a
// cloud's nodes are built side by side, a trace runs in a command); a
// slice with an upper-case value is copied.
func NewFields(text string, terms map[string][]string) Fields {
	for k, vs := range terms {
		if slices.ContainsFunc(vs, func(v string) bool { return strings.ToLower(v) != v }) {
			low := make([]string, len(vs))
			for i, v := range vs {
				low[i] = strings.ToLower(v)
			}
			terms[k] = low
		}
	}
	return Fields{lower: strings.ToLower(text), terms: terms}
}

// Text is the lower-case text the fields were made with.
func (f Fields) Text() string { return f.lower }

// Values are the lower-case values of one key.
func (f Fields) Values(key string) []string { return f.terms[key] }

// Keys are the typed terms the views fill in, for help and completion.
func Keys() []string {
	return []string{"vlan", "role", "net", "ns", "state", "kind", "bridge", "router", "dev", "ip", "mac", "id", "sev", "table"}
}

// Query is a parsed filter.
type Query struct {
	src   string
	terms []term
}

type term struct {
	negate bool
	key    string // "" for the row's text
	mode   mode
	value  string
	re     *regexp.Regexp
}

type mode int

const (
	substring mode = iota // of the text; for a key: equal, or a prefix of the value
	exact
	pattern
)

// Parse reads a filter. An empty one matches everything. A bad regular
// expression is an error naming it.
func Parse(s string) (Query, error) {
	q := Query{src: s}
	for _, word := range split(s) {
		t := term{}
		if strings.HasPrefix(word, "!") && len(word) > 1 {
			t.negate, word = true, word[1:]
		}
		if k, v, ok := strings.Cut(word, ":"); ok && isKey(k) && v != "" {
			t.key, word = strings.ToLower(k), v
		}
		switch {
		case len(word) >= 2 && strings.HasPrefix(word, "/") && strings.HasSuffix(word, "/"):
			re, err := regexp.Compile("(?i)" + word[1:len(word)-1])
			if err != nil {
				return Query{}, fmt.Errorf("filter %s: %w", word, err)
			}
			t.mode, t.re = pattern, re
		case strings.HasPrefix(word, "=") && len(word) > 1:
			t.mode, t.value = exact, strings.ToLower(word[1:])
		default:
			t.mode, t.value = substring, strings.ToLower(word)
		}
		q.terms = append(q.terms, t)
	}
	return q, nil
}

// isKey says whether k is a typed term's key (so that "fe80::1" and
// "10.0.0.1:80" stay plain text).
func isKey(k string) bool {
	for _, key := range Keys() {
		if strings.EqualFold(k, key) {
			return true
		}
	}
	return false
}

// split cuts a query at spaces outside double quotes.
func split(s string) []string {
	var out []string
	var cur strings.Builder
	quoted := false
	for _, r := range s {
		switch {
		case r == '"':
			quoted = !quoted
		case unicode.IsSpace(r) && !quoted:
			if cur.Len() > 0 {
				out = append(out, cur.String())
				cur.Reset()
			}
		default:
			cur.WriteRune(r)
		}
	}
	if cur.Len() > 0 {
		out = append(out, cur.String())
	}
	return out
}

// String is the query as typed.
func (q Query) String() string { return q.src }

// Empty says whether the query matches everything.
func (q Query) Empty() bool { return len(q.terms) == 0 }

// Match reports whether a row's fields satisfy every term.
func (q Query) Match(f Fields) bool {
	for _, t := range q.terms {
		if t.match(f) == t.negate {
			return false
		}
	}
	return true
}

// Exact reports whether a row the query matches also matches each plain
// term exactly: the term is a whole word of the row or a whole value of
// one of its fields. Lists put the cursor on the first such row: typing
// an address puts it on the port that has it, not on the first of the
// ten that start with it (10.1.2.5 and 10.1.2.50-59).
func (q Query) Exact(f Fields) bool {
	found := false
	for _, t := range q.terms {
		if t.negate || t.mode != substring {
			continue
		}
		e := t
		e.mode = exact
		if !e.match(f) {
			return false
		}
		found = true
	}
	return found
}

func (t term) match(f Fields) bool {
	if t.key != "" {
		for _, v := range f.terms[t.key] {
			if t.matchValue(v, true) {
				return true
			}
		}
		return false
	}
	switch t.mode {
	case substring:
		if strings.Contains(f.lower, t.value) {
			return true
		}
	case pattern:
		if t.re.MatchString(f.lower) {
			return true
		}
	case exact:
		if containsWord(f.lower, t.value) {
			return true
		}
	}
	for _, vs := range f.terms {
		for _, v := range vs {
			if t.matchValue(v, false) {
				return true
			}
		}
	}
	return false
}

// matchValue matches one field value: a typed term's plain value equals
// it or starts it (short ids, name prefixes: net:5153154e, ns:qrouter); a
// plain term is a substring of it.
func (t term) matchValue(v string, typed bool) bool {
	switch t.mode {
	case exact:
		return v == t.value
	case pattern:
		return t.re.MatchString(v)
	case substring:
		if typed {
			return strings.HasPrefix(v, t.value)
		}
		return strings.Contains(v, t.value)
	}
	return false
}

// containsWord reports whether w occurs in text as a whole word (between
// wordBreak runes or the ends), without splitting the text: a filter
// runs on every keystroke over thousands of rows, and splitting each
// into words allocated more than everything else a keystroke does.
func containsWord(text, w string) bool {
	if w == "" {
		return false
	}
	for from := 0; from <= len(text)-len(w); {
		i := strings.Index(text[from:], w)
		if i < 0 {
			return false
		}
		start, end := from+i, from+i+len(w)
		before, _ := utf8.DecodeLastRuneInString(text[:start])
		after, _ := utf8.DecodeRuneInString(text[end:])
		if (start == 0 || wordBreak(before)) && (end == len(text) || wordBreak(after)) {
			return true
		}
		from = start + 1
	}
	return false
}

// wordBreak splits a row's text into words for exact matches: spaces and
// the punctuation around names (commas, brackets, parentheses, "/" of a
// prefix is kept: 10.1.0.1/24 is a word).
func wordBreak(r rune) bool {
	return unicode.IsSpace(r) || strings.ContainsRune(",;()[]{}<>\"'", r)
}
