package sosimport

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/ostopo/ostopo/netinspect/sosimport/sostest"
	"github.com/ostopo/ostopo/netinspect/topo"
)

// realSOS is where the real sos 4.0 reports of the real-Neutron lab are
// (fixtures/sos/README.md), with ostopo's live snapshots of the same nodes.
const realSOS = "../../fixtures/sos"

func loadLive(t testing.TB, node string) *topo.Snapshot {
	t.Helper()
	f, err := os.Open(filepath.Join(realSOS, node+"-live.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s, err := topo.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func importPath(t testing.TB, p string) *topo.Snapshot {
	t.Helper()
	tr, err := Open(context.Background(), p, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	s, err := Import(tr)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestImportSOS40MatchesLive imports the real sos 4.0 reports and checks
// every fact they hold against ostopo's live snapshot of the same node,
// and that what they do not hold is exactly what sos 4.0 does not
// collect: per namespace the link kinds (no ip -d), neighbours and rules
// (4.1), ip_forward (4.5.4) and IPv6 routes (never).
func TestImportSOS40MatchesLive(t *testing.T) {
	for _, c := range []struct {
		node string
		nss  int // named namespaces
	}{{"netnode", 10}, {"compute1", 2}} {
		t.Run(c.node, func(t *testing.T) {
			live := loadLive(t, c.node)
			imp := importPath(t, filepath.Join(realSOS, c.node+"-sos4.0"))
			for _, d := range sostest.CompareFacts(live, imp) {
				t.Error(d)
			}
			want := map[string]int{
				SourceLinkDetails + "<ns>": c.nss, SourceNeighbors + "<ns>": c.nss, SourceRules + "<ns>": c.nss,
				"sysctl/<ns>": c.nss, SourceRoutes6 + "<ns>": c.nss,
			}
			if got := sostest.FailedNames(imp); fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("not read: %v\nwant %v", got, want)
				for _, s := range imp.FailedSources() {
					t.Logf("%s: %s", s.Name, s.Error)
				}
			}
		})
	}
}
