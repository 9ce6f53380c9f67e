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
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/govshare/govshare/audit"
	"github.com/govshare/govshare/catalog"
	"github.com/govshare/govshare/crypto/keys"
	"github.com/govshare/govshare/envelope"
	"github.com/govshare/govshare/policy"
)

// ErrNothingToShare is the refusal of Apply and Share when the policy lets
// no field of the input leave for the request.
var ErrNothingToShare = errors.New("govshare: no field may leave for this request: nothing to share")

// ErrOutlivesGrant is Share's refusal of a window that ends after a grant
// the share relies on.
var ErrOutlivesGrant = errors.New("govshare: the share would outlive its grant")

// DefaultValidity is how long a share may be opened when no window is given.
// A grant's own end date shortens it.
const DefaultValidity = 30 * 24 * time.Hour

// outcomeWithdrawn is the log code of an act that was recorded but whose
// output could not be delivered (a share's refuse record, an open's
// outcome): the record before it does not stand alone.
const outcomeWithdrawn = "withdrawn"

// ShareOptions are the optional settings of Share; nil means the defaults.
type ShareOptions struct {
	// Grants are the conditional-sharing grants the share may rely on.
	Grants []policy.Grant
	// Now is the issue time, at which grants must be valid; zero means
	// time.Now().
	Now time.Time
	// NotBefore defaults to Now. NotAfter defaults to DefaultValidity after
	// it, and may not outlive a grant the share relies on
	// (ErrOutlivesGrant): by default a share under a grant that ends sooner
	// ends with the grant.
	NotBefore, NotAfter time.Time
	// Log, when set, receives a share record (or a refuse record when the
	// policy refuses the request) and Share returns the record's receipt.
	Log *audit.Log
	// Workers, Rejects and Progress are Apply's (see Options).
	Workers  int
	Rejects  io.Writer
	Progress func(rows int64)
}

// ShareResult says what Share sent.
type ShareResult struct {
	Report                   // the desensitizing run: rows, columns and decisions, withheld fields
	Header  *envelope.Header // the sealed header
	Receipt *audit.Receipt   // inclusion proof of the share record; nil without a log
}

// Share is the provider's whole act of sharing: it applies the provider's
// policy (catalog cat, the recipient to's department, purpose) to every
// record of src as Apply does, seals the result to the recipient for that
// purpose with the signature of from, the provider's keyring, writes the
// envelope to dst, and records the share in opt.Log. A policy refusal of the
// request is itself logged. opt may be nil.
//
// Nothing usable exists before the share is on record: the desensitized
// payload waits on disk only encrypted under a key held in memory; when dst
// is an *Output (see CreateOutput) it is committed once the share is
// recorded, and any other dst receives the envelope only then. If the
// envelope cannot be delivered after it was recorded, Share records its
// withdrawal.
func Share(ctx context.Context, dst io.Writer, src Input, from *keys.Keyring, to *keys.PublicBundle, purpose catalog.Purpose, cat *catalog.Catalog, opt *ShareOptions) (*ShareResult, error) {
	s, err := newSharer(from, to, purpose, cat, opt)
	if err != nil {
		return nil, err
	}
	payload, err := newSpill(spillDir(dst))
	if err != nil {
		return nil, err
	}
	defer payload.Close()
	cfg := newRunConfig(from, to.Dept(), purpose, cat, &Options{
		Grants: s.req.Grants, Now: s.req.Now, Workers: s.opt.Workers, Rejects: s.opt.Rejects, Progress: s.opt.Progress,
	})
	rep, err := run(ctx, payload, src, cfg)
	if err != nil {
		return nil, s.logRefusal(ctx, err)
	}
	so, err := s.sealOptions(rep, src, uint64(payload.Size()))
	if err != nil {
		return nil, err
	}
	r, err := payload.reader()
	if err != nil {
		return nil, err
	}
	h, receipt, err := s.sealAndLog(ctx, dst, r, so)
	if err != nil {
		return nil, err
	}
	return &ShareResult{Report: *rep, Header: h, Receipt: receipt}, nil
}

// spillDir is where what dst waits for is held: beside an *Output, else in
// the temporary directory.
func spillDir(dst io.Writer) string {
	if o, ok := dst.(*Output); ok {
		return filepath.Dir(o.path)
	}
	return os.TempDir()
}

// sharer is one share's parties and request, checked.
type sharer struct {
	from *keys.Keyring
	to   *keys.PublicBundle
	req  policy.Request
	opt  ShareOptions
}

// newSharer checks that keys, recipient and catalog belong together and
// fills the defaults.
func newSharer(from *keys.Keyring, to *keys.PublicBundle, purpose catalog.Purpose, cat *catalog.Catalog, opt *ShareOptions) (*sharer, error) {
	s := &sharer{from: from, to: to}
	if opt != nil {
		s.opt = *opt
	}
	if s.opt.Now.IsZero() {
		s.opt.Now = time.Now()
	}
	if from == nil || to == nil {
		return nil, errors.New("govshare: a share needs the provider's keyring and the recipient's public bundle")
	}
	if cat == nil {
		return nil, policy.ErrNoCatalog
	}
	if to.Dept() == from.Dept() {
		return nil, fmt.Errorf("govshare: %q cannot share with itself", to.Dept())
	}
	if from.Dept() != cat.Provider {
		return nil, fmt.Errorf("govshare: the catalog's provider is %q but the keys are %q's", cat.Provider, from.Dept())
	}
	s.req = policy.Request{Catalog: cat, Purpose: purpose, Recipient: to.Dept(), Grants: s.opt.Grants, Now: s.opt.Now}
	return s, nil
}

// sealAndLog seals payload under so to dst and records the share, so that
// no usable envelope exists before its record: a committer dst is
// committed after the record; any other dst, when there is a log, gets the
// envelope only after the record (it waits encrypted under a key held in
// memory). A delivery that fails after the record is recorded as withdrawn.
func (s *sharer) sealAndLog(ctx context.Context, dst io.Writer, payload io.Reader, so envelope.SealOptions) (*envelope.Header, *audit.Receipt, error) {
	c, commits := dst.(committer)
	w := dst
	var held *spill
	if s.opt.Log != nil && !commits {
		var err error
		if held, err = newSpill(os.TempDir()); err != nil {
			return nil, nil, err
		}
		defer held.Close()
		w = held
	}
	h, err := envelope.Seal(w, payload, so, s.from, s.to)
	if err != nil {
		return nil, nil, err
	}
	if s.opt.Log == nil {
		if commits {
			if err := c.Commit(); err != nil {
				return nil, nil, err
			}
		}
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
	idx, err := s.opt.Log.Append(ctx, rec)
	if err != nil {
		return nil, nil, wrapf(err, "envelope sealed but not logged, so withheld")
	}
	if commits {
		err = c.Commit()
	} else {
		_, err = held.WriteTo(dst)
	}
	if err != nil {
		return nil, nil, s.withdrawn(ctx, h, err)
	}
	r, err := s.opt.Log.Receipt(idx)
	if err != nil {
		return h, nil, err
	}
	return h, &r, nil
}

// withdrawn records that a recorded share's envelope was not delivered,
// and returns the delivery error.
func (s *sharer) withdrawn(ctx context.Context, h *envelope.Header, err error) error {
	rec := audit.RefuseRecord{EnvelopeID: h.ID.String(), By: h.Provider, Code: outcomeWithdrawn, Time: time.Now()}
	if _, lerr := s.opt.Log.Append(ctx, rec); lerr != nil {
		return errors.Join(wrapf(err, "envelope %s on record but not delivered", h.ID),
			wrapf(lerr, "and its withdrawal is not on record"))
	}
	return wrapf(err, "envelope %s not delivered (on record as withdrawn)", h.ID)
}

// sealOptions builds the envelope's binding from the desensitizing run:
// the manifest in payload column order, the grants relied on, and the
// window.
func (s *sharer) sealOptions(rep *Report, in Input, size uint64) (envelope.SealOptions, error) {
	req := s.req
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
			return so, fmt.Errorf("govshare: column %q is not in the catalog (%w)", c.Name, policy.ErrUnknownField)
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

	return so, s.window(&so, grants)
}

// window sets so's window: from NotBefore (default: now) to NotAfter
// (default: DefaultValidity later), never past the end of a grant relied on.
func (s *sharer) window(so *envelope.SealOptions, grants []string) error {
	so.NotBefore = s.opt.NotBefore
	if so.NotBefore.IsZero() {
		so.NotBefore = s.req.Now
	}
	limit := time.Time{} // the earliest end of a grant relied on
	for _, id := range grants {
		for i := range s.req.Grants {
			if g := &s.req.Grants[i]; g.ID == id {
				// Header times are whole seconds: the last one the grant covers.
				end := g.End().Add(-time.Second)
				if limit.IsZero() || end.Before(limit) {
					limit = end
				}
			}
		}
	}
	so.NotAfter = s.opt.NotAfter
	switch {
	case so.NotAfter.IsZero():
		so.NotAfter = so.NotBefore.Add(DefaultValidity)
		if !limit.IsZero() && limit.Before(so.NotAfter) {
			so.NotAfter = limit
		}
	case !limit.IsZero() && so.NotAfter.After(limit):
		return fmt.Errorf("%w: its end %s outlives grant %s, which ends %s", ErrOutlivesGrant,
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
func (s *sharer) logRefusal(ctx context.Context, err error) error {
	code := refusalCode(err)
	if s.opt.Log == nil || code == "" {
		return err
	}
	var id [8]byte
	_, _ = rand.Read(id[:])
	rec := audit.RefuseRecord{
		RequestID: "req-" + hex.EncodeToString(id[:]), By: s.req.Catalog.Provider,
		Code: code, Time: s.req.Now,
	}
	if _, lerr := s.opt.Log.Append(ctx, rec); lerr != nil {
		return errors.Join(err, wrapf(lerr, "refusal not logged"))
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
		return audit.ReasonUnknownField
	case errors.Is(err, policy.ErrOverride), errors.Is(err, policy.ErrInvalidCatalog):
		return audit.ReasonInvalidCatalog
	case errors.Is(err, ErrNothingToShare):
		return audit.ReasonNothingLeaves
	}
	return ""
}

// OpenOptions are the optional settings of Open; nil means the defaults.
type OpenOptions struct {
	// Now is the time the envelope's window is checked against; zero means
	// time.Now(). The log records the real time of the attempt.
	Now time.Time
	// Log, when set, receives an open record with the outcome, whether the
	// envelope opened or not.
	Log *audit.Log
}

// Open is the recipient's act: as, the recipient's keyring, declaring
// purpose, verifies the envelope in src (size bytes) as sealed by from, the
// provider's public bundle, writes its plaintext to dst, and records the
// attempt and its outcome in opt.Log. opt may be nil.
//
// Nothing is written to dst unless the whole envelope authenticates
// (envelope.Open), and, with a log, nothing usable exists before the open
// is on record: an *Output dst is committed after the record, and any
// other dst receives the plaintext only then (it waits on disk encrypted
// under a key held in memory). A plaintext that cannot be delivered after
// the record is recorded as withdrawn. A refused open is recorded under the
// digest of the bytes presented ("sha256:…"), not under the envelope id
// their unauthenticated header claims.
func Open(ctx context.Context, dst io.Writer, src io.ReaderAt, size int64, as *keys.Keyring, from *keys.PublicBundle, purpose catalog.Purpose, opt *OpenOptions) (*envelope.Header, error) {
	var o OpenOptions
	if opt != nil {
		o = *opt
	}
	eo := envelope.OpenOptions{Keys: as, Purpose: purpose, Trust: from, Now: o.Now}
	c, commits := dst.(committer)
	// Without a declared purpose there is no attempt to record: envelope.Open
	// refuses before looking at anything.
	if o.Log == nil || as == nil || !purpose.Valid() {
		h, err := envelope.Open(dst, src, size, eo)
		if err != nil {
			return nil, err
		}
		if commits {
			if err := c.Commit(); err != nil {
				return nil, err
			}
		}
		return h, nil
	}
	w := dst
	var held *spill
	if !commits {
		var err error
		if held, err = newSpill(os.TempDir()); err != nil {
			return nil, err
		}
		defer held.Close()
		w = held
	}
	// The record keeps the real time of the attempt; o.Now is the caller's
	// clock for the window and may be set to anything.
	rec := audit.OpenRecord{Opener: as.Dept(), Purpose: purpose, Time: time.Now()}
	h, err := envelope.Open(w, src, size, eo)
	if err != nil {
		return nil, logRefusedOpen(ctx, o.Log, rec, src, size, err)
	}
	rec.EnvelopeID, rec.Outcome = h.ID.String(), audit.OutcomeOpened
	if _, err := o.Log.Append(ctx, rec); err != nil {
		return nil, wrapf(err, "envelope opened but not logged, so withheld")
	}
	if commits {
		err = c.Commit()
	} else {
		_, err = held.WriteTo(dst)
	}
	if err != nil {
		rec.Outcome, rec.Time = outcomeWithdrawn, time.Now()
		if _, lerr := o.Log.Append(ctx, rec); lerr != nil {
			return nil, errors.Join(wrapf(err, "envelope %s on record as opened but not delivered", h.ID),
				wrapf(lerr, "and its withdrawal is not on record"))
		}
		return nil, wrapf(err, "envelope %s not delivered (on record as withdrawn)", h.ID)
	}
	return h, nil
}

// logRefusedOpen records a refused open under the digest of the bytes
// presented: their header is not authenticated, so the envelope id it
// claims may be anyone's. It returns the refusal, joined with a logging
// failure.
func logRefusedOpen(ctx context.Context, log *audit.Log, rec audit.OpenRecord, src io.ReaderAt, size int64, refusal error) error {
	rec.Outcome = openOutcome(refusal)
	d := sha256.New()
	if _, err := io.Copy(d, io.NewSectionReader(src, 0, size)); err != nil {
		return errors.Join(refusal, wrapf(err, "refusal not logged"))
	}
	rec.EnvelopeID = "sha256:" + hex.EncodeToString(d.Sum(nil))
	if _, err := log.Append(ctx, rec); err != nil {
		return errors.Join(refusal, wrapf(err, "refusal not logged"))
	}
	return refusal
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
		return audit.OutcomeNotYetValid
	case errors.Is(err, envelope.ErrUntrustedProvider):
		return audit.OutcomeUntrustedProvider
	case errors.Is(err, envelope.ErrUnknownSuite):
		return audit.OutcomeUnknownSuite
	case errors.Is(err, envelope.ErrKeyNotValid):
		return "key_not_valid"
	case errors.Is(err, envelope.ErrAuth), errors.Is(err, envelope.ErrMalformed):
		return audit.OutcomeTampered
	}
	return audit.OutcomeFailed
}
