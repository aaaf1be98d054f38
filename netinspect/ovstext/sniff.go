package ovstext

import (
	"bytes"
	"strings"
)

// Sniff recognises an OVS output by its first lines (a file's name says
// nothing in a folder of pasted outputs): KindUnknown when it is none of
// them, or only an error message.
func Sniff(head []byte) Kind {
	if bytes.HasPrefix(head, []byte("OVSDB JSON ")) || bytes.HasPrefix(head, []byte("OVSDB CLUSTER ")) {
		return KindConfDB
	}
	var lines []string
	for line := range strings.Lines(string(head)) {
		line = strings.TrimRight(line, "\r\n")
		if strings.TrimSpace(line) == "" {
			continue
		}
		lines = append(lines, line)
		if len(lines) == 2 {
			break
		}
	}
	if len(lines) == 0 {
		return KindUnknown
	}
	first := lines[0]
	second := ""
	if len(lines) > 1 {
		second = strings.TrimSpace(lines[1])
	}
	switch {
	case looksUUID(strings.TrimSpace(first)):
		if second == "" || strings.HasPrefix(second, "Bridge ") || strings.HasPrefix(second, "Manager ") || strings.HasPrefix(second, "ovs_version:") {
			return KindShow
		}
	case strings.HasSuffix(first, " table") && isIdent(strings.TrimSuffix(first, " table")):
		return KindDump
	case strings.HasPrefix(first, "_uuid ") || strings.HasPrefix(first, "_uuid:") ||
		strings.HasPrefix(first, `{"data":`) || strings.HasPrefix(first, `{"headings":`):
		return KindList
	case strings.HasPrefix(first, "OFPT_FEATURES_REPLY") || strings.HasPrefix(first, "OFPST_PORT_DESC reply") || strings.HasPrefix(first, "OFPST_PORT_DESC ("):
		return KindPortDesc
	case strings.HasPrefix(first, "NXST_FLOW reply") || strings.HasPrefix(first, "OFPST_FLOW reply") ||
		strings.HasPrefix(strings.TrimSpace(first), "cookie=") && strings.Contains(first, "actions="):
		return KindFlows
	}
	return KindUnknown
}
