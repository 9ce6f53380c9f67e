package dp

import (
	"errors"
	"fmt"
	"iter"
	"slices"
	"strconv"
	"strings"

	"github.com/govshare/govshare/catalog"
)

// Spec is one `govshare stats` request. Column fields name header columns.
type Spec struct {
	// Resource and Recipient identify the ledger account. Required when a
	// ledger is given.
	Resource, Recipient string
	// Epsilon and Delta: total cost of the release (see [Options]).
	Epsilon, Delta float64
	// Mechanism: "laplace" (default) or "gaussian".
	Mechanism Mechanism
	// Person is the privacy-unit column, for example the resident ID. Required.
	Person string
	// PersonType is the catalogued type of the Person column: with an
	// identifier type, keys are canonicalized (see Options.PersonType).
	PersonType catalog.Type
	// GroupBy is the group column. Optional; when set, partition selection
	// decides which groups are released.
	GroupBy string
	// Kind: count, sum, mean or quantiles. Required.
	Kind Kind
	// Column holds the values of sum, mean and quantiles. Must be empty for count.
	Column string
	// Lower and Upper clamp values (sum, mean, quantiles).
	Lower, Upper float64
	// MaxPartitions (L) and MaxPerPartition (C): contribution bounds per
	// person. Default 1 each.
	MaxPartitions, MaxPerPartition int64
	// Quantiles are the ranks to release for KindQuantiles.
	Quantiles []float64
	// PreThreshold: minimum distinct persons per released group. Optional.
	PreThreshold int64
	// ConfidenceLevel of the intervals. Default 0.95.
	ConfidenceLevel float64
}

// Options converts the spec to aggregation options.
func (s Spec) Options() Options {
	return Options{
		Kind: s.Kind, Epsilon: s.Epsilon, Delta: s.Delta, Mechanism: s.Mechanism,
		Grouped:                  s.GroupBy != "",
		MaxPartitionsContributed: s.MaxPartitions, MaxContributionsPerPartition: s.MaxPerPartition,
		Lower: s.Lower, Upper: s.Upper, Ranks: s.Quantiles,
		PreThreshold: s.PreThreshold, ConfidenceLevel: s.ConfidenceLevel,
		PersonType: s.PersonType,
	}
}

// BudgetStatus is the ledger account after this release.
type BudgetStatus struct {
	Ledger        string  `json:"ledger"`
	SpentEpsilon  float64 `json:"spent_epsilon"`
	SpentDelta    float64 `json:"spent_delta"`
	BudgetEpsilon float64 `json:"budget_epsilon"`
	BudgetDelta   float64 `json:"budget_delta"`
}

// Report is what `govshare stats` prints as JSON. It holds no row count, no
// number of suppressed groups and no person key: only DP outputs and public
// parameters.
type Report struct {
	Resource        string        `json:"resource,omitempty"`
	Recipient       string        `json:"recipient,omitempty"`
	Kind            Kind          `json:"kind"`
	PersonColumn    string        `json:"person_column"`
	GroupBy         string        `json:"group_by,omitempty"`
	Column          string        `json:"column,omitempty"`
	Lower           *float64      `json:"lower,omitempty"`
	Upper           *float64      `json:"upper,omitempty"`
	MaxPartitions   int64         `json:"max_partitions_contributed"`
	MaxPerPartition int64         `json:"max_contributions_per_partition"`
	PreThreshold    int64         `json:"pre_threshold,omitempty"`
	ConfidenceLevel float64       `json:"confidence_level"`
	Epsilon         float64       `json:"epsilon"` // total spent by this release
	Delta           float64       `json:"delta"`
	Split           Split         `json:"budget_split"`
	Results         []Result      `json:"results"`
	Budget          *BudgetStatus `json:"budget,omitempty"`
}

// Run computes one DP aggregate over rows (header names the columns) and
// returns the report. Order of effects: validate the spec, read and bound
// all rows (no noise yet), charge the ledger, then add noise and release. A
// data error therefore costs no budget, and no result exists that was not
// charged. With a nil ledger nothing is charged: use that only where the
// caller enforces a budget some other way.
//
// Row errors name the line (the header is line 1 and each record one line)
// and the column, never the value. A blank person key is an error.
func Run(spec Spec, rows iter.Seq2[[]string, error], header []string, ledger *Ledger) (Report, error) {
	if ledger != nil && (spec.Resource == "" || spec.Recipient == "") {
		return Report{}, errors.New("govshare/dp: a ledgered release needs a resource and a recipient")
	}
	if spec.Person == "" {
		return Report{}, errors.New("govshare/dp: the person column is required")
	}
	if (spec.Kind == KindCount) != (spec.Column == "") {
		return Report{}, errors.New("govshare/dp: sum, mean and quantiles need a value column; count takes none")
	}
	agg, err := NewAggregation(spec.Options())
	if err != nil {
		return Report{}, err
	}
	personIx, err := columnIndex(header, spec.Person)
	if err != nil {
		return Report{}, err
	}
	groupIx, valueIx := -1, -1
	if spec.GroupBy != "" {
		if groupIx, err = columnIndex(header, spec.GroupBy); err != nil {
			return Report{}, err
		}
	}
	if spec.Column != "" {
		if valueIx, err = columnIndex(header, spec.Column); err != nil {
			return Report{}, err
		}
	}
	need := max(personIx, groupIx, valueIx) + 1

	line := 1
	for row, err := range rows {
		line++
		if err != nil {
			return Report{}, fmt.Errorf("govshare/dp: reading line %d: %w", line, err)
		}
		if len(row) < need {
			return Report{}, fmt.Errorf("govshare/dp: line %d has %d fields, need %d", line, len(row), need)
		}
		var group string
		if groupIx >= 0 {
			group = row[groupIx]
		}
		var v float64
		if valueIx >= 0 {
			v, err = strconv.ParseFloat(strings.TrimSpace(row[valueIx]), 64)
			if err != nil || !finite(v) {
				return Report{}, fmt.Errorf("govshare/dp: line %d, column %q: not a finite number", line, spec.Column)
			}
		}
		if err := agg.Add(row[personIx], group, v); err != nil {
			if errors.Is(err, ErrBlankPerson) {
				return Report{}, fmt.Errorf("govshare/dp: line %d, column %q: %w", line, spec.Person, err)
			}
			return Report{}, fmt.Errorf("govshare/dp: line %d: %w", line, err)
		}
	}

	o := agg.Options()
	eps, delta := agg.Cost()
	rep := Report{
		Resource: spec.Resource, Recipient: spec.Recipient, Kind: o.Kind,
		PersonColumn: spec.Person, GroupBy: spec.GroupBy, Column: spec.Column,
		MaxPartitions: o.MaxPartitionsContributed, MaxPerPartition: o.MaxContributionsPerPartition,
		PreThreshold: o.PreThreshold, ConfidenceLevel: o.ConfidenceLevel,
		Epsilon: eps, Delta: delta, Split: agg.Split(),
	}
	if o.Kind != KindCount {
		lo, hi := o.Lower, o.Upper
		rep.Lower, rep.Upper = &lo, &hi
	}
	if ledger != nil {
		// Charge first: from here on a crash loses budget, never privacy.
		if err := ledger.Spend(spec.Resource, spec.Recipient, eps, delta); err != nil {
			return Report{}, err
		}
		se, sd, err := ledger.Spent(spec.Resource, spec.Recipient)
		if err != nil {
			return Report{}, err
		}
		be, bd := ledger.Budget()
		rep.Budget = &BudgetStatus{Ledger: ledger.Path(), SpentEpsilon: se, SpentDelta: sd, BudgetEpsilon: be, BudgetDelta: bd}
	}
	res, err := agg.Release()
	if err != nil {
		return Report{}, err
	}
	if res == nil {
		res = []Result{} // "results": [] rather than null
	}
	rep.Results = res
	return rep, nil
}

func columnIndex(header []string, name string) (int, error) {
	i := slices.Index(header, name)
	if i < 0 {
		return -1, fmt.Errorf("govshare/dp: no column %q in the header", name)
	}
	if slices.Index(header[i+1:], name) >= 0 {
		return -1, fmt.Errorf("govshare/dp: column %q appears more than once in the header", name)
	}
	return i, nil
}
