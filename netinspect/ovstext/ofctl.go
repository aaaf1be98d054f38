package ovstext

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/ostopo/ostopo/netinspect/safetext"
	"github.com/ostopo/ostopo/netinspect/topo"
	"github.com/ostopo/ostopo/ovs"
)

// PortDesc is what `ovs-ofctl show <br>` or `ovs-ofctl dump-ports-desc
// <br>` says of a bridge's OpenFlow ports.
type PortDesc struct {
	// Bridge is the bridge's name, from its LOCAL port (every bridge has
	// one, named after it); "" if the text lists no LOCAL port.
	Bridge string
	// DatapathID is the dpid of `ovs-ofctl show`'s features reply ("" in
	// dump-ports-desc), as OVSDB's Bridge datapath_id holds it.
	DatapathID string
	// OFPorts maps each port's name to its OpenFlow port number, as
	// OVSDB's Interface ofport holds it (LOCAL is 65534).
	OFPorts map[string]int
}

// ofppLocal is the OpenFlow 1.0 number of a bridge's LOCAL port, which
// OVSDB stores as the bridge interface's ofport.
const ofppLocal = 65534

// ParsePortDesc parses `ovs-ofctl [-O <protocol>] show <br>` or
// `dump-ports-desc <br>` output: " N(name): addr:..." lines and their
// indented details, between reply headers.
func ParsePortDesc(text string) (*PortDesc, error) {
	pd := &PortDesc{OFPorts: map[string]int{}}
	n := 0
	replies := 0
	for line := range strings.Lines(text) {
		n++
		line = strings.TrimRight(line, "\r\n")
		trimmed := strings.TrimSpace(line)
		switch {
		case trimmed == "":
			continue
		case isReplyHeader(line):
			replies++
			if _, dpid, ok := strings.Cut(line, " dpid:"); ok {
				pd.DatapathID = strings.TrimSpace(dpid)
			}
			continue
		case strings.HasPrefix(line, "     "):
			continue // a port's config, state, speed
		case !strings.HasPrefix(line, " "):
			// The features reply's n_tables, capabilities and actions
			// lines, and what OVS prints before the ports.
			if replies > 0 && (strings.HasPrefix(line, "n_tables:") || strings.HasPrefix(line, "capabilities:") || strings.HasPrefix(line, "actions:")) {
				continue
			}
			if msg := ofctlError(text); msg != "" {
				return nil, errors.New(msg)
			}
			return nil, lineError(n, "not ovs-ofctl show output: %s", quote(line))
		}
		num, rest, ok := strings.Cut(trimmed, "(")
		name, addr, ok2 := strings.Cut(rest, "): addr:")
		if !ok || !ok2 || addr == "" {
			return nil, lineError(n, "not a port line: %s", quote(line))
		}
		switch {
		case num == "LOCAL":
			pd.Bridge = name
			pd.OFPorts[name] = ofppLocal
		default:
			p, err := strconv.Atoi(num)
			if err != nil || p < 0 || p > 0xffff {
				return nil, lineError(n, "bad port number %s", quote(num))
			}
			pd.OFPorts[name] = p
		}
	}
	if replies == 0 {
		if msg := ofctlError(text); msg != "" {
			return nil, errors.New(msg)
		}
		return nil, errors.New("no OpenFlow reply: not ovs-ofctl show output")
	}
	return pd, nil
}

// isReplyHeader reports whether a line is an OpenFlow message header
// ovs-ofctl prints before a reply: "OFPT_FEATURES_REPLY (xid=0x2): ...",
// "NXST_FLOW reply (xid=0x4):", "OFPST_FLOW reply (OF1.3) (xid=0x2):".
func isReplyHeader(line string) bool {
	if strings.HasPrefix(line, " ") {
		return false
	}
	word, _, _ := strings.Cut(line, " ")
	return (strings.HasPrefix(word, "OFPT_") || strings.HasPrefix(word, "OFPST_") || strings.HasPrefix(word, "NXST_") || strings.HasPrefix(word, "NXT_")) &&
		strings.Contains(line, "(xid=")
}

// ErrVersionNegotiation is the error of a dump from a bridge that does not
// speak the OpenFlow version ovs-ofctl was run with (plain ovs-ofctl
// speaks 1.0): read the dump run with -O.
var ErrVersionNegotiation = errors.New("version negotiation failed")

// ofctlError returns the message of an ovs-ofctl error in the text
// ("ovs-ofctl: br-int: failed to connect to socket ..."), or "".
func ofctlError(text string) string {
	for line := range strings.Lines(text) {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "ovs-ofctl:") || strings.Contains(line, "version negotiation failed") {
			return safeLine(line)
		}
	}
	return ""
}

// safeLine escapes a message built from input text for a terminal.
func safeLine(s string) string { return safetext.Term(s) }

// FlowDump is one `ovs-ofctl dump-flows <br>` output.
type FlowDump struct {
	Bridge string
	// Protocol is the -O the command was run with ("" for the plain
	// command, OpenFlow 1.0 with Nicira extensions).
	Protocol string
	// Version is the OpenFlow version of the reply headers ("OF1.3"),
	// "" for OpenFlow 1.0 or when the text has no header.
	Version string
	// Flows are as ovs.ParseDumpFlows reads them, the port numbers as
	// printed.
	Flows []topo.Flow
	// Named says ports were printed by name (--names, or ovs-ofctl
	// writing to a terminal): in_port="qvo...", output:"patch-tun".
	Named bool
}

// ParseFlows parses `ovs-ofctl [-O <protocol>] dump-flows <br>` output as
// the live collector does (ovs.ParseDumpFlows: reply headers skipped,
// every flow line read) and recognises ovs-ofctl's error messages.
func ParseFlows(text string) (*FlowDump, error) {
	if msg := ofctlError(text); msg != "" {
		if strings.Contains(msg, "version negotiation failed") {
			return nil, fmt.Errorf("%w: %s", ErrVersionNegotiation, msg)
		}
		return nil, errors.New(msg)
	}
	fd := &FlowDump{}
	header := false
	for line := range strings.Lines(text) {
		if isReplyHeader(line) {
			header = true
			if i := strings.Index(line, "(OF1."); i >= 0 {
				if j := strings.IndexByte(line[i:], ')'); j > 0 {
					fd.Version = line[i+1 : i+j]
				}
			}
			break
		}
	}
	flows, err := ovs.ParseDumpFlows(text)
	if err != nil {
		return nil, err
	}
	// ovs-ofctl prints a reply header even for a bridge without flows:
	// text with neither is no answer (a command cut short), not "no
	// flows".
	if !header && len(flows) == 0 {
		return nil, errors.New("empty: no flow and no reply header")
	}
	fd.Flows = flows
	for i := range flows {
		if flowNamesPorts(&flows[i]) {
			fd.Named = true
			break
		}
	}
	return fd, nil
}

// reservedPorts are the OpenFlow port names ovs-ofctl prints by name with
// or without --names (ofputil_port_get_reserved_name).
var reservedPorts = map[string]bool{
	"IN_PORT": true, "TABLE": true, "NORMAL": true, "FLOOD": true, "ALL": true,
	"CONTROLLER": true, "LOCAL": true, "NONE": true, "ANY": true, "UNSET": true,
}

// portRef is where a flow names a port: the in_port match, and output,
// enqueue and resubmit actions (also inside learn() and clone()).
var portPrefixes = []string{"in_port=", "output:", "enqueue:", "resubmit(", "resubmit:", "output(port="}

// flowNamesPorts reports whether a flow names a port by name.
func flowNamesPorts(f *topo.Flow) bool {
	named := false
	rewritePorts(f.Match, func(string) (string, bool) { named = true; return "", false })
	rewritePorts(f.Actions, func(string) (string, bool) { named = true; return "", false })
	return named
}

// rewritePorts finds every port named by name in flow text (the match or
// the actions) and replaces it with what number returns, when it says ok.
func rewritePorts(s string, number func(name string) (string, bool)) string {
	var b strings.Builder
	last := 0
	for i := 0; i < len(s); i++ {
		if i > 0 && s[i-1] != ',' && s[i-1] != '(' {
			continue
		}
		var prefix string
		for _, p := range portPrefixes {
			if strings.HasPrefix(s[i:], p) {
				prefix = p
				break
			}
		}
		if prefix == "" {
			continue
		}
		start := i + len(prefix)
		name, end, ok := scanPortName(s, start)
		if !ok {
			continue
		}
		if num, ok := number(name); ok {
			b.WriteString(s[last:start])
			b.WriteString(num)
			last = end
		}
		i = end - 1
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// scanPortName reads a port name at s[start:] as ovs-ofctl --names prints
// it (namemap_put_name: bare when alphanumeric starting with a letter,
// JSON-quoted otherwise) and returns it and where it ends. Numbers,
// reserved names and field references (NXM_OF_IN_PORT[]) are not names.
func scanPortName(s string, start int) (string, int, bool) {
	rest := s[start:]
	if strings.HasPrefix(rest, `"`) {
		end := quotedEnd(rest)
		if end < 0 {
			return "", 0, false
		}
		var name string
		if json.Unmarshal([]byte(rest[:end]), &name) != nil {
			return "", 0, false
		}
		return name, start + end, true
	}
	end := 0
	for end < len(rest) && (rest[end] >= 'a' && rest[end] <= 'z' || rest[end] >= 'A' && rest[end] <= 'Z' || end > 0 && (rest[end] >= '0' && rest[end] <= '9' || rest[end] == '_')) {
		end++
	}
	if end == 0 || reservedPorts[rest[:end]] {
		return "", 0, false
	}
	if end < len(rest) && !strings.ContainsRune(",):", rune(rest[end])) {
		return "", 0, false // a field reference such as NXM_OF_IN_PORT[]
	}
	return rest[:end], start + end, true
}

// numberPorts rewrites the port names of flows to their OpenFlow numbers,
// as the live collector's dumps print them. It returns the names it
// could not map.
func numberPorts(flows []topo.Flow, ofports map[string]int) []string {
	var missing []string
	seen := map[string]bool{}
	number := func(name string) (string, bool) {
		if n, ok := ofports[name]; ok && n > 0 {
			if n == ofppLocal {
				return "LOCAL", true
			}
			return strconv.Itoa(n), true
		}
		if !seen[name] {
			seen[name] = true
			missing = append(missing, name)
		}
		return "", false
	}
	for i := range flows {
		flows[i].Match = rewritePorts(flows[i].Match, number)
		flows[i].Actions = rewritePorts(flows[i].Actions, number)
	}
	return missing
}
