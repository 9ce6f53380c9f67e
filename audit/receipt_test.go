package audit

import (
	"context"
	"os"
	"strings"
	"testing"
)

// TestVerifyReceiptInLog: a receipt stays valid while the log only grows,
// and fails when the log is cut back or its history is rewritten under the
// same key, or when the receipt's record is replaced.
func TestVerifyReceiptInLog(t *testing.T) {
	ctx := context.Background()
	s, v, _ := newKeys(t)
	dir := t.TempDir()
	l, err := Open(dir, s)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		if _, err := l.Append(ctx, sampleRecord(i)); err != nil {
			t.Fatal(err)
		}
	}
	r, err := l.Receipt(3)
	if err != nil {
		t.Fatal(err)
	}
	for i := 5; i < 40; i++ {
		if _, err := l.Append(ctx, sampleRecord(i)); err != nil {
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
	fl, err := Open(forged, s)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 40 {
		rec := sampleRecord(i)
		if i == 1 {
			rec = sampleRecordID(1, "env-rewritten")
		}
		if _, err := fl.Append(ctx, rec); err != nil {
			t.Fatal(err)
		}
	}
	fl.Close()
	if _, _, err := VerifyReceiptInLog(forged, r, v); err == nil || !strings.Contains(err.Error(), "rewritten") {
		t.Errorf("rewritten history: %v", err)
	}

	// Cut back to fewer records than the receipt's tree.
	short := t.TempDir()
	sl, err := Open(short, s)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 4 {
		if _, err := sl.Append(ctx, sampleRecord(i)); err != nil {
			t.Fatal(err)
		}
	}
	sl.Close()
	if _, _, err := VerifyReceiptInLog(short, r, v); err == nil || !strings.Contains(err.Error(), "cut back") {
		t.Errorf("cut-back log: %v", err)
	}

	// A receipt for another index than its proof: the record does not match.
	bad := r
	bad.Index = 2
	if _, _, err := VerifyReceiptInLog(dir, bad, v); err == nil {
		t.Error("a receipt moved to another index verified")
	}
	// A damaged log fails before any receipt is considered.
	b, _ := os.ReadFile(dir + "/" + recordsFile)
	b[len(b)/2] ^= 1
	os.WriteFile(dir+"/"+recordsFile, b, 0o644)
	if _, _, err := VerifyReceiptInLog(dir, r, v); err == nil {
		t.Error("a damaged log verified a receipt")
	}
}
