// Package synth generates realistic synthetic Chinese government data for tests, samples and
// benchmarks: valid identifiers of every type in docs/domain.md: identifier formats and validation, look-alike negatives that must not
// be reported, mixed Chinese/English free text with the exact byte spans of every embedded
// identifier, and population-register and company-registry tables as CSV or JSONL.
//
// Start with [New] and [Gen.Value]:
//
//	g := synth.New(1)
//	id := g.Value("cn_resident_id")
//	text, spans := g.Text(5, nil)
//
// For tables, pass [Gen.PopulationRow] or [Gen.CompanyRow] to [Gen.WriteCSV] or [Gen.WriteJSONL]
// with [PopulationColumns] or [CompanyColumns]; for negatives, see [Gen.Negative] and
// [Gen.NegativeText].
//
// The package is deliberately independent of the classify package: every check-digit algorithm is
// implemented here again from the standards, so a bug in one implementation is caught by the other.
// It uses only the standard library.
//
// Output is fully deterministic: the same seed gives the same values, and dates (birth dates, order
// numbers, registration dates) are computed relative to [Gen.Now], never the wall clock. A [Gen] is
// not safe for concurrent use; give each goroutine its own.
//
// All data is fictitious. Region codes, area codes, card BINs and place names are real so that the
// values pass the same checks real data does; the people, numbers and companies do not exist.
package synth
