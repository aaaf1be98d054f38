package report

import (
	"fmt"
	"strings"

	"github.com/ostopo/ostopo/netinspect/safetext"
	"github.com/ostopo/ostopo/netinspect/topo"
	"github.com/ostopo/ostopo/ui/diagram"
)

// Markdown is the report for tickets and wikis: a summary line, the
// problems, then the tables (GitHub-flavoured), rows with a problem first
// and marked. Every text in it, the snapshot's and ostopo's own, goes
// through safetext.Markdown: a name holding a tag, a '|', a backtick or a
// newline renders as those characters, inside its cell or heading.
func Markdown(s *topo.Snapshot) string {
	r := newReport(s)
	md := safetext.Markdown
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n\nSnapshot taken %s (schema %s).\n", md("ostopo report: "+s.Host),
		md(s.TakenAt.UTC().Format("2006-01-02 15:04:05 MST")), md(s.Schema))
	sum, worst := r.summary()
	fmt.Fprintf(&b, "\nSummary: %s%s.\n", md(mark(worst)), md(sum))
	for _, t := range r.tables {
		fmt.Fprintf(&b, "\n## %s\n\n", md(t.Title))
		if len(t.Rows) == 0 {
			b.WriteString("(none)\n")
			continue
		}
		b.WriteString(mdRow(append([]string{" "}, t.Header...)))
		b.WriteString("|" + strings.Repeat("---|", len(t.Header)+1) + "\n")
		for i, row := range t.Rows {
			b.WriteString(mdRow(append([]string{mark(t.Health[i])}, row...)))
		}
	}
	return b.String()
}

// mark is a row's health said in text: ✗ error, ! warning, ? unknown.
func mark(h diagram.Health) string {
	switch h {
	case diagram.Error:
		return "✗ "
	case diagram.Warning:
		return "! "
	case diagram.Unknown:
		return "? "
	}
	return ""
}

// mdRow is one table row: each cell as Markdown text, an empty one as a
// space (a row of "||" is read as fewer cells).
func mdRow(cells []string) string {
	out := make([]string, len(cells))
	for i, c := range cells {
		if out[i] = safetext.Markdown(strings.TrimSpace(c)); out[i] == "" {
			out[i] = " "
		}
	}
	return "| " + strings.Join(out, " | ") + " |\n"
}
