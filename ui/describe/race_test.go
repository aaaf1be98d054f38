//go:build race

package describe

// raceEnabled: the race detector slows everything tenfold; timings are
// reported, not held to a frame.
const raceEnabled = true
