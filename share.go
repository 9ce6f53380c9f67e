package govshare

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/govshare/govshare/audit"
	"github.com/govshare/govshare/crypto/keys"
	"github.com/govshare/govshare/envelope"
	"github.com/govshare/govshare/policy"
)

// ErrNothingToShare is the refusal of Mask and Share when the policy lets no
// field of the input leave for the request.
var ErrNothingToShare = errors.New("govshare: no field may leave for this request: nothing to share")

// DefaultValidity is how long a share may be opened when no window is given.
// A grant's own end date shortens it.
const DefaultValidity = 30 * 24 * time.Hour

// ShareOptions configure Share.
type ShareOptions struct {
	// Options are Mask's: Request (its Recipient must be To's department),
	// Keys (the provider's keyring, required: it signs), Workers, Rejects,
	// Progress.
	Options
	// To is the recipient department's public bundle. Required.
	To *keys.PublicBundle
	// NotBefore defaults to Request.Now. NotAfter defaults to
	// DefaultValidity after it, and may not outlive a grant the share relies
	// on: a share under a grant that ends sooner ends with the grant.
	NotBefore, NotAfter time.Time
	// Log, when set, receives a share record (or a refuse record when the
	// policy refuses the request) and Share returns the record's receipt.
	Log *audit.Log
	// Commit, when set, is called once the envelope is completely written to
	// out and before the share is logged, for example to rename a temporary
	// file into place. When it fails nothing is logged: there is no envelope.
	Commit func() error
	// Withdraw, when set, is called when the share cannot be logged after
	// Commit, to take the envelope back (remove the file): an envelope that
	// is not on record must not go out.
	Withdraw func() error
	// TempDir holds the desensitized payload between masking and sealing
	// (the header states its length before the payload); "" means
	// os.TempDir(). The file is 0600 and removed before Share returns.
	TempDir string
}

// ShareResult says what Share sent.
type ShareResult struct {
	Report                   // the masking run: rows, columns and decisions, withheld fields
	Header  *envelope.Header // the sealed header
	Receipt *audit.Receipt   // inclusion proof of the share record; nil without a log
}

// Share is the provider's whole act of sharing (DESIGN.md §1): it applies
// the policy to every record of in (as Mask), seals the result to one
// recipient for the request's purpose with the provider's signature, writes
// the envelope to out, and records the share in the log. Nothing is written
// to out unless the whole input was desensitized; a policy refusal of the
// request is itself logged.
func Share(ctx context.Context, in Input, out io.Writer, opt ShareOptions) (ShareResult, error) {
	if err := opt.check(); err != nil {
		return ShareResult{}, err
	}

	tmp, err := os.CreateTemp(opt.TempDir, "govshare-share-*")
	if err != nil {
		return ShareResult{}, err
	}
	defer func() {
		tmp.Close()
		os.Remove(tmp.Name())
	}()
	rep, err := Mask(ctx, in, tmp, opt.Options)
	if err != nil {
		return ShareResult{Report: rep}, opt.logRefusal(ctx, err)
	}
	size, err := tmp.Seek(0, io.SeekCurrent)
	if err != nil {
		return ShareResult{Report: rep}, err
	}
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		return ShareResult{Report: rep}, err
	}

	so, err := opt.sealOptions(rep, in, uint64(size))
	if err != nil {
		return ShareResult{Report: rep}, err
	}
	h, receipt, err := opt.sealAndLog(ctx, out, tmp, so)
	if err != nil {
		return ShareResult{Report: rep}, err
	}
	return ShareResult{Report: rep, Header: h, Receipt: receipt}, nil
}

// sealAndLog seals payload under so, puts the envelope in place (Commit)
// and records the share, withdrawing the envelope if it cannot be recorded.
func (opt *ShareOptions) sealAndLog(ctx context.Context, out io.Writer, payload io.Reader, so envelope.SealOptions) (*envelope.Header, *audit.Receipt, error) {
	h, err := envelope.Seal(out, payload, so, opt.Keys, opt.To)
	if err != nil {
		return nil, nil, err
	}
	if opt.Commit != nil {
		if err := opt.Commit(); err != nil {
			return nil, nil, err
		}
	}
	if opt.Log == nil {
		return h, nil, nil
	}
	hh, err := h.Hash()
	if err != nil {
		return nil, nil, err
	}
	rec := audit.ShareRecord{
		EnvelopeID: h.ID.String(), HeaderHash: hh, Provider: h.Provider, Recipient: h.Recipient,
		Purpose: h.Purpose, GrantID: h.Grant, Resource: h.Resource, Time: h.IssuedAt,
	}
	idx, err := opt.Log.Append(ctx, rec)
	if err != nil {
		return nil, nil, withhold(opt.Withdraw, "envelope sealed", err)
	}
	r, err := opt.Log.Receipt(idx)
	if err != nil {
		return h, nil, err
	}
	return h, &r, nil
}

// check fills the request's defaults and checks that keys, recipient and
// catalog belong together.
func (opt *ShareOptions) check() error {
	req := &opt.Request
	if req.Now.IsZero() {
		req.Now = time.Now()
	}
	if opt.Keys == nil || opt.To == nil {
		return errors.New("govshare: share needs the provider's keys and the recipient's public bundle")
	}
	if req.Catalog == nil {
		return policy.ErrNoCatalog
	}
	if req.Recipient == "" {
		req.Recipient = opt.To.Dept()
	}
	if opt.To.Dept() == opt.Keys.Dept() {
		return fmt.Errorf("govshare: %q cannot share with itself", opt.To.Dept())
	}
	if req.Recipient != opt.To.Dept() {
		return fmt.Errorf("govshare: request is for %q but the public bundle is %q's", req.Recipient, opt.To.Dept())
	}
	if opt.Keys.Dept() != req.Catalog.Provider {
		return fmt.Errorf("govshare: the catalog's provider is %q but the keys are %q's", req.Catalog.Provider, opt.Keys.Dept())
	}
	return nil
}

// sealOptions builds the envelope's binding from the masking run: the
// manifest in payload column order, the grants relied on, and the window.
func (opt *ShareOptions) sealOptions(rep Report, in Input, size uint64) (envelope.SealOptions, error) {
	req := opt.Request
	so := envelope.SealOptions{
		Purpose: req.Purpose, Resource: req.Catalog.Resource, RecordCount: uint64(rep.Rows),
		PayloadLength: size, Now: req.Now, ContentType: "text/csv",
	}
	if in.JSONL {
		so.ContentType = "application/x-ndjson"
	}
	var grants []string
	for _, c := range rep.Columns {
		f, ok := req.Catalog.Field(c.Name)
		if !ok {
			return so, fmt.Errorf("govshare: column %q is not in the catalog", c.Name)
		}
		so.Fields = append(so.Fields, envelope.Field{
			Name: c.Name, Type: c.Type, Category: f.Category, Level: f.Level, Transform: c.Transform, KeyID: c.KeyID,
		})
		if c.Grant != "" && !slices.Contains(grants, c.Grant) {
			grants = append(grants, c.Grant)
		}
	}
	slices.Sort(grants)
	so.Grant = strings.Join(grants, "+")

	return so, opt.window(&so, grants)
}

// window sets so's window: from NotBefore (default: now) to NotAfter
// (default: DefaultValidity later), never past the end of a grant relied on.
func (opt *ShareOptions) window(so *envelope.SealOptions, grants []string) error {
	req := opt.Request
	so.NotBefore = opt.NotBefore
	if so.NotBefore.IsZero() {
		so.NotBefore = req.Now
	}
	limit := time.Time{} // the earliest end of a grant relied on
	for _, id := range grants {
		for i := range req.Grants {
			if g := &req.Grants[i]; g.ID == id {
				// Header times are whole seconds: the last one the grant covers.
				end := g.End().Add(-time.Second)
				if limit.IsZero() || end.Before(limit) {
					limit = end
				}
			}
		}
	}
	so.NotAfter = opt.NotAfter
	switch {
	case so.NotAfter.IsZero():
		so.NotAfter = so.NotBefore.Add(DefaultValidity)
		if !limit.IsZero() && limit.Before(so.NotAfter) {
			so.NotAfter = limit
		}
	case !limit.IsZero() && so.NotAfter.After(limit):
		return fmt.Errorf("govshare: --not-after %s outlives grant %s, which ends %s",
			so.NotAfter.Format(time.RFC3339), so.Grant, limit.Format(time.RFC3339))
	}
	if !so.NotAfter.After(so.NotBefore) {
		return fmt.Errorf("govshare: the share's window ends (%s) before it begins (%s)",
			so.NotAfter.Format(time.RFC3339), so.NotBefore.Format(time.RFC3339))
	}
	return nil
}

// logRefusal records that the provider's policy refused the request, when a
// log is configured, and returns err (joined with a logging failure).
func (opt *ShareOptions) logRefusal(ctx context.Context, err error) error {
	code := refusalCode(err)
	if opt.Log == nil || code == "" {
		return err
	}
	var id [8]byte
	_, _ = rand.Read(id[:])
	rec := audit.RefuseRecord{
		RequestID: "req-" + hex.EncodeToString(id[:]), By: opt.Request.Catalog.Provider,
		Code: code, Time: opt.Request.Now,
	}
	if _, lerr := opt.Log.Append(ctx, rec); lerr != nil {
		return errors.Join(err, fmt.Errorf("govshare: refusal not logged: %w", lerr))
	}
	return fmt.Errorf("%w (refusal logged as %s)", err, rec.RequestID)
}

// refusalCode names a policy refusal of the whole request; "" for errors
// that are not the policy's answer (bad input, I/O), which are not logged.
func refusalCode(err error) string {
	switch {
	case errors.Is(err, policy.ErrUnknownPurpose):
		return audit.ReasonPurpose
	case errors.Is(err, policy.ErrNoLegalBasis):
		return audit.ReasonNotShared
	case errors.Is(err, policy.ErrUnknownField):
		return "unknown_field"
	case errors.Is(err, policy.ErrOverride), errors.Is(err, policy.ErrInvalidCatalog):
		return "invalid_catalog"
	case errors.Is(err, ErrNothingToShare):
		return "nothing_leaves"
	}
	return ""
}

// OpenOptions configure Open.
type OpenOptions struct {
	envelope.OpenOptions
	// Log, when set, receives an open record with the outcome, whether the
	// envelope opened or not.
	Log *audit.Log
	// Commit, when set, is called after the plaintext is completely written
	// and before the open is logged, for example to rename a temporary file
	// into place. When it fails the open is logged as failed.
	Commit func() error
	// Withdraw, when set, is called when an open that succeeded cannot be
	// logged, to take the plaintext back (remove the file). Plaintext
	// written to a stream cannot be taken back: give a file.
	Withdraw func() error
}

// Open is the recipient's act: it verifies and opens the envelope in r
// (envelope.Open: nothing is written to w before the whole envelope
// authenticates) and records the attempt and its outcome in the log.
func Open(ctx context.Context, w io.Writer, r io.ReaderAt, size int64, opt OpenOptions) (*envelope.Header, error) {
	h, err := envelope.Open(w, r, size, opt.OpenOptions)
	if err == nil && opt.Commit != nil {
		err = opt.Commit()
	}
	// Without a declared purpose there was no attempt to record: envelope.Open
	// refused before looking at anything.
	if opt.Log == nil || opt.Keys == nil || !opt.Purpose.Valid() {
		return h, err
	}
	// The record keeps the real time of the attempt; opt.Now is the caller's
	// clock for the window and may be set to anything.
	rec := audit.OpenRecord{Opener: opt.Keys.Dept(), Purpose: opt.Purpose, Outcome: openOutcome(err), Time: time.Now()}
	if h != nil {
		rec.EnvelopeID = h.ID.String()
	} else if ih, ierr := envelope.Inspect(io.NewSectionReader(r, 0, size)); ierr == nil {
		rec.EnvelopeID = ih.ID.String()
	} else {
		// No readable header: name the bytes that were presented instead.
		d := sha256.New()
		if _, herr := io.Copy(d, io.NewSectionReader(r, 0, size)); herr != nil {
			return h, errors.Join(err, herr)
		}
		rec.EnvelopeID = "sha256:" + hex.EncodeToString(d.Sum(nil))
	}
	if _, lerr := opt.Log.Append(ctx, rec); lerr != nil {
		if err == nil {
			return h, withhold(opt.Withdraw, "envelope opened", lerr)
		}
		return h, errors.Join(err, fmt.Errorf("govshare: refusal not logged: %w", lerr))
	}
	return h, err
}

// withhold takes back an output whose act could not be logged (withdraw may
// be nil) and says so: what is not on record must not go out.
func withhold(withdraw func() error, act string, logErr error) error {
	err := fmt.Errorf("govshare: %s but not logged, so withheld: %w", act, logErr)
	if withdraw != nil {
		if werr := withdraw(); werr != nil {
			err = errors.Join(err, fmt.Errorf("govshare: and the output could not be withdrawn: %w", werr))
		}
	}
	return err
}

// openOutcome is the log's code for an Open result.
func openOutcome(err error) string {
	switch {
	case err == nil:
		return audit.OutcomeOpened
	case errors.Is(err, envelope.ErrWrongPurpose):
		return audit.OutcomeWrongPurpose
	case errors.Is(err, envelope.ErrWrongRecipient):
		return audit.OutcomeWrongRecipient
	case errors.Is(err, envelope.ErrExpired):
		return audit.OutcomeExpired
	case errors.Is(err, envelope.ErrNotYetValid):
		return "not_yet_valid"
	case errors.Is(err, envelope.ErrUntrustedProvider):
		return audit.OutcomeUntrustedProvider
	case errors.Is(err, envelope.ErrUnknownSuite):
		return "unknown_suite"
	case errors.Is(err, envelope.ErrKeyNotValid):
		return "key_not_valid"
	case errors.Is(err, envelope.ErrAuth), errors.Is(err, envelope.ErrMalformed):
		return audit.OutcomeTampered
	}
	return "failed"
}
