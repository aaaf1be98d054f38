package doctor_test

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/ostopo/ostopo/fixtures/fixturetest"
	"github.com/ostopo/ostopo/netinspect/doctor"
	"github.com/ostopo/ostopo/netinspect/neutron"
	"github.com/ostopo/ostopo/netinspect/neutron/unreadtest"
	"github.com/ostopo/ostopo/netinspect/topo"
)

func rederive(s *topo.Snapshot) {
	s.Neutron = neutron.Derive(s)
	s.Normalize()
}

// uncheckedNaming lists the checks reported unchecked for want of source.
func uncheckedNaming(r doctor.Result, source string) []string {
	var out []string
	for _, u := range r.Unchecked {
		if slices.ContainsFunc(u.Sources, func(src topo.Source) bool { return src.Name == source && src.Error != "" && !src.OK }) {
			out = append(out, u.Check)
		}
	}
	return out
}

// An import that lacked a part of OVSDB or of a namespace's kernel facts:
// each check resting on it is reported not checked, with the source's
// error, never as a finding and never as clean; the same snapshot with the
// part recorded as read gives today's answers (issue 16, point 2).
func TestFinerSourcesUnreadAreUnchecked(t *testing.T) {
	tests := []struct {
		fixture, source string
		unchecked       []string // exactly these checks name the source
	}{
		{"cmp", neutron.SourcePortConfig, []string{"mtu-mismatch", "tag-mismatch", "vlan-shared", "vlan-unmapped"}},
		{"net", neutron.SourcePortConfig, []string{"mtu-mismatch", "tag-mismatch", "vlan-shared", "vlan-unmapped"}},
		{"cmp-ovsfw", neutron.SourceInterfaceConfig, []string{"port-not-programmed"}},
		{"cmp", neutron.SourceOFPort, []string{"port-not-programmed", "vlan-unmapped"}},
		{"aio", neutron.SourceOFPort, []string{"port-not-programmed", "vlan-unmapped"}},
		{"net", neutron.SourceConnectionState, []string{"controller"}},
		{"aio", neutron.SourceInterfaceState, nil},
		{"net", neutron.SourceBridgeConfig, nil},
		{"net", neutron.SourceSystemConfig, nil},
		{"net", neutron.SourceControllerRole, nil},
		{"aio", neutron.SourceLinkInfo + "(root)", []string{"chain-broken"}},
	}
	for _, tt := range tests {
		t.Run(tt.fixture+" "+tt.source, func(t *testing.T) {
			before := doctor.Examine(fixturetest.Load(t, tt.fixture))
			if len(before.Findings) != 0 || len(before.Unchecked) != 0 {
				t.Fatalf("fixture not clean: %+v", before)
			}
			s := fixturetest.Load(t, tt.fixture)
			unreadtest.Lose(s, tt.source)
			rederive(s)
			r := doctor.Examine(s)
			for _, f := range r.Findings {
				t.Errorf("finding %s %q on facts that were not read", f.ID, f.Evidence)
			}
			if got := uncheckedNaming(r, tt.source); !slices.Equal(got, tt.unchecked) {
				t.Errorf("unchecked for want of %s: %v, want %v", tt.source, got, tt.unchecked)
			}
			if len(r.Unchecked) != len(tt.unchecked) {
				t.Errorf("unchecked: %+v", r.Unchecked)
			}
			wantExit := 0
			if len(tt.unchecked) > 0 {
				wantExit = 3
				text := doctor.Text(s.Host, r)
				for _, want := range []string{"UNKNOWN " + tt.unchecked[0], tt.source + ": " + unreadtest.Why(tt.source)} {
					if !strings.Contains(text, want) {
						t.Errorf("text lacks %q:\n%s", want, text)
					}
				}
				if strings.Contains(text, "no problems found") {
					t.Errorf("text:\n%s", text)
				}
			}
			if r.ExitCode() != wantExit {
				t.Errorf("exit %d, want %d", r.ExitCode(), wantExit)
			}

			s = fixturetest.Load(t, tt.fixture)
			unreadtest.Record(s, tt.source, true)
			rederive(s)
			if again := doctor.Examine(s); !reflect.DeepEqual(before, again) {
				t.Errorf("with %s read: %+v, want %+v", tt.source, again, before)
			}
		})
	}
}

// OVSDB's file alone (conf.db) holds the controllers but not whether they
// are connected: the controller check does not run, and a port that is
// not programmed is still an error, without saying the agent is connected.
func TestControllerConnectionUnread(t *testing.T) {
	s := fixturetest.Load(t, "cmp-ovsfw")
	p := progTarget(t, s)
	stopAgentAndDeleteFlows(s, p)
	unreadtest.Lose(s, neutron.SourceConnectionState)
	rederive(s)
	r := doctor.Examine(s)
	if len(r.Findings) != 1 || r.Findings[0].Check != "port-not-programmed" || r.ExitCode() != 2 {
		t.Fatalf("findings %+v", r.Findings)
	}
	f := r.Findings[0]
	ev := strings.Join(f.Evidence, "\n")
	if strings.Contains(ev, "not connected") || strings.Contains(f.Fix, "the agent is connected") ||
		!strings.Contains(ev, "whether the OVS agent is connected to br-int is unknown ("+neutron.SourceConnectionState+" not read)") {
		t.Errorf("finding %+v", f)
	}
	if got := uncheckedNaming(r, neutron.SourceConnectionState); !slices.Equal(got, []string{"controller"}) {
		t.Errorf("unchecked %v", got)
	}
	// Read: the agent is connected (before the flows were deleted, the
	// test stopped it: connected again here), so its log is next.
	s = fixturetest.Load(t, "cmp-ovsfw")
	p = progTarget(t, s)
	stopAgentAndDeleteFlows(s, p)
	b := s.OVS.Bridge("br-int")
	for i := range b.Controllers {
		b.Controllers[i].IsConnected = true
	}
	unreadtest.Record(s, neutron.SourceConnectionState, true)
	rederive(s)
	if fs := findings(s, "port-not-programmed"); len(fs) != 1 || !strings.Contains(fs[0].Fix, "the agent is connected") {
		t.Errorf("connection read: %+v", fs)
	}
}

// Per namespace: ip_forward not read (sos before 4.5.4) and NAT not read
// are unchecked, not "off" and not "no DNAT"; a DHCP namespace's veth
// (ovs_use_veth) whose peer was not read is no finding.
func TestNamespaceFamiliesUnread(t *testing.T) {
	s := fixturetest.Load(t, "aio")
	r0 := s.Neutron.Routers[0]
	unreadtest.Lose(s, "sysctl/"+r0.Namespace)
	unreadtest.Lose(s, "nat/"+r0.Namespace)
	rederive(s)
	r := doctor.Examine(s)
	if len(r.Findings) != 0 || !slices.Equal(uncheckedNaming(r, "sysctl/"+r0.Namespace), []string{"router-forwarding"}) ||
		!slices.Equal(uncheckedNaming(r, "nat/"+r0.Namespace), []string{"fip-nat"}) || r.ExitCode() != 3 {
		t.Errorf("findings %+v unchecked %+v", r.Findings, r.Unchecked)
	}

	// ovs_use_veth: ns-… in qdhcp-, its peer tap… on br-int.
	veth := func(lose bool) (doctor.Result, string) {
		s := fixturetest.Load(t, "aio")
		var ns *topo.Namespace
		for i := range s.Namespaces {
			if s.Namespaces[i].Kind == topo.NSDHCP {
				ns = &s.Namespaces[i]
				break
			}
		}
		for i := range ns.Links {
			if l := &ns.Links[i]; strings.HasPrefix(l.Name, "tap") {
				l.Peer = &topo.LinkRef{Name: l.Name}
				l.Name = "ns-" + strings.TrimPrefix(l.Name, "tap")
			}
		}
		if lose {
			unreadtest.Lose(s, neutron.SourceLinkInfo+ns.Label())
		}
		rederive(s)
		return doctor.Examine(s), ns.Label()
	}
	if r, _ := veth(false); len(r.Findings) != 0 || len(r.Unchecked) != 0 {
		t.Errorf("ovs_use_veth, peer read: %+v", r)
	}
	r, label := veth(true)
	if len(r.Findings) != 0 || !slices.Equal(uncheckedNaming(r, neutron.SourceLinkInfo+label), []string{"dhcp-port"}) {
		t.Errorf("ovs_use_veth, peer not read: findings %+v unchecked %+v", r.Findings, r.Unchecked)
	}
}
