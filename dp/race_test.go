//go:build race

package dp

// raceEnabled: the race detector slows dpagg's noise sampling ~20×; the
// single-goroutine statistical tests skip under it and run in the normal pass.
const raceEnabled = true
