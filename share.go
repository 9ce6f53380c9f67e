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
	"github.com/govshare/govshare/risk"
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
	// policy refuses the request), signed with the provider's keyring, and
	// Share returns the record's receipt. audit.OpenAppender opens a log
	// served by "govshare log serve" or a local directory (docs/log.md: what
	// a local log cannot prove).
	Log audit.Appender
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

// recordSigner signs kr's records on a log with its Ed25519 signing key
// (audit.KeyringSigner): a department signs its own acts.
func recordSigner(kr *keys.Keyring) (audit.RecordSigner, error) {
	return audit.KeyringSigner(kr, keys.KindSignEd25519)
}

// Share is the provider's whole act of sharing: it applies the provider's
// policy (catalog cat, the recipient to's department, purpose) to every
// record of src as Apply does, seals the result to the recipient for that
// purpose with the signature of from, the provider's keyring, writes the
// envelope to dst, and records the share in opt.Log, signed with from. A
// policy refusal of the request is itself logged: Share then returns the
// refusal and a result holding only the refusal's receipt. The record's
// time is the clock's, not opt.Now: the log's operator refuses a record
// time far from its own (audit.MaxSkew). opt may be nil.
//
// Nothing usable exists before the share is on record: the desensitized
// payload waits on disk only encrypted under a key held in memory; when dst
// is an *Output (see CreateOutput) it is committed once the share is
// recorded, and any other dst receives the envelope only then. If the
// envelope cannot be delivered after it was recorded, Share records its
// withdrawal.
//
// When the catalog declares quasi-identifiers or a re-identification
// threshold (max_prosecutor_risk, min_k), Share measures the risk of the
// records it releases as they are written (Report.Risk) and puts the
// figures in the share record. Output over a threshold is refused before
// sealing: Share returns an error matching risk.ErrExceeded, an
// *risk.ExceededError naming the quasi-identifiers to coarsen, and with a
// log, records the refusal (audit.ReasonRiskExceeded) with the figures;
// nothing is sealed or committed. A catalog that sets a threshold but
// marks no quasi-identifier is refused as invalid (policy.ErrInvalidCatalog)
// before anything is read.
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
	// Every share is measured, so that its record says how identifiable
	// what left is: over the marked quasi-identifiers and the identifier
	// parts a transform keeps; with neither, every record is in one class.
	cfg.measure = true
	var rep *Report
	if err = checkRiskCatalog(cat); err == nil {
		rep, err = run(ctx, payload, src, cfg)
	}
	if err != nil {
		receipt, err := s.logRefusal(ctx, err)
		if receipt != nil {
			return &ShareResult{Receipt: receipt}, err
		}
		return nil, err
	}
	if rep.Risk != nil {
		// The gate: after the transforms, before sealing. A refusal
		// leaves nothing but the spill, which is deleted.
		if err := risk.Check(cat, rep.Risk); err != nil {
			// Which quasi-identifiers to coarsen needs each one's
			// contribution: computed for refusals only, from the output
			// read back (it is deleted unread otherwise).
			r, err := payload.reader()
			if err != nil {
				return nil, err
			}
			if rep.Risk, err = rep.gate.full(r); err != nil {
				return nil, err
			}
			return s.refuseRisk(ctx, rep, risk.Check(cat, rep.Risk))
		}
	}
	so, err := s.sealOptions(rep, src, uint64(payload.Size()))
	if err != nil {
		return nil, err
	}
	r, err := payload.reader()
	if err != nil {
		return nil, err
	}
	env, err := s.sealHeld(dst, r, so)
	if err != nil {
		return nil, err
	}
	defer env.close()
	var receipt *audit.Receipt
	if s.opt.Log != nil {
		hh, err := env.h.Hash()
		if err != nil {
			return nil, err
		}
		h := env.h
		rc, err := s.record(ctx, audit.ShareRecord{
			EnvelopeID: h.ID.String(), HeaderHash: hh, Provider: h.Provider, Recipient: h.Recipient,
			Purpose: h.Purpose, GrantID: h.Grant, Resource: h.Resource, Time: time.Now(),
			Risk: shareFigures(cat, rep.Risk),
		})
		if err != nil {
			return nil, wrapf(err, "envelope sealed but not logged, so withheld")
		}
		receipt = &rc
	}
	if err := s.handOver(ctx, env); err != nil {
		return nil, err
	}
	return &ShareResult{Report: *rep, Header: env.h, Receipt: receipt}, nil
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
	from   *keys.Keyring
	to     *keys.PublicBundle
	req    policy.Request
	opt    ShareOptions
	signer audit.RecordSigner // from's, with a log
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
	if s.opt.Log != nil {
		var err error
		if s.signer, err = recordSigner(from); err != nil {
			return nil, wrapf(err, "the provider's record signing key")
		}
	}
	return s, nil
}

// record signs rec with the provider's key and appends it to the log.
func (s *sharer) record(ctx context.Context, rec audit.Record) (audit.Receipt, error) {
	return audit.SignAndAppend(ctx, s.opt.Log, s.signer, rec)
}

// heldEnvelope is an envelope sealed but not yet usable: in dst, an
// uncommitted committer, or — with a log, for any other dst — in a spill
// encrypted under a key held in memory.
type heldEnvelope struct {
	h    *envelope.Header
	dst  io.Writer
	held *spill
}

func (e *heldEnvelope) close() {
	if e != nil && e.held != nil {
		e.held.Close()
	}
}

// sealHeld seals payload under so for dst, so that no usable envelope
// exists before its record: a committer dst is committed by handOver, after
// the record; any other dst, when there is a log, gets the envelope only
// then (it waits encrypted under a key held in memory).
func (s *sharer) sealHeld(dst io.Writer, payload io.Reader, so envelope.SealOptions) (*heldEnvelope, error) {
	e := &heldEnvelope{dst: dst}
	w := dst
	if _, commits := dst.(committer); s.opt.Log != nil && !commits {
		var err error
		if e.held, err = newSpill(os.TempDir()); err != nil {
			return nil, err
		}
		w = e.held
	}
	h, err := envelope.Seal(w, payload, so, s.from, s.to)
	if err != nil {
		e.close()
		return nil, err
	}
	e.h = h
	return e, nil
}

// handOver makes a held envelope usable: it commits a committer dst, or
// writes the held envelope to dst. With a log, the act is on record by
// then: a failure here is recorded as the envelope's withdrawal.
func (s *sharer) handOver(ctx context.Context, e *heldEnvelope) error {
	var err error
	if c, ok := e.dst.(committer); ok {
		err = c.Commit()
	} else if e.held != nil {
		_, err = e.held.WriteTo(e.dst)
	}
	if err == nil || s.opt.Log == nil {
		return err
	}
	return s.withdrawn(ctx, e.h, err)
}

// withdrawn records that a recorded share's envelope was not delivered,
// and returns the delivery error.
func (s *sharer) withdrawn(ctx context.Context, h *envelope.Header, err error) error {
	rec := audit.RefuseRecord{EnvelopeID: h.ID.String(), By: h.Provider, Code: audit.ReasonWithdrawn, Time: time.Now()}
	if _, lerr := s.record(ctx, rec); lerr != nil {
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
// log is configured, and returns the record's receipt (nil when none) and
// err (joined with a logging failure).
func (s *sharer) logRefusal(ctx context.Context, err error) (*audit.Receipt, error) {
	code := refusalCode(err)
	if s.opt.Log == nil || code == "" {
		return nil, err
	}
	var id [8]byte
	_, _ = rand.Read(id[:])
	rec := audit.RefuseRecord{
		RequestID: "req-" + hex.EncodeToString(id[:]), By: s.req.Catalog.Provider,
		Code: code, Time: time.Now(),
	}
	rc, lerr := s.record(ctx, rec)
	if lerr != nil {
		return nil, errors.Join(err, wrapf(lerr, "refusal not logged"))
	}
	return &rc, fmt.Errorf("%w (refusal logged as %s)", err, rec.RequestID)
}

// shareFigures is what a share record holds of r: nil when not measured.
func shareFigures(cat *catalog.Catalog, r *risk.Result) *audit.RiskFigures {
	if r == nil {
		return nil
	}
	return riskFigures(cat, r, nil)
}

// refuseRisk refuses a share whose released records exceed the catalog's
// threshold (check's error), logging the refusal with the figures and the
// quasi-identifiers to coarsen when there is a log. The result holds the
// run's report, with its figures, and the refusal's receipt.
func (s *sharer) refuseRisk(ctx context.Context, rep *Report, check error) (*ShareResult, error) {
	ee := exceeded(check)
	if ee == nil {
		return nil, check // not a verdict: fail closed, unlogged like any other error
	}
	res := &ShareResult{Report: *rep}
	if s.opt.Log == nil {
		return res, check
	}
	var id [8]byte
	_, _ = rand.Read(id[:])
	rec := audit.RefuseRecord{
		RequestID: "req-" + hex.EncodeToString(id[:]), By: s.req.Catalog.Provider,
		Code: audit.ReasonRiskExceeded, Time: time.Now(),
		Risk: riskFigures(s.req.Catalog, rep.Risk, ee.Coarsen),
	}
	rc, lerr := s.record(ctx, rec)
	if lerr != nil {
		return nil, errors.Join(check, wrapf(lerr, "refusal not logged"))
	}
	res.Receipt = &rc
	return res, fmt.Errorf("%w (refusal logged as %s)", check, rec.RequestID)
}

// refusalCode names a policy refusal of the whole request; "" for errors
// that are not the policy's answer (bad input, I/O), which are not logged.
func refusalCode(err error) audit.Reason {
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
	// envelope opened or not, signed with the opener's keyring, and Open
	// returns its receipt (see ShareOptions.Log).
	Log audit.Appender
}

// OpenResult says what Open opened: the envelope's header, authenticated
// (nil when the open was refused), and the open record's receipt.
type OpenResult struct {
	*envelope.Header
	Receipt *audit.Receipt // inclusion proof of the open record; nil without a log
}

// Open is the recipient's act: as, the recipient's keyring, declaring
// purpose, verifies the envelope in src (size bytes) as sealed by from, the
// provider's public bundle, writes its plaintext to dst, and records the
// attempt and its outcome in opt.Log, signed with as. opt may be nil.
//
// Nothing is written to dst unless the whole envelope authenticates
// (envelope.Open), and, with a log, nothing usable exists before the open
// is on record: an *Output dst is committed after the record, and any
// other dst receives the plaintext only then (it waits on disk encrypted
// under a key held in memory). A plaintext that cannot be delivered after
// the record is recorded as withdrawn (audit.OutcomeWithdrawn).
//
// A refused open is on record too: Open returns the refusal and a result
// holding only the record's receipt. It is recorded under the digest of
// the bytes presented ("sha256:…"), not under the envelope id their
// unauthenticated header claims, and its opener is named by what the keys
// prove: the department of as when as holds the KEM key the envelope names
// for its recipient, else as's own signing key (audit.KeyOpener) — a
// keyring named for another department proves nothing by its name.
func Open(ctx context.Context, dst io.Writer, src io.ReaderAt, size int64, as *keys.Keyring, from *keys.PublicBundle, purpose catalog.Purpose, opt *OpenOptions) (*OpenResult, error) {
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
		return &OpenResult{Header: h}, nil
	}
	signer, err := recordSigner(as)
	if err != nil {
		return nil, wrapf(err, "the opener's record signing key")
	}
	w := dst
	var held *spill
	if !commits {
		if held, err = newSpill(os.TempDir()); err != nil {
			return nil, err
		}
		defer held.Close()
		w = held
	}
	// The record keeps the real time of the attempt; o.Now is the caller's
	// clock for the window and may be set to anything.
	rec := audit.OpenRecord{Opener: as.Dept(), Purpose: purpose}
	h, err := envelope.Open(w, src, size, eo)
	if err != nil {
		return logRefusedOpen(ctx, o.Log, signer, as, rec, src, size, err)
	}
	rec.EnvelopeID, rec.Outcome, rec.Time = h.ID.String(), audit.OutcomeOpened, time.Now()
	rc, err := audit.SignAndAppend(ctx, o.Log, signer, rec)
	if err != nil {
		return nil, wrapf(err, "envelope opened but not logged, so withheld")
	}
	if commits {
		err = c.Commit()
	} else {
		_, err = held.WriteTo(dst)
	}
	if err != nil {
		rec.Outcome, rec.Time = audit.OutcomeWithdrawn, time.Now()
		if _, lerr := audit.SignAndAppend(ctx, o.Log, signer, rec); lerr != nil {
			return nil, errors.Join(wrapf(err, "envelope %s on record as opened but not delivered", h.ID),
				wrapf(lerr, "and its withdrawal is not on record"))
		}
		return nil, wrapf(err, "envelope %s not delivered (on record as withdrawn)", h.ID)
	}
	return &OpenResult{Header: h, Receipt: &rc}, nil
}

// logRefusedOpen records a refused open under the digest of the bytes
// presented: their header is not authenticated, so the envelope id it
// claims may be anyone's. The opener is as's department only if as holds
// the KEM key the presented header names for its recipient; otherwise it
// is as's signing key (audit.KeyOpener). It returns the refusal, joined
// with a logging failure, and the record's receipt.
func logRefusedOpen(ctx context.Context, log audit.Appender, signer audit.RecordSigner, as *keys.Keyring, rec audit.OpenRecord, src io.ReaderAt, size int64, refusal error) (*OpenResult, error) {
	rec.Outcome = openOutcome(refusal)
	if !recipientProven(as, src, size) {
		id, err := as.PrimaryKeyID(keys.KindSignEd25519)
		if err != nil {
			return nil, errors.Join(refusal, wrapf(err, "refusal not logged"))
		}
		rec.Opener = audit.KeyOpener(as.Dept(), id)
	}
	d := sha256.New()
	if _, err := io.Copy(d, io.NewSectionReader(src, 0, size)); err != nil {
		return nil, errors.Join(refusal, wrapf(err, "refusal not logged"))
	}
	rec.EnvelopeID = "sha256:" + hex.EncodeToString(d.Sum(nil))
	rec.Time = time.Now()
	rc, err := audit.SignAndAppend(ctx, log, signer, rec)
	if err != nil {
		return nil, errors.Join(refusal, wrapf(err, "refusal not logged"))
	}
	return &OpenResult{Receipt: &rc}, refusal
}

// recipientProven reports whether as holds the KEM key that the envelope in
// src names as its recipient's, for the department it names: the proof by
// keys that as is the envelope's recipient, whatever its name says.
func recipientProven(as *keys.Keyring, src io.ReaderAt, size int64) bool {
	h, err := envelope.Inspect(io.NewSectionReader(src, 0, size))
	if err != nil || h.Recipient != as.Dept() {
		return false
	}
	kem, _, err := h.Suite.Kinds()
	if err != nil {
		return false
	}
	ids, err := as.KeyIDs(kem)
	return err == nil && slices.Contains(ids, h.KEMKeyID)
}

// openOutcome is the log's code for an Open result.
func openOutcome(err error) audit.Outcome {
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
		return audit.OutcomeKeyNotValid
	case errors.Is(err, envelope.ErrAuth), errors.Is(err, envelope.ErrMalformed):
		return audit.OutcomeTampered
	}
	return audit.OutcomeFailed
}
