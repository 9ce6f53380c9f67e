package dp

import (
	"errors"
	"math"
	"testing"
)

func TestOptionsValidate(t *testing.T) {
	count := Options{Kind: KindCount, Epsilon: 1}
	mean := Options{Kind: KindMean, Epsilon: 1, Lower: 0, Upper: 100}
	quant := Options{Kind: KindQuantiles, Epsilon: 1, Lower: 0, Upper: 1, Ranks: []float64{0.5}}
	with := func(o Options, f func(*Options)) Options { f(&o); return o }
	good := []Options{
		count,
		mean,
		quant,
		with(count, func(o *Options) { o.Grouped, o.Delta = true, 1e-6 }),
		with(count, func(o *Options) { o.Mechanism, o.Delta = Gaussian, 1e-6 }),
		with(mean, func(o *Options) { o.MaxContributionsPerPartition = 5 }),
		with(count, func(o *Options) { o.Grouped, o.Delta, o.PreThreshold = true, 1e-6, 10 }),
		with(count, func(o *Options) { o.ConfidenceLevel = 0.99 }),
		with(count, func(o *Options) { o.Delta = 1e-6 }), // unused δ is allowed (not charged)
	}
	for i, o := range good {
		if err := o.Validate(); err != nil {
			t.Errorf("good[%d]: %v", i, err)
		}
	}
	bad := map[string]Options{
		"zero kind":               {Epsilon: 1},
		"unknown kind":            {Kind: "median", Epsilon: 1},
		"zero epsilon":            {Kind: KindCount},
		"negative epsilon":        {Kind: KindCount, Epsilon: -1},
		"NaN epsilon":             {Kind: KindCount, Epsilon: math.NaN()},
		"inf epsilon":             {Kind: KindCount, Epsilon: math.Inf(1)},
		"delta 1":                 {Kind: KindCount, Epsilon: 1, Delta: 1},
		"negative delta":          {Kind: KindCount, Epsilon: 1, Delta: -1e-9},
		"grouped no delta":        {Kind: KindCount, Epsilon: 1, Grouped: true},
		"gaussian no delta":       {Kind: KindCount, Epsilon: 1, Mechanism: Gaussian},
		"unknown mechanism":       {Kind: KindCount, Epsilon: 1, Mechanism: "exponential"},
		"negative L":              {Kind: KindCount, Epsilon: 1, MaxPartitionsContributed: -1},
		"huge C":                  {Kind: KindCount, Epsilon: 1, MaxContributionsPerPartition: maxBound + 1},
		"count with bounds":       {Kind: KindCount, Epsilon: 1, Upper: 10},
		"mean no bounds":          {Kind: KindMean, Epsilon: 1},
		"mean L == U":             {Kind: KindMean, Epsilon: 1, Lower: 5, Upper: 5},
		"sum L > U":               {Kind: KindSum, Epsilon: 1, Lower: 5, Upper: 1},
		"sum inf bound":           {Kind: KindSum, Epsilon: 1, Lower: 0, Upper: math.Inf(1)},
		"sum overflow":            {Kind: KindSum, Epsilon: 1, Lower: 0, Upper: math.MaxFloat64, MaxContributionsPerPartition: 2},
		"quantiles no rank":       {Kind: KindQuantiles, Epsilon: 1, Lower: 0, Upper: 1},
		"rank > 1":                {Kind: KindQuantiles, Epsilon: 1, Lower: 0, Upper: 1, Ranks: []float64{1.5}},
		"ranks on mean":           {Kind: KindMean, Epsilon: 1, Lower: 0, Upper: 1, Ranks: []float64{.5}},
		"CI level 1":              {Kind: KindCount, Epsilon: 1, ConfidenceLevel: 1},
		"pre-threshold ungrouped": {Kind: KindCount, Epsilon: 1, PreThreshold: 3},
		"negative pre-threshold":  {Kind: KindCount, Epsilon: 1, Delta: 1e-6, Grouped: true, PreThreshold: -1},
	}
	for name, o := range bad {
		err := o.Validate()
		if !errors.Is(err, ErrInvalidOptions) {
			t.Errorf("%s: err = %v, want ErrInvalidOptions", name, err)
		}
		if _, err := NewAggregation(o); err == nil {
			t.Errorf("%s: NewAggregation accepted invalid options", name)
		}
	}
}

// Known answers for the documented budget split.
func TestSplit(t *testing.T) {
	cases := []struct {
		o                      Options
		selEps, selDel, aggEps float64
		aggDel                 float64
		grouped                bool
	}{
		{Options{Kind: KindCount, Epsilon: 1, Delta: 1e-6}, 0, 0, 1, 0, false},
		{Options{Kind: KindCount, Epsilon: 1, Delta: 1e-6, Mechanism: Gaussian}, 0, 0, 1, 1e-6, false},
		{Options{Kind: KindCount, Epsilon: 1, Delta: 1e-6, Grouped: true}, 0.5, 1e-6, 0.5, 0, true},
		{Options{Kind: KindCount, Epsilon: 1, Delta: 1e-6, Grouped: true, Mechanism: Gaussian}, 0.5, 5e-7, 0.5, 5e-7, true},
	}
	for i, c := range cases {
		s := c.o.Split()
		if (s.Selection != nil) != c.grouped {
			t.Fatalf("case %d: selection presence wrong", i)
		}
		if s.Selection != nil && (s.Selection.Epsilon != c.selEps || s.Selection.Delta != c.selDel) {
			t.Errorf("case %d: selection = %+v", i, *s.Selection)
		}
		if s.Aggregation.Epsilon != c.aggEps || s.Aggregation.Delta != c.aggDel {
			t.Errorf("case %d: aggregation = %+v", i, s.Aggregation)
		}
		e, d := s.Total()
		if e != c.selEps+c.aggEps || d != c.selDel+c.aggDel {
			t.Errorf("case %d: total = %g, %g", i, e, d)
		}
	}
}

// FuzzOptions: validation never panics, and options it accepts always
// construct and release.
func FuzzOptions(f *testing.F) {
	f.Add(uint8(0), 1.0, 0.0, uint8(0), false, int64(1), int64(1), 0.0, 0.0, 0.5, int64(0), 0.0)
	f.Add(uint8(2), 0.5, 1e-6, uint8(1), true, int64(3), int64(2), -5.0, 10.0, 0.5, int64(2), 0.9)
	f.Add(uint8(3), 2.0, 1e-9, uint8(0), true, int64(1), int64(1), 0.0, 1.0, 1.0, int64(0), 0.0)
	kinds := []Kind{KindCount, KindSum, KindMean, KindQuantiles, "", "bogus"}
	mechs := []Mechanism{"", Laplace, Gaussian, "x"}
	f.Fuzz(func(t *testing.T, k uint8, eps, delta float64, m uint8, grouped bool, l, c int64,
		lo, hi, rank float64, pre int64, ci float64) {
		o := Options{
			Kind: kinds[int(k)%len(kinds)], Epsilon: eps, Delta: delta, Mechanism: mechs[int(m)%len(mechs)],
			Grouped: grouped, MaxPartitionsContributed: l, MaxContributionsPerPartition: c,
			Lower: lo, Upper: hi, PreThreshold: pre, ConfidenceLevel: ci,
		}
		if o.Kind == KindQuantiles {
			o.Ranks = []float64{rank}
		}
		if o.Validate() != nil {
			return
		}
		if o.MaxContributionsPerPartition > 64 || o.MaxPartitionsContributed > 64 {
			return // keep the fuzz loop fast; bounds are checked above
		}
		a, err := NewAggregation(o)
		if err != nil {
			t.Fatalf("valid options rejected by NewAggregation: %v", err)
		}
		for i := 0; i < 5; i++ {
			v := lo + float64(i)*(hi-lo)/4
			if !finite(v) {
				v = lo
			}
			if err := a.Add(personID(i%3), string(rune('a'+i%2)), v); err != nil {
				t.Fatalf("Add: %v", err)
			}
		}
		if _, err := a.Release(); err != nil {
			t.Fatalf("Release of valid options failed: %v", err)
		}
	})
}
