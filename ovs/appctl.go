package ovs

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	goovs "github.com/digitalocean/go-openvswitch/ovs"
	"github.com/ostopo/ostopo/netinspect/run"
)

// AppCtl asks ovs-vswitchd questions: over its control socket when it
// answers (UnixCtl: no process, no container exec, no PATH), else with
// ovs-appctl on the host or in kolla's container, saying why.
type AppCtl struct {
	ctl *UnixCtl
	// fallback says why the control socket is not used, when the CLI is.
	fallback string
	tool     run.Tool
	runner   run.Runner
	target   []string // -t <control socket> when the run dir is known
}

// NewAppCtl finds ovs-vswitchd's control socket in rundir ("" for OVS's
// default) and checks that it answers; failing that, ovs-appctl on the
// host or in kolla's container. With a run dir, the CLI is pointed at the
// daemon's socket explicitly (from its pidfile), as antrea does: a tool in
// another PID namespace cannot rely on the default lookup.
func NewAppCtl(ctx context.Context, r run.Runner, rundir string) (*AppCtl, error) {
	sock, err := FindControlSocket(rundir)
	if err == nil {
		ctl := NewUnixCtl(sock)
		if _, err = ctl.Call(ctx, "version"); err == nil {
			return &AppCtl{ctl: ctl}, nil
		}
	}
	why := err
	tool, ferr := run.Find(ctx, r, "ovs-appctl", []string{KollaContainer})
	if ferr != nil {
		return nil, fmt.Errorf("%v; and no ovs-appctl: %w", why, ferr)
	}
	a := &AppCtl{tool: tool, runner: r, fallback: why.Error()}
	if rundir != "" {
		b, err := os.ReadFile(filepath.Join(rundir, "ovs-vswitchd.pid"))
		if err != nil {
			return nil, fmt.Errorf("find ovs-vswitchd in %s: %w", rundir, err)
		}
		a.target = []string{"-t", filepath.Join(rundir, "ovs-vswitchd."+strings.TrimSpace(string(b))+".ctl")}
	}
	return a, nil
}

// Describe says how ovs-vswitchd is asked, and why not over its socket
// when it is not.
func (a *AppCtl) Describe() string {
	if a.ctl != nil {
		return "control socket " + a.ctl.Path
	}
	return a.tool.Describe() + " (control socket not used: " + a.fallback + ")"
}

// Call runs one unixctl command and returns its text.
func (a *AppCtl) Call(ctx context.Context, method string, args ...string) (string, error) {
	if a.ctl != nil {
		return a.ctl.Call(ctx, method, args...)
	}
	name, argv := a.tool.Argv(append(append(slices.Clone(a.target), method), args...)...)
	out, err := a.runner(ctx, name, argv...)
	if err != nil {
		return string(out), fmt.Errorf("ovs-appctl %s: %w", method, err)
	}
	return string(out), nil
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
	flow, err := p.flow()
	if err != nil {
		return "", err
	}
	out, err := a.Call(ctx, "ofproto/trace", bridge, flow)
	// The datapath actions are all ostopo needs; the CLI may exit non-zero
	// after printing them.
	if actions, ok := DatapathActions([]byte(out)); ok {
		return actions, nil
	}
	if err != nil {
		return "", fmt.Errorf("ofproto/trace on %s: %w", bridge, err)
	}
	return "", fmt.Errorf("ofproto/trace on %s: no datapath actions in the output", bridge)
}

// flow is the packet as ofproto/trace takes it, written by
// go-openvswitch's match encoders ("ip,in_port=1,tun_id=0x…,dl_vlan=…").
func (p Packet) flow() (string, error) {
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
	parts := []string{string(goovs.ProtocolIPv4)}
	for _, m := range matches {
		b, err := m.MarshalText()
		if err != nil {
			return "", fmt.Errorf("ofproto/trace packet: %w", err)
		}
		parts = append(parts, string(b))
	}
	return strings.Join(parts, ","), nil
}
