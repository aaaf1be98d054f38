package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ostopo/ostopo/fixtures/fixturetest"
	"github.com/ostopo/ostopo/fixtures/hostile"
	"github.com/ostopo/ostopo/netinspect/topo"
	"github.com/ostopo/ostopo/netinspect/trace"
)

// Every command, in every format, on a snapshot from someone else's
// machine whose strings hold escape sequences, HTML, Markdown and
// newlines: hostile.Snapshot (every string, so that little still parses)
// and hostile.Names (names only, so that doctor finds, trace follows and
// the repair plans as on the clean node). What is meant for a terminal
// holds no control character but newline and tab; what is meant for a
// browser, a Markdown viewer or a parser (html, svg, md, dot, json) holds
// no raw HTML either. Standard error is terminal text everywhere.
func TestEveryCommandOnHostileSnapshots(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, s *topo.Snapshot) string {
		var b bytes.Buffer
		if err := topo.Encode(&b, s); err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, name+".json")
		if err := os.WriteFile(p, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	clean := writeFixture(t, "bad")
	for _, variant := range []struct {
		name string
		snap *topo.Snapshot
	}{
		{"every-string", hostile.Snapshot(fixturetest.Load(t, "bad"))},
		{"names", hostile.Names(fixturetest.Load(t, "bad"))},
		{"names-aio", hostile.Names(fixturetest.Load(t, "aio"))},
	} {
		file := write(variant.name, variant.snap)
		terminal := [][]string{
			{"doctor"}, {"diff", clean, file}, {"diff", file, clean},
			{"fix", "default-route", "--gateway", "10.20.0.1"},
			{"fix", "default-route", "--gateway", "10.20.0.11"},
			{"fix", "default-route", "--gateway", "10.20.0.1", "--dev", "eth1" + hostile.Payload},
			{"fix", "rollback"},
			{"trace", "10.9.9.9"}, {"trace", hostile.Payload},
			{"__complete", "trace", ""},
			{"__complete", "fix", "default-route", "--dev", ""},
			{"__complete", "fix", "default-route", "--netns", ""},
		}
		for _, view := range []string{"topology", "networks", "namespaces", "ports", "flows", "problems"} {
			terminal = append(terminal, []string{"--plain", "--view", view})
		}
		parsed := map[string][]string{
			"json": {"doctor", "--json"},
			"diff": {"diff", clean, file, "--json"},
			"snap": {"snapshot"},
			"pre":  {"snapshot", "--pretty"},
		}
		for _, c := range trace.Candidates(variant.snap) {
			terminal = append(terminal, []string{"trace", c.Value}, []string{"trace", c.Value, "--reverse"})
			parsed["trace "+c.Value] = []string{"trace", c.Value, "--json"}
		}
		for _, f := range []string{"html", "md", "svg", "dot", "json"} {
			parsed["report "+f] = []string{"report", "-o", "-", "--format", f}
		}
		run := func(args []string) (string, string) {
			_, stdout, stderr := runCLI(t, append(args, "--replay", file)...)
			label := variant.name + ": " + strings.Join(args, " ")
			hostile.CheckTerminal(t, label+" (stderr)", []byte(stderr))
			return label, stdout
		}
		for _, args := range terminal {
			label, stdout := run(args)
			hostile.CheckTerminal(t, label, []byte(stdout))
			// Not by showing nothing: the names are there, escaped.
			if variant.name == "names" && (args[0] == "doctor" || args[0] == "--plain") && !strings.Contains(stdout, `\x1b]0;pwned\x07`) {
				t.Errorf("%s: the hostile names are not shown escaped:\n%.600s", label, stdout)
			}
		}
		for _, args := range parsed {
			label, stdout := run(args)
			switch args[len(args)-1] {
			case "html", "svg":
				hostile.Check(t, label, []byte(stdout))
			default:
				hostile.CheckText(t, label, []byte(stdout))
			}
		}
	}
}

// A newline in a name stays inside its line: the doctor's summary line
// cannot be forged by a host called "x\nOK: no problems found".
func TestHostileNewlinesCannotForgeLines(t *testing.T) {
	s := fixturetest.Load(t, "aio")
	s.Host = "evil\nnode.lab: no problems found"
	var b bytes.Buffer
	if err := topo.Encode(&b, s); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "evil.json")
	os.WriteFile(file, b.Bytes(), 0o644)
	for _, args := range [][]string{{"doctor"}, {"trace", loadDemoFacts(t).fip}, {"fix", "default-route", "--gateway", "10.20.0.1"}, {"diff", file}} {
		_, stdout, _ := runCLI(t, append(args, "--replay", file)...)
		for _, line := range strings.Split(stdout, "\n") {
			if strings.HasPrefix(line, "node.lab: no problems found") {
				t.Errorf("%v: a forged line: %q", args, line)
			}
		}
		if !strings.Contains(stdout, `evil\nnode.lab`) {
			t.Errorf("%v: the host name is not shown escaped:\n%s", args, stdout)
		}
	}
}
