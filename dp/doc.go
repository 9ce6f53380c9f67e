// Package dp releases differentially private aggregates (count, sum, mean,
// quantiles; optionally grouped) over tabular records and keeps a
// privacy-budget ledger so repeated releases cannot add up beyond a budget.
//
// It is the transform for the `statistics` purpose: the consumer gets
// aggregates only, never rows. The one entry is [Run]: give it the
// [Options] (what to aggregate over which columns, and the privacy
// parameters), the rows, and the [Budget] the release is charged to. The
// policy gate — which columns may feed statistics for which recipient — is
// the root package's Release and ShareRelease, which call Run.
//
// Privacy unit. The guarantee is per person, not per row: a resident may
// appear in many rows, so every aggregation is keyed by a person column (for
// example the resident ID). Each person contributes to at most
// MaxPartitionsContributed groups (chosen uniformly at random among that
// person's groups) and at most MaxContributionsPerPartition rows per group
// (reservoir-sampled). Person keys are hashed with a per-aggregation random
// seed as soon as they are read and never stored, printed or put in an
// error. A row whose person key is blank cannot be attributed, so its
// contribution cannot be bounded: it is left out, and Run counts such rows
// in [Excluded], which is for the provider only and never in the [Report].
//
// Group keys. With grouping, which groups exist depends on private data, so
// a group is released only if differentially private partition selection
// ([dpagg.PreAggSelectPartition]) keeps it: a group of one person is kept
// with probability at most δ. δ per release is at most [MaxDelta] (1e-5)
// and never above 1/(number of persons), so the expected number of
// singleton groups released is below one even if every group were a
// singleton. Released groups' values leave in clear as labels, so Run
// refuses ([ErrGroupColumn]) a group column whose values are longer than
// [MaxGroupRunes] characters (free text), are identifiers (a value
// classify recognizes by its check digit or strict form: resident IDs,
// mobiles, cards, e-mail …), or number more than half the persons (nearly
// one value per person). The root package refuses, before reading, a group
// column catalogued with an identifier type, as sensitive, or as
// trade_secret or national_security. The number of groups seen and the
// number of input rows are never reported.
//
// Budget. Options.Epsilon and Options.Delta are the total cost of one
// release; ε is at most [MaxEpsilon] (10). Without grouping the aggregation
// gets all of ε (and δ when the mechanism is Gaussian; Laplace uses no δ).
// With grouping, partition selection gets ε/2 and the aggregation ε/2; with
// Laplace noise selection gets all of δ, with Gaussian noise selection and
// aggregation get δ/2 each. [Options.Split] reports the exact shares and
// the ledger is charged their sum. A release needs a budget of record — a
// [Ledger] account — or must say it has none (Budget.Unbudgeted); the zero
// Budget is refused ([ErrNoBudget]). The budget check, the noise and the
// ledger record are one step under the ledger's lock: a release that fails
// records nothing, and no result exists that was not charged. Everything
// that can fail without the data (options, noise scale, budget) is checked
// before a row is read; what needs the data (δ against the persons, the
// group values) before anything is charged.
//
// Exact sums. Sums and means do not accumulate float64 values: float
// rounding depends on the order of the rows and lets one row move a sum by
// more than the bound the noise is calibrated to (Casacuberta et al., CCS
// 2022). Each clamped value becomes an integer number of units of 2^-k
// (a mean's value its offset from Lower), per-person and per-group totals
// are exact int64 sums, and the noise is dpagg's integer mechanism on the
// integer total; only the released value is scaled back to a float. k
// depends on public parameters only (bounds, contribution limits, ε, δ):
// one person's total in one group is at most 2^30 units and the noise
// scale at most 2^48 units, so no total of fewer than 2^31 persons can
// overflow. Options whose noise scale is not finite or exceeds these
// limits (for example a sum with bounds 0,1e308) are refused by
// [Options.Validate] — they used to hang dpagg's sampler.
//
// Noise comes from github.com/google/differential-privacy (secure Laplace and
// Gaussian mechanisms drawing from crypto/rand). Results are released once.
package dp
