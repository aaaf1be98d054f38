package ovs

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ostopo/ostopo/netinspect/run"
)

// fakeDaemon answers on a unix socket with what reply returns for each
// request, written as ovs-vswitchd writes it (a bare JSON object, no
// separator). reply returning "" closes the connection unanswered.
func fakeDaemon(t *testing.T, path string, reply func(req unixctlRequest) string) {
	t.Helper()
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				dec := json.NewDecoder(c)
				for {
					var req unixctlRequest
					if dec.Decode(&req) != nil {
						return
					}
					r := reply(req)
					if r == "" {
						return
					}
					c.Write([]byte(r))
				}
			}()
		}
	}()
}

// shortDir is a directory whose socket paths fit sun_path (108 bytes),
// which t.TempDir's long names may not.
func shortDir(t *testing.T) string {
	d, err := os.MkdirTemp("", "uc")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(d) })
	return d
}

func TestUnixCtlCall(t *testing.T) {
	dir := shortDir(t)
	sock := filepath.Join(dir, "ovs-vswitchd.42.ctl")
	fakeDaemon(t, sock, func(req unixctlRequest) string {
		id, _ := json.Marshal(req.ID)
		switch req.Method {
		case "version":
			return `{"id":` + string(id) + `,"result":"ovs-vswitchd (Open vSwitch) 3.1.0\n","error":null}`
		case "echo":
			b, _ := json.Marshal(strings.Join(req.Params, " "))
			return `{"error":null,"result":` + string(b) + `,"id":` + string(id) + `}` // member order is the daemon's hash order
		case "bridge/dump-flows":
			return `{"id":` + string(id) + `,"error":"Unknown bridge\n"}`
		case "wrong-id":
			return `{"id":999,"result":"x","error":null}`
		case "no-result":
			return `{"id":` + string(id) + `,"error":null}`
		case "huge":
			return `{"id":` + string(id) + `,"result":"` + strings.Repeat("a", 4096) + `","error":null}`
		case "silent":
			time.Sleep(2 * time.Second)
			return `{"id":` + string(id) + `,"result":"late","error":null}`
		}
		return "" // closes the connection, as on a malformed request
	})
	ctx := context.Background()
	u := NewUnixCtl(sock)
	if got, err := u.Call(ctx, "version"); err != nil || got != "ovs-vswitchd (Open vSwitch) 3.1.0\n" {
		t.Errorf("version: %q, %v", got, err)
	}
	if got, err := u.Call(ctx, "echo", "a b", `"c"`, "é\x1b"); err != nil || got != "a b \"c\" é\x1b" {
		t.Errorf("echo: %q, %v", got, err)
	}
	var ue *UnixCtlError
	if _, err := u.Call(ctx, "bridge/dump-flows", "br-nope"); !errors.As(err, &ue) || ue.Text != "Unknown bridge\n" || !strings.Contains(err.Error(), "bridge/dump-flows: Unknown bridge") {
		t.Errorf("error reply: %v", err)
	}
	for _, m := range []string{"wrong-id", "no-result", "closes"} {
		if got, err := u.Call(ctx, m); err == nil {
			t.Errorf("%s: %q, no error", m, got)
		}
	}
	small := NewUnixCtl(sock)
	small.MaxReply = 1000
	if _, err := small.Call(ctx, "huge"); err == nil || !strings.Contains(err.Error(), "larger than 1000 bytes") {
		t.Errorf("a reply over the bound: %v", err)
	}
	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, err := u.Call(short, "silent"); err == nil || !strings.Contains(err.Error(), "no answer") || time.Since(start) > time.Second {
		t.Errorf("a daemon that does not answer: %v after %v", err, time.Since(start))
	}
	u.Timeout = 100 * time.Millisecond
	if _, err := u.Call(ctx, "silent"); err == nil || !strings.Contains(err.Error(), "no answer") {
		t.Errorf("the default timeout: %v", err)
	}
}

func TestFindControlSocket(t *testing.T) {
	listen := func(t *testing.T, p string) {
		ln, err := net.Listen("unix", p)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { ln.Close() })
	}
	t.Run("pidfile", func(t *testing.T) {
		dir := shortDir(t)
		listen(t, filepath.Join(dir, "ovs-vswitchd.7.ctl"))
		listen(t, filepath.Join(dir, "ovs-vswitchd.8.ctl")) // another (stale) one
		os.WriteFile(filepath.Join(dir, "ovs-vswitchd.pid"), []byte("8\n"), 0o644)
		if got, err := FindControlSocket(dir); err != nil || got != filepath.Join(dir, "ovs-vswitchd.8.ctl") {
			t.Errorf("%q, %v", got, err)
		}
	})
	t.Run("container pid, one socket", func(t *testing.T) {
		dir := shortDir(t)
		listen(t, filepath.Join(dir, "ovs-vswitchd.1.ctl"))
		os.WriteFile(filepath.Join(dir, "ovs-vswitchd.pid"), []byte("52311\n"), 0o644)
		if got, err := FindControlSocket(dir); err != nil || got != filepath.Join(dir, "ovs-vswitchd.1.ctl") {
			t.Errorf("%q, %v", got, err)
		}
	})
	t.Run("two sockets, no pid file", func(t *testing.T) {
		dir := shortDir(t)
		listen(t, filepath.Join(dir, "ovs-vswitchd.1.ctl"))
		listen(t, filepath.Join(dir, "ovs-vswitchd.2.ctl"))
		if _, err := FindControlSocket(dir); err == nil || !strings.Contains(err.Error(), "2 control sockets (ovs-vswitchd.1.ctl, ovs-vswitchd.2.ctl)") {
			t.Errorf("%v", err)
		}
	})
	t.Run("none", func(t *testing.T) {
		dir := shortDir(t)
		os.WriteFile(filepath.Join(dir, "ovs-vswitchd.1.ctl"), nil, 0o644) // a file, not a socket
		if _, err := FindControlSocket(dir); !errors.Is(err, ErrNoControlSocket) {
			t.Errorf("%v", err)
		}
	})
}

// A stale control socket (the daemon gone, the file left) falls back to
// ovs-appctl, and Describe says why.
func TestAppCtlFallsBack(t *testing.T) {
	dir := shortDir(t)
	p := filepath.Join(dir, "ovs-vswitchd.9.ctl")
	ln, err := net.Listen("unix", p)
	if err != nil {
		t.Fatal(err)
	}
	ln.(*net.UnixListener).SetUnlinkOnClose(false)
	ln.Close()
	os.WriteFile(filepath.Join(dir, "ovs-vswitchd.pid"), []byte("9\n"), 0o644)
	var argv []string
	runner := run.Runner(func(_ context.Context, name string, args ...string) ([]byte, error) {
		if name == "ovs-appctl" && len(args) > 0 && args[0] == "--version" {
			return []byte("ovs-appctl (Open vSwitch) 3.1.0\n"), nil
		}
		argv = append([]string{name}, args...)
		return []byte("Datapath actions: 3\n"), nil
	})
	a, err := NewAppCtl(context.Background(), runner, dir)
	if err != nil {
		t.Fatal(err)
	}
	if d := a.Describe(); !strings.Contains(d, "control socket not used") || !strings.Contains(d, "ovs-vswitchd.9.ctl") {
		t.Errorf("Describe: %q", d)
	}
	got, err := a.ProtoTrace(context.Background(), "br-int", Packet{InPort: 1, DstIP: "10.0.0.5"})
	if err != nil || got != "3" || !strings.Contains(strings.Join(argv, " "), "-t "+p+" ofproto/trace br-int ip,in_port=1,nw_dst=10.0.0.5") {
		t.Errorf("fallback trace: %q, %v, argv %q", got, err, argv)
	}
}
