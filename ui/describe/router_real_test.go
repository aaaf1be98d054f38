package describe

import (
	"strings"
	"testing"

	"github.com/ostopo/ostopo/netinspect/doctor"
	"github.com/ostopo/ostopo/netinspect/neutron"
	"github.com/ostopo/ostopo/netinspect/topo"
	"github.com/ostopo/ostopo/ui/render"
)

// pageText is a page's lines (every section unfolded) with their classes.
func pageText(p Page) (string, map[string]render.Class) {
	var b strings.Builder
	class := map[string]render.Class{}
	for _, l := range p.Lines() {
		b.WriteString(l.Text + "\n")
		class[l.Text] = l.Class
	}
	return b.String(), class
}

// The router pages of the nodes recorded from real agents. On net, r-ha
// stands by: keepalived gives its addresses to the primary only, so its
// qg- and qr- without an address are no fault, and its floating IP does
// not miss "on qg-" here.
func TestRouterPageHAStandby(t *testing.T) {
	x := index(t, "net")
	var r *topo.Router
	for i := range x.Snapshot().Neutron.Routers {
		if rt := &x.Snapshot().Neutron.Routers[i]; neutron.HAStandby(rt) {
			r = rt
		}
	}
	if r == nil || len(r.FloatingIPs) == 0 || len(r.Interfaces) == 0 {
		t.Fatal("net has no HA router standing by with an interface and a floating IP")
	}
	text, class := pageText(x.Page(routerRef(r.ID)))
	if first := strings.SplitN(text, "\n", 2)[0]; !strings.HasPrefix(first, "OK  HA standby here") {
		t.Errorf("verdict %q", first)
	}
	for line, c := range class {
		if strings.HasPrefix(line, "interface ") && c == render.Problem {
			t.Errorf("a standby's interface drawn as a problem: %q", line)
		}
	}
	if strings.Contains(text, "no on qg-") || !strings.Contains(text, "not on qg- here (standby),dnat,snat") {
		t.Errorf("standby floating IP:\n%s", text)
	}
	// The primary's copy (net2) still says what a primary without an
	// address would be: a problem.
	s := index(t, "net2").Snapshot()
	for i := range s.Neutron.Routers {
		rt := &s.Neutron.Routers[i]
		if rt.Kind != "ha" || neutron.HAStandby(rt) || len(rt.Interfaces) == 0 {
			continue
		}
		rt.Interfaces[0].Addresses = nil
		text, class := pageText(NewIndex(s, doctor.Examine(s)).Page(routerRef(rt.ID)))
		for line, c := range class {
			if strings.HasPrefix(line, "interface "+rt.Interfaces[0].Device+"  no address") && c != render.Problem {
				t.Errorf("a primary's interface without address not a problem: %q", line)
			}
		}
		if strings.Contains(text, "standby") {
			t.Errorf("the primary's page says standby:\n%s", text)
		}
		return
	}
	t.Fatal("net2 has no HA primary")
}

// A distributed router: on the compute node (cmp-ovsfw) its way out is
// fg- in the fip- namespace and its floating IP is routed there (never on
// a qg-); on the SNAT node (net) its qg- is in snat-, with the sg- ports
// and that namespace's NAT.
func TestRouterPageDVR(t *testing.T) {
	x := index(t, "cmp-ovsfw")
	var r *topo.Router
	for i := range x.Snapshot().Neutron.Routers {
		if rt := &x.Snapshot().Neutron.Routers[i]; rt.Kind == "dvr" && rt.DVR != nil && rt.DVR.FIPGateway != nil && len(rt.FloatingIPs) > 0 {
			r = rt
		}
	}
	if r == nil {
		t.Fatal("cmp-ovsfw has no distributed router with a fip- gateway and a floating IP")
	}
	text, _ := pageText(x.Page(routerRef(r.ID)))
	g := r.DVR.FIPGateway
	for _, want := range []string{
		"gateway   " + g.Device + "  " + g.Address + "  next hop " + g.NextHop + "  in " + nsShort(g.Namespace),
		"fip ns    " + r.DVR.FIPNamespace,
		"rfp ⇄ fpr " + r.DVR.RFP.Name,
		"floating  " + r.FloatingIPs[0].FloatingIP + " → " + r.FloatingIPs[0].FixedIP + "  fip- route,dnat,snat",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("%q not on the page:\n%s", want, text)
		}
	}
	if strings.Contains(text, "gateway   none") || strings.Contains(text, "no on qg-") {
		t.Errorf("DVR router page:\n%s", text)
	}

	x = index(t, "net")
	for i := range x.Snapshot().Neutron.Routers {
		r := &x.Snapshot().Neutron.Routers[i]
		if r.SNATNamespace == "" || r.Gateway == nil || r.DVR == nil || len(r.DVR.SNATPorts) == 0 {
			continue
		}
		text, _ := pageText(x.Page(routerRef(r.ID)))
		for _, want := range []string{
			"gateway   " + r.Gateway.Device + "  ",
			"  in " + nsShort(r.SNATNamespace) + "\n",
			"snat port " + r.DVR.SNATPorts[0].Device,
			"NAT in " + nsShort(r.SNATNamespace),
		} {
			if !strings.Contains(text, want) {
				t.Errorf("%q not on the page:\n%s", want, text)
			}
		}
		return
	}
	t.Fatal("net has no DVR router with its snat- namespace")
}
