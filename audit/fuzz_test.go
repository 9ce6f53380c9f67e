package audit

import (
	"bytes"
	"crypto/sha256"
	"path/filepath"
	"sync"
	"testing"

	"golang.org/x/mod/sumdb/note"
)

// FuzzParse: Parse never panics, and whatever it accepts re-encodes to the
// same bytes (one record, one encoding, one leaf hash). The re-encoding
// skips Marshal's admission check on dispute reasons, which Parse does not
// apply (see decodeRecord); the slow, reflective parser agrees with the
// fast one.
func FuzzParse(f *testing.F) {
	for i := 0; i < 4; i++ {
		b, _ := Marshal(sampleRecord(i))
		f.Add(b)
	}
	f.Add([]byte(`{"v":1,"type":"share"}`))
	f.Add([]byte(`{"v":1,"type":"dispute","envelope":"e","by":"d","reason":"\u0000","time":"2025-03-01T08:30:00.000Z"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		rec, err := Parse(b)
		if err != nil {
			if parseSlow(b) == nil {
				t.Fatalf("the slow parser accepts what the fast one refuses (input sha256 %x)", sha256.Sum256(b))
			}
			return
		}
		again, err := marshal(rec, false)
		if err != nil {
			t.Fatalf("accepted record does not re-encode: %v", err)
		}
		if !bytes.Equal(again, b) {
			t.Fatalf("accepted a non-canonical record (input sha256 %x)", sha256.Sum256(b))
		}
	})
}

// FuzzParseLeaf: a stored entry (bare or signed) never panics the parser,
// and an accepted signed form re-encodes to itself.
func FuzzParseLeaf(f *testing.F) {
	sr := signSample(f, testOrigin, 0)
	form, _ := sr.Marshal()
	f.Add(form)
	f.Add(appendLogged(nil, baseTime, form))
	f.Add([]byte(`{"logged":"2025-03-01T08:30:00.000Z","signer":"a","key":1,"sig":"AA==","record":{}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var l leaf
		if parseLeaf(b, &l) != nil || !l.signed {
			return
		}
		sr := l.signedRecord()
		again, err := sr.Marshal()
		if err != nil {
			return // a reason today's detector refuses: not re-admitted
		}
		if len(b) > len(loggedPrefix) && string(b[:len(loggedPrefix)]) == loggedPrefix {
			again = appendLogged(nil, l.logged, again)
		}
		if !bytes.Equal(again, b) {
			t.Fatalf("accepted a non-canonical entry (input sha256 %x)", sha256.Sum256(b))
		}
	})
}

var fuzzKeys struct {
	once sync.Once
	s    note.Signer
	v    note.Verifier
}

func fuzzSigner(t testing.TB) (note.Signer, note.Verifier) {
	fuzzKeys.once.Do(func() { fuzzKeys.s, fuzzKeys.v, _ = newKeys(t) })
	return fuzzKeys.s, fuzzKeys.v
}

// FuzzCheckpoint: the checkpoint parsers never panic; an accepted body
// re-encodes to itself; a signed checkpoint that verifies is byte for byte
// what the log signs.
func FuzzCheckpoint(f *testing.F) {
	s, v := fuzzSigner(f)
	signed, _ := signCheckpoint(Checkpoint{Origin: s.Name(), Size: 42, Root: emptyRoot}, s)
	f.Add(signed)
	f.Add(Checkpoint{Origin: "o", Size: 1, Root: emptyRoot}.Marshal())
	f.Add([]byte("o\n1\n\n\n— o AAAA\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if c, err := ParseCheckpoint(b); err == nil && !bytes.Equal(c.Marshal(), b) {
			t.Fatal("accepted a non-canonical checkpoint body")
		}
		if c, err := OpenCheckpoint(b, v); err == nil {
			again, err := signCheckpoint(c, s)
			if err != nil || !bytes.Equal(again, b) {
				t.Fatal("verified checkpoint differs from the log's own encoding")
			}
		}
		_, _ = splitSigned(b, s.Name(), s.KeyHash())
	})
}

// repairTemplate is a 5-record log whose checkpoint covers only the first 3,
// as after a crash between the records fsync and the checkpoint write.
var repairTemplate struct {
	once            sync.Once
	records, hashes []byte
	checkpoint      []byte
	covered         int   // bytes of records covered by the checkpoint
	frameEnds       []int // end offset of each original frame
}

func loadRepairTemplate(t testing.TB) {
	repairTemplate.once.Do(func() {
		s, _ := fuzzSigner(t)
		records := []byte(recordsHeader)
		var fr frontier
		var hs []Hash
		var ck []byte
		for i := 0; i < 5; i++ {
			rec, _ := Marshal(sampleRecord(i))
			records = appendFrame(records, int64(i), rec)
			repairTemplate.frameEnds = append(repairTemplate.frameEnds, len(records))
			hs = append(hs, fr.add(rec)...)
			if i == 2 {
				ck, _ = signCheckpoint(Checkpoint{Origin: s.Name(), Size: 3, Root: fr.root()}, s)
				repairTemplate.covered = len(records)
			}
		}
		repairTemplate.records = records
		repairTemplate.hashes = append([]byte(hashesHeader), flatten(hs)...)
		repairTemplate.checkpoint = ck
	})
}

// FuzzRepair: cut the uncheckpointed tail anywhere and append anything.
// Open must succeed (the checkpointed records are intact), never panic,
// keep every original frame that survived whole, keep nothing that fails
// its checksum or parse (Verify passes afterwards), and never lose a
// checkpointed record.
func FuzzRepair(f *testing.F) {
	loadRepairTemplate(f)
	f.Add(uint16(0), []byte{})
	f.Add(uint16(10), []byte{0, 0, 0, 5, 'h', 'e', 'l', 'l', 'o'})
	f.Add(uint16(1000), []byte{0xff, 0xff, 0xff, 0xff})
	f.Add(uint16(65535), make([]byte, 64))
	f.Fuzz(func(t *testing.T, cut uint16, junk []byte) {
		s, v := fuzzSigner(t)
		tpl := &repairTemplate
		tail := len(tpl.records) - tpl.covered
		keep := tpl.covered + int(cut)%(tail+1)
		records := append(append([]byte(nil), tpl.records[:keep]...), junk...)
		dir := t.TempDir()
		writeFile(t, filepath.Join(dir, recordsFile), records)
		writeFile(t, filepath.Join(dir, hashesFile), tpl.hashes)
		writeFile(t, filepath.Join(dir, checkpointFile), tpl.checkpoint)
		l, err := Open(dir, s)
		if err != nil {
			t.Fatalf("Open failed with intact checkpointed records: %v", err)
		}
		defer l.Close()
		whole := 0
		for _, end := range tpl.frameEnds {
			if end <= keep {
				whole++
			}
		}
		if l.Size() < uint64(whole) {
			t.Fatalf("kept %d records, %d original frames were whole", l.Size(), whole)
		}
		for i := 0; i < whole; i++ {
			e, err := l.Record(uint64(i))
			if err != nil {
				t.Fatal(err)
			}
			if want, _ := Marshal(sampleRecord(i)); !bytes.Equal(e.Raw, want) {
				t.Fatalf("record %d changed", i)
			}
		}
		if _, err := Verify(dir, v); err != nil {
			t.Fatalf("Verify after repair: %v", err)
		}
	})
}
