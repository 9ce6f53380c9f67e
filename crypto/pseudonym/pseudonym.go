// Package pseudonym makes keyed, irreversible pseudonyms for field values,
// distinct per field and per recipient department. Start with [New].
//
// A pseudonym is the first 16 bytes of HMAC-SHA256 (Tink PRF) under the
// keyring's pseudonym key, over
//
//	lp("govshare/pseudonym/v1") ‖ lp(field) ‖ lp(recipient) ‖ lp(value)   (lp = u32 big-endian length ‖ bytes)
//
// written as unpadded base64url of 0x01 ‖ 4-byte key id ‖ those 16 bytes
// (28 characters). Nobody, the key holder included, can compute the value
// from a pseudonym; the key holder can only recompute pseudonyms of candidate
// values. Without the key, a dictionary of all 11-digit mobiles or all ID
// numbers is useless, unlike an unkeyed MD5 or SHA-1.
//
// What a pseudonym reveals: equality, like a token — one recipient sees
// which records share a value and how often, and can join its extracts on
// the pseudonym; across recipients (or fields) pseudonyms are unrelated, so
// a leaked extract names its recipient. Unlike a token, length does not
// leak. After the pseudonym key is rotated, new pseudonyms differ from old
// ones for the same value; the key id tells them apart.
//
// 16 bytes (128 bits) keep accidental collisions negligible: below 2^-60
// for 2^34 distinct values of one field.
//
// A pseudonym is of the exact bytes given: pass the canonical form of an
// identifier (classify.Canonical), as the govshare pipeline does, so that one
// identifier written several ways has one pseudonym.
package pseudonym

import (
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/govshare/govshare/crypto/keys"
	"github.com/tink-crypto/tink-go/v2/prf"
)

// Label is the domain-separation label of every pseudonym's PRF input.
const Label = "govshare/pseudonym/v1"

// Size is the number of PRF output bytes in a pseudonym.
const Size = 16

// MaxValueLen bounds the bytes of a value accepted by [Pseudonymizer.Pseudonym].
const MaxValueLen = 64 << 10

// encodedLen is the text length of a pseudonym.
var encodedLen = base64.RawURLEncoding.EncodedLen(5 + Size)

var (
	// ErrInvalidPseudonym is returned by [KeyID] for text that is not a
	// pseudonym.
	ErrInvalidPseudonym = errors.New("govshare/pseudonym: not a pseudonym")
	// ErrValueTooLong is returned for a value longer than [MaxValueLen].
	ErrValueTooLong = errors.New("govshare/pseudonym: value too long")
)

// Pseudonymizer makes pseudonyms for one (field, recipient) with one key. It
// is immutable and safe for concurrent use.
type Pseudonymizer struct {
	prf       prf.PRF
	keyID     uint32
	prefix    []byte // lp(Label) ‖ lp(field) ‖ lp(recipient)
	field     string
	recipient string
}

// New returns a Pseudonymizer using the keyring's primary pseudonym key.
func New(kr *keys.Keyring, field, recipient string) (*Pseudonymizer, error) {
	if kr == nil {
		return nil, errors.New("govshare/pseudonym: nil keyring")
	}
	return NewWithPRF(kr.PseudonymPRF(), field, recipient)
}

// NewWithPRF returns a Pseudonymizer using the primary PRF of set (from
// prf.NewPRFSet on an HMAC-SHA256 keyset).
func NewWithPRF(set *prf.Set, field, recipient string) (*Pseudonymizer, error) {
	if set == nil {
		return nil, errors.New("govshare/pseudonym: nil PRF set")
	}
	p, ok := set.PRFs[set.PrimaryID]
	if !ok {
		return nil, errors.New("govshare/pseudonym: PRF set has no primary")
	}
	if field == "" || recipient == "" {
		return nil, errors.New("govshare/pseudonym: field and recipient must not be empty")
	}
	pre := keys.AppendLengthPrefixed(nil, Label)
	pre = keys.AppendLengthPrefixed(pre, field)
	pre = keys.AppendLengthPrefixed(pre, recipient)
	return &Pseudonymizer{prf: p, keyID: set.PrimaryID, prefix: pre, field: field, recipient: recipient}, nil
}

// Pseudonym returns the pseudonym of value.
func (p *Pseudonymizer) Pseudonym(value string) (string, error) {
	if len(value) > MaxValueLen {
		return "", ErrValueTooLong
	}
	in := make([]byte, 0, len(p.prefix)+4+len(value))
	in = append(in, p.prefix...)
	in = keys.AppendLengthPrefixed(in, value)
	mac, err := p.prf.ComputePRF(in, Size)
	if err != nil {
		return "", fmt.Errorf("govshare/pseudonym: prf: %w", err)
	}
	var raw [5 + Size]byte
	raw[0] = 0x01
	binary.BigEndian.PutUint32(raw[1:], p.keyID)
	copy(raw[5:], mac)
	return base64.RawURLEncoding.EncodeToString(raw[:]), nil
}

// KeyID returns the id of the key the Pseudonymizer uses.
func (p *Pseudonymizer) KeyID() uint32 { return p.keyID }

// String shows the binding and key id only.
func (p *Pseudonymizer) String() string {
	if p == nil {
		return "pseudonym.Pseudonymizer(nil)"
	}
	return fmt.Sprintf("pseudonym.Pseudonymizer{field:%q recipient:%q key:%d}", p.field, p.recipient, p.keyID)
}

// GoString is [Pseudonymizer.String].
func (p *Pseudonymizer) GoString() string { return p.String() }

// Format prints [Pseudonymizer.String] for every verb.
func (p *Pseudonymizer) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, p.String()) }

// KeyID returns the id of the key a pseudonym was made with.
func KeyID(pseudonym string) (uint32, error) {
	if len(pseudonym) != encodedLen {
		return 0, ErrInvalidPseudonym
	}
	raw, err := base64.RawURLEncoding.Strict().DecodeString(pseudonym)
	if err != nil || len(raw) != 5+Size || raw[0] != 0x01 {
		return 0, ErrInvalidPseudonym
	}
	return binary.BigEndian.Uint32(raw[1:5]), nil
}
