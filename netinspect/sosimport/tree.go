package sosimport

import (
	"errors"
	"fmt"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/ostopo/ostopo/netinspect/topo"
)

// Limits bound what Open and OpenDir read, so that a hostile or broken
// input (a decompression bomb, a tarball of a million empty files) ends in
// an error instead of taking the machine's memory.
type Limits struct {
	// MaxBytes bounds the bytes of the files kept in memory together: the
	// command outputs and copied files ostopo reads (ostopo's --max-input,
	// topo.DefaultMaxBytes when zero). A sosreport's logs and the other
	// plugins' files are skipped, not kept.
	MaxBytes int64
	// MaxScan bounds the bytes an archive may decompress to in all,
	// skipped files included (ScanFactor × MaxBytes when zero): a gzip
	// bomb ends there.
	MaxScan int64
	// MaxFiles bounds the files, links and directories kept (DefaultMaxFiles
	// when zero); MaxEntries the entries an archive may hold in all
	// (DefaultMaxEntries when zero).
	MaxFiles   int
	MaxEntries int
}

// Defaults of Limits. A 1000-instance node's sosreport holds about 3,000
// files of the plugins ostopo reads (20 per namespace, 10 per bridge) and
// some 50,000 in all with every plugin and log.
const (
	ScanFactor        = 16
	DefaultMaxFiles   = 200_000
	DefaultMaxEntries = 2_000_000
	// maxLinkHops bounds the symbolic links followed for one path, as
	// the kernel's ELOOP does.
	maxLinkHops = 40
)

func (l Limits) withDefaults() Limits {
	if l.MaxBytes <= 0 {
		l.MaxBytes = topo.DefaultMaxBytes
	}
	if l.MaxScan <= 0 {
		l.MaxScan = ScanFactor * l.MaxBytes
	}
	if l.MaxFiles <= 0 {
		l.MaxFiles = DefaultMaxFiles
	}
	if l.MaxEntries <= 0 {
		l.MaxEntries = DefaultMaxEntries
	}
	return l
}

// Tree is what Open or OpenDir read: the files ostopo needs, by their path
// inside the report (slash-separated, relative to its top directory:
// "sos_commands/networking/ip_netns"), with the report's symbolic links
// and directories. It is read once, into memory, within Limits; every
// lookup afterwards resolves links inside the tree only.
type Tree struct {
	// Name is what was opened (the path given), for messages.
	Name string
	// Kind says what it was: KindSOS (a sosreport, archive or directory)
	// or KindPlain (a folder of command outputs).
	Kind string
	// Top is the report's own top directory inside the archive or the
	// directory given ("sosreport-cmp1-2024-01-02-abcdef"), "" when the
	// files sat at the top.
	Top string
	// Cut lists the files the archive ended inside of (a truncated
	// download): each is kept as far as it was read, and marked so that
	// no fact comes from it. CutReason says why the archive ended.
	Cut       []string
	CutReason string
	// Skipped counts the files that were not kept because ostopo does not
	// read them (logs, other plugins).
	Skipped int
	// ModTime is the newest modification time of the files kept: when
	// the outputs were written, if nothing inside says.
	ModTime time.Time

	files map[string]*file
	links map[string]string // link path → target as stored
	dirs  map[string]bool
}

// file is one kept regular file.
type file struct {
	data []byte
	cut  bool // the archive ended inside it
}

// Kinds of Tree.
const (
	KindSOS   = "sosreport"
	KindPlain = "directory of command outputs"
)

func newTree(name, kind string) *Tree {
	return &Tree{Name: name, Kind: kind, files: map[string]*file{}, links: map[string]string{}, dirs: map[string]bool{}}
}

// ErrNotFound is returned for a path the tree does not hold.
var ErrNotFound = errors.New("not in the report")

// ErrOutside is returned for a symbolic link that leads out of the tree.
var ErrOutside = errors.New("symbolic link leads out of the report")

// ErrCut is returned for a file the archive ended inside of.
var ErrCut = errors.New("cut short: the archive ends inside it")

// ReadFile returns the content of the file at p, following symbolic links
// inside the tree. A missing file is ErrNotFound; a link out of the tree
// ErrOutside; a file the archive ended inside of comes back with ErrCut
// and what was read of it.
func (t *Tree) ReadFile(p string) ([]byte, error) {
	real, err := t.Resolve(p)
	if err != nil {
		return nil, err
	}
	f, ok := t.files[real]
	if !ok {
		if t.dirs[real] {
			return nil, fmt.Errorf("%s: is a directory", p)
		}
		return nil, fmt.Errorf("%s: %w", p, ErrNotFound)
	}
	if f.cut {
		return f.data, fmt.Errorf("%s: %w", p, ErrCut)
	}
	return f.data, nil
}

// Exists reports whether p names a file or directory of the tree
// (following links).
func (t *Tree) Exists(p string) bool {
	real, err := t.Resolve(p)
	if err != nil {
		return false
	}
	_, ok := t.files[real]
	return ok || t.dirs[real]
}

// IsDir reports whether p names a directory of the tree (following links).
func (t *Tree) IsDir(p string) bool {
	real, err := t.Resolve(p)
	return err == nil && t.dirs[real]
}

// Resolve returns the path of the file or directory p names once every
// symbolic link on the way is followed, inside the tree. A link's target
// is relative to the link's directory, or, when absolute, to the report's
// top (sos copies a system's links so). A target climbing above the top
// is ErrOutside.
func (t *Tree) Resolve(p string) (string, error) {
	parts := splitPath(p)
	if parts == nil && p != "" && p != "." {
		return "", fmt.Errorf("%s: %w", p, ErrOutside)
	}
	hops := 0
	var done []string
	for len(parts) > 0 {
		next := parts[0]
		parts = parts[1:]
		cur := path.Join(append(done, next)...)
		target, isLink := t.links[cur]
		if !isLink {
			done = append(done, next)
			continue
		}
		if hops++; hops > maxLinkHops {
			return "", fmt.Errorf("%s: more than %d symbolic links on the way", p, maxLinkHops)
		}
		var base []string
		if !strings.HasPrefix(target, "/") {
			base = done
		}
		rest := append(strings.Split(target, "/"), parts...)
		resolved, ok := joinInside(base, rest)
		if !ok {
			return "", fmt.Errorf("%s (→ %s): %w", p, target, ErrOutside)
		}
		done, parts = nil, resolved
	}
	return path.Join(done...), nil
}

// joinInside applies rel's components to base, refusing to climb above
// the top.
func joinInside(base, rel []string) ([]string, bool) {
	out := append([]string(nil), base...)
	for _, c := range rel {
		switch c {
		case "", ".":
		case "..":
			if len(out) == 0 {
				return nil, false
			}
			out = out[:len(out)-1]
		default:
			out = append(out, c)
		}
	}
	return out, true
}

// splitPath cleans a slash path relative to the top into its components;
// nil for one that climbs above the top or is absolute.
func splitPath(p string) []string {
	if strings.HasPrefix(p, "/") {
		return nil
	}
	out, ok := joinInside(nil, strings.Split(p, "/"))
	if !ok {
		return nil
	}
	return out
}

// Entry is one name in a directory of the tree.
type Entry struct {
	Name string
	// Path is the entry's path in the tree (not resolved).
	Path  string
	IsDir bool // a directory, or a link to one
}

// List returns the entries of the directory p (following links to it),
// sorted by name: files, links and subdirectories.
func (t *Tree) List(p string) []Entry {
	dir, err := t.Resolve(p)
	if err != nil || !t.dirs[dir] && dir != "" {
		return nil
	}
	seen := map[string]bool{}
	add := func(name string) {
		if name != "" {
			seen[name] = true
		}
	}
	prefix := dir + "/"
	if dir == "" {
		prefix = ""
	}
	for _, m := range []func(func(string)){t.eachFile, t.eachLink, t.eachDir} {
		m(func(q string) {
			if rest, ok := strings.CutPrefix(q, prefix); ok && q != dir {
				name, _, _ := strings.Cut(rest, "/")
				add(name)
			}
		})
	}
	out := make([]Entry, 0, len(seen))
	for name := range seen {
		ep := path.Join(p, name)
		out = append(out, Entry{Name: name, Path: ep, IsDir: t.IsDir(ep)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func (t *Tree) eachFile(f func(string)) {
	for p := range t.files {
		f(p)
	}
}

func (t *Tree) eachLink(f func(string)) {
	for p := range t.links {
		f(p)
	}
}

func (t *Tree) eachDir(f func(string)) {
	for p := range t.dirs {
		f(p)
	}
}

// Files returns the paths of every regular file kept, sorted.
func (t *Tree) Files() []string {
	out := make([]string, 0, len(t.files))
	for p := range t.files {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// Size is the bytes kept.
func (t *Tree) Size() int64 {
	var n int64
	for _, f := range t.files {
		n += int64(len(f.data))
	}
	return n
}

// adder keeps a tree's entries within the limits as a reader finds them.
type adder struct {
	t     *Tree
	lim   Limits
	bytes int64
	n     int
}

// errLimit words a limit that was passed.
func (a *adder) tooMany() error {
	return fmt.Errorf("%s: more than %d files of the kinds ostopo reads: not a sosreport of one node", a.t.Name, a.lim.MaxFiles)
}

func (a *adder) tooLarge(p string) error {
	return fmt.Errorf("%s: the files ostopo reads take more than %s (at %s; --max-input raises the limit)", a.t.Name, topo.FormatBytes(a.lim.MaxBytes), p)
}

// room is how many more bytes may be kept.
func (a *adder) room() int64 { return a.lim.MaxBytes - a.bytes }

func (a *adder) count() error {
	if a.n++; a.n > a.lim.MaxFiles {
		return a.tooMany()
	}
	return nil
}

// addDir records a directory and its parents.
func (a *adder) addDir(p string) error {
	for p != "" && p != "." && !a.t.dirs[p] {
		if err := a.count(); err != nil {
			return err
		}
		a.t.dirs[p] = true
		p = path.Dir(p)
		if p == "." {
			break
		}
	}
	return nil
}

func (a *adder) addFile(p string, data []byte, cut bool, mtime time.Time) error {
	if mtime.After(a.t.ModTime) {
		a.t.ModTime = mtime.UTC()
	}
	if err := a.count(); err != nil {
		return err
	}
	a.bytes += int64(len(data))
	if a.bytes > a.lim.MaxBytes {
		return a.tooLarge(p)
	}
	if dir := path.Dir(p); dir != "." {
		if err := a.addDir(dir); err != nil {
			return err
		}
	}
	a.t.files[p] = &file{data: data, cut: cut}
	if cut {
		a.t.Cut = append(a.t.Cut, p)
	}
	return nil
}

func (a *adder) addLink(p, target string) error {
	if err := a.count(); err != nil {
		return err
	}
	if dir := path.Dir(p); dir != "." {
		if err := a.addDir(dir); err != nil {
			return err
		}
	}
	a.t.links[p] = target
	return nil
}

// checkName refuses an entry name that is absolute or climbs out of the
// archive: no sosreport holds one, so the archive is not what it says.
func checkName(name string) (string, error) {
	clean := strings.TrimPrefix(name, "./")
	if strings.HasPrefix(clean, "/") {
		return "", fmt.Errorf("entry %q is an absolute path: refused (not a sosreport)", name)
	}
	parts := strings.Split(clean, "/")
	for _, c := range parts {
		if c == ".." {
			return "", fmt.Errorf("entry %q climbs out of the archive (..): refused (not a sosreport)", name)
		}
	}
	out := splitPath(clean)
	return path.Join(out...), nil
}
