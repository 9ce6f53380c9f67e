package dp

import (
	"errors"
	"math"
	"testing"
)

func TestOptionsValidate(t *testing.T) {
	count := Options{Kind: KindCount, Person: "id", Epsilon: 1}
	mean := Options{Kind: KindMean, Person: "id", Column: "v", Epsilon: 1, Lower: 0, Upper: 100}
	quant := Options{Kind: KindQuantiles, Person: "id", Column: "v", Epsilon: 1, Lower: 0, Upper: 1, Ranks: []float64{0.5}}
	with := func(o Options, f func(*Options)) Options { f(&o); return o }
	good := []Options{
		count,
		mean,
		quant,
		with(count, func(o *Options) { o.GroupBy, o.Delta = "g", 1e-6 }),
		with(count, func(o *Options) { o.Mechanism, o.Delta = Gaussian, 1e-6 }),
		with(mean, func(o *Options) { o.MaxContributionsPerPartition = 5 }),
		with(count, func(o *Options) { o.GroupBy, o.Delta, o.PreThreshold = "g", 1e-6, 10 }),
		with(count, func(o *Options) { o.ConfidenceLevel = 0.99 }),
		with(count, func(o *Options) { o.Delta = 1e-6 }), // unused δ is allowed (not charged)
		with(count, func(o *Options) { o.Epsilon = MaxEpsilon }),
		with(count, func(o *Options) { o.GroupBy, o.Delta = "g", MaxDelta }),
		with(mean, func(o *Options) { o.Lower, o.Upper = -1e290, 1e290 }), // huge, but finite outputs
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
		"epsilon above the cap":   {Kind: KindCount, Epsilon: math.Nextafter(MaxEpsilon, 11)},
		"delta 1":                 {Kind: KindCount, Epsilon: 1, Delta: 1},
		"delta 0.5":               {Kind: KindCount, Epsilon: 1, Delta: 0.5, GroupBy: "g"},
		"delta above the cap":     {Kind: KindCount, Epsilon: 1, Delta: 2 * MaxDelta, GroupBy: "g"},
		"negative delta":          {Kind: KindCount, Epsilon: 1, Delta: -1e-9},
		"grouped no delta":        {Kind: KindCount, Epsilon: 1, GroupBy: "g"},
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
		"sum 0,1e308 (hung)":      {Kind: KindSum, Epsilon: 0.5, Lower: 0, Upper: 1e308},
		"sum ±1e308":              {Kind: KindSum, Epsilon: 0.5, Lower: -1e308, Upper: 1e308},
		"mean ±1e308":             {Kind: KindMean, Epsilon: 0.5, Lower: -1e308, Upper: 1e308},
		"quantiles ±1e308":        {Kind: KindQuantiles, Epsilon: 0.5, Lower: -1e308, Upper: 1e308, Ranks: []float64{.5}},
		"count tiny epsilon":      {Kind: KindCount, Epsilon: 1e-300},
		"sum tiny epsilon":        {Kind: KindSum, Epsilon: 5e-324, Lower: 0, Upper: 1},
		"sum huge L·C":            {Kind: KindSum, Epsilon: 1e-3, Delta: 1e-6, GroupBy: "g", Lower: 0, Upper: 1, MaxPartitionsContributed: maxBound, MaxContributionsPerPartition: maxBound},
		"sum bounds one unit":     {Kind: KindSum, Epsilon: 1, Lower: 1e16, Upper: 1e16 + 2},
		"quantiles no rank":       {Kind: KindQuantiles, Epsilon: 1, Lower: 0, Upper: 1},
		"rank > 1":                {Kind: KindQuantiles, Epsilon: 1, Lower: 0, Upper: 1, Ranks: []float64{1.5}},
		"ranks on mean":           {Kind: KindMean, Epsilon: 1, Lower: 0, Upper: 1, Ranks: []float64{.5}},
		"CI level 1":              {Kind: KindCount, Epsilon: 1, ConfidenceLevel: 1},
		"pre-threshold ungrouped": {Kind: KindCount, Epsilon: 1, PreThreshold: 3},
		"negative pre-threshold":  {Kind: KindCount, Epsilon: 1, Delta: 1e-6, GroupBy: "g", PreThreshold: -1},
	}
	// Parameters are checked with valid columns; the columns on their own.
	for name, o := range bad {
		o.Person = "id"
		if o.Kind != KindCount {
			o.Column = "v"
		}
		bad[name] = o
	}
	count1 := Options{Kind: KindCount, Person: "id", Epsilon: 1}
	sum1 := Options{Kind: KindSum, Person: "id", Column: "v", Epsilon: 1, Lower: 0, Upper: 1}
	bad["no person"] = with(count1, func(o *Options) { o.Person = "" })
	bad["sum without column"] = with(sum1, func(o *Options) { o.Column = "" })
	bad["count with column"] = with(count1, func(o *Options) { o.Column = "v" })
	bad["person is group"] = with(count1, func(o *Options) { o.GroupBy, o.Delta = "id", 1e-6 })
	bad["person is value"] = with(sum1, func(o *Options) { o.Column = "id" })
	bad["group is value"] = with(sum1, func(o *Options) { o.GroupBy, o.Column, o.Delta = "v", "v", 1e-6 })
	for name, o := range bad {
		err := o.Validate()
		if !errors.Is(err, ErrInvalidOptions) {
			t.Errorf("%s: err = %v, want ErrInvalidOptions", name, err)
		}
		if _, err := newAggregation(o); err == nil && o.validateParams() != nil {
			t.Errorf("%s: newAggregation accepted invalid parameters", name)
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
		{Options{Kind: KindCount, Epsilon: 1, Delta: 1e-6, GroupBy: "g"}, 0.5, 1e-6, 0.5, 0, true},
		{Options{Kind: KindCount, Epsilon: 1, Delta: 1e-6, GroupBy: "g", Mechanism: Gaussian}, 0.5, 5e-7, 0.5, 5e-7, true},
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
			MaxPartitionsContributed: l, MaxContributionsPerPartition: c,
			Lower: lo, Upper: hi, PreThreshold: pre, ConfidenceLevel: ci,
		}
		if grouped {
			o.GroupBy = "g"
		}
		if o.Kind == KindQuantiles {
			o.Ranks = []float64{rank}
		}
		if o.validateParams() != nil {
			return
		}
		if o.MaxContributionsPerPartition > 64 || o.MaxPartitionsContributed > 64 {
			return // keep the fuzz loop fast; bounds are checked above
		}
		a, err := newAggregation(o)
		if err != nil {
			t.Fatalf("valid options rejected by NewAggregation: %v", err)
		}
		for i := 0; i < 5; i++ {
			v := lo + float64(i)*(hi-lo)/4
			if !finite(v) {
				v = lo
			}
			if err := a.add(personID(i%3), string(rune('a'+i%2)), v); err != nil {
				t.Fatalf("Add: %v", err)
			}
		}
		if _, err := a.releaseNow(); err != nil {
			t.Fatalf("Release of valid options failed: %v", err)
		}
	})
}
