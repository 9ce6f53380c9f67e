package audit

import (
	"errors"
	"fmt"
)

// Verification outcomes. Every error by which a log, a checkpoint, a
// receipt or a record fails to verify wraps ErrNotVerified and, where one
// applies, one of the more precise sentinels below, so a caller tells
// tampering from an I/O error with errors.Is and never reads error text.
var (
	// ErrNotVerified: the material was read but does not verify. It is
	// wrapped by every other verification sentinel.
	ErrNotVerified = errors.New("govshare/audit: not verified")

	// ErrBadSignature: a checkpoint is not signed by the log's key, a
	// cosignature does not verify, or a record's signature does not verify
	// with its maker's registered key.
	ErrBadSignature = errors.New("govshare/audit: bad signature")

	// ErrTruncated: the log holds fewer records or hashes than its signed
	// checkpoint covers, or a file ends inside a record.
	ErrTruncated = errors.New("govshare/audit: truncated")

	// ErrForked: two views of the log under one key are not one history:
	// a tree that is not an extension of one already seen (or cosigned,
	// or proven by a receipt) for the same origin.
	ErrForked = errors.New("govshare/audit: forked")

	// ErrRollback: a view of the log is older than one already seen: a
	// smaller tree, or a checkpoint time earlier than one seen.
	ErrRollback = errors.New("govshare/audit: rolled back")

	// ErrTampered: a file of the log does not match the signed tree, or a
	// record is not in canonical form.
	ErrTampered = errors.New("govshare/audit: tampered")

	// ErrUnsigned: a record carries no maker's signature where one is
	// required (VerifyOptions.RequireSigned, Operator.Append).
	ErrUnsigned = errors.New("govshare/audit: record is not signed by its maker")

	// ErrWrongSigner: a record is signed by a department other than the
	// one whose act it records.
	ErrWrongSigner = errors.New("govshare/audit: record signed by another department than its maker")

	// ErrUnknownSigner: the registry has no key for a record's signer.
	ErrUnknownSigner = errors.New("govshare/audit: record signer is not registered")

	// ErrTimeSkew: a record's time is further than the allowed skew from
	// the time the log recorded it, or the log's times go backwards.
	ErrTimeSkew = errors.New("govshare/audit: time outside the allowed skew")

	// ErrDuplicate: the same signed record appears twice in the log. A
	// department's act is recorded once; a repeated act (a re-delivery) is
	// a new record with its own time and signature.
	ErrDuplicate = errors.New("govshare/audit: signed record appears twice")

	// ErrWitness: fewer than the required witnesses cosigned.
	ErrWitness = errors.New("govshare/audit: not enough witness cosignatures")
)

// verifyError is a verification failure: its message, and the sentinels it
// matches (always ErrNotVerified).
type verifyError struct {
	kind error
	msg  string
	err  error // optional cause (not a verification sentinel)
}

func (e *verifyError) Error() string { return e.msg }

func (e *verifyError) Unwrap() []error {
	errs := []error{ErrNotVerified}
	if e.kind != nil && e.kind != ErrNotVerified {
		errs = append(errs, e.kind)
	}
	if e.err != nil {
		errs = append(errs, e.err)
	}
	return errs
}

// notVerified returns a verification error of the given kind (nil for
// ErrNotVerified alone). The message gets the package prefix.
func notVerified(kind error, format string, args ...any) error {
	return &verifyError{kind: kind, msg: "govshare/audit: " + fmt.Sprintf(format, args...)}
}

// wrapNotVerified adds context to err and keeps its sentinels; an error
// that is not a verification error becomes one of kind.
func wrapNotVerified(kind error, err error, format string, args ...any) error {
	var ve *verifyError
	if errors.As(err, &ve) {
		return &verifyError{kind: ve.kind, msg: fmt.Sprintf(format, args...) + ": " + err.Error(), err: ve.err}
	}
	return &verifyError{kind: kind, msg: fmt.Sprintf(format, args...) + ": " + err.Error(), err: err}
}
