// Package ofdump reads a bridge's flow table over its OpenFlow management
// socket (<rundir>/<bridge>.mgmt, a service controller ovs-vswitchd opens on
// every bridge) and writes each flow exactly as `ovs-ofctl dump-flows`
// writes it: no process, no container exec, no PATH.
//
// It sends the request ovs-ofctl sends (OpenFlow 1.0 with the Nicira
// NXST_FLOW extension), so the switch re-encodes every action in OpenFlow
// 1.0 + Nicira form whatever version the agent installed it with, and the
// text is ovs-ofctl's: resubmit(,N), mod_vlan_vid:N, strip_vlan,
// load:V->NXM_…[]. Every reader of flows in ostopo reads those forms, and
// a sosreport holds them. A flow whose match or actions hold something this
// package does not write is an UnwrittenError, never a guess: the caller
// then asks ovs-ofctl for that bridge.
package ofdump

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/ostopo/ostopo/ovs/internal/sockctx"
)

// OpenFlow 1.0 message types and the Nicira vendor id (include/openflow).
const (
	of10Version      = 0x01
	ofptHello        = 0
	ofptError        = 1
	ofptEchoRequest  = 2
	ofptEchoReply    = 3
	of10StatsRequest = 16
	of10StatsReply   = 17
	nxVendorID       = 0x00002320
	nxstFlow         = 0
	ofpsfReplyMore   = 1
	of10StatsVendor  = 0xffff
	of10PortNone     = 0xffff
	allTables        = 0xff
	dumpXID          = 0x6f73 // "os"
)

// DefaultTimeout bounds a dump whose context has no deadline, as
// ovs-ofctl's --timeout does, so a wedged ovs-vswitchd cannot hold a
// snapshot.
const DefaultTimeout = 10 * time.Second

// MaxReply bounds the flow stats a dump accepts: a 1000-instance br-int's
// 4,000 flows are about 1 MB on the wire.
const MaxReply = 256 << 20

// stat is one nx_flow_stats entry.
type stat struct {
	table                    uint8
	priority                 uint16
	cookie                   uint64
	durSec, durNsec          uint32
	idleTimeout, hardTimeout uint16
	packets, bytes           uint64
	match, actions           []byte
}

// message is one OpenFlow message: header fields and the body after the
// 8-byte header.
type message struct {
	version, typ uint8
	xid          uint32
	body         []byte
}

func readMessage(r io.Reader) (message, error) {
	var h [8]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return message{}, err
	}
	n := int(binary.BigEndian.Uint16(h[2:4]))
	if n < 8 {
		return message{}, fmt.Errorf("OpenFlow message of length %d", n)
	}
	b := make([]byte, n-8)
	if _, err := io.ReadFull(r, b); err != nil {
		return message{}, err
	}
	return message{h[0], h[1], binary.BigEndian.Uint32(h[4:8]), b}, nil
}

func writeMessage(w io.Writer, typ uint8, xid uint32, body []byte) error {
	b := make([]byte, 8+len(body))
	b[0], b[1] = of10Version, typ
	binary.BigEndian.PutUint16(b[2:], uint16(len(b)))
	binary.BigEndian.PutUint32(b[4:], xid)
	copy(b[8:], body)
	_, err := w.Write(b)
	return err
}

// flowStatsRequest is NXST_FLOW for every flow of every table: the
// ofp10 stats header (type VENDOR), the Nicira vendor and subtype, then
// nx_flow_stats_request with out_port NONE, an empty match and table ALL.
func flowStatsRequest() []byte {
	req := make([]byte, 24)
	binary.BigEndian.PutUint16(req[0:], of10StatsVendor)
	binary.BigEndian.PutUint32(req[4:], nxVendorID)
	binary.BigEndian.PutUint32(req[8:], nxstFlow)
	binary.BigEndian.PutUint16(req[16:], of10PortNone)
	req[20] = allTables
	return req
}

// dumpStats asks the switch behind sock for every flow's stats and gives
// each to each, in the switch's order. It is one transaction: the switch
// answers with consecutive reply segments, the last without the MORE flag.
func dumpStats(ctx context.Context, sock string, each func(stat) error) error {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, DefaultTimeout)
		defer cancel()
	}
	var d net.Dialer
	c, err := d.DialContext(ctx, "unix", sock)
	if err != nil {
		return err
	}
	defer c.Close()
	defer sockctx.Bind(ctx, c)()

	if err := writeMessage(c, ofptHello, 1, nil); err != nil {
		return fmt.Errorf("send hello: %w", err)
	}
	m, err := readMessage(c)
	if err != nil {
		return fmt.Errorf("read hello: %w", sockctx.Err(ctx, err))
	}
	if m.typ != ofptHello {
		return fmt.Errorf("expected the switch's hello, got message type %d", m.typ)
	}
	if err := writeMessage(c, of10StatsRequest, dumpXID, flowStatsRequest()); err != nil {
		return fmt.Errorf("send flow stats request: %w", err)
	}
	total := 0
	for {
		m, err := readMessage(c)
		if err != nil {
			return fmt.Errorf("read flow stats: %w", sockctx.Err(ctx, err))
		}
		total += len(m.body)
		if total > MaxReply {
			return fmt.Errorf("flow stats over %d MiB", MaxReply>>20)
		}
		switch m.typ {
		case ofptEchoRequest:
			if err := writeMessage(c, ofptEchoReply, m.xid, m.body); err != nil {
				return fmt.Errorf("answer echo: %w", err)
			}
			continue
		case ofptError:
			if m.xid == dumpXID || m.xid == 1 {
				return switchError(m.body)
			}
			continue
		case of10StatsReply:
		default:
			continue // asynchronous messages (port status) are not asked for
		}
		if m.xid != dumpXID {
			continue
		}
		if m.version != of10Version {
			return fmt.Errorf("flow stats in OpenFlow version 0x%02x, asked in 1.0", m.version)
		}
		if len(m.body) < 16 || binary.BigEndian.Uint16(m.body) != of10StatsVendor ||
			binary.BigEndian.Uint32(m.body[4:]) != nxVendorID || binary.BigEndian.Uint32(m.body[8:]) != nxstFlow {
			return errors.New("a stats reply that is not NXST_FLOW")
		}
		if err := eachStat(m.body[16:], each); err != nil {
			return err
		}
		if binary.BigEndian.Uint16(m.body[2:4])&ofpsfReplyMore == 0 {
			return nil
		}
	}
}

// switchError is an OFPT_ERROR's type and code.
func switchError(body []byte) error {
	if len(body) < 4 {
		return errors.New("the switch answered with a short error")
	}
	return fmt.Errorf("the switch refused the dump: OpenFlow error type %d code %d",
		binary.BigEndian.Uint16(body), binary.BigEndian.Uint16(body[2:]))
}

// eachStat decodes one segment's nx_flow_stats entries (48 bytes of
// fixed fields, the NXM match padded to 8 bytes, then the actions).
func eachStat(b []byte, each func(stat) error) error {
	for len(b) > 0 {
		if len(b) < 48 {
			return fmt.Errorf("flow stats entry of %d bytes", len(b))
		}
		l := int(binary.BigEndian.Uint16(b[0:]))
		ml := int(binary.BigEndian.Uint16(b[18:]))
		matchEnd := 48 + (ml+7)/8*8
		if l < 48 || l > len(b) || l%8 != 0 || matchEnd > l {
			return fmt.Errorf("flow stats entry of length %d (match %d) in %d bytes", l, ml, len(b))
		}
		err := each(stat{
			table:       b[2],
			durSec:      binary.BigEndian.Uint32(b[4:]),
			durNsec:     binary.BigEndian.Uint32(b[8:]),
			priority:    binary.BigEndian.Uint16(b[12:]),
			idleTimeout: binary.BigEndian.Uint16(b[14:]),
			hardTimeout: binary.BigEndian.Uint16(b[16:]),
			cookie:      binary.BigEndian.Uint64(b[24:]),
			packets:     binary.BigEndian.Uint64(b[32:]),
			bytes:       binary.BigEndian.Uint64(b[40:]),
			match:       b[48 : 48+ml],
			actions:     b[matchEnd:l],
		})
		if err != nil {
			return err
		}
		b = b[l:]
	}
	return nil
}
