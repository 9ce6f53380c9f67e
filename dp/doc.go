// Package dp releases differentially private aggregates (count, sum, mean,
// quantiles; optionally grouped) over tabular records and keeps a
// privacy-budget ledger so repeated releases cannot add up beyond a budget.
//
// It is the transform for the `statistics` purpose: the consumer gets
// aggregates only, never rows. Start with [Run], which reads CSV-like rows,
// bounds each person's contributions, charges the [Ledger] and only then
// releases a [Report]. [NewAggregation] is the lower-level building block.
//
// Privacy unit. The guarantee is per person, not per row: a resident may
// appear in many rows, so every aggregation is keyed by a person column (for
// example the resident ID). Each person contributes to at most
// MaxPartitionsContributed groups (chosen uniformly at random among that
// person's groups) and at most MaxContributionsPerPartition rows per group
// (reservoir-sampled). Person keys are hashed with a per-aggregation random
// seed as soon as they are read and never stored, printed or put in an error.
//
// Group keys. With grouping, which groups exist depends on private data, so
// a group is released only if differentially private partition selection
// ([dpagg.PreAggSelectPartition]) keeps it: groups with only a few people
// are dropped with high probability. The number of groups seen and the number
// of input rows are never reported.
//
// Budget split. Options.Epsilon and Options.Delta are the total cost of one
// release. Without grouping the aggregation gets all of ε (and δ when the
// mechanism is Gaussian; Laplace uses no δ). With grouping, partition
// selection gets ε/2 and the aggregation ε/2; with Laplace noise selection
// gets all of δ, with Gaussian noise selection and aggregation get δ/2 each.
// [Options.Split] reports the exact shares and the ledger is charged their sum.
//
// Noise comes from github.com/google/differential-privacy (secure Laplace and
// Gaussian mechanisms drawing from crypto/rand). Results are released once:
// a second Release is an error, mirroring dpagg's own state machine.
package dp
