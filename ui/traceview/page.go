package traceview

import (
	"strconv"
	"strings"

	"github.com/ostopo/ostopo/netinspect/safetext"
	"github.com/ostopo/ostopo/netinspect/trace"
	"github.com/ostopo/ostopo/ui/describe"
	"github.com/ostopo/ostopo/ui/render"
)

// Verification states.
const (
	notAsked  = iota // a replay: recorded verdicts, if any, are shown
	verifying        // ofproto/trace runs in a command
	verified         // its verdicts are attached
)

// page lays a trace out: the verdict first (it used to be the last line,
// below the fold), whether ofproto/trace agrees, the target; then one
// section per hop, headed by the hop's line: open when it is broken or
// unknown, folded when it holds; then the TTL note.
func page(r *trace.Result, host string, state int, verifyErr string) describe.Page {
	return layout(r, parse(r, host), title(r), false, state, verifyErr)
}

// layout is page over a parsed text (one node's trace or a cloud's) with
// its title. A cloud trace (cloud) marks the first broken hop's line (its
// hops are on several nodes: where to look, at a glance) and wraps its
// crossings, whose two local VLANs and VNI are at the end of the line.
func layout(r *trace.Result, t text, title string, cloud bool, state int, verifyErr string) describe.Page {
	ref := render.Ref{Kind: "trace", ID: r.IP}
	var sum []describe.Line
	class := describe.TraceClass(r)
	for _, v := range t.verdict {
		sum = append(sum, describe.Line{Text: v, Class: class, Wrap: true, Copy: v})
	}
	if l, ok := verification(r, state, verifyErr); ok {
		sum = append(sum, l)
	}
	for i, h := range t.head {
		c := render.Header
		if i > 0 {
			c = render.Dim
		}
		l := describe.Line{Text: h, Class: c, Copy: h}
		if cloud && strings.HasPrefix(h, "crossing: ") {
			l.Class, l.Wrap = render.Normal, true
		}
		sum = append(sum, l)
	}
	if r.PortID != "" {
		sum[len(sum)-1].Copy = safetext.Term(r.PortID)
	}
	p := describe.Page{Title: title, Ref: ref, Sections: []describe.Section{{Lines: sum}}}
	if len(t.hops) != len(r.Hops) {
		// trace.Text's layout changed under us: show its lines as they
		// are rather than pin them to the wrong hops.
		var all []describe.Line
		for _, hop := range t.hops {
			for _, l := range hop {
				all = append(all, describe.Line{Text: l, Class: render.Normal})
			}
		}
		p.Sections = append(p.Sections, describe.Section{Name: "hops", Lines: all})
		return p
	}
	var ttl []describe.Line
	for i, hop := range t.hops {
		h := &r.Hops[i]
		head := describe.Line{Text: hop[0], Class: render.Good, Copy: safetext.Term(orWord(h.Device, h.Namespace))}
		switch {
		case h.Unknown != "", h.Standby != "":
			head.Class = render.Dim
		case !h.OK:
			head.Class = render.Problem
		}
		if cloud && r.BrokenAt != nil && *r.BrokenAt == i {
			// In front, where no width cuts it off.
			head.Text = FirstBreak + strings.TrimLeft(hop[0], " ")
		}
		var facts []describe.Line
		for _, f := range hop[1:] {
			facts = append(facts, fact(h, f))
			if h.DecrementsTTL && strings.Contains(f, "TTL −1") {
				ttl = append(ttl, describe.Line{Text: "hop " + strconv.Itoa(i+1) + " " + strings.TrimSpace(f), Class: render.Dim})
			}
		}
		p.Sections = append(p.Sections, describe.Section{Name: "hop " + strconv.Itoa(i+1), Head: head, Lines: facts, Folded: h.OK})
	}
	if len(ttl) > 0 {
		p.Sections = append(p.Sections, describe.Section{Lines: ttl})
	}
	return p
}

// FirstBreak starts the line of the first broken hop of a cloud trace.
const FirstBreak = "first break ▶ "

// fact classes one of a hop's lines as trace.Text wrote it.
func fact(h *trace.Hop, line string) describe.Line {
	s := strings.TrimSpace(line)
	l := describe.Line{Text: strings.TrimPrefix(line, "     "), Class: render.Dim, Copy: s}
	switch {
	case strings.HasPrefix(s, "next:"):
		l.Class, l.Wrap, l.Copy = render.Problem, true, safetext.Term(h.Next)
	case strings.HasPrefix(s, "✗ "), strings.HasPrefix(s, "expected:"), strings.HasPrefix(s, "found:"):
		l.Class, l.Wrap = render.Problem, true
	case strings.HasPrefix(s, "ofproto/trace:") && h.OFTrace != nil && strings.HasSuffix(h.OFTrace.Verdict, "drops it"):
		l.Class = render.Problem
	case strings.HasPrefix(s, "? "):
		l.Wrap = true
	}
	return l
}

// verification is the line under the verdict that says what
// ofproto/trace said (or that it is being asked).
func verification(r *trace.Result, state int, verifyErr string) (describe.Line, bool) {
	switch {
	case state == verifying:
		return describe.Line{Text: "verifying with ofproto/trace…", Class: render.Dim}, true
	case verifyErr != "":
		return describe.Line{Text: safetext.Term("not verified with ofproto/trace: " + verifyErr), Class: render.Dim, Wrap: true}, true
	}
	var parts []string
	class := render.Good
	for i, h := range r.Hops {
		if h.OFTrace == nil {
			continue
		}
		parts = append(parts, "hop "+strconv.Itoa(i+1)+" "+h.OFTrace.Verdict)
		switch {
		case h.OFTrace.Error != "":
			if class == render.Good {
				class = render.Dim // not verified is not confirmed
			}
		case strings.HasSuffix(h.OFTrace.Verdict, "drops it") && h.OK:
			// The bridge drops what the path says it passes.
			class = render.Problem
		}
	}
	switch {
	case len(parts) > 0:
		return describe.Line{Text: safetext.Term("ofproto/trace: " + strings.Join(parts, "; ")), Class: class, Wrap: true}, true
	case state == verified:
		return describe.Line{Text: "not verified: ofproto/trace gave no verdict", Class: render.Dim}, true
	}
	return describe.Line{}, false
}

// title names the trace for the pane and the breadcrumb.
func title(r *trace.Result) string {
	t := "trace " + r.IP
	if r.Direction == "outbound" {
		t += " (outbound)"
	}
	return safetext.Term(t)
}

func orWord(s, alt string) string {
	if s == "" {
		return alt
	}
	return s
}
