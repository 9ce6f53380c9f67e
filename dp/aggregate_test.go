package dp

import (
	"errors"
	"fmt"
	"math"
	"testing"

	"github.com/google/differential-privacy/go/v3/dpagg"
)

// heavyRows: one person with rowsPerGroup rows in each of nGroups groups
// (values 1000), plus `light` persons with one row (value 1) in group g0.
func addHeavy(t *testing.T, a *aggregation, nGroups, rowsPerGroup, light int) {
	t.Helper()
	for g := 0; g < nGroups; g++ {
		for r := 0; r < rowsPerGroup; r++ {
			if err := a.add("heavy", fmt.Sprintf("g%d", g), 1000); err != nil {
				t.Fatal(err)
			}
		}
	}
	for i := 0; i < light; i++ {
		if err := a.add(personID(i), "g0", 1); err != nil {
			t.Fatal(err)
		}
	}
}

// A person in 100 rows (10 groups × 10 rows) changes the pre-noise totals by
// exactly L×C, never more: checked without noise on the bounded totals.
func TestContributionBoundingNoiseless(t *testing.T) {
	for _, lc := range [][2]int64{{1, 1}, {2, 3}, {3, 1}, {10, 10}, {20, 20}} {
		L, C := lc[0], lc[1]
		for _, kind := range []Kind{KindCount, KindSum} {
			o := Options{Kind: kind, Epsilon: 1, Delta: 1e-6, GroupBy: "g",
				MaxPartitionsContributed: L, MaxContributionsPerPartition: C}
			if kind == KindSum {
				o.Lower, o.Upper = 0, 10 // heavy values 1000 clamp to 10
			}
			a, err := newAggregation(o)
			if err != nil {
				t.Fatal(err)
			}
			addHeavy(t, a, 10, 10, 50)
			tot := a.boundedTotals()
			var sum float64
			groupsTouched := 0
			for g, v := range tot {
				sum += v
				heavyPart := v
				if g == "g0" {
					heavyPart -= 50
				}
				if heavyPart > 0 {
					groupsTouched++
				}
			}
			perRow := 1.0
			if kind == KindSum {
				perRow = 10
			}
			want := 50 + float64(min(L, 10)*min(C, 10))*perRow
			if sum != want {
				t.Errorf("L=%d C=%d %s: bounded total %g, want %g", L, C, kind, sum, want)
			}
			if groupsTouched != int(min(L, 10)) {
				t.Errorf("L=%d C=%d %s: heavy person in %d groups, want %d", L, C, kind, groupsTouched, min(L, 10))
			}
		}
	}
}

// A person with 100 rows counts exactly C in an ungrouped count: checked on
// the exact pre-noise total the noise is added to.
func TestContributionBoundingReleased(t *testing.T) {
	for _, C := range []int64{1, 2} {
		a, err := newAggregation(Options{Kind: KindCount, Epsilon: 1, MaxContributionsPerPartition: C})
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 100; i++ {
			if err := a.add("heavy", "", 0); err != nil {
				t.Fatal(err)
			}
		}
		if err := a.bound(); err != nil {
			t.Fatal(err)
		}
		if len(a.aggs) != 1 || a.aggs[0].exact != C {
			t.Fatalf("C=%d: pre-noise total %d, want %d", C, a.aggs[0].exact, C)
		}
		if res, err := a.release(); err != nil || len(res) != 1 {
			t.Fatalf("C=%d: release %v, %d results", C, err, len(res))
		}
	}
}

// The L groups kept for a person are uniform among the person's groups:
// each of 10 groups is kept with probability L/10 = 0.2 in 3000 trials.
// Per-group two-sided binomial test at α = 1e-7; union over 10 groups gives
// a false-failure probability ≤ 1e-6.
func TestPartitionSamplingUniform(t *testing.T) {
	skipStatsUnderRace(t)
	const trials, groups, L = 3000, 10, 2
	hits := make([]int, groups)
	for i := 0; i < trials; i++ {
		a, err := newAggregation(Options{Kind: KindCount, Epsilon: 1, Delta: 1e-6, GroupBy: "g", MaxPartitionsContributed: L})
		if err != nil {
			t.Fatal(err)
		}
		for g := 0; g < groups; g++ {
			if err := a.add("p", fmt.Sprint(g), 0); err != nil {
				t.Fatal(err)
			}
		}
		for g, v := range a.boundedTotals() {
			if v > 0 {
				var gi int
				fmt.Sscan(g, &gi)
				hits[gi]++
			}
		}
	}
	lo, hi := binomTails(trials, float64(L)/groups, 1e-7)
	for g, h := range hits {
		if h < lo || h > hi {
			t.Errorf("group %d kept %d/%d times, outside [%d, %d]", g, h, trials, lo, hi)
		}
	}
}

// Reservoir sampling keeps each of a person's 10 rows with probability C/10.
// C = 1, 4000 trials; per-row two-sided binomial test at α = 1e-7, union
// over 10 rows ≤ 1e-6.
func TestRowSamplingUniform(t *testing.T) {
	skipStatsUnderRace(t)
	const trials, rows = 4000, 10
	hits := make([]int, rows)
	for i := 0; i < trials; i++ {
		a, err := newAggregation(Options{Kind: KindSum, Epsilon: 1, Lower: 0, Upper: 100})
		if err != nil {
			t.Fatal(err)
		}
		for r := 0; r < rows; r++ {
			if err := a.add("p", "", float64(r)); err != nil {
				t.Fatal(err)
			}
		}
		hits[int(a.boundedTotals()[""])]++
	}
	lo, hi := binomTails(trials, 1.0/rows, 1e-7)
	for r, h := range hits {
		if h < lo || h > hi {
			t.Errorf("row %d sampled %d/%d times, outside [%d, %d]", r, h, trials, lo, hi)
		}
	}
}

func TestReleaseOnce(t *testing.T) {
	a, err := newAggregation(Options{Kind: KindCount, Epsilon: 1})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.add("p", "", 0); err != nil {
		t.Fatal(err)
	}
	if _, err := a.releaseNow(); err != nil {
		t.Fatal(err)
	}
	if _, err := a.releaseNow(); !errors.Is(err, errReleased) {
		t.Fatalf("second Release: %v, want errReleased", err)
	}
	if err := a.add("q", "", 0); !errors.Is(err, errReleased) {
		t.Fatalf("Add after Release: %v, want errReleased", err)
	}
}

func TestAddRejects(t *testing.T) {
	a, err := newAggregation(Options{Kind: KindMean, Epsilon: 1, Lower: 0, Upper: 1})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"", "   ", "\t"} {
		if err := a.add(k, "", 0.5); !errors.Is(err, errBlankPerson) {
			t.Errorf("blank key %q: %v", k, err)
		}
	}
	for _, v := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		if err := a.add("p", "", v); !errors.Is(err, errNotFinite) {
			t.Errorf("value %v: %v", v, err)
		}
	}
	// Surrounding spaces do not make a new person: bounding would be void.
	b, _ := newAggregation(Options{Kind: KindCount, Epsilon: 1})
	for _, k := range []string{"p1", " p1", "p1 "} {
		if err := b.add(k, "", 0); err != nil {
			t.Fatal(err)
		}
	}
	if len(b.people) != 1 {
		t.Fatalf("trimmed keys gave %d persons, want 1", len(b.people))
	}
}

// An ungrouped release always has exactly one result, even with no rows.
func TestUngroupedEmpty(t *testing.T) {
	a, _ := newAggregation(Options{Kind: KindCount, Epsilon: 1})
	res, err := a.releaseNow()
	if err != nil || len(res) != 1 || res[0].Group != "" || res[0].CI == nil {
		t.Fatalf("got %+v, %v", res, err)
	}
}

// Groups with one or two people are not released. With selection ε = 0.5,
// δ = 1e-10, L = 1, dpagg keeps a group of n ≤ 2 people with probability
// δ·(e^0 + … + e^{(n-1)ε}) ≤ 1e-10·(1+e^0.5) < 2.7e-10. 200 such groups in
// each of 10 releases: P(any released) < 2000 × 2.7e-10 < 1e-6.
// Groups at dpagg's hard threshold are kept with probability exactly 1.
func TestPartitionSelection(t *testing.T) {
	const eps, delta = 1.0, 1e-10
	sel, err := dpagg.NewPreAggSelectPartition(&dpagg.PreAggSelectPartitionOptions{
		Epsilon: eps / 2, Delta: delta, MaxPartitionsContributed: 1})
	if err != nil {
		t.Fatal(err)
	}
	hard, err := sel.GetHardThreshold()
	if err != nil {
		t.Fatal(err)
	}
	for run := 0; run < 10; run++ {
		a, err := newAggregation(Options{Kind: KindCount, Epsilon: eps, Delta: delta, GroupBy: "g"})
		if err != nil {
			t.Fatal(err)
		}
		id := 0
		add := func(group string, people int) {
			for i := 0; i < people; i++ {
				id++
				for r := 0; r < 5; r++ { // many rows each: selection counts people, not rows
					if err := a.add(personID(id), group, 0); err != nil {
						t.Fatal(err)
					}
				}
			}
		}
		for g := 0; g < 100; g++ {
			add(fmt.Sprintf("one-%03d", g), 1)
			add(fmt.Sprintf("two-%03d", g), 2)
		}
		add("big", hard)
		res, err := a.releaseNow()
		if err != nil {
			t.Fatal(err)
		}
		if len(res) != 1 || res[0].Group != "big" {
			names := make([]string, len(res))
			for i, r := range res {
				names[i] = r.Group
			}
			t.Fatalf("run %d: released %v, want only [big] (hard threshold %d)", run, names, hard)
		}
	}
}

// Known answer for the selection wiring, at the largest ε and δ a release
// may use: Epsilon = MaxEpsilon (selection ε = 5), δ = MaxDelta, L = 1.
// dpagg keeps a group of n ≤ 3 people with probability exactly
// δ·(1 + e^ε + … + e^{(n−1)ε}) (Desfontaines et al., Theorem 1, first
// region, which holds up to n = 3 here): 1e-5 for one person, about 0.2218
// for three. Three-person groups: 5000 trials, two-sided binomial test at
// α = 1e-6 (false-failure probability ≤ 1e-6).
func TestPartitionSelectionProbability(t *testing.T) {
	skipStatsUnderRace(t)
	const trials, eps = 5000, 5.0
	p := MaxDelta * (1 + math.Exp(eps) + math.Exp(2*eps))
	kept := 0
	for i := 0; i < trials; i++ {
		a, err := newAggregation(Options{Kind: KindCount, Epsilon: MaxEpsilon, Delta: MaxDelta, GroupBy: "g"})
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"p", "q", "r"} {
			if err := a.add(k, "g", 0); err != nil {
				t.Fatal(err)
			}
		}
		res, err := a.releaseNow()
		if err != nil {
			t.Fatal(err)
		}
		kept += len(res)
	}
	lo, hi := binomTails(trials, p, 1e-6)
	if kept < lo || kept > hi {
		t.Fatalf("kept %d/%d three-person groups, want within [%d, %d] (p = %.4f)", kept, trials, lo, hi, p)
	}
}
