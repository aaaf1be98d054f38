package ovstext

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// atomType is an OVSDB atomic type.
type atomType uint8

const (
	atomString atomType = iota
	atomInteger
	atomReal
	atomBoolean
	atomUUID
)

// colType is an OVSDB column type: a key type, for a map a value type,
// and how many values it holds (OVS vswitchd/vswitch.ovsschema).
type colType struct {
	key, value atomType
	isMap      bool
	min        int // 0: optional or a set that may be empty
	max        int // 1: one value; more: a set or map
}

var (
	tString    = colType{key: atomString, min: 1, max: 1}
	tOptString = colType{key: atomString, max: 1}
	tOptInt    = colType{key: atomInteger, max: 1}
	tBool      = colType{key: atomBoolean, min: 1, max: 1}
	tUUIDs     = colType{key: atomUUID, max: unlimited}
	tStrings   = colType{key: atomString, max: unlimited}
	tInts      = colType{key: atomInteger, max: 4096}
	tSmap      = colType{key: atomString, value: atomString, isMap: true, max: unlimited}
)

const unlimited = 1 << 31

// textSchema holds the type of every column ovs.Columns lists, for text
// whose values do not say their type (`ovs-vsctl list`, `ovsdb-client
// dump`, `ovs-vsctl show`). Copied from vswitch.ovsschema (unchanged in
// these columns since OVS 2.0).
var textSchema = map[string]map[string]colType{
	"Open_vSwitch": {
		"ovs_version": tOptString, "db_version": tOptString, "external_ids": tSmap,
		"other_config": tSmap, "bridges": tUUIDs, "manager_options": tUUIDs,
	},
	"Bridge": {
		"name": tString, "ports": tUUIDs, "controller": tUUIDs, "fail_mode": tOptString,
		"datapath_type": tString, "datapath_id": tOptString, "protocols": tStrings,
		"external_ids": tSmap, "other_config": tSmap,
	},
	"Port": {
		"name": tString, "interfaces": {key: atomUUID, min: 1, max: unlimited}, "tag": tOptInt,
		"trunks": tInts, "vlan_mode": tOptString, "external_ids": tSmap, "other_config": tSmap,
	},
	"Interface": {
		"name": tString, "type": tString, "ofport": tOptInt, "options": tSmap,
		"external_ids": tSmap, "other_config": tSmap, "link_state": tOptString,
		"admin_state": tOptString, "mtu": tOptInt, "error": tOptString,
	},
	"Controller": {"target": tString, "is_connected": tBool, "role": tOptString, "inactivity_probe": tOptInt},
	"Manager":    {"target": tString, "is_connected": tBool},
}

// emptyDatum is an empty set: what OVSDB sends for an optional column
// with no value, and what ovs.Decode reads as "", 0, false or no map.
func emptyDatum() any { return []any{"set", []any{}} }

// datum builds the OVSDB JSON form of a column value from its atoms.
func datum(t colType, keys, values []any) any {
	switch {
	case t.isMap:
		pairs := make([]any, len(keys))
		for i := range keys {
			pairs[i] = []any{keys[i], values[i]}
		}
		return []any{"map", pairs}
	case t.max > 1 || len(keys) != 1:
		if keys == nil {
			keys = []any{} // OVSDB's JSON: ["set", []]
		}
		return []any{"set", keys}
	}
	return keys[0]
}

// parseDatum reads a column value as ovs-vsctl and ovsdb-client print it
// (ovsdb_datum_to_string): "[]" for an empty optional value or set,
// "[a, b]" for a set, "{k=v, k2=v2}" for a map, a bare atom for a single
// value. Strings are bare when they look like identifiers and JSON-quoted
// otherwise.
func parseDatum(s string, t colType) (any, error) {
	s = strings.TrimSpace(s)
	var open, close byte
	switch {
	case strings.HasPrefix(s, "["):
		open, close = '[', ']'
	case strings.HasPrefix(s, "{"):
		open, close = '{', '}'
	}
	if t.isMap && open != '{' {
		return nil, fmt.Errorf("want a map {k=v, ...}, got %s", quote(s))
	}
	if open == 0 {
		a, rest, err := scanAtom(s, t.key)
		if err != nil {
			return nil, err
		}
		if rest != "" {
			return nil, fmt.Errorf("text after the value: %s", quote(rest))
		}
		return datum(t, []any{a}, nil), nil
	}
	if !t.isMap && open != '[' {
		return nil, fmt.Errorf("want a set [a, b], got %s", quote(s))
	}
	if !strings.HasSuffix(s, string(close)) {
		return nil, fmt.Errorf("no closing %c in %s", close, quote(s))
	}
	body := strings.TrimSpace(s[1 : len(s)-1])
	var keys, values []any
	for body != "" {
		k, rest, err := scanAtom(body, t.key)
		if err != nil {
			return nil, err
		}
		keys = append(keys, k)
		if t.isMap {
			rest, ok := strings.CutPrefix(rest, "=")
			if !ok {
				return nil, fmt.Errorf("map key without =value in %s", quote(s))
			}
			v, after, err := scanAtom(rest, t.value)
			if err != nil {
				return nil, err
			}
			values = append(values, v)
			rest = after
			body = rest
		} else {
			body = rest
		}
		if body == "" {
			break
		}
		after, ok := strings.CutPrefix(body, ",")
		if !ok {
			return nil, fmt.Errorf("want , between values in %s", quote(s))
		}
		body = strings.TrimLeft(after, " ")
		if body == "" {
			return nil, fmt.Errorf("a , with no value after it in %s", quote(s))
		}
	}
	return datum(t, keys, values), nil
}

// scanAtom reads one atom at the start of s and returns it, typed, and
// the rest of s after it and any spaces.
func scanAtom(s string, t atomType) (any, string, error) {
	var text, rest string
	quoted := strings.HasPrefix(s, `"`)
	if quoted {
		end := quotedEnd(s)
		if end < 0 {
			return nil, "", fmt.Errorf("unterminated string %s", quote(s))
		}
		var str string
		if err := json.Unmarshal([]byte(s[:end]), &str); err != nil {
			return nil, "", fmt.Errorf("bad string %s: %w", quote(s[:end]), err)
		}
		text, rest = str, s[end:]
	} else {
		end := strings.IndexAny(s, ",=]} ")
		if end < 0 {
			end = len(s)
		}
		text, rest = s[:end], s[end:]
		if text == "" {
			return nil, "", fmt.Errorf("missing value at %s", quote(s))
		}
	}
	rest = strings.TrimLeft(rest, " ")
	a, err := typedAtom(text, quoted, t)
	return a, rest, err
}

// quotedEnd returns the index just past the JSON string that s starts
// with, or -1.
func quotedEnd(s string) int {
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return -1
}

var errQuotedNonString = errors.New("a quoted value where a number, boolean or uuid belongs")

// typedAtom converts an atom's text to the JSON value OVSDB sends for it.
func typedAtom(text string, quoted bool, t atomType) (any, error) {
	if quoted && t != atomString {
		return nil, fmt.Errorf("%w: %s", errQuotedNonString, quote(text))
	}
	switch t {
	case atomInteger:
		n, err := strconv.ParseInt(text, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("not an integer: %s", quote(text))
		}
		return float64(n), nil
	case atomReal:
		f, err := strconv.ParseFloat(text, 64)
		if err != nil {
			return nil, fmt.Errorf("not a number: %s", quote(text))
		}
		return f, nil
	case atomBoolean:
		switch text {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
		return nil, fmt.Errorf("not a boolean: %s", quote(text))
	case atomUUID:
		return []any{"uuid", text}, nil
	}
	return text, nil
}
