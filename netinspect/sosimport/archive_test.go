package sosimport

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ulikunitz/xz"
)

// tarEntry is one entry of a tar built by a test.
type tarEntry struct {
	name string
	body string
	link string // symlink target (TypeSymlink) or hard link target (TypeLink)
	typ  byte   // tar.TypeReg when 0
}

func makeTar(t testing.TB, entries []tarEntry) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		h := &tar.Header{Name: e.name, Mode: 0o644, Typeflag: e.typ, Linkname: e.link}
		switch e.typ {
		case 0:
			h.Typeflag = tar.TypeReg
			h.Size = int64(len(e.body))
		case tar.TypeDir:
			h.Mode = 0o755
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if h.Typeflag == tar.TypeReg {
			if _, err := io.WriteString(tw, e.body); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func gzipBytes(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func xzBytes(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw, err := xz.NewWriter(&buf)
	if err != nil {
		t.Fatal(err)
	}
	zw.Write(b)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func writeFile(t testing.TB, dir, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// miniReport is a small sosreport's entries, under its top directory.
func miniReport() []tarEntry {
	top := "sosreport-cmp1-2024-01-02-abcdefg/"
	return []tarEntry{
		{name: top, typ: tar.TypeDir},
		{name: top + "sos_commands/", typ: tar.TypeDir},
		{name: top + "sos_commands/networking/", typ: tar.TypeDir},
		{name: top + "sos_commands/networking/ip_netns", body: "qrouter-11111111-2222-3333-4444-555555555555 (id: 0)\n"},
		{name: top + "sos_commands/networking/namespaces/qrouter-11111111-2222-3333-4444-555555555555/", typ: tar.TypeDir},
		{name: top + "sos_strings/openvswitch/ovs-ofctl_dump-flows_br-int.tailed", body: " cookie=0x1, table=0, priority=1 actions=drop\n"},
		{name: top + "sos_commands/openvswitch/ovs-ofctl_dump-flows_br-int", typ: tar.TypeSymlink, link: "../../sos_strings/openvswitch/ovs-ofctl_dump-flows_br-int.tailed"},
		{name: top + "var/log/neutron/server.log", body: strings.Repeat("a log line\n", 100)},
		{name: top + "sos_commands/host/hostname", body: "cmp1\n"},
		{name: top + "hostname", typ: tar.TypeSymlink, link: "sos_commands/host/hostname"},
		{name: top + "sos_commands/host/hostname.hard", typ: tar.TypeLink, link: top + "sos_commands/host/hostname"},
	}
}

func TestOpenArchiveFormatsAndDirectory(t *testing.T) {
	ctx := context.Background()
	raw := makeTar(t, miniReport())
	dir := t.TempDir()
	paths := map[string]string{
		"tar":      writeFile(t, dir, "r.tar", raw),
		"gzip":     writeFile(t, dir, "r.tar.gz", gzipBytes(t, raw)),
		"xz":       writeFile(t, dir, "r.tar.xz", xzBytes(t, raw)),
		"bzip2":    filepath.Join("testdata", "mini.tar.bz2"),
		"misnamed": writeFile(t, dir, "r.tar.bz2", xzBytes(t, raw)), // told by content
	}
	// The unpacked directory, given as the report's top and as the
	// directory holding it.
	unpacked := filepath.Join(dir, "unpacked")
	unpackTar(t, raw, unpacked)
	paths["directory"] = filepath.Join(unpacked, "sosreport-cmp1-2024-01-02-abcdefg")
	paths["parent directory"] = unpacked
	for name, p := range paths {
		t.Run(name, func(t *testing.T) {
			tr, err := Open(ctx, p, Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if tr.Top != "sosreport-cmp1-2024-01-02-abcdefg" {
				t.Errorf("Top = %q", tr.Top)
			}
			b, err := tr.ReadFile("sos_commands/networking/ip_netns")
			if err != nil || !strings.HasPrefix(string(b), "qrouter-") {
				t.Errorf("ip_netns: %q, %v", b, err)
			}
			// The tail behind sos's symlink, and the root symlink.
			b, err = tr.ReadFile("sos_commands/openvswitch/ovs-ofctl_dump-flows_br-int")
			if err != nil || !strings.Contains(string(b), "actions=drop") {
				t.Errorf("tailed flows: %q, %v", b, err)
			}
			if real, _ := tr.Resolve("sos_commands/openvswitch/ovs-ofctl_dump-flows_br-int"); real != "sos_strings/openvswitch/ovs-ofctl_dump-flows_br-int.tailed" {
				t.Errorf("resolved to %q", real)
			}
			if b, err := tr.ReadFile("hostname"); err != nil || string(b) != "cmp1\n" {
				t.Errorf("root symlink hostname: %q, %v", b, err)
			}
			if !tr.IsDir("sos_commands/networking/namespaces/qrouter-11111111-2222-3333-4444-555555555555") {
				t.Error("the namespace's directory is not kept")
			}
			// Logs are read through, not kept.
			if _, err := tr.ReadFile("var/log/neutron/server.log"); !errors.Is(err, ErrNotFound) {
				t.Errorf("a log was kept: %v", err)
			}
			if tr.CutReason != "" || len(tr.Cut) > 0 {
				t.Errorf("cut: %q %v", tr.CutReason, tr.Cut)
			}
		})
	}
}

// unpackTar writes a test tar's regular files, directories and symlinks
// under dir.
func unpackTar(t testing.TB, raw []byte, dir string) {
	t.Helper()
	tr := tar.NewReader(bytes.NewReader(raw))
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, h.Name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		switch h.Typeflag {
		case tar.TypeDir:
			os.MkdirAll(p, 0o755)
		case tar.TypeSymlink:
			if err := os.Symlink(h.Linkname, p); err != nil {
				t.Fatal(err)
			}
		case tar.TypeLink:
			if err := os.Link(filepath.Join(dir, h.Linkname), p); err != nil {
				t.Fatal(err)
			}
		case tar.TypeReg:
			b, _ := io.ReadAll(tr)
			if err := os.WriteFile(p, b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func TestLinksStayInsideTheTree(t *testing.T) {
	top := "sosreport-x/"
	raw := makeTar(t, []tarEntry{
		{name: top + "sos_commands/networking/ip_netns", body: "x\n"},
		{name: top + "sos_commands/networking/up", typ: tar.TypeSymlink, link: "../../../../../etc/hostname"},
		{name: top + "sos_commands/networking/abs", typ: tar.TypeSymlink, link: "/etc/hostname"},
		{name: top + "sos_commands/networking/loop", typ: tar.TypeSymlink, link: "loop"},
		{name: top + "sos_commands/networking/dirlink", typ: tar.TypeSymlink, link: "../networking"},
	})
	tr, err := Open(context.Background(), writeFile(t, t.TempDir(), "r.tar", raw), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tr.ReadFile("sos_commands/networking/up"); !errors.Is(err, ErrOutside) {
		t.Errorf("a link climbing out: %v, want ErrOutside", err)
	}
	// An absolute target is the report's own /etc/hostname, which it
	// does not hold: never the machine's.
	if b, err := tr.ReadFile("sos_commands/networking/abs"); !errors.Is(err, ErrNotFound) {
		t.Errorf("an absolute link: %q, %v, want ErrNotFound", b, err)
	}
	if _, err := tr.ReadFile("sos_commands/networking/loop"); err == nil || !strings.Contains(err.Error(), "symbolic links") {
		t.Errorf("a loop: %v", err)
	}
	if b, err := tr.ReadFile("sos_commands/networking/dirlink/dirlink/ip_netns"); err != nil || string(b) != "x\n" {
		t.Errorf("through a link to a directory: %q, %v", b, err)
	}
}

func TestDirectoryLinksNeverLeaveIt(t *testing.T) {
	outside := t.TempDir()
	secret := writeFile(t, outside, "secret", []byte("the machine's own file\n"))
	top := filepath.Join(t.TempDir(), "sosreport-x")
	os.MkdirAll(filepath.Join(top, "sos_commands/networking"), 0o755)
	os.MkdirAll(filepath.Join(top, "sos_commands/openvswitch"), 0o755)
	writeFile(t, filepath.Join(top, "sos_commands/networking"), "ip_netns", []byte("x\n"))
	os.Symlink(secret, filepath.Join(top, "sos_commands/networking/ip_-d_address"))
	os.Symlink(outside, filepath.Join(top, "sos_commands/openvswitch/dir"))
	os.Symlink("../../../../"+filepath.Base(outside)+"/secret", filepath.Join(top, "sos_commands/networking/rel"))
	tr, err := Open(context.Background(), top, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"sos_commands/networking/ip_-d_address", "sos_commands/openvswitch/dir/secret", "sos_commands/networking/rel"} {
		if b, err := tr.ReadFile(p); err == nil || bytes.Contains(b, []byte("machine")) {
			t.Errorf("%s: read %q through a link out of the report", p, b)
		}
	}
}

func TestEntryNamesOutsideAreRefused(t *testing.T) {
	for _, name := range []string{"../evil", "/etc/passwd", "sosreport-x/../../evil", "sosreport-x/a/../../../evil"} {
		raw := makeTar(t, []tarEntry{{name: "sosreport-x/sos_commands/networking/ip_netns", body: "x"}, {name: name, body: "evil"}})
		_, err := Open(context.Background(), writeFile(t, t.TempDir(), "r.tar", raw), Limits{})
		if err == nil || !strings.Contains(err.Error(), "refused") || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: %v, want a one-line refusal", name, err)
		}
	}
	hard := makeTar(t, []tarEntry{{name: "sosreport-x/sos_commands/networking/ip_netns", typ: tar.TypeLink, link: "../../etc/shadow"}})
	if _, err := Open(context.Background(), writeFile(t, t.TempDir(), "r.tar", hard), Limits{}); err == nil {
		t.Error("a hard link out of the archive was accepted")
	}
}

func TestTwoReportsInOneArchive(t *testing.T) {
	raw := makeTar(t, []tarEntry{
		{name: "sosreport-a/sos_commands/networking/ip_netns", body: "x"},
		{name: "sosreport-b/sos_commands/networking/ip_netns", body: "y"},
	})
	_, err := Open(context.Background(), writeFile(t, t.TempDir(), "r.tar", raw), Limits{})
	if err == nil || !strings.Contains(err.Error(), "two reports") {
		t.Errorf("err = %v", err)
	}
}

// TestTruncatedArchive cuts a compressed report at every length: each is
// an error on one line or a partial tree that names the file it ends in,
// and never a panic.
func TestTruncatedArchive(t *testing.T) {
	raw := makeTar(t, miniReport())
	dir := t.TempDir()
	whole, err := Open(context.Background(), writeFile(t, dir, "whole.tar", raw), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		data []byte
	}{{"gzip", gzipBytes(t, raw)}, {"xz", xzBytes(t, raw)}, {"tar", raw}} {
		partial := 0
		for n := 0; n < len(c.data); n += max(1, len(c.data)/97) {
			p := writeFile(t, dir, "cut", c.data[:n])
			tr, err := Open(context.Background(), p, Limits{})
			if err != nil {
				if strings.Contains(err.Error(), "\n") {
					t.Errorf("%s cut at %d: error on more than one line: %q", c.name, n, err)
				}
				continue
			}
			if tr.CutReason == "" {
				// Only when nothing of the content is missing: the xz
				// reader takes a stream cut after its last block, before
				// its index, for a whole one.
				if !sameTree(tr, whole) {
					t.Errorf("%s cut at %d of %d: read as whole", c.name, n, len(c.data))
				}
				continue
			}
			partial++
			for _, f := range tr.Cut {
				if _, err := tr.ReadFile(f); !errors.Is(err, ErrCut) {
					t.Errorf("%s cut at %d: %s read without ErrCut: %v", c.name, n, f, err)
				}
			}
		}
		if partial == 0 {
			t.Errorf("%s: no cut gave a partial tree", c.name)
		}
	}
}

// sameTree reports whether two trees hold the same files, links and
// directories.
func sameTree(a, b *Tree) bool {
	if len(a.files) != len(b.files) || len(a.links) != len(b.links) || len(a.dirs) != len(b.dirs) {
		return false
	}
	for p, f := range a.files {
		if g, ok := b.files[p]; !ok || !bytes.Equal(f.data, g.data) || f.cut != g.cut {
			return false
		}
	}
	for p, l := range a.links {
		if b.links[p] != l {
			return false
		}
	}
	for p := range a.dirs {
		if !b.dirs[p] {
			return false
		}
	}
	return true
}

func TestCutInsideAFileIsMarked(t *testing.T) {
	entries := []tarEntry{
		{name: "sosreport-x/sos_commands/networking/ip_netns", body: "qrouter-a\n"},
		{name: "sosreport-x/sos_commands/networking/ip_route_show_table_all", body: strings.Repeat("default via 10.0.0.1 dev eth0\n", 200)},
	}
	raw := makeTar(t, entries)
	// Cut in the middle of the second file's data: after its header
	// (512) and a bit.
	i := bytes.Index(raw, []byte("default via"))
	tr, err := Open(context.Background(), writeFile(t, t.TempDir(), "r.tar", raw[:i+100]), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if len(tr.Cut) != 1 || tr.Cut[0] != "sos_commands/networking/ip_route_show_table_all" {
		t.Fatalf("Cut = %v", tr.Cut)
	}
	if !strings.Contains(tr.CutReason, "inside sos_commands/networking/ip_route_show_table_all") {
		t.Errorf("CutReason = %q", tr.CutReason)
	}
	if b, err := tr.ReadFile("sos_commands/networking/ip_netns"); err != nil || string(b) != "qrouter-a\n" {
		t.Errorf("the whole file before the cut: %q, %v", b, err)
	}
}

// zeros is an io.Reader of n zero bytes.
type zeros struct{ n int64 }

func (z *zeros) Read(p []byte) (int, error) {
	if z.n <= 0 {
		return 0, io.EOF
	}
	k := min(int64(len(p)), z.n)
	clear(p[:k])
	z.n -= k
	return int(k), nil
}

// bomb is a gzip tar holding one file of size zero bytes at name.
func bomb(t testing.TB, name string, size int64) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	tw := tar.NewWriter(zw)
	tw.WriteHeader(&tar.Header{Name: "sosreport-x/sos_commands/networking/ip_netns", Mode: 0o644, Size: 2, Typeflag: tar.TypeReg})
	tw.Write([]byte("x\n"))
	tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: size, Typeflag: tar.TypeReg})
	if _, err := io.Copy(tw, &zeros{size}); err != nil {
		t.Fatal(err)
	}
	tw.Close()
	zw.Close()
	return buf.Bytes()
}

func TestDecompressionBombs(t *testing.T) {
	lim := Limits{MaxBytes: 1 << 20} // 1 MiB kept, 16 MiB scanned
	dir := t.TempDir()
	// A log of 32 MiB of zeros: skipped, but the scan bound ends it.
	p := writeFile(t, dir, "skipped.tar.gz", bomb(t, "sosreport-x/var/log/huge.log", 32<<20))
	if _, err := Open(context.Background(), p, lim); err == nil || !strings.Contains(err.Error(), "decompresses to more than 16 MiB") {
		t.Errorf("skipped bomb: %v", err)
	}
	// A file ostopo keeps, larger than what may be kept: refused before
	// it is read.
	p = writeFile(t, dir, "kept.tar.gz", bomb(t, "sosreport-x/sos_commands/networking/ip_-d_address", 2<<20))
	if _, err := Open(context.Background(), p, lim); err == nil || !strings.Contains(err.Error(), "more than 1 MiB") {
		t.Errorf("kept bomb: %v", err)
	}
}

func TestTooManyFiles(t *testing.T) {
	var entries []tarEntry
	for i := range 50 {
		entries = append(entries, tarEntry{name: "sosreport-x/sos_commands/networking/f" + strings.Repeat("x", i), body: "x"})
	}
	p := writeFile(t, t.TempDir(), "r.tar", makeTar(t, entries))
	if _, err := Open(context.Background(), p, Limits{MaxFiles: 20}); err == nil || !strings.Contains(err.Error(), "more than 20 files") {
		t.Errorf("files: %v", err)
	}
	if _, err := Open(context.Background(), p, Limits{MaxEntries: 20}); err == nil || !strings.Contains(err.Error(), "more than 20 entries") {
		t.Errorf("entries: %v", err)
	}
}

func TestXZDictionaryBound(t *testing.T) {
	data := xzBytes(t, makeTar(t, miniReport()))
	dict, ok := xzFirstDict(data)
	if !ok || dict != 8<<20 {
		t.Fatalf("xzFirstDict = %d, %v; want the writer's 8 MiB", dict, ok)
	}
	// The same stream asking for 4 GiB: refused before the reader
	// allocates it.
	forged := bytes.Clone(data)
	i := bytes.Index(forged[12:], []byte{0x21, 0x01}) + 12
	forged[i+2] = 40
	p := writeFile(t, t.TempDir(), "r.tar.xz", forged)
	if _, err := Open(context.Background(), p, Limits{}); err == nil || !strings.Contains(err.Error(), "dictionary") {
		t.Errorf("err = %v", err)
	}
}

func TestNotAnArchive(t *testing.T) {
	dir := t.TempDir()
	for name, data := range map[string][]byte{
		"text":  []byte("hello\n"),
		"empty": nil,
		"zstd":  {0x28, 0xb5, 0x2f, 0xfd, 0, 0, 0, 0},
		"json":  []byte(`{"schema":"ostopo.snapshot/v1"}`),
	} {
		_, err := Open(context.Background(), writeFile(t, dir, name, data), Limits{})
		if err == nil || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: %v", name, err)
		}
	}
	// A directory that is no report.
	if _, err := Open(context.Background(), dir, Limits{}); err == nil || !strings.Contains(err.Error(), "--from-dir") {
		t.Errorf("plain directory: %v", err)
	}
	// A tar without anything of a report.
	p := writeFile(t, dir, "other.tar", makeTar(t, []tarEntry{{name: "x/y/z", body: "x"}}))
	if _, err := Open(context.Background(), p, Limits{}); err == nil || !strings.Contains(err.Error(), "not a sosreport") {
		t.Errorf("other tar: %v", err)
	}
}

func TestOpenDirReadsEveryFile(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "qrouter-1/sub"), 0o755)
	writeFile(t, dir, "a.txt", []byte("a"))
	writeFile(t, filepath.Join(dir, "qrouter-1/sub"), "b", []byte("b"))
	tr, err := OpenDir(context.Background(), dir, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(tr.Files(), " "); got != "a.txt qrouter-1/sub/b" {
		t.Errorf("Files = %s", got)
	}
	if _, err := OpenDir(context.Background(), filepath.Join(dir, "a.txt"), Limits{}); err == nil || !strings.Contains(err.Error(), "--sos") {
		t.Errorf("a file: %v", err)
	}
	if _, err := OpenDir(context.Background(), dir, Limits{MaxBytes: 1}); err == nil || !strings.Contains(err.Error(), "--max-input") {
		t.Errorf("over the bound: %v", err)
	}
}
