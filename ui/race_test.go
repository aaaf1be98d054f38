//go:build race

package ui

// raceEnabled: the race detector slows everything tenfold; timings are
// reported, not held to a frame.
const raceEnabled = true
