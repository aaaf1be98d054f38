package sosimport

import (
	"bytes"
	"regexp"
	"strings"
	"time"

	"github.com/ostopo/ostopo/netinspect/topo"
)

// hostName is the node's name as the live collector takes it (collect
// hostName): OVS's external_ids:hostname, then its system-id, then the
// kernel's (sos's host plugin, the copied /etc/hostname), and last the
// name sos gave the report ("sosreport-<host>-…").
func hostName(t *Tree, o topo.OVS) string {
	if h := o.ExternalIDs["hostname"]; h != "" {
		return h
	}
	if h := o.ExternalIDs["system-id"]; h != "" {
		return h
	}
	for _, p := range []string{"sos_commands/host/hostname", "sos_commands/general/hostname", "etc/hostname"} {
		if b, err := t.ReadFile(p); err == nil {
			if h := firstWord(string(b)); h != "" {
				return h
			}
		}
	}
	if m := reportName.FindStringSubmatch(t.Top); m != nil {
		return m[1]
	}
	return ""
}

// reportName is sos's name for a report: sosreport-<host>[-<label>]
// -<date>-<random> (the label cannot be told from the host: it stays).
var reportName = regexp.MustCompile(`^sosreport-(.+?)-(?:\d{4}-\d{2}-\d{2}|\d{8})-[a-z0-9]+$`)

func firstWord(s string) string {
	f := strings.Fields(s)
	if len(f) == 0 {
		return ""
	}
	return f[0]
}

// takenAt is when the report was collected: `date --utc` (sos's date
// plugin), then `date` (in the node's zone), then the manifest's start
// (local time without a zone, taken as UTC). Zero when none says.
func takenAt(r *report) time.Time {
	for _, p := range []string{"sos_commands/date/date_--utc", "sos_commands/date/date", "sos_commands/general/date"} {
		b, err := r.t.ReadFile(p)
		if err != nil {
			continue
		}
		s := strings.Join(strings.Fields(string(b)), " ")
		for _, layout := range []string{"Mon Jan 2 15:04:05 MST 2006", "Mon 02 Jan 2006 15:04:05 MST", "Mon Jan 2 15:04:05 -0700 2006"} {
			if t, err := time.Parse(layout, s); err == nil {
				return t.UTC()
			}
		}
	}
	if r.manifest != nil {
		return r.manifest.StartTime
	}
	return time.Time{}
}

// maskedMAC is the prefix sos clean gives every MAC it masks
// (sos/cleaner/mappings/mac_map.py mac_template "53:4f:53:%s:%s:%s").
const maskedMAC = "53:4f:53:"

// masked says whether the report went through `sos clean` (--clean,
// --mask): the manifest has a cleaner section, the archive is named
// -obfuscated, or its MACs carry the cleaner's prefix.
func masked(r *report) (bool, string) {
	if b, err := r.t.ReadFile(manifestPath); err == nil && bytes.Contains(b, []byte(`"cleaner"`)) {
		return true, "the manifest has a cleaner section"
	}
	if strings.Contains(r.t.Top, "-obfuscated") || strings.Contains(r.t.Name, "-obfuscated") {
		return true, "the report is named -obfuscated"
	}
	for _, p := range r.t.Files() {
		b, err := r.t.ReadFile(p)
		if err == nil && bytes.Contains(b, []byte(maskedMAC)) {
			return true, "MACs " + maskedMAC + "… in " + p
		}
	}
	return false, ""
}

// maskedSource says what sos clean did to the facts: a MAC ostopo reads
// meaning into is not the node's.
func maskedSource(why string) topo.Source {
	return topo.Source{
		Name: SourceMACs,
		Error: "masked by sos clean (--clean/--mask; " + why + "): every MAC is " + maskedMAC + "…, so what ostopo tells from a MAC " +
			"(a Neutron port's fa:16:3e, an instance's MAC from its tap's fe:16:3e) is unknown; IPv4 addresses (100.x.y.z) " +
			"and host names are masked too, the same way in every file, and UUIDs are kept",
	}
}
