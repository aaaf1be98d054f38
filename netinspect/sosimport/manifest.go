package sosimport

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// manifestPath is where sos 4.0 and later write the index of a report.
const manifestPath = "sos_reports/manifest.json"

// Manifest is what ostopo reads of sos_reports/manifest.json: the sos
// version, when it started, and for every command a plugin ran the file
// its output went to and how it ended.
type Manifest struct {
	Version   string
	StartTime time.Time // zero when unknown
	// Commands by plugin, in the order they ran.
	Commands map[string][]ManifestCommand
	// TimedOut lists the plugins that hit their timeout: their last
	// commands did not run.
	TimedOut []string
	// byWords indexes Commands by plugin and the command's words joined
	// by one space (the first that ran): a large node's manifest lists
	// 80,000 commands (ethtool per device), and the importer looks up
	// about ten per namespace.
	byWords map[string]map[string]int
}

// ManifestCommand is one command a plugin ran.
type ManifestCommand struct {
	Exec string
	// File is the output's path inside the report ("" when sos wrote no
	// file: the command was not found, 126/127).
	File       string
	ReturnCode int
	Truncated  bool // cut to its tail by the size limit
}

type manifestJSON struct {
	Version    string          `json:"version"`
	StartTime  json.RawMessage `json:"start_time"`
	Components struct {
		Report struct {
			Plugins map[string]struct {
				TimeoutHit bool `json:"timeout_hit"`
				Commands   []struct {
					Exec       string  `json:"exec"`
					Filepath   *string `json:"filepath"`
					ReturnCode *int    `json:"return_code"`
					Truncated  bool    `json:"truncated"`
				} `json:"commands"`
			} `json:"plugins"`
		} `json:"report"`
	} `json:"components"`
}

// ParseManifest reads a sos manifest.json.
func ParseManifest(data []byte) (*Manifest, error) {
	var raw manifestJSON
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("%s: %w", manifestPath, err)
	}
	m := &Manifest{Version: raw.Version, Commands: map[string][]ManifestCommand{}}
	var st string
	if json.Unmarshal(raw.StartTime, &st) == nil {
		m.StartTime = parseSOSTime(st)
	}
	for name, p := range raw.Components.Report.Plugins {
		if p.TimeoutHit {
			m.TimedOut = append(m.TimedOut, name)
		}
		for _, c := range p.Commands {
			mc := ManifestCommand{Exec: c.Exec, Truncated: c.Truncated, ReturnCode: -1}
			if c.Filepath != nil {
				mc.File = strings.TrimPrefix(*c.Filepath, "/")
			}
			if c.ReturnCode != nil {
				mc.ReturnCode = *c.ReturnCode
			}
			m.Commands[name] = append(m.Commands[name], mc)
		}
	}
	m.byWords = map[string]map[string]int{}
	for name, cmds := range m.Commands {
		idx := make(map[string]int, len(cmds))
		for i, c := range cmds {
			k := strings.Join(strings.Fields(c.Exec), " ")
			if _, dup := idx[k]; !dup {
				idx[k] = i
			}
		}
		m.byWords[name] = idx
	}
	return m, nil
}

// parseSOSTime reads the times sos writes (Python's str(datetime): local
// time without a zone, taken here as UTC).
func parseSOSTime(s string) time.Time {
	for _, layout := range []string{"2006-01-02 15:04:05.999999", "2006-01-02T15:04:05.999999", time.RFC3339Nano} {
		if t, err := time.Parse(layout, strings.TrimSpace(s)); err == nil {
			return t.UTC()
		}
	}
	return time.Time{}
}

// Find returns the record of a command of the plugin, matched on its
// words (sos joins a namespace prefix to a command with two spaces).
func (m *Manifest) Find(plugin, command string) (ManifestCommand, bool) {
	if m == nil {
		return ManifestCommand{}, false
	}
	want := strings.Fields(command)
	if m.byWords != nil {
		if i, ok := m.byWords[plugin][strings.Join(want, " ")]; ok {
			return m.Commands[plugin][i], true
		}
		return ManifestCommand{}, false
	}
	for _, c := range m.Commands[plugin] {
		if sameWords(strings.Fields(c.Exec), want) {
			return c, true
		}
	}
	return ManifestCommand{}, false
}

func sameWords(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
