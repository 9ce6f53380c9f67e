package govshare

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"slices"
	"strings"
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
// needs a budget of record: a Ledger, or Unbudgeted to say that it has
// none. Nil options, like options with neither, are refused
// (dp.ErrNoBudget): a release is never unbudgeted by accident.
type ReleaseOptions struct {
	// Ledger charges the release to the (resource, recipient) account, in
	// one step with the release (see dp.Run).
	Ledger *dp.Ledger
	// Unbudgeted states that the release is charged to no budget of record:
	// repeated releases add up without limit. Refused with a Ledger.
	Unbudgeted bool
	// Grants are the grants the request may rely on (a trade_secret or
	// conditional field feeds statistics only under a grant that names it).
	Grants []policy.Grant
	// Now is the time grants must be valid at; zero means time.Now().
	Now time.Time
	// NotBefore, NotAfter and Log are ShareRelease's, as in ShareOptions:
	// the envelope's window (never past a grant the release relies on) and
	// the log that records the release.
	NotBefore, NotAfter time.Time
	Log                 *audit.Log
}

// ReleaseResult says what a release produced.
type ReleaseResult struct {
	// Report is the release: what the recipient receives (ShareRelease
	// seals exactly its JSON form).
	Report dp.Report
	// Excluded counts the rows left out of the aggregate and why. It is the
	// provider's alone: it is in neither the Report nor the envelope.
	Excluded dp.Excluded
	// Header and Receipt are ShareRelease's: the sealed header, and the
	// inclusion proof of the release's record (nil without a log).
	Header  *envelope.Header
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
	if _, err := gateRelease(req, &q); err != nil {
		return nil, err
	}
	return runRelease(ctx, src, q, req, o)
}

// ShareRelease is Release sealed: it computes the statistic q as Release
// does — gate, aggregate, charge — for the department of to, then seals the
// report (JSON) to to, signed with from, the provider's keyring, writes the
// envelope to dst and records the release in opt.Log, as Share does for
// records (an *Output dst is committed once the release is on record). The
// manifest lists the person, group and value fields as dp, and the
// envelope relies on the grants the policy's decisions rely on.
//
// The budget is charged when the report is computed, before it is sealed:
// a failure after that (sealing, logging, delivering) leaves the spend
// recorded in the ledger, and the error says so. Everything that can be
// checked before — keys, recipient, catalog, window, policy, options — is
// checked before anything is read or charged.
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

	res, err := runRelease(ctx, src, q, req, o)
	if err != nil {
		return nil, err
	}
	// From here on a failure returns no report: what was not delivered on
	// record must not be usable.
	payload, err := reportJSON(res.Report)
	if err != nil {
		return nil, charged(res.Report, err)
	}
	seal.RecordCount = uint64(len(res.Report.Results))
	seal.PayloadLength = uint64(len(payload))
	h, receipt, err := s.sealAndLog(ctx, dst, bytes.NewReader(payload), seal)
	if err != nil {
		return nil, charged(res.Report, err)
	}
	res.Header, res.Receipt = h, receipt
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
	if o.Ledger == nil && !o.Unbudgeted {
		return o, req, dp.ErrNoBudget
	}
	if o.Ledger != nil && o.Unbudgeted {
		return o, req, errors.New("govshare: a release with a ledger is not unbudgeted: give one or the other")
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

// runRelease reads in and runs the aggregation with the request's budget.
func runRelease(ctx context.Context, in Input, q dp.Options, req policy.Request, opt ReleaseOptions) (*ReleaseResult, error) {
	b := dp.Budget{Ledger: opt.Ledger, Resource: req.Catalog.Resource, Recipient: req.Recipient, Unbudgeted: opt.Unbudgeted}
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
