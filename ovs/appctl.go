package ovs

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	goovs "github.com/digitalocean/go-openvswitch/ovs"
	"github.com/ostopo/ostopo/netinspect/run"
)

// AppCtl asks ovs-vswitchd questions with ovs-appctl, through
// go-openvswitch's client (ProtoTrace) with a context-aware ExecFunc.
type AppCtl struct {
	tool   run.Tool
	runner run.Runner
	target []string // -t <control socket> when the run dir is known
}

// NewAppCtl finds ovs-appctl on the host or in kolla's container. With a
// run dir, the daemon's control socket is named explicitly (from its
// pidfile), as antrea does: a tool in another PID namespace cannot rely on
// the default lookup.
func NewAppCtl(ctx context.Context, r run.Runner, rundir string) (*AppCtl, error) {
	tool, err := run.Find(ctx, r, "ovs-appctl", []string{KollaContainer})
	if err != nil {
		return nil, err
	}
	a := &AppCtl{tool: tool, runner: r}
	if rundir != "" {
		b, err := os.ReadFile(filepath.Join(rundir, "ovs-vswitchd.pid"))
		if err != nil {
			return nil, fmt.Errorf("find ovs-vswitchd in %s: %w", rundir, err)
		}
		a.target = []string{"-t", filepath.Join(rundir, "ovs-vswitchd."+strings.TrimSpace(string(b))+".ctl")}
	}
	return a, nil
}

var datapathActions = regexp.MustCompile(`(?m)^Datapath actions: (.*)$`)

// PassSeparator joins the datapath actions of the passes of one
// ofproto/trace (datapath actions never hold a semicolon).
const PassSeparator = "; "

// DatapathActions reads the datapath actions from ofproto/trace output:
// one "Datapath actions:" line per pass, the first for the packet as
// given, then one for each recirculation it queued (conntrack: the first
// pass ends in ct(…),recirc(0x…), the one after it is resumed with a
// ct_state; OVS 2.8 and later print them all, the verdict is in the
// last), joined by PassSeparator. A pass whose translation failed
// ("Translation failed (…), packet is dropped." after its line) is
// "drop" whatever actions were printed. ok is false when there is no
// such line.
func DatapathActions(out []byte) (actions string, ok bool) {
	ms := datapathActions.FindAllSubmatchIndex(out, -1)
	if len(ms) == 0 {
		return "", false
	}
	passes := make([]string, len(ms))
	for i, m := range ms {
		// A semicolon would split a pass in two: real actions have none.
		passes[i] = strings.ReplaceAll(strings.TrimSpace(string(out[m[2]:m[3]])), ";", ",")
		rest := out[m[1]:]
		if i+1 < len(ms) {
			rest = out[m[1]:ms[i+1][0]]
		}
		if strings.HasPrefix(strings.TrimSpace(string(rest)), "Translation failed") {
			passes[i] = "drop"
		}
	}
	return strings.Join(passes, PassSeparator), true
}

// Packet fields for a trace (the flow ofproto/trace simulates).
type Packet struct {
	InPort                       int
	TunID                        uint64 // a frame arriving from a tunnel (0: none)
	VLAN                         int
	SrcMAC, DstMAC, SrcIP, DstIP string
}

// ProtoTrace runs ofproto/trace for an IPv4 packet on a bridge and returns
// the datapath actions the bridge would take, every pass's (see
// DatapathActions; "drop" when it drops it).
func (a *AppCtl) ProtoTrace(ctx context.Context, bridge string, p Packet) (string, error) {
	var raw []byte
	exec := func(cmd string, args ...string) ([]byte, error) {
		name, argv := a.tool.Argv(append(append([]string{}, a.target...), args...)...)
		out, err := a.runner(ctx, name, argv...)
		raw = out
		return out, err
	}
	matches := []goovs.Match{goovs.InPortMatch(p.InPort)}
	if p.TunID != 0 {
		// Without it br-tun's tunnel-id table drops the frame.
		matches = append(matches, goovs.TunnelID(p.TunID))
	}
	if p.VLAN != 0 {
		matches = append(matches, goovs.DataLinkVLAN(p.VLAN))
	}
	for _, m := range []struct {
		v string
		f func(string) goovs.Match
	}{{p.SrcMAC, goovs.DataLinkSource}, {p.DstMAC, goovs.DataLinkDestination}, {p.SrcIP, goovs.NetworkSource}, {p.DstIP, goovs.NetworkDestination}} {
		if m.v != "" {
			matches = append(matches, m.f(m.v))
		}
	}
	_, err := goovs.New(goovs.Exec(exec)).App.ProtoTrace(bridge, goovs.ProtocolIPv4, matches)
	// The library's own parse of the "Flow:" lines is strict (and knows
	// one pass only); the datapath actions are all ostopo needs, so they
	// are read from the raw output.
	if actions, ok := DatapathActions(raw); ok {
		return actions, nil
	}
	if err != nil {
		return "", fmt.Errorf("ofproto/trace on %s: %w", bridge, err)
	}
	return "", fmt.Errorf("ofproto/trace on %s: no datapath actions in the output", bridge)
}
