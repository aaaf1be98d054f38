package collect

import (
	"context"
	"errors"
	"os"
	"strings"
	"sync"

	"github.com/ostopo/ostopo/netinspect/neutron"
	"github.com/ostopo/ostopo/netinspect/topo"
)

// Collect reads the whole node and works out its Neutron view. It always
// returns a snapshot: a source that fails is recorded in Sources and never
// hides the others. The error is non-nil only when the context was
// canceled (not merely out of time).
func Collect(ctx context.Context, o Options) (*topo.Snapshot, error) {
	snap, err := Facts(ctx, o)
	if err != nil {
		return nil, err
	}
	snap.Neutron = neutron.Derive(snap)
	snap.Normalize()
	return snap, nil
}

// recorder collects source outcomes from concurrent readers.
type recorder struct {
	mu      sync.Mutex
	sources []topo.Source
}

func (r *recorder) add(name, detail string, err error) {
	s := topo.Source{Name: name, OK: err == nil, Detail: detail}
	if err != nil {
		s.Error = explain(err)
	}
	r.mu.Lock()
	r.sources = append(r.sources, s)
	r.mu.Unlock()
}

// explain adds what an operator needs to know to a permission error.
func explain(err error) string {
	msg := err.Error()
	switch {
	case errors.Is(err, os.ErrPermission) && strings.Contains(msg, "namespace"):
		return msg + " (entering a namespace needs root: CAP_SYS_ADMIN)"
	case errors.Is(err, os.ErrPermission) && strings.Contains(msg, "OVSDB"):
		return msg + " (the OVSDB socket is root's: run as root)"
	case errors.Is(err, os.ErrPermission):
		return msg + " (run as root)"
	case strings.Contains(msg, "namespace") && strings.Contains(msg, "operation not permitted"):
		return msg + " (entering a namespace needs root: CAP_SYS_ADMIN)"
	case strings.Contains(msg, "you must be root") || strings.Contains(msg, "Permission denied"):
		return msg + " (iptables needs root: CAP_NET_ADMIN)"
	}
	return msg
}
