package sosimport

import (
	"errors"
	"fmt"
	"path"
	"strings"
)

// output is the outcome of looking for one command's output in a report.
type output struct {
	// Path is the file read ("" when none was found).
	Path string
	// Command is the command that made it, as sos ran it.
	Command string
	Text    string
	// Looked lists the places looked at, for "not collected: looked for
	// …".
	Looked []string
	// Err says why the output cannot be used: not collected, cut to its
	// tail by sos's size limit, cut by the archive's end, timed out.
	Err error
}

// ok says whether the output was found and may be used.
func (o output) ok() bool { return o.Err == nil }

// ErrNotCollected is the error of an output that the report does not hold.
var ErrNotCollected = errors.New("not collected")

// notCollected words a fact no file held: "not collected: looked for
// <paths>".
func notCollected(looked []string) error {
	if len(looked) == 0 {
		return ErrNotCollected
	}
	return fmt.Errorf("%w: looked for %s", ErrNotCollected, strings.Join(looked, ", "))
}

// report is a sosreport being read: its tree and manifest.
type report struct {
	t        *Tree
	manifest *Manifest
	// manifestErr says why a manifest present could not be read.
	manifestErr error
	// layout is nsLayout's answer, once asked.
	layout string
}

func newReport(t *Tree) *report {
	r := &report{t: t}
	if data, err := t.ReadFile(manifestPath); err == nil {
		r.manifest, r.manifestErr = ParseManifest(data)
	} else if !errors.Is(err, ErrNotFound) {
		r.manifestErr = err
	}
	return r
}

// find looks for the output of the first of commands (in order of
// preference) that the report holds, run by plugin, in any of dirs. The
// manifest, when there is one, says which file a command went to (it
// resolves sos's ".1" collisions and the tails kept under sos_strings)
// and whether it ran at all; without it the file is looked for by the
// name sos gives the command.
func (r *report) find(plugin string, dirs []string, commands ...string) output {
	var looked, notRun []string
	listed := false
	for _, cmd := range commands {
		if mc, ok := r.manifest.Find(plugin, cmd); ok {
			listed = true
			if mc.File == "" {
				notRun = append(notRun, fmt.Sprintf("%q did not run (exit %d)", cmd, mc.ReturnCode))
				continue
			}
			o := r.read(mc.File, cmd)
			if o.Err == nil {
				switch {
				case mc.Truncated:
					o.Err = fmt.Errorf("%s: cut to its tail by sos's size limit (--log-size): its beginning is missing", mc.File)
				case mc.ReturnCode == 124:
					o.Err = fmt.Errorf("%s: timed out in sos (exit 124): cut short", mc.File)
				}
			}
			if o.Err == nil || !errors.Is(o.Err, ErrNotFound) {
				return o
			}
			looked = append(looked, mc.File)
			continue
		}
		name := Mangle(cmd)
		for _, d := range dirs {
			p := path.Join(d, name)
			if r.t.Exists(p) {
				return r.read(p, cmd)
			}
			looked = append(looked, p)
		}
	}
	var err error
	switch {
	case r.manifest != nil && !listed && len(commands) > 0:
		// The manifest lists every command sos ran: none of these.
		err = fmt.Errorf("%w: sos %s did not run %s (its manifest lists the commands it ran)", ErrNotCollected, r.manifest.Version, quoteAll(commands))
	default:
		err = notCollected(looked)
	}
	if len(notRun) > 0 {
		err = fmt.Errorf("%w (%s)", err, strings.Join(notRun, "; "))
	}
	if r.t.CutReason != "" {
		err = fmt.Errorf("%w (%s)", err, r.t.CutReason)
	}
	return output{Looked: looked, Err: err}
}

// quoteAll writes commands as "`a` or `b`".
func quoteAll(commands []string) string {
	q := make([]string, len(commands))
	for i, c := range commands {
		q[i] = "`" + strings.Join(strings.Fields(c), " ") + "`"
	}
	return strings.Join(q, " or ")
}

// read reads one output file, saying when sos kept only its tail (a link
// to sos_strings/…/<name>.tailed) or the archive ended inside it.
func (r *report) read(p, cmd string) output {
	o := output{Path: p, Command: cmd, Looked: []string{p}}
	data, err := r.t.ReadFile(p)
	switch {
	case errors.Is(err, ErrCut):
		o.Err = fmt.Errorf("%s: %w (%s)", p, ErrCut, r.t.CutReason)
		return o
	case err != nil:
		o.Err = err
		return o
	}
	if real, _ := r.t.Resolve(p); strings.HasSuffix(real, ".tailed") || strings.HasPrefix(real, "sos_strings/") {
		o.Err = fmt.Errorf("%s: cut to its tail by sos's size limit (--log-size; the tail is %s): its beginning is missing", p, real)
		return o
	}
	o.Text = string(data)
	return o
}

// Directories of the plugins' outputs.
const (
	dirNetworking = "sos_commands/networking"
	dirOVS        = "sos_commands/openvswitch"
	dirNeutron31  = "sos_commands/neutron"
	dirNeutron32  = "sos_commands/openstack_neutron"
	dirKernel     = "sos_commands/kernel"
	dirExtras     = "sos_commands/sos_extras"
)

// Layouts of a report's namespace outputs (sos-formats.md §3).
const (
	layoutSubdirs = "namespaces/<ns>/ (sos 4.3 and later)"
	layoutFlat    = "flat (sos 3.3 to 4.2)"
	layout32      = "openstack_neutron/ (sos 3.2)"
	layout31      = "neutron/ (sos 3.1)"
)

// nsLayout tells where a report keeps its namespaces' outputs: from the
// files, else from the sos version the manifest names.
func (r *report) nsLayout() string {
	if r.layout != "" {
		return r.layout
	}
	hasFlat := func(d string) bool {
		for _, e := range r.t.List(d) {
			if strings.HasPrefix(e.Name, "ip_netns_exec_") {
				return true
			}
		}
		return false
	}
	switch {
	case r.t.IsDir(path.Join(dirNetworking, "namespaces")):
		r.layout = layoutSubdirs
	case hasFlat(dirNetworking):
		r.layout = layoutFlat
	case hasFlat(dirNeutron32):
		r.layout = layout32
	case hasFlat(dirNeutron31):
		r.layout = layout31
	case r.manifest != nil && versionAtLeast(r.manifest.Version, 4, 3):
		r.layout = layoutSubdirs
	default:
		r.layout = layoutFlat
	}
	return r.layout
}

// versionAtLeast compares a sos version ("4.5.6") with major.minor.
func versionAtLeast(v string, major, minor int) bool {
	var a, b int
	if n, _ := fmt.Sscanf(v, "%d.%d", &a, &b); n < 1 {
		return false
	}
	return a > major || a == major && b >= minor
}

// nsDirs is the directory a namespace's outputs sit in, in the report's
// layout.
func (r *report) nsDirs(ns string) []string {
	switch r.nsLayout() {
	case layoutSubdirs:
		return []string{path.Join(dirNetworking, "namespaces", ns)}
	case layout32:
		return []string{dirNeutron32}
	case layout31:
		return []string{dirNeutron31}
	}
	return []string{dirNetworking}
}

// nsFind looks for a namespace's output of the first of commands the
// report holds: each is run as "ip netns exec <ns> <command>", by the
// networking plugin (openstack_neutron or neutron in sos 3.1/3.2).
func (r *report) nsFind(ns string, commands ...string) output {
	full := make([]string, len(commands))
	for i, c := range commands {
		// sos joins the prefix and the command with two spaces since 4.3,
		// one before: the same file name, the same words.
		full[i] = "ip netns exec " + ns + " " + c
	}
	plugin := "networking"
	switch r.nsLayout() {
	case layout32:
		plugin = "openstack_neutron"
	case layout31:
		plugin = "neutron"
	}
	return r.find(plugin, r.nsDirs(ns), full...)
}
