package govshare

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/govshare/govshare/audit"
	"github.com/govshare/govshare/catalog"
	"github.com/govshare/govshare/crypto/keys"
	"github.com/govshare/govshare/dp"
	"github.com/govshare/govshare/envelope"
	"github.com/govshare/govshare/internal/records"
	"github.com/govshare/govshare/policy"
)

// ErrWithheld is the refusal of a release that needs a field the policy
// withholds for the statistics purpose (a trade_secret field no grant
// names, a conditional field without a grant …). The error names the field
// and the rule; errors.Is finds it.
var ErrWithheld = errors.New("govshare: the policy withholds a field this release needs")

// ReleaseOptions are the settings of Release and ShareRelease. A release
// needs a budget of record: a Log (with a Budget, or the budget the log
// already holds for the account), a Ledger, or Unbudgeted to say that it
// has none. Nil options, like options with none, are refused
// (dp.ErrNoBudget): a release is never unbudgeted by accident.
type ReleaseOptions struct {
	// Log records the release — an audit.ReleaseRecord naming its
	// resource, recipient, ε, δ and mechanism (and for ShareRelease its
	// envelope), signed by the provider — and is its budget of record: the
	// release is charged to its (resource, recipient) account on the log,
	// and the append of its record is the charge, in one step with the
	// noise (see dp.Account). The log's operator refuses a record its
	// account cannot afford (audit.ErrOverBudget) and `log verify`
	// recomputes every account, so no local file — emptied, deleted or
	// edited — gives a fresh budget.
	Log audit.Appender
	// Provider is the provider's keyring, which signs an unsealed
	// Release's record on Log; ShareRelease signs with its from. Required
	// for Release with a Log.
	Provider *keys.Keyring
	// Budget is the budget of each (resource, recipient) account, stated
	// on Log with the release. An account's budget is the smallest one any
	// of its releases stated: the first fixes it, a larger one later does
	// not raise it. Without Budget (or a Ledger), a release on Log is
	// charged to the budget the log already holds for the account, and is
	// refused when it holds none. Needs a Log.
	Budget *Budget
	// Ledger, without a Log, charges the release to the (resource,
	// recipient) account of a local file, in one step with the release
	// (see dp.Run): one department's own budget, which whoever can write
	// the file can reset. With a Log, the budget of record is the log's and
	// the ledger is a cache: rewritten from the log after each release,
	// never read for the check; its budget is the one stated when Budget
	// is nil.
	Ledger *dp.Ledger
	// Unbudgeted states that the release is charged to no budget of record:
	// repeated releases add up without limit. Refused with a Ledger or a
	// Budget. On a Log the release is still recorded, with its ε and δ,
	// and must fit the budget its account may already have.
	Unbudgeted bool
	// Grants are the grants the request may rely on (a trade_secret or
	// conditional field feeds statistics only under a grant that names it).
	Grants []policy.Grant
	// Now is the time grants must be valid at; zero means time.Now().
	Now time.Time
	// NotBefore and NotAfter are ShareRelease's, as in ShareOptions: the
	// envelope's window (never past a grant the release relies on).
	NotBefore, NotAfter time.Time
}

// Budget is a privacy budget: the most ε and δ that all the releases of
// one (resource, recipient) account may spend together.
type Budget struct {
	Epsilon, Delta float64
}

func (b *Budget) validate() error {
	if b.Epsilon <= 0 || math.IsInf(b.Epsilon, 0) || math.IsNaN(b.Epsilon) {
		return errors.New("govshare: a budget's epsilon must be finite and > 0")
	}
	if b.Delta < 0 || b.Delta >= 1 || math.IsNaN(b.Delta) {
		return errors.New("govshare: a budget's delta must be in [0, 1)")
	}
	return nil
}

// ReleaseResult says what a release produced.
type ReleaseResult struct {
	// Report is the release: what the recipient receives (ShareRelease
	// seals exactly its JSON form).
	Report dp.Report
	// Excluded counts the rows left out of the aggregate and why. It is the
	// provider's alone: it is in neither the Report nor the envelope.
	Excluded dp.Excluded
	// Header is ShareRelease's sealed header.
	Header *envelope.Header
	// Receipt is the inclusion proof of the release's record on the log
	// (nil without a log).
	Receipt *audit.Receipt
}

// Release computes one differentially private statistic, q, over the
// records of src for recipient to (a department, or "public"), under the
// provider's catalog cat, and returns it unsealed. It is the statistics
// purpose's whole gate: the person, group and value columns must be fields
// the policy lets feed statistics for the request (dp or keep); the group
// column must be one whose values may leave as labels (type none, not
// sensitive, neither trade_secret nor national_security, and not — on the
// data — identifiers or free text); and the release must have a budget of
// record or say it has none. Then dp.Run aggregates and charges the budget
// in one step with the noise. Nothing is read or charged before every check
// that needs no data has passed.
func Release(ctx context.Context, src Input, to string, cat *catalog.Catalog, q dp.Options, opt *ReleaseOptions) (*ReleaseResult, error) {
	o, req, err := releaseRequest(to, cat, opt)
	if err != nil {
		return nil, err
	}
	var acct *logAccount
	if o.Log != nil {
		if o.Provider == nil || o.Provider.Dept() != cat.Provider {
			return nil, fmt.Errorf("govshare: a release on a log is signed by its provider: give %s's keyring (ReleaseOptions.Provider)", cat.Provider)
		}
		signer, err := recordSigner(o.Provider)
		if err != nil {
			return nil, wrapf(err, "the provider's record signing key")
		}
		acct = newLogAccount(ctx, o, signer, cat, to)
	}
	if _, err := gateRelease(req, &q); err != nil {
		return nil, err
	}
	res, err := runRelease(ctx, src, q, req, o, acct)
	if err != nil {
		return nil, err
	}
	if acct != nil {
		res.Receipt = acct.receipt
		return res, acct.rebuildCache(ctx)
	}
	return res, nil
}

// ShareRelease is Release sealed: it computes the statistic q as Release
// does — gate, aggregate, charge — for the department of to, seals the
// report (JSON) to to, signed with from, the provider's keyring, writes the
// envelope to dst and records the release in opt.Log, as Share does for
// records (an *Output dst is committed once the release is on record). The
// manifest lists the person, group and value fields as dp, and the
// envelope relies on the grants the policy's decisions rely on.
//
// With a log, the release record names the envelope, and its append is
// the charge: noise, sealing and record are one step, and nothing usable
// exists before it. A failure after that (delivering) leaves the spend on
// record — a withdrawal record follows — and the error says so; so does
// one after a Ledger was charged. Everything that can be checked before —
// keys, recipient, catalog, window, policy, options — is checked before
// anything is read or charged.
func ShareRelease(ctx context.Context, dst io.Writer, src Input, from *keys.Keyring, to *keys.PublicBundle, cat *catalog.Catalog, q dp.Options, opt *ReleaseOptions) (*ReleaseResult, error) {
	if to == nil {
		return nil, errors.New("govshare: a sealed release needs the recipient's public bundle")
	}
	o, req, err := releaseRequest(to.Dept(), cat, opt)
	if err != nil {
		return nil, err
	}
	s, err := newSharer(from, to, catalog.PurposeStatistics, cat, &ShareOptions{
		Grants: o.Grants, Now: req.Now, NotBefore: o.NotBefore, NotAfter: o.NotAfter, Log: o.Log,
	})
	if err != nil {
		return nil, err
	}
	var acct *logAccount
	if o.Log != nil {
		acct = newLogAccount(ctx, o, s.signer, cat, to.Dept())
	}
	grants, err := gateRelease(req, &q)
	if err != nil {
		return nil, err
	}
	seal := envelope.SealOptions{
		Purpose: catalog.PurposeStatistics, Resource: cat.Resource, Now: req.Now,
		ContentType: "application/json", Grant: strings.Join(grants, "+"),
	}
	for _, name := range []string{q.Person, q.GroupBy, q.Column} {
		if name == "" {
			continue
		}
		f, _ := cat.Field(name) // gateRelease found it
		seal.Fields = append(seal.Fields, envelope.Field{
			Name: f.Name, Type: f.Type, Category: f.Category, Level: f.Level, Transform: catalog.TransformDP,
		})
	}
	if err := s.window(&seal, grants); err != nil {
		return nil, err
	}

	sealReport := func(rep *dp.Report) (*heldEnvelope, error) {
		payload, err := reportJSON(*rep)
		if err != nil {
			return nil, err
		}
		so := seal
		so.RecordCount = uint64(len(rep.Results))
		so.PayloadLength = uint64(len(payload))
		return s.sealHeld(dst, bytes.NewReader(payload), so)
	}
	if acct != nil {
		acct.seal = sealReport
	}
	res, err := runRelease(ctx, src, q, req, o, acct)
	if err != nil {
		return nil, err
	}
	// From here on a failure returns no report: what was not delivered on
	// record must not be usable.
	env := (*heldEnvelope)(nil)
	if acct != nil {
		env = acct.env // sealed and on record
	} else if env, err = sealReport(&res.Report); err != nil {
		return nil, charged(res.Report, err)
	}
	defer env.close()
	if err := s.handOver(ctx, env); err != nil {
		return nil, charged(res.Report, err)
	}
	res.Header = env.h
	if acct != nil {
		res.Receipt = acct.receipt
		return res, acct.rebuildCache(ctx)
	}
	return res, nil
}

// reportJSON is a report as a release carries it: indented JSON, HTML
// characters unescaped, one trailing newline (as `govshare stats` prints).
func reportJSON(rep dp.Report) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(rep); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// charged says that a release that failed after it was computed was
// charged: the spend stays on record, as the budget's privacy may be spent.
func charged(rep dp.Report, err error) error {
	if rep.Budget == nil {
		return err
	}
	return fmt.Errorf("%w (the release was computed and charged: ε=%g, δ=%g stay spent in %s)", err, rep.Epsilon, rep.Delta, rep.Budget.Ledger)
}

// logAccount is a release's (resource, recipient) account on a log: a
// dp.Account whose spends are the log's release records, so that the
// append of the release record is the charge.
type logAccount struct {
	ctx        context.Context
	app        audit.Appender
	signer     audit.RecordSigner
	acct       audit.Account
	unbudgeted bool
	budget     *Budget    // stated with the release; nil: the ledger's, else the log's
	ledger     *dp.Ledger // a cache, rebuilt from the log
	// seal, for ShareRelease, seals the completed report; the envelope is
	// held until its record is on the log.
	seal func(rep *dp.Report) (*heldEnvelope, error)

	env     *heldEnvelope // what seal made, on record
	receipt *audit.Receipt
	book    *audit.Book // the log's accounts after the release
}

func newLogAccount(ctx context.Context, o ReleaseOptions, signer audit.RecordSigner, cat *catalog.Catalog, to string) *logAccount {
	a := &logAccount{ctx: ctx, app: o.Log, signer: signer, acct: audit.Account{Provider: cat.Provider, Resource: cat.Resource, Recipient: to},
		unbudgeted: o.Unbudgeted, budget: o.Budget, ledger: o.Ledger}
	if a.budget == nil && o.Ledger != nil {
		e, d := o.Ledger.Budget()
		a.budget = &Budget{e, d}
	}
	return a
}

// accountLocks serializes this process's charges of one account, so that
// two releases do not both pass the check and leave one to be refused by
// the log's operator (which would still keep the budget).
var accountLocks sync.Map // string → *sync.Mutex

func (a *logAccount) lock() func() {
	key := a.app.Origin() + "\x00" + a.acct.Provider + "\x00" + a.acct.Resource + "\x00" + a.acct.Recipient
	m, _ := accountLocks.LoadOrStore(key, &sync.Mutex{})
	mu := m.(*sync.Mutex)
	mu.Lock()
	return mu.Unlock
}

// standing reads the account on the log and the budget the release
// states: zero for an unbudgeted release, else Budget, else the log's.
func (a *logAccount) standing() (*audit.Book, audit.Spent, float64, float64, error) {
	br, ok := a.app.(audit.BudgetReader)
	if !ok {
		return nil, audit.Spent{}, 0, 0, errors.New("govshare: the log cannot tell its budgets (its Appender is no audit.BudgetReader)")
	}
	book, err := br.Budgets(a.ctx)
	if err != nil {
		return nil, audit.Spent{}, 0, 0, wrapf(err, "reading the budget of record")
	}
	sp := book.Spent(a.acct)
	switch {
	case a.unbudgeted:
		return book, sp, 0, 0, nil
	case a.budget != nil:
		return book, sp, a.budget.Epsilon, a.budget.Delta, nil
	case sp.Budgeted:
		return book, sp, sp.BudgetEpsilon, sp.BudgetDelta, nil
	}
	return nil, sp, 0, 0, fmt.Errorf("%w: the log holds no budget for (%s, %s): state one", dp.ErrNoBudget, a.acct.Resource, a.acct.Recipient)
}

// Afford implements dp.Account.
func (a *logAccount) Afford(epsilon, delta float64) error {
	_, sp, be, bd, err := a.standing()
	if err != nil {
		return err
	}
	if _, err := sp.Afford(epsilon, delta, be, bd); err != nil {
		return overBudget(err)
	}
	return nil
}

// Charge implements dp.Account: the check on the log's spends, the noise,
// the sealing (ShareRelease) and the append of the release record, under
// the account's lock; the operator checks the budget again as it appends.
func (a *logAccount) Charge(rep *dp.Report, release func() error) error {
	defer a.lock()()
	book, sp, be, bd, err := a.standing()
	if err != nil {
		return err
	}
	after, err := sp.Afford(rep.Epsilon, rep.Delta, be, bd)
	if err != nil {
		return overBudget(err)
	}
	if err := release(); err != nil {
		return err
	}
	if after.Budgeted {
		rep.Budget = &dp.BudgetStatus{Ledger: "log " + a.app.Origin(), SpentEpsilon: after.Epsilon, SpentDelta: after.Delta,
			BudgetEpsilon: after.BudgetEpsilon, BudgetDelta: after.BudgetDelta}
	}
	rec := audit.ReleaseRecord{
		Provider: a.acct.Provider, Recipient: a.acct.Recipient, Resource: a.acct.Resource, Mechanism: mechanism(rep),
		Epsilon: rep.Epsilon, Delta: rep.Delta, BudgetEpsilon: be, BudgetDelta: bd,
	}
	if a.seal != nil {
		env, err := a.seal(rep)
		if err != nil {
			return err // nothing on record: the results are dropped
		}
		hh, err := env.h.Hash()
		if err != nil {
			env.close()
			return err
		}
		rec.EnvelopeID, rec.HeaderHash = env.h.ID.String(), hh
		a.env = env
	} else {
		var id [8]byte
		_, _ = rand.Read(id[:])
		rec.ReleaseID = "rel-" + hex.EncodeToString(id[:])
	}
	rec.Time = time.Now()
	rc, err := audit.SignAndAppend(a.ctx, a.app, a.signer, rec)
	if err != nil {
		a.env.close()
		a.env = nil
		if errors.Is(err, audit.ErrOverBudget) {
			return overBudget(err)
		}
		return wrapf(err, "release computed but not on record, so withheld (if the log took its record after all, it stays charged)")
	}
	a.receipt = &rc
	if err := book.Charge(rec); err != nil {
		book = nil // the log took it; the cache is rebuilt from a fresh read
	}
	a.book = book
	return nil
}

// rebuildCache rewrites the ledger cache, if any, from the log's accounts
// of the provider.
func (a *logAccount) rebuildCache(ctx context.Context) error {
	if a.ledger == nil {
		return nil
	}
	book := a.book
	if book == nil {
		br, ok := a.app.(audit.BudgetReader)
		if !ok {
			return nil
		}
		var err error
		if book, err = br.Budgets(ctx); err != nil {
			return wrapf(err, "released and on record, but the ledger cache %s was not rebuilt", a.ledger.Path())
		}
	}
	var spends []dp.Spend
	for _, sp := range book.Accounts() {
		if sp.Provider == a.acct.Provider {
			spends = append(spends, dp.Spend{Resource: sp.Resource, Recipient: sp.Recipient, Epsilon: sp.Epsilon, Delta: sp.Delta})
		}
	}
	if err := a.ledger.Rebuild(spends); err != nil {
		return wrapf(err, "released and on record, but the ledger cache %s was not rebuilt", a.ledger.Path())
	}
	return nil
}

// mechanism names a release's statistic and noise for its record, e.g.
// "count/laplace+dpagg.PreAggSelectPartition".
func mechanism(rep *dp.Report) string {
	m := string(rep.Kind) + "/" + rep.Split.Aggregation.Mechanism
	if sel := rep.Split.Selection; sel != nil {
		m += "+" + sel.Mechanism
	}
	return m
}

// budgetError is a release its account on the log cannot afford: it is
// dp.ErrBudgetExhausted and audit.ErrOverBudget.
type budgetError struct {
	msg string
	err error
}

func (e *budgetError) Error() string   { return e.msg }
func (e *budgetError) Unwrap() []error { return []error{dp.ErrBudgetExhausted, e.err} }

func overBudget(err error) error {
	return &budgetError{msg: "govshare: privacy budget exhausted on the log: " + bare(err), err: err}
}

// releaseRequest checks the catalog and the budget and builds the
// statistics request for recipient to.
func releaseRequest(to string, cat *catalog.Catalog, opt *ReleaseOptions) (ReleaseOptions, policy.Request, error) {
	var o ReleaseOptions
	if opt != nil {
		o = *opt
	}
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	req := policy.Request{Catalog: cat, Purpose: catalog.PurposeStatistics, Recipient: to, Grants: o.Grants, Now: o.Now}
	if cat == nil {
		return o, req, policy.ErrNoCatalog
	}
	switch {
	case o.Unbudgeted && (o.Ledger != nil || o.Budget != nil):
		return o, req, errors.New("govshare: a release with a ledger or a budget is not unbudgeted: give one or the other")
	case o.Log == nil && o.Budget != nil:
		return o, req, errors.New("govshare: a budget is kept on a log (ReleaseOptions.Log): give one, or a ledger")
	case o.Log == nil && o.Ledger == nil && !o.Unbudgeted:
		return o, req, dp.ErrNoBudget
	}
	if o.Budget != nil {
		if err := o.Budget.validate(); err != nil {
			return o, req, err
		}
	}
	return o, req, nil
}

// gateRelease is the statistics purpose's policy for a release, applied to
// q's columns: each of person, group and value must be a catalogued field
// the policy lets feed statistics (dp or keep) for the request. A group
// column's values leave in clear as labels, so it must moreover be of type
// none, not sensitive, and neither trade_secret nor national_security; a
// value column of an identifier type is no statistic. It sets q.PersonType
// from the catalog and returns the grants the decisions rely on, sorted.
func gateRelease(req policy.Request, q *dp.Options) ([]string, error) {
	if q.Person == "" {
		return nil, errors.New("govshare: a release needs its person column")
	}
	var grants []string
	roles := []struct{ role, name string }{{"person", q.Person}, {"group", q.GroupBy}, {"value", q.Column}}
	for _, c := range roles {
		if c.name == "" {
			continue
		}
		d, err := policy.Decide(req, c.name)
		if err != nil {
			return nil, err
		}
		if d.Transform != catalog.TransformDP && d.Transform != catalog.TransformKeep {
			return nil, fmt.Errorf("%w: %s column %q may not feed statistics for %s: %s", ErrWithheld, c.role, c.name, req.Recipient, d.Reason)
		}
		if d.Grant != "" && !slices.Contains(grants, d.Grant) {
			grants = append(grants, d.Grant)
		}
	}
	cat := req.Catalog
	if q.GroupBy != "" {
		f, _ := cat.Field(q.GroupBy)
		why := ""
		switch {
		case f.Type != catalog.TypeNone:
			why = fmt.Sprintf("it holds %s values, an identifier type", f.Type)
		case f.Sensitive:
			why = "it is sensitive personal information"
		case f.Category == catalog.CategoryTradeSecret || f.Category == catalog.CategoryNationalSecurity:
			why = fmt.Sprintf("it is %s", f.Category)
		}
		if why != "" {
			return nil, fmt.Errorf("%w: %q: group values leave in clear as labels and %s", dp.ErrGroupColumn, q.GroupBy, why)
		}
	}
	if q.Column != "" {
		if f, _ := cat.Field(q.Column); f.Type != catalog.TypeNone {
			return nil, fmt.Errorf("govshare: field %q holds %s values: only a count may be made of identifiers", q.Column, f.Type)
		}
	}
	pf, _ := cat.Field(q.Person)
	q.PersonType = pf.Type // one person written several ways is one person
	if err := q.Validate(); err != nil {
		return nil, err
	}
	slices.Sort(grants)
	return grants, nil
}

// runRelease reads in and runs the aggregation with the request's budget:
// the account on the log when there is one, else the ledger.
func runRelease(ctx context.Context, in Input, q dp.Options, req policy.Request, opt ReleaseOptions, acct *logAccount) (*ReleaseResult, error) {
	b := dp.Budget{Resource: req.Catalog.Resource, Recipient: req.Recipient, Unbudgeted: opt.Unbudgeted}
	if acct != nil {
		b.Account = acct
	} else {
		b.Ledger = opt.Ledger
	}
	name := in.Name
	if name == "" {
		name = "<input>"
	}
	format := records.FormatCSV
	if in.JSONL {
		format = records.FormatJSONL
	}
	r, err := records.NewReader(in.Reader, name, format, in.Encoding)
	if err != nil {
		return nil, err
	}
	var readErr error // the reader's own errors name the file and line
	rows := iter.Seq2[[]string, error](func(yield func([]string, error) bool) {
		for n := 0; ; n++ {
			if n%4096 == 0 {
				if err := ctx.Err(); err != nil {
					yield(nil, err)
					return
				}
			}
			row, err := r.Next()
			if err == io.EOF {
				return
			}
			if err != nil {
				readErr = err
			}
			if !yield(row, err) || err != nil {
				return
			}
		}
	})
	rep, x, err := dp.Run(q, rows, r.Header(), b)
	if err != nil {
		if readErr != nil && errors.Is(err, readErr) {
			return nil, readErr
		}
		return nil, wrapf(err, "%s", name)
	}
	return &ReleaseResult{Report: rep, Excluded: x}, nil
}
