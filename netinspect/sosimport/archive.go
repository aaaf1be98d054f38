package sosimport

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/bzip2"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"
	"time"

	"github.com/ostopo/ostopo/netinspect/topo"
	"github.com/ulikunitz/xz"
)

// Open reads a sosreport: its archive (.tar.xz, .tar.gz, .tar.bz2 or a
// plain .tar, told by content rather than by name) or the directory it
// was unpacked to (the report's own top directory, or a directory holding
// exactly one report). Only the files ostopo reads are kept (see wanted);
// the rest is read through and skipped. Bounds, symbolic links and entry
// names are checked as Limits and Tree say. An archive that ends early
// (a download cut short) is no error: what was read is kept and Tree.Cut
// and Tree.CutReason say what is missing.
func Open(ctx context.Context, p string, lim Limits) (*Tree, error) {
	lim = lim.withDefaults()
	st, err := os.Stat(p)
	if err != nil {
		return nil, fmt.Errorf("open sosreport: %w", err)
	}
	if st.IsDir() {
		return openSOSDir(ctx, p, lim)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file or a directory (%v)", p, st.Mode().Type())
	}
	return openArchive(ctx, p, lim)
}

// OpenDir reads a directory of command outputs with any names (ostopo
// --from-dir): every regular file in it and in its subdirectories, within
// Limits. Symbolic links are followed inside the directory only.
func OpenDir(ctx context.Context, dir string, lim Limits) (*Tree, error) {
	lim = lim.withDefaults()
	st, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("open directory of outputs: %w", err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("%s: not a directory (--from-dir takes a folder of command outputs; a sosreport archive goes to --sos)", dir)
	}
	t := newTree(dir, KindPlain)
	if err := readDir(ctx, t, dir, lim, nil); err != nil {
		return nil, err
	}
	if len(t.files) == 0 {
		return nil, fmt.Errorf("%s: no file in it", dir)
	}
	return t, nil
}

// compression formats by their magic numbers.
var (
	magicXZ    = []byte{0xfd, '7', 'z', 'X', 'Z', 0x00}
	magicGzip  = []byte{0x1f, 0x8b}
	magicBzip2 = []byte("BZh")
	magicZstd  = []byte{0x28, 0xb5, 0x2f, 0xfd}
)

// maxXZDict bounds the dictionary an xz stream may ask for: the xz
// reader allocates it whole, and a forged header asks for 4 GiB. xz -9
// uses 64 MiB; sos writes with Python's preset 3 (4 MiB).
const maxXZDict = 256 << 20

func openArchive(ctx context.Context, p string, lim Limits) (*Tree, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, fmt.Errorf("open sosreport: %w", err)
	}
	defer f.Close()
	return openStream(ctx, p, f, lim)
}

// openStream reads an archive from r (named p in messages).
func openStream(ctx context.Context, p string, r0 io.Reader, lim Limits) (*Tree, error) {
	br := bufio.NewReaderSize(r0, 64<<10)
	head, _ := br.Peek(512)
	var r io.Reader
	format := ""
	switch {
	case bytes.HasPrefix(head, magicXZ):
		format = "xz"
		if dict, ok := xzFirstDict(head); ok && dict > maxXZDict {
			return nil, fmt.Errorf("%s: its xz stream asks for a %s dictionary (at most %s is read): not a sosreport", p, topo.FormatBytes(dict), topo.FormatBytes(maxXZDict))
		}
		xr, err := xz.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("%s: not a readable xz archive: %w", p, err)
		}
		r = xr
	case bytes.HasPrefix(head, magicGzip):
		format = "gzip"
		gr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("%s: not a readable gzip archive: %w", p, err)
		}
		defer gr.Close()
		r = gr
	case bytes.HasPrefix(head, magicBzip2):
		format = "bzip2"
		r = bzip2.NewReader(br)
	case bytes.HasPrefix(head, magicZstd):
		return nil, fmt.Errorf("%s: zstd-compressed, which ostopo does not read: unpack it (tar --zstd -xf) and give the directory to --sos", p)
	case len(head) >= 262 && string(head[257:262]) == "ustar":
		format = "tar"
		r = br
	default:
		return nil, fmt.Errorf("%s: not a sosreport archive (.tar.xz, .tar.gz, .tar.bz2, .tar) nor a directory", p)
	}
	cr := &countingReader{ctx: ctx, r: r, max: lim.MaxScan}
	t := newTree(p, KindSOS)
	if err := readTar(t, cr, lim, format); err != nil {
		return nil, err
	}
	return t, nil
}

// xzFirstDict reads the dictionary size of the first block's LZMA2 filter
// from the start of an xz file (stream header, then the block header:
// size byte, flags, optional sizes, filter flags), when it can be found
// there.
func xzFirstDict(b []byte) (int64, bool) {
	const streamHeader = 12
	if len(b) < streamHeader+2 {
		return 0, false
	}
	h := b[streamHeader:]
	size := (int(h[0]) + 1) * 4
	if h[0] == 0 || len(h) < size {
		return 0, false
	}
	flags := h[1]
	i := 2
	uvarint := func() (uint64, bool) {
		var v uint64
		for shift := 0; i < size && shift < 63; shift += 7 {
			c := h[i]
			i++
			v |= uint64(c&0x7f) << shift
			if c&0x80 == 0 {
				return v, true
			}
		}
		return 0, false
	}
	if flags&0x40 != 0 { // compressed size present
		if _, ok := uvarint(); !ok {
			return 0, false
		}
	}
	if flags&0x80 != 0 { // uncompressed size present
		if _, ok := uvarint(); !ok {
			return 0, false
		}
	}
	filters := int(flags&0x03) + 1
	for range filters {
		id, ok := uvarint()
		if !ok {
			return 0, false
		}
		n, ok := uvarint()
		if !ok || i+int(n) > size {
			return 0, false
		}
		if id == 0x21 && n == 1 { // LZMA2: one byte of dictionary size
			c := h[i]
			if c > 40 {
				return 1 << 32, true
			}
			if c == 40 {
				return 1<<32 - 1, true
			}
			return int64(2|c&1) << (c/2 + 11), true
		}
		i += int(n)
	}
	return 0, false
}

// errScan is the scan bound passed: the archive decompresses to more than
// a sosreport does.
var errScan = errors.New("decompresses past the limit")

// countingReader counts what the decompressor gives, failing past max,
// and stops when the context ends.
type countingReader struct {
	ctx  context.Context
	r    io.Reader
	n    int64
	max  int64
	tick int64
	// zeros counts the zero bytes the stream ends with so far: a whole
	// tar ends with two zero blocks.
	zeros int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	if c.n-c.tick > 4<<20 {
		c.tick = c.n
		if err := c.ctx.Err(); err != nil {
			return 0, err
		}
	}
	if room := c.max - c.n; int64(len(p)) > room+1 {
		p = p[:room+1]
	}
	n, err := c.r.Read(p)
	c.n += int64(n)
	i := n - 1
	for i >= 0 && p[i] == 0 {
		i--
	}
	if i < 0 {
		c.zeros += int64(n)
	} else {
		c.zeros = int64(n - 1 - i)
	}
	if c.n > c.max {
		return n, errScan
	}
	return n, err
}

// readTar reads the entries of a tar stream into t.
func readTar(t *Tree, cr *countingReader, lim Limits, format string) error {
	a := &adder{t: t, lim: lim}
	tr := tar.NewReader(cr)
	entries := 0
	last := ""
	cut := func(err error, at string) {
		where := "at the start"
		if last != "" {
			where = "after " + last
		}
		if at != "" {
			where = "inside " + at
		}
		t.CutReason = fmt.Sprintf("the %s archive ends early (%s): %v; the files after it are missing", format, where, oneLine(err))
	}
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			// The tar reader stops at the end-of-archive blocks, or at the
			// stream's end without them. Reading on to the end makes the
			// decompressor check its trailer (a cut download fails there)
			// and tells a whole tar from one cut between entries.
			if _, derr := io.Copy(io.Discard, cr); derr != nil {
				if fatal := scanError(t, cr, derr); fatal != nil {
					return fatal
				}
				cut(derr, "")
			} else if cr.zeros < 2*512 || cr.n%512 != 0 {
				cut(errors.New("no end-of-archive blocks"), "")
			}
			break
		}
		if err != nil {
			if fatal := scanError(t, cr, err); fatal != nil {
				return fatal
			}
			cut(err, "")
			break
		}
		if entries++; entries > lim.MaxEntries {
			return fmt.Errorf("%s: more than %d entries: not a sosreport of one node", t.Name, lim.MaxEntries)
		}
		name, err := checkName(h.Name)
		if err != nil {
			return fmt.Errorf("%s: %w", t.Name, err)
		}
		rel, err := t.relative(name)
		if err != nil {
			return err
		}
		if rel == "" {
			continue
		}
		last = rel
		switch h.Typeflag {
		case tar.TypeDir:
			err = a.addDir(rel)
		case tar.TypeSymlink:
			err = a.addLink(rel, h.Linkname)
		case tar.TypeLink:
			// A hard link names another entry of the archive: from the
			// archive's top, whatever directory it sits in.
			target, lerr := checkName(h.Linkname)
			if lerr != nil {
				return fmt.Errorf("%s: %w", t.Name, lerr)
			}
			trel, lerr := t.relative(target)
			if lerr != nil {
				return lerr
			}
			err = a.addLink(rel, "/"+trel)
		case tar.TypeReg:
			if !wanted(rel) {
				t.Skipped++
				continue
			}
			if h.Size > a.room() {
				return a.tooLarge(rel)
			}
			data := make([]byte, h.Size)
			n, rerr := io.ReadFull(tr, data)
			if rerr != nil {
				if fatal := scanError(t, cr, rerr); fatal != nil {
					return fatal
				}
				if err := a.addFile(rel, data[:n], true, h.ModTime); err != nil {
					return err
				}
				cut(rerr, rel)
				return t.checkSOS()
			}
			err = a.addFile(rel, data, false, h.ModTime)
		}
		if err != nil {
			return err
		}
	}
	return t.checkSOS()
}

// scanError turns the errors that end a read for good (the scan bound,
// the context) into the error returned; others are the archive's end.
func scanError(t *Tree, cr *countingReader, err error) error {
	switch {
	case errors.Is(err, errScan):
		return fmt.Errorf("%s: decompresses to more than %s (%d × --max-input): not a sosreport, or a decompression bomb; --max-input raises the limit", t.Name, topo.FormatBytes(cr.max), ScanFactor)
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("%s: %w", t.Name, err)
	}
	return nil
}

// relative strips the report's top directory from an archive path, and
// refuses a second top (two reports in one archive).
func (t *Tree) relative(name string) (string, error) {
	if name == "" {
		return "", nil
	}
	first, rest, _ := strings.Cut(name, "/")
	if topNames[first] {
		return name, nil
	}
	if rest == "" {
		// The top directory itself, or a file beside it (sos puts root
		// symlinks inside the top, never beside it).
		if t.Top == "" {
			t.Top = first
		}
		return "", nil
	}
	switch {
	case t.Top == "":
		t.Top = first
	case t.Top != first:
		return "", fmt.Errorf("%s: holds two reports (%s and %s): give one", t.Name, t.Top, first)
	}
	return rest, nil
}

// checkSOS refuses a tree that holds nothing of a sosreport.
func (t *Tree) checkSOS() error {
	if t.dirs["sos_commands"] || t.dirs["sos_reports"] || t.dirs["sos_logs"] || len(t.files) > 0 {
		return nil
	}
	if t.CutReason != "" {
		return fmt.Errorf("%s: %s, before any file ostopo reads", t.Name, t.CutReason)
	}
	return fmt.Errorf("%s: not a sosreport: no sos_commands directory in it", t.Name)
}

// openSOSDir reads an unpacked sosreport.
func openSOSDir(ctx context.Context, dir string, lim Limits) (*Tree, error) {
	top := dir
	if !isDir(path.Join(dir, "sos_commands")) {
		entries, err := os.ReadDir(dir)
		if err != nil {
			return nil, fmt.Errorf("open sosreport: %w", err)
		}
		var reports []string
		for _, e := range entries {
			if e.IsDir() && isDir(path.Join(dir, e.Name(), "sos_commands")) {
				reports = append(reports, e.Name())
			}
		}
		switch len(reports) {
		case 0:
			return nil, fmt.Errorf("%s: not a sosreport: no sos_commands directory in it (a folder of command outputs goes to --from-dir)", dir)
		case 1:
			top = path.Join(dir, reports[0])
		default:
			return nil, fmt.Errorf("%s: holds %d sosreports (%s, %s, …): give one", dir, len(reports), reports[0], reports[1])
		}
	}
	t := newTree(dir, KindSOS)
	if top != dir {
		t.Top = path.Base(top)
	} else {
		t.Top = path.Base(dir)
	}
	if err := readDir(ctx, t, top, lim, wanted); err != nil {
		return nil, err
	}
	return t, nil
}

func isDir(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}

// readDir reads the directory tree at dir into t through an os.Root, so
// that nothing outside it is ever opened: files for which keep says yes
// (every file when keep is nil), every directory and link. Directories
// that cannot hold a kept file are not walked.
func readDir(ctx context.Context, t *Tree, dir string, lim Limits, keep func(string) bool) error {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return fmt.Errorf("open %s: %w", dir, err)
	}
	defer root.Close()
	a := &adder{t: t, lim: lim}
	entries := 0
	return fs.WalkDir(root.FS(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("read %s: %w", path.Join(dir, p), err)
		}
		if p == "." {
			return nil
		}
		if entries++; entries > lim.MaxEntries {
			return fmt.Errorf("%s: more than %d files and directories: not one node's outputs", dir, lim.MaxEntries)
		}
		if entries%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			target, err := root.Readlink(p)
			if err != nil {
				return fmt.Errorf("read link %s: %w", path.Join(dir, p), err)
			}
			return a.addLink(p, target)
		case d.IsDir():
			if keep != nil && !mayHold(p) {
				return fs.SkipDir
			}
			return a.addDir(p)
		case !d.Type().IsRegular():
			return nil // a FIFO or device: never opened
		case keep != nil && !keep(p):
			t.Skipped++
			return nil
		}
		data, mtime, err := readRegular(root, p, a.room())
		switch {
		case errors.Is(err, errTooLarge):
			return a.tooLarge(p)
		case err != nil:
			return fmt.Errorf("read %s: %w", path.Join(dir, p), err)
		}
		return a.addFile(p, data, false, mtime)
	})
}

var errTooLarge = errors.New("too large")

// readRegular reads a regular file of at most max bytes inside root,
// opened without blocking (a FIFO put in its place meanwhile must not
// hang the read) and checked to be regular once open.
func readRegular(root *os.Root, p string, max int64) ([]byte, time.Time, error) {
	f, err := root.OpenFile(p, os.O_RDONLY|nonBlock, 0)
	if err != nil {
		return nil, time.Time{}, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, time.Time{}, err
	}
	if !st.Mode().IsRegular() {
		return nil, time.Time{}, fmt.Errorf("not a regular file (%v)", st.Mode().Type())
	}
	if st.Size() > max {
		return nil, time.Time{}, errTooLarge
	}
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, time.Time{}, err
	}
	if int64(len(data)) > max {
		return nil, time.Time{}, errTooLarge
	}
	return data, st.ModTime(), nil
}

// mayHold reports whether a directory of a report (relative to its top)
// may hold a file ostopo reads, or lead to one.
func mayHold(dir string) bool {
	d := dir + "/"
	pats := append([]string(nil), wantedPrefixes...)
	pats = append(pats, confDBPaths...)
	for _, s := range stateDirs {
		pats = append(pats, s+"/dhcp/", s+"/ha_confs/")
	}
	for _, p := range pats {
		if strings.HasPrefix(p, d) || strings.HasPrefix(d, p) {
			return true
		}
	}
	return false
}

// oneLine keeps an error text on one line.
func oneLine(err error) string {
	return strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ").Replace(err.Error())
}
