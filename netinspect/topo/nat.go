package topo

import (
	"fmt"
	"strings"
)

// NATTable is the nat table of one namespace, as iptables-save printed it.
type NATTable struct {
	// Backend is the iptables flavour that answered: "nf_tables" or "legacy".
	Backend string    `json:"backend"`
	Chains  []string  `json:"chains"`
	Rules   []NATRule `json:"rules"`
}

// NATRule is one "-A CHAIN ..." line with the fields Neutron's rules use.
type NATRule struct {
	Chain  string `json:"chain"`
	Spec   string `json:"spec"` // everything after "-A CHAIN "
	Target string `json:"target,omitempty"`
	Src    string `json:"src,omitempty"`
	Dst    string `json:"dst,omitempty"`
	In     string `json:"in,omitempty"`
	Out    string `json:"out,omitempty"`
	// Negated lists the matches written with "!" (e.g. "out" for ! -o qg-…).
	Negated       []string `json:"negated,omitempty"`
	ToDestination string   `json:"to_destination,omitempty"`
	ToSource      string   `json:"to_source,omitempty"`
}

// Text is the rule as iptables-save prints it.
func (r NATRule) Text() string { return "-A " + r.Chain + " " + r.Spec }

// ParseIPTablesSave reads the *nat section of iptables-save output. Other
// tables are skipped. It fails on text that is not iptables-save output.
func ParseIPTablesSave(text string) (*NATTable, error) {
	t := &NATTable{Chains: []string{}, Rules: []NATRule{}}
	inNAT, sawTable := false, false
	for n, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
			if strings.Contains(line, "iptables-save") {
				t.Backend = backendFromBanner(line)
			}
		case strings.HasPrefix(line, "*"):
			sawTable = true
			inNAT = line == "*nat"
		case line == "COMMIT":
			inNAT = false
		case !inNAT:
		case strings.HasPrefix(line, ":"):
			name, _, _ := strings.Cut(line[1:], " ")
			t.Chains = append(t.Chains, name)
		case strings.HasPrefix(line, "-A "):
			chain, spec, _ := strings.Cut(line[3:], " ")
			t.Rules = append(t.Rules, parseNATRule(chain, spec))
		default:
			return nil, fmt.Errorf("line %d: unexpected %q", n+1, truncate(line, 60))
		}
	}
	if !sawTable && strings.TrimSpace(text) != "" {
		return nil, fmt.Errorf("no table header (*nat) in iptables-save output")
	}
	return t, nil
}

func backendFromBanner(line string) string {
	switch {
	case strings.Contains(line, "nf_tables"):
		return "nf_tables"
	case strings.Contains(line, "legacy"):
		return "legacy"
	}
	return ""
}

func parseNATRule(chain, spec string) NATRule {
	r := NATRule{Chain: chain, Spec: spec}
	f := splitQuoted(spec)
	neg := false
	for i := 0; i < len(f); i++ {
		arg := func() string {
			if i+1 < len(f) {
				i++
				return f[i]
			}
			return ""
		}
		var field string
		switch f[i] {
		case "!":
			neg = true
			continue
		case "-s", "--source":
			r.Src, field = arg(), "src"
		case "-d", "--destination":
			r.Dst, field = arg(), "dst"
		case "-i", "--in-interface":
			r.In, field = arg(), "in"
		case "-o", "--out-interface":
			r.Out, field = arg(), "out"
		case "-j", "--jump":
			r.Target = arg()
		case "--to-destination":
			r.ToDestination = arg()
		case "--to-source":
			r.ToSource = arg()
		}
		if neg && field != "" {
			r.Negated = append(r.Negated, field)
		}
		neg = false
	}
	return r
}

// splitQuoted splits on spaces, keeping "double quoted" words (comments) whole.
func splitQuoted(s string) []string {
	var out []string
	var cur strings.Builder
	quoted := false
	for _, c := range s {
		switch {
		case c == '"':
			quoted = !quoted
		case c == ' ' && !quoted:
			if cur.Len() > 0 {
				out = append(out, cur.String())
				cur.Reset()
			}
		default:
			cur.WriteRune(c)
		}
	}
	if cur.Len() > 0 {
		out = append(out, cur.String())
	}
	return out
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// HostIP strips a /32 or /128 suffix: "203.0.113.7/32" -> "203.0.113.7".
func HostIP(s string) string {
	if ip, bits, ok := strings.Cut(s, "/"); ok && (bits == "32" || bits == "128") {
		return ip
	}
	return s
}

// HasNeutronChains says whether the table holds the L3 agent's chains
// (neutron-…): a router's NAT table, not some other tool's. A nil table
// (not read) has none.
func (t *NATTable) HasNeutronChains() bool {
	if t == nil {
		return false
	}
	for _, c := range t.Chains {
		if strings.HasPrefix(c, "neutron-") {
			return true
		}
	}
	return false
}
