package audit

import (
	"bufio"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"golang.org/x/mod/sumdb/tlog"
)

// Files in a log directory.
//
//	records     header, then frames: len u32 BE | record | crc32c(index u64 BE | len | record) u32 BE
//	hashes      header, then tlog stored hashes (tlog.StoredHashIndex order), 32 bytes each
//	checkpoint  the latest signed checkpoint, replaced atomically
//	lock        flock target shared by every process using the log
//
// records is the source of truth; hashes is derived from it and can be
// rebuilt. The CRC binds each frame to its index, so a frame moved or
// copied elsewhere in the file is rejected.
const (
	recordsFile    = "records"
	hashesFile     = "hashes"
	checkpointFile = "checkpoint"
	lockFile       = "lock"

	recordsHeader = "govshare audit records v1\n"
	hashesHeader  = "govshare audit hashes v1\n"
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// appendFrame appends the frame for record index i.
func appendFrame(dst []byte, i int64, rec []byte) []byte {
	start := len(dst)
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(rec)))
	dst = append(dst, rec...)
	return binary.BigEndian.AppendUint32(dst, frameCRC(i, dst[start:]))
}

func frameCRC(i int64, lenAndRec []byte) uint32 {
	var ib [8]byte
	binary.BigEndian.PutUint64(ib[:], uint64(i))
	c := crc32.Update(0, castagnoli, ib[:])
	return crc32.Update(c, castagnoli, lenAndRec)
}

// errBadFrame reports a frame that is incomplete, fails its checksum or
// does not hold a valid record. At the tail it is a torn write; elsewhere it
// is corruption.
type errBadFrame struct {
	Index  int64
	Offset int64
	Why    string
}

func (e *errBadFrame) Error() string {
	return fmt.Sprintf("govshare/audit: record %d at offset %d: %s", e.Index, e.Offset, e.Why)
}

// Unwrap makes a bad frame a verification failure: ErrTruncated for a
// frame cut short, ErrTampered for anything else.
func (e *errBadFrame) Unwrap() []error {
	if strings.HasPrefix(e.Why, "incomplete") {
		return []error{ErrNotVerified, ErrTruncated}
	}
	return []error{ErrNotVerified, ErrTampered}
}

// frameReader reads frames sequentially.
type frameReader struct {
	r     *bufio.Reader
	off   int64 // offset of the next frame
	index int64 // index of the next frame
	buf   []byte
	// parseFrom: frames with this index or more must also parse as
	// entries. Frames under a signed checkpoint need only their checksum on
	// Open; Verify checks every entry itself.
	parseFrom int64
	leaf      leaf
}

func newFrameReader(r io.Reader, off, index int64) *frameReader {
	return &frameReader{r: bufio.NewReaderSize(r, 256<<10), off: off, index: index, parseFrom: 0}
}

// next returns the next record (valid until the following call) and the
// offset its frame starts at. It returns io.EOF at a clean end and
// *errBadFrame for anything else; it never returns a record that failed its
// checksum or Parse.
func (fr *frameReader) next() ([]byte, int64, error) {
	start := fr.off
	bad := func(why string) ([]byte, int64, error) {
		return nil, start, &errBadFrame{Index: fr.index, Offset: start, Why: why}
	}
	var lb [4]byte
	_, err := io.ReadFull(fr.r, lb[:])
	if err == io.EOF {
		return nil, start, io.EOF
	}
	if err == io.ErrUnexpectedEOF {
		return bad("incomplete length")
	}
	if err != nil {
		return nil, start, fmt.Errorf("govshare/audit: reading records: %w", err)
	}
	size := binary.BigEndian.Uint32(lb[:])
	if size == 0 || size > MaxRecordSize {
		return bad("length out of range")
	}
	need := int(size) + 4
	if cap(fr.buf) < 4+need {
		fr.buf = make([]byte, 4+need)
	}
	fr.buf = fr.buf[:4+need]
	copy(fr.buf, lb[:])
	if _, err := io.ReadFull(fr.r, fr.buf[4:]); err != nil {
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return bad("incomplete frame")
		}
		return nil, start, fmt.Errorf("govshare/audit: reading records: %w", err)
	}
	body := fr.buf[:4+size]
	if binary.BigEndian.Uint32(fr.buf[4+size:]) != frameCRC(fr.index, body) {
		return bad("checksum mismatch")
	}
	rec := fr.buf[4 : 4+size]
	if fr.index >= fr.parseFrom {
		if err := parseLeaf(rec, &fr.leaf); err != nil {
			return bad("not a valid record")
		}
	}
	fr.off += int64(4 + need)
	fr.index++
	return rec, start, nil
}

// readHeader checks a file's header.
func readHeader(f *os.File, header string) error {
	b := make([]byte, len(header))
	if _, err := f.ReadAt(b, 0); err != nil || string(b) != header {
		return fmt.Errorf("govshare/audit: %s: missing or wrong file header", filepath.Base(f.Name()))
	}
	return nil
}

// hashReader reads stored hashes from the hashes file, with hashes of a
// batch not yet written served from pending. It implements tlog.HashReader.
type hashReader struct {
	f       *os.File
	count   int64 // hashes readable from f
	pending []tlog.Hash
	cache   *hashCache // optional: stored hashes read or written before
}

// hashCache keeps stored hashes of a log, which never change once
// committed, so that the proofs of receipts, most of whose hashes are the
// same few from one commit to the next, read few of them from disk.
type hashCache struct {
	mu sync.Mutex
	m  map[int64]tlog.Hash
}

// maxHashCache bounds the cache (about 3 MiB); when full it starts over.
const maxHashCache = 1 << 16

func (c *hashCache) put(first int64, hs []tlog.Hash) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m)+len(hs) > maxHashCache {
		c.m = make(map[int64]tlog.Hash, 1024)
	}
	for i, h := range hs {
		c.m[first+int64(i)] = h
	}
}

func (h *hashReader) ReadHashes(index []int64) ([]tlog.Hash, error) {
	if h.cache == nil || len(index) > 64 {
		return h.readHashes(index)
	}
	out := make([]tlog.Hash, len(index))
	var miss []int
	h.cache.mu.Lock()
	for i, x := range index {
		if v, ok := h.cache.m[x]; ok && x < h.count {
			out[i] = v
		} else {
			miss = append(miss, i)
		}
	}
	h.cache.mu.Unlock()
	if len(miss) == 0 {
		return out, nil
	}
	missing := make([]int64, len(miss))
	for j, i := range miss {
		missing[j] = index[i]
	}
	got, err := h.readHashes(missing)
	if err != nil {
		return nil, err
	}
	h.cache.mu.Lock()
	if h.cache.m == nil || len(h.cache.m)+len(got) > maxHashCache {
		h.cache.m = make(map[int64]tlog.Hash, 1024)
	}
	for j, i := range miss {
		out[i] = got[j]
		if missing[j] < h.count {
			h.cache.m[missing[j]] = got[j]
		}
	}
	h.cache.mu.Unlock()
	return out, nil
}

func (h *hashReader) readHashes(index []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(index))
	if len(index) > 8 {
		// Many hashes close together (a tile): read their span at once.
		lo, hi := index[0], index[0]
		for _, x := range index {
			lo, hi = min(lo, x), max(hi, x)
		}
		if lo >= 0 && hi < h.count && hi-lo < int64(len(index))*4+64 {
			span := make([]byte, (hi-lo+1)*HashSize)
			if _, err := h.f.ReadAt(span, int64(len(hashesHeader))+lo*HashSize); err != nil {
				return nil, fmt.Errorf("govshare/audit: reading hashes: %w", err)
			}
			for i, x := range index {
				copy(out[i][:], span[(x-lo)*HashSize:])
			}
			return out, nil
		}
	}
	for i, x := range index {
		switch {
		case x < 0 || x >= h.count+int64(len(h.pending)):
			return nil, errors.New("govshare/audit: stored hash index out of range")
		case x >= h.count:
			out[i] = h.pending[x-h.count]
		default:
			if _, err := h.f.ReadAt(out[i][:], int64(len(hashesHeader))+x*HashSize); err != nil {
				return nil, fmt.Errorf("govshare/audit: reading hashes: %w", err)
			}
		}
	}
	return out, nil
}

// syncDir makes a directory entry change (create, rename) durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// writeFileAtomic writes data to dir/name through a temporary file, fsync
// and rename: readers, and a crash, see the old or the new content. With
// syncParent it also fsyncs dir, so the new content survives a power cut;
// without, a power cut may bring back the old content.
func writeFileAtomic(dir, name string, data []byte, syncParent bool) error {
	tmp := filepath.Join(dir, name+".tmp")
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, filepath.Join(dir, name)); err != nil {
		return err
	}
	if !syncParent {
		return nil
	}
	return syncDir(dir)
}

// frontier computes stored hashes and the root of a growing tree in O(log n)
// memory: f[l] is the root of the last complete subtree of height l, the
// left sibling the next leaves combine with (RFC 6962 §2.1). Verify uses it
// to recompute the log independently of the hashes file.
type frontier struct {
	f [64]tlog.Hash
	n int64
}

// add appends a leaf and returns its stored hashes, in storage order (the
// same as tlog.StoredHashes).
func (fr *frontier) add(data []byte) []tlog.Hash {
	var out [65]tlog.Hash
	k := fr.push(tlog.RecordHash(data), &out)
	return append([]tlog.Hash(nil), out[:k]...)
}

// push appends a leaf by its hash, writes its stored hashes (the leaf hash,
// then the interior nodes it completes) to out and returns their number.
func (fr *frontier) push(h tlog.Hash, out *[65]tlog.Hash) int {
	out[0] = h
	k := 1
	level := 0
	for (fr.n>>level)&1 == 1 {
		h = tlog.NodeHash(fr.f[level], h)
		out[k] = h
		k++
		level++
	}
	fr.f[level] = h
	fr.n++
	return k
}

// root returns the RFC 6962 root of the leaves added so far.
func (fr *frontier) root() tlog.Hash {
	if fr.n == 0 {
		return emptyRoot
	}
	var root tlog.Hash
	first := true
	for level := 0; level < 64; level++ {
		if (fr.n>>level)&1 == 1 {
			if first {
				root, first = fr.f[level], false
			} else {
				root = tlog.NodeHash(fr.f[level], root)
			}
		}
	}
	return root
}

var leafPrefix = []byte{0}

// leafHasher computes RFC 6962 leaf hashes reusing one SHA-256 state.
type leafHasher struct {
	h   hash.Hash
	buf [sha256.Size]byte
}

func newLeafHasher() *leafHasher { return &leafHasher{h: sha256.New()} }

func (lh *leafHasher) sum(data []byte) tlog.Hash {
	lh.h.Reset()
	lh.h.Write(leafPrefix)
	lh.h.Write(data)
	var out tlog.Hash
	copy(out[:], lh.h.Sum(lh.buf[:0]))
	return out
}

// emptyRoot is the root of the empty tree: SHA-256 of the empty string.
var emptyRoot = tlog.Hash(sha256.Sum256(nil))
