// Package token makes reversible, deterministic tokens for field values,
// distinct per field and per recipient department. Start with [New].
//
// A token is AES-SIV (RFC 5297, Tink's deterministic AEAD, AES256-SIV) of
// the padded value, with associated data
//
//	lp("govshare/token/v1") ‖ lp(field) ‖ lp(recipient)   (lp = u32 big-endian length ‖ bytes)
//
// written as unpadded base64url (RFC 4648 §5, no '='). The ciphertext starts
// with Tink's output prefix 0x01 ‖ 4-byte key id, so every token records the
// key that made it ([KeyID]) and survives key rotation.
//
// What a token reveals — read this before choosing it over a pseudonym or
// withholding the field:
//
//   - Equality. Deterministic encryption is the point: for one key, field and
//     recipient, equal values give equal tokens. The recipient sees which
//     records share a value, how often each value occurs (frequencies, so
//     rare values stand out and a known distribution can be matched), and can
//     join its own extracts on the token. Use it only where such joins are
//     the purpose (data verification, record linkage).
//   - Length, to a 16-byte bucket. Values are padded (ISO/IEC 7816-4: 0x80
//     then zeros) to the next multiple of 16 bytes before encryption, so an
//     11-digit mobile and an 18-character ID number both encrypt to one or
//     two blocks; a token shows which bucket a value's length falls in, not
//     its exact length. Pad or normalise values in the caller if even the
//     bucket matters.
//   - Nothing else. Across recipients (or fields) tokens for the same value
//     are unrelated, so two recipients cannot join on them and a leaked
//     extract names the recipient it was issued to. Only the key holder
//     reverses a token; the associated data binds it to its field and
//     recipient, so a token does not reverse under another recipient.
//
// A token is of the exact bytes given: "110105 19491231 002x" and
// "11010519491231002X" get different tokens. Give it the canonical form of
// an identifier (classify.Canonical), as the govshare pipeline does, so that
// one person's identifier written several ways (full-width, grouped,
// lower-case x, +86) has one token and joins; [Tokenizer.Reverse] then
// returns that canonical form.
//
// A [Tokenizer] uses the key that was primary when it was made; tokens made
// under older keys of the keyset still reverse.
package token

import (
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/govshare/govshare/crypto/keys"
	"github.com/tink-crypto/tink-go/v2/tink"
)

// Label is the domain-separation label in every token's associated data.
const Label = "govshare/token/v1"

// MaxValueLen bounds the bytes of a value accepted by [Tokenizer.Token].
const MaxValueLen = 64 << 10

// padBlock is the length bucket values are padded to.
const padBlock = 16

// tinkPrefixLen is Tink's TINK output prefix: 0x01 ‖ 4-byte key id.
const tinkPrefixLen = 5

// sivLen is AES-SIV's synthetic IV, which precedes the encrypted value.
const sivLen = 16

var (
	// ErrInvalidToken is returned by [Tokenizer.Reverse] for a token that is
	// not valid base64url or does not decrypt under this field and
	// recipient's keys (made for another recipient or field, altered, or
	// made with a key that is not in the keyring).
	ErrInvalidToken = errors.New("govshare/token: invalid token for this field and recipient")
	// ErrValueTooLong is returned for a value longer than [MaxValueLen].
	ErrValueTooLong = errors.New("govshare/token: value too long")
)

// Tokenizer makes and reverses tokens for one (field, recipient). It is
// immutable and safe for concurrent use.
type Tokenizer struct {
	daead     tink.DeterministicAEAD
	ad        []byte
	field     string
	recipient string
}

// New returns a Tokenizer over the keyring's token keyset.
func New(kr *keys.Keyring, field, recipient string) (*Tokenizer, error) {
	if kr == nil {
		return nil, errors.New("govshare/token: nil keyring")
	}
	return NewWithAEAD(kr.DeterministicAEAD(), field, recipient)
}

// NewWithAEAD returns a Tokenizer over any Tink deterministic AEAD (for
// example one built from a keyset handle with daead.New). Its keys should
// use the TINK output prefix so tokens carry a key id.
func NewWithAEAD(d tink.DeterministicAEAD, field, recipient string) (*Tokenizer, error) {
	if d == nil {
		return nil, errors.New("govshare/token: nil deterministic AEAD")
	}
	if field == "" || recipient == "" {
		return nil, errors.New("govshare/token: field and recipient must not be empty")
	}
	ad := keys.AppendLengthPrefixed(nil, Label)
	ad = keys.AppendLengthPrefixed(ad, field)
	ad = keys.AppendLengthPrefixed(ad, recipient)
	return &Tokenizer{daead: d, ad: ad, field: field, recipient: recipient}, nil
}

// Token returns the token of value.
func (t *Tokenizer) Token(value string) (string, error) {
	if len(value) > MaxValueLen {
		return "", ErrValueTooLong
	}
	n := paddedLen(len(value))
	var padded []byte
	var pooled *[]byte
	if n <= poolBufLen {
		// Common values (phones, ID numbers, names) reuse a buffer: the
		// padded plaintext is the one allocation Token adds to Tink's.
		pooled = padPool.Get().(*[]byte)
		padded = (*pooled)[:n]
		clear(padded[len(value):])
	} else {
		padded = make([]byte, n)
	}
	copy(padded, value)
	padded[len(value)] = 0x80
	ct, err := t.daead.EncryptDeterministically(padded, t.ad)
	if pooled != nil {
		clear(padded) // the pool must not keep plaintext around
		padPool.Put(pooled)
	}
	if err != nil {
		return "", fmt.Errorf("govshare/token: encrypt: %w", err)
	}
	var out [base64Stack]byte
	return string(base64.RawURLEncoding.AppendEncode(out[:0], ct)), nil
}

// poolBufLen is the largest padded value served from padPool.
const poolBufLen = 256

// base64Stack fits the text of a token for a value up to 64 bytes on the
// stack, so encoding allocates only the returned string.
const base64Stack = 128

var padPool = sync.Pool{New: func() any { b := make([]byte, poolBufLen); return &b }}

// Reverse returns the value a token was made from. It fails with
// [ErrInvalidToken] for a token made for another field or recipient.
func (t *Tokenizer) Reverse(token string) (string, error) {
	if len(token) > base64.RawURLEncoding.EncodedLen(tinkPrefixLen+sivLen+paddedLen(MaxValueLen)) {
		return "", ErrInvalidToken
	}
	ct, err := base64.RawURLEncoding.Strict().DecodeString(token)
	if err != nil {
		return "", ErrInvalidToken
	}
	pt, err := t.daead.DecryptDeterministically(ct, t.ad)
	if err != nil {
		return "", ErrInvalidToken
	}
	n, ok := unpad(pt)
	if !ok {
		// Authentic but not made by Token: same key and AD, other encoder.
		return "", ErrInvalidToken
	}
	return string(pt[:n]), nil
}

// Field returns the field the tokenizer is bound to.
func (t *Tokenizer) Field() string { return t.field }

// Recipient returns the recipient the tokenizer is bound to.
func (t *Tokenizer) Recipient() string { return t.recipient }

// String shows the binding only; the primitive is never printed.
func (t *Tokenizer) String() string {
	if t == nil {
		return "token.Tokenizer(nil)"
	}
	return fmt.Sprintf("token.Tokenizer{field:%q recipient:%q}", t.field, t.recipient)
}

// GoString is [Tokenizer.String].
func (t *Tokenizer) GoString() string { return t.String() }

// Format prints [Tokenizer.String] for every verb.
func (t *Tokenizer) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, t.String()) }

// KeyID returns the id of the key a token was made with (from its Tink
// prefix), without decrypting it.
func KeyID(token string) (uint32, error) {
	var b [8]byte // 8 base64 characters decode to 6 bytes, enough for the prefix
	if len(token) < 8 {
		return 0, ErrInvalidToken
	}
	if _, err := base64.RawURLEncoding.Decode(b[:], []byte(token[:8])); err != nil || b[0] != 0x01 {
		return 0, ErrInvalidToken
	}
	return binary.BigEndian.Uint32(b[1:5]), nil
}

// paddedLen is n plus at least one padding byte, rounded up to padBlock.
func paddedLen(n int) int { return (n/padBlock + 1) * padBlock }

// unpad returns the value length of an ISO/IEC 7816-4 padded buffer.
func unpad(p []byte) (int, bool) {
	if len(p) == 0 || len(p)%padBlock != 0 {
		return 0, false
	}
	for i := len(p) - 1; i >= len(p)-padBlock; i-- {
		switch p[i] {
		case 0x00:
			continue
		case 0x80:
			return i, true
		}
		return 0, false
	}
	return 0, false
}
