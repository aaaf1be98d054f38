package describe

import (
	"cmp"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/ostopo/ostopo/netinspect/topo"
	"github.com/ostopo/ostopo/ui/render"
)

// bridgeFlows indexes one bridge's flows by the ports and VLANs they
// name, so that a port's page finds its flows among br-int's 4,000
// without parsing each one again.
type bridgeFlows struct {
	b      *topo.Bridge
	names  map[int]string // ofport → port name
	ofport map[string]int // port name → ofport
	// Flow positions (into b.Flows) by what they name.
	inPort map[int][]int // in_port=N
	output map[int][]int // output:N
	reg5   map[int][]int // reg5=N: the OVS firewall's port register
	vlan   map[int][]int // dl_vlan=N, vlan_tci=0x1NNN/…, mod_vlan_vid:N
	tunID  map[int][]int // tun_id=N, or a flow loading it
	tables []tableCount
}

// tableCount is how many flows a table holds.
type tableCount struct{ table, flows int }

func indexFlows(b *topo.Bridge) *bridgeFlows {
	x := &bridgeFlows{b: b, names: map[int]string{}, ofport: map[string]int{},
		inPort: map[int][]int{}, output: map[int][]int{}, reg5: map[int][]int{}, vlan: map[int][]int{}, tunID: map[int][]int{}}
	for _, p := range b.Ports {
		for _, i := range p.Interfaces {
			x.names[i.OFPort] = p.Name
			x.ofport[p.Name] = i.OFPort
		}
	}
	counts := map[int]int{}
	for i := range b.Flows {
		f := &b.Flows[i]
		counts[f.Table]++
		for kv := range strings.SplitSeq(f.Match, ",") {
			k, v, _ := strings.Cut(kv, "=")
			switch k {
			case "in_port":
				if n, ok := x.port(v); ok {
					x.inPort[n] = append(x.inPort[n], i)
				}
			case "reg5":
				if n, err := strconv.ParseInt(v, 0, 64); err == nil {
					x.reg5[int(n)] = append(x.reg5[int(n)], i)
				}
			case "dl_vlan":
				if n, err := strconv.Atoi(v); err == nil {
					x.vlan[n] = append(x.vlan[n], i)
				}
			case "vlan_tci":
				if n, ok := tciVLAN(v); ok {
					x.vlan[n] = append(x.vlan[n], i)
				}
			case "tun_id":
				if n, err := strconv.ParseInt(strings.SplitN(v, "/", 2)[0], 0, 64); err == nil {
					x.tunID[int(n)] = append(x.tunID[int(n)], i)
				}
			}
		}
		if !strings.Contains(f.Actions, "output:") && !strings.Contains(f.Actions, "vlan") && !strings.Contains(f.Actions, "TUN_ID") && !strings.Contains(f.Actions, "tun") {
			continue // most flows: resubmit, NORMAL, drop
		}
		for _, o := range f.Outputs() {
			if n, ok := x.port(o); ok {
				x.output[n] = appendOnce(x.output[n], i)
			}
		}
		if v, ok := f.ModVLAN(); ok {
			x.vlan[v] = appendOnce(x.vlan[v], i)
		}
		if t, ok := f.SetTunnelID(); ok {
			x.tunID[t] = appendOnce(x.tunID[t], i)
		}
	}
	for t, n := range counts {
		x.tables = append(x.tables, tableCount{t, n})
	}
	slices.SortFunc(x.tables, func(a, b tableCount) int { return cmp.Compare(a.table, b.table) })
	return x
}

// port reads a port as a flow prints it: a number, or (with --names) a
// name, quoted or not.
func (x *bridgeFlows) port(v string) (int, bool) {
	if n, err := strconv.Atoi(v); err == nil {
		return n, true
	}
	n, ok := x.ofport[strings.Trim(v, `"`)]
	return n, ok
}

// tciVLAN reads vlan_tci=0x1003/0x1fff as VLAN 3: the tag-present bit set
// and the VLAN id bits matched.
func tciVLAN(v string) (int, bool) {
	val, mask, hasMask := strings.Cut(v, "/")
	tci, err := strconv.ParseInt(val, 0, 32)
	if err != nil || tci&0x1000 == 0 {
		return 0, false
	}
	if hasMask {
		m, err := strconv.ParseInt(mask, 0, 32)
		if err != nil || m&0x0fff != 0x0fff {
			return 0, false
		}
	}
	return int(tci & 0x0fff), true
}

func appendOnce(xs []int, i int) []int {
	if len(xs) > 0 && xs[len(xs)-1] == i {
		return xs
	}
	return append(xs, i)
}

// union merges position lists into one ordered list without repeats
// (the dump's order: by table, then as dumped).
func union(lists ...[]int) []int {
	var out []int
	for _, l := range lists {
		out = append(out, l...)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// portNumber matches OpenFlow port numbers in match and actions text.
var portNumber = regexp.MustCompile(`(in_port=|output:)(\d+)`)

// named writes a flow's port numbers as the ports' names, as the Flows
// view does, so that a flow reads "in_port=qvoada3ae32-e1".
func (x *bridgeFlows) named(s string) string {
	if !strings.Contains(s, "in_port=") && !strings.Contains(s, "output:") {
		return s
	}
	return portNumber.ReplaceAllStringFunc(s, func(m string) string {
		prefix, num, _ := strings.Cut(m, "=")
		sep := "="
		if num == "" {
			prefix, num, _ = strings.Cut(m, ":")
			sep = ":"
		}
		n, _ := strconv.Atoi(num)
		if name, ok := x.names[n]; ok {
			return prefix + sep + name
		}
		return m
	})
}

// flowText is a flow as a page shows it: table, priority, match and
// actions with names, packets.
func (x *bridgeFlows) flowText(f *topo.Flow) string {
	match := x.named(f.Match)
	if match == "" {
		match = "*"
	}
	return "table " + strconv.Itoa(f.Table) + "  prio " + strconv.Itoa(f.Priority) + "  " + match + "  → " + x.named(f.Actions) + "  n=" + strconv.FormatUint(f.Packets, 10)
}

// flowLines lists flows by position, each a link to its page.
func (x *bridgeFlows) flowLines(ls *lines, positions []int, indent string) {
	for _, i := range positions {
		f := &x.b.Flows[i]
		ls.link(flowRef(x.b.Name, i), flowCopy(f), flowClass(f), "%s%s", indent, x.flowText(f))
	}
}

// flowClass dims a flow no packet has hit.
func flowClass(f *topo.Flow) render.Class {
	if f.Packets == 0 {
		return render.Dim
	}
	return render.Normal
}

// flowCopy is the flow as ovs-ofctl takes it back (dump-flows --names
// matching, add-flow).
func flowCopy(f *topo.Flow) string {
	s := "table=" + strconv.Itoa(f.Table) + ",priority=" + strconv.Itoa(f.Priority)
	if f.Match != "" {
		s += "," + f.Match
	}
	return s + " actions=" + f.Actions
}
