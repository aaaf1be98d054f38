package ui

import (
	"sort"
	"strconv"
	"strings"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/ostopo/ostopo/netinspect/safetext"
	"github.com/ostopo/ostopo/ui/filter"
)

// commands are what the : line accepts: a view name (with an optional
// filter), the namespace shortcut `ns PREFIX`, `trace IP [reverse]`,
// `fix GATEWAY [DEV]`, filter, refresh, help, quit; on a cloud also
// `node NAME` (`node all`), `nodes` and `mesh`.
func (m *Model) commandNames() []string {
	names := []string{"filter", "fix", "help", "ns", "quit", "refresh", "trace"}
	names = append(names, ViewNames()...)
	if m.cloud != nil {
		names = append(names, "node", "nodes", "mesh")
	}
	sort.Strings(names)
	return names
}

func filterKeys() []string { return filter.Keys() }

// complete finishes the command word when it has a single completion;
// after `node ` on a cloud, the node's name (or "all"): one match is
// filled in, several their common start, and the status lists them.
func (m *Model) complete(line string) string {
	word, rest, hasRest := strings.Cut(line, " ")
	if hasRest {
		if strings.ToLower(word) == "node" && m.cloud != nil {
			return word + " " + m.completeNode(strings.TrimSpace(rest))
		}
		return line
	}
	var hits []string
	for _, n := range m.commandNames() {
		if strings.HasPrefix(n, strings.ToLower(word)) {
			hits = append(hits, n)
		}
	}
	if len(hits) == 1 {
		return hits[0] + " " + rest
	}
	return line
}

// runCommand executes a : line.
func (m *Model) runCommand(line string) tea.Cmd {
	word, arg, _ := strings.Cut(strings.TrimSpace(line), " ")
	arg = strings.TrimSpace(arg)
	word = strings.ToLower(word)
	switch word {
	case "":
		return nil
	case "q", "quit":
		return tea.Quit
	case "ns":
		cmd := m.switchView(viewNamespaces)
		m.setFilter(arg)
		return cmd
	case "filter":
		m.setFilter(arg)
		return nil
	case "refresh":
		if m.opt.Source.Live() {
			return m.refresh()
		}
		m.status = "replaying a snapshot: nothing to refresh"
		return nil
	case "help":
		m.mode = modeHelp
		return nil
	case "fix":
		return m.startFix(arg)
	case "trace":
		target, rev, _ := strings.Cut(arg, " ")
		rev = strings.TrimSpace(rev)
		return m.openTrace(target, rev == "reverse" || rev == "--reverse")
	}
	if m.cloud != nil {
		switch word {
		case "node":
			if arg == "" {
				return m.switchView(viewNodes)
			}
			return m.scopeCommand(arg)
		case "nodes", "mesh":
			cmd := m.switchView(viewNodes)
			if m.cloud.showMesh != (word == "mesh") {
				m.toggleMesh()
			}
			return cmd
		}
	}
	if i := viewIndex(word); i >= 0 {
		cmd := m.switchView(i)
		if arg != "" {
			m.setFilter(arg)
		}
		return cmd
	}
	m.status = "unknown command :" + safetext.Term(word) + " (" + strings.Join(m.commandNames(), ", ") + ")"
	return nil
}

// scopeCommand is `:node NAME`: the views scoped to the node (a unique
// start of its name will do; "all": every node); from the Nodes view the
// last other view opens, as enter on a row does.
func (m *Model) scopeCommand(arg string) tea.Cmd {
	name, ok := m.nodeNamed(arg)
	if !ok {
		return nil
	}
	if m.active != viewNodes {
		return m.setScope(name, nil)
	}
	next := m.cloud.lastView
	cmd := m.setScope(name, nil)
	return tea.Batch(cmd, m.switchView(next))
}

// nodeNamed finds the node arg names: its name, or the start of only
// one ("" is all). Otherwise the status says why.
func (m *Model) nodeNamed(arg string) (string, bool) {
	if strings.EqualFold(arg, "all") {
		return "", true
	}
	c := m.cloud.c
	if c.Node(arg) != nil {
		return arg, true
	}
	hits := m.nodeCandidates(arg)
	switch len(hits) {
	case 1:
		return hits[0], true
	case 0:
		m.status = "no node " + safetext.Term(arg) + " in this cloud (tab completes the names)"
	default:
		m.status = safetext.Term(arg) + " names " + strconv.Itoa(len(hits)) + " nodes: " + safetext.Term(strings.Join(hits, " "))
	}
	return "", false
}

// nodeCandidates are "all" and the nodes whose name starts with prefix.
func (m *Model) nodeCandidates(prefix string) []string {
	var out []string
	if strings.HasPrefix("all", strings.ToLower(prefix)) {
		out = append(out, "all")
	}
	for _, n := range m.cloud.c.Nodes {
		if strings.HasPrefix(n.Name, prefix) {
			out = append(out, n.Name)
		}
	}
	return out
}

// completeNode completes a node's name: the one match, or the start all
// the matches share (the status lists them).
func (m *Model) completeNode(prefix string) string {
	hits := m.nodeCandidates(prefix)
	switch len(hits) {
	case 0:
		m.status = "no node starts with " + safetext.Term(prefix)
		return prefix
	case 1:
		return hits[0]
	}
	common := hits[0]
	for _, h := range hits[1:] {
		for !strings.HasPrefix(h, common) {
			common = common[:len(common)-1]
		}
	}
	m.status = "nodes: " + safetext.Term(strings.Join(hits, "  "))
	if len(common) < len(prefix) {
		return prefix
	}
	return common
}
