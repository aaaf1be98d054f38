// Command tui measures the terminal UI on the 1000-instance snapshot:
// keypress handling (Update + View) for a move, a filter character and a
// view switch, and the time from starting the binary until its first frame
// with content (run under tmux, as a person would). Targets: a keypress
// under 16 ms, the first frame under 300 ms.
//
//	go run ./bench/tui [-check]
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
	"github.com/ostopo/ostopo/bench/internal/benchbin"
	"github.com/ostopo/ostopo/fixtures"
	"github.com/ostopo/ostopo/netinspect/topo"
	"github.com/ostopo/ostopo/ui"
	"github.com/ostopo/ostopo/ui/theme"
)

type replay struct{ snap *topo.Snapshot }

func (r replay) Snapshot(context.Context) (*topo.Snapshot, error) { return r.snap, nil }
func (replay) Live() bool                                         { return false }
func (replay) Describe() string                                   { return "scale" }

func main() {
	check := flag.Bool("check", false, "exit 1 when a target is missed")
	flag.Parse()
	ok, err := run()
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
	if *check && !ok {
		os.Exit(1)
	}
}

func run() (bool, error) {
	snap, err := fixtures.Load("scale")
	if err != nil {
		return false, err
	}
	r := lipgloss.NewRenderer(&bytes.Buffer{})
	r.SetColorProfile(termenv.TrueColor) // styles cost what they cost on a real terminal
	r.SetHasDarkBackground(true)
	m := ui.New(context.Background(), ui.Options{Source: replay{snap}, Keys: theme.DefaultKeyMap(), Styles: theme.DefaultStyles(r)})
	m.Update(tea.WindowSizeMsg{Width: 160, Height: 48})
	start := time.Now()
	m.Update(m.Init()())
	_ = m.View()
	fmt.Printf("snapshot: %d ports, %d kernel devices; views built and first frame drawn in %.1f ms (in process)\n",
		len(snap.Neutron.Ports), countLinks(snap), ms(time.Since(start)))

	press := func(k string) time.Duration {
		msg := tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k)}
		switch k {
		case "esc":
			msg = tea.KeyMsg{Type: tea.KeyEsc}
		}
		t0 := time.Now()
		m.Update(msg)
		_ = m.View()
		return time.Since(t0)
	}
	measure := func(name string, setup func(), keys func(i int) string, n int) time.Duration {
		setup()
		var ds []time.Duration
		for i := range n {
			ds = append(ds, press(keys(i)))
		}
		slices.Sort(ds)
		worst := ds[len(ds)-1]
		fmt.Printf("keypress %-28s median %6.2f ms  p99 %6.2f ms  max %6.2f ms\n", name, ms(ds[len(ds)/2]), ms(ds[len(ds)*99/100]), ms(worst))
		return worst
	}
	var worst time.Duration
	worst = max(worst, measure("move (j, topology)", func() { press("1") }, func(int) string { return "j" }, 500))
	worst = max(worst, measure("move (j, namespaces)", func() { press("3") }, func(int) string { return "j" }, 500))
	worst = max(worst, measure("filter character (/qvo…)", func() { press("1"); press("/") },
		func(i int) string { return string("qvo0123456789abcdef"[i%19]) }, 200))
	press("esc")
	worst = max(worst, measure("view switch (1…5)", func() {}, func(i int) string { return fmt.Sprint(i%5 + 1) }, 200))
	keyOK := worst < 16*time.Millisecond
	fmt.Printf("keypress worst %.2f ms (target < 16 ms: %s)\n", ms(worst), verdict(keyOK))

	first, err := firstFrame()
	if err != nil {
		fmt.Printf("first frame under tmux: not measured: %v\n", err)
		return keyOK, nil
	}
	frameOK := first < 300*time.Millisecond
	fmt.Printf("first frame with content, binary under tmux: %.0f ms (target < 300 ms: %s)\n", ms(first), verdict(frameOK))
	return keyOK && frameOK, nil
}

// firstFrame starts `ostopo --replay scale` in tmux and polls the screen
// until the topology is drawn, 5 times, and returns the median.
func firstFrame() (time.Duration, error) {
	if _, err := exec.LookPath("tmux"); err != nil {
		return 0, fmt.Errorf("no tmux")
	}
	bin, snapFile, cleanup, err := benchbin.Build("ostopo-bench-tui-")
	if err != nil {
		return 0, err
	}
	defer cleanup()
	var ds []time.Duration
	for i := range 6 {
		// A socket per run: killing the last session makes a tmux server
		// exit, and a client connecting meanwhile would fail.
		socket := fmt.Sprintf("ostopo-bench-%d-%d", os.Getpid(), i)
		defer exec.Command("tmux", "-L", socket, "kill-server").Run()
		start := time.Now()
		if out, err := exec.Command("tmux", "-L", socket, "-f", "/dev/null", "new-session", "-d", "-s", "b", "-x", "160", "-y", "48",
			bin, "--replay", snapFile).CombinedOutput(); err != nil {
			return 0, fmt.Errorf("tmux: %v: %s", err, out)
		}
		for {
			out, _ := exec.Command("tmux", "-L", socket, "capture-pane", "-p", "-t", "b").Output()
			if strings.Contains(string(out), "br-int  integration") {
				break
			}
			if time.Since(start) > 10*time.Second {
				return 0, fmt.Errorf("no frame after 10 s")
			}
			time.Sleep(2 * time.Millisecond)
		}
		if i > 0 { // the first run warms the page cache
			ds = append(ds, time.Since(start))
		}
	}
	slices.Sort(ds)
	return ds[len(ds)/2], nil
}

func countLinks(s *topo.Snapshot) int {
	n := 0
	for _, ns := range s.Namespaces {
		n += len(ns.Links)
	}
	return n
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "MISSED"
}
