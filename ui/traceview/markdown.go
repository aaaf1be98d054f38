package traceview

import (
	"strconv"
	"strings"

	"github.com/ostopo/ostopo/netinspect/safetext"
	"github.com/ostopo/ostopo/netinspect/trace"
)

// Markdown is a trace as an operator pastes it into a ticket: the target
// as a heading, the verdict in bold, then each hop as a numbered item with
// its facts under it. It holds trace.Text's lines, each through
// safetext.Markdown: no fenced block, whose backticks a name could close,
// and no raw '<' or newline from the snapshot.
func Markdown(r *trace.Result, host string) string { return markdown(parse(r, host)) }

// markdown writes a parsed trace (one node's or a cloud's) as Markdown.
func markdown(t text) string {
	var b strings.Builder
	for i, h := range t.head {
		if i == 0 {
			b.WriteString("### " + md(h) + "\n\n")
			for _, v := range t.verdict {
				b.WriteString("**" + md(v) + "**\n\n")
			}
			continue
		}
		b.WriteString(md(h) + "\n\n")
	}
	for i, hop := range t.hops {
		b.WriteString(strconv.Itoa(i+1) + ". " + md(hopLine(hop[0])) + "\n")
		for _, f := range hop[1:] {
			b.WriteString("    - " + md(strings.TrimSpace(f)) + "\n")
		}
	}
	if len(t.hops) == 0 {
		b.WriteString("(no hops)\n")
	}
	return b.String()
}

// md is one line of trace.Text as inline Markdown. trace.Text wrote it
// through safetext.Term already; Markdown escapes what Markdown and
// HTML would read.
func md(line string) string { return safetext.Markdown(line) }

// term is a string from the snapshot as terminal (and clipboard) text.
func term(s string) string { return safetext.Term(s) }
