package envelope

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/govshare/govshare/catalog"
	"github.com/govshare/govshare/crypto/keys"
	"github.com/govshare/govshare/envelope/internal/format"
)

// Suite is the algorithm suite of an envelope, fixed by the highest level in
// its field manifest and never negotiated. The zero value is invalid.
type Suite uint8

// Suites (docs/envelope.md).
const (
	SuiteGeneral   Suite = format.SuiteGeneral   // X-Wing KEM + Ed25519
	SuiteImportant Suite = format.SuiteImportant // X-Wing KEM + composite ML-DSA-65/Ed25519
	SuiteCore      Suite = format.SuiteCore      // ML-KEM-1024 KEM + ML-DSA-87
)

// SuiteFor returns the suite for data whose highest field level is l.
func SuiteFor(l catalog.Level) (Suite, error) {
	c := format.Code(format.Levels, string(l))
	if c == 0 {
		return 0, wrap(ErrUnknownSuite, "no suite for level %q", l)
	}
	return Suite(c), nil
}

// String returns the level name the suite serves: general, important, core.
func (s Suite) String() string {
	if s == 0 || int(s) >= len(format.Suites) {
		return fmt.Sprintf("Suite(%d)", uint8(s))
	}
	return format.Suites[s]
}

// MarshalText encodes the suite by name (for the JSON display form).
func (s Suite) MarshalText() ([]byte, error) {
	if s == 0 || int(s) >= len(format.Suites) {
		return nil, wrap(ErrUnknownSuite, "code %d", uint8(s))
	}
	return []byte(format.Suites[s]), nil
}

// UnmarshalText is the inverse of [Suite.MarshalText].
func (s *Suite) UnmarshalText(b []byte) error {
	c := format.Code(format.Suites, string(b))
	if c == 0 {
		return wrap(ErrUnknownSuite, "%q", b)
	}
	*s = Suite(c)
	return nil
}

// Kinds returns the keyring kinds of the suite's KEM and signature.
func (s Suite) Kinds() (kem, sig keys.Kind, err error) {
	if s == 0 || int(s) >= len(format.Suites) {
		return 0, 0, wrap(ErrUnknownSuite, "code %d", uint8(s))
	}
	return keys.SuiteKinds(catalog.Level(format.Suites[s]))
}

// ID is an envelope's random 16-byte identifier; it prints as hex.
type ID [format.IDSize]byte

// String returns the id in lowercase hex.
func (id ID) String() string { return hex.EncodeToString(id[:]) }

// MarshalText encodes the id as hex.
func (id ID) MarshalText() ([]byte, error) { return []byte(id.String()), nil }

// UnmarshalText decodes a hex id.
func (id *ID) UnmarshalText(b []byte) error {
	if len(b) != 2*format.IDSize {
		return errorf("envelope id must be %d hex digits", 2*format.IDSize)
	}
	_, err := hex.Decode(id[:], b)
	if err != nil {
		return errorf("envelope id is not hex")
	}
	return nil
}

// Commitment is an envelope's key commitment: HMAC-SHA256 keyed with the
// data key over lp("govshare/envelope/v2/key-commitment") ‖ envelope id. It
// is in the signed header, so the provider's signature commits to the one
// data key that opens the envelope. It prints as hex.
type Commitment [format.CommitSize]byte

// String returns the commitment in lowercase hex.
func (c Commitment) String() string { return hex.EncodeToString(c[:]) }

// MarshalText encodes the commitment as hex.
func (c Commitment) MarshalText() ([]byte, error) { return []byte(c.String()), nil }

// UnmarshalText decodes a hex commitment.
func (c *Commitment) UnmarshalText(b []byte) error {
	if len(b) != 2*format.CommitSize {
		return errorf("key commitment must be %d hex digits", 2*format.CommitSize)
	}
	if _, err := hex.Decode(c[:], b); err != nil {
		return errorf("key commitment is not hex")
	}
	return nil
}

// Field is one entry of the field manifest: what a payload column is and in
// which form it left the provider.
type Field struct {
	Name      string            `json:"name"`
	Type      catalog.Type      `json:"type"`
	Category  catalog.Category  `json:"category"`
	Level     catalog.Level     `json:"level"`
	Transform catalog.Transform `json:"transform"`
	// KeyID is the key that made the field's values (token, pseudonym, FPE
	// key id); 0 when the transform uses no key.
	KeyID uint32 `json:"key_id"`
}

// Header is an envelope's authenticated header: everything the envelope is
// bound to. Its canonical binary form ([Header.MarshalBinary]) is hashed into
// H, which the key stanza, every payload chunk and the signature commit to.
// The JSON form (struct tags) is for display only.
type Header struct {
	Version     int             `json:"version"` // always 2
	Suite       Suite           `json:"suite"`
	ID          ID              `json:"id"`
	IssuedAt    time.Time       `json:"issued_at"`
	Provider    string          `json:"provider"`
	SignerKeyID uint32          `json:"signer_key_id"`
	Recipient   string          `json:"recipient"`
	KEMKeyID    uint32          `json:"kem_key_id"`
	Purpose     catalog.Purpose `json:"purpose"`
	Grant       string          `json:"grant"` // "" when no grant: the key is always present
	Resource    string          `json:"resource"`
	// The window: opening is allowed for NotBefore ≤ now ≤ NotAfter.
	NotBefore time.Time `json:"not_before"`
	NotAfter  time.Time `json:"not_after"`
	// OnwardTransferProhibited must be true: the recipient may
	// not pass the data on (docs/domain.md: the problem, 谁经手、谁使用、谁负责).
	OnwardTransferProhibited bool    `json:"onward_transfer_prohibited"`
	Fields                   []Field `json:"fields"`
	ContentType              string  `json:"content_type"` // e.g. text/csv, application/x-ndjson
	RecordCount              uint64  `json:"record_count"`
	PayloadLength            uint64  `json:"payload_length"` // plaintext bytes
	Digest                   string  `json:"digest_alg"`     // payload digest algorithm: blake3-chunks (sha256-chunks before)
	// KeyCommitment commits to the data key (see [Commitment]); Open
	// refuses a key stanza whose data key does not match it.
	KeyCommitment Commitment `json:"key_commitment"`
}

// MarshalBinary returns the canonical header bytes. Times are stored as whole
// Unix seconds; sub-second parts are dropped.
func (h *Header) MarshalBinary() ([]byte, error) {
	w, err := h.wire()
	if err != nil {
		return nil, err
	}
	return w.Marshal()
}

// Hash returns H, the SHA-256 of the canonical header bytes. The share-record
// log records it next to the envelope id.
func (h *Header) Hash() ([32]byte, error) {
	b, err := h.MarshalBinary()
	if err != nil {
		return [32]byte{}, err
	}
	return sha256.Sum256(b), nil
}

// ParseHeader parses canonical header bytes, exactly one header and nothing
// more. Use [Inspect] to read the header at the start of an envelope.
func ParseHeader(b []byte) (*Header, error) {
	w, err := format.ParseHeader(b)
	if err != nil {
		return nil, err
	}
	return fromWire(w), nil
}

func unix(t time.Time, what string) (uint64, error) {
	s := t.Unix()
	if t.IsZero() || s < 0 || s > format.MaxTime {
		return 0, wrap(ErrMalformed, "%s must be between 1970 and 9999", what)
	}
	return uint64(s), nil
}

func (h *Header) wire() (*format.Header, error) {
	if h.Version != format.Version {
		return nil, wrap(ErrMalformed, "version %d", h.Version)
	}
	if !h.OnwardTransferProhibited {
		return nil, wrap(ErrMalformed, "onward transfer must be prohibited")
	}
	w := &format.Header{
		Suite:         uint8(h.Suite),
		ID:            h.ID,
		Provider:      h.Provider,
		SignerKeyID:   h.SignerKeyID,
		Recipient:     h.Recipient,
		KEMKeyID:      h.KEMKeyID,
		Purpose:       format.Code(format.Purposes, string(h.Purpose)),
		Grant:         h.Grant,
		Resource:      h.Resource,
		Flags:         format.FlagOnwardProhibited,
		ContentType:   h.ContentType,
		RecordCount:   h.RecordCount,
		PayloadLength: h.PayloadLength,
		Digest:        format.Code(format.Digests, h.Digest),
		KeyCommitment: h.KeyCommitment,
	}
	var err error
	if w.IssuedAt, err = unix(h.IssuedAt, "issued_at"); err != nil {
		return nil, err
	}
	if w.NotBefore, err = unix(h.NotBefore, "not_before"); err != nil {
		return nil, err
	}
	if w.NotAfter, err = unix(h.NotAfter, "not_after"); err != nil {
		return nil, err
	}
	w.Fields = make([]format.Field, len(h.Fields))
	for i, f := range h.Fields {
		w.Fields[i] = format.Field{
			Name:      f.Name,
			Type:      string(f.Type),
			Category:  format.Code(format.Categories, string(f.Category)),
			Level:     format.Code(format.Levels, string(f.Level)),
			Transform: format.Code(format.Transforms, string(f.Transform)),
			KeyID:     f.KeyID,
		}
	}
	if err := w.Validate(); err != nil {
		return nil, err
	}
	return w, nil
}

func fromWire(w *format.Header) *Header {
	h := &Header{
		Version:                  format.Version,
		Suite:                    Suite(w.Suite),
		ID:                       w.ID,
		IssuedAt:                 time.Unix(int64(w.IssuedAt), 0).UTC(),
		Provider:                 w.Provider,
		SignerKeyID:              w.SignerKeyID,
		Recipient:                w.Recipient,
		KEMKeyID:                 w.KEMKeyID,
		Purpose:                  catalog.Purpose(format.Purposes[w.Purpose]),
		Grant:                    w.Grant,
		Resource:                 w.Resource,
		NotBefore:                time.Unix(int64(w.NotBefore), 0).UTC(),
		NotAfter:                 time.Unix(int64(w.NotAfter), 0).UTC(),
		OnwardTransferProhibited: w.Flags&format.FlagOnwardProhibited != 0,
		ContentType:              w.ContentType,
		RecordCount:              w.RecordCount,
		PayloadLength:            w.PayloadLength,
		Digest:                   format.Digests[w.Digest],
		KeyCommitment:            w.KeyCommitment,
	}
	h.Fields = make([]Field, len(w.Fields))
	for i, f := range w.Fields {
		h.Fields[i] = Field{
			Name:      f.Name,
			Type:      catalog.Type(f.Type),
			Category:  catalog.Category(format.Categories[f.Category]),
			Level:     catalog.Level(format.Levels[f.Level]),
			Transform: catalog.Transform(format.Transforms[f.Transform]),
			KeyID:     f.KeyID,
		}
	}
	return h
}
