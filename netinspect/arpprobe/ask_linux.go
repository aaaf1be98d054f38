//go:build linux

package arpprobe

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// NewSocket makes a non-blocking socket (in the calling thread's network
// namespace; it stays there whichever thread uses it after) as an
// *os.File, whose reads wait in the runtime's poller: a hundred probes
// waiting at once hold no thread each.
func NewSocket(domain, typ, proto int) (*os.File, error) {
	fd, err := unix.Socket(domain, typ|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, proto)
	if err != nil {
		return nil, err
	}
	return os.NewFile(uintptr(fd), "probe"), nil
}

// Ask sends req to `to` on f up to rounds times (arping -c 3 sends three,
// so that one lost frame is not a verdict), sharing the time left evenly
// (also when the caller's deadline is the shorter), and returns the
// hardware address of the first answer accept takes. accept sees the
// packet and whom it came from. Nothing taken is a *NoAnswer error.
func Ask(ctx context.Context, f *os.File, req []byte, to unix.Sockaddr, timeout time.Duration, rounds int, w Words,
	target netip.Addr, dev string, accept func(b []byte, from unix.Sockaddr) (net.HardwareAddr, bool)) (net.HardwareAddr, error) {
	deadline := time.Now().Add(timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	rc, err := f.SyscallConn()
	if err != nil {
		return nil, fmt.Errorf("%s socket on %s: %w", w.Reading, dev, err)
	}
	// The poller wakes a read at its deadline, not when ctx is done: a
	// deadline in the past does that.
	stop := context.AfterFunc(ctx, func() { f.SetReadDeadline(time.Unix(1, 0)) })
	defer stop()
	buf := make([]byte, 1500)
	start, sent := time.Now(), 0
	for ; sent < rounds && time.Now().Before(deadline); sent++ {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("%s for %s on %s: %w", w.Asking, target, dev, err)
		}
		var sendErr error
		if err := rc.Write(func(fd uintptr) bool {
			sendErr = unix.Sendto(int(fd), req, 0, to)
			return !errors.Is(sendErr, unix.EAGAIN)
		}); err != nil {
			sendErr = err
		}
		if sendErr != nil {
			return nil, fmt.Errorf("send %s on %s: %w", w.Request, dev, sendErr)
		}
		until := time.Now().Add(time.Until(deadline) / time.Duration(rounds-sent))
		if err := f.SetReadDeadline(until); err != nil {
			return nil, fmt.Errorf("%s socket on %s: %w", w.Reading, dev, err)
		}
		if ctx.Err() != nil {
			// Done before the deadline above was set: AfterFunc's
			// past deadline was overwritten.
			f.SetReadDeadline(time.Unix(1, 0))
		}
		for {
			var n int
			var from unix.Sockaddr
			var readErr error
			err := rc.Read(func(fd uintptr) bool {
				n, from, readErr = unix.Recvfrom(int(fd), buf, 0)
				return !errors.Is(readErr, unix.EAGAIN)
			})
			if errors.Is(err, os.ErrDeadlineExceeded) {
				break
			}
			if err == nil {
				err = readErr
			}
			if errors.Is(err, unix.EINTR) {
				continue
			}
			if err != nil {
				return nil, fmt.Errorf("read %s on %s: %w", w.Reading, dev, err)
			}
			if mac, ok := accept(buf[:n], from); ok {
				return mac, nil
			}
		}
	}
	if err := ctx.Err(); err != nil && sent == 0 {
		return nil, fmt.Errorf("%s for %s on %s: %w", w.Asking, target, dev, err)
	}
	waited := time.Since(start)
	return nil, &NoAnswer{Sent: sent, Waited: waited,
		text: fmt.Sprintf("%s does not answer %s on %s (%d%s in %s)", target, w.Answer, dev, sent, w.Sent, waited.Round(100*time.Millisecond))}
}
