//go:build linux

package main

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ostopo/ostopo/fixtures"
	"github.com/ostopo/ostopo/netinspect/topo"
)

func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("no headless Chromium: apt-get install chromium (.ci/run does)")
	return ""
}

// The HTML report as a browser shows it: headless Chromium opens it, takes
// a screenshot and dumps the DOM it built. Every bridge and instance chain
// is in the drawing, the drawing is painted, and the page asked for
// nothing: Chromium's only way out is a proxy the test runs and counts.
// The broken node's page draws every broken chain and the router that
// does not forward in the error style.
func TestReportInChromium(t *testing.T) {
	browser := chromium(t)
	bin := buildBinary(t)
	dir := openDir(t)
	page := filepath.Join(dir, "report.html")
	fixture, _ := filepath.Abs("../../fixtures/snapshots/aio.json")
	if out, err := exec.Command(bin, "report", "--replay", fixture, "-o", page).CombinedOutput(); err != nil {
		t.Fatalf("report: %v: %s", err, out)
	}

	var requests atomic.Int64
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if fromPage(r) {
			requests.Add(1)
			t.Logf("the page asked for %s %s", r.Method, r.URL)
		}
		http.Error(w, "no", http.StatusForbidden)
	})}
	go srv.Serve(ln)
	defer srv.Close()

	shot := filepath.Join(dir, "report.png")
	args := []string{"--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
		"--proxy-server=http://" + ln.Addr().String(), "--proxy-bypass-list=<-loopback>",
		// The browser's own traffic (updates, safe browsing) is not the page's.
		"--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-default-apps",
		"--disable-client-side-phishing-detection", "--no-default-browser-check", "--disable-domain-reliability",
		"--user-data-dir=" + filepath.Join(dir, "profile"), "--window-size=1400,1400"}
	run := func(extra ...string) []byte {
		ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, browser, append(args, extra...)...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("chromium: %v\n%s", err, stderr.String())
		}
		return out
	}
	run("--screenshot="+shot, "file://"+page)
	dom := string(run("--dump-dom", "file://"+page))

	snap, err := fixtures.Load("aio")
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range snap.OVS.Bridges {
		// br-int is the bus: class="bridge bus".
		if !regexp.MustCompile(`class="bridge[^"]*" data-name="` + regexp.QuoteMeta(b.Name) + `"`).MatchString(dom) {
			t.Errorf("bridge %s is not in the page Chromium built", b.Name)
		}
	}
	chains := 0
	for _, p := range snap.Neutron.Ports {
		if p.Role != topo.RoleInstance {
			continue
		}
		chains++
		if !strings.Contains(dom, `class="chain" data-port="`+p.ID+`"`) {
			t.Errorf("the chain of %s is not in the page Chromium built", p.ID)
		}
	}
	if chains == 0 {
		t.Fatal("the fixture has no instance")
	}
	if n := requests.Load(); n != 0 {
		t.Errorf("the page made %d requests", n)
	}
	// The check can fail: pages with an outside image, or an https font,
	// go through the proxy and are counted.
	for i, body := range []string{`<img src="http://reports.example/logo.png">`, `<style>@import url(https://fonts.example/f.css);</style>x`} {
		before := requests.Load()
		control := filepath.Join(dir, fmt.Sprintf("control%d.html", i))
		os.WriteFile(control, []byte("<!DOCTYPE html>"+body), 0o644)
		run("--dump-dom", "file://"+control)
		if requests.Load() == before {
			t.Errorf("the proxy counted nothing for %s: the check is blind", body)
		}
	}

	// The broken node: what is broken is drawn so.
	badPage := filepath.Join(dir, "bad.html")
	badFixture, _ := filepath.Abs("../../fixtures/snapshots/bad.json")
	if out, err := exec.Command(bin, "report", "--replay", badFixture, "-o", badPage).CombinedOutput(); err != nil {
		t.Fatalf("report: %v: %s", err, out)
	}
	badDOM := string(run("--dump-dom", "file://"+badPage))
	bad, err := fixtures.Load("bad")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range bad.Neutron.Ports {
		if p.Role == topo.RoleInstance && len(p.Problems) > 0 && !strings.Contains(badDOM, `class="chain" data-port="`+p.ID+`" data-health="error"`) {
			t.Errorf("bad: the chain of %s (%s) is not drawn in the error style", p.ID, p.Problems[0])
		}
	}
	for _, r := range bad.Neutron.Routers {
		if r.IPForward != nil && !*r.IPForward && !strings.Contains(badDOM, `class="router" data-id="`+r.ID+`" data-health="error"`) {
			t.Errorf("bad: router %s with ip_forward=0 is not drawn in the error style", r.ID)
		}
	}

	f, err := os.Open(shot)
	if err != nil {
		t.Fatalf("no screenshot: %v", err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	// The drawing is painted: the boxes' fills and strokes are there, not a
	// blank page (bridges are drawn in #e8f0fe).
	if c := countColour(img, 0xe8, 0xf0, 0xfe); c < 1000 {
		t.Errorf("only %d pixels of bridge colour in the screenshot", c)
	}
	if c := countColour(img, 0xfd, 0xf6, 0xe3); c < 1000 {
		t.Errorf("only %d pixels of namespace colour in the screenshot", c)
	}
	t.Logf("screenshot %s: %v", shot, img.Bounds())
}

func countColour(img image.Image, r, g, b uint8) int {
	n := 0
	bo := img.Bounds()
	for y := bo.Min.Y; y < bo.Max.Y; y++ {
		for x := bo.Min.X; x < bo.Max.X; x++ {
			cr, cg, cb, _ := img.At(x, y).RGBA()
			if uint8(cr>>8) == r && uint8(cg>>8) == g && uint8(cb>>8) == b {
				n++
			}
		}
	}
	return n
}

// fromPage tells a page's requests from the browser's own (component
// updates, account and time checks), which headless Chromium makes whatever
// it opens: anything to another host is the page's.
func fromPage(r *http.Request) bool {
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	for _, own := range []string{"update.googleapis.com", "accounts.google.com", "clients2.google.com", "optimizationguide-pa.googleapis.com",
		"safebrowsingohttpgateway.googleapis.com", "content-autofill.googleapis.com", "redirector.gvt1.com"} {
		if host == own {
			return false
		}
	}
	return true
}
