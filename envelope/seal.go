package envelope

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"io"
	"strings"
	"time"

	"github.com/govshare/govshare/catalog"
	"github.com/govshare/govshare/crypto/keys"
	"github.com/govshare/govshare/envelope/internal/format"
	"github.com/govshare/govshare/envelope/internal/stream"
)

// SealOptions says what an envelope is bound to. Provider and recipient come
// from the keys passed to [Seal].
type SealOptions struct {
	// Purpose is the recipient's declared purpose. Required.
	Purpose catalog.Purpose
	// Grant is the id of the conditional-sharing grant; empty for
	// unconditional resources.
	Grant string
	// Resource is the catalog resource code. Required.
	Resource string
	// NotBefore defaults to the issue time. NotAfter is required.
	NotBefore, NotAfter time.Time
	// Fields is the field manifest, in payload column order. Required; the
	// highest Level picks the suite.
	Fields []Field
	// ContentType of the plaintext, e.g. "text/csv". Required.
	ContentType string
	// RecordCount is the number of records in the payload.
	RecordCount uint64
	// PayloadLength is the exact plaintext length in bytes; Seal fails if the
	// reader yields more or fewer. Required (it is in the signed header, which
	// precedes the payload).
	PayloadLength uint64
	// Now is the issue time; the zero value means time.Now().
	Now time.Time
}

// Seal encrypts plaintext to recipient, bound to the purpose, window and
// manifest in opts, and signed by provider, writing the envelope to w. It
// streams: memory stays constant whatever the size, and chunks are encrypted
// and hashed on every core. It returns the header written (its ID and
// [Header.Hash] are what the share-record log keeps).
//
// The provider's primary signing key of the suite must be valid at the issue
// time ([ErrKeyNotValid] otherwise: Open would refuse the envelope).
//
// On error, whatever was written to w is not a valid envelope; discard it.
func Seal(w io.Writer, plaintext io.Reader, opts SealOptions, provider *keys.Keyring, recipient *keys.PublicBundle) (*Header, error) {
	return sealWorkers(w, plaintext, opts, provider, recipient, stream.Workers())
}

// sealWorkers is [Seal] on a given number of chunk workers (tests vary it).
func sealWorkers(w io.Writer, plaintext io.Reader, opts SealOptions, provider *keys.Keyring, recipient *keys.PublicBundle, workers int) (*Header, error) {
	if provider == nil || recipient == nil {
		return nil, errorf("seal needs the provider's keyring and the recipient's public bundle")
	}
	top := catalog.Level("")
	for _, f := range opts.Fields {
		top = catalog.MaxLevel(top, f.Level)
	}
	suite, err := SuiteFor(top)
	if err != nil {
		return nil, err
	}
	kemKind, sigKind, err := suite.Kinds()
	if err != nil {
		return nil, err
	}
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	now = now.Truncate(time.Second)
	notBefore := opts.NotBefore
	if notBefore.IsZero() {
		notBefore = now
	}
	signer, err := provider.Signer(sigKind)
	if err != nil {
		return nil, errorf("provider signer: %w", err)
	}
	signerID, err := provider.PrimaryKeyID(sigKind)
	if err != nil {
		return nil, errorf("provider signer: %w", err)
	}
	// An envelope Open would refuse is not worth sealing: the signing key
	// must be valid at the issue time (a clock set before the key's rotation).
	if err := provider.Public().KeyValidAt(sigKind, signerID, now); err != nil {
		return nil, wrap(ErrKeyNotValid, "issue time %s; %s", now.UTC().Format(time.RFC3339), keyDetail(err))
	}
	kemHandle, err := recipient.Handle(kemKind)
	if err != nil {
		return nil, errorf("recipient KEM key: %w", err)
	}
	enc, err := recipient.HybridEncrypt(kemKind)
	if err != nil {
		return nil, errorf("recipient KEM key: %w", err)
	}
	h := &Header{
		Version:                  format.Version,
		Suite:                    suite,
		IssuedAt:                 now,
		Provider:                 provider.Dept(),
		SignerKeyID:              signerID,
		Recipient:                recipient.Dept(),
		KEMKeyID:                 kemHandle.KeysetInfo().GetPrimaryKeyId(),
		Purpose:                  opts.Purpose,
		Grant:                    opts.Grant,
		Resource:                 opts.Resource,
		NotBefore:                notBefore,
		NotAfter:                 opts.NotAfter,
		OnwardTransferProhibited: true,
		Fields:                   opts.Fields,
		ContentType:              opts.ContentType,
		RecordCount:              opts.RecordCount,
		PayloadLength:            opts.PayloadLength,
		Digest:                   format.Digests[sealDigest],
	}
	if opts.NotAfter.IsZero() {
		return nil, errorf("seal options: NotAfter is required")
	}
	if _, err := rand.Read(h.ID[:]); err != nil {
		return nil, errorf("envelope id: %w", err)
	}
	dataKey := make([]byte, format.DataKeySize)
	if _, err := rand.Read(dataKey); err != nil {
		return nil, errorf("data key: %w", err)
	}
	h.KeyCommitment = keyCommitment(dataKey, h.ID)
	hb, err := h.MarshalBinary()
	if err != nil {
		return nil, err
	}
	// Parse back so the returned header is exactly what the bytes say
	// (times in UTC, whole seconds).
	if h, err = ParseHeader(hb); err != nil {
		return nil, err
	}
	hh := sha256.Sum256(hb)

	stanza, err := enc.Encrypt(dataKey, stanzaInfo(hh[:]))
	if err != nil {
		return nil, errorf("wrap data key: %w", err)
	}
	if err := checkPrefix(stanza, h.KEMKeyID); err != nil {
		return nil, errorf("wrap data key: %w", err)
	}
	out, err := format.AppendBlock(hb, stanza)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(out); err != nil {
		return nil, errorf("write: %w", err)
	}

	digest, err := sealPayload(w, plaintext, dataKey, hh[:], h, workers)
	if err != nil {
		return nil, err
	}
	sig, err := signer.Sign(signedMessage(hh[:], stanza, digest))
	if err != nil {
		return nil, errorf("sign: %w", err)
	}
	// The keyring may have rotated between PrimaryKeyID and Signer; the
	// header must name the key that really signed.
	if err := checkPrefix(sig, h.SignerKeyID); err != nil {
		return nil, errorf("sign: provider key changed during seal, retry: %w", err)
	}
	tail, err := format.AppendBlock(nil, sig)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(tail); err != nil {
		return nil, errorf("write: %w", err)
	}
	return h, nil
}

// sealDigest is the payload digest algorithm Seal writes; tests set it to
// make envelopes of the earlier algorithm.
var sealDigest uint8 = format.DigestBLAKE3Chunks

// sealPayload encrypts and hashes the chunks on `workers` goroutines and
// writes them in order; it returns the payload digest D. The bytes written do
// not depend on workers.
func sealPayload(w io.Writer, plaintext io.Reader, dataKey, hh []byte, h *Header, workers int) ([]byte, error) {
	key, err := stream.PayloadKey(dataKey, hh, string(h.Purpose))
	if err != nil {
		return nil, errorf("payload key: %w", err)
	}
	aead, err := stream.AEAD(key)
	if err != nil {
		return nil, errorf("payload cipher: %w", err)
	}
	n := format.NumChunks(h.PayloadLength)
	alg := format.Code(format.Digests, h.Digest)
	digest := stream.NewDigest(n)
	err = stream.Run(n, workers,
		func(i uint64, c *stream.Chunk) error {
			// In order, one at a time: the plaintext is a sequential reader.
			if _, err := io.ReadFull(plaintext, c.Buffer(chunkLen(h.PayloadLength, i))); err != nil {
				if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
					return errorf("plaintext is shorter than PayloadLength")
				}
				return errorf("read plaintext: %w", err)
			}
			return nil
		},
		func(i uint64, c *stream.Chunk) error {
			c.Seal(aead, hh, i, i == n-1)
			c.SumHash(alg)
			return nil
		},
		func(_ uint64, c *stream.Chunk) error {
			digest.Add(c.Hash)
			if _, err := w.Write(c.Bytes()); err != nil {
				return errorf("write: %w", err)
			}
			return nil
		})
	if err != nil {
		return nil, err
	}
	var extra [1]byte
	if k, err := io.ReadFull(plaintext, extra[:]); k > 0 {
		return nil, errorf("plaintext is longer than PayloadLength")
	} else if err != nil && !errors.Is(err, io.EOF) {
		return nil, errorf("read plaintext: %w", err)
	}
	return digest.Sum(), nil
}

// chunkLen is the plaintext length of chunk i of a payload of total bytes.
func chunkLen(total, i uint64) int {
	start := i * format.ChunkSize
	return int(min(total-start, format.ChunkSize))
}

// keyCommitment is HMAC-SHA256(data key, lp(LabelKeyCommitment) ‖ id). A
// data key other than the sealed one gives another value (HMAC-SHA256 is
// collision resistant in its key as well), so the signed header names the one
// data key, and through it the one plaintext, an envelope opens to: AES-GCM
// alone is not key-committing, and a provider could otherwise craft a
// payload that opens under two data keys to two plaintexts.
func keyCommitment(dataKey []byte, id ID) Commitment {
	m := hmac.New(sha256.New, dataKey)
	m.Write(keys.AppendLengthPrefixed(nil, format.LabelKeyCommitment))
	m.Write(id[:])
	var c Commitment
	m.Sum(c[:0])
	return c
}

// keyDetail is a keys lifecycle error without its package prefix, for use
// after an envelope sentinel.
func keyDetail(err error) string {
	s := err.Error()
	for _, p := range []string{keys.ErrKeyNotValid.Error() + ": ", "govshare/keys: "} {
		s = strings.TrimPrefix(s, p)
	}
	return s
}

// stanzaInfo is the HPKE contextInfo: LabelKeyStanza ‖ H.
func stanzaInfo(hh []byte) []byte {
	return append([]byte(format.LabelKeyStanza), hh...)
}

// signedMessage is lp(LabelSignature) ‖ H ‖ SHA-256(key stanza) ‖ D.
func signedMessage(hh, stanza, digest []byte) []byte {
	m := keys.AppendLengthPrefixed(nil, format.LabelSignature)
	m = append(m, hh...)
	s := sha256.Sum256(stanza)
	m = append(m, s[:]...)
	return append(m, digest...)
}

// checkPrefix checks the Tink output prefix 0x01 ‖ key id.
func checkPrefix(b []byte, id uint32) error {
	var want [5]byte
	want[0] = 1
	binary.BigEndian.PutUint32(want[1:], id)
	if len(b) < 5 || !bytes.Equal(b[:5], want[:]) {
		return errors.New("output is not tagged with the expected key id")
	}
	return nil
}
