package audit

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/govshare/govshare/catalog"
	"golang.org/x/mod/sumdb/note"
)

const testOrigin = "gov.example/share-log"

// newKeys returns a fresh signer and its verifier for testOrigin.
func newKeys(t testing.TB) (note.Signer, note.Verifier, string) {
	t.Helper()
	return newKeysNamed(t, testOrigin)
}

func newKeysNamed(t testing.TB, name string) (note.Signer, note.Verifier, string) {
	t.Helper()
	skey, vkey, err := note.GenerateKey(rand.Reader, name)
	if err != nil {
		t.Fatal(err)
	}
	s, err := note.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	v, err := note.NewVerifier(vkey)
	if err != nil {
		t.Fatal(err)
	}
	return s, v, skey
}

var baseTime = time.Date(2025, 3, 1, 8, 30, 0, 0, time.UTC)

// sampleRecord returns a deterministic record of each kind in turn, whose
// envelope id names i, so a record found at an index can be traced back.
func sampleRecord(i int) Record {
	return sampleRecordID(i, fmt.Sprintf("env-%06d", i))
}

func sampleRecordID(i int, id string) Record {
	t := baseTime.Add(time.Duration(i) * time.Second)
	switch i % 4 {
	case 0:
		return ShareRecord{
			EnvelopeID: id,
			HeaderHash: sha256.Sum256([]byte(id)),
			Provider:   "gongan",
			Recipient:  "minzheng",
			Purpose:    catalog.PurposeDataVerification,
			GrantID:    "grant-2025-007",
			Resource:   "人口基础信息",
			Time:       t,
		}
	case 1:
		return OpenRecord{EnvelopeID: id, Opener: "minzheng", Purpose: catalog.PurposeDataVerification,
			Outcome: OutcomeOpened, Time: t}
	case 2:
		return RefuseRecord{RequestID: id, By: "gongan", Code: ReasonNoGrant, Time: t}
	default:
		return DisputeRecord{EnvelopeID: id, By: "minzheng", Reason: DisputeRecordCount, TextDigest: sha256.Sum256([]byte("text " + id)), Time: t}
	}
}

func envelopeOf(r Record) string {
	switch r := r.(type) {
	case ShareRecord:
		return r.EnvelopeID
	case OpenRecord:
		return r.EnvelopeID
	case RefuseRecord:
		if r.EnvelopeID != "" {
			return r.EnvelopeID
		}
		return r.RequestID
	case DisputeRecord:
		return r.EnvelopeID
	}
	return ""
}

func mustMarshal(t testing.TB, r Record) []byte {
	t.Helper()
	b, err := Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// buildLog creates a log in a fresh directory with n sample records.
func buildLog(t testing.TB, n int) (string, *Log, note.Verifier) {
	t.Helper()
	s, v, _ := newKeys(t)
	dir := t.TempDir()
	l, err := Open(dir, s)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	for i := 0; i < n; i++ {
		if _, err := l.Append(context.Background(), sampleRecord(i)); err != nil {
			t.Fatal(err)
		}
	}
	return dir, l, v
}

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func writeFile(t testing.TB, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}
