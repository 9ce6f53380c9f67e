// Package keyaccess is the one door through which govshare's own
// primitives reach raw key material held by a keys.Keyring: the derived
// FF1 keys that crypto/fpe needs and the OPRF scalars that crypto/oprf
// needs. It is internal, so code outside this module cannot import it;
// inside, every use of raw key bytes can be found by searching for this
// package (as Tink gathers them behind insecurecleartextkeyset).
//
// crypto/keys sets the functions when it is initialized. Their arguments
// are typed any because this package cannot import crypto/keys (which
// imports it): each function panics on a value of the wrong type, a
// programming error within this module.
package keyaccess

import circl "github.com/cloudflare/circl/oprf"

var (
	// FPEKey derives the 32-byte FF1 key of a *keys.Keyring for one field
	// and recipient, from the primary FPE key (primary true) or the key
	// with id keyID, and returns the id of the key used. The caller must
	// clear the key when done.
	FPEKey func(kr any, field, recipient string, keyID uint32, primary bool) (key []byte, id uint32, err error)
	// OPRFPrivateKey returns the scalar of a keys.OPRFKey.
	OPRFPrivateKey func(k any) *circl.PrivateKey
)
