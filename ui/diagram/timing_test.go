package diagram

import (
	"slices"
	"testing"
	"time"

	"github.com/ostopo/ostopo/netinspect/doctor"
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
				press(m, k)
				m.View()
				ds = append(ds, time.Since(start))
			}
		}
		slices.Sort(ds)
		worst := ds[len(ds)-1]
		t.Logf("%-28s median %v, worst %v (%d keys)", what, ds[len(ds)/2], worst, len(ds))
		if worst > frameTime && !raceEnabled {
			t.Errorf("%s took %v (a frameTime is %v)", what, worst, frameTime)
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
		press(m, "j")
	}
	start = time.Now()
	press(m, "enter")
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
		press(m, dir)
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
