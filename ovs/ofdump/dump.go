package ofdump

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/ostopo/ostopo/netinspect/topo"
)

// Dump returns every flow of the bridge whose management socket is sock,
// as `ovs-ofctl dump-flows` would have printed them (port numbers, not
// names). A flow holding something not written here makes the whole dump
// an UnwrittenError: a bridge's flows are all read, or not at all.
func Dump(ctx context.Context, sock string) ([]topo.Flow, error) {
	var flows []topo.Flow
	err := dumpStats(ctx, sock, func(st stat) error {
		f, err := flowOf(st)
		if err != nil {
			return fmt.Errorf("flow %d (table %d, priority %d, cookie %#x): %w",
				len(flows)+1, st.table, st.priority, st.cookie, err)
		}
		flows = append(flows, f)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("dump flows over %s: %w", sock, err)
	}
	return flows, nil
}

// flowOf writes one flow's stats the way ovs-ofctl prints them, into the
// fields ostopo reads from that text.
func flowOf(st stat) (topo.Flow, error) {
	m, err := decodeMatch(st.match)
	if err != nil {
		return topo.Flow{}, err
	}
	actions, err := formatActions(st.actions)
	if err != nil {
		return topo.Flow{}, err
	}
	if st.packets == math.MaxUint64 || st.bytes == math.MaxUint64 {
		// ovs-ofctl prints "?": a counter the datapath does not keep,
		// which a topo.Flow cannot say.
		return topo.Flow{}, unwritten("counter", "n_packets=? or n_bytes=?")
	}
	// The duration goes through its text, as ovs-ofctl prints it, so the
	// number is the one a parsed dump holds.
	dur, err := strconv.ParseFloat(strings.TrimSuffix(formatDuration(st.durSec, st.durNsec), "s"), 64)
	if err != nil {
		return topo.Flow{}, err
	}
	return topo.Flow{
		Table:       int(st.table),
		Priority:    int(st.priority),
		Cookie:      "0x" + strconv.FormatUint(st.cookie, 16),
		Match:       m.format(),
		Actions:     actions,
		Packets:     st.packets,
		Bytes:       st.bytes,
		Duration:    dur,
		IdleTimeout: int(st.idleTimeout),
		HardTimeout: int(st.hardTimeout),
	}, nil
}

// formatDuration is lib/ofp-print.c ofp_print_duration: whole seconds,
// then milliseconds when exact, else the nanoseconds needed.
func formatDuration(sec, nsec uint32) string {
	s := strconv.FormatUint(uint64(sec), 10)
	if nsec > 0 {
		if ms := nsec / 1000000; ms*1000000 == nsec {
			s += fmt.Sprintf(".%03d", ms)
		} else {
			s += strings.TrimRight(fmt.Sprintf(".%09d", nsec), "0")
		}
	}
	return s + "s"
}
