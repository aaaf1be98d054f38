package render

import (
	"strings"

	"github.com/ostopo/ostopo/netinspect/trace"
)

// Trace turns a trace into rows, from the same text the CLI prints (one
// formatter for the ticket and the screen), classed by what each line is.
func Trace(r *trace.Result, host string) []Row {
	var rows []Row
	for _, line := range strings.Split(strings.TrimRight(trace.Text(r, host), "\n"), "\n") {
		class := Normal
		trimmed := strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(line, "ostopo trace"):
			class = Header
		case strings.HasPrefix(trimmed, "✗") || strings.Contains(line, " ✗ ") && !strings.HasPrefix(line, "       ") ||
			strings.HasPrefix(line, "path BROKEN") || strings.HasPrefix(trimmed, "expected:") ||
			strings.HasPrefix(trimmed, "found:") || strings.HasPrefix(trimmed, "next:"):
			class = Problem
		case strings.HasPrefix(line, "path complete"):
			class = Good
		case strings.HasPrefix(line, "path UNKNOWN"):
			// Neither good nor broken: facts were not read.
			class = Header
		case strings.HasPrefix(line, "       "):
			class = Dim
		}
		rows = append(rows, Row{Text: line, Class: class, Ref: Ref{"trace", r.IP}, Copy: trimmed})
	}
	return rows
}
