package audit

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"
)

// TestTamperEveryByte flips every byte of every stored file, one at a time,
// in two ways (low bit, high bit), and also cuts and extends each file:
// Verify must fail every time, and pass again once the file is restored.
// The low-bit flip matters for the base64 signature line: Go's base64
// decoder ignores unused trailing bits, so only the canonical-form check
// catches it.
func TestTamperEveryByte(t *testing.T) {
	dir, l, v := buildLog(t, 6)
	l.Close()
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
				if _, err := Verify(dir, v); err == nil {
					t.Fatalf("%s: byte %d ^ %#x not detected", name, i, mask)
				}
			}
			mod[i] = orig[i]
		}
		for cut := 0; cut < len(orig); cut++ {
			writeFile(t, path, orig[:cut])
			if _, err := Verify(dir, v); err == nil {
				t.Fatalf("%s: cut to %d bytes not detected", name, cut)
			}
		}
		for _, extra := range [][]byte{{0}, {'\n'}, orig[len(orig)-1:]} {
			writeFile(t, path, append(append([]byte(nil), orig...), extra...))
			if _, err := Verify(dir, v); err == nil {
				t.Fatalf("%s: appended byte %#x not detected", name, extra)
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
	d.Reason = "no dispute after all"
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
