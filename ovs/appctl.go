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

// Packet fields for a trace (the flow ofproto/trace simulates).
type Packet struct {
	InPort                       int
	VLAN                         int
	SrcMAC, DstMAC, SrcIP, DstIP string
}

// ProtoTrace runs ofproto/trace for an IPv4 packet on a bridge and returns
// the datapath actions the bridge would take ("drop" when it drops it).
func (a *AppCtl) ProtoTrace(ctx context.Context, bridge string, p Packet) (string, error) {
	var raw []byte
	exec := func(cmd string, args ...string) ([]byte, error) {
		name, argv := a.tool.Argv(append(append([]string{}, a.target...), args...)...)
		out, err := a.runner(ctx, name, argv...)
		raw = out
		return out, err
	}
	matches := []goovs.Match{goovs.InPortMatch(p.InPort)}
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
	// The library's own parse of the "Flow:" lines is strict; the datapath
	// actions line is all ostopo needs, so read it from the raw output.
	if m := datapathActions.FindSubmatch(raw); m != nil {
		return strings.TrimSpace(string(m[1])), nil
	}
	if err != nil {
		return "", fmt.Errorf("ofproto/trace on %s: %w", bridge, err)
	}
	return "", fmt.Errorf("ofproto/trace on %s: no datapath actions in the output", bridge)
}
