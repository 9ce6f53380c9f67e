package audit

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"iter"
	"os"
	"path/filepath"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// VerifyInclusion checks, without the log's files, that rec is the record at
// index in the tree of a signed checkpoint: the checkpoint must verify with
// v (the log's verifier key) and the proof must lead from rec's leaf hash to
// its root.
func VerifyInclusion(checkpoint []byte, rec Record, index uint64, proof []Hash, v note.Verifier) error {
	c, err := OpenCheckpoint(checkpoint, v)
	if err != nil {
		return err
	}
	leaf, err := LeafHash(rec)
	if err != nil {
		return err
	}
	if index >= c.Size {
		return fmt.Errorf("govshare/audit: index %d is outside a tree of %d", index, c.Size)
	}
	if err := tlog.CheckRecord(proof, int64(c.Size), c.Root, int64(index), leaf); err != nil {
		return fmt.Errorf("govshare/audit: inclusion proof does not verify for record %d in tree %d", index, c.Size)
	}
	return nil
}

// VerifyReceipt checks a Receipt for rec with the log's verifier key.
func VerifyReceipt(r Receipt, rec Record, v note.Verifier) error {
	return VerifyInclusion([]byte(r.Checkpoint), rec, r.Index, r.Proof, v)
}

// VerifyConsistency checks, without the log's files, that the tree of
// oldCheckpoint is a prefix of the tree of newCheckpoint: the log only grew
// between them. An auditor keeps the last checkpoint it saw and runs this
// with every new one; a log that rewrote history cannot pass.
func VerifyConsistency(oldCheckpoint, newCheckpoint []byte, proof []Hash, v note.Verifier) error {
	oc, err := OpenCheckpoint(oldCheckpoint, v)
	if err != nil {
		return fmt.Errorf("old checkpoint: %w", err)
	}
	nc, err := OpenCheckpoint(newCheckpoint, v)
	if err != nil {
		return fmt.Errorf("new checkpoint: %w", err)
	}
	switch {
	case oc.Size > nc.Size:
		return fmt.Errorf("govshare/audit: old checkpoint (size %d) is larger than new (size %d)", oc.Size, nc.Size)
	case oc.Size == 0 || oc.Size == nc.Size:
		// Nothing to prove but the obvious; a proof here is malformed.
		if len(proof) != 0 {
			return errors.New("govshare/audit: consistency proof must be empty")
		}
		if oc.Size == nc.Size && oc.Root != nc.Root {
			return fmt.Errorf("govshare/audit: two different roots for tree size %d: the log forked", oc.Size)
		}
		return nil
	}
	if err := tlog.CheckTree(proof, int64(nc.Size), nc.Root, int64(oc.Size), oc.Root); err != nil {
		return fmt.Errorf("govshare/audit: consistency proof from %d to %d does not verify", oc.Size, nc.Size)
	}
	return nil
}

// Verify re-reads the log in dir without trusting anything in it: every
// record's checksum and canonical encoding, every stored hash recomputed,
// the root recomputed and compared with the checkpoint, whose signature
// must verify with v and whose size must be the number of records. Any
// edited, added or removed byte in records, hashes or checkpoint fails it.
// It returns the verified checkpoint. It only reads, so a log left torn by
// a crash fails until Open repairs it.
//
// It runs in O(n) time and constant memory, and holds the log's shared lock
// only while it takes a snapshot of the file sizes.
func Verify(dir string, v note.Verifier) (Checkpoint, error) {
	snap, err := snapshot(dir)
	if err != nil {
		return Checkpoint{}, err
	}
	defer snap.close()
	ck, err := OpenCheckpoint(snap.checkpoint, v)
	if err != nil {
		return Checkpoint{}, err
	}
	if err := readHeader(snap.recf, recordsHeader); err != nil {
		return Checkpoint{}, err
	}
	if err := readHeader(snap.hashf, hashesHeader); err != nil {
		return Checkpoint{}, err
	}
	rh, hh := int64(len(recordsHeader)), int64(len(hashesHeader))
	fr := newFrameReader(io.NewSectionReader(snap.recf, rh, snap.recSize-rh), rh, 0)
	stored := bufio.NewReaderSize(io.NewSectionReader(snap.hashf, hh, snap.hashSize-hh), 256<<10)

	var tree frontier
	var got Hash
	hashIndex := int64(0)
	check := func(want Hash) error {
		if _, err := io.ReadFull(stored, got[:]); err != nil {
			return fmt.Errorf("govshare/audit: hashes file ends at stored hash %d", hashIndex)
		}
		if got != want {
			return fmt.Errorf("govshare/audit: stored hash %d does not match the records", hashIndex)
		}
		hashIndex++
		return nil
	}
	for {
		rec, _, err := fr.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			var bad *errBadFrame
			if errors.As(err, &bad) && uint64(bad.Index) >= ck.Size {
				return Checkpoint{}, fmt.Errorf("%w (past the checkpoint: a torn tail; Open repairs it)", err)
			}
			return Checkpoint{}, err
		}
		for _, h := range tree.add(rec) {
			if err := check(h); err != nil {
				return Checkpoint{}, err
			}
		}
	}
	if _, err := stored.ReadByte(); err != io.EOF {
		return Checkpoint{}, fmt.Errorf("govshare/audit: hashes file has data after stored hash %d", hashIndex)
	}
	if uint64(tree.n) != ck.Size {
		return Checkpoint{}, fmt.Errorf("govshare/audit: log holds %d records but the checkpoint covers %d", tree.n, ck.Size)
	}
	root := tree.root()
	if root != ck.Root {
		return Checkpoint{}, errors.New("govshare/audit: recomputed root differs from the signed checkpoint")
	}
	return ck, nil
}

type dirSnapshot struct {
	checkpoint        []byte
	recf, hashf       *os.File
	recSize, hashSize int64
}

func (s *dirSnapshot) close() {
	if s.recf != nil {
		s.recf.Close()
	}
	if s.hashf != nil {
		s.hashf.Close()
	}
}

// snapshot reads the checkpoint and the file sizes under the shared lock,
// so no append is half done. The files only grow (or lose a torn tail
// past the checkpoint), so the snapshot's prefix stays valid afterwards.
func snapshot(dir string) (*dirSnapshot, error) {
	s := &dirSnapshot{}
	if lf, err := os.Open(filepath.Join(dir, lockFile)); err == nil {
		defer lf.Close()
		if err := flock(lf, false); err != nil {
			return nil, fmt.Errorf("govshare/audit: locking log: %w", err)
		}
		defer funlock(lf)
	}
	var err error
	if s.checkpoint, err = os.ReadFile(filepath.Join(dir, checkpointFile)); err != nil {
		return nil, fmt.Errorf("govshare/audit: reading checkpoint: %w", err)
	}
	if s.recf, err = os.Open(filepath.Join(dir, recordsFile)); err != nil {
		return nil, fmt.Errorf("govshare/audit: opening records: %w", err)
	}
	if s.hashf, err = os.Open(filepath.Join(dir, hashesFile)); err != nil {
		s.close()
		return nil, fmt.Errorf("govshare/audit: opening hashes: %w", err)
	}
	for _, p := range []struct {
		f    *os.File
		size *int64
	}{{s.recf, &s.recSize}, {s.hashf, &s.hashSize}} {
		st, err := p.f.Stat()
		if err != nil {
			s.close()
			return nil, fmt.Errorf("govshare/audit: %w", err)
		}
		*p.size = st.Size()
	}
	return s, nil
}

// Entries yields every record of the log in dir, for display ("govshare log
// show"). It needs no key and checks only each record's checksum and
// encoding; use Verify to check the log. It reads the records present when
// it starts. A bad frame is yielded as an error and ends the iteration.
func Entries(dir string) iter.Seq2[Entry, error] {
	return func(yield func(Entry, error) bool) {
		snap, err := snapshot(dir)
		if err != nil {
			yield(Entry{}, err)
			return
		}
		defer snap.close()
		if err := readHeader(snap.recf, recordsHeader); err != nil {
			yield(Entry{}, err)
			return
		}
		rh := int64(len(recordsHeader))
		fr := newFrameReader(io.NewSectionReader(snap.recf, rh, snap.recSize-rh), rh, 0)
		for i := uint64(0); ; i++ {
			raw, _, err := fr.next()
			if err == io.EOF {
				return
			}
			if err != nil {
				yield(Entry{}, err)
				return
			}
			rec, err := Parse(raw)
			if err != nil {
				yield(Entry{}, err)
				return
			}
			raw = bytes.Clone(raw)
			if !yield(Entry{Index: i, Record: rec, Raw: raw, LeafHash: tlog.RecordHash(raw)}, nil) {
				return
			}
		}
	}
}

// VerifyReceiptInLog checks a sealer's receipt against the log in dir as it
// is now, which is what a provider or supervisor asks of its receipts later:
// the whole log verifies with v (Verify); the receipt verifies for the
// record now stored at its index; and the tree the receipt's checkpoint
// signed is a prefix of today's tree, so nothing recorded up to then has been
// changed or removed since. It returns that record and today's checkpoint.
func VerifyReceiptInLog(dir string, r Receipt, v note.Verifier) (Record, Checkpoint, error) {
	now, err := Verify(dir, v)
	if err != nil {
		return nil, Checkpoint{}, err
	}
	then, err := OpenCheckpoint([]byte(r.Checkpoint), v)
	if err != nil {
		return nil, now, fmt.Errorf("receipt: %w", err)
	}
	if then.Size > now.Size {
		return nil, now, fmt.Errorf("govshare/audit: the receipt's tree has %d records but the log has %d: the log was cut back", then.Size, now.Size)
	}
	var rec Record
	for e, err := range Entries(dir) {
		if err != nil {
			return nil, now, err
		}
		if e.Index == r.Index {
			rec = e.Record
			break
		}
	}
	if rec == nil {
		return nil, now, fmt.Errorf("govshare/audit: the log has no record %d", r.Index)
	}
	if err := VerifyReceipt(r, rec, v); err != nil {
		return nil, now, fmt.Errorf("govshare/audit: the log's record %d is not the one the receipt proves: %w", r.Index, err)
	}
	// Verify recomputed every stored hash from the records, so the first
	// StoredHashCount(now.Size) hashes are trustworthy; they give the root of
	// any earlier tree.
	f, err := os.Open(filepath.Join(dir, hashesFile))
	if err != nil {
		return nil, now, fmt.Errorf("govshare/audit: %w", err)
	}
	defer f.Close()
	root, err := tlog.TreeHash(int64(then.Size), &hashReader{f: f, count: tlog.StoredHashCount(int64(now.Size))})
	if err != nil {
		return nil, now, fmt.Errorf("govshare/audit: %w", err)
	}
	if root != then.Root {
		return nil, now, fmt.Errorf("govshare/audit: the log's first %d records are not the tree the receipt's checkpoint signed: history was rewritten", then.Size)
	}
	return rec, now, nil
}
