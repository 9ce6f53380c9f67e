package audit

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// KindRelease is the kind of a ReleaseRecord.
const KindRelease Kind = "release"

// ErrOverBudget: a release record would take, or took, its account past
// the budget of record (see ReleaseRecord). The operator refuses such a
// record, and a log holding one does not verify.
var ErrOverBudget = errors.New("govshare/audit: release over its privacy budget of record")

// ReleaseRecord records a differentially private release (govshare's
// Release and ShareRelease) and its charge to a privacy budget: the
// provider's release of Resource to Recipient spent Epsilon and Delta
// through Mechanism. The log is the budget of record: the releases of one
// Account add up on it, and a release that would take the account past
// its budget is refused by the operator (ErrOverBudget) and fails
// verification, so no local file can give a fresh budget.
//
// BudgetEpsilon and BudgetDelta are the budget the provider states for the
// account with this release; zero for both says the release is charged to
// no budget of record (an explicitly unbudgeted release). An account's
// budget is the smallest one any of its releases stated: the first budget
// stated fixes it, a later release may lower it, never raise it. Once an
// account has a budget, every release to it — unbudgeted ones too — must
// fit: spent totals count every release of the account.
//
// A sealed release names its envelope (EnvelopeID and HeaderHash, like a
// ShareRecord); one given to the caller unsealed names a fresh ReleaseID
// instead. Exactly one of the two is set.
type ReleaseRecord struct {
	EnvelopeID string // the sealed release's envelope; "" when not sealed
	ReleaseID  string // a release not sealed; "" when sealed
	HeaderHash Digest // the envelope's header hash; zero when not sealed
	Provider   string // the releasing department, who signs
	Recipient  string // receiving department, or "public"
	Resource   string // catalog resource name
	// Mechanism names the statistic and its noise, e.g.
	// "count/laplace+dpagg.PreAggSelectPartition": 1–128 bytes of
	// [A-Za-z0-9._:+/=-].
	Mechanism                  string
	Epsilon, Delta             float64 // spent by this release: ε > 0, δ in [0, 1)
	BudgetEpsilon, BudgetDelta float64 // the account's budget as stated; 0, 0: unbudgeted
	Time                       time.Time
}

// Kind implements Record.
func (ReleaseRecord) Kind() Kind { return KindRelease }

// Account names a privacy budget: the releases of one provider's resource
// to one recipient.
type Account struct {
	Provider, Resource, Recipient string
}

// Account returns the account r is charged to.
func (r ReleaseRecord) Account() Account { return Account{r.Provider, r.Resource, r.Recipient} }

// Unbudgeted reports whether r states no budget.
func (r ReleaseRecord) Unbudgeted() bool { return r.BudgetEpsilon == 0 && r.BudgetDelta == 0 }

// maxReleaseEpsilon bounds one record's ε: no release spends more (dp caps
// ε per release far below), and sums stay finite.
const maxReleaseEpsilon = 1e6

type releaseWire struct {
	V             int     `json:"v"`
	Type          Kind    `json:"type"`
	EnvelopeID    string  `json:"envelope"`
	ReleaseID     string  `json:"release"`
	HeaderHash    string  `json:"header_sha256"`
	Provider      string  `json:"provider"`
	Recipient     string  `json:"recipient"`
	Resource      string  `json:"resource"`
	Mechanism     string  `json:"mechanism"`
	Epsilon       float64 `json:"epsilon"`
	Delta         float64 `json:"delta"`
	BudgetEpsilon float64 `json:"budget_epsilon"`
	BudgetDelta   float64 `json:"budget_delta"`
	Time          string  `json:"time"`
}

func (r ReleaseRecord) validate() error {
	if (r.EnvelopeID == "") == (r.ReleaseID == "") {
		return errors.New("govshare/audit: release record: set exactly one of envelope id and release id")
	}
	if (r.EnvelopeID != "") != (r.HeaderHash != Digest{}) {
		return errors.New("govshare/audit: release record: a header hash goes with an envelope id, and only with one")
	}
	if err := firstErr(
		checkID("envelope", r.EnvelopeID, true),
		checkID("release", r.ReleaseID, true),
		checkDept("provider", r.Provider),
		checkDept("recipient", r.Recipient),
		checkName("resource", r.Resource, false),
		checkID("mechanism", r.Mechanism, false),
		checkTime(r.Time),
	); err != nil {
		return err
	}
	if !finite(r.Epsilon) || r.Epsilon <= 0 || r.Epsilon > maxReleaseEpsilon {
		return fmt.Errorf("govshare/audit: release record: epsilon must be in (0, %g]", float64(maxReleaseEpsilon))
	}
	if !finite(r.Delta) || r.Delta < 0 || r.Delta >= 1 || math.Signbit(r.Delta) {
		return errors.New("govshare/audit: release record: delta must be in [0, 1)")
	}
	if r.Unbudgeted() {
		if math.Signbit(r.BudgetEpsilon) || math.Signbit(r.BudgetDelta) {
			return errors.New("govshare/audit: release record: budget must not be negative")
		}
		return nil
	}
	if !finite(r.BudgetEpsilon) || r.BudgetEpsilon <= 0 || r.BudgetEpsilon > maxReleaseEpsilon {
		return fmt.Errorf("govshare/audit: release record: budget epsilon must be in (0, %g], or 0 with budget delta 0 (unbudgeted)", float64(maxReleaseEpsilon))
	}
	if !finite(r.BudgetDelta) || r.BudgetDelta < 0 || r.BudgetDelta >= 1 || math.Signbit(r.BudgetDelta) {
		return errors.New("govshare/audit: release record: budget delta must be in [0, 1)")
	}
	return nil
}

func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }

func (r ReleaseRecord) wire(bool) (any, error) {
	if err := r.validate(); err != nil {
		return nil, err
	}
	hh := ""
	if r.HeaderHash != (Digest{}) {
		hh = r.HeaderHash.String()
	}
	return &releaseWire{RecordVersion, KindRelease, r.EnvelopeID, r.ReleaseID, hh, r.Provider, r.Recipient,
		r.Resource, r.Mechanism, r.Epsilon, r.Delta, r.BudgetEpsilon, r.BudgetDelta, formatTime(r.Time)}, nil
}

func (w *releaseWire) record() (Record, error) {
	t, err := parseTime(w.Time)
	if err != nil {
		return nil, err
	}
	var h Digest
	if w.HeaderHash != "" && !decodeLowerHex(h[:], w.HeaderHash) {
		return nil, errors.New("govshare/audit: release record: header hash must be 64 lowercase hex digits or empty")
	}
	return ReleaseRecord{w.EnvelopeID, w.ReleaseID, h, w.Provider, w.Recipient, w.Resource, w.Mechanism,
		w.Epsilon, w.Delta, w.BudgetEpsilon, w.BudgetDelta, t}, nil
}

// decodeRelease reads the rest of a canonical release record after its
// type (see decodeRecord).
func decodeRelease(s *scanner, r *ReleaseRecord) error {
	r.EnvelopeID = s.str()
	s.lit(`,"release":`)
	r.ReleaseID = s.str()
	s.lit(`,"header_sha256":`)
	r.HeaderHash = s.digest()
	s.lit(`,"provider":`)
	r.Provider = s.str()
	s.lit(`,"recipient":`)
	r.Recipient = s.str()
	s.lit(`,"resource":`)
	r.Resource = s.str()
	s.lit(`,"mechanism":`)
	r.Mechanism = s.str()
	s.lit(`,"epsilon":`)
	r.Epsilon = s.float()
	s.lit(`,"delta":`)
	r.Delta = s.float()
	s.lit(`,"budget_epsilon":`)
	r.BudgetEpsilon = s.float()
	s.lit(`,"budget_delta":`)
	r.BudgetDelta = s.float()
	s.lit(`,"time":`)
	r.Time = s.time()
	if !s.end() {
		return errNotCanonical
	}
	return r.validate()
}

// float reads a number as encoding/json writes a float64: the shortest
// decimal that round-trips, in exponent form below 1e-6 and from 1e21.
func (s *scanner) float() float64 {
	if s.bad {
		return 0
	}
	start := s.i
	for s.i < len(s.b) && strings.IndexByte("+-.0123456789eE", s.b[s.i]) >= 0 {
		s.i++
	}
	tok := s.b[start:s.i]
	f, err := strconv.ParseFloat(string(tok), 64)
	if err != nil || !finite(f) || string(appendJSONFloat(nil, f)) != string(tok) {
		s.bad = true
		return 0
	}
	return f
}

// appendJSONFloat appends f as encoding/json encodes a float64.
func appendJSONFloat(b []byte, f float64) []byte {
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// clean up e-09 to e-9
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

// budgetSlack absorbs floating-point rounding when spends add up to exactly
// the budget (ten spends of 0.1 sum to 1.0000000000000002), as dp's ledger
// does.
const budgetSlack = 1e-9

// Spent is an account's standing on a log: what its releases spent, in log
// order, and its budget of record.
type Spent struct {
	Account
	Epsilon, Delta float64 // spent by every release of the account
	// BudgetEpsilon and BudgetDelta are the smallest budget any release
	// stated (0, 0 while Budgeted is false).
	BudgetEpsilon, BudgetDelta float64
	Budgeted                   bool
	Releases                   int // release records
}

// after returns the standing with r charged, or an error wrapping
// ErrOverBudget when the account's budget (including the one r states)
// cannot afford it.
func (s Spent) after(r *ReleaseRecord) (Spent, error) {
	if !r.Unbudgeted() {
		if !s.Budgeted {
			s.BudgetEpsilon, s.BudgetDelta, s.Budgeted = r.BudgetEpsilon, r.BudgetDelta, true
		} else {
			s.BudgetEpsilon, s.BudgetDelta = min(s.BudgetEpsilon, r.BudgetEpsilon), min(s.BudgetDelta, r.BudgetDelta)
		}
	}
	eps, delta := s.Epsilon+r.Epsilon, s.Delta+r.Delta
	if s.Budgeted && (eps > s.BudgetEpsilon*(1+budgetSlack) || delta > s.BudgetDelta*(1+budgetSlack)) {
		return s, notVerified(ErrOverBudget, "%s's release of %s to %s needs ε=%g, δ=%g, but has spent ε=%g of %g and δ=%g of %g",
			r.Provider, r.Resource, r.Recipient, r.Epsilon, r.Delta, s.Epsilon, s.BudgetEpsilon, s.Delta, s.BudgetDelta)
	}
	s.Epsilon, s.Delta = eps, delta
	s.Releases++
	return s, nil
}

// Afford reports whether the account could now afford a release of
// (epsilon, delta) stating budget (budgetEpsilon, budgetDelta) — 0, 0 for
// none — and returns its standing after such a release. The error wraps
// ErrOverBudget.
func (s Spent) Afford(epsilon, delta, budgetEpsilon, budgetDelta float64) (Spent, error) {
	r := ReleaseRecord{Provider: s.Provider, Resource: s.Resource, Recipient: s.Recipient,
		Epsilon: epsilon, Delta: delta, BudgetEpsilon: budgetEpsilon, BudgetDelta: budgetDelta}
	return s.after(&r)
}

// Book sums a log's release records per account, in log order, as the
// operator does before appending and Verify does again.
type Book struct {
	m map[Account]Spent
}

// Charge adds r to its account, or refuses it (ErrOverBudget) and leaves
// the book as it was.
func (b *Book) Charge(r ReleaseRecord) error {
	a := r.Account()
	s, err := b.Spent(a).after(&r)
	if err != nil {
		return err
	}
	if b.m == nil {
		b.m = map[Account]Spent{}
	}
	if _, ok := b.m[a]; !ok {
		a = Account{strings.Clone(a.Provider), strings.Clone(a.Resource), strings.Clone(a.Recipient)}
		s.Account = a
	}
	b.m[a] = s
	return nil
}

// force adds r to its account without a budget check: what a log already
// holds stands.
func (b *Book) force(r ReleaseRecord) {
	a := r.Account()
	s := b.Spent(a)
	if !r.Unbudgeted() {
		if !s.Budgeted {
			s.BudgetEpsilon, s.BudgetDelta, s.Budgeted = r.BudgetEpsilon, r.BudgetDelta, true
		} else {
			s.BudgetEpsilon, s.BudgetDelta = min(s.BudgetEpsilon, r.BudgetEpsilon), min(s.BudgetDelta, r.BudgetDelta)
		}
	}
	s.Epsilon, s.Delta, s.Releases = s.Epsilon+r.Epsilon, s.Delta+r.Delta, s.Releases+1
	if b.m == nil {
		b.m = map[Account]Spent{}
	}
	b.m[a] = s
}

// clone returns a copy of b.
func (b *Book) clone() *Book {
	c := &Book{m: make(map[Account]Spent, len(b.m))}
	for k, v := range b.m {
		c.m[k] = v
	}
	return c
}

// Spent returns an account's standing (zero totals if it has no release).
func (b *Book) Spent(a Account) Spent {
	if s, ok := b.m[a]; ok {
		return s
	}
	return Spent{Account: a}
}

// Accounts lists every account's standing, sorted by provider, resource
// and recipient.
func (b *Book) Accounts() []Spent {
	out := make([]Spent, 0, len(b.m))
	for _, s := range b.m {
		out = append(out, s)
	}
	slices.SortFunc(out, func(x, y Spent) int {
		return cmp.Or(cmp.Compare(x.Provider, y.Provider), cmp.Compare(x.Resource, y.Resource), cmp.Compare(x.Recipient, y.Recipient))
	})
	return out
}

// Budgets sums the release records of entries, in order, per account
// ("govshare log show"). A release over its budget is an error wrapping
// ErrOverBudget, as in Verify; the book holds the records before it.
func Budgets(entries []Entry) (*Book, error) {
	var b Book
	for _, e := range entries {
		if r, ok := e.Record.(ReleaseRecord); ok {
			if err := b.Charge(r); err != nil {
				return &b, wrapNotVerified(nil, err, "govshare/audit: record %d", e.Index)
			}
		}
	}
	return &b, nil
}
