// Package sockctx ties a socket connection to a context, the way every
// daemon ostopo asks over a socket (ovsdb-server, ovs-vswitchd's control
// socket, a bridge's OpenFlow management socket) needs it: the context's
// deadline is the connection's, its cancellation ends any read or write,
// and an error the deadline caused says so.
package sockctx

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"time"
)

// Bind gives c the context's deadline and ends c's reads and writes when
// the context is cancelled. The caller defers the returned stop.
func Bind(ctx context.Context, c net.Conn) (stop func() bool) {
	if dl, ok := ctx.Deadline(); ok {
		_ = c.SetDeadline(dl)
	}
	return context.AfterFunc(ctx, func() { _ = c.SetDeadline(time.Unix(1, 0)) })
}

// Ended is the context's end when it is why a read or write on a bound
// connection failed, else nil. The socket's deadline is the context's and
// may fire a moment before the context says so (a CI run caught it), so
// the deadline error counts as the context's.
func Ended(ctx context.Context, err error) error {
	if ctx.Err() != nil || errors.Is(err, os.ErrDeadlineExceeded) {
		return cmp.Or(ctx.Err(), context.DeadlineExceeded)
	}
	return nil
}

// Err is err, led by the context's end when that is why it failed.
func Err(ctx context.Context, err error) error {
	if e := Ended(ctx, err); e != nil {
		return fmt.Errorf("%w (%w)", e, err)
	}
	return err
}
