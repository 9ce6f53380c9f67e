package dp

import (
	cryptorand "crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"hash/maphash"
	"math"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/google/differential-privacy/go/v3/noise"
)

// Errors for decisions. Details are wrapped around them with %w.
var (
	// ErrReleased: the aggregation already released (or failed to release)
	// its result; a second release would spend the budget twice.
	ErrReleased = errors.New("govshare/dp: result already released")
	// ErrBlankPerson: a row has an empty person key. Rows cannot be
	// attributed, so bounding would be void; fail closed.
	ErrBlankPerson = errors.New("govshare/dp: blank person key")
	// ErrNotFinite: a value is NaN or infinite.
	ErrNotFinite = errors.New("govshare/dp: value is not a finite number")
)

type aggState int

const (
	stateOpen aggState = iota
	stateReleased
)

// Aggregation accumulates rows and releases one differentially private
// result per group, once. Not safe for concurrent use.
//
// Most callers want [Run], which also charges the ledger before release.
type Aggregation struct {
	opts  Options
	split Split
	seed  maphash.Seed
	rng   *rand.Rand // sampling only: which groups and rows of a person are kept

	persons map[uint64]int32 // hashed person key → index into people
	people  []person
	groupIx map[string]int32
	groups  []string
	state   aggState
}

type person struct{ entries []entry }

// entry is one person's rows in one group.
type entry struct {
	group int32
	seen  int64     // rows seen
	vals  []float64 // reservoir sample of at most C values (not for count)
}

// NewAggregation validates opts and returns an empty aggregation.
func NewAggregation(opts Options) (*Aggregation, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	o := opts.withDefaults()
	o.Ranks = slices.Clone(o.Ranks)
	var seed [32]byte
	cryptorand.Read(seed[:]) // never fails (Go ≥ 1.24 crashes instead of returning an error)
	return &Aggregation{
		opts:    o,
		split:   o.Split(),
		seed:    maphash.MakeSeed(),
		rng:     rand.New(rand.NewChaCha8(seed)),
		persons: make(map[uint64]int32),
		groupIx: make(map[string]int32),
	}, nil
}

// Options returns the options after defaults.
func (a *Aggregation) Options() Options {
	o := a.opts
	o.Ranks = slices.Clone(o.Ranks)
	return o
}

// Cost is the (ε, δ) this aggregation spends on release.
func (a *Aggregation) Cost() (epsilon, delta float64) { return a.split.Total() }

// Split is the budget split of this aggregation.
func (a *Aggregation) Split() Split {
	s := a.split
	if s.Selection != nil {
		sel := *s.Selection
		s.Selection = &sel
	}
	return s
}

// Add records one row: key identifies the privacy unit (surrounding
// spaces are ignored, so " 1101…" and "1101…" are the same person, and with
// Options.PersonType so are the other written forms of one identifier),
// group is the group-by value (ignored when not grouped) and value is
// ignored for count. The person key is hashed at once and never kept.
func (a *Aggregation) Add(key, group string, value float64) error {
	if a.state != stateOpen {
		return ErrReleased
	}
	key = personKey(a.opts.PersonType, key)
	if key == "" {
		return ErrBlankPerson
	}
	if a.opts.Kind != KindCount && !finite(value) {
		return ErrNotFinite
	}
	if !a.opts.Grouped {
		group = ""
	}
	gi, ok := a.groupIx[group]
	if !ok {
		if len(a.groups) >= math.MaxInt32 {
			return errors.New("govshare/dp: too many groups")
		}
		gi = int32(len(a.groups))
		a.groupIx[group] = gi
		a.groups = append(a.groups, group)
	}
	// A 64-bit keyed hash: two persons collide with probability about
	// n²/2⁶⁵ (3e-8 for a million people); a collision merges them, which only
	// bounds them more tightly, so privacy is never weakened.
	h := maphash.String(a.seed, key)
	pi, ok := a.persons[h]
	if !ok {
		if len(a.people) >= math.MaxInt32 {
			return errors.New("govshare/dp: too many persons")
		}
		pi = int32(len(a.people))
		a.persons[h] = pi
		a.people = append(a.people, person{})
	}
	p := &a.people[pi]
	var e *entry
	for i := range p.entries {
		if p.entries[i].group == gi {
			e = &p.entries[i]
			break
		}
	}
	if e == nil {
		p.entries = append(p.entries, entry{group: gi})
		e = &p.entries[len(p.entries)-1]
	}
	e.seen++
	if a.opts.Kind == KindCount {
		return nil
	}
	// Reservoir sampling keeps a uniform sample of C of the person's rows.
	c := a.opts.MaxContributionsPerPartition
	if e.vals == nil {
		e.vals = make([]float64, 0, min(c, 4)) // one allocation for the common small C
	}
	if int64(len(e.vals)) < c {
		e.vals = append(e.vals, value)
	} else if j := a.rng.Int64N(e.seen); j < c {
		e.vals[j] = value
	}
	return nil
}

// bound applies contribution bounding: for each person, at most L of their
// groups chosen uniformly at random (partial Fisher–Yates), and for each kept
// group at most C rows (already sampled in Add). fn sees each kept entry.
func (a *Aggregation) bound(fn func(e *entry) error) error {
	l := int(a.opts.MaxPartitionsContributed)
	for pi := range a.people {
		es := a.people[pi].entries
		k := len(es)
		if k > l {
			for i := 0; i < l; i++ {
				j := i + a.rng.IntN(k-i)
				es[i], es[j] = es[j], es[i]
			}
			k = l
		}
		for i := 0; i < k; i++ {
			if err := fn(&es[i]); err != nil {
				return err
			}
		}
	}
	return nil
}

// Interval is a confidence interval.
type Interval struct {
	Lower float64 `json:"lower"`
	Upper float64 `json:"upper"`
}

// QuantileValue is one released quantile.
type QuantileValue struct {
	Rank  float64 `json:"rank"`
	Value float64 `json:"value"`
}

// Result is one released group.
type Result struct {
	// Group is the group-by value; "" when not grouped. It is present only
	// because partition selection kept it.
	Group string
	Kind  Kind
	// Mechanism of the value's noise: "laplace" or "gaussian".
	Mechanism string
	// Epsilon and Delta spent by the aggregation of this group. Groups are
	// disjoint per person after bounding, so they do not add up across groups.
	Epsilon, Delta float64
	// Value is the noisy count, sum or mean. Counts and sums are unbiased and
	// may be negative; a mean is clamped to [Lower, Upper].
	Value float64
	// Quantiles holds the quantiles (Value is unset) for KindQuantiles.
	Quantiles []QuantileValue
	// ConfidenceLevel and CI: dpagg's ComputeConfidenceInterval, which holds
	// the true (bounded) value with probability ≥ ConfidenceLevel. CI is nil
	// for quantiles: dpagg offers none for its quantile tree.
	ConfidenceLevel float64
	CI              *Interval
	// L0Sensitivity and LInfSensitivity are the noise calibration: groups per
	// person and the largest change one person makes to one group's value.
	// NoiseStdDev is the noise's standard deviation (count and sum only; a
	// mean divides two noisy values and quantiles use a noisy tree).
	L0Sensitivity   int64
	LInfSensitivity float64
	NoiseStdDev     float64
}

type resultJSON struct {
	Group           string          `json:"group"`
	Kind            Kind            `json:"kind"`
	Mechanism       string          `json:"mechanism"`
	Epsilon         float64         `json:"epsilon"`
	Delta           float64         `json:"delta"`
	Value           *float64        `json:"value,omitempty"`
	Quantiles       []QuantileValue `json:"quantiles,omitempty"`
	ConfidenceLevel float64         `json:"confidence_level"`
	CI              *Interval       `json:"confidence_interval,omitempty"`
	L0Sensitivity   int64           `json:"l0_sensitivity"`
	LInfSensitivity float64         `json:"linf_sensitivity"`
	NoiseStdDev     float64         `json:"noise_stddev,omitempty"`
}

// MarshalJSON writes snake_case fields and omits value for quantiles.
func (r Result) MarshalJSON() ([]byte, error) {
	j := resultJSON{
		Group: r.Group, Kind: r.Kind, Mechanism: r.Mechanism, Epsilon: r.Epsilon, Delta: r.Delta,
		Quantiles: r.Quantiles, ConfidenceLevel: r.ConfidenceLevel, CI: r.CI,
		L0Sensitivity: r.L0Sensitivity, LInfSensitivity: r.LInfSensitivity, NoiseStdDev: r.NoiseStdDev,
	}
	if r.Kind != KindQuantiles {
		v := r.Value
		j.Value = &v
	}
	return json.Marshal(j)
}

// Release bounds contributions, runs partition selection and adds noise,
// returning the kept groups sorted by group key. It may be called once; the
// aggregation is spent even if Release fails. Charge a [Ledger] before
// calling it ([Run] does).
func (a *Aggregation) Release() ([]Result, error) {
	if a.state != stateOpen {
		return nil, ErrReleased
	}
	a.state = stateReleased
	o := a.opts
	if !o.Grouped && len(a.groups) == 0 {
		// The single ungrouped partition is public: release it even when empty.
		a.groupIx[""] = 0
		a.groups = append(a.groups, "")
	}
	aggs := make([]*groupAgg, len(a.groups))
	for i := range aggs {
		g, err := newGroupAgg(o, a.split)
		if err != nil {
			return nil, fmt.Errorf("govshare/dp: building aggregators: %w", err)
		}
		aggs[i] = g
	}
	err := a.bound(func(e *entry) error {
		g := aggs[e.group]
		var err error
		if g.sel != nil {
			err = g.sel.Increment()
		}
		switch {
		case err != nil:
		case g.cnt != nil:
			err = g.cnt.Add(min(e.seen, o.MaxContributionsPerPartition))
		case g.sum != nil:
			var t float64
			for _, v := range e.vals {
				t += math.Max(o.Lower, math.Min(o.Upper, v))
			}
			err = g.sum.Add(t)
		case g.mean != nil:
			for _, v := range e.vals {
				if err = g.mean.Add(v); err != nil {
					break
				}
			}
		case g.q != nil:
			for _, v := range e.vals {
				if err = g.q.Add(v); err != nil {
					break
				}
			}
		}
		if err != nil {
			// dpagg's Add errors quote the value; never pass them on.
			return errors.New("govshare/dp: aggregator rejected a contribution")
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	// Drop everything that could identify rows now that bounding is done.
	a.persons, a.people = nil, nil

	order := make([]int, len(a.groups))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(x, y int) int { return strings.Compare(a.groups[x], a.groups[y]) })
	alpha := 1 - o.ConfidenceLevel
	var out []Result
	for _, gi := range order {
		g := aggs[gi]
		if g.sel != nil {
			keep, err := g.sel.ShouldKeepPartition()
			if err != nil {
				return nil, fmt.Errorf("govshare/dp: partition selection: %w", err)
			}
			if !keep {
				continue
			}
		}
		r, err := a.result(g, alpha)
		if err != nil {
			return nil, err
		}
		r.Group = a.groups[gi]
		out = append(out, r)
	}
	return out, nil
}

func (a *Aggregation) result(g *groupAgg, alpha float64) (Result, error) {
	o := a.opts
	s := a.split.Aggregation
	r := Result{
		Kind: o.Kind, Mechanism: s.Mechanism, Epsilon: s.Epsilon, Delta: s.Delta,
		ConfidenceLevel: o.ConfidenceLevel, L0Sensitivity: o.MaxPartitionsContributed,
	}
	var ci noise.ConfidenceInterval
	var err error
	switch {
	case g.cnt != nil:
		var v int64
		if v, err = g.cnt.Result(); err == nil {
			r.Value = float64(v)
			ci, err = g.cnt.ComputeConfidenceInterval(alpha)
		}
		r.LInfSensitivity = float64(o.MaxContributionsPerPartition)
		r.NoiseStdDev = stdDev(o.Mechanism, r.L0Sensitivity, r.LInfSensitivity, s.Epsilon, s.Delta)
	case g.sum != nil:
		if r.Value, err = g.sum.Result(); err == nil {
			ci, err = g.sum.ComputeConfidenceInterval(alpha)
		}
		lo, hi := sumBounds(o)
		r.LInfSensitivity = math.Max(math.Abs(lo), math.Abs(hi))
		r.NoiseStdDev = stdDev(o.Mechanism, r.L0Sensitivity, r.LInfSensitivity, s.Epsilon, s.Delta)
	case g.mean != nil:
		if r.Value, err = g.mean.Result(); err == nil {
			ci, err = g.mean.ComputeConfidenceInterval(alpha)
		}
		// One person moves the normalized sum by at most C·(U−L)/2.
		r.LInfSensitivity = float64(o.MaxContributionsPerPartition) * (o.Upper - o.Lower) / 2
	case g.q != nil:
		for _, rank := range o.Ranks {
			var v float64
			if v, err = g.q.Result(rank); err != nil {
				break
			}
			r.Quantiles = append(r.Quantiles, QuantileValue{Rank: rank, Value: v})
		}
		r.LInfSensitivity = float64(o.MaxContributionsPerPartition)
		if err == nil {
			return r, nil
		}
	}
	if err != nil {
		return Result{}, fmt.Errorf("govshare/dp: computing result: %w", err)
	}
	r.CI = &Interval{Lower: ci.LowerBound, Upper: ci.UpperBound}
	return r, nil
}

// stdDev of the noise dpagg adds for the given calibration. Laplace with
// scale b = l0·lInf/ε has standard deviation √2·b.
func stdDev(m Mechanism, l0 int64, lInf, eps, delta float64) float64 {
	if m == Gaussian {
		return noise.SigmaForGaussian(l0, lInf, eps, delta)
	}
	return math.Sqrt2 * float64(l0) * lInf / eps
}
