package audit

import (
	"bufio"
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"iter"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// VerifyInclusion checks, without the log's files, that rec is the record at
// index in the tree of a signed checkpoint: the checkpoint must verify with
// v (the log's verifier key) and the proof must lead from rec's leaf hash to
// its root. It is for records appended unsigned (Log.Append); a signed
// record's leaf is its stored entry, which its receipt carries
// (VerifyReceipt).
func VerifyInclusion(checkpoint []byte, rec Record, index uint64, proof []Hash, v note.Verifier) error {
	b, err := marshal(rec, false)
	if err != nil {
		return err
	}
	_, err = verifyLeaf(checkpoint, b, index, proof, v)
	return err
}

// verifyLeaf checks that entry is the leaf at index of the checkpoint's tree.
func verifyLeaf(checkpoint, entry []byte, index uint64, proof []Hash, v note.Verifier) (Checkpoint, error) {
	return verifyLeafWith(checkpoint, entry, index, proof, func(b []byte) (Checkpoint, error) { return OpenCheckpoint(b, v) })
}

func verifyLeafWith(checkpoint, entry []byte, index uint64, proof []Hash, open func([]byte) (Checkpoint, error)) (Checkpoint, error) {
	c, err := open(checkpoint)
	if err != nil {
		return Checkpoint{}, err
	}
	if index >= c.Size {
		return c, notVerified(nil, "index %d is outside a tree of %d", index, c.Size)
	}
	if err := tlog.CheckRecord(proof, int64(c.Size), c.Root, int64(index), tlog.RecordHash(entry)); err != nil {
		return c, notVerified(nil, "inclusion proof does not verify for record %d in tree %d", index, c.Size)
	}
	return c, nil
}

// VerifyReceipt checks a Receipt for rec with the log's verifier key. For a
// signed record it also checks that the receipt's entry holds rec, and the
// entry's logged time against the checkpoint's (not after it) and against
// rec's own time (within MaxSkew); VerifySignedReceipt checks the maker's
// signature as well.
func VerifyReceipt(r Receipt, rec Record, v note.Verifier) error {
	return verifyReceipt(r, rec, func(b []byte) (Checkpoint, error) { return OpenCheckpoint(b, v) })
}

// verifyReceipt is VerifyReceipt with the checkpoint verification given
// (a Client caches it: one commit's receipts share one checkpoint).
func verifyReceipt(r Receipt, rec Record, open func([]byte) (Checkpoint, error)) error {
	b, err := marshal(rec, false)
	if err != nil {
		return err
	}
	return verifyReceiptBytes(r, b, open)
}

// verifyReceiptBytes is verifyReceipt for a record's canonical bytes.
func verifyReceiptBytes(r Receipt, b []byte, open func([]byte) (Checkpoint, error)) error {
	if r.Entry == nil {
		_, err := verifyLeafWith([]byte(r.Checkpoint), b, r.Index, r.Proof, open)
		return err
	}
	var lf leaf
	if _, err := verifyReceiptEntryWith(r, &lf, open); err != nil {
		return err
	}
	if !bytes.Equal(lf.rec, b) {
		return notVerified(nil, "the receipt is for another record")
	}
	return nil
}

// VerifySignedReceipt checks a receipt for a signed record on its own: the
// checkpoint with the log's verifier key v, the inclusion of the receipt's
// entry, its times, and the maker's signature with reg. It returns the
// signed record and the receipt's checkpoint.
func VerifySignedReceipt(r Receipt, v note.Verifier, reg Registry) (SignedRecord, Checkpoint, error) {
	var lf leaf
	c, err := verifyReceiptEntry(r, &lf, v)
	if err != nil {
		return SignedRecord{}, c, err
	}
	if reg == nil {
		return SignedRecord{}, c, errors.New("govshare/audit: nil registry")
	}
	if err := verifySig(reg, c.Origin, lf.signer, lf.keyID, lf.d.time(), lf.signature(), lf.rec); err != nil {
		return SignedRecord{}, c, err
	}
	return lf.signedRecord(), c, nil
}

func verifyReceiptEntry(r Receipt, lf *leaf, v note.Verifier) (Checkpoint, error) {
	return verifyReceiptEntryWith(r, lf, func(b []byte) (Checkpoint, error) { return OpenCheckpoint(b, v) })
}

func verifyReceiptEntryWith(r Receipt, lf *leaf, open func([]byte) (Checkpoint, error)) (Checkpoint, error) {
	if r.Entry == nil {
		return Checkpoint{}, notVerified(ErrUnsigned, "the receipt carries no signed entry")
	}
	if err := parseLeaf(r.Entry, lf); err != nil {
		return Checkpoint{}, wrapNotVerified(ErrTampered, err, "govshare/audit: receipt entry")
	}
	if !lf.signed {
		return Checkpoint{}, notVerified(ErrUnsigned, "the receipt's entry is not a signed record")
	}
	c, err := verifyLeafWith([]byte(r.Checkpoint), r.Entry, r.Index, r.Proof, open)
	if err != nil {
		return c, err
	}
	if err := checkLoggedTime(lf, c.Time, MaxSkew); err != nil {
		return c, err
	}
	return c, nil
}

// checkLoggedTime checks a signed entry's times: logged no later than the
// checkpoint (ckTime) covering it, and the record's own time within skew
// of logged.
func checkLoggedTime(lf *leaf, ckTime time.Time, skew time.Duration) error {
	if ckTime.IsZero() || lf.logged.After(ckTime) {
		return notVerified(ErrTimeSkew, "a record logged at %s is covered by a checkpoint of %s", formatTime(lf.logged), formatTimeOrNone(ckTime))
	}
	if d := lf.logged.Sub(lf.d.time()); d > skew || d < -skew {
		return notVerified(ErrTimeSkew, "a record's time is %s from the time it was logged, more than %s", d.Round(time.Second), skew)
	}
	return nil
}

func formatTimeOrNone(t time.Time) string {
	if t.IsZero() {
		return "no time"
	}
	return formatTime(t)
}

// VerifyConsistency checks, without the log's files, that the tree of
// oldCheckpoint is a prefix of the tree of newCheckpoint: the log only grew
// between them, and its clock did not go back. An auditor keeps the last
// checkpoint it saw and runs this with every new one; a log that rewrote
// history fails with ErrForked, one shown older than before with
// ErrRollback.
func VerifyConsistency(oldCheckpoint, newCheckpoint []byte, proof []Hash, v note.Verifier) error {
	oc, err := OpenCheckpoint(oldCheckpoint, v)
	if err != nil {
		return wrapNotVerified(nil, err, "old checkpoint")
	}
	nc, err := OpenCheckpoint(newCheckpoint, v)
	if err != nil {
		return wrapNotVerified(nil, err, "new checkpoint")
	}
	return checkExtends(oc, nc, func() error {
		if err := tlog.CheckTree(proof, int64(nc.Size), nc.Root, int64(oc.Size), oc.Root); err != nil {
			return notVerified(ErrForked, "consistency proof from %d to %d does not verify: the log forked", oc.Size, nc.Size)
		}
		return nil
	}, len(proof))
}

// checkExtends checks that nc may extend oc: not smaller, not older, the
// same root at the same size; then, when it is larger, prove (a
// consistency check of the caller's).
func checkExtends(oc, nc Checkpoint, prove func() error, proofLen int) error {
	switch {
	case oc.Origin != nc.Origin:
		return notVerified(nil, "checkpoints of two logs (%s, %s)", oc.Origin, nc.Origin)
	case oc.Size > nc.Size:
		return notVerified(ErrRollback, "the log shows %d records after showing %d: rolled back", nc.Size, oc.Size)
	case nc.Time.Before(oc.Time):
		return notVerified(ErrRollback, "the log's checkpoint time went back from %s to %s", formatTime(oc.Time), formatTimeOrNone(nc.Time))
	case oc.Size == nc.Size:
		if oc.Root != nc.Root {
			return notVerified(ErrForked, "two different roots for tree size %d: the log forked", oc.Size)
		}
		if proofLen != 0 {
			return notVerified(nil, "consistency proof must be empty")
		}
		return nil
	case oc.Size == 0:
		if proofLen != 0 {
			return notVerified(nil, "consistency proof must be empty")
		}
		return nil
	}
	return prove()
}

// VerifyOptions say what VerifyDir checks beyond the tree and the records'
// form.
type VerifyOptions struct {
	// Registry, when set, checks every signed record's signature with its
	// maker's registered key (ErrBadSignature, ErrUnknownSigner).
	Registry Registry
	// RequireSigned fails a log holding a record appended without its
	// maker's signature (ErrUnsigned).
	RequireSigned bool
	// Skew bounds the difference between a signed record's time and the
	// time it was logged; 0 means MaxSkew.
	Skew time.Duration
	// Workers is the number of goroutines checking signatures; 0 means
	// GOMAXPROCS.
	Workers int

	// State pins the log: the verified checkpoint must extend the one
	// State remembers for the log's origin (else ErrForked or
	// ErrRollback), and is remembered in its place.
	State *State

	// Witnesses and MinWitnesses require a checkpoint cosigned by at least
	// MinWitnesses of Witnesses (cosignature/v1 verifier keys) whose tree
	// is a prefix of the verified one. Cosigned is that checkpoint; when
	// nil, VerifyDir reads the log directory's "cosigned" file.
	Witnesses    []note.Verifier
	MinWitnesses int
	Cosigned     []byte
}

// Result is what a verification found.
type Result struct {
	Checkpoint        Checkpoint // the verified checkpoint
	Signed, Unsigned  uint64     // records with and without their maker's signature
	SignaturesChecked bool       // signed records' signatures were checked (a Registry was given)
	Pinned            *Checkpoint
	Cosigned          *Checkpoint // the cosigned checkpoint checked, if witnesses were required
	Cosigners         []string    // the witnesses whose cosignatures verified
	// Budgets are the privacy budget accounts, recomputed from the release
	// records in log order; a release that took its account past the
	// budget of record fails verification (ErrOverBudget).
	Budgets []Spent
}

// Verify re-reads the log in dir without trusting anything in it: every
// record's checksum and canonical form, every stored hash recomputed, the
// root recomputed and compared with the checkpoint, whose signature must
// verify with v and whose size must be the number of records; for signed
// records, that the signer is the record's maker and the times are in
// order. Any edited, added or removed byte in records, hashes or
// checkpoint fails it. It returns the verified checkpoint. It does not
// check records' signatures, which needs the departments' keys: VerifyDir
// with a Registry does.
//
// It only reads, so a log left torn by a crash fails until Open repairs
// it. It runs in O(n) time and 32 bytes of memory per signed record (to
// find duplicates), on GOMAXPROCS goroutines for a large log, reading the
// stored bytes once without decoding them into values, and holds the
// log's shared lock only while it takes a snapshot of the file sizes.
// Errors from the log's content wrap ErrNotVerified.
func Verify(dir string, v note.Verifier) (Checkpoint, error) {
	res, err := VerifyDir(dir, v, VerifyOptions{})
	return res.Checkpoint, err
}

// VerifyDir is Verify with options: signatures, pinned state, witnesses.
func VerifyDir(dir string, v note.Verifier, opt VerifyOptions) (Result, error) {
	snap, err := snapshot(dir)
	if err != nil {
		return Result{}, err
	}
	defer snap.close()
	ck, err := OpenCheckpoint(snap.checkpoint, v)
	if err != nil {
		return Result{}, err
	}
	if opt.MinWitnesses > 0 && opt.Cosigned == nil {
		if opt.Cosigned, err = os.ReadFile(filepath.Join(dir, cosignedFile)); err != nil {
			if errors.Is(err, os.ErrNotExist) {
				return Result{Checkpoint: ck}, notVerified(ErrWitness, "the log has no cosigned checkpoint")
			}
			return Result{Checkpoint: ck}, fmt.Errorf("govshare/audit: reading cosigned checkpoint: %w", err)
		}
	}
	sc, err := newStreamCheck(ck, snap.checkpoint, v, opt)
	if err != nil {
		return sc.res, err
	}
	defer sc.stop()
	if err := readHeader(snap.recf, recordsHeader); err != nil {
		return sc.res, wrapNotVerified(ErrTampered, err, "govshare/audit")
	}
	if err := readHeader(snap.hashf, hashesHeader); err != nil {
		return sc.res, wrapNotVerified(ErrTampered, err, "govshare/audit")
	}
	rh, hh := int64(len(recordsHeader)), int64(len(hashesHeader))
	stored := bufio.NewReaderSize(io.NewSectionReader(snap.hashf, hh, snap.hashSize-hh), 256<<10)
	var got Hash
	hashIndex := int64(0)
	sc.stored = func(want Hash) error {
		if _, err := io.ReadFull(stored, got[:]); err != nil {
			return notVerified(ErrTruncated, "hashes file ends at stored hash %d", hashIndex)
		}
		if got != want {
			return notVerified(ErrTampered, "stored hash %d does not match the records", hashIndex)
		}
		hashIndex++
		return nil
	}
	if err := sc.run(frameFiller(snap.recf, rh, snap.recSize)); err != nil {
		return sc.res, err
	}
	if _, err := stored.ReadByte(); err != io.EOF {
		return sc.res, notVerified(ErrTampered, "hashes file has data after stored hash %d", hashIndex)
	}
	return sc.finish()
}

// streamCheck verifies a log's entries in order against its checkpoint.
// The work on each entry that does not depend on the others — its form,
// times, signature and leaf hash (check) — runs on worker goroutines in
// batches; the rest — the tree, the stored hashes, the order of times,
// duplicates (collect) — runs in order on one.
type streamCheck struct {
	opt    VerifyOptions
	ck     Checkpoint
	signed []byte // ck as signed
	res    Result
	tree   frontier
	stored func(Hash) error // when set, checks each stored hash

	pinned   *Checkpoint
	cosigned *Checkpoint
	captures []capture // sizes to take the root at, ascending

	lastLogged time.Time
	book       Book
	keys       []dupKey
	quick      []uint64 // keys' a, sorted quickly to find candidate duplicates
	seed1      maphash.Seed
	seed2      maphash.Seed
}

type capture struct {
	size uint64
	root Hash
}

type dupKey struct {
	a, b  uint64
	index int64
}

func newStreamCheck(ck Checkpoint, signed []byte, v note.Verifier, opt VerifyOptions) (*streamCheck, error) {
	if opt.Skew <= 0 {
		opt.Skew = MaxSkew
	}
	if opt.Workers <= 0 {
		opt.Workers = runtime.GOMAXPROCS(0)
	}
	sc := &streamCheck{opt: opt, ck: ck, signed: signed, seed1: maphash.MakeSeed(), seed2: maphash.MakeSeed()}
	sc.res.Checkpoint = ck
	if opt.State != nil {
		prev, err := opt.State.pinned(ck.Origin, v)
		if err != nil {
			return sc, err
		}
		if prev != nil {
			sc.pinned = prev
			sc.res.Pinned = prev
			if err := checkExtends(*prev, ck, func() error { return nil }, 0); err != nil {
				return sc, err
			}
			sc.captures = append(sc.captures, capture{size: prev.Size})
		}
	}
	if opt.MinWitnesses > 0 {
		cc, names, err := OpenCosigned(opt.Cosigned, v, opt.Witnesses)
		if err != nil {
			return sc, err
		}
		if len(names) < opt.MinWitnesses {
			return sc, notVerified(ErrWitness, "%d of the required %d witnesses cosigned", len(names), opt.MinWitnesses)
		}
		if err := checkExtends(cc, ck, func() error { return nil }, 0); err != nil {
			return sc, wrapNotVerified(nil, err, "govshare/audit: against the cosigned checkpoint")
		}
		sc.cosigned, sc.res.Cosigned, sc.res.Cosigners = &cc, &cc, names
		sc.captures = append(sc.captures, capture{size: cc.Size})
	}
	slices.SortFunc(sc.captures, func(a, b capture) int { return cmp.Compare(a.size, b.size) })
	sc.res.SignaturesChecked = opt.Registry != nil
	if ck.Size < 1<<24 {
		sc.keys = make([]dupKey, 0, ck.Size)
		sc.quick = make([]uint64, 0, ck.Size)
	}
	return sc, nil
}

// checked is what check found about one entry.
type checked struct {
	leaf   Hash
	signed bool
	logged time.Time
	a, b   uint64         // duplicate keys of a signed record
	rel    *ReleaseRecord // a release record, to charge in order
}

// worker is one goroutine's reusable state.
type worker struct {
	lh *leafHasher
	lf leaf
}

// check does the work on entry index that needs no other entry.
func (sc *streamCheck) check(w *worker, index int64, raw []byte, out *checked) error {
	out.rel = nil
	if uint64(index) >= sc.ck.Size {
		// More records than the checkpoint covers: the final size check
		// reports it.
		out.signed = false
		return nil
	}
	lf := &w.lf
	if err := parseLeaf(raw, lf); err != nil {
		return wrapNotVerified(ErrTampered, err, "govshare/audit: record %d", index)
	}
	out.signed = lf.signed
	if lf.d.kind == KindRelease {
		r := lf.d.record().(ReleaseRecord)
		out.rel = &r
	}
	if !lf.signed {
		if sc.opt.RequireSigned {
			return notVerified(ErrUnsigned, "record %d is not signed by its maker", index)
		}
		return nil
	}
	out.logged = lf.logged
	if err := checkLoggedTime(lf, sc.ck.Time, sc.opt.Skew); err != nil {
		return wrapNotVerified(nil, err, "govshare/audit: record %d", index)
	}
	out.a, out.b = maphash.Bytes(sc.seed1, lf.rec), maphash.Bytes(sc.seed2, lf.rec)
	if sc.opt.Registry != nil {
		if err := verifySig(sc.opt.Registry, sc.ck.Origin, lf.signer, lf.keyID, lf.d.time(), lf.signature(), lf.rec); err != nil {
			return wrapNotVerified(nil, err, "govshare/audit: record %d", index)
		}
	}
	return nil
}

// collect takes entry index's results, in order.
func (sc *streamCheck) collect(index int64, c *checked) error {
	if c.rel != nil && uint64(index) < sc.ck.Size {
		if err := sc.book.Charge(*c.rel); err != nil {
			return wrapNotVerified(nil, err, "govshare/audit: record %d", index)
		}
	}
	if uint64(index) < sc.ck.Size {
		if c.signed {
			sc.res.Signed++
			if c.logged.Before(sc.lastLogged) {
				return notVerified(ErrTimeSkew, "record %d was logged at %s, before record %d", index, formatTime(c.logged), index-1)
			}
			sc.lastLogged = c.logged
			sc.keys = append(sc.keys, dupKey{c.a, c.b, index})
			sc.quick = append(sc.quick, c.a)
		} else {
			sc.res.Unsigned++
		}
	}
	var out [65]Hash
	k := sc.tree.push(c.leaf, &out)
	if sc.stored != nil && uint64(index) < sc.ck.Size {
		for _, h := range out[:k] {
			if err := sc.stored(h); err != nil {
				return err
			}
		}
	}
	for i := range sc.captures {
		if sc.captures[i].size == uint64(sc.tree.n) {
			sc.captures[i].root = sc.tree.root()
		}
	}
	return nil
}

// vbatch is a batch of entries on its way through run's pipeline.
type vbatch struct {
	first int64 // index of the first entry
	// frames: buf holds whole frames of the records file (length, entry,
	// checksum) starting at file offset off, which the workers check;
	// otherwise bare entries.
	frames bool
	off    int64
	buf    []byte
	ends   []int // end of each entry or frame in buf
	res    []checked
	err    error // the first failure, at index errAt
	errAt  int64
	done   chan struct{}
}

// leafHash returns the RFC 6962 leaf hash of entry j, which entry has
// returned. In a batch of frames it hashes in place, over the last byte of
// the frame's length set to the leaf prefix 0 for the call, which is one
// SHA-256 call without copying.
func (b *vbatch) leafHash(j int, raw []byte, lh *leafHasher) Hash {
	if !b.frames {
		return lh.sum(raw)
	}
	start := 0
	if j > 0 {
		start = b.ends[j-1]
	}
	save := b.buf[start+3]
	b.buf[start+3] = 0
	h := Hash(sha256.Sum256(b.buf[start+3 : b.ends[j]-4]))
	b.buf[start+3] = save
	return h
}

// entry returns entry j of the batch, checking its frame's checksum.
func (b *vbatch) entry(j int) ([]byte, error) {
	start := 0
	if j > 0 {
		start = b.ends[j-1]
	}
	e := b.buf[start:b.ends[j]]
	if !b.frames {
		return e, nil
	}
	index := b.first + int64(j)
	if binary.BigEndian.Uint32(e[len(e)-4:]) != frameCRC(index, e[:len(e)-4]) {
		return nil, &errBadFrame{Index: index, Offset: b.off + int64(start), Why: "checksum mismatch"}
	}
	return e[4 : len(e)-4], nil
}

// batchBytes is the size of a batch's buffer.
const batchBytes = 256 << 10

// run checks every entry that fill puts into batches: fill appends
// entries (or frames) to b and returns io.EOF once there are no more. Large
// logs are checked on opt.Workers goroutines.
func (sc *streamCheck) run(fill func(b *vbatch) error) error {
	newBatch := func(first int64) *vbatch {
		return &vbatch{first: first, buf: make([]byte, 0, batchBytes), ends: make([]int, 0, 1024)}
	}
	// Small logs are checked on this goroutine: starting the pipeline
	// costs more than it saves.
	if sc.opt.Workers <= 1 || sc.ck.Size < 4096 {
		w := &worker{lh: newLeafHasher()}
		var c checked
		b := newBatch(0)
		for {
			b.buf, b.ends = b.buf[:0], b.ends[:0]
			ferr := fill(b) // entries before a failure come first
			for j := range b.ends {
				raw, err := b.entry(j)
				if err == nil {
					c.leaf = b.leafHash(j, raw, w.lh)
					err = sc.check(w, b.first+int64(j), raw, &c)
				}
				if err == nil {
					err = sc.collect(b.first+int64(j), &c)
				}
				if err != nil {
					return sc.frameErr(err)
				}
			}
			if ferr == io.EOF {
				return nil
			}
			if ferr != nil {
				return sc.frameErr(ferr)
			}
			b.first += int64(len(b.ends))
		}
	}
	work := make(chan *vbatch, sc.opt.Workers*2)
	ordered := make(chan *vbatch, sc.opt.Workers*2+2)
	// Batches are reused: at most cap(ordered)+2 are in flight.
	free := make(chan *vbatch, cap(ordered)+4)
	var wg sync.WaitGroup
	for range sc.opt.Workers {
		wg.Go(func() {
			w := &worker{lh: newLeafHasher()}
			for b := range work {
				if cap(b.res) < len(b.ends) {
					b.res = make([]checked, len(b.ends), cap(b.ends))
				}
				b.res = b.res[:len(b.ends)]
				for j := range b.ends {
					raw, err := b.entry(j)
					if err == nil {
						b.res[j].leaf = b.leafHash(j, raw, w.lh)
						err = sc.check(w, b.first+int64(j), raw, &b.res[j])
					}
					if err != nil {
						b.err, b.errAt = err, b.first+int64(j)
						break
					}
				}
				close(b.done)
			}
		})
	}
	// The collector, in order.
	collected := make(chan error, 1)
	go func() {
		var err error
		for b := range ordered {
			<-b.done
			if err != nil {
				continue // drain
			}
			for j := range b.ends {
				index := b.first + int64(j)
				if b.err != nil && index == b.errAt {
					err = b.err
					break
				}
				if err = sc.collect(index, &b.res[j]); err != nil {
					break
				}
			}
			select {
			case free <- b:
			default:
			}
		}
		collected <- err
	}()
	var ferr error
	first := int64(0)
	for {
		var b *vbatch
		select {
		case b = <-free:
			b.buf, b.ends, b.err = b.buf[:0], b.ends[:0], nil
		default:
			b = newBatch(0)
		}
		b.first = first
		ferr = fill(b)
		if len(b.ends) > 0 {
			b.done = make(chan struct{})
			ordered <- b
			work <- b
			first += int64(len(b.ends))
		}
		if ferr != nil {
			break
		}
	}
	close(work)
	close(ordered)
	wg.Wait()
	if err := <-collected; err != nil {
		return sc.frameErr(err) // an earlier entry failed
	}
	if ferr == io.EOF {
		return nil
	}
	return sc.frameErr(ferr)
}

// frameErr says that a bad frame past the checkpoint is a torn tail.
func (sc *streamCheck) frameErr(err error) error {
	var bad *errBadFrame
	if errors.As(err, &bad) && uint64(bad.Index) >= sc.ck.Size {
		return wrapNotVerified(ErrTampered, err, "govshare/audit: past the checkpoint (a torn tail; Open repairs it)")
	}
	return err
}

// entryFiller fills batches with bare entries from next (io.EOF at the
// end; the bytes valid until the following call).
func entryFiller(next func() ([]byte, error)) func(*vbatch) error {
	return func(b *vbatch) error {
		for len(b.buf) < batchBytes-MaxRecordSize {
			raw, err := next()
			if err != nil {
				return err
			}
			b.buf = append(b.buf, raw...)
			b.ends = append(b.ends, len(b.buf))
		}
		return nil
	}
}

// frameFiller fills batches with whole frames read from the records file
// r (from file offset off), checking their lengths; the workers check
// their checksums. A frame cut by the end of the file is a bad frame.
func frameFiller(r io.ReaderAt, off, end int64) func(*vbatch) error {
	var carry []byte // the start of a frame the last batch could not hold
	index := int64(0)
	return func(b *vbatch) error {
		b.frames = true
		b.off = off - int64(len(carry))
		b.buf = append(b.buf[:0], carry...)
		want := min(int64(cap(b.buf)-len(b.buf)), end-off)
		if want > 0 {
			n, err := r.ReadAt(b.buf[len(b.buf):len(b.buf)+int(want)], off)
			if int64(n) < want {
				if err == nil {
					err = io.ErrUnexpectedEOF
				}
				return fmt.Errorf("govshare/audit: reading records: %w", err)
			}
			b.buf = b.buf[:len(b.buf)+n]
			off += int64(n)
		}
		p := 0
		for {
			if len(b.buf)-p < 4 {
				break
			}
			size := int(binary.BigEndian.Uint32(b.buf[p:]))
			if size == 0 || size > MaxRecordSize {
				carry = nil
				b.buf = b.buf[:p]
				return &errBadFrame{Index: index, Offset: b.off + int64(p), Why: "length out of range"}
			}
			if len(b.buf)-p < 8+size {
				break
			}
			p += 8 + size
			b.ends = append(b.ends, p)
			index++
		}
		carry = append(carry[:0], b.buf[p:]...)
		b.buf = b.buf[:p]
		if off == end {
			if len(carry) == 0 {
				return io.EOF
			}
			what := "incomplete frame"
			if len(carry) < 4 {
				what = "incomplete length"
			}
			return &errBadFrame{Index: index, Offset: b.off + int64(p), Why: what}
		}
		return nil
	}
}

// finish checks the totals, the pinned and cosigned trees and duplicates,
// and remembers the checkpoint in State.
func (sc *streamCheck) finish() (Result, error) {
	if n := uint64(sc.tree.n); n != sc.ck.Size {
		if n < sc.ck.Size {
			return sc.res, notVerified(ErrTruncated, "log holds %d records but the checkpoint covers %d", n, sc.ck.Size)
		}
		return sc.res, notVerified(ErrTampered, "log holds %d records but the checkpoint covers %d", n, sc.ck.Size)
	}
	if sc.tree.root() != sc.ck.Root {
		return sc.res, notVerified(ErrTampered, "recomputed root differs from the signed checkpoint")
	}
	rootAt := func(size uint64) Hash {
		if size == 0 {
			return emptyRoot
		}
		for _, c := range sc.captures {
			if c.size == size {
				return c.root
			}
		}
		return Hash{}
	}
	if p := sc.pinned; p != nil && rootAt(p.Size) != p.Root {
		return sc.res, notVerified(ErrForked, "the log's first %d records are not the tree verified before (remembered checkpoint): the log forked", p.Size)
	}
	if c := sc.cosigned; c != nil && rootAt(c.Size) != c.Root {
		return sc.res, notVerified(ErrForked, "the log's first %d records are not the tree its witnesses cosigned: the log forked", c.Size)
	}
	if err := sc.duplicates(); err != nil {
		return sc.res, err
	}
	sc.res.Budgets = sc.book.Accounts()
	if sc.opt.State != nil {
		if err := sc.opt.State.remember(sc.ck.Origin, sc.signed); err != nil {
			return sc.res, err
		}
	}
	return sc.res, nil
}

// duplicates finds a signed record logged twice. The first 64-bit keys
// are sorted alone (fast); only when two are equal are the full keys
// compared.
func (sc *streamCheck) duplicates() error {
	if !hasEqual(sc.quick) {
		return nil
	}
	slices.SortFunc(sc.keys, func(x, y dupKey) int {
		if c := cmp.Compare(x.a, y.a); c != 0 {
			return c
		}
		if c := cmp.Compare(x.b, y.b); c != 0 {
			return c
		}
		return cmp.Compare(x.index, y.index)
	})
	for i := 1; i < len(sc.keys); i++ {
		if x, y := sc.keys[i-1], sc.keys[i]; x.a == y.a && x.b == y.b {
			return notVerified(ErrDuplicate, "records %d and %d are the same signed record", x.index, y.index)
		}
	}
	return nil
}

// hasEqual reports whether two of the (uniformly distributed) keys are
// equal, in linear time: a counting sort on the top bits, then a look at
// each bucket, which holds one or two keys on average.
func hasEqual(keys []uint64) bool {
	if len(keys) < 2 {
		return false
	}
	bits := 1
	for 1<<bits < len(keys) && bits < 24 {
		bits++
	}
	shift := 64 - bits
	count := make([]int32, 1<<bits+1)
	for _, k := range keys {
		count[k>>shift+1]++
	}
	for i := 1; i < len(count); i++ {
		count[i] += count[i-1]
	}
	sorted := make([]uint64, len(keys))
	next := slices.Clone(count[:len(count)-1])
	for _, k := range keys {
		sorted[next[k>>shift]] = k
		next[k>>shift]++
	}
	for bkt := 0; bkt < 1<<bits; bkt++ {
		in := sorted[count[bkt]:count[bkt+1]]
		for i := 1; i < len(in); i++ {
			for j := 0; j < i; j++ {
				if in[i] == in[j] {
					return true
				}
			}
		}
	}
	return false
}

// stop is kept for symmetry with run: nothing outlives run.
func (sc *streamCheck) stop() {}

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
		fr.parseFrom = math.MaxInt64
		for i := uint64(0); ; i++ {
			raw, _, err := fr.next()
			if err == io.EOF {
				return
			}
			if err != nil {
				yield(Entry{}, err)
				return
			}
			e, err := entryOf(i, raw)
			if err != nil {
				yield(Entry{}, fmt.Errorf("govshare/audit: record %d: %w", i, err))
				return
			}
			if !yield(e, nil) {
				return
			}
		}
	}
}

// VerifyReceiptInLog checks a receipt against the log in dir as it is now,
// which is what a department or supervisor asks of its receipts later: the
// whole log verifies with v (Verify); the receipt verifies for the record
// now stored at its index; and the tree the receipt's checkpoint signed is
// a prefix of today's tree, so nothing recorded up to then has been
// changed or removed since. It returns that record and today's checkpoint.
// A log cut back to fewer records than the receipt's tree fails with
// ErrRollback, a log whose history differs from the receipt's with
// ErrForked.
func VerifyReceiptInLog(dir string, r Receipt, v note.Verifier) (Record, Checkpoint, error) {
	now, err := Verify(dir, v)
	if err != nil {
		return nil, Checkpoint{}, err
	}
	then, err := OpenCheckpoint([]byte(r.Checkpoint), v)
	if err != nil {
		return nil, now, wrapNotVerified(nil, err, "receipt")
	}
	if then.Size > now.Size {
		return nil, now, notVerified(ErrRollback, "the receipt's tree has %d records but the log has %d: the log was cut back", then.Size, now.Size)
	}
	if now.Time.Before(then.Time) {
		return nil, now, notVerified(ErrRollback, "the log's checkpoint is older than the receipt's")
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
		return nil, now, notVerified(ErrForked, "the log's first %d records are not the tree the receipt's checkpoint signed: history was rewritten", then.Size)
	}
	var e Entry
	found := false
	for ent, err := range Entries(dir) {
		if err != nil {
			return nil, now, err
		}
		if ent.Index == r.Index {
			e, found = ent, true
			break
		}
	}
	if !found {
		return nil, now, notVerified(ErrForked, "the log has no record %d", r.Index)
	}
	if r.Entry != nil && !bytes.Equal(r.Entry, e.Raw) {
		return nil, now, notVerified(ErrForked, "the log's record %d is not the entry the receipt holds", r.Index)
	}
	if err := VerifyReceipt(r, e.Record, v); err != nil {
		return nil, now, wrapNotVerified(nil, err, "govshare/audit: the log's record %d is not the one the receipt proves", r.Index)
	}
	return e.Record, now, nil
}
