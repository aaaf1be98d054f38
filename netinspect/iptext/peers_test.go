package iptext

import (
	"errors"
	"maps"
	"regexp"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/ostopo/ostopo/netinspect/topo"
)

// The features scenario's DVR pair: rfp- in the node (read as the root),
// fpr- in the router namespace, as the collector named them.
func featurePeers(t *testing.T) (rfp, fpr *topo.LinkRef) {
	t.Helper()
	_, collected := readRecorded(t, "testdata/live/features")
	for _, ns := range collected {
		for _, l := range ns.Links {
			switch l.Name {
			case "rfp-aaaaaaaa-a":
				rfp = l.Peer
			case "fpr-aaaaaaaa-a":
				fpr = l.Peer
			}
		}
	}
	if rfp == nil || fpr == nil || rfp.Namespace != featRouter || fpr.Namespace != "" {
		t.Fatalf("the recording's peers: %+v %+v", rfp, fpr)
	}
	return rfp, fpr
}

// peersOf resolves the features scenario's texts after rewriting them.
func peersOf(t *testing.T, rewrite func(x nsTexts) nsTexts) (rfp, fpr *topo.LinkRef) {
	t.Helper()
	texts, _ := readRecorded(t, "testdata/live/features")
	for i := range texts {
		texts[i] = rewrite(texts[i])
	}
	for _, ns := range assembleAll(t, texts, cmdAddrD) {
		for _, l := range ns.Links {
			switch l.Name {
			case "rfp-aaaaaaaa-a":
				rfp = l.Peer
			case "fpr-aaaaaaaa-a":
				fpr = l.Peer
			}
		}
	}
	return rfp, fpr
}

var linkNetns = regexp.MustCompile(` link-netns \S+`)

// iproute2 before 5.x prints no namespace name; older ones no id either:
// the two ends still find each other, by their swapped ifindexes.
func TestPeersWithoutNetnsNames(t *testing.T) {
	wantRFP, wantFPR := featurePeers(t)
	for name, rewrite := range map[string]func(string) string{
		"link-netnsid only": func(s string) string { return linkNetns.ReplaceAllString(s, " link-netnsid 0") },
		"neither":           func(s string) string { return linkNetns.ReplaceAllString(s, "") },
	} {
		rfp, fpr := peersOf(t, func(x nsTexts) nsTexts {
			x.files = maps.Clone(x.files)
			x.files[cmdAddrD] = rewrite(x.files[cmdAddrD])
			return x
		})
		if !cmp.Equal(rfp, wantRFP) || !cmp.Equal(fpr, wantFPR) {
			t.Errorf("%s: rfp- peer %+v, fpr- peer %+v; want %+v, %+v", name, rfp, fpr, wantRFP, wantFPR)
		}
	}
}

// A link-netnsid the node's ip netns gives to another namespace than the
// one holding the swapped end: the peer is one ostopo was not shown.
func TestPeerIDPointsElsewhere(t *testing.T) {
	rfp, _ := peersOf(t, func(x nsTexts) nsTexts {
		x.files = maps.Clone(x.files)
		x.files[cmdAddrD] = linkNetns.ReplaceAllString(x.files[cmdAddrD], " link-netnsid 7")
		if x.name == "" {
			x.files[cmdNetns] = "some-container (id: 7)\n" + featRouter + " (id: 0)\n"
		}
		return x
	})
	if rfp == nil || rfp.Namespace != "?" || rfp.Name != "" || rfp.Index == 0 {
		t.Errorf("rfp- peer = %+v, want an unknown namespace", rfp)
	}
}

// Two namespaces that could hold the other end (ifindexes repeat across
// namespaces) and nothing to tell them apart: unknown, not a guess.
func TestPeerAmbiguous(t *testing.T) {
	mk := func(name string, idx, peer int) PeerScope {
		ns := &topo.Namespace{Name: name, Links: []topo.Link{{Index: idx, Name: name + "-v", Kind: "veth"}}}
		return PeerScope{NS: ns, Lower: map[int]Lower{idx: {Index: peer, NetnsID: -1}}}
	}
	scopes := []PeerScope{mk("", 5, 2), mk("qrouter-1", 2, 5), mk("qrouter-2", 2, 5)}
	ResolvePeers(scopes)
	if p := scopes[0].NS.Links[0].Peer; p == nil || *p != (topo.LinkRef{Namespace: "?", Index: 2}) {
		t.Errorf("ambiguous peer = %+v", p)
	}
	// With one candidate only, it is that one.
	scopes = scopes[:2]
	scopes[0].NS.Links[0].Peer = nil
	ResolvePeers(scopes)
	if p := scopes[0].NS.Links[0].Peer; p == nil || *p != (topo.LinkRef{Namespace: "qrouter-1", Name: "qrouter-1-v", Index: 2}) {
		t.Errorf("single candidate = %+v", p)
	}
	// Unless it says its peer is in another namespace by name.
	scopes[0].NS.Links[0].Peer = nil
	scopes[1].Lower[2] = Lower{Index: 5, NetnsID: -1, Netns: "qrouter-9"}
	ResolvePeers(scopes)
	if p := scopes[0].NS.Links[0].Peer; p == nil || p.Namespace != "?" {
		t.Errorf("candidate pointing elsewhere taken: %+v", p)
	}
}

// A VLAN's lower device, from an OpenStack compute node with the Linux
// bridge agent (ip -d link show, elided by its author).
func TestVLANFromPublishedOutput(t *testing.T) {
	text := readTestdata(t, "public/openstack_study_notes/linuxbridge_vlan_ip_-d_link_show")
	l, err := ParseIPLinks(text)
	var pe *ParseError
	if !asParseError(err, &pe) || len(pe.Lines) != 1 || pe.Lines[0].Text != "(...)" {
		t.Fatalf("the author's elision must be named: %v", err)
	}
	ns := &topo.Namespace{Links: l.Links}
	ResolvePeers([]PeerScope{{NS: ns, Lower: l.Lower}})
	vlan := ns.Link("eth0.100")
	if vlan == nil || vlan.Kind != "vlan" || vlan.VLANID != 100 || vlan.Parent != "eth0" || vlan.Master != "brq6a91ceec-5a" {
		t.Errorf("eth0.100 = %+v", vlan)
	}
	if tap := ns.Link("tapdd1db2aa-92"); tap == nil || tap.Kind != "tuntap" || tap.TunMode != "tap" || tap.MAC != "fe:16:3e:f3:b0:30" {
		t.Errorf("tap = %+v", tap)
	}
	if k := Recognise(text); k != KindIPLink {
		t.Errorf("recognised as %q", k)
	}
}

func asParseError(err error, pe **ParseError) bool {
	return errors.As(err, pe)
}
