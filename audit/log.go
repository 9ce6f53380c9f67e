package audit

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"iter"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// ErrClosed is returned by a Log after Close.
var ErrClosed = errors.New("govshare/audit: log is closed")

// maxBatch bounds one group commit, to bound memory and latency.
const maxBatch = 4096

// Log is an open share-record log. It is safe for concurrent use by many
// goroutines, and several processes may open the same directory: appends
// are serialized by an exclusive file lock, and each append first reads the
// records other processes added.
//
// Concurrent Appends are committed together (group commit): one write and
// one fsync per file for the whole group, so throughput grows with the
// number of appenders while each Append still returns only once its record
// is durable.
type Log struct {
	dir    string
	signer note.Signer
	lockf  *os.File
	recf   *os.File
	hashf  *os.File

	// commitMu serializes this process's writers (commit, Refresh); they
	// also hold the file lock, which serializes processes.
	commitMu sync.Mutex

	qmu     sync.Mutex
	queue   []*pending
	leading bool // a goroutine is committing the queue

	// mu guards the published state below. Writers hold commitMu as well,
	// so they may read it without mu.
	mu      sync.RWMutex
	closed  bool
	n       int64     // records
	offsets []int64   // frame offset of each record
	recEnd  int64     // end of the last record
	hashes  int64     // stored hashes in the file: tlog.StoredHashCount(n)
	ckpt    []byte    // latest signed checkpoint, covering n records
	ckTime  time.Time // its time (zero for a checkpoint written before times)

	// clock is the operator's clock (time.Now; tests replace it).
	clock func() time.Time

	// index finds a signed record already in the log by a 64-bit hash of
	// its record bytes (recKey), so a retried append returns the first
	// one's index instead of logging the act twice. Built by the first
	// signed append; guarded by commitMu.
	index map[uint64]int64
	seed  maphash.Seed

	// budgets sums the log's release records per account, so that a
	// release its account cannot afford is refused (ErrOverBudget). Built
	// by the first release appended; guarded by commitMu.
	budgets *Book

	hcache hashCache // stored hashes, for proofs
}

type pending struct {
	recs [][]byte // entries, or with signed one signed form
	// signed: recs[0] is a signed form (SignedRecord.Marshal), to which
	// commit adds its time; recBytes is its record, whose time recTime
	// must be within skew of the commit's time. A signed record already
	// in the log is not added again: its index is returned.
	signed   bool
	recBytes []byte
	recTime  time.Time
	skew     time.Duration
	// rels are the release records among recs: charged to their accounts
	// in commit, all or none.
	rels []ReleaseRecord

	first int64  // index of the first record (for a record already there, its index)
	entry []byte // signed and newly logged: the entry as stored
	ckpt  []byte // the latest checkpoint after the commit
	size  int64  // its size
	err   error
	done  chan struct{}
}

// Entry is one record read back from a log.
type Entry struct {
	Index  uint64
	Record Record // ShareRecord, OpenRecord, RefuseRecord, DisputeRecord or ReleaseRecord (by value)
	// Raw is the entry as stored and hashed: the canonical record, or for
	// a signed record its signed form with the logged time in front.
	Raw      []byte
	LeafHash Hash

	// For a signed record (Signer is "" for a record appended unsigned):
	// its maker, key id and signature, and the time the operator logged it —
	// the time of the first checkpoint that covers it.
	Signer    string
	KeyID     uint32
	Signature []byte
	Logged    time.Time
}

// Signed returns the entry's signed record; false for an unsigned entry.
func (e Entry) Signed() (SignedRecord, bool) {
	if e.Signer == "" {
		return SignedRecord{}, false
	}
	var l leaf
	if err := parseLeaf(e.Raw, &l); err != nil || !l.signed {
		return SignedRecord{}, false
	}
	return l.signedRecord(), true
}

// entryOf builds the Entry of a stored entry.
func entryOf(index uint64, raw []byte) (Entry, error) {
	var l leaf
	if err := parseLeaf(raw, &l); err != nil {
		return Entry{}, err
	}
	raw = bytes.Clone(raw)
	e := Entry{Index: index, Record: l.d.record(), Raw: raw, LeafHash: tlog.RecordHash(raw)}
	if l.signed {
		e.Signer, e.KeyID, e.Signature, e.Logged = strings.Clone(l.signer), l.keyID, bytes.Clone(l.signature()), l.logged
	}
	return e, nil
}

// Open opens the log in dir, creating the directory and an empty log if
// there is none. The signer's name is the log's origin: every checkpoint
// names it, and reopening with another key fails. A torn tail left by a
// crash is cut off (it was never acknowledged); a checkpoint that does not
// match the records, or a damaged record under it, is an error — run Verify
// to see where.
//
// Open reads the whole records file once (checksums only) and keeps the
// offset of each record in memory: 8 bytes a record. Proofs read O(log n)
// stored hashes from disk.
func Open(dir string, signer note.Signer) (*Log, error) {
	if signer == nil {
		return nil, errors.New("govshare/audit: nil signer")
	}
	if !validOrigin(signer.Name()) {
		return nil, errors.New("govshare/audit: signer name is empty or has spaces or '+'")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("govshare/audit: creating log directory: %w", err)
	}
	lockf, err := os.OpenFile(filepath.Join(dir, lockFile), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("govshare/audit: opening lock file: %w", err)
	}
	if err := flock(lockf, true); err != nil {
		lockf.Close()
		return nil, fmt.Errorf("govshare/audit: locking log: %w", err)
	}
	l, err := openLocked(dir, signer)
	if uerr := funlock(lockf); err == nil && uerr != nil {
		l.closeFiles()
		lockf.Close()
		return nil, fmt.Errorf("govshare/audit: unlocking log: %w", uerr)
	}
	if err != nil {
		lockf.Close()
		return nil, err
	}
	l.lockf = lockf
	return l, nil
}

func openLocked(dir string, signer note.Signer) (*Log, error) {
	if err := initDir(dir, signer); err != nil {
		return nil, err
	}
	recf, err := os.OpenFile(filepath.Join(dir, recordsFile), os.O_RDWR, 0)
	if err != nil {
		return nil, fmt.Errorf("govshare/audit: opening records: %w", err)
	}
	hashf, err := os.OpenFile(filepath.Join(dir, hashesFile), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		recf.Close()
		return nil, fmt.Errorf("govshare/audit: opening hashes: %w", err)
	}
	// lockf joins l only on success: on failure Open closes it itself.
	l := &Log{dir: dir, signer: signer, recf: recf, hashf: hashf, recEnd: int64(len(recordsHeader)), clock: time.Now, seed: maphash.MakeSeed()}
	if err := readHeader(recf, recordsHeader); err != nil {
		l.closeFiles()
		return nil, err
	}
	if st, err := hashf.Stat(); err == nil && st.Size() == 0 {
		// The hashes file is derived data: if it was lost, start it again
		// and syncLocked rebuilds it from the records.
		if _, err := hashf.WriteAt([]byte(hashesHeader), 0); err != nil {
			l.closeFiles()
			return nil, fmt.Errorf("govshare/audit: writing hashes header: %w", err)
		}
	}
	if err := readHeader(hashf, hashesHeader); err != nil {
		l.closeFiles()
		return nil, err
	}
	if err := l.syncLocked(); err != nil {
		l.closeFiles()
		return nil, err
	}
	return l, nil
}

// initDir creates an empty log if dir has no records file. The records file
// is renamed into place last: its presence means the log exists.
func initDir(dir string, signer note.Signer) error {
	if _, err := os.Stat(filepath.Join(dir, recordsFile)); err == nil {
		return nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("govshare/audit: %w", err)
	}
	if b, err := os.ReadFile(filepath.Join(dir, checkpointFile)); err == nil {
		if c, err := ParseCheckpoint(bodyOf(b)); err != nil || c.Size > 0 {
			return errors.New("govshare/audit: records file is missing but a checkpoint exists")
		}
	}
	// The empty tree's checkpoint has no time: the first commit gives one.
	signed, err := signCheckpoint(Checkpoint{Origin: signer.Name(), Size: 0, Root: emptyRoot}, signer)
	if err != nil {
		return err
	}
	for _, f := range []struct {
		name string
		data []byte
	}{{hashesFile, []byte(hashesHeader)}, {checkpointFile, signed}, {recordsFile, []byte(recordsHeader)}} {
		if err := writeFileAtomic(dir, f.name, f.data, true); err != nil {
			return fmt.Errorf("govshare/audit: creating log: %w", err)
		}
	}
	return nil
}

func bodyOf(signed []byte) []byte {
	for i := 0; i+1 < len(signed); i++ {
		if signed[i] == '\n' && signed[i+1] == '\n' {
			return signed[:i+1]
		}
	}
	return signed
}

// syncLocked brings the published state up to the files: it reads records
// appended by other processes, cuts a torn tail, rebuilds missing stored
// hashes, checks the checkpoint against the tree and signs a new one if it
// lags (a crash between the records fsync and the checkpoint write). The
// caller holds the exclusive file lock and commitMu (or is Open).
func (l *Log) syncLocked() error {
	st, err := l.recf.Stat()
	if err != nil {
		return fmt.Errorf("govshare/audit: %w", err)
	}
	size := st.Size()
	if size < l.recEnd {
		return errors.New("govshare/audit: records file shrank under an open log")
	}
	if size == l.recEnd && l.ckpt != nil {
		return nil // nobody appended since our last look
	}
	ckBytes, err := os.ReadFile(filepath.Join(l.dir, checkpointFile))
	if err != nil {
		return fmt.Errorf("govshare/audit: reading checkpoint: %w", err)
	}
	ck, err := splitSigned(ckBytes, l.signer.Name(), l.signer.KeyHash())
	if err != nil {
		return err
	}

	fr := newFrameReader(io.NewSectionReader(l.recf, l.recEnd, size-l.recEnd), l.recEnd, l.n)
	fr.parseFrom = int64(ck.Size)
	var offs []int64
	var torn *errBadFrame
	for {
		_, off, err := fr.next()
		if err == io.EOF {
			break
		}
		if errors.As(err, &torn) {
			break
		}
		if err != nil {
			return err
		}
		offs = append(offs, off)
	}
	total := l.n + int64(len(offs))
	if torn != nil {
		if uint64(total) < ck.Size {
			return fmt.Errorf("govshare/audit: damaged record under the signed checkpoint (size %d): %w", ck.Size, torn)
		}
		// A torn write past everything acknowledged: cut it off.
		if err := l.recf.Truncate(fr.off); err != nil {
			return fmt.Errorf("govshare/audit: cutting torn tail: %w", err)
		}
		if err := l.recf.Sync(); err != nil {
			return fmt.Errorf("govshare/audit: cutting torn tail: %w", err)
		}
	}
	if ck.Size > uint64(total) {
		return fmt.Errorf("govshare/audit: checkpoint covers %d records but the log holds %d", ck.Size, total)
	}
	offsets := append(l.offsets, offs...)
	if l.index != nil {
		// Records other processes added: into the duplicate index.
		for i, off := range offs {
			if err := l.indexFrame(l.n+int64(i), off); err != nil {
				return err
			}
		}
	}
	if l.budgets != nil {
		// And their releases into the budgets.
		for i, off := range offs {
			if err := l.budgetFrame(l.budgets, l.n+int64(i), off); err != nil {
				return err
			}
		}
	}

	hashes, err := l.syncHashes(total, offsets)
	if err != nil {
		return err
	}
	hr := &hashReader{f: l.hashf, count: hashes}
	root, err := tlog.TreeHash(int64(ck.Size), hr)
	if err != nil {
		return fmt.Errorf("govshare/audit: %w", err)
	}
	if root != ck.Root {
		return fmt.Errorf("govshare/audit: checkpoint root does not match the first %d records", ck.Size)
	}
	ckTime := ck.Time
	if ckTime.Before(l.ckTime) {
		// Another process cannot move the log's clock back under us.
		return notVerified(ErrRollback, "the checkpoint's time went back from %s to %s", formatTime(l.ckTime), formatTime(ckTime))
	}
	if uint64(total) > ck.Size {
		root, err := tlog.TreeHash(total, hr)
		if err != nil {
			return fmt.Errorf("govshare/audit: %w", err)
		}
		ckTime = l.nextTime(ckTime)
		if ckBytes, err = signCheckpoint(Checkpoint{Origin: l.signer.Name(), Size: uint64(total), Root: root, Time: ckTime}, l.signer); err != nil {
			return err
		}
		if err := writeFileAtomic(l.dir, checkpointFile, ckBytes, true); err != nil {
			return fmt.Errorf("govshare/audit: writing checkpoint: %w", err)
		}
	}
	l.mu.Lock()
	l.n, l.offsets, l.recEnd, l.hashes, l.ckpt, l.ckTime = total, offsets, fr.off, hashes, ckBytes, ckTime
	l.mu.Unlock()
	return nil
}

// syncHashes makes the hashes file hold exactly the stored hashes of the
// first total records and returns their count. Appends write and fsync the
// hashes before the records, so a surplus (records lost in a crash) is the
// normal case; a shortfall means the file was lost or cut, and the missing
// hashes are recomputed from the records.
func (l *Log) syncHashes(total int64, offsets []int64) (int64, error) {
	st, err := l.hashf.Stat()
	if err != nil {
		return 0, fmt.Errorf("govshare/audit: %w", err)
	}
	have := (st.Size() - int64(len(hashesHeader))) / HashSize
	want := tlog.StoredHashCount(total)
	if have >= want {
		if st.Size() != int64(len(hashesHeader))+want*HashSize {
			if err := l.hashf.Truncate(int64(len(hashesHeader)) + want*HashSize); err != nil {
				return 0, fmt.Errorf("govshare/audit: trimming hashes: %w", err)
			}
		}
		return want, nil
	}
	// Largest k whose stored hashes are all present.
	k := int64(sort.Search(int(total)+1, func(k int) bool { return tlog.StoredHashCount(int64(k)) > have })) - 1
	hr := &hashReader{f: l.hashf, count: tlog.StoredHashCount(k)}
	for i := k; i < total; i++ {
		rec, err := readFrame(l.recf, offsets[i])
		if err != nil {
			return 0, err
		}
		hs, err := tlog.StoredHashes(i, rec, hr)
		if err != nil {
			return 0, fmt.Errorf("govshare/audit: %w", err)
		}
		hr.pending = append(hr.pending, hs...)
	}
	if err := l.hashf.Truncate(int64(len(hashesHeader)) + hr.count*HashSize); err != nil {
		return 0, fmt.Errorf("govshare/audit: rebuilding hashes: %w", err)
	}
	if _, err := l.hashf.WriteAt(flatten(hr.pending), int64(len(hashesHeader))+hr.count*HashSize); err != nil {
		return 0, fmt.Errorf("govshare/audit: rebuilding hashes: %w", err)
	}
	if err := l.hashf.Sync(); err != nil {
		return 0, fmt.Errorf("govshare/audit: rebuilding hashes: %w", err)
	}
	return want, nil
}

func flatten(hs []tlog.Hash) []byte {
	b := make([]byte, 0, len(hs)*HashSize)
	for i := range hs {
		b = append(b, hs[i][:]...)
	}
	return b
}

// readFrame reads the record of the frame at off. The frame was checked
// when the log learned of it; its length is checked again here.
func readFrame(f *os.File, off int64) ([]byte, error) {
	var lb [4]byte
	if _, err := f.ReadAt(lb[:], off); err != nil {
		return nil, fmt.Errorf("govshare/audit: reading record: %w", err)
	}
	size := binary.BigEndian.Uint32(lb[:])
	if size == 0 || size > MaxRecordSize {
		return nil, fmt.Errorf("govshare/audit: record at offset %d has a bad length", off)
	}
	rec := make([]byte, size)
	if _, err := f.ReadAt(rec, off+4); err != nil {
		return nil, fmt.Errorf("govshare/audit: reading record: %w", err)
	}
	return rec, nil
}

// Append adds rec to the log and returns its index once it is durable:
// written, fsynced, covered by a new signed checkpoint. ctx is checked before
// the record is queued; once queued, Append waits for the outcome, because
// the record may already be on disk. An error means the record may or may
// not be in the log; Records shows which.
func (l *Log) Append(ctx context.Context, rec Record) (uint64, error) {
	b, err := Marshal(rec)
	if err != nil {
		return 0, err
	}
	p := &pending{recs: [][]byte{b}}
	if r, ok := valueOf(rec).(ReleaseRecord); ok {
		p.rels = []ReleaseRecord{r}
	}
	first, err := l.appendEncoded(ctx, p)
	return uint64(first), err
}

// AppendAll adds recs in order, in one commit, and returns the index of the
// first. It is all or nothing: an invalid record fails the call before
// anything is written.
func (l *Log) AppendAll(ctx context.Context, recs []Record) (first uint64, err error) {
	if len(recs) == 0 {
		return 0, errors.New("govshare/audit: no records")
	}
	if len(recs) > maxBatch {
		return 0, fmt.Errorf("govshare/audit: at most %d records per call", maxBatch)
	}
	enc := make([][]byte, len(recs))
	p := &pending{recs: enc}
	for i, r := range recs {
		if enc[i], err = Marshal(r); err != nil {
			return 0, fmt.Errorf("record %d: %w", i, err)
		}
		if rel, ok := valueOf(r).(ReleaseRecord); ok {
			p.rels = append(p.rels, rel)
		}
	}
	first, err = l.appendEncoded(ctx, p)
	return first, err
}

// appendEncoded queues p and waits for its commit.
func (l *Log) appendEncoded(ctx context.Context, p *pending) (uint64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	l.mu.RLock()
	closed := l.closed
	l.mu.RUnlock()
	if closed {
		return 0, ErrClosed
	}
	p.done = make(chan struct{})
	l.qmu.Lock()
	l.queue = append(l.queue, p)
	lead := !l.leading
	l.leading = true
	l.qmu.Unlock()
	if lead {
		l.lead()
	}
	<-p.done
	return uint64(p.first), p.err
}

// lead commits one group from the queue, then hands leadership to a new
// goroutine if more waiters queued meanwhile, so the caller returns as soon
// as its own record is durable.
func (l *Log) lead() {
	l.qmu.Lock()
	var batch []*pending
	count := 0
	for len(l.queue) > 0 && (count == 0 || count+len(l.queue[0].recs) <= maxBatch) {
		count += len(l.queue[0].recs)
		batch = append(batch, l.queue[0])
		l.queue = l.queue[1:]
	}
	l.qmu.Unlock()

	l.commit(batch)
	for _, p := range batch {
		close(p.done)
	}

	l.qmu.Lock()
	more := len(l.queue) > 0
	l.leading = more
	l.qmu.Unlock()
	if more {
		go l.lead()
	}
}

// nextTime returns the time for a new checkpoint: the operator's clock to
// the millisecond, never before after (the latest checkpoint's time).
func (l *Log) nextTime(after time.Time) time.Time {
	t := msTime(l.clock())
	if t.Before(after) {
		return after
	}
	return t
}

// msTime is t in UTC, truncated to the millisecond (the log's precision).
func msTime(t time.Time) time.Time { return t.UTC().Truncate(time.Millisecond) }

// commit makes the batch's records durable and sets each pending's result.
// Signed records get the commit's time (also the new checkpoint's); a
// pending whose record times are not within its skew of it fails alone.
//
// Order matters for crash safety: stored hashes (fsync), then records
// (fsync), then the checkpoint (fsynced, atomic replace). A crash leaves at
// worst surplus hashes and a torn or uncheckpointed record tail, all of
// which Open repairs. An acknowledged record is a complete, fsynced frame,
// and repair only cuts from the first bad frame on, so it never removes one.
func (l *Log) commit(batch []*pending) {
	fail := func(err error) {
		for _, p := range batch {
			if p.err == nil {
				p.err = err
			}
		}
	}
	l.commitMu.Lock()
	defer l.commitMu.Unlock()
	l.mu.RLock()
	closed := l.closed
	l.mu.RUnlock()
	if closed {
		fail(ErrClosed)
		return
	}
	if err := flock(l.lockf, true); err != nil {
		fail(fmt.Errorf("govshare/audit: locking log: %w", err))
		return
	}
	defer funlock(l.lockf)
	if err := l.syncLocked(); err != nil {
		fail(err)
		return
	}

	now := l.nextTime(l.ckTime)
	n0 := l.n
	idx := n0
	hr := &hashReader{f: l.hashf, count: l.hashes}
	frames := make([]byte, 0, 512)
	offsets := l.offsets
	var entry []byte
	var fresh map[uint64]*pending // signed records of this batch, by key
	var book *Book                // the budgets with this batch's releases, once one has any
	for _, p := range batch {
		if p.signed {
			if err := l.buildIndex(); err != nil {
				fail(err)
				return
			}
			key := l.recKey(p.recBytes)
			if at, ok := l.index[key]; ok {
				same, err := l.sameRecord(at, p.recBytes)
				if err != nil {
					fail(err)
					return
				}
				if same {
					p.first = at
					continue
				}
			}
			if q, ok := fresh[key]; ok && bytes.Equal(q.recBytes, p.recBytes) {
				p.first = q.first
				continue
			}
			if d := now.Sub(p.recTime); d > p.skew || d < -p.skew {
				p.err = notVerified(ErrTimeSkew, "record time is %s from the log's time, more than %s", d.Round(time.Second), p.skew)
				continue
			}
		}
		if len(p.rels) > 0 {
			if book == nil {
				if err := l.buildBudgets(); err != nil {
					fail(err)
					return
				}
				book = l.budgets.clone()
			}
			trial := book.clone()
			var err error
			for i := range p.rels {
				if err = trial.Charge(p.rels[i]); err != nil {
					break
				}
			}
			if err != nil {
				p.err = err
				continue
			}
			book = trial
		}
		if p.signed {
			key := l.recKey(p.recBytes)
			if fresh == nil {
				fresh = map[uint64]*pending{}
			}
			if _, ok := fresh[key]; !ok {
				fresh[key] = p
			}
		}
		p.first = idx
		for _, rec := range p.recs {
			entry = rec
			if p.signed {
				entry = appendLogged(entry[:0:0], now, rec)
				p.entry = entry
			}
			hs, err := tlog.StoredHashes(idx, entry, hr)
			if err != nil {
				fail(fmt.Errorf("govshare/audit: %w", err))
				return
			}
			hr.pending = append(hr.pending, hs...)
			offsets = append(offsets, l.recEnd+int64(len(frames)))
			frames = appendFrame(frames, idx, entry)
			idx++
		}
	}
	total := idx
	if total == n0 {
		// Nothing new: every pending failed its own check or was there.
		for _, p := range batch {
			if p.err == nil {
				p.ckpt, p.size = l.ckpt, l.n
			}
		}
		return
	}
	root, err := tlog.TreeHash(total, hr)
	if err != nil {
		fail(fmt.Errorf("govshare/audit: %w", err))
		return
	}
	signed, err := signCheckpoint(Checkpoint{Origin: l.signer.Name(), Size: uint64(total), Root: root, Time: now}, l.signer)
	if err != nil {
		fail(err)
		return
	}

	rollback := func(err error) {
		// Best effort: leave the files as they were, so the failed records
		// are not adopted by the next append. If this fails too, Open cuts
		// them as an uncheckpointed tail or re-signs over them.
		_ = l.recf.Truncate(l.recEnd)
		_ = l.hashf.Truncate(int64(len(hashesHeader)) + l.hashes*HashSize)
		fail(err)
	}
	if _, err := l.hashf.WriteAt(flatten(hr.pending), int64(len(hashesHeader))+l.hashes*HashSize); err != nil {
		rollback(fmt.Errorf("govshare/audit: writing hashes: %w", err))
		return
	}
	if err := l.hashf.Sync(); err != nil {
		rollback(fmt.Errorf("govshare/audit: syncing hashes: %w", err))
		return
	}
	if _, err := l.recf.WriteAt(frames, l.recEnd); err != nil {
		rollback(fmt.Errorf("govshare/audit: writing records: %w", err))
		return
	}
	if err := l.recf.Sync(); err != nil {
		rollback(fmt.Errorf("govshare/audit: syncing records: %w", err))
		return
	}
	// No directory fsync here: the records are already durable, and a
	// power cut that undoes this rename leaves the previous checkpoint, a
	// prefix of the same tree, which Open signs again (with a later time:
	// the same tree, so no verifier sees a fork). Saves one fsync per commit.
	if err := writeFileAtomic(l.dir, checkpointFile, signed, false); err != nil {
		// The rename may have happened: keep the records, the next sync
		// either finds them checkpointed or signs over them.
		fail(fmt.Errorf("govshare/audit: writing checkpoint: %w", err))
		return
	}
	l.hcache.put(l.hashes, hr.pending)
	l.mu.Lock()
	l.n, l.offsets, l.recEnd, l.hashes, l.ckpt, l.ckTime = total, offsets, l.recEnd+int64(len(frames)), hr.count+int64(len(hr.pending)), signed, now
	l.mu.Unlock()
	for key, p := range fresh {
		if _, ok := l.index[key]; !ok {
			l.index[key] = p.first
		}
	}
	if book != nil {
		l.budgets = book
	}
	for _, p := range batch {
		if p.err == nil {
			p.ckpt, p.size = signed, total
		}
	}
}

// recKey is the duplicate-index key of a record's canonical bytes.
func (l *Log) recKey(rec []byte) uint64 { return maphash.Bytes(l.seed, rec) }

// buildIndex reads every signed record into the duplicate index, once.
// The caller holds commitMu and the file lock, after syncLocked.
func (l *Log) buildIndex() error {
	if l.index != nil {
		return nil
	}
	index := make(map[uint64]int64, l.n)
	rh := int64(len(recordsHeader))
	fr := newFrameReader(io.NewSectionReader(l.recf, rh, l.recEnd-rh), rh, 0)
	fr.parseFrom = math.MaxInt64
	var lf leaf
	for i := int64(0); ; i++ {
		raw, _, err := fr.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		if !bytes.HasPrefix(raw, []byte(loggedPrefix)) {
			continue
		}
		if err := parseLeaf(raw, &lf); err != nil {
			return fmt.Errorf("govshare/audit: record %d: %w", i, err)
		}
		if _, ok := index[l.recKey(lf.rec)]; !ok {
			index[l.recKey(lf.rec)] = i
		}
	}
	l.index = index
	return nil
}

// buildBudgets sums every release record into the budgets, once. The
// caller holds commitMu and the file lock, after syncLocked.
func (l *Log) buildBudgets() error {
	if l.budgets != nil {
		return nil
	}
	b := &Book{}
	for i, off := range l.offsets[:l.n] {
		if err := l.budgetFrame(b, int64(i), off); err != nil {
			return err
		}
	}
	l.budgets = b
	return nil
}

// releaseMarker is in every release record and in no other entry: a
// dispute reason or a name cannot hold a bare quote.
var releaseMarker = []byte(`{"v":1,"type":"release",`)

// budgetFrame charges the record at index i (frame at off), if it is a
// release, to b. A log holding a release over its budget is not the
// operator's doing: its charges stand, and it fails Verify.
func (l *Log) budgetFrame(b *Book, i, off int64) error {
	raw, err := readFrame(l.recf, off)
	if err != nil {
		return err
	}
	if !bytes.Contains(raw, releaseMarker) {
		return nil
	}
	var lf leaf
	if err := parseLeaf(raw, &lf); err != nil {
		return fmt.Errorf("govshare/audit: record %d: %w", i, err)
	}
	if lf.d.kind == KindRelease {
		r := lf.d.record().(ReleaseRecord)
		if err := b.Charge(r); err != nil {
			b.force(r)
		}
	}
	return nil
}

// Budgets returns the standing of the log's privacy budget accounts, with
// the records other processes appended.
func (l *Log) Budgets() (*Book, error) {
	l.commitMu.Lock()
	defer l.commitMu.Unlock()
	if l.isClosed() {
		return nil, ErrClosed
	}
	if err := flock(l.lockf, true); err != nil {
		return nil, fmt.Errorf("govshare/audit: locking log: %w", err)
	}
	defer funlock(l.lockf)
	if err := l.syncLocked(); err != nil {
		return nil, err
	}
	if err := l.buildBudgets(); err != nil {
		return nil, err
	}
	return l.budgets.clone(), nil
}

// indexFrame adds the record at index i (frame at off) to the index.
func (l *Log) indexFrame(i, off int64) error {
	raw, err := readFrame(l.recf, off)
	if err != nil {
		return err
	}
	if !bytes.HasPrefix(raw, []byte(loggedPrefix)) {
		return nil
	}
	var lf leaf
	if err := parseLeaf(raw, &lf); err != nil {
		return fmt.Errorf("govshare/audit: record %d: %w", i, err)
	}
	if _, ok := l.index[l.recKey(lf.rec)]; !ok {
		l.index[l.recKey(lf.rec)] = i
	}
	return nil
}

// sameRecord reports whether the signed record at index i has record
// bytes rec.
func (l *Log) sameRecord(i int64, rec []byte) (bool, error) {
	raw, err := readFrame(l.recf, l.offsets[i])
	if err != nil {
		return false, err
	}
	var lf leaf
	if err := parseLeaf(raw, &lf); err != nil {
		return false, fmt.Errorf("govshare/audit: record %d: %w", i, err)
	}
	return lf.signed && bytes.Equal(lf.rec, rec), nil
}

// Refresh reads records appended by other processes since this Log last
// looked (Append does this itself), repairing a tail left by a crashed one.
func (l *Log) Refresh() error {
	l.commitMu.Lock()
	defer l.commitMu.Unlock()
	if l.isClosed() {
		return ErrClosed
	}
	if err := flock(l.lockf, true); err != nil {
		return fmt.Errorf("govshare/audit: locking log: %w", err)
	}
	defer funlock(l.lockf)
	return l.syncLocked()
}

func (l *Log) isClosed() bool {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.closed
}

// Size returns the number of records this Log knows of.
func (l *Log) Size() uint64 {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return uint64(l.n)
}

// Checkpoint returns the latest signed checkpoint (a C2SP tlog-checkpoint
// note). It covers every record this Log knows of.
func (l *Log) Checkpoint() []byte {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return append([]byte(nil), l.ckpt...)
}

// InclusionProof proves that the record at index is in the tree of the
// first treeSize records: the receipt a sealer keeps. It has about
// log2(treeSize) hashes.
func (l *Log) InclusionProof(index, treeSize uint64) ([]Hash, error) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	if l.closed {
		return nil, ErrClosed
	}
	if treeSize > uint64(l.n) || index >= treeSize {
		return nil, fmt.Errorf("govshare/audit: no record %d in a tree of %d (log has %d)", index, treeSize, l.n)
	}
	p, err := tlog.ProveRecord(int64(treeSize), int64(index), &hashReader{f: l.hashf, count: l.hashes, cache: &l.hcache})
	if err != nil {
		return nil, fmt.Errorf("govshare/audit: %w", err)
	}
	return p, nil
}

// ConsistencyProof proves that the tree of the first oldSize records is a
// prefix of the tree of the first newSize: nothing was changed or removed.
// It is empty when oldSize is 0 or equals newSize.
func (l *Log) ConsistencyProof(oldSize, newSize uint64) ([]Hash, error) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	if l.closed {
		return nil, ErrClosed
	}
	if oldSize > newSize || newSize > uint64(l.n) {
		return nil, fmt.Errorf("govshare/audit: no consistency proof from %d to %d (log has %d)", oldSize, newSize, l.n)
	}
	if oldSize == 0 || oldSize == newSize {
		return []Hash{}, nil
	}
	p, err := tlog.ProveTree(int64(newSize), int64(oldSize), &hashReader{f: l.hashf, count: l.hashes, cache: &l.hcache})
	if err != nil {
		return nil, fmt.Errorf("govshare/audit: %w", err)
	}
	return p, nil
}

// Receipt is what a department keeps after an act: the signed checkpoint,
// the record's index and its inclusion proof in that checkpoint's tree,
// and for a signed record the entry as the log stores it (the signed
// record with the operator's time). With the record and the log's
// verifier key anyone can check it (VerifyReceipt; VerifySignedReceipt
// also checks the maker's signature). It encodes to JSON with hashes and
// the entry in base64.
type Receipt struct {
	Checkpoint string `json:"checkpoint"`
	Index      uint64 `json:"index"`
	Proof      []Hash `json:"proof"`
	Entry      []byte `json:"entry,omitempty"`
}

// Receipt returns the receipt for the record at index against the latest
// checkpoint.
func (l *Log) Receipt(index uint64) (Receipt, error) {
	l.mu.RLock()
	ckpt, n, closed := l.ckpt, l.n, l.closed
	l.mu.RUnlock()
	if closed {
		return Receipt{}, ErrClosed
	}
	if index >= uint64(n) {
		return Receipt{}, fmt.Errorf("govshare/audit: no record %d (log has %d)", index, n)
	}
	return l.receiptAt(index, ckpt, uint64(n))
}

// Record returns the record at index.
func (l *Log) Record(index uint64) (Entry, error) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	if l.closed {
		return Entry{}, ErrClosed
	}
	if index >= uint64(l.n) {
		return Entry{}, fmt.Errorf("govshare/audit: no record %d (log has %d)", index, l.n)
	}
	raw, err := readFrame(l.recf, l.offsets[index])
	if err != nil {
		return Entry{}, err
	}
	e, err := entryOf(index, raw)
	if err != nil {
		return Entry{}, fmt.Errorf("govshare/audit: record %d: %w", index, err)
	}
	return e, nil
}

// Records yields the records with index in [from, to), clipped to the log's
// size when the iteration starts. A read error is yielded once and ends it.
func (l *Log) Records(from, to uint64) iter.Seq2[Entry, error] {
	return func(yield func(Entry, error) bool) {
		if n := l.Size(); to > n {
			to = n
		}
		for i := from; i < to; i++ {
			e, err := l.Record(i)
			if !yield(e, err) || err != nil {
				return
			}
		}
	}
}

// Close releases the log's files. Appends still queued fail with ErrClosed.
func (l *Log) Close() error {
	l.commitMu.Lock()
	defer l.commitMu.Unlock()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil
	}
	l.closed = true
	return l.closeFiles()
}

func (l *Log) closeFiles() error {
	var errs []error
	for _, f := range []*os.File{l.recf, l.hashf, l.lockf} {
		if f != nil {
			if err := f.Close(); err != nil {
				errs = append(errs, err)
			}
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("govshare/audit: closing log: %w", errors.Join(errs...))
	}
	return nil
}
