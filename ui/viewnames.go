package ui

import "strings"

// ViewNames lists the top-level views in tab order, lower case, as
// --view and shell completion take them.
func ViewNames() []string {
	var out []string
	for _, v := range views() {
		out = append(out, strings.ToLower(v.name))
	}
	return out
}

// IsView reports whether name (any case) is a top-level view.
func IsView(name string) bool {
	for _, v := range views() {
		if strings.EqualFold(v.name, name) {
			return true
		}
	}
	return false
}
