package ovs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/ostopo/ostopo/ovs/internal/sockctx"
)

// DefaultRunDir is OVS's run directory when neither --ovs-rundir nor
// OVS_RUNDIR says otherwise (/var/run links here). kolla-ansible
// bind-mounts the openvswitch_vswitchd container's to the host's.
const DefaultRunDir = "/run/openvswitch"

// UnixCtl asks ovs-vswitchd questions over its control socket
// (<rundir>/ovs-vswitchd.<pid>.ctl), the way ovs-appctl does, without a
// process: the protocol is JSON-RPC 1.0, each message a bare JSON object
// with no separator (lib/jsonrpc.c), a request {"method", "params" (all
// strings), "id"} answered by {"id", "result": text, "error": null} or
// {"id", "error": text} (lib/unixctl.c). go-openvswitch's JSON-RPC client
// is internal to its ovsdb package, so the few lines are here.
type UnixCtl struct {
	// Path is the control socket.
	Path string
	// Timeout bounds a call whose context has no deadline, so a wedged
	// ovs-vswitchd cannot hold the caller (ovs-appctl's --timeout).
	Timeout time.Duration
	// MaxReply bounds a reply (a 1000-instance br-int's flows are about
	// 5 MB of text).
	MaxReply int64
	id       atomic.Uint64
}

// ErrNoControlSocket is FindControlSocket's error when the run directory
// holds no ovs-vswitchd control socket.
var ErrNoControlSocket = errors.New("no ovs-vswitchd control socket")

// FindControlSocket finds ovs-vswitchd's control socket in rundir
// ("" for DefaultRunDir): the one its pid file names, as ovs-appctl finds
// it, or else the only ovs-vswitchd.*.ctl there (a pid file from another
// PID namespace, as in a container, names a pid the host does not
// know, but the socket is the daemon's all the same). Several sockets and
// no usable pid file is an error naming them: a stale one, left by a
// daemon that crashed, cannot be told from the live one by its name.
func FindControlSocket(rundir string) (string, error) {
	if rundir == "" {
		rundir = DefaultRunDir
	}
	var pidErr error
	if b, err := os.ReadFile(filepath.Join(rundir, "ovs-vswitchd.pid")); err == nil {
		pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
		if err == nil && pid > 0 {
			p := filepath.Join(rundir, "ovs-vswitchd."+strconv.Itoa(pid)+".ctl")
			if st, err := os.Stat(p); err == nil && st.Mode()&os.ModeSocket != 0 {
				return p, nil
			}
			pidErr = fmt.Errorf("ovs-vswitchd.pid names pid %d, and %s is not a socket", pid, filepath.Base(p))
		} else {
			pidErr = fmt.Errorf("ovs-vswitchd.pid holds no pid")
		}
	}
	found, _ := filepath.Glob(filepath.Join(rundir, "ovs-vswitchd.*.ctl"))
	var socks []string
	for _, p := range found {
		if st, err := os.Stat(p); err == nil && st.Mode()&os.ModeSocket != 0 {
			socks = append(socks, p)
		}
	}
	switch {
	case len(socks) == 1:
		return socks[0], nil
	case len(socks) > 1:
		names := make([]string, len(socks))
		for i, s := range socks {
			names[i] = filepath.Base(s)
		}
		why := "no ovs-vswitchd.pid"
		if pidErr != nil {
			why = pidErr.Error()
		}
		return "", fmt.Errorf("%s: %d control sockets (%s) and %s to tell the live one", rundir, len(socks), strings.Join(names, ", "), why)
	case pidErr != nil:
		return "", fmt.Errorf("%s: %w (%v)", rundir, ErrNoControlSocket, pidErr)
	}
	return "", fmt.Errorf("%s: %w", rundir, ErrNoControlSocket)
}

// NewUnixCtl is a client of the control socket at path.
func NewUnixCtl(path string) *UnixCtl {
	return &UnixCtl{Path: path, Timeout: 10 * time.Second, MaxReply: 256 << 20}
}

// UnixCtlError is the daemon's own error reply to a command ("Unknown
// bridge", "\"x\" is not a valid command"): the socket works, the
// question was refused.
type UnixCtlError struct {
	Method, Text string
}

func (e *UnixCtlError) Error() string {
	return fmt.Sprintf("ovs-vswitchd %s: %s", e.Method, strings.TrimSpace(e.Text))
}

type unixctlRequest struct {
	Method string   `json:"method"`
	Params []string `json:"params"`
	ID     uint64   `json:"id"`
}

type unixctlReply struct {
	ID     json.RawMessage `json:"id"`
	Result *string         `json:"result"`
	Error  json.RawMessage `json:"error"`
}

// Call runs one command ("ofproto/trace", "bridge/dump-flows", "version")
// with its arguments and returns its text. One connection per call: the
// daemon serves a connection's requests one at a time anyway, and calls
// run side by side.
func (u *UnixCtl) Call(ctx context.Context, method string, args ...string) (string, error) {
	if _, ok := ctx.Deadline(); !ok && u.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, u.Timeout)
		defer cancel()
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "unix", u.Path)
	if err != nil {
		return "", fmt.Errorf("ovs-vswitchd control socket: %w", err)
	}
	defer conn.Close()
	defer sockctx.Bind(ctx, conn)()

	if args == nil {
		args = []string{}
	}
	req := unixctlRequest{Method: method, Params: args, ID: u.id.Add(1)}
	b, err := json.Marshal(req)
	if err != nil {
		return "", err
	}
	if _, err := conn.Write(b); err != nil {
		return "", u.ioErr(ctx, method, err)
	}
	limit := u.MaxReply
	if limit <= 0 {
		limit = 256 << 20
	}
	lr := &io.LimitedReader{R: conn, N: limit + 1}
	// One Decode reads exactly one JSON object: the daemon's framing.
	var rep unixctlReply
	if err := json.NewDecoder(lr).Decode(&rep); err != nil {
		if lr.N <= 0 {
			return "", fmt.Errorf("ovs-vswitchd %s: reply larger than %d bytes", method, limit)
		}
		return "", u.ioErr(ctx, method, err)
	}
	if id := strings.TrimSpace(string(rep.ID)); id != strconv.FormatUint(req.ID, 10) {
		return "", fmt.Errorf("ovs-vswitchd %s: reply to request %s, not %d", method, id, req.ID)
	}
	if e := strings.TrimSpace(string(rep.Error)); e != "" && e != "null" {
		var text string
		if json.Unmarshal(rep.Error, &text) != nil {
			text = e
		}
		return "", &UnixCtlError{Method: method, Text: text}
	}
	if rep.Result == nil {
		return "", fmt.Errorf("ovs-vswitchd %s: reply without a result", method)
	}
	return *rep.Result, nil
}

// ioErr names the deadline when it is what ended the call.
func (u *UnixCtl) ioErr(ctx context.Context, method string, err error) error {
	if e := sockctx.Ended(ctx, err); e != nil {
		return fmt.Errorf("ovs-vswitchd %s: no answer: %w", method, e)
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("ovs-vswitchd %s: the daemon closed the connection without an answer", method)
	}
	return fmt.Errorf("ovs-vswitchd %s: %w", method, err)
}
