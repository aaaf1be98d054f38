package table

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
)

// sortKey is one cell as it sorts, worked out once per Data and column.
type sortKey struct {
	text    string // lower-case; compared naturally (tap9 before tap10)
	num     float64
	missing bool // "" or "-" (or no number in a numeric column): last either way
}

// sortKeys returns the keys of column c, computing them on first use.
func (p *prepared) sortKeys(c int) []sortKey {
	if p.keys[c] != nil {
		return p.keys[c]
	}
	keys := make([]sortKey, len(p.Rows))
	numeric := p.Columns[c].Numeric
	for i, r := range p.Rows {
		s := r.Cells[c]
		if c < len(r.SortKeys) && r.SortKeys[c] != "" {
			s = r.SortKeys[c]
		}
		k := sortKey{text: strings.ToLower(s), missing: s == "" || s == "-"}
		if numeric && !k.missing {
			k.num, k.missing = leadingNumber(s)
		}
		keys[i] = k
	}
	p.keys[c] = keys
	return keys
}

// leadingNumber parses the number a cell starts with ("4095", "12 fips",
// "-3"); missing when there is none.
func leadingNumber(s string) (n float64, missing bool) {
	end := 0
	for end < len(s) && (s[end] >= '0' && s[end] <= '9' || s[end] == '.' || end == 0 && s[end] == '-') {
		end++
	}
	v, err := strconv.ParseFloat(s[:end], 64)
	if err != nil {
		return 0, true
	}
	return v, false
}

// order returns the rows' indexes sorted by column c (-1: as given),
// cached: sorting again by a column, or back, costs nothing.
func (p *prepared) order(c int, desc bool) []int {
	if c < 0 {
		desc = false
	}
	ok := orderKey{c, desc}
	if o, found := p.orders[ok]; found {
		return o
	}
	o := make([]int, len(p.Rows))
	for i := range o {
		o[i] = i
	}
	if c >= 0 {
		keys := p.sortKeys(c)
		numeric := p.Columns[c].Numeric
		// Stable: rows that tie keep the order the view gave them, in
		// both directions.
		slices.SortStableFunc(o, func(a, b int) int {
			ka, kb := &keys[a], &keys[b]
			if ka.missing || kb.missing {
				switch {
				case ka.missing && kb.missing:
					return 0
				case ka.missing:
					return 1
				}
				return -1
			}
			r := 0
			if numeric {
				r = cmp.Compare(ka.num, kb.num)
			}
			if r == 0 {
				r = natural(ka.text, kb.text)
			}
			if desc {
				r = -r
			}
			return r
		})
	}
	p.orders[ok] = o
	return o
}

// natural compares strings with runs of digits compared as numbers, so
// that 10.1.0.9 sorts before 10.1.0.10 and tap9 before tap10.
func natural(a, b string) int {
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		ca, cb := a[i], b[j]
		if isDigit(ca) && isDigit(cb) {
			si, sj := i, j
			for i < len(a) && isDigit(a[i]) {
				i++
			}
			for j < len(b) && isDigit(b[j]) {
				j++
			}
			da := strings.TrimLeft(a[si:i], "0")
			db := strings.TrimLeft(b[sj:j], "0")
			if r := cmp.Compare(len(da), len(db)); r != 0 {
				return r
			}
			if r := strings.Compare(da, db); r != 0 {
				return r
			}
			continue
		}
		if ca != cb {
			return cmp.Compare(ca, cb)
		}
		i++
		j++
	}
	return cmp.Compare(len(a)-i, len(b)-j)
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
