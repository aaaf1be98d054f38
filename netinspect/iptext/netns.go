package iptext

import (
	"strings"
)

// NetnsEntry is one line of ip netns.
type NetnsEntry struct {
	Name string
	// ID is the namespace's id as seen from where ip netns ran (the
	// link-netnsid a device there shows for a peer in it); -1 when none
	// was printed (none assigned yet).
	ID int
}

// ParseNetns reads ip netns (ip netns list): "NAME" or "NAME (id: N)" per
// line, as sos reads it (the first word is the name). NetnsIDs maps each
// id to its namespace, for ResolvePeers.
func ParseNetns(text string) ([]NetnsEntry, error) {
	out := []NetnsEntry{}
	var e errs
	textLines(text, func(n int, line string) {
		if strings.TrimSpace(line) == "" {
			return
		}
		if indented(line) {
			e.add(n, line, "not a namespace name")
			return
		}
		name, rest, _ := strings.Cut(strings.TrimSpace(line), " ")
		ent := NetnsEntry{Name: name, ID: -1}
		if rest = strings.TrimSpace(rest); rest != "" {
			id, ok := strings.CutPrefix(rest, "(id: ")
			if ok {
				id, ok = strings.CutSuffix(id, ")")
			}
			n2, isNum := atoi(id)
			if !ok || !isNum {
				e.add(n, line, "not a namespace name")
				return
			}
			ent.ID = n2
		}
		if !validNetnsName(name) {
			e.add(n, line, "not a namespace name")
			return
		}
		out = append(out, ent)
	})
	return out, e.err("ip netns", len(out))
}

// NetnsIDs maps the ids of entries to their names (the entries without
// one are left out).
func NetnsIDs(entries []NetnsEntry) map[int]string {
	out := map[int]string{}
	for _, e := range entries {
		if e.ID >= 0 {
			out[e.ID] = e.Name
		}
	}
	return out
}

// validNetnsName reports whether a name can be a file under /run/netns
// that ip would list: no '/', no white space, not "." or "..".
func validNetnsName(s string) bool {
	if s == "" || s == "." || s == ".." || len(s) > 255 {
		return false
	}
	for _, c := range s {
		if c == '/' || c < ' ' || c == 0x7f {
			return false
		}
	}
	return true
}
