package audit

import (
	"context"
	"errors"
	"os"
	"testing"

	"golang.org/x/mod/sumdb/note"
)

// fillLog opens a log in a new directory and appends rec(i) for i in [from, to).
func fillLog(t *testing.T, dir string, s note.Signer, from, to int, rec func(int) Record) *Log {
	t.Helper()
	l, err := Open(dir, s)
	if err != nil {
		t.Fatal(err)
	}
	for i := from; i < to; i++ {
		if _, err := l.Append(context.Background(), rec(i)); err != nil {
			t.Fatal(err)
		}
	}
	return l
}

// TestVerifyReceiptInLog: a receipt stays valid while the log only grows,
// and fails when the log is cut back or its history is rewritten under the
// same key, or when the receipt's record is replaced.
func TestVerifyReceiptInLog(t *testing.T) {
	s, v, _ := newKeys(t)
	dir := t.TempDir()
	l := fillLog(t, dir, s, 0, 5, sampleRecord)
	r, err := l.Receipt(3)
	if err != nil {
		t.Fatal(err)
	}
	for i := 5; i < 40; i++ {
		if _, err := l.Append(context.Background(), sampleRecord(i)); err != nil {
			t.Fatal(err)
		}
	}
	l.Close()
	rec, now, err := VerifyReceiptInLog(dir, r, v)
	if err != nil {
		t.Fatal(err)
	}
	if now.Size != 40 || envelopeOf(rec) != envelopeOf(sampleRecord(3)) {
		t.Fatalf("size %d, record %s", now.Size, envelopeOf(rec))
	}

	// The same operator key, another history: records 0..4 differ.
	forged := t.TempDir()
	fillLog(t, forged, s, 0, 40, func(i int) Record {
		if i == 1 {
			return sampleRecordID(1, "env-rewritten")
		}
		return sampleRecord(i)
	}).Close()
	if _, _, err := VerifyReceiptInLog(forged, r, v); !errors.Is(err, ErrForked) {
		t.Errorf("rewritten history: %v", err)
	}

	// Cut back to fewer records than the receipt's tree.
	short := t.TempDir()
	fillLog(t, short, s, 0, 4, sampleRecord).Close()
	if _, _, err := VerifyReceiptInLog(short, r, v); !errors.Is(err, ErrRollback) {
		t.Errorf("cut-back log: %v", err)
	}

	// A receipt for another index than its proof: the record does not match.
	bad := r
	bad.Index = 2
	if _, _, err := VerifyReceiptInLog(dir, bad, v); !errors.Is(err, ErrNotVerified) {
		t.Error("a receipt moved to another index verified")
	}
	// A damaged log fails before any receipt is considered.
	b, _ := os.ReadFile(dir + "/" + recordsFile)
	b[len(b)/2] ^= 1
	os.WriteFile(dir+"/"+recordsFile, b, 0o644)
	if _, _, err := VerifyReceiptInLog(dir, r, v); !errors.Is(err, ErrTampered) {
		t.Error("a damaged log verified a receipt")
	}
}
