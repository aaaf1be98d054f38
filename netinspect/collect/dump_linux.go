//go:build linux

package collect

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"syscall"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netlink/nl"
	"golang.org/x/sys/unix"
)

// dumpBufferSize holds the largest message batch the kernel sends a dump
// reader at once (a page-sized multiple up to 32 KiB; 64 KiB as the
// library allows).
const dumpBufferSize = 1 << 16

// dumpAnswerTimeoutMs bounds the wait for the kernel's next batch, which
// comes at once in practice.
const dumpAnswerTimeoutMs = 30_000

// dumpSocket is a route netlink socket and the buffer its dumps are read
// into.
type dumpSocket struct {
	*nl.NetlinkSocket
	buf []byte
}

// dumpBuffers hands out receive buffers, so that the sockets of the
// namespaces read one after another share a few: each namespace reads
// half a dozen dumps, most of a few hundred bytes, and a fresh 64 KiB
// buffer for each was 12 MB to zero on a node with 30 namespaces.
type dumpBuffers struct{ pool sync.Pool }

func (b *dumpBuffers) socket(s *nl.NetlinkSocket) *dumpSocket {
	buf, _ := b.pool.Get().(*[dumpBufferSize]byte)
	if buf == nil {
		buf = new([dumpBufferSize]byte)
	}
	return &dumpSocket{NetlinkSocket: s, buf: buf[:]}
}

// release closes the socket and keeps its buffer for another.
func (b *dumpBuffers) release(s *dumpSocket) {
	s.Close()
	b.pool.Put((*[dumpBufferSize]byte)(s.buf))
}

// dump sends a dump request on sock and calls fn with each reply message
// of type reply; after an error from fn the rest of the dump is read
// without it (so that the socket is clean for the next) and the error is
// returned. The request is
// built and sent by the library; the replies are read here, into the
// socket's buffer, because the library's Receive copies each batch into
// new memory and splits it into a new slice of messages: 7 MB of garbage
// for a node with 4,000 devices, and on a busy node the page faults of
// fresh memory cost more than the collection that would reuse it. fn must
// copy what it keeps. A dump the kernel marks as interrupted (the table
// changed meanwhile) is read to its end and then reported as
// netlink.ErrDumpInterrupted (see retry).
func dump(sock *dumpSocket, typ, reply int, fn func(m []byte) error, data ...nl.NetlinkRequestData) error {
	req := nl.NewNetlinkRequest(typ, unix.NLM_F_DUMP)
	for _, d := range data {
		req.AddData(d)
	}
	if err := sock.Send(req); err != nil {
		return fmt.Errorf("send netlink dump request: %w", err)
	}
	pid, err := sock.GetPid()
	if err != nil {
		return fmt.Errorf("netlink socket address: %w", err)
	}
	buf := sock.buf
	interrupted := false
	var fnErr error // after an error from fn, the dump is read to its end unparsed
	end := func() error {
		switch {
		case fnErr != nil:
			return fnErr
		case interrupted:
			return netlink.ErrDumpInterrupted
		}
		return nil
	}
	for {
		n, err := receiveBatch(sock.GetFd(), buf)
		if err != nil {
			return err
		}
		for b := buf[:n]; len(b) >= unix.NLMSG_HDRLEN; {
			size := int(binary.NativeEndian.Uint32(b[0:4]))
			if size < unix.NLMSG_HDRLEN || size > len(b) {
				return fmt.Errorf("netlink dump: message of %d bytes in a batch of %d", size, len(b))
			}
			msgType := binary.NativeEndian.Uint16(b[4:6])
			flags := binary.NativeEndian.Uint16(b[6:8])
			seq := binary.NativeEndian.Uint32(b[8:12])
			portID := binary.NativeEndian.Uint32(b[12:16])
			m := b[unix.NLMSG_HDRLEN:size]
			b = b[min(nlmAlign(size), len(b)):]
			if seq != req.Seq || portID != pid {
				continue // the tail of an earlier dump on this socket
			}
			if flags&unix.NLM_F_DUMP_INTR != 0 {
				interrupted = true
			}
			switch int(msgType) {
			case unix.NLMSG_DONE:
				return end()
			case unix.NLMSG_ERROR:
				if len(m) < 4 {
					return errors.New("netlink dump: short error message")
				}
				if errno := int32(binary.NativeEndian.Uint32(m[0:4])); errno != 0 {
					return syscall.Errno(-errno)
				}
				return end() // an acknowledgement
			case reply:
				if fnErr == nil {
					fnErr = fn(m)
				}
				if flags&unix.NLM_F_MULTI == 0 {
					return end() // a lone answer, not a dump
				}
			}
		}
	}
}

// receiveBatch reads the kernel's next batch of dump messages into buf,
// waiting for it: the library made the socket non-blocking.
func receiveBatch(fd int, buf []byte) (int, error) {
	for {
		n, from, err := unix.Recvfrom(fd, buf, unix.MSG_TRUNC)
		switch {
		case err == unix.EINTR:
			continue
		case err == unix.EAGAIN:
			fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
			ready, err := unix.Poll(fds, dumpAnswerTimeoutMs)
			if err != nil && err != unix.EINTR {
				return 0, fmt.Errorf("wait for netlink dump: %w", err)
			}
			if err == nil && ready == 0 {
				return 0, fmt.Errorf("netlink dump: no answer from the kernel in %d s", dumpAnswerTimeoutMs/1000)
			}
			continue
		case err != nil:
			return 0, fmt.Errorf("receive netlink dump: %w", err)
		}
		if sa, ok := from.(*unix.SockaddrNetlink); !ok || sa.Pid != 0 {
			continue // not from the kernel
		}
		if n > len(buf) { // MSG_TRUNC: the batch's real length
			return 0, fmt.Errorf("netlink dump: batch of %d bytes, more than %d", n, len(buf))
		}
		if n < unix.NLMSG_HDRLEN {
			return 0, fmt.Errorf("netlink dump: batch of %d bytes", n)
		}
		return n, nil
	}
}

func nlmAlign(n int) int { return (n + unix.NLMSG_ALIGNTO - 1) &^ (unix.NLMSG_ALIGNTO - 1) }
