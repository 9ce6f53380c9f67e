package govshare

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/govshare/govshare/audit"
	"github.com/govshare/govshare/catalog"
	"github.com/govshare/govshare/crypto/keys"
	"github.com/govshare/govshare/envelope"
	"github.com/tink-crypto/tink-go/v2/keyset"
	"github.com/tink-crypto/tink-go/v2/signature"
)

// ErrNotParty is Dispute's refusal of a keyring that is neither the
// envelope's recipient's (it does not hold the private key the envelope was
// sealed to) nor its provider's (it does not hold the key that signed it),
// whatever department the keyring is named for.
var ErrNotParty = errors.New("govshare: the keys are neither the envelope's recipient's nor its provider's")

// MaxDisputeText bounds a dispute's free text, in bytes.
const MaxDisputeText = 64 << 10

// DisputeTextType is the content type of the envelope that carries a
// dispute's free text to the other party.
const DisputeTextType = "text/plain; charset=utf-8"

// DisputeOptions are the optional settings of Dispute; nil means the
// defaults.
type DisputeOptions struct {
	// Text receives the dispute's free text, sealed to the other party (an
	// envelope). Required when there is a text. An *Output (CreateOutput)
	// is committed once the dispute is on record; any other writer
	// receives the envelope only then.
	Text io.Writer
	// To is the recipient's public bundle: when the provider disputes, its
	// text is sealed to the recipient. (When the recipient disputes, its
	// text goes to the provider, whose bundle Dispute already has.)
	To *keys.PublicBundle
	// Now is the time of the dispute record and of the text envelope;
	// zero means time.Now(). The log's operator refuses a record time far
	// from its own clock (audit.MaxSkew).
	Now time.Time
	// NotAfter ends the window in which the other party can open the text;
	// zero means DefaultValidity after Now.
	NotAfter time.Time
}

// DisputeResult says what Dispute recorded and sent.
type DisputeResult struct {
	Role     string              // "recipient" or "provider": the party the keys proved
	Envelope *envelope.Header    // the disputed envelope (authenticated when the recipient disputes)
	Record   audit.DisputeRecord // the record in the log
	Receipt  audit.Receipt       // its inclusion proof
	Text     *envelope.Header    // the envelope of the sealed text; nil without text
}

// Dispute is a party's act of disputing an envelope (一数一源: the
// consumer's way back to the source). as, the disputing party's keyring,
// must prove by its keys that it is a party to the envelope in src (size
// bytes), whatever department it is named for:
//
//   - the recipient, by opening the envelope as sealed by from, the
//     provider's public bundle: its keyring holds the private KEM key the
//     data key was sealed to, and the provider's signature verifies (the
//     plaintext is discarded; the envelope's window is not checked, so an
//     expired envelope can still be disputed);
//   - the provider, by signing with the key the envelope's header names as
//     its signer (the envelope's issue time must be within its validity)
//     a fresh challenge that verifies with from. The provider cannot open
//     its own envelope, so the rest of the header is taken as read.
//
// A keyring that proves neither is refused with ErrNotParty.
//
// The dispute is recorded in log as an audit.DisputeRecord signed with the
// party's Ed25519 key: the reason is a code (audit.DisputeReasons), never
// text, since the log is kept for years and shown to supervisors. The free
// text that explains the dispute, which may well name a person, is sealed
// to the other party (the provider's bundle from, or opt.To for the
// recipient's) for the envelope's purpose, with content type
// DisputeTextType, and written to opt.Text; the record keeps only its
// digest (see DisputeTextDigest), which CheckDisputeText checks. Reason
// audit.DisputeOther needs a text. opt may be nil.
//
// Nothing is written to opt.Text before the dispute is on record. If the
// text cannot be written after that, Dispute returns the result and the
// write error: the dispute stands, its text was not delivered.
func Dispute(ctx context.Context, log audit.Appender, src io.ReaderAt, size int64, as *keys.Keyring, from *keys.PublicBundle, reason audit.DisputeReason, text string, opt *DisputeOptions) (*DisputeResult, error) {
	var o DisputeOptions
	if opt != nil {
		o = *opt
	}
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	if err := checkDisputeArgs(log, src, as, from, reason, text, &o); err != nil {
		return nil, err
	}
	h, err := envelope.Inspect(io.NewSectionReader(src, 0, size))
	if err != nil {
		return nil, wrapf(err, "disputed envelope")
	}
	res := &DisputeResult{}
	switch as.Dept() {
	case h.Recipient:
		res.Role = "recipient"
		if h, err = proveRecipient(src, size, as, from, h, o.Now); err != nil {
			return nil, err
		}
	case h.Provider:
		res.Role = "provider"
		if err := proveProvider(as, from, h); err != nil {
			return nil, err
		}
	default:
		return nil, &partyError{msg: fmt.Sprintf("govshare: %s is neither the provider nor the recipient of envelope %s", as.Dept(), h.ID)}
	}
	res.Envelope = h
	// The log keeps times to the millisecond in UTC: the result is the record as logged.
	res.Record = audit.DisputeRecord{EnvelopeID: h.ID.String(), By: as.Dept(), Reason: reason, Time: o.Now.UTC().Truncate(time.Millisecond)}

	var sealed bytes.Buffer
	if text != "" {
		to := from
		if res.Role == "provider" {
			to = o.To
			if to == nil || to.Dept() != h.Recipient {
				return nil, fmt.Errorf("govshare: the provider's dispute text goes to the recipient %s: give its public bundle (DisputeOptions.To)", h.Recipient)
			}
		}
		if res.Record.TextDigest, res.Text, err = sealDisputeText(&sealed, h, res.Record, text, as, to, &o); err != nil {
			return nil, err
		}
	}
	signer, err := audit.KeyringSigner(as, keys.KindSignEd25519)
	if err != nil {
		return nil, err
	}
	if res.Receipt, err = audit.SignAndAppend(ctx, log, signer, res.Record); err != nil {
		return nil, wrapf(err, "dispute of envelope %s not on record (its text is withheld)", h.ID)
	}
	if text != "" {
		if err := deliver(o.Text, sealed.Bytes()); err != nil {
			return res, wrapf(err, "dispute of envelope %s on record as #%d, but its text was not delivered", h.ID, res.Receipt.Index)
		}
	}
	return res, nil
}

// checkDisputeArgs checks what Dispute can check before reading anything.
// No error quotes the reason or the text: either may hold data.
func checkDisputeArgs(log audit.Appender, src io.ReaderAt, as *keys.Keyring, from *keys.PublicBundle, reason audit.DisputeReason, text string, o *DisputeOptions) error {
	if log == nil || src == nil || as == nil || from == nil {
		return errors.New("govshare: a dispute needs a log, the envelope, the disputing party's keyring and the provider's public bundle")
	}
	if !reason.Known() {
		return fmt.Errorf("govshare: unknown dispute reason: use one of %s (the text says the rest)", reasonList())
	}
	switch {
	case text == "" && reason == audit.DisputeOther:
		return fmt.Errorf("govshare: a dispute for reason %s needs a text saying what it is", audit.DisputeOther)
	case len(text) > MaxDisputeText:
		return fmt.Errorf("govshare: dispute text is %d bytes, more than %d", len(text), MaxDisputeText)
	case text != "" && !utf8.ValidString(text):
		return errors.New("govshare: dispute text is not UTF-8")
	case text != "" && o.Text == nil:
		return errors.New("govshare: a dispute text needs a writer for the envelope sealing it to the other party (DisputeOptions.Text)")
	case !o.NotAfter.IsZero() && !o.NotAfter.After(o.Now):
		return errors.New("govshare: the dispute text's window ends before it starts")
	}
	return nil
}

func reasonList() string {
	s := make([]string, len(audit.DisputeReasons))
	for i, r := range audit.DisputeReasons {
		s[i] = string(r)
	}
	return strings.Join(s, ", ")
}

// partyError is a refusal wrapping ErrNotParty and, when there is one, the
// check that failed.
type partyError struct {
	msg string
	err error
}

func (e *partyError) Error() string { return e.msg }
func (e *partyError) Unwrap() []error {
	if e.err == nil {
		return []error{ErrNotParty}
	}
	return []error{ErrNotParty, e.err}
}

// proveRecipient opens the envelope with as, trusting from, and returns its
// authenticated header. The window is not the question: the open is checked
// at a time inside it.
func proveRecipient(src io.ReaderAt, size int64, as *keys.Keyring, from *keys.PublicBundle, h *envelope.Header, now time.Time) (*envelope.Header, error) {
	at := now
	if at.Before(h.NotBefore) || at.After(h.NotAfter) {
		at = h.NotBefore
	}
	got, err := envelope.Open(io.Discard, src, size, envelope.OpenOptions{Keys: as, Purpose: h.Purpose, Trust: from, Now: at})
	if err != nil {
		return nil, &partyError{
			msg: fmt.Sprintf("govshare: %s's keys do not open envelope %s as %s's: %s", as.Dept(), h.ID, from.Dept(), bare(err)),
			err: err,
		}
	}
	return got, nil
}

// disputeChallengeLabel starts the message a provider signs to prove it
// holds an envelope's signing key.
const disputeChallengeLabel = "govshare/dispute/v1/provider-challenge"

// proveProvider checks that as holds the private key of the signing key the
// header names, as from publishes it: a fresh challenge signed with that
// key (not the keyring's primary, which may have rotated since) verifies
// with from.
func proveProvider(as *keys.Keyring, from *keys.PublicBundle, h *envelope.Header) error {
	refuse := func(err error, format string, a ...any) error {
		return &partyError{msg: "govshare: " + fmt.Sprintf(format, a...), err: err}
	}
	if from.Dept() != h.Provider {
		return refuse(envelope.ErrUntrustedProvider, "envelope %s is %s's, the trusted bundle is %s's", h.ID, h.Provider, from.Dept())
	}
	_, sigKind, err := h.Suite.Kinds()
	if err != nil {
		return wrapf(err, "disputed envelope %s", h.ID)
	}
	if err := from.KeyValidAt(sigKind, h.SignerKeyID, h.IssuedAt); err != nil {
		return refuse(err, "envelope %s names signing key %d, not valid for %s at its issue time: %s", h.ID, h.SignerKeyID, from.Dept(), bare(err))
	}
	hd, err := as.Handle(sigKind)
	if err != nil {
		return err
	}
	m := keyset.NewManagerFromHandle(hd)
	if m.SetPrimary(h.SignerKeyID) != nil {
		return refuse(nil, "%s's keys do not hold signing key %d, which signed envelope %s", as.Dept(), h.SignerKeyID, h.ID)
	}
	one, err := m.Handle()
	if err != nil {
		return fmt.Errorf("govshare: signing key %d: %w", h.SignerKeyID, err)
	}
	s, err := signature.NewSigner(one)
	if err != nil {
		return fmt.Errorf("govshare: signing key %d: %w", h.SignerKeyID, err)
	}
	challenge := keys.AppendLengthPrefixed(nil, disputeChallengeLabel)
	challenge = keys.AppendLengthPrefixed(challenge, h.ID.String())
	nonce := make([]byte, 32)
	if _, err := rand.Read(nonce); err != nil {
		return err
	}
	challenge = append(challenge, nonce...)
	sig, err := s.Sign(challenge)
	if err != nil {
		return fmt.Errorf("govshare: signing key %d: %w", h.SignerKeyID, err)
	}
	if err := from.VerifySignature(h.SignerKeyID, challenge, sig); err != nil {
		return refuse(err, "%s's signing key %d is not the one %s publishes", as.Dept(), h.SignerKeyID, from.Dept())
	}
	return nil
}

// The sealed text is a short text/plain message: a first line naming the
// format, the disputed envelope, the reason and the salt of the digest,
// then an empty line and the text.
const (
	disputeTextMagic = "govshare dispute text v1"
	disputeTextLabel = "govshare/dispute/v1/text"
	disputeSaltSize  = 32
)

// DisputeTextDigest returns the digest a dispute record keeps of its free
// text: SHA-256 over lp("govshare/dispute/v1/text") ‖ lp(salt) ‖ lp(text),
// lp being the 4-byte big-endian length and the bytes
// (keys.AppendLengthPrefixed). The salt is 32 random bytes that travel
// only inside the sealed text, so the log's digest cannot be tested
// against guessed texts (a name, a phone number), yet binds the party to
// the one text it sent.
func DisputeTextDigest(salt []byte, text string) audit.Digest {
	b := keys.AppendLengthPrefixed(nil, disputeTextLabel)
	b = keys.AppendLengthPrefixed(b, string(salt))
	b = keys.AppendLengthPrefixed(b, text)
	return sha256.Sum256(b)
}

// disputeMessage is the sealed text's plaintext.
func disputeMessage(rec audit.DisputeRecord, salt []byte, text string) string {
	return fmt.Sprintf("%s\nenvelope: %s\nreason: %s\nsalt: %s\n\n%s", disputeTextMagic, rec.EnvelopeID, rec.Reason, hex.EncodeToString(salt), text)
}

// CheckDisputeText reads the plaintext of a dispute's sealed text (what
// Open writes for it) and returns the text if the message is about rec's
// envelope and reason and its digest is rec's TextDigest. Errors never
// quote the text.
func CheckDisputeText(plaintext []byte, rec audit.DisputeRecord) (string, error) {
	bad := errors.New("govshare: not a dispute text")
	head, text, ok := strings.Cut(string(plaintext), "\n\n")
	if !ok {
		return "", bad
	}
	lines := strings.Split(head, "\n")
	if len(lines) != 4 || lines[0] != disputeTextMagic {
		return "", bad
	}
	env, ok1 := strings.CutPrefix(lines[1], "envelope: ")
	reason, ok2 := strings.CutPrefix(lines[2], "reason: ")
	saltHex, ok3 := strings.CutPrefix(lines[3], "salt: ")
	salt, err := hex.DecodeString(saltHex)
	if !ok1 || !ok2 || !ok3 || err != nil || len(salt) != disputeSaltSize {
		return "", bad
	}
	if env != rec.EnvelopeID || reason != string(rec.Reason) {
		return "", fmt.Errorf("govshare: the text is about another dispute than the record's (envelope %s)", rec.EnvelopeID)
	}
	d := DisputeTextDigest(salt, text)
	if rec.TextDigest == (audit.Digest{}) || subtle.ConstantTimeCompare(d[:], rec.TextDigest[:]) != 1 {
		return "", fmt.Errorf("govshare: the text does not match the digest the dispute of envelope %s recorded", rec.EnvelopeID)
	}
	return text, nil
}

// sealDisputeText seals text to the other party, to, for the disputed
// envelope's purpose and resource, at the level of its highest field, and
// returns the digest for the record.
func sealDisputeText(w io.Writer, h *envelope.Header, rec audit.DisputeRecord, text string, as *keys.Keyring, to *keys.PublicBundle, o *DisputeOptions) (audit.Digest, *envelope.Header, error) {
	salt := make([]byte, disputeSaltSize)
	if _, err := rand.Read(salt); err != nil {
		return audit.Digest{}, nil, err
	}
	msg := disputeMessage(rec, salt, text)
	notAfter := o.NotAfter
	if notAfter.IsZero() {
		notAfter = o.Now.Add(DefaultValidity)
	}
	th, err := envelope.Seal(w, strings.NewReader(msg), envelope.SealOptions{
		Purpose:  h.Purpose,
		Resource: h.Resource,
		NotAfter: notAfter,
		Fields: []envelope.Field{{
			Name: "dispute_text", Type: catalog.TypeNone, Category: catalog.CategoryPersonal,
			Level: catalog.Level(h.Suite.String()), Transform: catalog.TransformKeep,
		}},
		ContentType:   DisputeTextType,
		RecordCount:   1,
		PayloadLength: uint64(len(msg)),
		Now:           o.Now,
	}, as, to)
	if err != nil {
		return audit.Digest{}, nil, wrapf(err, "sealing the dispute text to %s", to.Dept())
	}
	return DisputeTextDigest(salt, text), th, nil
}

// deliver writes b to w, committing it if it is a committer.
func deliver(w io.Writer, b []byte) error {
	if _, err := w.Write(b); err != nil {
		return err
	}
	if c, ok := w.(committer); ok {
		return c.Commit()
	}
	return nil
}
