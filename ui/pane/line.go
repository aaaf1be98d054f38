package pane

import (
	"strings"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/ostopo/ostopo/ui/render"
)

// GutterWidth is the cells before a row's text: cursor, change mark,
// doctor badge, space.
const GutterWidth = 4

// Row is one line as every list pane draws it.
type Row struct {
	Text  string // terminal-safe (built from safetext.Term'd strings)
	Class render.Class
	Ref   render.Ref // for the badge
	Key   string     // for the change mark; "" has none
	// NoBadge: the row itself says what is wrong (a ✗ line under an
	// object), so the object's badge is not repeated on it.
	NoBadge bool
}

// Line draws a row in w cells: the gutter ('>' on the cursor, '•' when
// changed, 'E'/'W' from the doctor), then the text cut at w with an
// ellipsis, from cell hscroll on, styled by class; the cursor row in
// reverse (dimmer when the pane has no focus).
func Line(c Context, r Row, cursor, focused bool, w, hscroll int) string {
	g := []rune("    ")
	if cursor {
		g[0] = '>'
	}
	if r.Key != "" && c.Changed != nil && c.Changed(r.Key) {
		g[1] = '•'
	}
	if !r.NoBadge {
		switch c.Badges[r.Ref] {
		case "error":
			g[2] = 'E'
		case "warning":
			g[2] = 'W'
		}
	}
	text := r.Text
	if hscroll > 0 {
		text = ansi.Cut(text, hscroll, hscroll+w)
	}
	text = Fit(text, w-GutterWidth)
	s := c.Styles
	style := s.Normal
	switch r.Class {
	case render.Header:
		style = s.Header
	case render.Dim:
		style = s.Dim
	case render.Good:
		style = s.Good
	case render.Problem:
		style = s.Problem
	}
	if g[1] == '•' {
		style = style.Inherit(s.Changed)
	}
	if cursor {
		style = style.Inherit(s.Cursor).Reverse(true)
		if !focused {
			style = style.Faint(true)
		}
	}
	return string(g) + style.Render(text)
}

// Fit cuts plain text to w cells with an ellipsis.
func Fit(s string, w int) string {
	if w <= 0 {
		return ""
	}
	return ansi.Truncate(s, w, "…")
}

// FitStyled cuts styled text to w cells, keeping its escape sequences
// valid.
func FitStyled(s string, w int) string {
	if lipgloss.Width(s) <= w {
		return s
	}
	return ansi.Truncate(s, w, "…")
}

// Lines joins drawn lines into exactly h lines (padding with empty ones,
// dropping the rest), as View must return.
func Lines(lines []string, h int) string {
	if h <= 0 {
		return ""
	}
	if len(lines) > h {
		lines = lines[:h]
	}
	for len(lines) < h {
		lines = append(lines, "")
	}
	return strings.Join(lines, "\n")
}
