package views

import "strconv"

// firstMore is the first of a list with how many more there are ("x (+2
// more)"): a row has room for one problem, the detail pane for all.
func firstMore(xs []string) string {
	switch len(xs) {
	case 0:
		return ""
	case 1:
		return xs[0]
	}
	return xs[0] + " (+" + strconv.Itoa(len(xs)-1) + " more)"
}

// marked is firstMore after a mark ("✗ ", "? "), or "" for none.
func marked(mark string, xs []string) string {
	if len(xs) == 0 {
		return ""
	}
	return mark + firstMore(xs)
}
