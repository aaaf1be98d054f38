package traceview

import (
	"strings"

	"github.com/ostopo/ostopo/netinspect/trace"
)

// text is a trace as trace.Text words it, cut into its parts: the lines
// the CLI prints are the lines the pane shows and the Markdown holds, so
// that the ticket and the screen never say different things. Every line
// is terminal-safe (trace.Text escapes each).
type text struct {
	head    []string   // "ostopo trace … on host (inbound)", "port … network …"
	hops    [][]string // per hop: its line, then its facts (indented)
	verdict []string   // "path BROKEN at hop 6 (…): …", and the unknown hop's note
}

// parse cuts trace.Text's output: the head until the first blank line,
// then one block per hop (a hop's facts are indented seven spaces), then
// after the next blank line the verdict.
func parse(r *trace.Result, host string) text { return parseText(trace.Text(r, host)) }

// parseText cuts a trace's text as trace.Text and cloudtrace.Text write
// it (the same layout; a cloud trace's hop lines name their node).
func parseText(s string) text {
	var t text
	part := 0
	for _, line := range strings.Split(strings.TrimRight(s, "\n"), "\n") {
		switch {
		case line == "" && part < 2:
			part++
		case part == 0:
			t.head = append(t.head, line)
		case part == 1 && strings.HasPrefix(line, "       ") && len(t.hops) > 0:
			t.hops[len(t.hops)-1] = append(t.hops[len(t.hops)-1], line)
		case part == 1:
			t.hops = append(t.hops, []string{line})
		default:
			t.verdict = append(t.verdict, line)
		}
	}
	return t
}

// hopLine is a hop's line without its number ("✓ tap tapada3ae32-e1 …").
func hopLine(line string) string {
	s := strings.TrimSpace(line)
	if _, rest, ok := strings.Cut(s, " "); ok {
		return strings.TrimSpace(rest)
	}
	return s
}
