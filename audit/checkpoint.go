package audit

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// Hash is a SHA-256 tree or leaf hash (RFC 6962).
type Hash = tlog.Hash

// Checkpoint is a signed tree head in the C2SP tlog-checkpoint format:
// the body is the origin line, the tree size in decimal and the base64 root
// hash, each followed by a newline, then one extension line with the
// operator's time when it signed: "time 2025-03-01T08:30:00.000Z". Times
// never decrease from one checkpoint of a log to the next (a verifier that
// sees one decrease reports ErrRollback). Checkpoints written before times
// were added have no time line; their Time is zero.
type Checkpoint struct {
	Origin string    // the log's name; equals the note key name
	Size   uint64    // number of records
	Root   Hash      // RFC 6962 root of the first Size records
	Time   time.Time // the operator's clock when it signed, to the millisecond, UTC; zero in old checkpoints
}

// timeLinePrefix starts the checkpoint's time extension line.
const timeLinePrefix = "time "

// maxCheckpointSize bounds a signed checkpoint we are willing to parse.
const maxCheckpointSize = 4 << 10

// Marshal returns the unsigned checkpoint body.
func (c Checkpoint) Marshal() []byte {
	b := c.Origin + "\n" + strconv.FormatUint(c.Size, 10) + "\n" +
		base64.StdEncoding.EncodeToString(c.Root[:]) + "\n"
	if !c.Time.IsZero() {
		b += timeLinePrefix + formatTime(c.Time) + "\n"
	}
	return []byte(b)
}

// ParseCheckpoint parses an unsigned checkpoint body strictly: exactly three
// lines and the optional time line, no other extension lines, a decimal
// size without leading zeros, and a canonical base64 root of 32 bytes. It does not check any signature; use
// OpenCheckpoint for signed checkpoints.
func ParseCheckpoint(body []byte) (Checkpoint, error) {
	if len(body) > maxCheckpointSize || !utf8.Valid(body) {
		return Checkpoint{}, errors.New("govshare/audit: malformed checkpoint")
	}
	lines := strings.Split(string(body), "\n")
	var when time.Time
	if len(lines) == 5 && lines[4] == "" {
		t, ok := strings.CutPrefix(lines[3], timeLinePrefix)
		if when, ok = parseTimeString(t, ok); !ok {
			return Checkpoint{}, errors.New("govshare/audit: checkpoint has an extension line other than its time")
		}
		lines = append(lines[:3], "")
	}
	if len(lines) != 4 || lines[3] != "" {
		return Checkpoint{}, errors.New("govshare/audit: checkpoint must have exactly three lines and a time line")
	}
	origin, sizeText, rootText := lines[0], lines[1], lines[2]
	if !validOrigin(origin) {
		return Checkpoint{}, errors.New("govshare/audit: checkpoint origin is empty or has spaces or '+'")
	}
	size, err := strconv.ParseUint(sizeText, 10, 64)
	if err != nil || strconv.FormatUint(size, 10) != sizeText || size > 1<<62 {
		return Checkpoint{}, errors.New("govshare/audit: checkpoint size is not a canonical decimal")
	}
	raw, err := base64.StdEncoding.Strict().DecodeString(rootText)
	if err != nil || len(raw) != HashSize {
		return Checkpoint{}, errors.New("govshare/audit: checkpoint root is not 32 bytes of base64")
	}
	c := Checkpoint{Origin: origin, Size: size, Time: when}
	copy(c.Root[:], raw)
	return c, nil
}

// HashSize is the size of a Hash in bytes.
const HashSize = tlog.HashSize

func validOrigin(s string) bool {
	if s == "" || !utf8.ValidString(s) || strings.ContainsRune(s, '+') {
		return false
	}
	for _, r := range s {
		if unicode.IsSpace(r) || !unicode.IsPrint(r) {
			return false
		}
	}
	return true
}

// signCheckpoint signs c's body with s. The origin must be the signer's name:
// a checkpoint names the log it belongs to.
func signCheckpoint(c Checkpoint, s note.Signer) ([]byte, error) {
	if c.Origin != s.Name() {
		return nil, errors.New("govshare/audit: checkpoint origin differs from the signer's name")
	}
	msg, err := note.Sign(&note.Note{Text: string(c.Marshal())}, s)
	if err != nil {
		return nil, fmt.Errorf("govshare/audit: signing checkpoint: %w", err)
	}
	return msg, nil
}

// OpenCheckpoint verifies a signed checkpoint with v and returns it. It
// requires exactly one signature, by v's key, whose name is the origin, and
// the exact bytes the log writes (canonical base64, no extra lines): a
// checkpoint that verifies can only have one spelling.
func OpenCheckpoint(signed []byte, v note.Verifier) (Checkpoint, error) {
	if v == nil {
		return Checkpoint{}, errors.New("govshare/audit: nil verifier")
	}
	if len(signed) > maxCheckpointSize {
		return Checkpoint{}, notVerified(nil, "checkpoint too large")
	}
	n, err := note.Open(signed, note.VerifierList(v))
	if err != nil {
		var unv *note.UnverifiedNoteError
		if errors.As(err, &unv) {
			return Checkpoint{}, notVerified(ErrBadSignature, "checkpoint is not signed by the log's key")
		}
		return Checkpoint{}, notVerified(ErrBadSignature, "checkpoint signature is invalid or malformed")
	}
	if len(n.Sigs) != 1 || len(n.UnverifiedSigs) != 0 {
		return Checkpoint{}, notVerified(nil, "checkpoint must carry exactly one signature, the log's")
	}
	sig := n.Sigs[0]
	canon := n.Text + "\n\u2014 " + sig.Name + " " + sig.Base64 + "\n"
	if _, err := base64.StdEncoding.Strict().DecodeString(sig.Base64); err != nil || canon != string(signed) {
		return Checkpoint{}, notVerified(nil, "checkpoint is not in canonical form")
	}
	c, err := ParseCheckpoint([]byte(n.Text))
	if err != nil {
		return Checkpoint{}, wrapNotVerified(nil, err, "govshare/audit: signed checkpoint")
	}
	if c.Origin != v.Name() {
		return Checkpoint{}, notVerified(ErrBadSignature, "checkpoint origin differs from the key name")
	}
	return c, nil
}

// splitSigned parses a signed checkpoint without verifying it: Open uses it
// to find the log's own state, and checks the signing key by name and hash;
// the signature itself is for auditors (Verify, OpenCheckpoint).
func splitSigned(signed []byte, name string, keyHash uint32) (Checkpoint, error) {
	if len(signed) > maxCheckpointSize {
		return Checkpoint{}, errors.New("govshare/audit: checkpoint too large")
	}
	i := bytes.Index(signed, []byte("\n\n"))
	if i < 0 {
		return Checkpoint{}, errors.New("govshare/audit: checkpoint has no signature")
	}
	body, sigs := signed[:i+1], string(signed[i+2:])
	prefix := "\u2014 " + name + " "
	if !strings.HasPrefix(sigs, prefix) || !strings.HasSuffix(sigs, "\n") || strings.Count(sigs, "\n") != 1 {
		return Checkpoint{}, errors.New("govshare/audit: checkpoint is not signed by this log's key name")
	}
	raw, err := base64.StdEncoding.Strict().DecodeString(strings.TrimSuffix(sigs[len(prefix):], "\n"))
	if err != nil || len(raw) < 4 {
		return Checkpoint{}, errors.New("govshare/audit: checkpoint signature is malformed")
	}
	if uint32(raw[0])<<24|uint32(raw[1])<<16|uint32(raw[2])<<8|uint32(raw[3]) != keyHash {
		return Checkpoint{}, errors.New("govshare/audit: checkpoint is signed by another key")
	}
	c, err := ParseCheckpoint(body)
	if err != nil {
		return Checkpoint{}, err
	}
	if c.Origin != name {
		return Checkpoint{}, errors.New("govshare/audit: checkpoint origin differs from the key name")
	}
	return c, nil
}

// SignerKey is an encoded note signer key ("PRIVATE+KEY+name+hash+key").
// It prints as [redacted] with every fmt verb and in slog; convert it with
// string(k) only to store it.
type SignerKey string

// String implements fmt.Stringer without revealing the key.
func (SignerKey) String() string { return "[redacted]" }

// GoString implements fmt.GoStringer without revealing the key.
func (SignerKey) GoString() string { return "audit.SignerKey([redacted])" }

// Format makes every verb (%s, %q, %x, %v, ...) print [redacted].
func (SignerKey) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte("[redacted]")) }

// LogValue implements slog.LogValuer.
func (SignerKey) LogValue() slog.Value { return slog.StringValue("[redacted]") }

// GenerateKey creates an Ed25519 note key pair for a log named name (the
// checkpoint origin, for example "gov.example/share-log"). The verifier key
// "name+hash+key" is public: give it to supervisors and providers.
func GenerateKey(name string) (signerKey SignerKey, verifierKey string, err error) {
	if !validOrigin(name) {
		return "", "", errors.New("govshare/audit: log name is empty or has spaces or '+'")
	}
	skey, vkey, err := note.GenerateKey(rand.Reader, name)
	if err != nil {
		return "", "", errors.New("govshare/audit: generating key failed")
	}
	return SignerKey(skey), vkey, nil
}

// VerifierKey returns the verifier key of a signer key: the one
// GenerateKey returned with it, derived again (the public half of its
// Ed25519 seed), for a verifier key file lost or never written. Errors
// never include the key.
func VerifierKey(k SignerKey) (string, error) {
	bad := errors.New("govshare/audit: malformed signer key")
	// PRIVATE+KEY+name+hash+base64(algorithm byte, seed)
	rest, ok := strings.CutPrefix(string(k), "PRIVATE+KEY+")
	if !ok {
		return "", bad
	}
	f := strings.SplitN(rest, "+", 3) // name and hash have no '+'; base64 may
	if len(f) != 3 {
		return "", bad
	}
	key, err := base64.StdEncoding.DecodeString(f[2])
	if err != nil || len(key) != 1+ed25519.SeedSize || key[0] != 1 {
		return "", bad
	}
	pub := ed25519.NewKeyFromSeed(key[1:]).Public().(ed25519.PublicKey)
	vkey := f[0] + "+" + f[1] + "+" + base64.StdEncoding.EncodeToString(append([]byte{1}, pub...))
	if _, err := note.NewVerifier(vkey); err != nil { // the name's hash must match the key
		return "", bad
	}
	return vkey, nil
}

// NewSigner decodes a signer key. Errors never include the key.
func NewSigner(k SignerKey) (note.Signer, error) {
	s, err := note.NewSigner(string(k))
	if err != nil {
		return nil, errors.New("govshare/audit: malformed signer key")
	}
	return s, nil
}

// NewVerifier decodes a verifier key ("name+hash+key").
func NewVerifier(vkey string) (note.Verifier, error) {
	v, err := note.NewVerifier(vkey)
	if err != nil {
		return nil, errors.New("govshare/audit: malformed verifier key")
	}
	return v, nil
}

// parseTimeString parses a canonical time (timeLayout); ok passes a failure
// of the caller's own through.
func parseTimeString(s string, ok bool) (time.Time, bool) {
	if !ok {
		return time.Time{}, false
	}
	return parseTimeBytes([]byte(s))
}
