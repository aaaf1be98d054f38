package diagram

import (
	"slices"
	"testing"
	"time"

	"github.com/ostopo/ostopo/netinspect/doctor"
	"github.com/ostopo/ostopo/ui/pane/panetest"
)

// frameTime is what a key may cost to the next frame (60 Hz).
const frameTime = 16 * time.Millisecond

// On the 1000-instance node a pan, a cursor move, a page, a jump to the
// next group take well under a frame, key to frame: the grid is drawn
// once, a frameTime only cuts its window out of it.
func TestTimingScale(t *testing.T) {
	if testing.Short() {
		t.Skip("timing")
	}
	s, _ := build(t, "scale", Options{})
	exam := doctor.Examine(s)
	start := time.Now()
	l := Build(s, exam, Options{})
	t.Logf("Build: %v (%d boxes, %dx%d cells)", time.Since(start), len(l.Boxes), l.W, l.H)
	start = time.Now()
	m := New(context(true), l)
	m.SetSize(200, 60)
	m.SetFocus(true)
	m.View()
	t.Logf("New and first frame: %v", time.Since(start))
	timed := func(what string, n int, keys ...string) {
		var ds []time.Duration
		for range n {
			for _, k := range keys {
				start := time.Now()
				panetest.Press(m, k)
				m.View()
				ds = append(ds, time.Since(start))
			}
		}
		slices.Sort(ds)
		worst, p99 := ds[len(ds)-1], ds[len(ds)*99/100]
		// Judged: the worst key but one. On a shared 2-CPU machine (CI
		// runs the labs' packages beside this one) one key of a sequence
		// can meet a 20 ms pause that is the machine's, not the pane's:
		// with 100 keys the 99th percentile is that key. A slow pane is
		// slow on every key. bench/tui reports the worst of thousands, in
		// a process of its own.
		judged := ds[len(ds)-2]
		t.Logf("%-28s median %v, p99 %v, worst but one %v, worst %v (%d keys)", what, ds[len(ds)/2], p99, judged, worst, len(ds))
		if judged > frameTime && !raceEnabled {
			t.Errorf("%s: the worst key but one took %v (a frame is %v)", what, judged, frameTime)
		}
	}
	timed("pan right", 60, "right")
	timed("pan left", 60, "left")
	timed("down (reading order)", 200, "j")
	timed("up", 100, "k")
	timed("page down, page up", 20, "pgdown", "pgup")
	timed("next group", 25, "]")
	timed("bottom, top", 5, "G", "g")
	// Showing a lane whole builds the layout again: reported, and held to
	// a few frames (it is one key, not a held one).
	m.Select(m.l.Boxes[m.l.byID[m.l.Lanes[3].Header]].Ref)
	for m.box().Kind != KindStub {
		panetest.Press(m, "j")
	}
	start = time.Now()
	panetest.Press(m, "enter")
	m.View()
	took := time.Since(start)
	t.Logf("%-28s %v", "show a lane whole", took)
	if took > 4*frameTime && !raceEnabled {
		t.Errorf("showing a lane whole took %v", took)
	}
}

func BenchmarkPan(b *testing.B) {
	s, _ := build(b, "scale", Options{})
	m := New(context(true), Build(s, doctor.Examine(s), Options{}))
	m.SetSize(200, 60)
	m.SetFocus(true)
	m.View()
	dir := "right"
	for b.Loop() {
		if m.x0+m.w >= m.l.W {
			dir = "left"
		} else if m.x0 == 0 {
			dir = "right"
		}
		panetest.Press(m, dir)
		m.View()
	}
}

func BenchmarkBuild(b *testing.B) {
	s, _ := build(b, "scale", Options{})
	exam := doctor.Examine(s)
	for b.Loop() {
		draw(Build(s, exam, Options{}))
	}
}
