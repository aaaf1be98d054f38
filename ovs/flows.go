package ovs

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode"

	"github.com/ostopo/ostopo/netinspect/topo"
)

// ParseDumpFlows parses `ovs-ofctl dump-flows BRIDGE` output. It accepts the
// raw reply (header lines such as "NXST_FLOW reply (xid=0x4):", flow lines
// starting with a space) and the formatted one (--names, --sort), counters
// included: go-openvswitch's own Flow parser drops n_packets/n_bytes and
// rejects port names and learn() actions, all of which Neutron flows use.
func ParseDumpFlows(text string) ([]topo.Flow, error) {
	// Sized by the line count: br-int has 4,000 flows on a 1000-instance
	// node, and the text's fields become substrings, not copies.
	flows := make([]topo.Flow, 0, strings.Count(text, "\n")+1)
	n := 0
	for line := range strings.Lines(text) {
		n++
		line = strings.TrimRight(line, "\r\n")
		if strings.TrimSpace(line) == "" || !strings.HasPrefix(line, " ") && strings.Contains(line, "reply") {
			continue
		}
		f, err := ParseFlowLine(line)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		flows = append(flows, f)
	}
	return flows, nil
}

// statFields are the comma-space separated fields ovs-ofctl prints before the
// match (ofputil_flow_stats_format).
var statFields = map[string]bool{
	"cookie": true, "duration": true, "table": true, "n_packets": true, "n_bytes": true,
	"idle_timeout": true, "hard_timeout": true, "flags": true, "importance": true,
	"idle_age": true, "hard_age": true, "reset_counts": true, "send_flow_rem": true,
	"no_packet_counts": true, "no_byte_counts": true, "check_overlap": true,
}

// isFlowFlag says whether word is a flag ovs-ofctl prints before a flow's
// match (ofputil_flow_stats_format).
func isFlowFlag(word string) bool {
	switch word {
	case "send_flow_rem", "check_overlap", "reset_counts", "no_packet_counts", "no_byte_counts":
		return true
	}
	return false
}

// ParseFlowLine parses one flow line of dump-flows output.
func ParseFlowLine(line string) (topo.Flow, error) {
	f := topo.Flow{Priority: 32768, Cookie: "0x0"}
	line = strings.TrimSpace(line)
	head, actions, ok := strings.Cut(line, "actions=")
	if !ok {
		return f, fmt.Errorf("no actions= in flow %q", shorten(line))
	}
	f.Actions = strings.TrimSpace(actions)
	var match string
	for rest := strings.TrimSpace(head); rest != ""; {
		var tok string
		tok, rest, _ = strings.Cut(rest, ", ")
		// Every trailing comma and space goes, not just one comma (the one
		// ovs-ofctl leaves before "actions=" when the match is empty): a
		// match kept as "dl_vlan=1," would read back, once ostopo writes
		// the flow out again (FlowText), as "dl_vlan=1" (FuzzParseDumpFlows).
		tok = strings.TrimRightFunc(strings.TrimSpace(tok), commaOrSpace)
		if tok == "" {
			continue
		}
		k, v, _ := strings.Cut(tok, "=")
		if !statFields[k] || strings.Contains(tok, ",") {
			// The match is the last token; it may hold its own commas.
			match = tok
			continue
		}
		var err error
		switch k {
		case "cookie":
			f.Cookie = v
		case "duration":
			f.Duration, err = strconv.ParseFloat(strings.TrimSuffix(v, "s"), 64)
			if err == nil && (math.IsNaN(f.Duration) || math.IsInf(f.Duration, 0)) {
				err = errors.New("not a finite number") // JSON cannot hold it
			}
		case "table":
			f.Table, err = strconv.Atoi(v)
		case "n_packets":
			f.Packets, err = strconv.ParseUint(v, 10, 64)
		case "n_bytes":
			f.Bytes, err = strconv.ParseUint(v, 10, 64)
		case "idle_timeout":
			f.IdleTimeout, err = strconv.Atoi(v)
		case "hard_timeout":
			f.HardTimeout, err = strconv.Atoi(v)
		}
		if err != nil {
			return f, fmt.Errorf("field %s in flow %q: %w", k, shorten(line), err)
		}
	}
	// OpenFlow 1.3 dumps print the flow's flags before the match, each
	// followed by a space, not a comma ("reset_counts priority=1,in_port=1";
	// ovs lib/ofp-flow.c): they are no part of the match.
	for {
		word, after, ok := strings.Cut(match, " ")
		if !ok || !isFlowFlag(word) {
			break
		}
		match = strings.TrimSpace(after)
	}
	// The match without its priority field. ovs-ofctl prints it first, and
	// then the rest is a substring of the line; otherwise the match is put
	// together again without it.
	f.Match = match
	first, rest, _ := strings.Cut(match, ",")
	if v, ok := strings.CutPrefix(first, "priority="); ok && !strings.Contains(rest, "priority=") {
		p, err := strconv.Atoi(v)
		if err != nil {
			return f, fmt.Errorf("priority in flow %q: %w", shorten(line), err)
		}
		f.Priority, f.Match = p, rest
	} else if strings.Contains(match, "priority=") {
		var kept []string
		for _, m := range strings.Split(match, ",") {
			if v, ok := strings.CutPrefix(m, "priority="); ok {
				p, err := strconv.Atoi(v)
				if err != nil {
					return f, fmt.Errorf("priority in flow %q: %w", shorten(line), err)
				}
				f.Priority = p
				continue
			}
			kept = append(kept, m)
		}
		// Trimmed as a token is: "0 ,priority=1" would otherwise leave
		// "0 ", which does not read back (FuzzParseDumpFlows).
		f.Match = strings.TrimRightFunc(strings.Join(kept, ","), commaOrSpace)
	}
	return f, nil
}

func commaOrSpace(r rune) bool { return r == ',' || unicode.IsSpace(r) }

func shorten(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}
