package ofdump_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ostopo/ostopo/netinspect/topo"
	"github.com/ostopo/ostopo/ovs"
	. "github.com/ostopo/ostopo/ovs/ofdump"
)

// Replies recorded from the real-Neutron lab's switches (NXST_FLOW reply
// messages as the switch sent them) beside `ovs-ofctl dump-flows` of the
// same bridge a moment later. To record again, with the lab up:
//
//	OFDUMP_RECORD=/tmp/nlab/compute2/ovs:br-int:compute2-br-int go test -run TestRecordedReplies ./ovs/ofdump
var recordings = []string{"compute2-br-int", "netnode-br-tun", "netnode-br-int", "compute1-br-vlan"}

// A fake switch on a unix socket: it answers the hello, checks the
// request is ovs-ofctl's, sends an echo request and a port status first
// (a real switch may), then the recorded replies.
func fakeSwitch(t *testing.T, replies []byte, before ...[]byte) string {
	t.Helper()
	sock := filepath.Join(t.TempDir(), "br.mgmt")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		hello, err := ReadMessage(c)
		if err != nil || hello.Type() != OFPTHello {
			t.Errorf("first message %+v, %v: want a hello", hello, err)
			return
		}
		WriteMessage(c, OFPTHello, hello.XID(), nil)
		req, err := ReadMessage(c)
		if err != nil || req.Type() != OF10StatsRequest || !bytes.Equal(req.Body(), FlowStatsRequest()) {
			t.Errorf("request %+v, %v: want NXST_FLOW for every flow", req, err)
			return
		}
		for _, b := range before {
			c.Write(b)
		}
		// The replies carry the recorded xid: the request's is written in.
		for b := replies; len(b) >= 8; {
			n := int(binary.BigEndian.Uint16(b[2:]))
			m := append([]byte(nil), b[:n]...)
			if m[1] == OF10StatsReply {
				binary.BigEndian.PutUint32(m[4:], req.XID())
			}
			c.Write(m)
			b = b[n:]
		}
		io.Copy(io.Discard, c)
	}()
	return sock
}

func rawMessage(typ uint8, xid uint32, body []byte) []byte {
	var b bytes.Buffer
	WriteMessage(&b, typ, xid, body)
	return b.Bytes()
}

// TestRecordedReplies decodes what real switches sent for Neutron's
// flows (the OVS firewall's conntrack and conjunctions, br-tun's learn,
// the ARP responder, DVR, provider VLANs) and writes them as ovs-ofctl
// did.
func TestRecordedReplies(t *testing.T) {
	if spec := os.Getenv("OFDUMP_RECORD"); spec != "" {
		record(t, spec)
		return
	}
	for _, name := range recordings {
		t.Run(name, func(t *testing.T) {
			replies, err := os.ReadFile(filepath.Join("testdata", name+".nxst"))
			if err != nil {
				t.Fatal(err)
			}
			text, err := os.ReadFile(filepath.Join("testdata", name+".ofctl"))
			if err != nil {
				t.Fatal(err)
			}
			want, err := ovs.ParseDumpFlows(string(text))
			if err != nil {
				t.Fatal(err)
			}
			portStatus := rawMessage(12, 0, make([]byte, 56))
			echo := rawMessage(OFPTEchoRequest, 7, []byte("ping"))
			got, err := Dump(context.Background(), fakeSwitch(t, replies, echo, portStatus))
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(want) || len(got) == 0 {
				t.Fatalf("%d flows, ovs-ofctl wrote %d", len(got), len(want))
			}
			for i := range got {
				if g, w := withoutCounters(got[i]), withoutCounters(want[i]); g != w {
					t.Errorf("flow %d:\n got %+v\nwant %+v", i+1, g, w)
				}
			}
		})
	}
}

// withoutCounters is a flow without what moves between two dumps.
func withoutCounters(f topo.Flow) topo.Flow {
	f.Packets, f.Bytes, f.Duration = 0, 0, 0
	return f
}

// record dumps rundir:bridge:name into testdata: the raw replies, then
// ovs-ofctl's text.
func record(t *testing.T, spec string) {
	rundir, rest, _ := strings.Cut(spec, ":")
	br, name, _ := strings.Cut(rest, ":")
	sock := filepath.Join(rundir, br+".mgmt")
	c, err := net.Dial("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	WriteMessage(c, OFPTHello, 1, nil)
	if _, err := ReadMessage(c); err != nil {
		t.Fatal(err)
	}
	WriteMessage(c, OF10StatsRequest, DumpXID, FlowStatsRequest())
	var raw bytes.Buffer
	for {
		m, err := ReadMessage(c)
		if err != nil {
			t.Fatal(err)
		}
		if m.Type() != OF10StatsReply {
			continue
		}
		raw.Write(rawMessage(m.Type(), m.XID(), m.Body()))
		if binary.BigEndian.Uint16(m.Body()[2:])&ReplyMore == 0 {
			break
		}
	}
	text, err := exec.Command("ovs-ofctl", "dump-flows", "unix:"+sock).Output()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join("testdata", name+".nxst"), raw.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join("testdata", name+".ofctl"), text, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("recorded %s: %d bytes of replies", name, raw.Len())
}

// What a switch can get wrong, or an attacker on the socket can send, is
// an error naming it, never a panic or a guess.
func TestBadReplies(t *testing.T) {
	replies, err := os.ReadFile(filepath.Join("testdata", "netnode-br-tun.nxst"))
	if err != nil {
		t.Fatal(err)
	}
	first := int(binary.BigEndian.Uint16(replies[2:]))
	cut := append([]byte(nil), replies[:first]...)
	binary.BigEndian.PutUint16(cut[2:], uint16(first-8)) // the last entry cut short
	cut = cut[:first-8]
	errMsg := rawMessage(OFPTError, DumpXID, []byte{0, 1, 0, 2})
	for _, tt := range []struct {
		name, want string
		replies    []byte
	}{
		{"cut entry", "flow stats entry", cut},
		{"switch error", "OpenFlow error type 1 code 2", errMsg},
		{"not NXST_FLOW", "not NXST_FLOW", rawMessage(OF10StatsReply, DumpXID, make([]byte, 16))},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Dump(context.Background(), fakeSwitch(t, tt.replies))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one saying %q", err, tt.want)
			}
		})
	}
	// A silent switch: the context's deadline ends the dump.
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = Dump(ctx, fakeSwitch(t, nil))
	if err == nil || !errors.Is(err, context.DeadlineExceeded) && !strings.Contains(err.Error(), "timeout") {
		t.Errorf("silent switch: %v", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Errorf("silent switch held the dump %v", time.Since(start))
	}
	// No switch at all.
	if _, err := Dump(context.Background(), filepath.Join(t.TempDir(), "gone.mgmt")); err == nil {
		t.Error("a missing socket dumped without error")
	}
}
