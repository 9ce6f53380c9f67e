package audit

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"
)

var ctx = context.Background()

func TestAppendReopenVerify(t *testing.T) {
	s, v, _ := newKeys(t)
	dir := filepath.Join(t.TempDir(), "log")
	l, err := Open(dir, s)
	if err != nil {
		t.Fatal(err)
	}
	if c, err := OpenCheckpoint(l.Checkpoint(), v); err != nil || c.Size != 0 || c.Root != emptyRoot {
		t.Fatalf("empty log checkpoint: %+v, %v", c, err)
	}
	for i := 0; i < 10; i++ {
		idx, err := l.Append(ctx, sampleRecord(i))
		if err != nil || idx != uint64(i) {
			t.Fatalf("append %d: index %d, %v", i, idx, err)
		}
	}
	ck := l.Checkpoint()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Append(ctx, sampleRecord(10)); !errors.Is(err, ErrClosed) {
		t.Fatalf("append after close: %v", err)
	}
	if _, err := l.InclusionProof(0, 1); !errors.Is(err, ErrClosed) {
		t.Fatalf("proof after close: %v", err)
	}

	got, err := Verify(dir, v)
	if err != nil {
		t.Fatal(err)
	}
	if got.Size != 10 || got.Origin != testOrigin {
		t.Fatalf("verified checkpoint %+v", got)
	}

	l2, err := Open(dir, s)
	if err != nil {
		t.Fatal(err)
	}
	defer l2.Close()
	if !bytes.Equal(l2.Checkpoint(), ck) || l2.Size() != 10 {
		t.Fatal("reopened log differs")
	}
	i := 0
	for e, err := range l2.Records(0, 100) {
		if err != nil {
			t.Fatal(err)
		}
		if e.Index != uint64(i) || !reflect.DeepEqual(e.Record, sampleRecord(i)) || !bytes.Equal(e.Raw, mustMarshal(t, sampleRecord(i))) {
			t.Fatalf("record %d differs after reopen", i)
		}
		i++
	}
	if i != 10 {
		t.Fatalf("Records yielded %d, want 10", i)
	}
	i = 0
	for e, err := range Entries(dir) {
		if err != nil {
			t.Fatal(err)
		}
		if e.Index != uint64(i) || !reflect.DeepEqual(e.Record, sampleRecord(i)) {
			t.Fatalf("Entries: record %d differs", i)
		}
		i++
	}
	if i != 10 {
		t.Fatalf("Entries yielded %d, want 10", i)
	}
}

func TestOpenWithOtherKeyFails(t *testing.T) {
	dir, l, _ := buildLog(t, 3)
	l.Close()
	other, _, _ := newKeys(t) // same name, other key
	if _, err := Open(dir, other); err == nil {
		t.Fatal("opened a log with another key")
	}
	renamed, _, _ := newKeysNamed(t, "other.example/log")
	if _, err := Open(dir, renamed); err == nil {
		t.Fatal("opened a log with another name")
	}
}

func TestAppendAllIsAtomicOnInvalidRecord(t *testing.T) {
	_, l, _ := buildLog(t, 2)
	bad := sampleRecord(0).(ShareRecord)
	bad.Provider = ""
	if _, err := l.AppendAll(ctx, []Record{sampleRecord(2), bad}); err == nil {
		t.Fatal("AppendAll accepted an invalid record")
	}
	if l.Size() != 2 {
		t.Fatalf("size %d after a refused batch, want 2", l.Size())
	}
	first, err := l.AppendAll(ctx, []Record{sampleRecord(2), sampleRecord(3), sampleRecord(4)})
	if err != nil || first != 2 || l.Size() != 5 {
		t.Fatalf("AppendAll: first %d, size %d, %v", first, l.Size(), err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := l.Append(cctx, sampleRecord(5)); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled append: %v", err)
	}
}

// TestProofs: every leaf of every tree size 1..64 has a verifying
// inclusion proof against that size's signed checkpoint; every pair of sizes
// 1..32 has a verifying consistency proof; wrong index, record, size or
// proof fails.
func TestProofs(t *testing.T) {
	s, v, _ := newKeys(t)
	l, err := Open(t.TempDir(), s)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	const N = 64
	ckpts := [][]byte{l.Checkpoint()}
	for i := 0; i < N; i++ {
		if _, err := l.Append(ctx, sampleRecord(i)); err != nil {
			t.Fatal(err)
		}
		ckpts = append(ckpts, l.Checkpoint())
	}
	for size := uint64(1); size <= N; size++ {
		for i := uint64(0); i < size; i++ {
			p, err := l.InclusionProof(i, size)
			if err != nil {
				t.Fatal(err)
			}
			rec := sampleRecord(int(i))
			if err := VerifyInclusion(ckpts[size], rec, i, p, v); err != nil {
				t.Fatalf("leaf %d of %d: %v", i, size, err)
			}
			if size > 1 {
				if VerifyInclusion(ckpts[size], rec, (i+1)%size, p, v) == nil {
					t.Fatalf("leaf %d of %d: verified at the wrong index", i, size)
				}
				if VerifyInclusion(ckpts[size], sampleRecord(int((i+1)%size)), i, p, v) == nil {
					t.Fatalf("leaf %d of %d: verified the wrong record", i, size)
				}
				bad := append([]Hash(nil), p...)
				bad[0][0] ^= 1
				if VerifyInclusion(ckpts[size], rec, i, bad, v) == nil {
					t.Fatalf("leaf %d of %d: verified a tampered proof", i, size)
				}
			}
			if size < N && VerifyInclusion(ckpts[size+1], rec, i, p, v) == nil && len(p) > 0 {
				// A proof for size s is for s's tree only (it can coincide for
				// a leaf whose path is unchanged, but then the root differs).
				t.Fatalf("leaf %d: proof for size %d verified at size %d", i, size, size+1)
			}
		}
		if _, err := l.InclusionProof(size, size); err == nil {
			t.Fatalf("proof for index %d in tree %d", size, size)
		}
	}
	if _, err := l.InclusionProof(0, N+1); err == nil {
		t.Fatal("proof for a tree larger than the log")
	}

	for a := uint64(1); a <= 32; a++ {
		for b := a; b <= 32; b++ {
			p, err := l.ConsistencyProof(a, b)
			if err != nil {
				t.Fatal(err)
			}
			if err := VerifyConsistency(ckpts[a], ckpts[b], p, v); err != nil {
				t.Fatalf("%d→%d: %v", a, b, err)
			}
			if a == b {
				continue
			}
			if VerifyConsistency(ckpts[b], ckpts[a], p, v) == nil {
				t.Fatalf("%d→%d: verified reversed", a, b)
			}
			if VerifyConsistency(ckpts[a], ckpts[b+1], p, v) == nil {
				t.Fatalf("%d→%d: verified against size %d", a, b, b+1)
			}
			if a > 1 && VerifyConsistency(ckpts[a-1], ckpts[b], p, v) == nil {
				t.Fatalf("%d→%d: verified from size %d", a, b, a-1)
			}
			for k := range p {
				bad := append([]Hash(nil), p...)
				bad[k][31] ^= 0x80
				if VerifyConsistency(ckpts[a], ckpts[b], bad, v) == nil {
					t.Fatalf("%d→%d: verified with proof[%d] flipped", a, b, k)
				}
			}
		}
	}
	if p, err := l.ConsistencyProof(0, 5); err != nil || len(p) != 0 || VerifyConsistency(ckpts[0], ckpts[5], p, v) != nil {
		t.Fatalf("consistency from the empty tree: %v", err)
	}
	if VerifyConsistency(ckpts[0], ckpts[5], []Hash{{}}, v) == nil {
		t.Fatal("non-empty proof from the empty tree verified")
	}
	if _, err := l.ConsistencyProof(5, 4); err == nil {
		t.Fatal("consistency proof backwards")
	}
}

// TestForkDetected: two logs that agree on a prefix and then differ give
// checkpoints no consistency proof can join.
func TestForkDetected(t *testing.T) {
	s, v, _ := newKeys(t)
	a, err := Open(t.TempDir(), s)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := Open(t.TempDir(), s)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	for i := 0; i < 5; i++ {
		a.Append(ctx, sampleRecord(i))
		b.Append(ctx, sampleRecord(i))
	}
	old := a.Checkpoint()
	a.Append(ctx, sampleRecord(5))
	b.Append(ctx, sampleRecord(6))
	pb, err := b.ConsistencyProof(5, 6)
	if err != nil {
		t.Fatal(err)
	}
	if err := VerifyConsistency(old, b.Checkpoint(), pb, v); err != nil {
		t.Fatalf("honest extension failed: %v", err)
	}
	if VerifyConsistency(a.Checkpoint(), b.Checkpoint(), nil, v) == nil {
		t.Fatal("two different roots for size 6 passed")
	}
}

func TestCheckpointSignatures(t *testing.T) {
	_, l, v := buildLog(t, 4)
	ck := l.Checkpoint()
	c, err := OpenCheckpoint(ck, v)
	if err != nil {
		t.Fatal(err)
	}
	if c.Size != 4 || c.Origin != testOrigin {
		t.Fatalf("checkpoint %+v", c)
	}
	// Body is the C2SP tlog-checkpoint: origin, size, base64 root.
	if !bytes.HasPrefix(ck, c.Marshal()) || !strings.HasPrefix(string(ck), testOrigin+"\n4\n") {
		t.Fatalf("checkpoint body is not origin/size/root:\n%s", ck)
	}

	// Same name, other key: rejected.
	other, otherV, _ := newKeys(t)
	forged, err := signCheckpoint(c, other)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := OpenCheckpoint(forged, v); err == nil {
		t.Fatal("checkpoint signed by another key verified")
	}
	if _, err := OpenCheckpoint(forged, otherV); err != nil {
		t.Fatalf("control: the other key's own verifier: %v", err)
	}
	// Two signatures (ours plus another): rejected, a checkpoint has one spelling.
	both, err := note.Sign(&note.Note{Text: string(c.Marshal())}, mustSigner(t, l), other)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := OpenCheckpoint(both, v); err == nil {
		t.Fatal("checkpoint with an extra signature verified")
	}
	// Origin that is not the key name: rejected even with a good signature.
	renamed, renamedV, _ := newKeysNamed(t, "other.example/log")
	c2 := c
	c2.Origin = "gov.example/share-log"
	if _, err := signCheckpoint(c2, renamed); err == nil {
		t.Fatal("signed a checkpoint for another origin")
	}
	odd, _ := note.Sign(&note.Note{Text: string(c.Marshal())}, renamed)
	if _, err := OpenCheckpoint(odd, renamedV); err == nil {
		t.Fatal("checkpoint whose origin is not the key name verified")
	}
	if _, err := OpenCheckpoint(ck, nil); err == nil {
		t.Fatal("nil verifier accepted")
	}
}

// mustSigner recovers the log's signer for tests that need a second note.
func mustSigner(t *testing.T, l *Log) note.Signer { t.Helper(); return l.signer }

func TestParseCheckpointStrict(t *testing.T) {
	good := "o.example/log\n12\n" + strings.Repeat("A", 43) + "=\n"
	if _, err := ParseCheckpoint([]byte(good)); err != nil {
		t.Fatal(err)
	}
	for name, in := range map[string]string{
		"empty":         "",
		"no newline":    strings.TrimSuffix(good, "\n"),
		"extension":     good + "ext\n",
		"leading zero":  strings.Replace(good, "\n12\n", "\n012\n", 1),
		"plus size":     strings.Replace(good, "\n12\n", "\n+12\n", 1),
		"negative":      strings.Replace(good, "\n12\n", "\n-1\n", 1),
		"empty origin":  good[len("o.example/log"):],
		"origin space":  "o example\n" + good[len("o.example/log\n"):],
		"short root":    "o.example/log\n12\n" + strings.Repeat("A", 40) + "=\n",
		"unpadded root": "o.example/log\n12\n" + strings.Repeat("A", 43) + "\n",
		"bad base64":    "o.example/log\n12\n" + strings.Repeat("*", 43) + "=\n",
		"noncanon b64":  "o.example/log\n12\n" + strings.Repeat("A", 42) + "B=\n",
		"crlf":          strings.ReplaceAll(good, "\n", "\r\n"),
	} {
		if _, err := ParseCheckpoint([]byte(in)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestReceipt(t *testing.T) {
	_, l, v := buildLog(t, 7)
	r, err := l.Receipt(3)
	if err != nil {
		t.Fatal(err)
	}
	js, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var back Receipt
	if err := json.Unmarshal(js, &back); err != nil {
		t.Fatal(err)
	}
	if err := VerifyReceipt(back, sampleRecord(3), v); err != nil {
		t.Fatal(err)
	}
	if VerifyReceipt(back, sampleRecord(4), v) == nil {
		t.Fatal("receipt verified for another record")
	}
	if _, err := l.Receipt(7); err == nil {
		t.Fatal("receipt for a record beyond the log")
	}
}

func TestHashesFileRebuilt(t *testing.T) {
	dir, l, v := buildLog(t, 13)
	s := l.signer
	l.Close()
	want := readFile(t, filepath.Join(dir, hashesFile))
	for _, cut := range []int{-1, len(hashesHeader), len(hashesHeader) + 5*HashSize + 7, len(want) - 1} {
		if cut < 0 {
			os.Remove(filepath.Join(dir, hashesFile))
		} else {
			writeFile(t, filepath.Join(dir, hashesFile), want[:cut])
		}
		if _, err := Verify(dir, v); err == nil {
			t.Fatalf("cut %d: Verify passed with a damaged hashes file", cut)
		}
		l, err := Open(dir, s)
		if err != nil {
			t.Fatalf("cut %d: %v", cut, err)
		}
		l.Close()
		if got := readFile(t, filepath.Join(dir, hashesFile)); !bytes.Equal(got, want) {
			t.Fatalf("cut %d: rebuilt hashes differ", cut)
		}
		if _, err := Verify(dir, v); err != nil {
			t.Fatalf("cut %d: %v", cut, err)
		}
	}
}

// TestTornTailRepaired: garbage or a partial frame after the last record
// is cut on Open; the records under the checkpoint stay.
func TestTornTailRepaired(t *testing.T) {
	dir, l, v := buildLog(t, 5)
	s := l.signer
	l.Close()
	recPath := filepath.Join(dir, recordsFile)
	orig := readFile(t, recPath)
	partial := appendFrame(nil, 5, mustMarshal(t, sampleRecord(5)))
	for name, tail := range map[string][]byte{
		"garbage":        []byte("\x00\x00\x01\x00garbage"),
		"zeros":          make([]byte, 300),
		"partial frame":  partial[:len(partial)-3],
		"length only":    partial[:4],
		"wrong index":    appendFrame(nil, 9, mustMarshal(t, sampleRecord(5))),
		"bad record":     appendFrame(nil, 5, []byte(`{"v":1}`)),
		"one byte":       {0x7f},
		"huge length":    {0xff, 0xff, 0xff, 0xff, 1, 2, 3},
		"crc flipped":    append(partial[:len(partial)-1:len(partial)-1], partial[len(partial)-1]^1),
		"frame+garbage":  append(append([]byte(nil), partial...), 0x01, 0x02),
		"frame+partial2": append(append([]byte(nil), partial...), appendFrame(nil, 6, mustMarshal(t, sampleRecord(6)))[:20]...),
	} {
		writeFile(t, recPath, append(append([]byte(nil), orig...), tail...))
		if _, err := Verify(dir, v); err == nil {
			t.Fatalf("%s: Verify passed with a torn tail", name)
		}
		l, err := Open(dir, s)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		want := uint64(5)
		if strings.HasPrefix(name, "frame+") {
			want = 6 // the complete, checksummed frame before the tear is kept
		}
		if l.Size() != want {
			t.Fatalf("%s: size %d after repair, want %d", name, l.Size(), want)
		}
		l.Close()
		if _, err := Verify(dir, v); err != nil {
			t.Fatalf("%s: after repair: %v", name, err)
		}
		got := readFile(t, recPath)
		if !bytes.HasPrefix(got, orig) {
			t.Fatalf("%s: repair changed acknowledged records", name)
		}
		// Reset to the 5-record state for the next case.
		writeFile(t, recPath, orig)
		resetTo5(t, dir, s)
	}
}

// resetTo5 rewrites hashes and checkpoint for the first 5 sample records.
func resetTo5(t *testing.T, dir string, s note.Signer) {
	t.Helper()
	var fr frontier
	var hs []Hash
	for i := 0; i < 5; i++ {
		hs = append(hs, fr.add(mustMarshal(t, sampleRecord(i)))...)
	}
	writeFile(t, filepath.Join(dir, hashesFile), append([]byte(hashesHeader), flatten(hs)...))
	ck, err := signCheckpoint(Checkpoint{Origin: s.Name(), Size: 5, Root: fr.root()}, s)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, checkpointFile), ck)
}

// TestDamageUnderCheckpointIsNotRepaired: a bad frame that the signed
// checkpoint covers is corruption, not a torn write: Open refuses rather
// than cut acknowledged records.
func TestDamageUnderCheckpointIsNotRepaired(t *testing.T) {
	dir, l, _ := buildLog(t, 5)
	s := l.signer
	l.Close()
	recPath := filepath.Join(dir, recordsFile)
	orig := readFile(t, recPath)
	for _, cut := range []int{len(orig) - 1, len(orig) - 100, len(recordsHeader) + 10} {
		writeFile(t, recPath, orig[:cut])
		if _, err := Open(dir, s); err == nil {
			t.Fatalf("cut at %d: Open accepted a log missing signed records", cut)
		}
	}
	bad := append([]byte(nil), orig...)
	bad[len(recordsHeader)+20] ^= 1
	writeFile(t, recPath, bad)
	if _, err := Open(dir, s); err == nil {
		t.Fatal("Open accepted a damaged signed record")
	}
	if got := readFile(t, recPath); !bytes.Equal(got, bad) {
		t.Fatal("Open modified a damaged log instead of refusing")
	}
}

// TestLaggingCheckpointResigned: a crash after the records fsync but before
// the checkpoint is written leaves complete records past the checkpoint;
// Verify reports it, Open signs over them.
func TestLaggingCheckpointResigned(t *testing.T) {
	dir, l, v := buildLog(t, 3)
	s := l.signer
	old := l.Checkpoint()
	for i := 3; i < 6; i++ {
		l.Append(ctx, sampleRecord(i))
	}
	l.Close()
	writeFile(t, filepath.Join(dir, checkpointFile), old)
	if _, err := Verify(dir, v); err == nil {
		t.Fatal("Verify passed with records past the checkpoint")
	}
	l2, err := Open(dir, s)
	if err != nil {
		t.Fatal(err)
	}
	l2.Close()
	c, err := Verify(dir, v)
	if err != nil || c.Size != 6 {
		t.Fatalf("after reopen: %+v, %v", c, err)
	}
}

func TestRecordsFileMissing(t *testing.T) {
	dir, l, _ := buildLog(t, 2)
	s := l.signer
	l.Close()
	os.Remove(filepath.Join(dir, recordsFile))
	if _, err := Open(dir, s); err == nil {
		t.Fatal("Open started a fresh log over a checkpoint of 2 records")
	}
}
