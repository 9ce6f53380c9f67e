package govshare_test

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"testing"
	"time"

	"github.com/govshare/govshare"
	"github.com/govshare/govshare/crypto/keys"
)

func TestReceipt(t *testing.T) {
	psb, err := keys.New("public-security-bureau")
	if err != nil {
		t.Fatal(err)
	}
	tax, err := keys.New("tax-bureau")
	if err != nil {
		t.Fatal(err)
	}
	env := exampleShare(psb, tax)
	id, digest, err := govshare.EnvelopeDigest(bytes.NewReader(env))
	if err != nil {
		t.Fatal(err)
	}
	if digest != sha256.Sum256(env) || len(id) != 32 {
		t.Fatalf("EnvelopeDigest: id %q, digest %x", id, digest)
	}
	sig, err := govshare.SignReceipt(tax, id, digest)
	if err != nil {
		t.Fatal(err)
	}
	if err := govshare.VerifyReceiptSignature(tax.Public(), id, digest, sig, time.Time{}); err != nil {
		t.Fatalf("receipt does not verify: %v", err)
	}
	other := digest
	other[31] ^= 0x80
	flipped := bytes.Clone(sig)
	flipped[len(flipped)-1] ^= 1
	impostor, _ := keys.New("tax-bureau") // same name, other keys
	isig, _ := govshare.SignReceipt(impostor, id, digest)
	psig, _ := govshare.SignReceipt(psb, id, digest)
	for name, c := range map[string]struct {
		pub    *keys.PublicBundle
		id     string
		digest [32]byte
		sig    []byte
	}{
		"other digest":           {tax.Public(), id, other, sig},
		"other envelope":         {tax.Public(), "00" + id[2:], digest, sig},
		"flipped signature":      {tax.Public(), id, digest, flipped},
		"impostor keys":          {tax.Public(), id, digest, isig},
		"another department's":   {tax.Public(), id, digest, psig},
		"provider bundle for it": {psb.Public(), id, digest, sig},
		"empty signature":        {tax.Public(), id, digest, nil},
		"truncated signature":    {tax.Public(), id, digest, sig[:4]},
		"no key id prefix":       {tax.Public(), id, digest, append([]byte{0}, sig[1:]...)},
	} {
		if err := govshare.VerifyReceiptSignature(c.pub, c.id, c.digest, c.sig, time.Time{}); !errors.Is(err, govshare.ErrReceipt) {
			t.Errorf("%s: %v, want ErrReceipt", name, err)
		}
	}
	// A receipt is not any other signature of the key: the same key's
	// signature over the bare digest does not pass.
	s, _ := tax.Signer(keys.KindSignMLDSA65Ed25519)
	bare, _ := s.Sign(digest[:])
	if govshare.VerifyReceiptSignature(tax.Public(), id, digest, bare, time.Time{}) == nil {
		t.Error("a signature without the receipt context verified")
	}
	// A revoked key's receipts dated after the revocation fail.
	kid := keyIDOf(sig)
	if _, err := tax.RotateAt(keys.KindSignMLDSA65Ed25519, time.Now().Add(-2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := tax.Revoke(keys.KindSignMLDSA65Ed25519, kid, time.Now().Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := govshare.VerifyReceiptSignature(tax.Public(), id, digest, sig, time.Now()); !errors.Is(err, govshare.ErrReceipt) {
		t.Errorf("receipt by a revoked key: %v", err)
	}
	if _, err := govshare.SignReceipt(nil, id, digest); err == nil {
		t.Error("nil keyring signed")
	}
	if _, err := govshare.SignReceipt(tax, "", digest); err == nil {
		t.Error("empty envelope id signed")
	}
	if _, _, err := govshare.EnvelopeDigest(bytes.NewReader([]byte("not an envelope"))); err == nil {
		t.Error("EnvelopeDigest of garbage")
	}
}

func keyIDOf(sig []byte) uint32 {
	return uint32(sig[1])<<24 | uint32(sig[2])<<16 | uint32(sig[3])<<8 | uint32(sig[4])
}
