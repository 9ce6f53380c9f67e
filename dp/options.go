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

// Limits that keep sensitivities far from overflow; real releases use small values.
const (
	maxBound = 1 << 20 // largest MaxPartitionsContributed / MaxContributionsPerPartition
	// MaxEpsilon caps ε. Beyond it there is no meaningful privacy, and dpagg's
	// Gaussian calibration degenerates (σ = 0 from ε ≈ 710 on, after which its
	// sampler never returns).
	MaxEpsilon     = 100
	defaultCILevel = 0.95
)

// ErrInvalidOptions is wrapped by every option validation error.
var ErrInvalidOptions = errors.New("govshare/dp: invalid options")

// Options configures one aggregation. Validate it with [Options.Validate];
// [NewAggregation] validates it too.
type Options struct {
	// Kind of aggregate. Required.
	Kind Kind
	// Epsilon is the total ε of the release, including partition selection.
	// Required, in (0, MaxEpsilon].
	Epsilon float64
	// Delta is the total δ of the release, in [0, 1). Required (> 0) when
	// Grouped (partition selection needs δ) or when Mechanism is Gaussian.
	// With Laplace noise and no grouping it is not used and not charged.
	Delta float64
	// Mechanism of the aggregation noise. Default Laplace.
	Mechanism Mechanism
	// Grouped turns on group-by with partition selection. Default false: one
	// ungrouped result, which is always released.
	Grouped bool
	// MaxPartitionsContributed (L) is the number of groups a person counts in.
	// Default 1. Ignored (1) when not Grouped.
	MaxPartitionsContributed int64
	// MaxContributionsPerPartition (C) is the number of rows a person
	// contributes per group. Default 1.
	MaxContributionsPerPartition int64
	// Lower and Upper clamp each value. Required for sum, mean and quantiles
	// (finite, Lower < Upper); must be zero for count.
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
	// PersonType is the catalogued type of the person-key column. For an
	// identifier type (cn_resident_id, cn_mobile …) each key is replaced by
	// its canonical form (classify.Canonical) before it is hashed, so one
	// person written three ways (110105 19491231 002x, １１０１…,
	// '11010519491231002X) is one person and bounded once; a key the type
	// does not accept is folded to ASCII and trimmed. Empty or none: keys
	// are only trimmed. The keys the pipeline tokenizes are canonicalized
	// the same way.
	PersonType catalog.Type
}

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
	if !o.Grouped {
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
	if o.Grouped {
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

// Validate checks the options after defaults, including a probe
// construction of the dpagg aggregators so that parameter combinations the
// library rejects (for example sensitivity overflow) fail here and not at
// release time.
func (o Options) Validate() error {
	if !o.Kind.valid() {
		return invalid("kind must be count, sum, mean or quantiles")
	}
	if o.PersonType != "" && !o.PersonType.Known() {
		return invalid("person type is not a classify type")
	}
	if !finite(o.Epsilon) || o.Epsilon <= 0 || o.Epsilon > MaxEpsilon {
		return invalid("epsilon must be in (0, %d]", MaxEpsilon)
	}
	if !finite(o.Delta) || o.Delta < 0 || o.Delta >= 1 {
		return invalid("delta must be in [0, 1)")
	}
	switch o.Mechanism {
	case "", Laplace, Gaussian:
	default:
		return invalid("mechanism must be laplace or gaussian")
	}
	if o.Grouped && o.Delta == 0 {
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
	if o.PreThreshold > 0 && !o.Grouped {
		return invalid("pre-threshold applies to grouped releases only")
	}
	if !finite(o.ConfidenceLevel) || o.ConfidenceLevel < 0 || o.ConfidenceLevel >= 1 {
		return invalid("confidence level must be in (0, 1) (0 means %.2f)", defaultCILevel)
	}
	if o.Kind == KindCount {
		if o.Lower != 0 || o.Upper != 0 {
			return invalid("bounds apply to sum, mean and quantiles, not count")
		}
	} else {
		if !finite(o.Lower) || !finite(o.Upper) || o.Lower >= o.Upper {
			return invalid("bounds must be finite with lower < upper")
		}
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
	if d.Kind == KindSum {
		lo, hi := sumBounds(d)
		if !finite(lo) || !finite(hi) {
			return invalid("bounds times max contributions per partition overflow")
		}
	}
	if _, err := newGroupAgg(d, d.Split()); err != nil {
		// dpagg's message names parameters, never data; keep it for diagnosis.
		return invalid("rejected by dpagg: %v", err)
	}
	return nil
}

// sumBounds is the range of one person's per-group total for a sum: up to C
// values, each clamped to [Lower, Upper].
func sumBounds(o Options) (lo, hi float64) {
	c := float64(o.MaxContributionsPerPartition)
	return math.Min(o.Lower, c*o.Lower), math.Max(o.Upper, c*o.Upper)
}

// groupAgg holds the dpagg objects of one group; exactly one of the value
// aggregators is set.
type groupAgg struct {
	sel  *dpagg.PreAggSelectPartition
	cnt  *dpagg.BoundedSumInt64
	sum  *dpagg.BoundedSumFloat64
	mean *dpagg.BoundedMean
	q    *dpagg.BoundedQuantiles
}

// newGroupAgg builds the aggregators for one group. A count is a bounded sum
// of per-person row counts in [0, C], because dpagg.Count supports only one
// contribution per person per partition; with C = 1 its noise is identical.
// A sum adds one pre-summed total per person in sumBounds, which gives the
// same sensitivity as C separate clamped values.
func newGroupAgg(o Options, s Split) (*groupAgg, error) {
	g := &groupAgg{}
	l0 := o.MaxPartitionsContributed
	c := o.MaxContributionsPerPartition
	n := o.Mechanism.noise()
	eps, del := s.Aggregation.Epsilon, s.Aggregation.Delta
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
		g.cnt, err = dpagg.NewBoundedSumInt64(&dpagg.BoundedSumInt64Options{
			Epsilon: eps, Delta: del, MaxPartitionsContributed: l0, Lower: 0, Upper: c, Noise: n,
		})
	case KindSum:
		lo, hi := sumBounds(o)
		g.sum, err = dpagg.NewBoundedSumFloat64(&dpagg.BoundedSumFloat64Options{
			Epsilon: eps, Delta: del, MaxPartitionsContributed: l0, Lower: lo, Upper: hi, Noise: n,
		})
	case KindMean:
		g.mean, err = dpagg.NewBoundedMean(&dpagg.BoundedMeanOptions{
			Epsilon: eps, Delta: del, MaxPartitionsContributed: l0, MaxContributionsPerPartition: c,
			Lower: o.Lower, Upper: o.Upper, Noise: n,
		})
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
