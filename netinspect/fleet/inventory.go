package fleet

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Inventory is an Ansible INI inventory, read the way Ansible reads it
// (ansible.builtin.ini): groups, [group:children], [group:vars], host lines
// with key=value variables, host ranges such as compute[01:20], and the
// implicit groups all and ungrouped. It is what ostopo needs of
// kolla-ansible's multinode and all-in-one files, not a general Ansible.
type Inventory struct {
	// File is the path it was read from, for messages.
	File string

	hosts  []string // in the order they first appear
	hvars  map[string]map[string]string
	groups map[string]*group
	order  []string // group names in the order they first appear
}

type group struct {
	name     string
	hosts    []string // its own, in order
	children []string
	parents  []string
	vars     map[string]string
	depth    int
}

// InventoryError is an inventory Ansible would refuse, with where.
type InventoryError struct {
	File string
	Line int
	Msg  string
}

func (e *InventoryError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Msg)
}

// maxInventory bounds an inventory file: kolla's largest are a few
// hundred kilobytes.
const maxInventory = 16 << 20

// maxRangeHosts bounds what one host range may expand to.
const maxRangeHosts = 100000

// ReadInventory reads an INI inventory file.
func ReadInventory(path string) (*Inventory, error) {
	f, err := os.Open(path)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, &InventoryError{File: path, Msg: err.Error()}
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.IsDir() {
		return nil, &InventoryError{File: path, Msg: "is a directory: give the inventory file"}
	}
	return ParseInventory(path, f)
}

// ParseInventory reads an INI inventory; name is its file name for
// messages.
func ParseInventory(name string, r io.Reader) (*Inventory, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxInventory+1))
	if err != nil {
		return nil, &InventoryError{File: name, Msg: err.Error()}
	}
	if len(data) > maxInventory {
		return nil, &InventoryError{File: name, Msg: fmt.Sprintf("larger than %d bytes", maxInventory)}
	}
	inv := &Inventory{File: name, hvars: map[string]map[string]string{}, groups: map[string]*group{}}
	inv.addGroup("all")
	inv.addGroup("ungrouped")
	inv.addChild("all", "ungrouped")
	p := iniParser{inv: inv, pending: map[string]*pendingDecl{}}
	if err := p.parse(data); err != nil {
		return nil, err
	}
	inv.reconcile()
	return inv, nil
}

type pendingDecl struct {
	line    int
	state   string
	parents []string
}

type iniParser struct {
	inv          *Inventory
	lineno       int
	pending      map[string]*pendingDecl
	pendingOrder []string
}

var (
	sectionRE   = regexp.MustCompile(`^\[([^:\]\s]+)(?::(\w+))?\]\s*(?:#.*)?$`)
	groupNameRE = regexp.MustCompile(`^([^:\]\s]+)\s*(?:#.*)?$`)
)

func (p *iniParser) fail(format string, args ...any) error {
	return &InventoryError{File: p.inv.File, Line: p.lineno, Msg: fmt.Sprintf(format, args...)}
}

func (p *iniParser) parse(data []byte) error {
	inv := p.inv
	groupName, state := "ungrouped", "hosts"
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64<<10), maxInventory)
	for sc.Scan() {
		p.lineno++
		raw := sc.Text()
		line := strings.TrimSpace(raw)
		if line == "" || line[0] == '#' || line[0] == ';' {
			continue
		}
		if !utf8.ValidString(line) {
			return p.fail("not UTF-8")
		}
		if m := sectionRE.FindStringSubmatch(line); m != nil {
			groupName, state = m[1], m[2]
			if state == "" {
				state = "hosts"
			}
			if state != "hosts" && state != "children" && state != "vars" {
				return p.fail("section [%s:%s] has unknown type: %s", m[1], m[2], state)
			}
			if _, ok := inv.groups[groupName]; !ok {
				// [g:vars] alone does not declare a group: it must be
				// declared by [g] or [g:children] somewhere.
				if _, isPending := p.pending[groupName]; state == "vars" && !isPending {
					p.addPending(groupName, &pendingDecl{line: p.lineno, state: "vars"})
				}
				inv.addGroup(groupName)
			}
			if d, ok := p.pending[groupName]; ok && state != "vars" {
				if d.state == "children" {
					p.resolveChildren(groupName)
				} else {
					p.removePending(groupName)
				}
			}
			continue
		}
		if strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]") {
			return p.fail("invalid section entry: %q (no spaces or other characters allowed in a section name)", line)
		}
		switch state {
		case "hosts":
			if err := p.hostLine(groupName, line); err != nil {
				return err
			}
		case "vars":
			k, v, ok := strings.Cut(line, "=")
			if !ok {
				return p.fail("expected key=value, got: %s", line)
			}
			inv.groups[groupName].vars[strings.TrimSpace(k)] = parseValue(strings.TrimSpace(v))
		case "children":
			m := groupNameRE.FindStringSubmatch(line)
			if m == nil {
				return p.fail("expected group name, got: %s", line)
			}
			child := m[1]
			if _, ok := inv.groups[child]; ok {
				if err := p.addChildChecked(groupName, child); err != nil {
					return err
				}
				continue
			}
			if d, ok := p.pending[child]; ok {
				d.parents = append(d.parents, groupName)
			} else {
				p.addPending(child, &pendingDecl{line: p.lineno, state: "children", parents: []string{groupName}})
			}
		}
	}
	if err := sc.Err(); err != nil {
		return p.fail("%v", err)
	}
	for _, g := range p.pendingOrder {
		d, ok := p.pending[g]
		if !ok {
			continue
		}
		p.lineno = d.line
		if d.state == "vars" {
			return p.fail("section [%s:vars] not valid for undefined group: %s", g, g)
		}
		return p.fail("section [%s:children] includes undefined group: %s", d.parents[len(d.parents)-1], g)
	}
	return nil
}

func (p *iniParser) addPending(name string, d *pendingDecl) {
	p.pending[name] = d
	p.pendingOrder = append(p.pendingOrder, name)
}

func (p *iniParser) removePending(name string) { delete(p.pending, name) }

// resolveChildren links a group declared late to the parents that named
// it as a child before.
func (p *iniParser) resolveChildren(name string) {
	d := p.pending[name]
	p.removePending(name)
	for _, parent := range d.parents {
		// A loop here is reported when the parent is declared.
		_ = p.addChildChecked(parent, name)
		if pd, ok := p.pending[parent]; ok && pd.state == "children" {
			p.resolveChildren(parent)
		}
	}
}

func (p *iniParser) addChildChecked(parent, child string) error {
	if parent == child {
		return p.fail("group %s cannot be its own child", child)
	}
	if p.inv.isAncestor(child, parent) {
		return p.fail("adding group %q as child to %q creates a recursive dependency loop", child, parent)
	}
	p.inv.addChild(parent, child)
	return nil
}

// hostLine is one host definition: a name or range, then key=value
// variables (shell-like quoting, # starts a comment).
func (p *iniParser) hostLine(groupName, line string) error {
	tokens, err := shlexSplit(line)
	if err != nil {
		return p.fail("error parsing host definition %q: %v", line, err)
	}
	if len(tokens) == 0 {
		return nil
	}
	names, port, err := expandHostPattern(tokens[0])
	if err != nil {
		return p.fail("%v", err)
	}
	vars := map[string]string{}
	for _, t := range tokens[1:] {
		k, v, ok := strings.Cut(t, "=")
		if !ok {
			return p.fail("expected key=value host variable assignment, got: %s", t)
		}
		vars[k] = parseValue(v)
	}
	if port != "" {
		vars["ansible_port"] = port
	}
	for _, n := range names {
		p.inv.addHost(groupName, n, vars)
	}
	return nil
}

func (inv *Inventory) addGroup(name string) *group {
	if g, ok := inv.groups[name]; ok {
		return g
	}
	g := &group{name: name, vars: map[string]string{}}
	inv.groups[name] = g
	inv.order = append(inv.order, name)
	return g
}

func (inv *Inventory) addChild(parent, child string) {
	pg, cg := inv.addGroup(parent), inv.addGroup(child)
	for _, c := range pg.children {
		if c == child {
			return
		}
	}
	pg.children = append(pg.children, child)
	cg.parents = append(cg.parents, parent)
}

// isAncestor reports whether a is b or one of b's ancestors.
func (inv *Inventory) isAncestor(a, b string) bool {
	seen := map[string]bool{}
	var walk func(string) bool
	walk = func(n string) bool {
		if n == a {
			return true
		}
		if seen[n] {
			return false
		}
		seen[n] = true
		for _, p := range inv.groups[n].parents {
			if walk(p) {
				return true
			}
		}
		return false
	}
	return walk(b)
}

func (inv *Inventory) addHost(groupName, name string, vars map[string]string) {
	hv, ok := inv.hvars[name]
	if !ok {
		hv = map[string]string{}
		inv.hvars[name] = hv
		inv.hosts = append(inv.hosts, name)
	}
	for k, v := range vars {
		hv[k] = v
	}
	g := inv.groups[groupName]
	for _, h := range g.hosts {
		if h == name {
			return
		}
	}
	g.hosts = append(g.hosts, name)
}

// reconcile does what Ansible does after parsing: every group without a
// parent is a child of all, every host in no group but all and ungrouped
// is in ungrouped only, and each group's depth (its distance from all)
// orders the variables: a child group's win over its parent's.
func (inv *Inventory) reconcile() {
	for _, name := range inv.order {
		if name != "all" && len(inv.groups[name].parents) == 0 {
			inv.addChild("all", name)
		}
	}
	// A host listed in [ungrouped] (or before any section) and in another
	// group too is not ungrouped.
	ug := inv.groups["ungrouped"]
	kept := ug.hosts[:0]
	for _, h := range ug.hosts {
		inOther := false
		for _, name := range inv.order {
			if name != "all" && name != "ungrouped" && contains(inv.groups[name].hosts, h) {
				inOther = true
				break
			}
		}
		if !inOther {
			kept = append(kept, h)
		}
	}
	ug.hosts = kept
	var setDepth func(g *group, d int)
	setDepth = func(g *group, d int) {
		if d <= g.depth && g.name != "all" {
			return
		}
		g.depth = d
		for _, c := range g.children {
			setDepth(inv.groups[c], d+1)
		}
	}
	for _, c := range inv.groups["all"].children {
		setDepth(inv.groups[c], 1)
	}
}

// Hosts are every host of the inventory, in the order they first appear.
func (inv *Inventory) Hosts() []string { return append([]string(nil), inv.hosts...) }

// Groups are the inventory's group names, all and ungrouped included, in
// the order they first appear.
func (inv *Inventory) Groups() []string { return append([]string(nil), inv.order...) }

// GroupHosts are the hosts of a group and of its children, as Ansible
// lists them (the group's own first, then each generation of children);
// nil for a group that does not exist.
func (inv *Inventory) GroupHosts(name string) []string {
	g, ok := inv.groups[name]
	if !ok {
		return nil
	}
	if name == "all" {
		return inv.Hosts()
	}
	var out []string
	seenHost := map[string]bool{}
	seenGroup := map[string]bool{name: true}
	level := []*group{g}
	for len(level) > 0 {
		var next []*group
		for _, lg := range level {
			for _, h := range lg.hosts {
				if !seenHost[h] {
					seenHost[h] = true
					out = append(out, h)
				}
			}
			for _, c := range lg.children {
				if !seenGroup[c] {
					seenGroup[c] = true
					next = append(next, inv.groups[c])
				}
			}
		}
		level = next
	}
	return out
}

// hostGroups are the groups host is in, with their ancestors, all
// included.
func (inv *Inventory) hostGroups(host string) []*group {
	seen := map[string]bool{}
	var out []*group
	var up func(name string)
	up = func(name string) {
		if seen[name] {
			return
		}
		seen[name] = true
		g := inv.groups[name]
		out = append(out, g)
		for _, p := range g.parents {
			up(p)
		}
	}
	for _, name := range inv.order {
		if contains(inv.groups[name].hosts, host) {
			up(name)
		}
	}
	up("all")
	return out
}

// Vars are host's variables as Ansible merges them from the inventory:
// all's, then each group's from the farthest from all to the nearest
// (a child group's win over its parent's, ties by name), then the host's
// own. Nil for a host that is not in the inventory.
func (inv *Inventory) Vars(host string) map[string]string {
	hv, ok := inv.hvars[host]
	if !ok {
		return nil
	}
	groups := inv.hostGroups(host)
	sort.SliceStable(groups, func(i, j int) bool {
		if groups[i].depth != groups[j].depth {
			return groups[i].depth < groups[j].depth
		}
		return groups[i].name < groups[j].name
	})
	out := map[string]string{}
	for _, g := range groups {
		for k, v := range g.vars {
			out[k] = v
		}
	}
	for k, v := range hv {
		out[k] = v
	}
	return out
}

// Host is host as ssh will reach it, from its variables: ansible_host,
// ansible_user, ansible_port, ansible_ssh_private_key_file,
// ansible_become, ansible_connection=local, ostopo_flags,
// ostopo_remote_base and ostopo_state_dir (and the old
// ansible_ssh_host, ansible_ssh_user, ansible_ssh_port spellings).
func (inv *Inventory) Host(name string) (Host, error) {
	v := inv.Vars(name)
	if v == nil {
		return Host{}, fmt.Errorf("%s: no host %q", inv.File, name)
	}
	h := Host{Name: name, Become: true}
	h.Address = firstVar(v, "ansible_host", "ansible_ssh_host")
	h.User = firstVar(v, "ansible_user", "ansible_ssh_user")
	if p := firstVar(v, "ansible_port", "ansible_ssh_port"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n <= 0 || n > 65535 {
			return Host{}, fmt.Errorf("%s: host %s: ansible_port %q is not a port number", inv.File, name, p)
		}
		h.Port = n
	}
	h.IdentityFile = firstVar(v, "ansible_ssh_private_key_file", "ansible_private_key_file")
	if b, ok := v["ansible_become"]; ok {
		h.Become = ansibleBool(b)
	}
	h.Local = v["ansible_connection"] == "local"
	h.Flags = strings.Fields(v["ostopo_flags"])
	h.RemoteBase, h.StateDir = v["ostopo_remote_base"], v["ostopo_state_dir"]
	for _, g := range inv.hostGroups(name) {
		h.Groups = append(h.Groups, g.name)
	}
	sort.Strings(h.Groups)
	return h, nil
}

func firstVar(v map[string]string, names ...string) string {
	for _, n := range names {
		if s, ok := v[n]; ok && s != "" {
			return s
		}
	}
	return ""
}

// ansibleBool is Ansible's boolean filter on an inventory string.
func ansibleBool(s string) bool {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "yes", "on", "1", "true", "y", "t", "1.0":
		return true
	}
	return false
}

// parseValue is the part of Ansible's literal_eval of an inventory value
// that matters for strings: quotes around the whole value are removed.
func parseValue(v string) string {
	if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] && !strings.ContainsRune(v[1:len(v)-1], rune(v[0])) {
		return v[1 : len(v)-1]
	}
	return v
}

// shlexSplit is Python's shlex.split(line, comments=True), which Ansible
// uses on host lines: words split on white space, '…' and "…" quoting,
// backslash escapes, and # starting a comment outside quotes.
func shlexSplit(line string) ([]string, error) {
	var out []string
	var cur strings.Builder
	inWord := false
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
			if inWord {
				out = append(out, cur.String())
				cur.Reset()
				inWord = false
			}
		case c == '#':
			if inWord {
				out = append(out, cur.String())
			}
			return out, nil
		case c == '\\':
			inWord = true
			if i+1 < len(line) {
				i++
				cur.WriteByte(line[i])
			}
		case c == '\'':
			inWord = true
			end := strings.IndexByte(line[i+1:], '\'')
			if end < 0 {
				return nil, fmt.Errorf("no closing quotation")
			}
			cur.WriteString(line[i+1 : i+1+end])
			i += end + 1
		case c == '"':
			inWord = true
			i++
			closed := false
			for ; i < len(line); i++ {
				d := line[i]
				if d == '"' {
					closed = true
					break
				}
				if d == '\\' && i+1 < len(line) && strings.IndexByte("\\\"$`\n", line[i+1]) >= 0 {
					i++
					d = line[i]
				}
				cur.WriteByte(d)
			}
			if !closed {
				return nil, fmt.Errorf("no closing quotation")
			}
		default:
			inWord = true
			cur.WriteByte(c)
		}
	}
	if inWord {
		out = append(out, cur.String())
	}
	return out, nil
}

var (
	hostPortRE   = regexp.MustCompile(`^([^:\[\]]+|\[[^\]]*\]|[^:]*\[[^\]]+\][^:]*):(\d+)$`)
	bracketV6RE  = regexp.MustCompile(`^\[([0-9a-fA-F:.]+)\](?::(\d+))?$`)
	hostRangeRE  = regexp.MustCompile(`^(.*?)\[([^\]]*)\](.*)$`)
	alnumRangeRE = regexp.MustCompile(`^[0-9a-zA-Z]*$`)
)

// expandHostPattern splits an inventory host name into its names (a range
// such as compute[01:20] or node-[a:c] stands for several) and its port
// (host:2222).
func expandHostPattern(pattern string) (names []string, port string, err error) {
	if strings.HasSuffix(pattern, ":") {
		return nil, "", fmt.Errorf("invalid host pattern %q: a trailing ':' is reserved for a port", pattern)
	}
	base := pattern
	if m := bracketV6RE.FindStringSubmatch(pattern); m != nil {
		return []string{m[1]}, m[2], nil
	}
	if strings.Count(pattern, ":") >= 2 && !strings.Contains(pattern, "[") {
		// A bare IPv6 address: no port.
		return []string{pattern}, "", nil
	}
	if m := hostPortRE.FindStringSubmatch(pattern); m != nil {
		base, port = m[1], m[2]
	}
	if base == "---" {
		return nil, "", fmt.Errorf("invalid host pattern %q: '---' is a sign of a YAML file", pattern)
	}
	names, err = expandRanges(base)
	if err != nil {
		return nil, "", err
	}
	return names, port, nil
}

// expandRanges expands every [beg:end] or [beg:end:step] in name, as
// Ansible's expand_hostname_range: numbers keep the width of a start with
// leading zeros, letters run a..z.
func expandRanges(name string) ([]string, error) {
	m := hostRangeRE.FindStringSubmatch(name)
	if m == nil || !strings.Contains(m[2], ":") {
		return []string{name}, nil
	}
	head, spec, tail := m[1], m[2], m[3]
	parts := strings.Split(spec, ":")
	if len(parts) != 2 && len(parts) != 3 {
		return nil, fmt.Errorf("host range must be begin:end or begin:end:step: %s", name)
	}
	beg, end := parts[0], parts[1]
	step := 1
	if len(parts) == 3 {
		n, err := strconv.Atoi(parts[2])
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("host range step must be a positive number: %s", name)
		}
		step = n
	}
	if beg == "" {
		beg = "0"
	}
	if end == "" {
		return nil, fmt.Errorf("host range must specify end value: %s", name)
	}
	if !alnumRangeRE.MatchString(beg) || !alnumRangeRE.MatchString(end) {
		return nil, fmt.Errorf("host range must be letters or numbers: %s", name)
	}
	var seq []string
	bi, berr := strconv.Atoi(beg)
	ei, eerr := strconv.Atoi(end)
	switch {
	case berr == nil && eerr == nil:
		width := 0
		if len(beg) > 1 && beg[0] == '0' {
			width = len(beg)
			if len(end) != width {
				return nil, fmt.Errorf("host range must specify equal-length begin and end formats: %s", name)
			}
		}
		if ei < bi {
			return nil, fmt.Errorf("host range must have begin <= end: %s", name)
		}
		if (ei-bi)/step+1 > maxRangeHosts {
			return nil, fmt.Errorf("host range expands to more than %d hosts: %s", maxRangeHosts, name)
		}
		for i := bi; i <= ei; i += step {
			seq = append(seq, fmt.Sprintf("%0*d", width, i))
		}
	case len(beg) == 1 && len(end) == 1 && isLetter(beg[0]) && isLetter(end[0]):
		if end[0] < beg[0] {
			return nil, fmt.Errorf("host range must have begin <= end: %s", name)
		}
		for c := int(beg[0]); c <= int(end[0]); c += step {
			seq = append(seq, string(rune(c)))
		}
	default:
		return nil, fmt.Errorf("host range must be numbers or single letters: %s", name)
	}
	rest, err := expandRanges(tail)
	if err != nil {
		return nil, err
	}
	if len(seq)*len(rest) > maxRangeHosts {
		return nil, fmt.Errorf("host range expands to more than %d hosts: %s", maxRangeHosts, name)
	}
	out := make([]string, 0, len(seq)*len(rest))
	for _, s := range seq {
		for _, r := range rest {
			out = append(out, head+s+r)
		}
	}
	return out, nil
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
