package trace

import (
	"net"
	"net/netip"
	"strconv"
	"strings"

	"github.com/ostopo/ostopo/netinspect/topo"
)

// frame is what a walk through a bridge's tables knows of a packet: where
// it came in, its VLAN, its tunnel id and where it goes. A flow matching on
// anything else (its source, an L4 protocol, registers, conntrack state)
// is taken not to match it: the walk follows the frame an operator's ping
// is (IP to the instance, from anywhere), not every frame there could be.
type frame struct {
	inPort int
	vlan   int // 0: untagged
	tunID  int // 0: none (frames not from a tunnel match tun_id=0)
	dst    string
	dstIP  string
	// src is the sender's MAC when the walk knows it (an instance's
	// frame leaving it: br-int's anti-spoofing flows match on it); ""
	// matches no dl_src flow.
	src string
}

// flowWalk is the way a frame took through one bridge's tables, as the
// bridge's flows say (ofproto/trace asks the bridge itself, on a live node).
type flowWalk struct {
	flows []*topo.Flow // the flows it took, in order
	vlan  int          // its VLAN when it left (0: untagged)
	// outs are the ports it is output to, as the flows print them;
	// normal: a NORMAL action hands it to the bridge's MAC learning;
	// handedTo: the table (at or past the walk's stop table: the
	// security group firewall's) or conntrack it was handed to.
	outs     []string
	normal   bool
	handedTo int
	// droppedIn is the table where a flow dropped it (dropFlow) or none
	// matched it (dropFlow nil); -1 when nothing dropped it.
	droppedIn int
	dropFlow  *topo.Flow
	loop      bool // resubmitted more than maxResubmits times
}

// maxResubmits bounds a walk: OVS itself stops at 64 resubmits.
const maxResubmits = 64

// delivered reports whether the frame leaves the tables somewhere.
func (wk *flowWalk) delivered() bool {
	return len(wk.outs) > 0 || wk.normal || wk.handedTo > 0
}

// walker state of one walk.
type flowWalker struct {
	byTable map[int][]*topo.Flow
	ofports map[string]int
	stopAt  int // tables at or past it are not followed (0: all are)
	v6      bool
	wk      *flowWalk
}

// walkFlows follows fr through bridge b from table 0, taking in each table
// the highest priority flow that matches it. stopAt > 0 stops the walk at
// a resubmit to that table or a later one (br-int's firewall tables: what
// they do to a frame depends on conntrack, which no snapshot holds).
func walkFlows(b *topo.Bridge, fr frame, stopAt int) *flowWalk {
	fw := &flowWalker{byTable: map[int][]*topo.Flow{}, ofports: map[string]int{"LOCAL": 65534}, stopAt: stopAt, wk: &flowWalk{droppedIn: -1}}
	for i := range b.Flows {
		f := &b.Flows[i]
		fw.byTable[f.Table] = append(fw.byTable[f.Table], f)
	}
	for _, p := range b.Ports {
		for _, i := range p.Interfaces {
			fw.ofports[p.Name] = i.OFPort
		}
	}
	if a, err := netip.ParseAddr(fr.dstIP); err == nil {
		fw.v6 = a.Is6() && !a.Is4In6()
	}
	fw.table(0, &fr, 0)
	fw.wk.vlan = fr.vlan
	return fw.wk
}

func (fw *flowWalker) table(n int, fr *frame, depth int) {
	wk := fw.wk
	if depth > maxResubmits {
		wk.loop = true
		return
	}
	var best *topo.Flow
	for _, f := range fw.byTable[n] {
		if (best == nil || f.Priority > best.Priority) && fw.matches(f, fr) {
			best = f
		}
	}
	if best == nil {
		wk.droppedIn, wk.dropFlow = n, nil
		return
	}
	wk.flows = append(wk.flows, best)
	acts := best.ActionList()
	if len(acts) == 0 {
		wk.droppedIn, wk.dropFlow = n, best
		return
	}
	for _, a := range acts {
		switch {
		case a == "drop":
			wk.droppedIn, wk.dropFlow = n, best
		case a == "strip_vlan", a == "pop_vlan", a == "load:0->NXM_OF_VLAN_TCI[]":
			fr.vlan = 0
		case strings.HasPrefix(a, "mod_vlan_vid:"):
			if v, err := strconv.Atoi(strings.TrimPrefix(a, "mod_vlan_vid:")); err == nil {
				fr.vlan = v
			}
		case strings.HasPrefix(a, "set_field:") && strings.HasSuffix(a, "->vlan_vid"):
			if v, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimPrefix(a, "set_field:"), "->vlan_vid"), 0, 32); err == nil {
				fr.vlan = int(v) &^ 0x1000
			}
		case strings.HasPrefix(a, "mod_dl_dst:"):
			fr.dst = strings.TrimPrefix(a, "mod_dl_dst:")
		case strings.HasPrefix(a, "set_field:") && strings.HasSuffix(a, "->eth_dst"):
			fr.dst = strings.TrimSuffix(strings.TrimPrefix(a, "set_field:"), "->eth_dst")
		case strings.HasPrefix(a, "output:"):
			wk.outs = append(wk.outs, strings.Trim(strings.TrimPrefix(a, "output:"), `"`))
		case a == "IN_PORT", a == "in_port":
			wk.outs = append(wk.outs, strconv.Itoa(fr.inPort))
		case a == "NORMAL", a == "normal":
			wk.normal = true
		case strings.HasPrefix(a, "ct("):
			// Conntrack: the firewall's, whose verdict rests on state
			// no snapshot holds.
			wk.handedTo = n
			if _, rest, ok := strings.Cut(a, "table="); ok {
				if t, err := strconv.Atoi(strings.TrimRight(strings.SplitN(rest, ",", 2)[0], ")")); err == nil {
					wk.handedTo = t
				}
			}
		case strings.HasPrefix(a, "resubmit(") || strings.HasPrefix(a, "goto_table:"):
			next, ok := resubmitTable(a)
			if !ok {
				continue
			}
			if fw.stopAt > 0 && next >= fw.stopAt {
				wk.handedTo = next
				continue
			}
			fw.table(next, fr, depth+1)
		}
	}
}

// resubmitTable reads resubmit(,N), resubmit(port,N) and goto_table:N.
func resubmitTable(a string) (int, bool) {
	if v, ok := strings.CutPrefix(a, "goto_table:"); ok {
		n, err := strconv.Atoi(v)
		return n, err == nil
	}
	args := strings.TrimSuffix(strings.TrimPrefix(a, "resubmit("), ")")
	_, t, ok := strings.Cut(args, ",")
	if !ok || t == "" {
		return 0, false
	}
	n, err := strconv.Atoi(strings.SplitN(t, ",", 2)[0])
	return n, err == nil
}

// matches reports whether a flow's match holds for the frame.
func (fw *flowWalker) matches(f *topo.Flow, fr *frame) bool {
	for kv := range strings.SplitSeq(f.Match, ",") {
		k, v, hasValue := strings.Cut(kv, "=")
		v = strings.Trim(v, `"`)
		if !hasValue {
			switch k {
			case "":
			case "ip":
				if fw.v6 {
					return false
				}
			case "ipv6":
				if !fw.v6 {
					return false
				}
			default: // arp, icmp6, tcp, …: not the frame followed
				return false
			}
			continue
		}
		var ok bool
		switch k {
		case "in_port":
			n, err := strconv.Atoi(v)
			if err != nil {
				n = fw.ofports[v] // printed by name
			}
			ok = n == fr.inPort
		case "dl_vlan":
			n, err := strconv.ParseInt(v, 0, 32)
			ok = err == nil && (n == 0xffff && fr.vlan == 0 || fr.vlan != 0 && int(n) == fr.vlan)
		case "vlan_tci", "vlan_vid":
			tci := 0
			if fr.vlan != 0 {
				tci = 0x1000 | fr.vlan
			}
			ok = maskedIntIs(v, tci)
		case "tun_id", "tunnel_id":
			ok = maskedIntIs(v, fr.tunID)
		case "dl_dst", "eth_dst":
			ok = maskedMACIs(v, fr.dst)
		case "dl_src", "eth_src":
			ok = maskedMACIs(v, fr.src)
		case "dl_type", "eth_type":
			n, err := strconv.ParseInt(v, 0, 32)
			ok = err == nil && (n == 0x0800 && !fw.v6 || n == 0x86dd && fw.v6)
		case "nw_dst", "ip_dst", "ipv6_dst":
			if strings.Contains(v, "/") {
				ok = inPrefix(v, fr.dstIP)
			} else {
				ok = v == fr.dstIP
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// maskedIntIs reports whether "V" or "V/M" (decimal or 0x hex) holds x.
func maskedIntIs(spec string, x int) bool {
	val, mask, masked := strings.Cut(spec, "/")
	v, err := strconv.ParseUint(val, 0, 64)
	if err != nil {
		return false
	}
	m := ^uint64(0)
	if masked {
		if m, err = strconv.ParseUint(mask, 0, 64); err != nil {
			return false
		}
	}
	return uint64(x)&m == v&m
}

// maskedMACIs reports whether "MAC" or "MAC/MASK" holds mac.
func maskedMACIs(spec, mac string) bool {
	val, mask, masked := strings.Cut(spec, "/")
	v, err1 := net.ParseMAC(val)
	x, err2 := net.ParseMAC(mac)
	if err1 != nil || err2 != nil || len(v) != len(x) {
		return false
	}
	m := net.HardwareAddr{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}
	if masked {
		var err error
		if m, err = net.ParseMAC(mask); err != nil || len(m) != len(v) {
			return false
		}
	}
	for i := range v {
		if v[i]&m[i] != x[i]&m[i] {
			return false
		}
	}
	return true
}
