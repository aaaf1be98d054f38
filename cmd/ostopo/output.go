package main

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// writeOutput writes what write produces to path, the -o of snapshot,
// report and trace --record:
//   - "-" is standard output;
//   - a regular file (new or existing) is written beside itself and renamed
//     into place, so a reader never sees half of it and a failure leaves
//     the old one; an existing file keeps its mode and owner;
//   - a symlink is followed and its target written that way (the link
//     stays a link);
//   - a character device, FIFO or socket (/dev/stdout, /dev/null, a named
//     pipe) is written straight through, never replaced;
//   - a directory or a block device is an error (a report written over a
//     disk as root is not a report).
func writeOutput(path string, stdout io.Writer, write func(io.Writer) error) error {
	if path == "-" {
		w := bufio.NewWriterSize(stdout, 64<<10)
		return errors.Join(write(w), w.Flush())
	}
	st, err := os.Stat(path) // follows symlinks, /dev/stdout's magic ones too
	switch {
	case errors.Is(err, fs.ErrNotExist):
		target, _, rerr := resolveLinks(path)
		if rerr != nil {
			return fmt.Errorf("write %s: %w", path, rerr)
		}
		return writeAtomic(target, nil, write)
	case err != nil:
		return fmt.Errorf("write %s: %w", path, err)
	case st.IsDir():
		return fmt.Errorf("write %s: is a directory (want a file name)", path)
	case st.Mode()&fs.ModeDevice != 0 && st.Mode()&fs.ModeCharDevice == 0:
		return fmt.Errorf("write %s: is a block device; refusing to write a report over it", path)
	case !st.Mode().IsRegular():
		// A device or a pipe: written where it is.
		return writeStraight(path, write)
	}
	target, viaProc, err := resolveLinks(path)
	switch {
	case err != nil:
		return fmt.Errorf("write %s: %w", path, err)
	case viaProc:
		// A file reached through /proc/self/fd (/dev/stdout, /dev/fd/N):
		// the link names a file the shell opened (`> out`, `>> out`), not a
		// path to rename over.
		return writeStraight(path, write)
	}
	return writeAtomic(target, st, write)
}

// resolveLinks follows path's symlinks one by one, also a last one to a
// file that does not exist yet, and returns where the file is (or will
// be), and whether a link on the way was one of /proc's, which name open
// files rather than paths.
func resolveLinks(path string) (target string, viaProc bool, err error) {
	for range 40 { // as the kernel's MAXSYMLINKS
		dir, err := filepath.EvalSymlinks(filepath.Dir(path))
		if err != nil {
			return "", false, err
		}
		path = filepath.Join(dir, filepath.Base(path))
		fi, err := os.Lstat(path)
		if errors.Is(err, fs.ErrNotExist) || err == nil && fi.Mode()&fs.ModeSymlink == 0 {
			return path, viaProc, nil
		}
		if err != nil {
			return "", false, err
		}
		if strings.HasPrefix(path, "/proc/") {
			return path, true, nil
		}
		link, err := os.Readlink(path)
		if err != nil {
			return "", false, err
		}
		if !filepath.IsAbs(link) {
			link = filepath.Join(dir, link)
		}
		path = link
	}
	return "", false, errors.New("too many levels of symbolic links")
}

// writeStraight writes into an existing non-regular file (or one reached
// through /proc), appending: a redirection's file was truncated by the
// shell, or opened to append to.
func writeStraight(path string, write func(io.Writer) error) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	w := bufio.NewWriterSize(f, 64<<10)
	if err := errors.Join(write(w), w.Flush(), f.Close()); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// writeAtomic writes a temporary file beside path and renames it over
// path. old is the file it replaces (nil for a new one): the new file gets
// its mode and owner; a new file gets 0666 less the umask, as any program
// creating a file does.
func writeAtomic(path string, old fs.FileInfo, write func(io.Writer) error) error {
	var suffix [6]byte
	rand.Read(suffix[:])
	tmp := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".tmp-"+hex.EncodeToString(suffix[:]))
	perm := fs.FileMode(0o666)
	if old != nil {
		perm = 0o600 // until it has the old file's mode and owner
	}
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	w := bufio.NewWriterSize(f, 64<<10)
	err = errors.Join(write(w), w.Flush(), f.Sync())
	if err == nil && old != nil {
		err = keepModeAndOwner(f, old)
	}
	err = errors.Join(err, f.Close())
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// keepModeAndOwner gives f the mode (setuid/setgid/sticky bits included)
// and, when ostopo may, the owner of the file it replaces.
func keepModeAndOwner(f *os.File, old fs.FileInfo) error {
	if st, ok := old.Sys().(*syscall.Stat_t); ok && (int(st.Uid) != os.Geteuid() || int(st.Gid) != os.Getegid()) {
		// Only root may give a file away; anyone else's copy stays theirs,
		// as with any editor's save-by-rename. (Before the mode: a change
		// of owner clears setuid and setgid.)
		if err := f.Chown(int(st.Uid), int(st.Gid)); err != nil && !errors.Is(err, fs.ErrPermission) {
			return err
		}
	}
	return f.Chmod(old.Mode() & (fs.ModePerm | fs.ModeSetuid | fs.ModeSetgid | fs.ModeSticky))
}
