//go:build !race

package diagram

const raceEnabled = false
