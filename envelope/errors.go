package envelope

import (
	"errors"
	"fmt"

	"github.com/govshare/govshare/envelope/internal/format"
)

// Sentinel errors. Every error from [Open] wraps exactly one of them, so
// callers (and the share-record log) can tell the refusals apart with
// errors.Is.
var (
	// ErrMalformed: not an envelope/v1, an unknown version, a non-canonical
	// or out-of-range encoding, truncation, or trailing bytes.
	ErrMalformed = format.ErrMalformed
	// ErrUnknownSuite: a suite code outside the allow-list, or a suite that
	// does not match the highest level in the field manifest.
	ErrUnknownSuite = format.ErrUnknownSuite
	// ErrWrongPurpose: the opener declared a purpose other than the sealed one.
	ErrWrongPurpose = errors.New("govshare/envelope: declared purpose differs from the envelope's")
	// ErrWrongRecipient: the envelope is sealed to another department, or to a
	// key the opener's keyring does not hold.
	ErrWrongRecipient = errors.New("govshare/envelope: envelope is sealed to another recipient")
	// ErrUntrustedProvider: the envelope names a provider (or signing key)
	// other than the trusted public bundle's.
	ErrUntrustedProvider = errors.New("govshare/envelope: provider is not the trusted one")
	// ErrExpired: the open time is after not_after.
	ErrExpired = errors.New("govshare/envelope: envelope has expired")
	// ErrNotYetValid: the open time is before not_before.
	ErrNotYetValid = errors.New("govshare/envelope: envelope is not yet valid")
	// ErrAuth: the signature, key stanza or a payload chunk does not
	// authenticate: the envelope was modified after sealing.
	ErrAuth = errors.New("govshare/envelope: envelope does not authenticate (tampered)")
	// ErrTampered is [ErrAuth].
	ErrTampered = ErrAuth
	// ErrOnwardTransferProhibited: the envelope forbids passing its data on
	// (always, in envelope/v1).
	ErrOnwardTransferProhibited = errors.New("govshare/envelope: onward transfer is prohibited")
)

func errorf(format string, args ...any) error {
	return fmt.Errorf("govshare/envelope: "+format, args...)
}

// wrap adds context after a sentinel: "sentinel: detail".
func wrap(sentinel error, format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{sentinel}, args...)...)
}
