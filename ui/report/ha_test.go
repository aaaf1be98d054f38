package report

import (
	"slices"
	"strings"
	"testing"

	"github.com/ostopo/ostopo/fixtures/fixturetest"
	"github.com/ostopo/ostopo/netinspect/neutron"
	"github.com/ostopo/ostopo/ui/diagram"
)

// The routers table on the real network node (net: r-ha standing by,
// r-dvr's qg- in snat-) and the DVR compute node (cmp-ovsfw: r-dvr's way
// out is fg- in fip-): a standby is no broken router, its HA state is
// said, a gateway without a next hop has no dangling "via", and a
// distributed router's fg- gateway is shown.
func TestRoutersTableRealNodes(t *testing.T) {
	routers := func(name string) (Table, map[string]int) {
		for _, tb := range Tables(fixturetest.Load(t, name)) {
			if tb.ID == "routers" {
				rows := map[string]int{}
				for i, r := range tb.Rows {
					rows[r[0]] = i
				}
				return tb, rows
			}
		}
		t.Fatalf("%s: no routers table", name)
		return Table{}, nil
	}
	col := func(tb Table, name string) int {
		i := slices.Index(tb.Header, name)
		if i < 0 {
			t.Fatalf("no column %q in %q", name, tb.Header)
		}
		return i
	}

	s := fixturetest.Load(t, "net")
	tb, rows := routers("net")
	standby := 0
	for _, r := range s.Neutron.Routers {
		row := tb.Rows[rows[r.ID]]
		if gw := row[col(tb, "gateway")]; strings.HasSuffix(gw, "via") || strings.Contains(gw, "  ") {
			t.Errorf("router %s gateway %q", r.ID, gw)
		}
		if !neutron.HAStandby(&r) {
			continue
		}
		standby++
		if h := tb.Health[rows[r.ID]]; h != diagram.OK {
			t.Errorf("standby router %s marked %v: %q", r.ID, h, row)
		}
		if kind := row[col(tb, "kind")]; kind != "ha "+r.HAState {
			t.Errorf("standby router %s kind %q", r.ID, kind)
		}
		if fips := row[col(tb, "floating IPs")]; len(r.FloatingIPs) == 0 || strings.Contains(fips, "(") {
			t.Errorf("standby router %s floating IPs %q", r.ID, fips)
		}
	}
	if standby == 0 {
		t.Fatal("net has no HA router standing by")
	}

	s = fixturetest.Load(t, "cmp-ovsfw")
	tb, rows = routers("cmp-ovsfw")
	for _, r := range s.Neutron.Routers {
		d := neutron.DVR(s, &r)
		if d == nil || d.FIPGateway == nil || r.Gateway != nil {
			continue
		}
		gw := tb.Rows[rows[r.ID]][col(tb, "gateway")]
		if !strings.HasPrefix(gw, d.FIPGateway.Device+" "+d.FIPGateway.Address+" in "+d.FIPNamespace) {
			t.Errorf("DVR router %s gateway %q", r.ID, gw)
		}
		return
	}
	t.Fatal("cmp-ovsfw has no distributed router with a fip- gateway")
}
