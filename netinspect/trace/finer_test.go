package trace_test

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/ostopo/ostopo/fixtures/fixturetest"
	"github.com/ostopo/ostopo/netinspect/neutron"
	"github.com/ostopo/ostopo/netinspect/neutron/unreadtest"
	"github.com/ostopo/ostopo/netinspect/topo"
	"github.com/ostopo/ostopo/netinspect/trace"
)

// hopsNaming lists the kinds of the hops that could not be checked for
// want of source: it is among their unread sources, or their unknown
// names it.
func hopsNaming(r *trace.Result, source string) []string {
	var out []string
	for _, h := range r.Hops {
		if slices.ContainsFunc(h.Unread, func(src topo.Source) bool { return src.Name == source && !src.OK }) || strings.Contains(h.Unknown, source+" not read") {
			out = append(out, h.Kind)
		}
	}
	return out
}

// floatingIP and fixedIP are the targets: a node's first floating IP, and
// a compute node's first instance address.
func floatingIP(s *topo.Snapshot) string {
	for _, r := range s.Neutron.Routers {
		if len(r.FloatingIPs) > 0 {
			return r.FloatingIPs[0].FloatingIP
		}
	}
	return ""
}

func fixedIP(s *topo.Snapshot) string {
	for _, p := range s.Neutron.Ports {
		if p.Role == topo.RoleInstance && len(p.FixedIPs) > 0 {
			return p.FixedIPs[0]
		}
	}
	return ""
}

// An import that lacked a part of OVSDB or of a namespace's kernel facts:
// the hops resting on it are unknown, the path neither broken nor
// complete (exit 3); the same snapshot with the part recorded as read
// traces as today (issue 16, point 2).
func TestFinerSourcesUnreadAreUnknown(t *testing.T) {
	dvrRouter := "qrouter-fdf88ceb-5e0b-426b-9304-d84757228175"
	dvrFIP := "fip-d84268c0-23ea-44d0-90f6-60eafed0a387"
	tests := []struct {
		name, fixture, source string
		target                func(*topo.Snapshot) string
		reverse               bool
		// hops must be unknown for want of the source (at least these);
		// none: the trace does not rest on it and is as it was.
		hops []string
	}{
		{"provider side of a floating IP", "aio", neutron.SourcePortConfig, floatingIP, false,
			[]string{trace.KindPhysicalBridge, trace.KindPatch, trace.KindIntegration, trace.KindRouterGateway, trace.KindRouterIf}},
		{"a distributed floating IP's provider side", "cmp-ovsfw", neutron.SourcePortConfig, floatingIP, false,
			[]string{trace.KindPhysicalBridge, trace.KindPatch, trace.KindIntegration, trace.KindFIPNamespace, trace.KindRouterIf}},
		{"where an instance's packet arrives from", "cmp", neutron.SourcePortConfig, fixedIP, false,
			[]string{trace.KindIntegration}},
		{"flows naming ports by number", "aio", neutron.SourceOFPort, floatingIP, false,
			[]string{trace.KindPhysicalBridge, trace.KindPatch, trace.KindIntegration, trace.KindRouterGateway, trace.KindRouterIf, trace.KindQVO}},
		{"ports known by their devices only", "aio", neutron.SourceInterfaceConfig, floatingIP, false,
			[]string{trace.KindRouterGateway, trace.KindRouterIf}},
		{"veth peers", "aio", neutron.SourceLinkInfo + "(root)", floatingIP, true, []string{trace.KindQVB}},
		{"a distributed router's rules out", "cmp-ovsfw", neutron.SourceRules + dvrRouter, floatingIP, true, []string{trace.KindRouter}},
		{"the fip- namespace's rule out", "cmp-ovsfw", neutron.SourceRules + dvrFIP, floatingIP, true, []string{trace.KindFIPNamespace}},
		{"ip_forward", "aio", "sysctl/qrouter-4feca457-f2ff-48e5-8bda-712aa34438dd", floatingIP, false, []string{trace.KindRouter}},
		{"OVS's view of link state", "aio", neutron.SourceInterfaceState, floatingIP, false, nil},
		{"bridges' configuration", "net", neutron.SourceBridgeConfig, floatingIP, false, nil},
		{"the node's OVS configuration", "net", neutron.SourceSystemConfig, floatingIP, false, nil},
		{"controllers connected", "net", neutron.SourceConnectionState, floatingIP, false, nil},
		{"controllers' role", "net", neutron.SourceControllerRole, floatingIP, false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := fixturetest.Load(t, tt.fixture)
			target := tt.target(s)
			before, err := trace.Trace(s, target, trace.Options{Reverse: tt.reverse})
			if err != nil {
				t.Fatal(err)
			}

			s = fixturetest.Load(t, tt.fixture)
			unreadtest.Lose(s, tt.source)
			rederive(s)
			r, err := trace.Trace(s, target, trace.Options{Reverse: tt.reverse})
			if err != nil {
				t.Fatal(err)
			}
			for _, h := range r.Hops {
				if h.Problem != "" {
					t.Errorf("hop %s broken on facts that were not read: %s", h.Kind, h.Problem)
				}
			}
			got := hopsNaming(r, tt.source)
			if tt.hops == nil {
				if !reflect.DeepEqual(before, r) {
					t.Errorf("the trace changed, but it does not rest on %s: %+v", tt.source, r.Hops)
				}
			} else {
				for _, k := range tt.hops {
					if !slices.Contains(got, k) {
						t.Errorf("hop %s does not say %s was not read; those that do: %v", k, tt.source, got)
					}
				}
				if r.Complete || r.BrokenAt != nil || !r.Unknown || trace.ExitCode(r, nil) != 3 {
					t.Errorf("complete %v broken %v unknown %v exit %d, want unknown, exit 3", r.Complete, r.BrokenAt, r.Unknown, trace.ExitCode(r, nil))
				}
				if text := trace.Text(r, s.Host); !strings.Contains(text, "path UNKNOWN at hop") {
					t.Errorf("text:\n%s", text)
				}
			}

			s = fixturetest.Load(t, tt.fixture)
			unreadtest.Record(s, tt.source, true)
			rederive(s)
			again, err := trace.Trace(s, target, trace.Options{Reverse: tt.reverse})
			if err != nil || !reflect.DeepEqual(before, again) {
				t.Errorf("with %s read: %v %+v, want %+v", tt.source, err, again, before)
			}
		})
	}
}

// A compute node records its instances' addresses in the anti-spoofing
// flows, which name their ports by number: without the numbers an
// instance's address is not found, and that is unknown, not bad input.
func TestOFPortUnreadAddressIsUnknown(t *testing.T) {
	s := fixturetest.Load(t, "cmp")
	ip := fixedIP(s)
	unreadtest.Lose(s, neutron.SourceOFPort)
	rederive(s)
	r, err := trace.Trace(s, ip, trace.Options{})
	var ue *trace.UnreadError
	if !errors.Is(err, trace.ErrUnread) || !errors.As(err, &ue) || trace.ExitCode(r, err) != 3 ||
		!slices.ContainsFunc(ue.Sources, func(src topo.Source) bool { return src.Name == neutron.SourceOFPort }) {
		t.Errorf("err %v, exit %d", err, trace.ExitCode(r, err))
	}
}
