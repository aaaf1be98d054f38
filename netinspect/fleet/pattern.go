package fleet

import (
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
)

// CollectPattern is the hosts ostopo collects: every node that runs
// Neutron's agents or its server in kolla-ansible's inventories.
const CollectPattern = "network:compute:control"

// Select returns the hosts that an Ansible host pattern names, as
// ansible-playbook's hosts: and --limit understand it: terms separated by
// ',' (or ':' when there is no comma), each a host or group name, a glob
// (compute*), a regular expression (~comp.*), with an optional subscript
// (compute[0], compute[1:3]); a term starting with '&' keeps only the
// hosts it names too, one starting with '!' removes them; all and * are
// every host. @FILE reads the terms from a file, one a line.
func (inv *Inventory) Select(pattern string) ([]string, error) {
	terms, err := patternTerms(pattern)
	if err != nil {
		return nil, err
	}
	return inv.evaluate(orderTerms(terms))
}

// SelectLimited is the hosts of pattern that limit names too, as
// ansible-playbook runs a play's hosts: pattern under --limit limit. An
// empty limit limits nothing.
func (inv *Inventory) SelectLimited(pattern, limit string) ([]string, error) {
	hosts, err := inv.Select(pattern)
	if err != nil || strings.TrimSpace(limit) == "" {
		return hosts, err
	}
	subset, err := inv.Select(limit)
	if err != nil {
		return nil, err
	}
	in := make(map[string]bool, len(subset))
	for _, h := range subset {
		in[h] = true
	}
	out := hosts[:0]
	for _, h := range hosts {
		if in[h] {
			out = append(out, h)
		}
	}
	return out, nil
}

// patternTerms splits a pattern into its terms and reads @FILE terms.
func patternTerms(pattern string) ([]string, error) {
	var out []string
	for _, t := range splitHostPattern(pattern) {
		if !strings.HasPrefix(t, "@") {
			out = append(out, t)
			continue
		}
		file := t[1:]
		st, err := os.Stat(file)
		if err != nil {
			return nil, fmt.Errorf("limit file: %w", err)
		}
		if st.IsDir() {
			return nil, fmt.Errorf("limit starting with @ must be a file, not a directory: %s", file)
		}
		b, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("limit file: %w", err)
		}
		for _, l := range strings.Split(string(b), "\n") {
			if l = strings.TrimSpace(l); l != "" {
				out = append(out, l)
			}
		}
	}
	return out, nil
}

var (
	colonTermRE = regexp.MustCompile(`(?:[^\s:\[\]]|\[[^\]]*\])+`)
	ipv6RE      = regexp.MustCompile(`^[0-9a-fA-F]*:[0-9a-fA-F:.]*$`)
	namePortRE  = regexp.MustCompile(`^[^:\[\]\s]+:\d+$`)
)

// splitHostPattern is Ansible's split_host_pattern: commas separate terms;
// without a comma, colons do, unless the whole is one address (an IPv6
// address, or host:port).
func splitHostPattern(pattern string) []string {
	pattern = strings.TrimSpace(pattern)
	var parts []string
	switch {
	case strings.Contains(pattern, ","):
		parts = strings.Split(pattern, ",")
	case ipv6RE.MatchString(pattern) && strings.Count(pattern, ":") >= 2,
		bracketV6RE.MatchString(pattern), namePortRE.MatchString(pattern):
		parts = []string{pattern}
	default:
		parts = colonTermRE.FindAllString(pattern, -1)
	}
	var out []string
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// orderTerms puts unions first, then intersections, then exclusions, as
// Ansible does; with no union the pattern starts from all.
func orderTerms(terms []string) []string {
	var reg, and, not []string
	for _, t := range terms {
		switch t[0] {
		case '!':
			not = append(not, t)
		case '&':
			and = append(and, t)
		default:
			reg = append(reg, t)
		}
	}
	if len(reg) == 0 {
		reg = []string{"all"}
	}
	return append(append(reg, and...), not...)
}

func (inv *Inventory) evaluate(terms []string) ([]string, error) {
	var hosts []string
	for _, t := range terms {
		if _, ok := inv.hvars[t]; ok {
			if !contains(hosts, t) {
				hosts = append(hosts, t)
			}
			continue
		}
		that, err := inv.matchTerm(strings.TrimLeft(t[:1], "!&") + t[1:])
		if err != nil {
			return nil, err
		}
		set := make(map[string]bool, len(that))
		for _, h := range that {
			set[h] = true
		}
		switch t[0] {
		case '!', '&':
			keep := t[0] == '&'
			out := hosts[:0]
			for _, h := range hosts {
				if set[h] == keep {
					out = append(out, h)
				}
			}
			hosts = out
		default:
			have := make(map[string]bool, len(hosts))
			for _, h := range hosts {
				have[h] = true
			}
			for _, h := range that {
				if !have[h] {
					have[h] = true
					hosts = append(hosts, h)
				}
			}
		}
	}
	return hosts, nil
}

// subscriptRE is Ansible's PATTERN_WITH_SUBSCRIPT: [i], [-i], [start:end]
// and [start:] (and the old [start-end]); both ends are included.
var subscriptRE = regexp.MustCompile(`^(.+)\[(?:(-?[0-9]+)|([0-9]+)([:-])([0-9]*))\]$`)

// matchTerm is one term without its & or !: names, globs, ~regex, and a
// subscript.
func (inv *Inventory) matchTerm(term string) ([]string, error) {
	if term == "" {
		return nil, nil
	}
	expr := term
	var sub []string
	if term[0] != '~' {
		if m := subscriptRE.FindStringSubmatch(term); m != nil {
			expr, sub = m[1], m
		}
	}
	hosts, err := inv.enumerate(expr)
	if err != nil {
		return nil, err
	}
	if sub == nil || len(hosts) == 0 {
		return hosts, nil
	}
	start, end := 0, 0
	if sub[2] != "" {
		start, _ = strconv.Atoi(sub[2])
	} else {
		start, _ = strconv.Atoi(sub[3])
		end = -1
		if sub[5] != "" {
			end, _ = strconv.Atoi(sub[5])
		}
	}
	if end == 0 {
		// One host: [i], [-i], and Ansible's [i:0].
		if start < 0 {
			start += len(hosts)
		}
		if start < 0 || start >= len(hosts) {
			return nil, fmt.Errorf("no hosts matched the subscripted pattern %q", term)
		}
		return hosts[start : start+1], nil
	}
	if end == -1 {
		end = len(hosts) - 1
	}
	end++
	if end > len(hosts) {
		end = len(hosts)
	}
	if start >= end {
		return nil, nil
	}
	return hosts[start:end], nil
}

// enumerate is the hosts of the groups that expr names, and of the hosts
// it names when no group matched or it is a glob or regex.
func (inv *Inventory) enumerate(expr string) ([]string, error) {
	re, err := termRegexp(expr)
	if err != nil {
		return nil, err
	}
	var out []string
	seen := map[string]bool{}
	add := func(hs ...string) {
		for _, h := range hs {
			if !seen[h] {
				seen[h] = true
				out = append(out, h)
			}
		}
	}
	matchedGroup := false
	for _, g := range inv.order {
		if re.MatchString(g) {
			matchedGroup = true
			add(inv.GroupHosts(g)...)
		}
	}
	if !matchedGroup || expr[0] == '~' || strings.ContainsAny(expr, ".?*[") {
		for _, h := range inv.hosts {
			if re.MatchString(h) {
				add(h)
			}
		}
	}
	return out, nil
}

// termRegexp is a term as Ansible compiles it: ~ starts a regular
// expression matched from the start of the name; anything else is an
// fnmatch glob matched against the whole name (all is a group, * every
// name).
func termRegexp(expr string) (*regexp.Regexp, error) {
	if expr[0] == '~' {
		re, err := regexp.Compile(`^(?:` + expr[1:] + `)`)
		if err != nil {
			return nil, fmt.Errorf("host pattern %q: %v", expr, err)
		}
		return re, nil
	}
	return regexp.Compile(`^(?s:` + globToRegexp(expr) + `)$`)
}

// globToRegexp is Python's fnmatch.translate.
func globToRegexp(glob string) string {
	var b strings.Builder
	for i := 0; i < len(glob); i++ {
		c := glob[i]
		switch c {
		case '*':
			b.WriteString(".*")
		case '?':
			b.WriteString(".")
		case '[':
			j := i + 1
			if j < len(glob) && glob[j] == '!' {
				j++
			}
			if j < len(glob) && glob[j] == ']' {
				j++
			}
			for j < len(glob) && glob[j] != ']' {
				j++
			}
			if j >= len(glob) {
				b.WriteString(`\[`)
				continue
			}
			stuff := glob[i+1 : j]
			i = j
			stuff = strings.ReplaceAll(stuff, `\`, `\\`)
			if strings.HasPrefix(stuff, "!") {
				stuff = "^" + stuff[1:]
			} else if strings.HasPrefix(stuff, "^") {
				stuff = `\` + stuff
			}
			b.WriteString("[" + stuff + "]")
		default:
			if c < 0x80 {
				b.WriteString(regexp.QuoteMeta(string(c)))
			} else {
				b.WriteByte(c) // part of a UTF-8 sequence: literal
			}
		}
	}
	return b.String()
}
