//go:build race

package fpe

// raceEnabled scales the 100,000-input tests down under -race, which is run
// for the concurrency tests; the full counts run without it.
const raceEnabled = true
