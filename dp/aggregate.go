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

// Errors of the aggregation. Run turns them into errors that name the line
// and column, never the value.
var (
	// errReleased: the aggregation already released (or failed to release)
	// its result; a second release would spend the budget twice.
	errReleased = errors.New("govshare/dp: result already released")
	// errBlankPerson: a row has an empty person key.
	errBlankPerson = errors.New("govshare/dp: blank person key")
	// errNotFinite: a value is NaN or infinite.
	errNotFinite = errors.New("govshare/dp: value is not a finite number")
)

type aggState int

const (
	stateOpen     aggState = iota // rows may be added
	stateBounded                  // contributions bounded and added to the aggregators; no noise yet
	stateReleased                 // noise drawn (or a release failed): spent
)

// aggregation accumulates rows and releases one differentially private
// result per group, once. Not safe for concurrent use. [Run] is its only
// user: it validates, reads, bounds, charges and releases in that order.
type aggregation struct {
	opts  Options
	split Split
	fx    fixedPoint
	seed  maphash.Seed
	rng   *rand.Rand // sampling only: which groups and rows of a person are kept

	persons map[uint64]int32 // hashed person key → index into people
	people  []person
	groupIx map[string]int32
	groups  []string
	aggs    []*groupAgg // after bound
	state   aggState
}

type person struct{ entries []entry }

// entry is one person's rows in one group.
type entry struct {
	group int32
	seen  int64     // rows seen
	vals  []float64 // reservoir sample of at most C values (not for count)
}

// newAggregation validates the parameters of opts (not its column names)
// and returns an empty aggregation.
func newAggregation(opts Options) (*aggregation, error) {
	if err := opts.validateParams(); err != nil {
		return nil, err
	}
	o := opts.withDefaults()
	o.Ranks = slices.Clone(o.Ranks)
	s := o.Split()
	fx, err := newFixed(o, s)
	if err != nil {
		return nil, err
	}
	var seed [32]byte
	cryptorand.Read(seed[:]) // never fails (Go ≥ 1.24 crashes instead of returning an error)
	return &aggregation{
		opts:    o,
		split:   s,
		fx:      fx,
		seed:    maphash.MakeSeed(),
		rng:     rand.New(rand.NewChaCha8(seed)),
		persons: make(map[uint64]int32),
		groupIx: make(map[string]int32),
	}, nil
}

// cost is the (ε, δ) this aggregation spends on release.
func (a *aggregation) cost() (epsilon, delta float64) { return a.split.Total() }

// add records one row: key identifies the privacy unit (surrounding
// spaces are ignored, so " 1101…" and "1101…" are the same person, and with
// Options.PersonType so are the other written forms of one identifier),
// group is the group-by value (ignored when not grouped) and value is
// ignored for count. The person key is hashed at once and never kept.
func (a *aggregation) add(key, group string, value float64) error {
	return a.addKey(personKey(a.opts.PersonType, key), group, value)
}

// addKey is add for a key already in personKey form.
func (a *aggregation) addKey(key, group string, value float64) error {
	if a.state != stateOpen {
		return errReleased
	}
	if key == "" {
		return errBlankPerson
	}
	if a.opts.Kind != KindCount && !finite(value) {
		return errNotFinite
	}
	if !a.opts.grouped() {
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

// sampleBounds applies contribution bounding: for each person, at most L of
// their groups chosen uniformly at random (partial Fisher–Yates), and for
// each kept group at most C rows (already sampled in add). fn sees each
// kept entry.
func (a *aggregation) sampleBounds(fn func(e *entry) error) error {
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

// addExact adds x to a group's exact total, failing on int64 overflow
// (which the fixed point's limits make impossible below 2^31 persons).
func addExact(total *int64, x int64) error {
	s := *total + x
	if (x > 0 && s < *total) || (x < 0 && s > *total) {
		return errors.New("govshare/dp: exact total overflows int64")
	}
	*total = s
	return nil
}

// bound bounds every person's contributions and adds them to the groups'
// aggregators, without drawing any noise. Everything that can fail on the
// data fails here, before the budget is charged.
func (a *aggregation) bound() error {
	if a.state != stateOpen {
		return errReleased
	}
	a.state = stateBounded
	o := a.opts
	if !o.grouped() && len(a.groups) == 0 {
		// The single ungrouped partition is public: release it even when empty.
		a.groupIx[""] = 0
		a.groups = append(a.groups, "")
	}
	a.aggs = make([]*groupAgg, len(a.groups))
	for i := range a.aggs {
		g, err := newGroupAgg(o, a.split, a.fx)
		if err != nil {
			return fmt.Errorf("govshare/dp: building aggregators: %w", err)
		}
		a.aggs[i] = g
	}
	c := o.MaxContributionsPerPartition
	err := a.sampleBounds(func(e *entry) error {
		g := a.aggs[e.group]
		var err error
		if g.sel != nil {
			err = g.sel.Increment()
		}
		switch {
		case err != nil:
		case g.cnt != nil:
			n := min(e.seen, c)
			if err = addExact(&g.exact, n); err == nil {
				err = g.cnt.Add(n)
			}
		case g.sum != nil:
			var t int64 // at most C values of at most maxUnitTotal/C units: no overflow
			for _, v := range e.vals {
				t += a.fx.units(v, o.Lower, o.Upper)
			}
			if err = addExact(&g.exact, t); err == nil {
				err = g.sum.Add(t)
			}
		case g.msum != nil:
			var t int64
			for _, v := range e.vals {
				t += 2*a.fx.units(v, o.Lower, o.Upper) - a.fx.hi
			}
			if err = addExact(&g.exact, t); err == nil {
				if err = g.msum.Add(t); err == nil {
					err = g.mcnt.Add(int64(len(e.vals)))
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
	// Drop everything that could identify rows now that bounding is done.
	a.persons, a.people = nil, nil
	return err
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
	// ConfidenceLevel and CI: dpagg's confidence interval for the noise
	// (for a mean, dpagg's construction from its count's and sum's), which
	// holds the true (bounded) value with probability ≥ ConfidenceLevel. CI
	// is nil for quantiles: dpagg offers none for its quantile tree.
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

// release runs partition selection and adds noise, returning the kept
// groups sorted by group key. It runs once, after bound; the aggregation is
// spent even if it fails. Run calls it inside the ledger's charge.
func (a *aggregation) release() ([]Result, error) {
	if a.state != stateBounded {
		return nil, errReleased
	}
	a.state = stateReleased
	order := make([]int, len(a.groups))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(x, y int) int { return strings.Compare(a.groups[x], a.groups[y]) })
	alpha := 1 - a.opts.ConfidenceLevel
	out := []Result{}
	for _, gi := range order {
		g := a.aggs[gi]
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

func (a *aggregation) result(g *groupAgg, alpha float64) (Result, error) {
	o := a.opts
	s := a.split.Aggregation
	c := o.MaxContributionsPerPartition
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
		r.LInfSensitivity = float64(c)
		r.NoiseStdDev = stdDev(o.Mechanism, r.L0Sensitivity, r.LInfSensitivity, s.Epsilon, s.Delta)
	case g.sum != nil:
		var v int64
		if v, err = g.sum.Result(); err == nil {
			r.Value = a.fx.real(float64(v))
			ci, err = g.sum.ComputeConfidenceInterval(alpha)
			ci.LowerBound, ci.UpperBound = a.fx.real(ci.LowerBound), a.fx.real(ci.UpperBound)
		}
		lo, hi := sumUnits(a.fx, c)
		lInf := float64(max(-lo, hi))
		r.LInfSensitivity = a.fx.real(lInf)
		r.NoiseStdDev = a.fx.real(stdDev(o.Mechanism, r.L0Sensitivity, lInf, s.Epsilon, s.Delta))
	case g.msum != nil:
		r.Value, ci, err = a.mean(g, alpha)
		// One person moves the sum of offsets by at most C·(U−L)/2.
		r.LInfSensitivity = a.fx.real(float64(c*a.fx.hi) / 2)
	case g.q != nil:
		for _, rank := range o.Ranks {
			var v float64
			if v, err = g.q.Result(rank); err != nil {
				break
			}
			r.Quantiles = append(r.Quantiles, QuantileValue{Rank: rank, Value: v})
		}
		r.LInfSensitivity = float64(c)
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

// mean is dpagg's BoundedMean.Result and ComputeConfidenceInterval on the
// integer count and sum of offsets: mean = clamp(mid + sum/max(1, count)),
// and the interval the tightest of dpagg's splits of α between the two.
func (a *aggregation) mean(g *groupAgg, alpha float64) (float64, noise.ConfidenceInterval, error) {
	o := a.opts
	nc, err := g.mcnt.Result()
	if err != nil {
		return 0, noise.ConfidenceInterval{}, err
	}
	ns, err := g.msum.Result()
	if err != nil {
		return 0, noise.ConfidenceInterval{}, err
	}
	// Offsets are in half units of 2^-k from the midpoint mid = Lower + W/2.
	half := func(u float64) float64 { return a.fx.real(u) / 2 }
	mid := o.Lower + half(float64(a.fx.hi))
	clamp := func(x float64) float64 { return math.Max(o.Lower, math.Min(o.Upper, x)) }
	v := clamp(mid + half(float64(ns))/math.Max(1, float64(nc)))
	best := noise.ConfidenceInterval{LowerBound: math.Inf(-1), UpperBound: math.Inf(1)}
	for i := 1; i < 1000; i++ {
		alphaNum := float64(i) / 1000 * alpha
		alphaDen := (alpha - alphaNum) / (1 - alphaNum)
		num, err := g.msum.ComputeConfidenceInterval(alphaNum)
		if err != nil {
			return 0, noise.ConfidenceInterval{}, err
		}
		den, err := g.mcnt.ComputeConfidenceInterval(alphaDen)
		if err != nil {
			return 0, noise.ConfidenceInterval{}, err
		}
		nl, nu := half(num.LowerBound), half(num.UpperBound)
		dl, du := math.Max(den.LowerBound, 1), math.Max(den.UpperBound, 1)
		var lo, hi float64
		if nl >= 0 {
			lo = nl / du
		} else {
			lo = nl / dl
		}
		if nu >= 0 {
			hi = nu / dl
		} else {
			hi = nu / du
		}
		lo, hi = clamp(lo+mid), clamp(hi+mid)
		if hi-lo < best.UpperBound-best.LowerBound {
			best = noise.ConfidenceInterval{LowerBound: lo, UpperBound: hi}
		}
	}
	return v, best, nil
}

// stdDev of the noise dpagg adds for the given calibration. Laplace with
// scale b = l0·lInf/ε has standard deviation √2·b.
func stdDev(m Mechanism, l0 int64, lInf, eps, delta float64) float64 {
	if m == Gaussian {
		return noise.SigmaForGaussian(l0, lInf, eps, delta)
	}
	return math.Sqrt2 * float64(l0) * lInf / eps
}
