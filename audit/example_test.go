package audit_test

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/govshare/govshare/audit"
	"github.com/govshare/govshare/catalog"
	"github.com/govshare/govshare/crypto/keys"
)

// A throwaway key pair so the examples' output is fixed (Ed25519 signatures
// are deterministic). Real logs use audit.GenerateKey.
const (
	exampleSignerKey   audit.SignerKey = "PRIVATE+KEY+gov.example/share-log+4bfe6ed0+AWzD9TV8TKTPPWa6V5y7RddeqhMXwvQOyIh2xuVyGc7S"
	exampleVerifierKey string          = "gov.example/share-log+4bfe6ed0+AWT09Wck836yxJL7egq2UJfHHQdtGCqIzRJv279JC6Xu"
)

func exampleShare(id string) audit.ShareRecord {
	return audit.ShareRecord{
		EnvelopeID: id,
		HeaderHash: sha256.Sum256([]byte("envelope header " + id)),
		Provider:   "gongan",
		Recipient:  "minzheng",
		Purpose:    catalog.PurposeDataVerification,
		GrantID:    "grant-2025-007",
		Resource:   "population-register",
		Time:       time.Date(2025, 3, 1, 8, 30, 0, 0, time.UTC),
	}
}

// exampleLog opens a fresh log in a temporary directory.
func exampleLog() (*audit.Log, string, func()) {
	dir, err := os.MkdirTemp("", "audit-example")
	if err != nil {
		panic(err)
	}
	signer, err := audit.NewSigner(exampleSignerKey)
	if err != nil {
		panic(err)
	}
	l, err := audit.Open(filepath.Join(dir, "log"), signer)
	if err != nil {
		panic(err)
	}
	return l, filepath.Join(dir, "log"), func() { l.Close(); os.RemoveAll(dir) }
}

func ExampleGenerateKey() {
	signerKey, verifierKey, err := audit.GenerateKey("gov.example/share-log")
	if err != nil {
		panic(err)
	}
	fmt.Println(signerKey) // never prints the private key
	fmt.Println(strings.HasPrefix(verifierKey, "gov.example/share-log+"))
	// Output:
	// [redacted]
	// true
}

func ExampleOpen() {
	signer, err := audit.NewSigner(exampleSignerKey)
	if err != nil {
		panic(err)
	}
	dir, _ := os.MkdirTemp("", "audit-example")
	defer os.RemoveAll(dir)

	l, err := audit.Open(filepath.Join(dir, "log"), signer)
	if err != nil {
		panic(err)
	}
	defer l.Close()
	fmt.Println("records:", l.Size())
	// Output:
	// records: 0
}

func ExampleLog_Append() {
	l, _, done := exampleLog()
	defer done()
	ctx := context.Background()
	i, err := l.Append(ctx, exampleShare("3f2a9c0d41e6b7a85c0d1e2f3a4b5c6d"))
	if err != nil {
		panic(err)
	}
	j, err := l.Append(ctx, audit.OpenRecord{
		EnvelopeID: "3f2a9c0d41e6b7a85c0d1e2f3a4b5c6d", Opener: "minzheng",
		Purpose: catalog.PurposeDataVerification, Outcome: audit.OutcomeOpened,
		Time: time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC),
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(i, j, l.Size())
	// Output:
	// 0 1 2
}

func ExampleLog_Checkpoint() {
	l, _, done := exampleLog()
	defer done()
	l.Append(context.Background(), exampleShare("e1"))
	ck := l.Checkpoint()
	// Origin, size, base64 root; then the note signature line.
	fmt.Print(strings.SplitAfterN(string(ck), "\n", 3)[:2])
	verifier, _ := audit.NewVerifier(exampleVerifierKey)
	c, err := audit.OpenCheckpoint(ck, verifier)
	fmt.Println()
	fmt.Println(c.Origin, c.Size, err)
	// Output:
	// [gov.example/share-log
	//  1
	// ]
	// gov.example/share-log 1 <nil>
}

func ExampleLog_InclusionProof() {
	l, _, done := exampleLog()
	defer done()
	ctx := context.Background()
	for _, id := range []string{"e1", "e2", "e3", "e4", "e5"} {
		l.Append(ctx, exampleShare(id))
	}
	// The receipt: index, proof and the checkpoint it proves against.
	proof, err := l.InclusionProof(2, l.Size())
	if err != nil {
		panic(err)
	}
	verifier, _ := audit.NewVerifier(exampleVerifierKey)
	fmt.Println(len(proof), "hashes")
	fmt.Println(audit.VerifyInclusion(l.Checkpoint(), exampleShare("e3"), 2, proof, verifier))
	fmt.Println(audit.VerifyInclusion(l.Checkpoint(), exampleShare("e4"), 2, proof, verifier) != nil)
	// Output:
	// 3 hashes
	// <nil>
	// true
}

func ExampleLog_Receipt() {
	l, _, done := exampleLog()
	defer done()
	i, _ := l.Append(context.Background(), exampleShare("e1"))
	receipt, err := l.Receipt(i)
	if err != nil {
		panic(err)
	}
	verifier, _ := audit.NewVerifier(exampleVerifierKey)
	fmt.Println(audit.VerifyReceipt(receipt, exampleShare("e1"), verifier))
	// Output:
	// <nil>
}

func ExampleVerifyConsistency() {
	l, _, done := exampleLog()
	defer done()
	ctx := context.Background()
	l.Append(ctx, exampleShare("e1"))
	l.Append(ctx, exampleShare("e2"))
	old := l.Checkpoint() // an auditor kept this one
	l.Append(ctx, exampleShare("e3"))
	proof, _ := l.ConsistencyProof(2, 3)
	verifier, _ := audit.NewVerifier(exampleVerifierKey)
	fmt.Println(audit.VerifyConsistency(old, l.Checkpoint(), proof, verifier))
	// Output:
	// <nil>
}

func ExampleVerify() {
	l, dir, done := exampleLog()
	defer done()
	l.Append(context.Background(), exampleShare("e1"))
	verifier, _ := audit.NewVerifier(exampleVerifierKey)
	c, err := audit.Verify(dir, verifier)
	fmt.Println(c.Size, err)

	// Any edit is found.
	path := filepath.Join(dir, "records")
	b, _ := os.ReadFile(path)
	b[len(b)-20] ^= 1
	os.WriteFile(path, b, 0o644)
	_, err = audit.Verify(dir, verifier)
	fmt.Println(err != nil)
	// Output:
	// 1 <nil>
	// true
}

func ExampleEntries() {
	l, dir, done := exampleLog()
	defer done()
	l.Append(context.Background(), exampleShare("e1"))
	for e, err := range audit.Entries(dir) {
		if err != nil {
			panic(err)
		}
		fmt.Println(e.Index, e.Record.Kind(), e.Record.(audit.ShareRecord).Recipient)
	}
	// Output:
	// 0 share minzheng
}

func ExampleMarshal() {
	b, err := audit.Marshal(audit.RefuseRecord{
		RequestID: "req-42", By: "gongan", Code: audit.ReasonNoGrant,
		Time: time.Date(2025, 3, 1, 8, 30, 0, 0, time.UTC),
	})
	fmt.Println(string(b), err)
	// Output:
	// {"v":1,"type":"refuse","envelope":"","request":"req-42","by":"gongan","code":"no_grant","time":"2025-03-01T08:30:00.000Z"} <nil>
}

func ExampleParse() {
	rec, err := audit.Parse([]byte(`{"v":1,"type":"refuse","envelope":"","request":"req-42","by":"gongan","code":"no_grant","time":"2025-03-01T08:30:00.000Z"}`))
	fmt.Println(rec.Kind(), err)
	_, err = audit.Parse([]byte(`{"v":1,"type":"refuse","envelope":"","request":"req-42","by":"gongan","code":"no_grant","time":"2025-03-01T08:30:00.000Z","name":"x"}`))
	fmt.Println(err)
	// Output:
	// refuse <nil>
	// govshare/audit: record has unknown or mistyped keys
}

func ExampleLog_AppendAll() {
	l, _, done := exampleLog()
	defer done()
	first, err := l.AppendAll(context.Background(), []audit.Record{exampleShare("e1"), exampleShare("e2")})
	fmt.Println(first, l.Size(), err)
	// Output:
	// 0 2 <nil>
}

func ExampleLog_Records() {
	l, _, done := exampleLog()
	defer done()
	l.AppendAll(context.Background(), []audit.Record{exampleShare("e1"), exampleShare("e2"), exampleShare("e3")})
	for e, err := range l.Records(1, 3) {
		if err != nil {
			panic(err)
		}
		fmt.Println(e.Index, e.Record.(audit.ShareRecord).EnvelopeID)
	}
	// Output:
	// 1 e2
	// 2 e3
}

func ExampleLeafHash() {
	h, err := audit.LeafHash(exampleShare("e1"))
	fmt.Printf("%x %v\n", h[:4], err)
	// Output:
	// 83ff1349 <nil>
}

func ExampleParseCheckpoint() {
	c, err := audit.ParseCheckpoint([]byte("gov.example/share-log\n3\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n"))
	fmt.Println(c.Origin, c.Size, err)
	// Output:
	// gov.example/share-log 3 <nil>
}

func ExampleVerifyReceiptInLog() {
	l, dir, done := exampleLog()
	defer done()
	ctx := context.Background()
	i, _ := l.Append(ctx, exampleShare("env-1"))
	receipt, _ := l.Receipt(i) // the sealer keeps this
	l.Append(ctx, exampleShare("env-2"))

	// Later, a provider or supervisor checks the receipt against the log.
	v, _ := audit.NewVerifier(exampleVerifierKey)
	rec, now, err := audit.VerifyReceiptInLog(dir, receipt, v)
	if err != nil {
		panic(err)
	}
	fmt.Println(rec.(audit.ShareRecord).EnvelopeID, "is in a log of", now.Size, "records")
	// Output: env-1 is in a log of 2 records
}

// A department records an act in a log: it signs the record with its own
// key for the log's origin, and the log's operator appends it only if the
// signature verifies with the department's registered public bundle. The
// receipt proves the signed record is in the log.
func ExampleSignAndAppend() {
	dir, err := os.MkdirTemp("", "audit-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	gongan, err := keys.New("gongan") // the provider's keyring
	if err != nil {
		panic(err)
	}
	// The operator's side: the log key and the departments' public bundles.
	logKey, _ := audit.NewSigner(exampleSignerKey)
	registry, _ := audit.NewRegistry(gongan.Public())
	app, err := audit.OpenAppender(context.Background(), filepath.Join(dir, "log"),
		audit.AppenderOptions{Signer: logKey, Registry: registry})
	if err != nil {
		panic(err)
	}
	defer app.Close()
	// The department's side (with a URL of "govshare log serve" instead of
	// a directory, OpenAppender needs only the log's verifier key).
	signer, _ := audit.KeyringSigner(gongan, keys.KindSignEd25519)
	rec := exampleShare("e1")
	rec.Time = time.Now()
	receipt, err := audit.SignAndAppend(context.Background(), app, signer, rec)
	fmt.Println(receipt.Index, err)

	// Anyone with the log's verifier key and the bundle checks the receipt.
	verifier, _ := audit.NewVerifier(exampleVerifierKey)
	sr, ck, err := audit.VerifySignedReceipt(receipt, verifier, registry)
	fmt.Println(sr.Signer, ck.Size, err)

	// Another department cannot record gongan's act.
	minzheng, _ := keys.New("minzheng")
	other, _ := audit.KeyringSigner(minzheng, keys.KindSignEd25519)
	_, err = audit.SignAndAppend(context.Background(), app, other, rec)
	fmt.Println(errors.Is(err, audit.ErrWrongSigner))
	// Output:
	// 0 <nil>
	// gongan 1 <nil>
	// true
}
