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
	// ErrMalformed: not an envelope, an unknown version (envelope/v1, which
	// has no key commitment, included), a non-canonical or out-of-range
	// encoding, truncation, or trailing bytes.
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
	// ErrKeyNotValid: the provider's signing key, as the trusted bundle
	// describes it, was not valid at the envelope's issue time: the key was
	// retired or revoked by then, or not yet valid
	// (keys.PublicBundle.SigningKeyValidAt).
	ErrKeyNotValid = errors.New("govshare/envelope: provider's signing key was not valid at the issue time")
	// ErrExpired: the open time is after not_after.
	ErrExpired = errors.New("govshare/envelope: envelope has expired")
	// ErrNotYetValid: the open time is before not_before.
	ErrNotYetValid = errors.New("govshare/envelope: envelope is not yet valid")
	// ErrAuth: the signature, key stanza, key commitment or a payload chunk
	// does not authenticate: the envelope was modified after sealing, or the
	// input changed while Open read it.
	ErrAuth = errors.New("govshare/envelope: envelope does not authenticate (tampered)")
	// ErrTampered is [ErrAuth].
	ErrTampered = ErrAuth
	// ErrOnwardTransferProhibited: the envelope forbids passing its data on
	// (every envelope does).
	ErrOnwardTransferProhibited = errors.New("govshare/envelope: onward transfer is prohibited")
)

func errorf(format string, args ...any) error {
	return fmt.Errorf("govshare/envelope: "+format, args...)
}

// wrap adds context after a sentinel: "sentinel: detail".
func wrap(sentinel error, format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{sentinel}, args...)...)
}
