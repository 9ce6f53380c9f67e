package audit

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"
)

// TestTamperEveryByte flips every byte of every stored file, one at a time,
// in two ways (low bit, high bit), and also cuts and extends each file:
// Verify must fail every time, and pass again once the file is restored.
// The low-bit flip matters for the base64 signature line: Go's base64
// decoder ignores unused trailing bits, so only the canonical-form check
// catches it. Any edited, cut or added byte fails Verify with
// ErrNotVerified (tampering, not an I/O error), in a log of unsigned
// records and in one of signed records.
func TestTamperEveryByte(t *testing.T) {
	t.Run("unsigned", func(t *testing.T) {
		dir, l, v := buildLog(t, 6)
		l.Close()
		tamperEveryByte(t, dir, v)
	})
	t.Run("signed", func(t *testing.T) {
		s, v, _ := newKeys(t)
		dir := t.TempDir()
		op, clk := newOperator(t, dir, s)
		appendSigned(t, op, clk, 0, 6)
		op.Log().Close()
		tamperEveryByte(t, dir, v)
	})
}

func tamperEveryByte(t *testing.T, dir string, v note.Verifier) {
	if _, err := Verify(dir, v); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{recordsFile, hashesFile, checkpointFile} {
		path := filepath.Join(dir, name)
		orig := readFile(t, path)
		mod := append([]byte(nil), orig...)
		for i := range orig {
			for _, mask := range []byte{0x01, 0x80} {
				mod[i] = orig[i] ^ mask
				writeFile(t, path, mod)
				if _, err := Verify(dir, v); !errors.Is(err, ErrNotVerified) {
					t.Fatalf("%s: byte %d ^ %#x not detected: %v", name, i, mask, err)
				}
			}
			mod[i] = orig[i]
		}
		for cut := 0; cut < len(orig); cut++ {
			writeFile(t, path, orig[:cut])
			if _, err := Verify(dir, v); !errors.Is(err, ErrNotVerified) {
				t.Fatalf("%s: cut to %d bytes not detected: %v", name, cut, err)
			}
		}
		for _, extra := range [][]byte{{0}, {'\n'}, orig[len(orig)-1:]} {
			writeFile(t, path, append(append([]byte(nil), orig...), extra...))
			if _, err := Verify(dir, v); !errors.Is(err, ErrNotVerified) {
				t.Fatalf("%s: appended byte %#x not detected: %v", name, extra, err)
			}
		}
		writeFile(t, path, orig)
		if _, err := Verify(dir, v); err != nil {
			t.Fatalf("%s restored: %v", name, err)
		}
	}
	for _, name := range []string{recordsFile, hashesFile, checkpointFile} {
		path := filepath.Join(dir, name)
		orig := readFile(t, path)
		os.Remove(path)
		if _, err := Verify(dir, v); err == nil {
			t.Fatalf("missing %s not detected", name)
		}
		writeFile(t, path, orig)
	}
}

// TestTamperWithRecomputedChecksums: an editor who rewrites a record and
// fixes its CRC and the hashes file still fails, because the root no longer
// matches the signed checkpoint. Swapping two records fails the same way.
func TestTamperWithRecomputedChecksums(t *testing.T) {
	dir, l, v := buildLog(t, 6)
	l.Close()
	recs := make([][]byte, 6)
	for i := range recs {
		recs[i] = mustMarshal(t, sampleRecord(i))
	}
	rewrite := func(recs [][]byte) {
		frames := []byte(recordsHeader)
		var fr frontier
		var hs []Hash
		for i, r := range recs {
			frames = appendFrame(frames, int64(i), r)
			hs = append(hs, fr.add(r)...)
		}
		writeFile(t, filepath.Join(dir, recordsFile), frames)
		writeFile(t, filepath.Join(dir, hashesFile), append([]byte(hashesHeader), flatten(hs)...))
	}
	rewrite(recs)
	if _, err := Verify(dir, v); err != nil {
		t.Fatalf("control: faithful rewrite fails: %v", err)
	}

	edited := append([][]byte(nil), recs...)
	d := sampleRecord(3).(DisputeRecord)
	d.Reason = DisputeOther
	edited[3] = mustMarshal(t, d)
	rewrite(edited)
	if _, err := Verify(dir, v); err == nil {
		t.Fatal("rewritten record with fixed checksums passed")
	}

	swapped := append([][]byte(nil), recs...)
	swapped[1], swapped[2] = swapped[2], swapped[1]
	rewrite(swapped)
	if _, err := Verify(dir, v); err == nil {
		t.Fatal("swapped records passed")
	}

	rewrite(recs[:5])
	if _, err := Verify(dir, v); err == nil {
		t.Fatal("dropped last record passed")
	}
}

// TestDenseSampleLargeFile: on a larger log, every byte of the first and last
// frames and a dense stride through the rest are each detected.
func TestDenseSampleLargeFile(t *testing.T) {
	if testing.Short() {
		t.Skip("large tamper sample in -short")
	}
	dir, l, v := buildLog(t, 0)
	recs := make([]Record, 150)
	for i := range recs {
		recs[i] = sampleRecord(i)
	}
	if _, err := l.AppendAll(ctx, recs); err != nil {
		t.Fatal(err)
	}
	l.Close()
	path := filepath.Join(dir, recordsFile)
	orig := readFile(t, path)
	firstEnd := len(recordsHeader) + 8 + int(binary.BigEndian.Uint32(orig[len(recordsHeader):]))
	lastStart := len(orig) - 8 - len(mustMarshal(t, sampleRecord(149)))
	mod := append([]byte(nil), orig...)
	for i := 0; i < len(orig); i++ {
		if i >= firstEnd && i < lastStart && i%53 != 0 {
			continue
		}
		mod[i] ^= 0x04
		writeFile(t, path, mod)
		if _, err := Verify(dir, v); err == nil {
			t.Fatalf("byte %d flip not detected", i)
		}
		mod[i] = orig[i]
	}
	writeFile(t, path, orig)
	if _, err := Verify(dir, v); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(readFile(t, path), orig) {
		t.Fatal("restore failed")
	}
}

// TestTamperLargeLog: a log large enough for Verify's parallel pipeline
// (batches of frames checked on several goroutines): a flipped byte in any
// batch, a cut, a bad length and a duplicate are found, and the error is
// the one of the first bad record.
func TestTamperLargeLog(t *testing.T) {
	const n = 12000
	dir, l, v := buildLog(t, 0)
	batch := make([]Record, 0, maxBatch)
	for i := 0; i < n; i++ {
		batch = append(batch, sampleRecord(i))
		if len(batch) == maxBatch || i == n-1 {
			if _, err := l.AppendAll(ctx, batch); err != nil {
				t.Fatal(err)
			}
			batch = batch[:0]
		}
	}
	l.Close()
	for _, workers := range []int{1, 2, 4} {
		if _, err := VerifyDir(dir, v, VerifyOptions{Workers: workers}); err != nil {
			t.Fatalf("%d workers: %v", workers, err)
		}
	}
	path := filepath.Join(dir, recordsFile)
	orig := readFile(t, path)
	mod := bytes.Clone(orig)
	for _, at := range []int{len(recordsHeader) + 2, len(orig) / 3, len(orig) / 2, len(orig)*2/3 + 7, len(orig) - 3} {
		mod[at] ^= 0x10
		writeFile(t, path, mod)
		if _, err := Verify(dir, v); !errors.Is(err, ErrNotVerified) {
			t.Errorf("byte %d flipped: %v", at, err)
		}
		mod[at] = orig[at]
	}
	for _, cut := range []int{len(orig) - 1, len(orig) - 200, len(orig) / 2} {
		writeFile(t, path, orig[:cut])
		if _, err := Verify(dir, v); !errors.Is(err, ErrNotVerified) {
			t.Errorf("cut to %d: %v", cut, err)
		}
	}
	// Two bad records: the first is reported.
	mod = bytes.Clone(orig)
	mod[len(orig)/4] ^= 1
	mod[len(orig)*3/4] ^= 1
	writeFile(t, path, mod)
	_, err1 := Verify(dir, v)
	mod[len(orig)*3/4] ^= 1
	writeFile(t, path, mod)
	_, err2 := Verify(dir, v)
	if err1 == nil || err2 == nil || err1.Error() != err2.Error() {
		t.Errorf("first of two bad records: %v / %v", err1, err2)
	}
	writeFile(t, path, orig)
	if _, err := Verify(dir, v); err != nil {
		t.Fatal(err)
	}
}

// TestLargeSignedLog: the parallel pipeline checks signatures, times and
// duplicates as the sequential path does.
func TestLargeSignedLog(t *testing.T) {
	dir, v := buildSignedLog(t, 5000)
	reg := testRegistry(t)
	res, err := VerifyDir(dir, v, VerifyOptions{Registry: reg, RequireSigned: true})
	if err != nil || res.Signed != 5000 {
		t.Fatalf("%+v %v", res, err)
	}
	// A duplicate, written past every check.
	s := mustSignerOf(t, dir)
	l, err := Open(dir, s)
	if err != nil {
		t.Fatal(err)
	}
	e, _ := l.Record(1234)
	sr, _ := e.Signed()
	form, _ := sr.Marshal()
	l.index = map[uint64]int64{}
	l.clock = func() time.Time { return e.Logged }
	if _, err := l.appendEncoded(ctx, &pending{recs: [][]byte{form}, signed: true, recBytes: sr.raw, recTime: recordTime(sr.Record), skew: time.Hour}); err != nil {
		t.Fatal(err)
	}
	l.Close()
	if _, err := VerifyDir(dir, v, VerifyOptions{Registry: reg}); !errors.Is(err, ErrDuplicate) {
		t.Fatalf("duplicate in a large log: %v", err)
	}
}

func TestHasEqual(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 1, 2, 3, 100, 5000, 70000} {
		keys := make([]uint64, n)
		for i := range keys {
			keys[i] = rng.Uint64()
		}
		if hasEqual(keys) {
			t.Fatalf("%d distinct keys: equal found", n)
		}
		if n >= 2 {
			keys[(n-2)/2] = keys[n-1]
			if !hasEqual(keys) {
				t.Fatalf("%d keys with a pair: not found", n)
			}
		}
	}
}
