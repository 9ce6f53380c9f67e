package dp

import (
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/google/differential-privacy/go/v3/dpagg"
	"github.com/google/differential-privacy/go/v3/noise"

	"github.com/govshare/govshare/catalog"
	"github.com/govshare/govshare/classify"
)

// personKey returns the person key as it is hashed: trimmed, and for an
// identifier type its canonical form (see Options.PersonType).
func personKey(t catalog.Type, k string) string {
	if t == "" || t == catalog.TypeNone {
		return strings.TrimSpace(k)
	}
	if c, ok := classify.Canonical(t, k); ok {
		return c
	}
	return strings.TrimSpace(classify.Fold(k))
}

// Kind is the aggregate to compute. The zero value is invalid so that a
// forgotten field fails instead of silently meaning "count".
type Kind string

// The supported aggregates.
const (
	KindCount     Kind = "count"     // number of rows, at most MaxContributionsPerPartition per person per group
	KindSum       Kind = "sum"       // sum of values clamped to [Lower, Upper]
	KindMean      Kind = "mean"      // mean of values clamped to [Lower, Upper]
	KindQuantiles Kind = "quantiles" // quantiles at Ranks of values clamped to [Lower, Upper]
)

func (k Kind) valid() bool {
	switch k {
	case KindCount, KindSum, KindMean, KindQuantiles:
		return true
	}
	return false
}

// Mechanism is the noise distribution of the aggregation.
type Mechanism string

// The supported mechanisms. Laplace is the default: it spends no δ on the
// aggregation. Gaussian needs δ > 0 and adds less noise when a person may
// contribute to many groups.
const (
	Laplace  Mechanism = "laplace"
	Gaussian Mechanism = "gaussian"
)

func (m Mechanism) noise() noise.Noise {
	if m == Gaussian {
		return noise.Gaussian()
	}
	return noise.Laplace()
}

// Limits of one release.
const (
	// MaxEpsilon caps ε per release. ε = 10 already lets an observer's odds
	// on any one person's presence move by a factor e¹⁰ ≈ 22 000; beyond it a
	// release is practically not private, so it is refused rather than
	// charged.
	MaxEpsilon = 10
	// MaxDelta caps δ per release. Partition selection keeps a group of one
	// person with probability at most δ, so δ bounds the chance that a
	// singleton group (one person's value) is released; δ is also never
	// above 1/(number of persons), which [Run] checks on the data.
	MaxDelta = 1e-5
	// MaxGroupRunes is the longest group value [Run] accepts: a longer value
	// is free text (an address, a note), not a category, and would leave in
	// clear as a group label.
	MaxGroupRunes = 32

	maxBound       = 1 << 20 // largest MaxPartitionsContributed / MaxContributionsPerPartition
	defaultCILevel = 0.95
)

// ErrInvalidOptions is wrapped by every option validation error.
var ErrInvalidOptions = errors.New("govshare/dp: invalid options")

// Options configures one differentially private release: what to aggregate
// over which columns, and with which privacy parameters. It is the one
// options type of the package, as dpagg has one options struct per
// aggregation: required fields say so, defaults are given inline, and
// [Options.Validate] — which [Run] calls before it reads a row — checks
// everything that can be checked without the data.
type Options struct {
	// Kind of aggregate. Required.
	Kind Kind
	// Person is the privacy-unit column, for example the resident ID: a
	// person's contributions are bounded, never a row's. Required.
	Person string
	// PersonType is the catalogued type of the Person column. For an
	// identifier type (cn_resident_id, cn_mobile …) each key is replaced by
	// its canonical form (classify.Canonical) before it is hashed, so one
	// person written three ways (110105 19491231 002x, １１０１…,
	// '11010519491231002X) is one person and bounded once; a key the type
	// does not accept is folded to ASCII and trimmed. Empty or none: keys
	// are only trimmed.
	PersonType catalog.Type
	// GroupBy is the group column. Optional. When set, each group value is
	// a partition, partition selection decides which groups are released,
	// and the released groups' values leave in clear as labels — so the
	// column must hold categories, never identifiers or free text.
	GroupBy string
	// Column holds the values of sum, mean and quantiles. Required for
	// them; must be empty for count. Person, GroupBy and Column are three
	// different columns.
	Column string

	// Epsilon is the total ε of the release, including partition
	// selection. Required, in (0, MaxEpsilon].
	Epsilon float64
	// Delta is the total δ of the release, in [0, MaxDelta]. Required
	// (> 0) when grouped (partition selection needs δ) or when Mechanism is
	// Gaussian; with Laplace noise and no grouping it is not used and not
	// charged. The δ a release uses is never above 1/(number of persons).
	Delta float64
	// Mechanism of the aggregation noise. Default Laplace.
	Mechanism Mechanism
	// MaxPartitionsContributed (L) is the number of groups a person counts
	// in. Default 1. Ignored (1) when not grouped.
	MaxPartitionsContributed int64
	// MaxContributionsPerPartition (C) is the number of rows a person
	// contributes per group. Default 1.
	MaxContributionsPerPartition int64
	// Lower and Upper clamp each value. Required for sum, mean and
	// quantiles (finite, Lower < Upper, Upper − Lower finite, and a noise
	// scale that is finite: see the package doc); must be zero for count.
	Lower, Upper float64
	// Ranks of the quantiles to release, each in [0, 1]. Required for
	// quantiles, must be empty otherwise. All ranks come from one noisy tree
	// and cost ε once.
	Ranks []float64
	// PreThreshold is the minimum number of distinct persons a group needs
	// before partition selection may keep it. Default 0 (none). Grouped only.
	PreThreshold int64
	// ConfidenceLevel of the reported confidence intervals, in (0, 1).
	// Default 0.95.
	ConfidenceLevel float64
}

func (o Options) grouped() bool { return o.GroupBy != "" }

// Share is the part of the budget one mechanism spends.
type Share struct {
	Epsilon   float64 `json:"epsilon"`
	Delta     float64 `json:"delta"`
	Mechanism string  `json:"mechanism"`
}

// Split is how a release's budget is divided.
type Split struct {
	// Selection is nil when not grouped (a single, public partition).
	Selection   *Share `json:"partition_selection,omitempty"`
	Aggregation Share  `json:"aggregation"`
}

// Total is the (ε, δ) the ledger is charged: basic composition of the shares.
func (s Split) Total() (epsilon, delta float64) {
	epsilon, delta = s.Aggregation.Epsilon, s.Aggregation.Delta
	if s.Selection != nil {
		epsilon += s.Selection.Epsilon
		delta += s.Selection.Delta
	}
	return epsilon, delta
}

// SelectionMechanism names partition selection in a [Split].
const SelectionMechanism = "dpagg.PreAggSelectPartition"

// withDefaults fills documented defaults; it does not validate.
func (o Options) withDefaults() Options {
	if o.Mechanism == "" {
		o.Mechanism = Laplace
	}
	if o.MaxPartitionsContributed == 0 {
		o.MaxPartitionsContributed = 1
	}
	if o.MaxContributionsPerPartition == 0 {
		o.MaxContributionsPerPartition = 1
	}
	if o.ConfidenceLevel == 0 {
		o.ConfidenceLevel = defaultCILevel
	}
	if !o.grouped() {
		// One partition: nobody can contribute to more than one.
		o.MaxPartitionsContributed = 1
	}
	return o
}

// Split returns the budget shares after defaults (see the package doc).
// The result is meaningful only for valid options.
func (o Options) Split() Split {
	o = o.withDefaults()
	var s Split
	aggEps, aggDelta := o.Epsilon, 0.0
	if o.grouped() {
		aggEps = o.Epsilon / 2
		selDelta := o.Delta
		if o.Mechanism == Gaussian {
			selDelta = o.Delta / 2
			aggDelta = o.Delta / 2
		}
		s.Selection = &Share{Epsilon: o.Epsilon / 2, Delta: selDelta, Mechanism: SelectionMechanism}
	} else if o.Mechanism == Gaussian {
		aggDelta = o.Delta
	}
	s.Aggregation = Share{Epsilon: aggEps, Delta: aggDelta, Mechanism: string(o.Mechanism)}
	return s
}

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalidOptions}, args...)...)
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

// Validate checks the options after defaults: the columns, the privacy
// parameters, the noise scale (finite, and small enough for exact integer
// accumulation) and a probe construction of the dpagg aggregators, so that
// every combination that would fail — or, as with a non-finite noise scale,
// hang in dpagg's sampler — fails here, before any data is read or any
// budget is charged.
func (o Options) Validate() error {
	if o.Person == "" {
		return invalid("the person column is required")
	}
	if (o.Kind == KindCount) != (o.Column == "") && o.Kind.valid() {
		return invalid("sum, mean and quantiles need a value column; count takes none")
	}
	if o.Person == o.GroupBy || o.Person == o.Column || (o.GroupBy != "" && o.GroupBy == o.Column) {
		return invalid("the person, group and value columns must be three different columns")
	}
	return o.validateParams()
}

// validateParams checks everything but the column names: it is all the
// internal aggregation needs.
func (o Options) validateParams() error {
	if !o.Kind.valid() {
		return invalid("kind must be count, sum, mean or quantiles")
	}
	if o.PersonType != "" && !o.PersonType.Known() {
		return invalid("person type is not a catalog type")
	}
	if !finite(o.Epsilon) || o.Epsilon <= 0 || o.Epsilon > MaxEpsilon {
		return invalid("epsilon must be in (0, %d]", MaxEpsilon)
	}
	if !finite(o.Delta) || o.Delta < 0 || o.Delta > MaxDelta {
		return invalid("delta must be in [0, %g]", MaxDelta)
	}
	switch o.Mechanism {
	case "", Laplace, Gaussian:
	default:
		return invalid("mechanism must be laplace or gaussian")
	}
	if o.grouped() && o.Delta == 0 {
		return invalid("grouped releases need delta > 0 for partition selection")
	}
	if o.Mechanism == Gaussian && o.Delta == 0 {
		return invalid("gaussian noise needs delta > 0")
	}
	if o.MaxPartitionsContributed < 0 || o.MaxPartitionsContributed > maxBound {
		return invalid("max partitions contributed must be in [1, %d] (0 means 1)", maxBound)
	}
	if o.MaxContributionsPerPartition < 0 || o.MaxContributionsPerPartition > maxBound {
		return invalid("max contributions per partition must be in [1, %d] (0 means 1)", maxBound)
	}
	if o.PreThreshold < 0 {
		return invalid("pre-threshold must be >= 0")
	}
	if o.PreThreshold > 0 && !o.grouped() {
		return invalid("pre-threshold applies to grouped releases only")
	}
	if !finite(o.ConfidenceLevel) || o.ConfidenceLevel < 0 || o.ConfidenceLevel >= 1 {
		return invalid("confidence level must be in (0, 1) (0 means %.2f)", defaultCILevel)
	}
	if o.Kind == KindCount {
		if o.Lower != 0 || o.Upper != 0 {
			return invalid("bounds apply to sum, mean and quantiles, not count")
		}
	} else if !finite(o.Lower) || !finite(o.Upper) || o.Lower >= o.Upper || !finite(o.Upper-o.Lower) {
		return invalid("bounds must be finite with lower < upper and a finite upper − lower")
	}
	if o.Kind == KindQuantiles {
		if len(o.Ranks) == 0 {
			return invalid("quantiles need at least one rank")
		}
		for _, r := range o.Ranks {
			if !finite(r) || r < 0 || r > 1 {
				return invalid("quantile ranks must be in [0, 1]")
			}
		}
	} else if len(o.Ranks) != 0 {
		return invalid("ranks apply to quantiles only")
	}
	d := o.withDefaults()
	s := d.Split()
	fx, err := newFixed(d, s)
	if err != nil {
		return err
	}
	if _, err := newGroupAgg(d, s, fx); err != nil {
		// dpagg's message names parameters, never data; keep it for diagnosis.
		return invalid("rejected by dpagg: %v", err)
	}
	return nil
}

// Exact accumulation. Sums and means do not add float64 values: rounding
// makes a float sum depend on the order of the rows and lets one row move
// it by more than the bound the noise is calibrated to (Casacuberta et al.,
// "Widespread underestimation of sensitivity in differentially private
// libraries", CCS 2022). Instead each clamped value becomes an integer
// number of units of 2^-k, and per-person and per-group totals are int64
// sums of those integers, exact and independent of order; the noise is
// added to the integer total (dpagg's integer mechanisms) and the result
// is scaled back by 2^-k only for display.
//
// k depends only on public parameters (the bounds, C, L, ε, δ), never on
// the data. It is the largest k for which one person's total in one group
// stays within maxUnitTotal units and the noise scale within maxUnitScale
// units, so a group's total over fewer than 2^31 persons stays below 2^61
// and the noisy total cannot overflow int64.
const (
	maxUnitTotal = 1 << 30 // one person's total in one group, in units
	maxUnitScale = 1 << 48 // the noise scale (Laplace b or Gaussian σ), in units
	// minExponent keeps 2^63 units finite as a float64 (2^(63+960) < 2^1024).
	minExponent = -960
)

// fixedPoint is the integer form of a sum's or a mean's values.
type fixedPoint struct {
	k      int   // a unit is 2^-k
	lo, hi int64 // the range of one value in units
	mean   bool  // values are offsets from Lower: round((x − Lower)·2^k)
}

// units returns the clamped value x in units: round(x·2^k) for a sum,
// round((x − Lower)·2^k) for a mean. Both are monotone in x, so a value
// clamped to [Lower, Upper] lands in [lo, hi] exactly.
func (f fixedPoint) units(x, lower, upper float64) int64 {
	x = math.Max(lower, math.Min(upper, x))
	if f.mean {
		x -= lower
	}
	u := int64(math.Round(math.Ldexp(x, f.k)))
	return max(f.lo, min(f.hi, u)) // a no-op by monotonicity; kept as a guard
}

// real converts a number of units to a float64.
func (f fixedPoint) real(u float64) float64 { return math.Ldexp(u, -f.k) }

// noiseScale is the scale of the noise for the given calibration: Laplace
// b = l0·lInf/ε, Gaussian σ.
func noiseScale(m Mechanism, l0 int64, lInf, eps, delta float64) float64 {
	if m == Gaussian {
		return noise.SigmaForGaussian(l0, lInf, eps, delta)
	}
	return float64(l0) * lInf / eps
}

const errScale = "the noise scale for these bounds, epsilon, delta and contribution limits is not finite, " +
	"or too large to compute exactly: narrow the bounds, lower the contribution limits or raise epsilon"

// newFixed checks that every noise scale of the release is finite and
// within maxUnitScale units, and returns the fixed point of a sum or mean
// (the zero fixedPoint for count and quantiles).
func newFixed(o Options, s Split) (fixedPoint, error) {
	l0, c := o.MaxPartitionsContributed, o.MaxContributionsPerPartition
	eps, del := s.Aggregation.Epsilon, s.Aggregation.Delta
	ok := func(x float64) bool { return finite(x) && x > 0 && x <= maxUnitScale }
	switch o.Kind {
	case KindCount:
		if !ok(noiseScale(o.Mechanism, l0, float64(c), eps, del)) {
			return fixedPoint{}, invalid("%s", errScale)
		}
		return fixedPoint{}, nil
	case KindQuantiles:
		// dpagg's tree: every level is a count, l0 = L·height.
		if !ok(noiseScale(o.Mechanism, l0*dpagg.DefaultTreeHeight, float64(c), eps, del)) {
			return fixedPoint{}, invalid("%s", errScale)
		}
		return fixedPoint{}, nil
	case KindMean:
		// Half of ε and δ to the count, half to the sum (as dpagg's mean).
		eps, del = eps/2, del/2
		if !ok(noiseScale(o.Mechanism, l0, float64(c), eps, del)) {
			return fixedPoint{}, invalid("%s", errScale)
		}
	}
	perUnit := noiseScale(o.Mechanism, l0, 1, eps, del) // scales linearly with lInf
	if !ok(perUnit) {
		return fixedPoint{}, invalid("%s", errScale)
	}
	target := math.Min(maxUnitTotal, math.Floor(maxUnitScale/perUnit))
	// One value's largest magnitude in units (a mean's offset from the
	// midpoint, 2·units − W, is at most W half units).
	per := math.Floor(target / float64(c))
	if per < 4 {
		return fixedPoint{}, invalid("%s", errScale)
	}
	m := math.Max(math.Abs(o.Lower), math.Abs(o.Upper))
	if o.Kind == KindMean {
		m = o.Upper - o.Lower
	}
	// The largest k with m·2^k < per: with m = fm·2^em and per = fp·2^ep
	// (fm, fp in [0.5, 1)), k = ep − em − 1 gives m·2^k in [per/4, per).
	_, em := math.Frexp(m)
	_, ep := math.Frexp(per)
	k := ep - em - 1
	if k < minExponent {
		return fixedPoint{}, invalid("%s", errScale)
	}
	f := fixedPoint{k: k, mean: o.Kind == KindMean}
	if f.mean {
		f.lo, f.hi = 0, int64(math.Round(math.Ldexp(o.Upper-o.Lower, k)))
	} else {
		f.lo, f.hi = int64(math.Round(math.Ldexp(o.Lower, k))), int64(math.Round(math.Ldexp(o.Upper, k)))
	}
	if f.lo >= f.hi {
		return fixedPoint{}, invalid("the bounds are too close together for their magnitude to be summed exactly")
	}
	return f, nil
}

// sumUnits is the range of one person's total in one group of a sum, in
// units: up to C values, each in [lo, hi].
func sumUnits(f fixedPoint, c int64) (lo, hi int64) {
	return min(f.lo, c*f.lo), max(f.hi, c*f.hi)
}

// groupAgg holds the dpagg objects of one group. Exactly one of cnt, sum,
// mean and q is in use; a mean uses mcnt and msum.
type groupAgg struct {
	sel  *dpagg.PreAggSelectPartition
	cnt  *dpagg.BoundedSumInt64 // count: rows per person, in [0, C]
	sum  *dpagg.BoundedSumInt64 // sum: a person's total in units
	mcnt *dpagg.BoundedSumInt64 // mean: values per person, in [0, C]
	msum *dpagg.BoundedSumInt64 // mean: a person's total of 2·units − W, in half units
	q    *dpagg.BoundedQuantiles
	// exact is the group's pre-noise integer total (count rows, sum units or
	// mean half units), kept with overflow checks beside dpagg's own.
	exact int64
}

// newGroupAgg builds the aggregators for one group. A count is a bounded sum
// of per-person row counts in [0, C], because dpagg.Count supports only one
// contribution per person per partition; with C = 1 its noise is identical.
// A sum adds one pre-summed integer total per person, which gives the same
// sensitivity as C separate clamped values. A mean is dpagg's construction
// (a count and a sum of offsets from the midpoint, each with half of ε and
// δ) on integer totals.
func newGroupAgg(o Options, s Split, fx fixedPoint) (*groupAgg, error) {
	g := &groupAgg{}
	l0 := o.MaxPartitionsContributed
	c := o.MaxContributionsPerPartition
	n := o.Mechanism.noise()
	eps, del := s.Aggregation.Epsilon, s.Aggregation.Delta
	intSum := func(eps, del float64, lo, hi int64) (*dpagg.BoundedSumInt64, error) {
		return dpagg.NewBoundedSumInt64(&dpagg.BoundedSumInt64Options{
			Epsilon: eps, Delta: del, MaxPartitionsContributed: l0, Lower: lo, Upper: hi, Noise: n,
		})
	}
	var err error
	if s.Selection != nil {
		g.sel, err = dpagg.NewPreAggSelectPartition(&dpagg.PreAggSelectPartitionOptions{
			Epsilon: s.Selection.Epsilon, Delta: s.Selection.Delta,
			PreThreshold: o.PreThreshold, MaxPartitionsContributed: l0,
		})
		if err != nil {
			return nil, err
		}
	}
	switch o.Kind {
	case KindCount:
		g.cnt, err = intSum(eps, del, 0, c)
	case KindSum:
		lo, hi := sumUnits(fx, c)
		g.sum, err = intSum(eps, del, lo, hi)
	case KindMean:
		if g.mcnt, err = intSum(eps/2, del/2, 0, c); err == nil {
			w := c * fx.hi
			g.msum, err = intSum(eps/2, del/2, -w, w)
		}
	case KindQuantiles:
		g.q, err = dpagg.NewBoundedQuantiles(&dpagg.BoundedQuantilesOptions{
			Epsilon: eps, Delta: del, MaxPartitionsContributed: l0, MaxContributionsPerPartition: c,
			Lower: o.Lower, Upper: o.Upper, Noise: n,
		})
	default:
		err = errors.New("unknown kind")
	}
	if err != nil {
		return nil, err
	}
	return g, nil
}
