//go:build !linux

package collect

import (
	"context"
	"errors"

	"github.com/ostopo/ostopo/netinspect/topo"
)

// ErrUnsupported: live collection reads Linux namespaces and netlink.
var ErrUnsupported = errors.New("live collection needs Linux; use --replay FILE")

// Facts is unavailable off Linux; replays work everywhere.
func Facts(ctx context.Context, o Options) (*topo.Snapshot, error) {
	return nil, ErrUnsupported
}
