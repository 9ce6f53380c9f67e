package govshare

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/govshare/govshare/crypto/keys"
	"github.com/govshare/govshare/envelope"
)

// receiptContext separates receipt signatures from every other message a
// department's signing key signs (records, envelopes, bundles).
const receiptContext = "govshare/receipt/v1\n"

// receiptKind is the signing kind of receipts: post-quantum with a
// classical half, like envelopes of important data.
const receiptKind = keys.KindSignMLDSA65Ed25519

// ErrReceipt is returned when a receipt signature does not verify.
var ErrReceipt = errors.New("govshare: receipt signature does not verify")

// EnvelopeDigest reads an envelope file from r and returns what a receipt
// names: the envelope's id (its header's, as hex, as the share record
// names it) and the SHA-256 of the whole file. It does not open or verify
// the envelope; the digest pins the exact bytes received.
func EnvelopeDigest(r io.Reader) (envelopeID string, digest [32]byte, err error) {
	h := sha256.New()
	tee := io.TeeReader(r, h)
	hdr, err := envelope.Inspect(tee)
	if err != nil {
		return "", digest, err
	}
	if _, err := io.Copy(h, r); err != nil {
		return "", digest, fmt.Errorf("govshare: reading envelope: %w", err)
	}
	copy(digest[:], h.Sum(nil))
	return hdr.ID.String(), digest, nil
}

// receiptMessage is what a receipt signs: the context, the recipient
// department, the envelope id and the digest.
func receiptMessage(dept, envelopeID string, digest [32]byte) []byte {
	m := make([]byte, 0, len(receiptContext)+len(dept)+len(envelopeID)+2+len(digest))
	m = append(m, receiptContext...)
	m = append(m, dept...)
	m = append(m, '\n')
	m = append(m, envelopeID...)
	m = append(m, '\n')
	return append(m, digest[:]...)
}

// SignReceipt is the recipient's acknowledgement that it received the
// envelope envelopeID whose file has SHA-256 digest (EnvelopeDigest): a
// signature by kr's primary ML-DSA-65+Ed25519 key over both and kr's
// department, domain-separated from every other signature of the key.
func SignReceipt(kr *keys.Keyring, envelopeID string, digest [32]byte) ([]byte, error) {
	if kr == nil {
		return nil, errors.New("govshare: nil keyring")
	}
	if envelopeID == "" {
		return nil, errors.New("govshare: receipt needs an envelope id")
	}
	s, err := kr.Signer(receiptKind)
	if err != nil {
		return nil, err
	}
	return s.Sign(receiptMessage(kr.Dept(), envelopeID, digest))
}

// VerifyReceiptSignature checks that sig is pub's department's receipt
// for envelopeID and digest, made with a signing key of pub valid at at
// (zero: now). Errors wrap ErrReceipt.
func VerifyReceiptSignature(pub *keys.PublicBundle, envelopeID string, digest [32]byte, sig []byte, at time.Time) error {
	if pub == nil {
		return errors.New("govshare: nil public bundle")
	}
	if len(sig) < 5 || sig[0] != 1 {
		return fmt.Errorf("%w: no key id", ErrReceipt)
	}
	id := binary.BigEndian.Uint32(sig[1:5])
	if err := pub.VerifySignature(id, receiptMessage(pub.Dept(), envelopeID, digest), sig); err != nil {
		return fmt.Errorf("%w: %w", ErrReceipt, err)
	}
	if at.IsZero() {
		at = time.Now()
	}
	if err := pub.SigningKeyValidAt(id, at); err != nil {
		return fmt.Errorf("%w: %w", ErrReceipt, err)
	}
	return nil
}
