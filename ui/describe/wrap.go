package describe

import (
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// wrap breaks a line at spaces into parts of at most w cells; the parts
// after the first are indented four cells past the line's own indent.
func wrap(s string, w int) []string {
	body := strings.TrimLeft(s, " ")
	lead := strings.Repeat(" ", len(s)-len(body))
	cont := lead + "    "
	var out []string
	cur, prefix := "", lead
	limit := w - len(lead)
	flush := func() {
		out = append(out, strings.TrimRight(prefix+cur, " "))
		cur, prefix, limit = "", cont, max(4, w-len(cont))
	}
	for _, word := range strings.Split(body, " ") {
		for ansi.StringWidth(word) > limit {
			// A word longer than a row: cut it.
			if cur != "" {
				flush()
				continue
			}
			cur = ansi.Cut(word, 0, limit)
			word = ansi.Cut(word, limit, ansi.StringWidth(word))
			flush()
		}
		switch {
		case cur == "":
			cur = word
		case ansi.StringWidth(cur)+1+ansi.StringWidth(word) <= limit:
			cur += " " + word
		default:
			flush()
			cur = word
		}
	}
	if cur != "" || len(out) == 0 {
		out = append(out, prefix+cur)
	}
	return out
}
