package sosimport

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
)

// FuzzOpenArchive feeds any bytes to the archive reader and imports what
// it reads: an error or a tree, never a panic, and every file of the
// tree readable or ErrCut.
func FuzzOpenArchive(f *testing.F) {
	raw := makeTar(f, miniReport())
	f.Add(raw)
	f.Add(gzipBytes(f, raw))
	f.Add(xzBytes(f, raw))
	f.Add(makeTar(f, []tarEntry{
		{name: "sosreport-x/sos_commands/networking/ip_netns", body: "qrouter-11111111-2222-3333-4444-555555555555\n"},
		{name: "sosreport-x/sos_commands/networking/ip_-d_address", body: "1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN\n    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00\n    inet 127.0.0.1/8 scope host lo\n"},
		{name: "sosreport-x/sos_commands/networking/ip_route_show_table_all", body: "default via 10.0.0.1 dev eth0\n"},
		{name: "sosreport-x/sos_commands/openvswitch/ovs-vsctl_-t_5_show", body: "0d6f1c3e-1111-4222-8333-944445555666\n    Bridge br-int\n        Port br-int\n            Interface br-int\n                type: internal\n    ovs_version: \"3.1.0\"\n"},
		{name: "sosreport-x/sos_commands/openvswitch/a", typ: '2', link: "../../../x"},
		{name: "sosreport-x/sos_reports/manifest.json", body: `{"version":"4.5","components":{"report":{"plugins":{"networking":{"commands":[{"exec":"ip netns","filepath":"sos_commands/networking/ip_netns","return_code":0}]}}}}}`},
	}))
	lim := Limits{MaxBytes: 1 << 20, MaxFiles: 1000, MaxEntries: 2000}
	f.Fuzz(func(t *testing.T, data []byte) {
		tr, err := openStream(context.Background(), "fuzz", bytes.NewReader(data), lim)
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("error on more than one line: %q", err)
			}
			return
		}
		if tr.Size() > lim.MaxBytes {
			t.Fatalf("kept %d bytes, limit %d", tr.Size(), lim.MaxBytes)
		}
		for _, p := range tr.Files() {
			if _, err := tr.ReadFile(p); err != nil && !errors.Is(err, ErrCut) {
				t.Fatalf("%s: %v", p, err)
			}
			tr.List(p)
		}
		if tr.Kind == KindSOS {
			Import(tr)
		}
	})
}
