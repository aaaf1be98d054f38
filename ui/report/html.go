package report

import (
	"fmt"
	"html"
	"strings"

	"github.com/ostopo/ostopo/netinspect/safetext"
	"github.com/ostopo/ostopo/netinspect/topo"
	"github.com/ostopo/ostopo/ui/diagram"
)

// longTable is the rows a table shows before the rest fold away (the
// rows with a problem are always shown).
const longTable = 20

// HTML is one self-contained page: no script, font, stylesheet or image
// from anywhere (the Content-Security-Policy forbids it too). First what
// a reader needs first: a summary of what is wrong and the contents, the
// problems; then the node drawn as inline SVG (shrunk to the page's
// width), then the tables, rows with a problem first and long tables
// folded. It prints: the drawing scales to the page and table headers
// repeat.
func HTML(s *topo.Snapshot) string {
	r := newReport(s)
	var b strings.Builder
	title := "ostopo report: " + s.Host
	b.WriteString(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>` + esc(title) + `</title>
<style>
body{font-family:"DejaVu Sans",Arial,sans-serif;font-size:13px;margin:16px;color:#111}
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:24px 0 6px;border-bottom:1px solid #ccc}
.meta{color:#555;margin-bottom:10px}
.summary{font-size:15px;font-weight:bold;padding:6px 10px;border-radius:4px;display:inline-block;margin:0 0 8px}
.summary.error{background:#fde8e8;color:#b00020;border:1px solid #b00020}
.summary.warning{background:#fff4d6;color:#8a5a00;border:1px solid #a66a00}
.summary.unknown{background:#f0f0f0;color:#444;border:1px solid #888}
.summary.ok{background:#e8f5e9;color:#1b7f3b;border:1px solid #1b7f3b}
nav.toc{margin:4px 0 8px}nav.toc a{color:#1a56c4;text-decoration:none;margin-right:14px}nav.toc a.error{color:#b00020}
.drawing{overflow-x:auto;border:1px solid #ddd;padding:4px}
.drawing svg{display:block}
table{border-collapse:collapse;width:100%;margin-bottom:8px}
th,td{border:1px solid #ccc;padding:2px 5px;text-align:left;vertical-align:top;font-family:"DejaVu Sans Mono",monospace;font-size:11px;overflow-wrap:break-word}
th{background:#eef2f8;white-space:nowrap}
td.mark{width:1.2em;text-align:center;font-weight:bold}
tr.error td{background:#fde8e8;color:#8b0018}
tr.warning td{background:#fff4d6}
tr.unknown td{background:#f0f0f0;color:#444}
p.none{color:#777}
details{margin:4px 0 8px}summary{cursor:pointer;color:#1a56c4}
@media print{.drawing{overflow:visible;border:none}thead{display:table-header-group}tr{break-inside:avoid}h2{break-after:avoid}details>summary{display:none}}
</style></head><body>
`)
	fmt.Fprintf(&b, "<h1>%s</h1>\n<div class=\"meta\">snapshot taken %s · %d networks · %d ports · %d routers · %d namespaces · %d bridges</div>\n",
		esc(title), esc(s.TakenAt.UTC().Format("2006-01-02 15:04:05 MST")), len(s.Neutron.Networks), len(s.Neutron.Ports),
		len(s.Neutron.Routers), len(s.Namespaces), len(s.OVS.Bridges))
	sum, worst := r.summary()
	fmt.Fprintf(&b, "<p class=\"summary %s\">%s</p>\n", worst, esc(mark(worst)+sum))

	// The contents: the problems, the drawing, the tables, each with
	// its count and how many of its rows have a problem.
	b.WriteString(`<nav class="toc">`)
	probs, rest := r.tables[0], r.tables[1:]
	toc := func(id, text string, h diagram.Health) {
		cls := ""
		if h == diagram.Error {
			cls = ` class="error"`
		}
		fmt.Fprintf(&b, `<a href="#%s"%s>%s</a>`, id, cls, esc(text))
	}
	toc(probs.ID, fmt.Sprintf("Problems (%d)", len(probs.Rows)), worst)
	toc("topology", "Topology", diagram.OK)
	for _, t := range rest {
		text := fmt.Sprintf("%s (%d", t.Title, len(t.Rows))
		h := diagram.OK
		if e := t.Count(diagram.Error); e > 0 {
			text += fmt.Sprintf(", %d ✗", e)
			h = diagram.Error
		}
		toc(t.ID, text+")", h)
	}
	b.WriteString("</nav>\n")

	table(&b, probs)
	b.WriteString("<h2 id=\"topology\">Topology</h2>\n<div class=\"drawing\">\n")
	b.WriteString(diagram.SVG(diagram.Build(s, r.exam, pageOptions())))
	b.WriteString("</div>\n")
	for _, t := range rest {
		table(&b, t)
	}
	b.WriteString("</body></html>\n")
	return b.String()
}

// table writes one section. A long one shows its rows with a problem
// (they come first) and folds the others in a <details>.
func table(b *strings.Builder, t Table) {
	fmt.Fprintf(b, "<h2 id=\"%s\">%s</h2>\n", t.ID, esc(t.Title))
	if len(t.Rows) == 0 {
		b.WriteString("<p class=\"none\">(none)</p>\n")
		return
	}
	shown := len(t.Rows)
	if shown > longTable {
		shown = 0
		for shown < len(t.Rows) && t.Health[shown] >= diagram.Warning {
			shown++
		}
	}
	if shown > 0 {
		rows(b, t, 0, shown)
	}
	if shown < len(t.Rows) {
		what := fmt.Sprintf("%d more rows without a problem: show them", len(t.Rows)-shown)
		if shown == 0 {
			what = fmt.Sprintf("%d rows, none with a problem: show them", len(t.Rows))
		}
		fmt.Fprintf(b, "<details><summary>%s</summary>\n", esc(what))
		rows(b, t, shown, len(t.Rows))
		b.WriteString("</details>\n")
	}
}

// rows writes a table of rows [from, to).
func rows(b *strings.Builder, t Table, from, to int) {
	b.WriteString("<table><thead><tr><th></th>")
	for _, h := range t.Header {
		fmt.Fprintf(b, "<th>%s</th>", esc(h))
	}
	b.WriteString("</tr></thead><tbody>\n")
	for i := from; i < to; i++ {
		if h := t.Health[i]; h != diagram.OK {
			fmt.Fprintf(b, `<tr class="%s">`, h)
		} else {
			b.WriteString("<tr>")
		}
		fmt.Fprintf(b, `<td class="mark">%s</td>`, strings.TrimSpace(mark(t.Health[i])))
		for _, c := range t.Rows[i] {
			fmt.Fprintf(b, "<td>%s</td>", esc(c))
		}
		b.WriteString("</tr>\n")
	}
	b.WriteString("</tbody></table>\n")
}

// esc is text for HTML: tags and entities escaped, and every control
// character written visibly (safetext.Term): a page's text is also copied
// into terminals.
func esc(s string) string { return html.EscapeString(safetext.Term(s)) }
