package govshare_test

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"time"

	"github.com/govshare/govshare"
	"github.com/govshare/govshare/crypto/keys"
)

// The recipient acknowledges an envelope it received: a signature over
// the envelope's id and the SHA-256 of the file, which the provider checks
// with the recipient's public bundle. A receipt of other bytes, or by
// another department, does not verify.
func ExampleSignReceipt() {
	psb, _ := keys.New("public-security-bureau")
	tax, _ := keys.New("tax-bureau")
	env := exampleShare(psb, tax)

	id, digest, err := govshare.EnvelopeDigest(bytes.NewReader(env))
	if err != nil {
		panic(err)
	}
	sig, err := govshare.SignReceipt(tax, id, digest)
	if err != nil {
		panic(err)
	}
	fmt.Println("receipt verifies:", govshare.VerifyReceiptSignature(tax.Public(), id, digest, sig, exampleNow) == nil)

	digest[0] ^= 1 // another file
	fmt.Println("for other bytes:", govshare.VerifyReceiptSignature(tax.Public(), id, digest, sig, exampleNow) != nil)
	// Output:
	// sealed 2 rows to tax-bureau for work_reference suite general
	// receipt verifies: true
	// for other bytes: true
}

// EnvelopeDigest names what a receipt is for: the envelope's id and the
// SHA-256 of the file as received.
func ExampleEnvelopeDigest() {
	psb, _ := keys.New("public-security-bureau")
	tax, _ := keys.New("tax-bureau")
	env := exampleShare(psb, tax)
	id, digest, err := govshare.EnvelopeDigest(bytes.NewReader(env))
	fmt.Println(len(id), digest == sha256.Sum256(env), err)
	// Output:
	// sealed 2 rows to tax-bureau for work_reference suite general
	// 32 true <nil>
}

// The provider checks a receipt against the recipient's public bundle, at
// the time it was given: a receipt by another keyring of the same name
// fails.
func ExampleVerifyReceiptSignature() {
	psb, _ := keys.New("public-security-bureau")
	tax, _ := keys.New("tax-bureau")
	env := exampleShare(psb, tax)
	id, digest, _ := govshare.EnvelopeDigest(bytes.NewReader(env))
	impostor, _ := keys.New("tax-bureau")
	sig, _ := govshare.SignReceipt(impostor, id, digest)
	err := govshare.VerifyReceiptSignature(tax.Public(), id, digest, sig, time.Now())
	fmt.Println(errors.Is(err, govshare.ErrReceipt))
	// Output:
	// sealed 2 rows to tax-bureau for work_reference suite general
	// true
}
