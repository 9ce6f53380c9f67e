package audit

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"
)

// MaxSkew is the default bound on the difference between a record's time
// (its maker's clock) and the time the operator logs it (the time of the
// checkpoint that first covers it). The operator refuses a record outside
// it, and Verify fails a log holding one.
const MaxSkew = 10 * time.Minute

// Appender is where a department records its acts: a log it appends to and
// gets a receipt from. The Operator (a local log directory) and the Client
// of a log served over HTTP ("govshare log serve") are Appenders; open
// either with OpenAppender.
//
// A caller signs each record with its own key for the appender's origin
// and appends it:
//
//	sr, err := audit.Sign(rec, app.Origin(), signer)
//	receipt, err := app.Append(ctx, sr)
type Appender interface {
	// Origin is the log's name, which signed records commit to.
	Origin() string
	// Append logs a signed record, once: appending a record already in
	// the log returns its receipt again. The receipt proves the record's
	// inclusion in a signed checkpoint and carries the stored entry.
	Append(ctx context.Context, sr SignedRecord) (Receipt, error)
	Close() error
}

// Operator is the log operator's side of a log: the one party holding the
// log's signing key. It appends only records signed by their makers, as
// registered in its Registry, within MaxSkew of its own clock, and answers
// each with a receipt. It is safe for concurrent use; concurrent Appends
// share one durable commit (Log's group commit).
type Operator struct {
	log  *Log
	reg  Registry
	skew time.Duration
}

// NewOperator returns the operator of l, checking records against reg.
func NewOperator(l *Log, reg Registry) (*Operator, error) {
	if l == nil || reg == nil {
		return nil, errors.New("govshare/audit: an operator needs a log and a registry")
	}
	return &Operator{log: l, reg: reg, skew: MaxSkew}, nil
}

// SetSkew changes the allowed skew (MaxSkew by default).
func (o *Operator) SetSkew(d time.Duration) {
	if d > 0 {
		o.skew = d
	}
}

// Log returns the operator's log.
func (o *Operator) Log() *Log { return o.log }

// Origin implements Appender.
func (o *Operator) Origin() string { return o.log.signer.Name() }

// Close closes the log.
func (o *Operator) Close() error { return o.log.Close() }

// Append implements Appender.
func (o *Operator) Append(ctx context.Context, sr SignedRecord) (Receipt, error) {
	form, err := sr.Marshal()
	if err != nil {
		return Receipt{}, err
	}
	return o.AppendSigned(ctx, form)
}

// AppendSigned appends a signed record given in its signed form
// (SignedRecord.Marshal; the body of an HTTP append). It checks the form,
// that the signer is the record's maker, the signature with the maker's
// registered key, and the record's time against the operator's clock.
// Errors from those checks wrap ErrNotVerified.
func (o *Operator) AppendSigned(ctx context.Context, form []byte) (Receipt, error) {
	var lf leaf
	if err := parseSignedForm(form, &lf, false); err != nil {
		if errors.Is(err, ErrNotVerified) {
			return Receipt{}, err
		}
		return Receipt{}, wrapNotVerified(ErrTampered, err, "govshare/audit: signed record")
	}
	if lf.d.kind == KindDispute {
		// The log is public to supervisors and append-only: a dispute is a
		// reason code and a digest, never text (a hand-made signed record
		// with free text is refused here as Marshal refuses it).
		if rec, ok := lf.d.record().(DisputeRecord); !ok || !rec.Reason.Known() {
			return Receipt{}, notVerified(ErrTampered, "a dispute record's reason must be one of the reason codes")
		}
	}
	at := lf.d.time()
	if err := verifySig(o.reg, o.Origin(), lf.signer, lf.keyID, at, lf.signature(), lf.rec); err != nil {
		return Receipt{}, err
	}
	if d := o.log.clock().Sub(at); d > o.skew || d < -o.skew {
		return Receipt{}, notVerified(ErrTimeSkew, "record time is %s from the operator's clock, more than %s", d.Round(time.Second), o.skew)
	}
	p := &pending{recs: [][]byte{form}, signed: true, recBytes: lf.rec, recTime: at, skew: o.skew}
	if lf.d.kind == KindRelease {
		p.rels = []ReleaseRecord{lf.d.record().(ReleaseRecord)}
	}
	if _, err := o.log.appendEncoded(ctx, p); err != nil {
		return Receipt{}, err
	}
	if p.entry == nil { // already in the log: its stored entry
		return o.log.receiptAt(uint64(p.first), p.ckpt, uint64(p.size))
	}
	proof, err := o.log.InclusionProof(uint64(p.first), uint64(p.size))
	if err != nil {
		return Receipt{}, err
	}
	return Receipt{Checkpoint: string(p.ckpt), Index: uint64(p.first), Proof: proof, Entry: p.entry}, nil
}

// receiptAt builds the receipt for the record at index against the signed
// checkpoint ckpt of size.
func (l *Log) receiptAt(index uint64, ckpt []byte, size uint64) (Receipt, error) {
	e, err := l.Record(index)
	if err != nil {
		return Receipt{}, err
	}
	proof, err := l.InclusionProof(index, size)
	if err != nil {
		return Receipt{}, err
	}
	r := Receipt{Checkpoint: string(ckpt), Index: index, Proof: proof}
	if e.Signer != "" {
		r.Entry = e.Raw
	}
	return r, nil
}

// BudgetReader tells the standing of a log's privacy budget accounts: each
// account's spends and budget of record (see ReleaseRecord). Operator and
// Client are BudgetReaders. A release reads it before it is computed, to
// refuse at once what its account cannot afford; the binding check is the
// operator's, when it appends the release record.
type BudgetReader interface {
	Budgets(ctx context.Context) (*Book, error)
}

// Budgets implements BudgetReader, with the records other processes
// appended.
func (o *Operator) Budgets(ctx context.Context) (*Book, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return o.log.Budgets()
}

// AppenderOptions configure OpenAppender.
type AppenderOptions struct {
	// For a log directory: the log's signing key (the operator's; a local
	// log is its own operator) and the departments' registered keys.
	Signer   note.Signer
	Registry Registry
	// For a URL: the log's verifier key, from its operator. Every receipt
	// is checked against it.
	Verifier note.Verifier
	// ClientOptions configure the HTTP client (optional).
	ClientOptions ClientOptions
}

// OpenAppender opens the log at target: an http:// or https:// URL of a log
// served by "govshare log serve" (Dial), or a directory (Open and
// NewOperator). A directory log is for one department's own use: whoever
// holds its key can rewrite it, so it proves nothing to anyone else
// (docs/log.md).
func OpenAppender(ctx context.Context, target string, opt AppenderOptions) (Appender, error) {
	if IsURL(target) {
		if opt.Verifier == nil {
			return nil, errors.New("govshare/audit: a log URL needs the log's verifier key")
		}
		return Dial(ctx, target, opt.Verifier, opt.ClientOptions)
	}
	if opt.Signer == nil || opt.Registry == nil {
		return nil, errors.New("govshare/audit: a log directory needs the log's signing key and a registry of departments' keys")
	}
	l, err := Open(target, opt.Signer)
	if err != nil {
		return nil, err
	}
	op, err := NewOperator(l, opt.Registry)
	if err != nil {
		l.Close()
		return nil, err
	}
	return op, nil
}

// IsURL reports whether target names a log served over HTTP rather than a
// directory.
func IsURL(target string) bool {
	if !strings.HasPrefix(target, "http://") && !strings.HasPrefix(target, "https://") {
		return false
	}
	u, err := url.Parse(target)
	return err == nil && u.Host != ""
}

// SignAndAppend signs rec with s for app's log and appends it: the whole of
// recording an act.
func SignAndAppend(ctx context.Context, app Appender, s RecordSigner, rec Record) (Receipt, error) {
	sr, err := Sign(rec, app.Origin(), s)
	if err != nil {
		return Receipt{}, err
	}
	r, err := app.Append(ctx, sr)
	if err != nil {
		return Receipt{}, fmt.Errorf("govshare/audit: appending %s record: %w", rec.Kind(), err)
	}
	return r, nil
}
