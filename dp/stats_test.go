package dp

import (
	"math"
	"slices"
	"testing"

	"github.com/google/differential-privacy/go/v3/dpagg"
	"github.com/google/differential-privacy/go/v3/noise"
)

// releaseOne runs an ungrouped aggregation over `people` persons with value v
// each and returns its single result.
func releaseOne(t testing.TB, o Options, people int, v float64) Result {
	a, err := newAggregation(o)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < people; i++ {
		if err := a.add(personID(i), "", v); err != nil {
			t.Fatal(err)
		}
	}
	res, err := a.releaseNow()
	if err != nil || len(res) != 1 {
		t.Fatalf("release: %v (%d results)", err, len(res))
	}
	return res[0]
}

func meanVar(xs []float64) (m, v float64) {
	for _, x := range xs {
		m += x
	}
	m /= float64(len(xs))
	for _, x := range xs {
		v += (x - m) * (x - m)
	}
	return m, v / float64(len(xs)-1)
}

// Noisy counts are unbiased: the mean of n = 3000 releases of a true count of
// 20 (Laplace, ε = 1, scale b = 1) is within 6·σ/√n of 20, with σ² ≤ 2b²
// (dpagg's integer Laplace is a discrete Laplace, whose variance
// 2e^{-1/b}/(1-e^{-1/b})² ≈ 1.84 is below 2b² = 2). By the CLT the
// false-failure probability is P(|Z| > 6) ≈ 2e-9, well below 1e-6.
func TestCountUnbiased(t *testing.T) {
	skipStatsUnderRace(t)
	const n, truth = 3000, 20
	xs := make([]float64, n)
	for i := range xs {
		xs[i] = releaseOne(t, Options{Kind: KindCount, Epsilon: 1}, truth, 0).Value
	}
	m, _ := meanVar(xs)
	if tol := 6 * math.Sqrt(2) / math.Sqrt(n); math.Abs(m-truth) > tol {
		t.Fatalf("mean of noisy counts %.4f, want %d ± %.4f", m, truth, tol)
	}
}

// The empirical variance matches the mechanism's. Laplace sum with bounds
// [0, 1], ε = 1: scale b = 1, variance 2b² = 2; for n samples Var(s²) ≈
// (μ₄ − σ⁴)/n = 20b⁴/n. Gaussian (ε = 1, δ = 1e-5): variance σ² from
// noise.SigmaForGaussian, Var(s²) ≈ 2σ⁴/n. Each check allows 6 standard
// deviations: CLT false-failure probability ≈ 2e-9 each (≤ 1e-6 allowing for
// the normal approximation).
func TestNoiseVariance(t *testing.T) {
	skipStatsUnderRace(t)
	const n = 20000
	cases := []struct {
		name     string
		o        Options
		variance float64
		sdOfVar  float64
	}{
		{"laplace", Options{Kind: KindSum, Epsilon: 1, Lower: 0, Upper: 1}, 2, math.Sqrt(20.0 / n)},
	}
	sigma := noise.SigmaForGaussian(1, 1, 1, 1e-5)
	cases = append(cases, struct {
		name     string
		o        Options
		variance float64
		sdOfVar  float64
	}{"gaussian", Options{Kind: KindSum, Epsilon: 1, Delta: 1e-5, Mechanism: Gaussian, Lower: 0, Upper: 1},
		sigma * sigma, sigma * sigma * math.Sqrt(2.0/n)})
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			xs := make([]float64, n)
			var reported float64
			for i := range xs {
				r := releaseOne(t, c.o, 10, 0.5) // true sum 5
				xs[i] = r.Value - 5
				reported = r.NoiseStdDev
			}
			m, v := meanVar(xs)
			if math.Abs(v-c.variance) > 6*c.sdOfVar {
				t.Errorf("variance %.4f, want %.4f ± %.4f", v, c.variance, 6*c.sdOfVar)
			}
			if math.Abs(m) > 6*math.Sqrt(c.variance/n) {
				t.Errorf("mean noise %.4f, want 0 ± %.4f", m, 6*math.Sqrt(c.variance/n))
			}
			if math.Abs(reported*reported-c.variance) > 1e-9*c.variance {
				t.Errorf("reported stddev %.6f, want %.6f", reported, math.Sqrt(c.variance))
			}
		})
	}
}

// Confidence intervals cover the true value in about the stated fraction of
// trials. T = 2000 trials at level 0.9. A sum's Laplace interval is exact, so
// the number covering is Binomial(T, 0.9): two-sided test at α = 1e-6. Count
// and mean intervals are conservative (coverage ≥ 0.9; dpagg rounds count
// intervals outward and composes two intervals for the mean), so only the
// lower tail is tested, at α/2 = 5e-7. Total false-failure probability ≤ 2e-6.
func TestConfidenceIntervalCoverage(t *testing.T) {
	skipStatsUnderRace(t)
	const trials, level = 2000, 0.9
	lo, hi := binomTails(trials, level, 1e-6)
	cases := []struct {
		name  string
		o     Options
		v     float64
		truth float64
		exact bool
	}{
		{"sum", Options{Kind: KindSum, Epsilon: 0.5, Lower: 0, Upper: 1, ConfidenceLevel: level}, 0.5, 20, true},
		{"count", Options{Kind: KindCount, Epsilon: 0.5, ConfidenceLevel: level}, 0, 40, false},
		{"mean", Options{Kind: KindMean, Epsilon: 1, Lower: 0, Upper: 10, ConfidenceLevel: level}, 4, 4, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			covered := 0
			for i := 0; i < trials; i++ {
				r := releaseOne(t, c.o, 40, c.v)
				if r.CI.Lower <= c.truth && c.truth <= r.CI.Upper {
					covered++
				}
			}
			if covered < lo || (c.exact && covered > hi) {
				t.Errorf("covered %d/%d, want ≥ %d (exact: ≤ %d)", covered, trials, lo, hi)
			}
		})
	}
}

// TestRelativeErrorTable prints the relative error |noisy − true| / true of
// grouped DP counts (the `govshare stats --count --group-by` setting: L = 1,
// C = 1, Laplace, half of ε to partition selection) for true counts ≥ 1000.
// It drives dpagg through newGroupAgg, the exact aggregator Release builds,
// adding one contribution of 1 per person, as Release does.
// Checks: the median is within 15% of the Laplace value b·ln2/n, with
// b = 1/(ε/2) (10000 trials: the sample median's relative standard error is
// ≈ 1.5%, so 15% is ten standard errors, false failure < 1e-6).
func TestRelativeErrorTable(t *testing.T) {
	skipStatsUnderRace(t)
	const trials = 10000
	t.Logf("| ε | ε to the count | true count | median rel. error | p95 rel. error | median abs. error | p95 abs. error | hard threshold (people) |")
	t.Logf("|---|---|---|---|---|---|---|---|")
	for _, eps := range []float64{0.1, 0.5, 1, 2} {
		o := Options{Kind: KindCount, Epsilon: eps, Delta: 1e-5, GroupBy: "g"}.withDefaults()
		split := o.Split()
		g0, err := newGroupAgg(o, split, fixedPoint{})
		if err != nil {
			t.Fatal(err)
		}
		hard, err := g0.sel.GetHardThreshold()
		if err != nil {
			t.Fatal(err)
		}
		for _, truth := range []int64{1000, 10000} {
			// One contribution of 1 per person, then clone the filled
			// aggregator through its gob encoding for each trial.
			g, err := newGroupAgg(o, split, fixedPoint{})
			if err != nil {
				t.Fatal(err)
			}
			for i := int64(0); i < truth; i++ {
				if err := g.cnt.Add(1); err != nil {
					t.Fatal(err)
				}
			}
			filled, err := g.cnt.GobEncode()
			if err != nil {
				t.Fatal(err)
			}
			errs := make([]float64, trials)
			for i := range errs {
				var c dpagg.BoundedSumInt64
				if err := c.GobDecode(filled); err != nil {
					t.Fatal(err)
				}
				v, err := c.Result()
				if err != nil {
					t.Fatal(err)
				}
				errs[i] = math.Abs(float64(v-truth)) / float64(truth)
			}
			slices.Sort(errs)
			med, p95 := errs[trials/2], errs[trials*95/100]
			t.Logf("| %g | %g | %d | %.2f%% | %.2f%% | %.0f | %.0f | %d |", eps, split.Aggregation.Epsilon, truth,
				100*med, 100*p95, med*float64(truth), p95*float64(truth), hard)
			want := math.Ln2 / split.Aggregation.Epsilon / float64(truth)
			if math.Abs(med-want) > 0.15*want+0.5/float64(truth) {
				t.Errorf("ε=%g n=%d: median relative error %.5f, want ≈ %.5f", eps, truth, med, want)
			}
			if int64(hard) > truth {
				t.Errorf("ε=%g: hard threshold %d above %d: such groups might be suppressed", eps, hard, truth)
			}
		}
	}
}

func skipStatsUnderRace(t *testing.T) {
	if raceEnabled {
		t.Skip("single-goroutine statistical test: runs without -race")
	}
}
