package sockctx

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"testing"
	"time"
)

// A socket's deadline error is the context's end even before the context
// reports it; another error is itself.
func TestEnded(t *testing.T) {
	ctx := context.Background()
	if e := Ended(ctx, os.ErrDeadlineExceeded); !errors.Is(e, context.DeadlineExceeded) {
		t.Errorf("deadline: %v", e)
	}
	if e := Ended(ctx, io.EOF); e != nil {
		t.Errorf("EOF: %v", e)
	}
	if err := Err(ctx, io.EOF); err != io.EOF {
		t.Errorf("Err(EOF) = %v", err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := Err(cctx, io.EOF); !errors.Is(err, context.Canceled) || !errors.Is(err, io.EOF) {
		t.Errorf("Err after cancel = %v", err)
	}
}

// Bind ends a blocked read when the context is cancelled.
func TestBindCancels(t *testing.T) {
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer Bind(ctx, a)()
	time.AfterFunc(50*time.Millisecond, cancel)
	_, err := a.Read(make([]byte, 1))
	if !errors.Is(Ended(ctx, err), context.Canceled) {
		t.Errorf("read after cancel: %v", err)
	}
}
