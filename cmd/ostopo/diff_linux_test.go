//go:build linux

package main

import (
	"context"
	"encoding/json"
	"net/netip"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/ostopo/ostopo/fixtures/lab"
	"github.com/ostopo/ostopo/fixtures/lab/labtest"
	"github.com/ostopo/ostopo/netinspect/diff"
)

// What changed on a real node, and nothing else: snapshots before and after
// adding an instance, removing a router interface, and changing a tag.
func TestDiffOnLabNode(t *testing.T) {
	l := labtest.Build(t, lab.AllInOne())
	if err := l.WaitConnected(context.Background()); err != nil {
		t.Fatal(err)
	}
	bin := buildBinary(t)
	dir := t.TempDir()
	snap := func(name string) string {
		t.Helper()
		out := filepath.Join(dir, name+".json")
		args := append([]string{"netns", "exec", l.Node, bin, "snapshot", "-o", out}, l.OstopoFlags()...)
		if b, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
			t.Fatalf("snapshot: %v: %s", err, b)
		}
		return out
	}
	diffOf := func(a, b string) (*diff.Result, string) {
		t.Helper()
		out, err := exec.Command(bin, "diff", a, b, "--json").Output()
		if ee, ok := err.(*exec.ExitError); err != nil && (!ok || ee.ExitCode() != 1) {
			t.Fatalf("diff: %v", err)
		}
		var r diff.Result
		if err := json.Unmarshal(out, &r); err != nil {
			t.Fatalf("diff --json: %v\n%s", err, out)
		}
		text, _ := exec.Command(bin, "diff", a, b).Output()
		return &r, string(text)
	}
	// summary lists "kind id change: fact names".
	summary := func(r *diff.Result) []string {
		var out []string
		for _, g := range r.Groups {
			var names []string
			for _, f := range g.Facts {
				names = append(names, f.Change+" "+f.Name)
			}
			sort.Strings(names)
			out = append(out, g.Kind+" "+g.ID+" "+g.Change+": "+strings.Join(names, "; "))
		}
		return out
	}
	check := func(t *testing.T, r *diff.Result, text string, want []string) {
		t.Helper()
		got := summary(r)
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("diff:\n got %s\nwant %s\n%s", strings.Join(got, "\n     "), strings.Join(want, "\n     "), text)
		}
	}

	s0 := snap("0")
	if r, text := diffOf(s0, snap("0b")); !r.Empty() {
		t.Fatalf("an idle node changed between two snapshots:\n%s", text)
	}

	t.Run("add an instance", func(t *testing.T) {
		// On the network of the first instance, which has DHCP on this node
		// (its host file is where the node says a port's fixed IP).
		first := l.Spec.Instances[0]
		ip, _, _ := strings.Cut(first.IP, "/")
		ip = ip[:strings.LastIndex(ip, ".")] + ".99" + first.IP[strings.Index(first.IP, "/"):]
		in := lab.Instance{Port: lab.Port{ID: lab.ID("diff-new"), MAC: "fa:16:3e:00:99:01", IP: ip}, VMID: lab.ID("diff-new/vm"), Network: first.Network}
		net := struct{ ID string }{first.Network}
		if err := l.AddInstance(context.Background(), in); err != nil {
			t.Fatal(err)
		}
		r, text := diffOf(s0, snap("1"))
		qvo := in.Device("qvo")
		check(t, r, text, []string{
			"network " + net.ID + " changed: added DHCP host " + in.MAC,
			"port " + in.ID + " added: added MAC; added OVS port; added OVSDB port " + qvo + "; added device " + in.Device("qbr") +
				"; added device " + in.Device("qvb") + "; added device " + qvo + "; added device " + in.Device("tap") +
				"; added firewall; added fixed IPs; added instance; added local VLAN; added network; added role",
		})
	})

	t.Run("remove a router interface", func(t *testing.T) {
		r0 := l.Spec.Routers[0]
		ri := r0.Interfaces[0]
		before := snap("2a")
		if err := l.RemoveRouterInterface(context.Background(), r0.ID, ri.Network); err != nil {
			t.Fatal(err)
		}
		r, text := diffOf(before, snap("2"))
		qr := ri.Device("qr-")
		want := []string{
			"network " + ri.Network + " changed: removed DHCP host " + ri.MAC,
			"port " + ri.ID + " removed: removed MAC; removed OVS port; removed OVSDB port " + qr + "; removed device " + qr + " in qrouter-" + r0.ID +
				"; removed fixed IPs; removed local VLAN; removed namespace; removed network; removed role; removed route " + netip.MustParsePrefix(ri.IP).Masked().String() + " dev " + qr + " in qrouter-" + r0.ID + "; removed router",
			"router " + r0.ID + " changed: removed interface " + qr,
		}
		check(t, r, text, want)
	})

	t.Run("change a tag", func(t *testing.T) {
		in := l.Spec.Instances[1]
		before := snap("3a")
		if err := l.SetTag(context.Background(), in.ID, 77); err != nil {
			t.Fatal(err)
		}
		r, text := diffOf(before, snap("3"))
		check(t, r, text, []string{"port " + in.ID + " changed: changed OVSDB port " + in.Device("qvo") + "; changed local VLAN"})
		if !strings.Contains(text, "→ tag 77, other_config:tag 77") {
			t.Errorf("text:\n%s", text)
		}
	})
}
