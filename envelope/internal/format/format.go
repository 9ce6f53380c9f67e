// Package format is the envelope/v2 wire format: the canonical binary header,
// the key stanza and signature blocks, and every domain-separation label.
// It knows nothing of keys; the envelope package does the cryptography.
//
// Parsing is strict: an unknown version or suite, an out-of-range code, a
// non-canonical or over-long length, or a trailing byte is an error, so that
// Marshal(Parse(b)) == b for every b that parses.
package format

import (
	"errors"
	"fmt"
	"io"
	"unicode/utf8"

	"golang.org/x/crypto/cryptobyte"

	"github.com/govshare/govshare/catalog"
	"github.com/govshare/govshare/crypto/keys"
)

// Magic opens every envelope; Version follows it.
const (
	Magic   = "GOVSHENV"
	Version = 2
	// VersionNoCommitment is envelope/v1, which had no key commitment. It is
	// refused with a message of its own.
	VersionNoCommitment = 1
)

// Labels: one per use of a key or hash, so no value made for one purpose can
// be replayed as another (the pattern of age's primitives.go; docs/envelope.md lists them).
const (
	// LabelKeyStanza prefixes H in the HPKE contextInfo that wraps the data key.
	LabelKeyStanza = "govshare/envelope/v2/key-stanza"
	// LabelPayloadKey is the HKDF info label of the payload key (followed by
	// the length-prefixed purpose).
	LabelPayloadKey = "govshare/envelope/v2/payload-key"
	// LabelPayloadDigest starts the hash over the per-chunk hashes.
	LabelPayloadDigest = "govshare/envelope/v2/payload-digest"
	// LabelSignature starts the message the provider signs.
	LabelSignature = "govshare/envelope/v2/signature"
	// LabelKeyCommitment starts the HMAC input of the key commitment.
	LabelKeyCommitment = "govshare/envelope/v2/key-commitment"
)

// Sizes and limits.
const (
	ChunkSize     = 64 << 10 // plaintext bytes per chunk (the last may be shorter)
	TagSize       = 16       // AES-GCM tag per chunk
	IDSize        = 16       // envelope id
	DataKeySize   = 32       // the random key wrapped to the recipient
	CommitSize    = 32       // the key commitment (HMAC-SHA256)
	prefixSize    = 9        // magic + version
	MaxHeaderBody = 1 << 20  // header body bound: a manifest of thousands of fields fits
	// MaxPayload bounds the plaintext (1 PiB) so sizes and offsets fit int64
	// with room to spare.
	MaxPayload = 1 << 50
	// MaxTime is 9999-12-31T23:59:59Z: every stored time fits RFC 3339.
	MaxTime      = 253402300799
	maxName      = 255
	maxFields    = 4096
	maxBlockSize = 1<<16 - 1 // u16-length-prefixed stanza and signature
)

// Suite codes. They equal the level codes of the level they serve, so the
// suite of a header must equal its highest field level code.
const (
	SuiteGeneral   = 1 // X-Wing + Ed25519
	SuiteImportant = 2 // X-Wing + ML-DSA-65/Ed25519
	SuiteCore      = 3 // ML-KEM-1024 + ML-DSA-87
)

// FlagOnwardProhibited is the only flag, and it must be set.
const FlagOnwardProhibited = 0x01

// Payload digest algorithms: D is SHA-256 over the list of per-chunk
// hashes h_i, and the code says which hash makes h_i. Seal writes
// BLAKE3 (twice SHA-256's speed on one core, where the per-chunk hash is
// most of Open's work); Open reads both.
const (
	DigestSHA256Chunks = 1 // h_i = SHA-256(0x00 ‖ chunk)
	DigestBLAKE3Chunks = 2 // h_i = BLAKE3-256(0x00 ‖ chunk)
)

// Code tables. Index 0 is invalid (a forgotten field fails); the order is part
// of the format: append only.
var (
	Suites     = []string{"", string(catalog.LevelGeneral), string(catalog.LevelImportant), string(catalog.LevelCore)}
	Purposes   = []string{"", string(catalog.PurposeAdministrativeBasis), string(catalog.PurposeDataVerification), string(catalog.PurposeWorkReference), string(catalog.PurposeStatistics)}
	Categories = []string{"", string(catalog.CategoryPublic), string(catalog.CategoryPersonal), string(catalog.CategoryTradeSecret), string(catalog.CategoryNationalSecurity)}
	Levels     = []string{"", string(catalog.LevelGeneral), string(catalog.LevelImportant), string(catalog.LevelCore)}
	Transforms = append([]string{""}, transformNames()...)
	Digests    = []string{"", "sha256-chunks", "blake3-chunks"}
)

// transformNames lists catalog.Transforms in their wire order: one list of
// transform names for the catalog and the format. TestTransformCodes pins
// the order, which the format fixes (append only).
func transformNames() []string {
	names := make([]string, len(catalog.Transforms))
	for i, t := range catalog.Transforms {
		names[i] = string(t)
	}
	return names
}

// Code returns the code of name in table, or 0 if it is not there.
func Code(table []string, name string) uint8 {
	for i := 1; i < len(table); i++ {
		if table[i] == name {
			return uint8(i)
		}
	}
	return 0
}

// Errors. The envelope package re-exports them.
var (
	ErrMalformed    = errors.New("govshare/envelope: malformed envelope")
	ErrUnknownSuite = errors.New("govshare/envelope: unknown or mismatched suite")
)

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrMalformed}, args...)...)
}

// Field is one manifest entry, in wire form.
type Field struct {
	Name      string
	Type      string // classify type id, or "none"
	Category  uint8
	Level     uint8
	Transform uint8
	KeyID     uint32 // the key that made the field's values; 0 if none
}

// Header is the wire form of an envelope header. Times are Unix seconds.
type Header struct {
	Suite         uint8
	ID            [IDSize]byte
	IssuedAt      uint64
	Provider      string
	SignerKeyID   uint32
	Recipient     string
	KEMKeyID      uint32
	Purpose       uint8
	Grant         string // may be empty (unconditional resources need none)
	Resource      string
	NotBefore     uint64
	NotAfter      uint64
	Flags         uint8
	Fields        []Field
	ContentType   string
	RecordCount   uint64
	PayloadLength uint64
	Digest        uint8
	// KeyCommitment is HMAC-SHA256(data key, lp(LabelKeyCommitment) ‖ ID):
	// through H, the signature commits to the one data key that opens the
	// envelope.
	KeyCommitment [CommitSize]byte
}

// Marshal returns the canonical header bytes (magic, version, u32-length-
// prefixed body). H is SHA-256 of exactly these bytes.
func (h *Header) Marshal() ([]byte, error) {
	if err := h.Validate(); err != nil {
		return nil, err
	}
	return h.encode()
}

// encode serializes without validating (tests use it to build bad headers).
func (h *Header) encode() ([]byte, error) {
	var b cryptobyte.Builder
	b.AddBytes([]byte(Magic))
	b.AddUint8(Version)
	b.AddUint32LengthPrefixed(func(b *cryptobyte.Builder) {
		b.AddUint8(h.Suite)
		b.AddBytes(h.ID[:])
		b.AddUint64(h.IssuedAt)
		addString8(b, h.Provider)
		b.AddUint32(h.SignerKeyID)
		addString8(b, h.Recipient)
		b.AddUint32(h.KEMKeyID)
		b.AddUint8(h.Purpose)
		addString8(b, h.Grant)
		addString8(b, h.Resource)
		b.AddUint64(h.NotBefore)
		b.AddUint64(h.NotAfter)
		b.AddUint8(h.Flags)
		b.AddUint16(uint16(len(h.Fields)))
		for _, f := range h.Fields {
			addString8(b, f.Name)
			addString8(b, f.Type)
			b.AddUint8(f.Category)
			b.AddUint8(f.Level)
			b.AddUint8(f.Transform)
			b.AddUint32(f.KeyID)
		}
		addString8(b, h.ContentType)
		b.AddUint64(h.RecordCount)
		b.AddUint64(h.PayloadLength)
		b.AddUint8(h.Digest)
		b.AddBytes(h.KeyCommitment[:])
	})
	out, err := b.Bytes()
	if err != nil {
		return nil, malformed("encode header: %v", err)
	}
	return out, nil
}

func addString8(b *cryptobyte.Builder, s string) {
	b.AddUint8LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes([]byte(s)) })
}

func readString8(s *cryptobyte.String, out *string) bool {
	var v cryptobyte.String
	if !s.ReadUint8LengthPrefixed(&v) {
		return false
	}
	*out = string(v)
	return true
}

// ParseHeader parses exactly one header; b must hold nothing else.
func ParseHeader(b []byte) (*Header, error) {
	n, err := HeaderLen(b)
	if err != nil {
		return nil, err
	}
	if n != len(b) {
		return nil, malformed("trailing bytes after the header")
	}
	return parseBody(b[prefixSize+4:])
}

// HeaderLen checks the magic and version at the start of b and returns the
// total header length announced there. b needs at least 13 bytes.
func HeaderLen(b []byte) (int, error) {
	if len(b) < prefixSize+4 {
		return 0, malformed("shorter than a header prefix")
	}
	if string(b[:len(Magic)]) != Magic {
		return 0, malformed("not an envelope (bad magic)")
	}
	switch v := b[len(Magic)]; v {
	case Version:
	case VersionNoCommitment:
		return 0, malformed("envelope/v1 is no longer opened (its signature does not commit to the data key): ask the provider to seal it again")
	default:
		return 0, malformed("unknown version %d", v)
	}
	body := uint32(b[9])<<24 | uint32(b[10])<<16 | uint32(b[11])<<8 | uint32(b[12])
	if body > MaxHeaderBody {
		return 0, malformed("header body of %d bytes exceeds %d", body, MaxHeaderBody)
	}
	return prefixSize + 4 + int(body), nil
}

// ReadHeader reads one header from r, reading no byte past it, and returns
// the parsed header and its exact bytes.
func ReadHeader(r io.Reader) (*Header, []byte, error) {
	pre := make([]byte, prefixSize+4)
	if _, err := io.ReadFull(r, pre); err != nil {
		return nil, nil, readErr(err)
	}
	n, err := HeaderLen(pre)
	if err != nil {
		return nil, nil, err
	}
	b := make([]byte, n)
	copy(b, pre)
	if _, err := io.ReadFull(r, b[len(pre):]); err != nil {
		return nil, nil, readErr(err)
	}
	h, err := parseBody(b[len(pre):])
	if err != nil {
		return nil, nil, err
	}
	return h, b, nil
}

func readErr(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return malformed("truncated")
	}
	return fmt.Errorf("govshare/envelope: read: %w", err)
}

func parseBody(body []byte) (*Header, error) {
	s := cryptobyte.String(body)
	h := new(Header)
	var id []byte
	var nFields uint16
	ok := s.ReadUint8(&h.Suite) &&
		s.ReadBytes(&id, IDSize) &&
		s.ReadUint64(&h.IssuedAt) &&
		readString8(&s, &h.Provider) &&
		s.ReadUint32(&h.SignerKeyID) &&
		readString8(&s, &h.Recipient) &&
		s.ReadUint32(&h.KEMKeyID) &&
		s.ReadUint8(&h.Purpose) &&
		readString8(&s, &h.Grant) &&
		readString8(&s, &h.Resource) &&
		s.ReadUint64(&h.NotBefore) &&
		s.ReadUint64(&h.NotAfter) &&
		s.ReadUint8(&h.Flags) &&
		s.ReadUint16(&nFields)
	if !ok {
		return nil, malformed("truncated header")
	}
	copy(h.ID[:], id)
	if int(nFields) > maxFields {
		return nil, malformed("%d fields exceed %d", nFields, maxFields)
	}
	h.Fields = make([]Field, nFields)
	for i := range h.Fields {
		f := &h.Fields[i]
		if !readString8(&s, &f.Name) || !readString8(&s, &f.Type) ||
			!s.ReadUint8(&f.Category) || !s.ReadUint8(&f.Level) || !s.ReadUint8(&f.Transform) ||
			!s.ReadUint32(&f.KeyID) {
			return nil, malformed("truncated field %d", i)
		}
	}
	var commit []byte
	if !readString8(&s, &h.ContentType) || !s.ReadUint64(&h.RecordCount) ||
		!s.ReadUint64(&h.PayloadLength) || !s.ReadUint8(&h.Digest) ||
		!s.ReadBytes(&commit, CommitSize) {
		return nil, malformed("truncated header")
	}
	copy(h.KeyCommitment[:], commit)
	if !s.Empty() {
		return nil, malformed("trailing bytes in the header body")
	}
	if err := h.Validate(); err != nil {
		return nil, err
	}
	return h, nil
}

// Validate checks every rule a header must meet, for Marshal and Parse alike.
func (h *Header) Validate() error {
	if h.Suite == 0 || int(h.Suite) >= len(Suites) {
		return fmt.Errorf("%w: code %d", ErrUnknownSuite, h.Suite)
	}
	if err := keys.ValidDept(h.Provider); err != nil {
		return malformed("provider: %v", err)
	}
	if err := keys.ValidDept(h.Recipient); err != nil {
		return malformed("recipient: %v", err)
	}
	if !inTable(Purposes, h.Purpose) {
		return malformed("purpose code %d", h.Purpose)
	}
	if err := text(h.Grant, false); err != nil {
		return malformed("grant: %v", err)
	}
	if err := text(h.Resource, true); err != nil {
		return malformed("resource: %v", err)
	}
	if h.IssuedAt > MaxTime || h.NotBefore > MaxTime || h.NotAfter > MaxTime {
		return malformed("time after year 9999")
	}
	if h.NotAfter < h.NotBefore {
		return malformed("not_after before not_before")
	}
	if h.Flags != FlagOnwardProhibited {
		return malformed("flags 0x%02x: exactly onward-transfer-prohibited is required", h.Flags)
	}
	if len(h.Fields) == 0 || len(h.Fields) > maxFields {
		return malformed("manifest must list 1–%d fields", maxFields)
	}
	var top uint8
	seen := make(map[string]bool, len(h.Fields))
	for i, f := range h.Fields {
		if err := text(f.Name, true); err != nil {
			return malformed("field %d name: %v", i, err)
		}
		if seen[f.Name] {
			return malformed("field %d: duplicate name", i)
		}
		seen[f.Name] = true
		if t := catalog.Type(f.Type); !t.Known() {
			return malformed("field %d: unknown type", i)
		}
		if !inTable(Categories, f.Category) || !inTable(Levels, f.Level) || !inTable(Transforms, f.Transform) {
			return malformed("field %d: category, level or transform code out of range", i)
		}
		top = max(top, f.Level)
	}
	// The suite is chosen by the highest level, never negotiated: a header
	// claiming a weaker (or different) suite than its data needs is refused.
	if h.Suite != top {
		return fmt.Errorf("%w: suite %s does not match highest field level %s", ErrUnknownSuite, Suites[h.Suite], Levels[top])
	}
	if err := contentType(h.ContentType); err != nil {
		return malformed("content type: %v", err)
	}
	if h.PayloadLength > MaxPayload {
		return malformed("payload length exceeds %d", uint64(MaxPayload))
	}
	if h.Digest != DigestSHA256Chunks && h.Digest != DigestBLAKE3Chunks {
		return malformed("digest algorithm code %d", h.Digest)
	}
	return nil
}

func inTable(table []string, c uint8) bool { return c != 0 && int(c) < len(table) }

// text checks a free-text header string: valid UTF-8, no control characters,
// at most 255 bytes (the u8 length prefix).
func text(s string, required bool) error {
	if required && s == "" {
		return errors.New("empty")
	}
	if len(s) > maxName {
		return fmt.Errorf("longer than %d bytes", maxName)
	}
	if !utf8.ValidString(s) {
		return errors.New("not UTF-8")
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return errors.New("control character")
		}
	}
	return nil
}

// contentType accepts type/subtype (RFC 6838 restricted-name characters) with
// optional ";param=value" tails, ASCII only, 3–127 bytes.
func contentType(s string) error {
	if len(s) < 3 || len(s) > 127 {
		return errors.New("must be 3–127 bytes")
	}
	slash := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case c == '/':
			slash++
		case c == '!' || c == '#' || c == '$' || c == '&' || c == '-' || c == '^' || c == '_' || c == '.' || c == '+' || c == ';' || c == '=' || c == ' ':
		default:
			return fmt.Errorf("character at byte %d not allowed", i)
		}
	}
	if slash != 1 || s[0] == '/' || s[len(s)-1] == '/' {
		return errors.New("must be type/subtype")
	}
	return nil
}

// NumChunks returns how many chunks a payload of n bytes is cut into: at
// least one, so an empty payload still has an authenticated final chunk.
func NumChunks(n uint64) uint64 {
	if n == 0 {
		return 1
	}
	return (n + ChunkSize - 1) / ChunkSize
}

// CiphertextLen is the payload's length on the wire.
func CiphertextLen(n uint64) uint64 { return n + NumChunks(n)*TagSize }

// AppendBlock appends a u16-length-prefixed block (key stanza or signature).
func AppendBlock(dst, block []byte) ([]byte, error) {
	if len(block) == 0 || len(block) > maxBlockSize {
		return nil, malformed("block of %d bytes", len(block))
	}
	dst = append(dst, byte(len(block)>>8), byte(len(block)))
	return append(dst, block...), nil
}

// BlockLen decodes a u16 block length prefix; zero is refused.
func BlockLen(p []byte) (int, error) {
	n := int(p[0])<<8 | int(p[1])
	if n == 0 {
		return 0, malformed("empty block")
	}
	return n, nil
}
