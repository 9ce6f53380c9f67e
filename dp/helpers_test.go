package dp

import (
	"iter"
	"math"
	"strconv"
)

// rowsOf streams records the way the CLI's CSV reader does.
func rowsOf(records [][]string) iter.Seq2[[]string, error] {
	return func(yield func([]string, error) bool) {
		for _, r := range records {
			if !yield(r, nil) {
				return
			}
		}
	}
}

// personID returns a synthetic, well-formed-looking person key (not a real ID).
func personID(i int) string { return "P" + strconv.Itoa(1000000+i) }

// binomTails returns the smallest lo and largest hi such that for
// X ~ Binomial(n, p): P(X < lo) ≤ alpha/2 and P(X > hi) ≤ alpha/2.
// Computed exactly in log space.
func binomTails(n int, p, alpha float64) (lo, hi int) {
	logPMF := func(k int) float64 {
		a, _ := math.Lgamma(float64(n + 1))
		b, _ := math.Lgamma(float64(k + 1))
		c, _ := math.Lgamma(float64(n - k + 1))
		return a - b - c + float64(k)*math.Log(p) + float64(n-k)*math.Log1p(-p)
	}
	cum := 0.0
	lo = 0
	for k := 0; k <= n; k++ {
		if cum+math.Exp(logPMF(k)) > alpha/2 {
			lo = k
			break
		}
		cum += math.Exp(logPMF(k))
	}
	cum = 0
	hi = n
	for k := n; k >= 0; k-- {
		if cum+math.Exp(logPMF(k)) > alpha/2 {
			hi = k
			break
		}
		cum += math.Exp(logPMF(k))
	}
	return lo, hi
}

// boundedTotals runs contribution bounding without noise and returns, per
// group, the pre-noise value each aggregator would receive: for count the
// bounded row count, for sum the bounded clamped sum, for mean/quantiles the
// number of values kept. It consumes the aggregation's sampling but not its
// release.
func (a *aggregation) boundedTotals() map[string]float64 {
	out := map[string]float64{}
	o := a.opts
	_ = a.sampleBounds(func(e *entry) error {
		g := a.groups[e.group]
		switch o.Kind {
		case KindCount:
			out[g] += float64(min(e.seen, o.MaxContributionsPerPartition))
		case KindSum:
			for _, v := range e.vals {
				out[g] += math.Max(o.Lower, math.Min(o.Upper, v))
			}
		default:
			out[g] += float64(len(e.vals))
		}
		return nil
	})
	return out
}

// releaseNow bounds and releases, as Run does without a ledger.
func (a *aggregation) releaseNow() ([]Result, error) {
	if err := a.bound(); err != nil {
		return nil, err
	}
	return a.release()
}

// unbudgeted is the budget of tests that charge nothing.
var unbudgeted = Budget{Unbudgeted: true}
