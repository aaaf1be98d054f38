package ui

import (
	"sort"
	"strings"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/ostopo/ostopo/netinspect/safetext"
	"github.com/ostopo/ostopo/ui/filter"
)

// commands are what the : line accepts: a view name (with an optional
// filter), the namespace shortcut `ns PREFIX`, `trace IP [reverse]`,
// `fix GATEWAY [DEV]`, filter, refresh, help, quit.
func commandNames() []string {
	names := []string{"filter", "fix", "help", "ns", "quit", "refresh", "trace"}
	names = append(names, ViewNames()...)
	sort.Strings(names)
	return names
}

func filterKeys() []string { return filter.Keys() }

// complete finishes the command word when it has a single completion.
func complete(line string) string {
	word, rest, hasRest := strings.Cut(line, " ")
	if hasRest {
		return line
	}
	var hits []string
	for _, n := range commandNames() {
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
		m.switchView(viewNamespaces)
		m.setFilter(arg)
		return nil
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
	if i := viewIndex(word); i >= 0 {
		m.switchView(i)
		if arg != "" {
			m.setFilter(arg)
		}
		return nil
	}
	m.status = "unknown command :" + safetext.Term(word) + " (" + strings.Join(commandNames(), ", ") + ")"
	return nil
}
