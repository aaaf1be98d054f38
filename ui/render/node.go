package render

import "strings"

// nodeSep joins a node's name and an object's id in a Ref of a view of
// many nodes. A NUL never appears in the ids the views build; a host name
// holding one only makes its objects unknown to the detail pane.
const nodeSep = "\x00"

// OnNode is ref as a view of many nodes names it: the same object on
// another node is another row (a distributed router's qr- port is on
// every node), and the detail pane opens it from that node's snapshot.
// The zero Ref stays zero (a row that stands for nothing).
func OnNode(node string, ref Ref) Ref {
	if ref == (Ref{}) {
		return ref
	}
	return Ref{Kind: ref.Kind, ID: node + nodeSep + ref.ID}
}

// NodeOf splits a Ref made by OnNode into the node and the node's own
// Ref; ok is false for a Ref of one snapshot.
func NodeOf(ref Ref) (node string, own Ref, ok bool) {
	node, id, ok := strings.Cut(ref.ID, nodeSep)
	if !ok {
		return "", ref, false
	}
	return node, Ref{Kind: ref.Kind, ID: id}, true
}
