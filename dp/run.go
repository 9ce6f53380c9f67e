package dp

import (
	"errors"
	"fmt"
	"iter"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/govshare/govshare/classify"
)

// ErrNoBudget: a release names no budget of record and does not say that it
// is unbudgeted. Nothing was read or charged.
var ErrNoBudget = errors.New("govshare/dp: no budget of record: give a ledger, or state that the release is unbudgeted")

// ErrGroupColumn: the group column may not be grouped by: its values would
// leave in clear as labels and they identify people or are free text.
var ErrGroupColumn = errors.New("govshare/dp: column may not be grouped by")

// Budget is what a release is charged to: a ledger account, an Account
// kept elsewhere, or — stated explicitly — nothing. The zero Budget is
// refused ([ErrNoBudget]), so a release without a budget of record is
// never an accident.
type Budget struct {
	// Ledger charges the release to the (Resource, Recipient) account of a
	// local file, in one step with the release.
	Ledger *Ledger
	// Account charges the release to a budget of record kept outside this
	// package (govshare keeps it on its share-record log), in one step
	// with the release. Refused with a Ledger.
	Account Account
	// Resource and Recipient name the release in its report and are the
	// ledger account. Required with a Ledger or an Account.
	Resource, Recipient string
	// Unbudgeted states that the release is charged to no budget of record:
	// repeated releases then add up without limit. Refused with a Ledger;
	// with an Account, the account records the release as unbudgeted.
	Unbudgeted bool
}

// Account is a budget of record kept outside this package. [Run] charges a
// release to it as it does to a [Ledger]: Afford before any data is read,
// then Charge in one step with the noise.
type Account interface {
	// Afford refuses, before anything is read, a release of (epsilon,
	// delta) that the account cannot afford now, with an error wrapping
	// ErrBudgetExhausted (or ErrNoBudget when it has no budget to charge).
	Afford(epsilon, delta float64) error
	// Charge checks that the account can afford rep's ε and δ, calls
	// release — which draws the noise and fills rep.Results — and records
	// the spend, in one step that no other charge of the account
	// interleaves with; it sets rep.Budget. If the check or release fails,
	// nothing is recorded. Once the spend may be on record, a failure
	// returns an error and the results are dropped: the spend stays, the
	// release never existed.
	Charge(rep *Report, release func() error) error
}

func (b Budget) validate() error {
	switch {
	case b.Ledger != nil && b.Account != nil:
		return errors.New("govshare/dp: a release is charged to a ledger or an account, not both")
	case b.Ledger != nil && b.Unbudgeted:
		return errors.New("govshare/dp: a release with a ledger is not unbudgeted: give one or the other")
	case b.Ledger == nil && b.Account == nil && !b.Unbudgeted:
		return ErrNoBudget
	case (b.Ledger != nil || b.Account != nil) && (b.Resource == "" || b.Recipient == ""):
		return errors.New("govshare/dp: a budgeted release needs a resource and a recipient")
	}
	return nil
}

// BudgetStatus is the ledger account after this release.
type BudgetStatus struct {
	Ledger        string  `json:"ledger"`
	SpentEpsilon  float64 `json:"spent_epsilon"`
	SpentDelta    float64 `json:"spent_delta"`
	BudgetEpsilon float64 `json:"budget_epsilon"`
	BudgetDelta   float64 `json:"budget_delta"`
}

// Report is the release: what the recipient receives. It holds no row
// count, no number of suppressed groups or excluded rows and no person key:
// only DP outputs and public parameters.
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
	// Unbudgeted says the release was charged to no budget of record.
	Unbudgeted bool `json:"unbudgeted,omitempty"`
}

// Excluded counts the rows a release left out of its aggregate, by reason.
// It is the provider's alone: it never enters the [Report], so the
// recipient never learns the exact count (the noisy results already leave
// those rows out).
type Excluded struct {
	// BlankPerson is the number of rows whose person key is blank. Such a
	// row cannot be attributed to a person, so its contribution cannot be
	// bounded: it is left out rather than refusing the whole release.
	BlankPerson int64 `json:"blank_person_key_rows"`
}

// String says what was left out and why, for the provider's eyes.
func (x Excluded) String() string {
	if x.BlankPerson == 0 {
		return "no rows left out"
	}
	return fmt.Sprintf("%d rows left out of the aggregate: their person key is blank, so their contributions cannot be bounded", x.BlankPerson)
}

// Run computes one DP aggregate over rows (header names the columns) and
// returns the release and what it left out. The order of effects is
//
//  1. validate the options and the budget (nothing read yet);
//  2. check that the ledger (or account) could afford the release at all;
//  3. read every row and bound each person's contributions (no noise yet),
//     and check what needs the data: δ ≤ 1/(number of persons), and group
//     values that are categories, not identifiers or free text;
//  4. in one step under the ledger's lock (an account's Charge): check the
//     budget, draw the noise and record the spend. If the noise fails
//     nothing is recorded; if the record cannot be written the results are
//     dropped.
//
// So a refusal or a data error costs no budget, and no result exists that
// was not charged. A crash after the record is written loses budget, never
// privacy.
//
// Rows with a blank person key are left out and counted in [Excluded]. Row
// errors name the line (the header is line 1 and each record one line) and
// the column, never the value.
func Run(opts Options, rows iter.Seq2[[]string, error], header []string, b Budget) (Report, Excluded, error) {
	var x Excluded
	if err := opts.Validate(); err != nil {
		return Report{}, x, err
	}
	if err := b.validate(); err != nil {
		return Report{}, x, err
	}
	agg, err := newAggregation(opts)
	if err != nil {
		return Report{}, x, err
	}
	personIx, err := columnIndex(header, opts.Person)
	if err != nil {
		return Report{}, x, err
	}
	groupIx, valueIx := -1, -1
	if opts.GroupBy != "" {
		if groupIx, err = columnIndex(header, opts.GroupBy); err != nil {
			return Report{}, x, err
		}
	}
	if opts.Column != "" {
		if valueIx, err = columnIndex(header, opts.Column); err != nil {
			return Report{}, x, err
		}
	}
	eps, delta := agg.cost()
	if b.Ledger != nil {
		if err := b.Ledger.afford(b.Resource, b.Recipient, eps, delta); err != nil {
			return Report{}, x, err
		}
	}
	if b.Account != nil {
		if err := b.Account.Afford(eps, delta); err != nil {
			return Report{}, x, err
		}
	}
	need := max(personIx, groupIx, valueIx) + 1

	line := 1
	for row, err := range rows {
		line++
		if err != nil {
			return Report{}, x, fmt.Errorf("govshare/dp: reading line %d: %w", line, err)
		}
		if len(row) < need {
			return Report{}, x, fmt.Errorf("govshare/dp: line %d has %d fields, need %d", line, len(row), need)
		}
		key := personKey(agg.opts.PersonType, row[personIx])
		if key == "" {
			x.BlankPerson++
			continue
		}
		var group string
		if groupIx >= 0 {
			group = row[groupIx]
		}
		var v float64
		if valueIx >= 0 {
			v, err = strconv.ParseFloat(strings.TrimSpace(row[valueIx]), 64)
			if err != nil || !finite(v) {
				return Report{}, x, fmt.Errorf("govshare/dp: line %d, column %q: not a finite number", line, opts.Column)
			}
		}
		if err := agg.addKey(key, group, v); err != nil {
			return Report{}, x, fmt.Errorf("govshare/dp: line %d: %w", line, err)
		}
	}
	if err := agg.checkData(); err != nil {
		return Report{}, x, err
	}
	if err := agg.bound(); err != nil {
		return Report{}, x, err
	}

	o := agg.opts
	rep := Report{
		Resource: b.Resource, Recipient: b.Recipient, Kind: o.Kind,
		PersonColumn: o.Person, GroupBy: o.GroupBy, Column: o.Column,
		MaxPartitions: o.MaxPartitionsContributed, MaxPerPartition: o.MaxContributionsPerPartition,
		PreThreshold: o.PreThreshold, ConfidenceLevel: o.ConfidenceLevel,
		Epsilon: eps, Delta: delta, Split: agg.split, Unbudgeted: b.Unbudgeted,
	}
	if s := agg.split.Selection; s != nil {
		sel := *s
		rep.Split.Selection = &sel
	}
	if o.Kind != KindCount {
		lo, hi := o.Lower, o.Upper
		rep.Lower, rep.Upper = &lo, &hi
	}
	release := func() error {
		res, err := agg.release()
		if err != nil {
			return err
		}
		rep.Results = res
		return nil
	}
	switch {
	case b.Account != nil:
		err = b.Account.Charge(&rep, release)
	case b.Ledger != nil:
		var st BudgetStatus
		st, err = b.Ledger.charge(b.Resource, b.Recipient, eps, delta, release)
		rep.Budget = &st
	default:
		err = release()
	}
	if err != nil {
		return Report{}, x, err
	}
	return rep, x, nil
}

// checkData refuses, after reading and before anything is charged, what
// only the data shows: a δ above 1/(number of persons), and group values
// that are identifiers or free text. Its errors carry no value and no count.
func (a *aggregation) checkData() error {
	if _, d := a.cost(); d*float64(len(a.people)) > 1 {
		return invalid("delta must not exceed 1/(number of persons in the input): lower delta")
	}
	if !a.opts.grouped() {
		return nil
	}
	for _, g := range a.groups {
		if utf8.RuneCountInString(g) > MaxGroupRunes {
			return fmt.Errorf("%w: %q holds values longer than %d characters (free text)", ErrGroupColumn, a.opts.GroupBy, MaxGroupRunes)
		}
	}
	if _, t, ok := classify.ValueInHeader(a.groups); ok {
		return fmt.Errorf("%w: %q holds %s values", ErrGroupColumn, a.opts.GroupBy, t)
	}
	// On average fewer than two persons per group: the column nearly
	// identifies people (a name, an address, a note typed as none).
	if len(a.groups) > 1 && 2*len(a.groups) > len(a.people) {
		return fmt.Errorf("%w: %q has nearly one value per person", ErrGroupColumn, a.opts.GroupBy)
	}
	return nil
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
