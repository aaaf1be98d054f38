package fleet

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"

	"github.com/ostopo/ostopo/netinspect/topo"
)

// Collect does what the Playbook does with the system ssh client instead
// of Ansible: on each host (opts.Forks at a time) it puts the binary
// (Put), runs `ostopo snapshot -o -` as root with the host's Flags, and
// streams the snapshot straight into the staging directory: nothing is
// left on the host but the binary. The report's Inventory and Limit are
// the caller's to fill in.
func (s *SSH) Collect(ctx context.Context, hosts []Host, opts Options) (*Report, error) {
	if err := CheckHostNames(hosts); err != nil {
		return nil, err
	}
	if _, err := s.checksum(opts.Binary); err != nil {
		return nil, err
	}
	r, err := newRun(opts, hosts)
	if err != nil {
		return nil, err
	}
	defer r.close()
	sem := make(chan struct{}, opts.forks())
	var wg sync.WaitGroup
	for _, h := range hosts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				return
			}
			defer func() { <-sem }()
			s.collectOne(ctx, r, h)
		}()
	}
	wg.Wait()
	missing := "no result for this host"
	if ctx.Err() != nil {
		missing = ctxErr(ctx)
	}
	return r.finish("ssh", "", "", missing), nil
}

func (s *SSH) collectOne(ctx context.Context, r *run, h Host) {
	fail := func(what string, err error) {
		if IsUnreachable(err) {
			// ssh's own words say it all: nothing ran.
			r.done(h.Name, StatusUnreachable, errMessage(err), "")
			return
		}
		var e *Error
		if errors.As(err, &e) {
			r.done(h.Name, StatusFailed, what+" "+errMessage(err), "")
			return
		}
		r.done(h.Name, StatusFailed, what+": "+err.Error(), "")
	}
	remote, err := s.Put(ctx, h, r.opts.Binary)
	if err != nil {
		fail("installing ostopo", err)
		return
	}
	argv := append([]string{remote, "snapshot", "-o", "-"}, h.Flags...)
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	sess, err := s.Start(sctx, h, argv)
	if err != nil {
		fail("ostopo snapshot", err)
		return
	}
	sess.Stdin.Close()
	stderr := tailBuffer{max: MaxMessage}
	done := make(chan struct{})
	go func() {
		io.Copy(&stderr, sess.Stderr)
		close(done)
	}()
	saveErr := r.save(h.Name, sess.Stdout)
	if saveErr != nil {
		// Past the bound, or the disk failed: stop the remote command
		// rather than read the rest of it.
		cancel()
	}
	<-done
	waitErr := sess.Wait()
	switch {
	case saveErr != nil:
		r.done(h.Name, StatusFailed, saveErr.Error(), "")
	case waitErr != nil:
		var e *Error
		if errors.As(waitErr, &e) {
			e.Stderr = stderr.String()
		}
		os.Remove(r.stagePath(h.Name))
		fail("ostopo snapshot", waitErr)
	default:
		r.acceptOrFail(h.Name)
	}
}

// save writes a host's snapshot stream to its staging file, at most the
// size bound: a node cannot fill the disk.
func (r *run) save(host string, in io.Reader) error {
	limit := r.opts.MaxInput
	if limit <= 0 {
		limit = topo.DefaultMaxBytes
	}
	f, err := os.OpenFile(r.stagePath(host), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("save the snapshot: %w", err)
	}
	n, err := io.Copy(f, io.LimitReader(in, limit+1))
	err = errors.Join(err, f.Close())
	switch {
	case err != nil:
		os.Remove(r.stagePath(host))
		return fmt.Errorf("save the snapshot: %w", err)
	case n > limit:
		os.Remove(r.stagePath(host))
		return fmt.Errorf("the snapshot is larger than %d bytes (--max-input)", limit)
	}
	return nil
}

// errMessage is why a command on a host failed, without the host's name
// (the result names it), put as Ansible puts it: "exited N: " and the
// last line the command wrote on stderr (its own error comes last, after
// its warnings). For ssh's own failure, ssh's last line alone.
func errMessage(err error) string {
	var e *Error
	if !errors.As(err, &e) {
		return err.Error()
	}
	l := lastLine(e.Stderr)
	switch {
	case e.Unreachable && l != "":
		return l
	case e.ExitCode >= 0 && l != "":
		return fmt.Sprintf("exited %d: %s", e.ExitCode, l)
	case e.ExitCode >= 0:
		return fmt.Sprintf("exited %d", e.ExitCode)
	}
	return e.Err.Error()
}
