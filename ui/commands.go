package ui

import (
	"sort"
	"strings"

	tea "github.com/charmbracelet/bubbletea"
)

// commands are what the : line accepts: a view name (with an optional
// filter), the namespace shortcut `ns PREFIX`, `trace IP [reverse]`, filter,
// refresh, help, quit.
func commandNames() []string {
	names := []string{"filter", "fix", "help", "ns", "quit", "refresh", "trace"}
	for _, v := range views() {
		names = append(names, strings.ToLower(v.name))
	}
	sort.Strings(names)
	return names
}

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
	for i, v := range views() {
		if word == strings.ToLower(v.name) || (len(word) >= 2 && strings.HasPrefix(strings.ToLower(v.name), word)) {
			m.switchView(i)
			if arg != "" {
				m.pane().applyFilter(arg)
			}
			return nil
		}
	}
	switch word {
	case "":
		return nil
	case "q", "quit":
		return tea.Quit
	case "ns":
		m.switchView(2)
		m.pane().applyFilter(arg)
	case "filter":
		m.pane().applyFilter(arg)
	case "refresh":
		if m.opt.Source.Live() {
			return m.refresh()
		}
		m.status = "replaying a snapshot: nothing to refresh"
	case "help":
		m.mode = modeHelp
	case "fix":
		return m.startFix(arg)
	case "trace":
		target, rev, _ := strings.Cut(arg, " ")
		m.openTrace(target, strings.TrimSpace(rev) == "reverse" || strings.TrimSpace(rev) == "--reverse")
	default:
		m.status = "unknown command :" + word + " (" + strings.Join(commandNames(), ", ") + ")"
	}
	return nil
}
