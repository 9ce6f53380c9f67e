// Package stream is the envelope/v2 payload encryption: a STREAM
// construction (Hoang, Reyhanitabar, Rogaway, Vizár 2015) over AES-256-GCM
// with 64 KiB chunks, and the payload digest the provider signs.
//
// Chunk i (0-based) of n is sealed with
//
//	key   = HKDF-SHA256(secret = data key, salt = H, info = lp(LabelPayloadKey) ‖ lp(purpose))
//	nonce = uint88_be(i) ‖ (0x01 if i == n-1 else 0x00)
//	ct_i  = AES-256-GCM(key, nonce, pt_i, ad = H)
//
// and hashed as h_i = BLAKE3-256(0x00 ‖ ct_i) (SHA-256 in envelopes whose
// header says sha256-chunks, which Seal wrote before). The payload digest is
//
//	D = SHA-256(lp(LabelPayloadDigest) ‖ uint64_be(n) ‖ h_0 ‖ … ‖ h_{n-1})
//
// Chunks are independent, so sealing, hashing and opening run on every core
// ([Run]); the final hash over 32-byte chunk hashes is sequential and cheap.
package stream

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"hash"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/zeebo/blake3"

	"github.com/govshare/govshare/crypto/keys"
	"github.com/govshare/govshare/envelope/internal/format"
)

// ErrChunk means a chunk failed to authenticate.
var ErrChunk = errors.New("govshare/envelope: payload chunk does not authenticate")

// NonceSize is the AES-GCM nonce: an 11-byte counter and the last-chunk flag.
const NonceSize = 12

// maxCounter keeps the counter inside its 11 bytes. It is never reached:
// MaxPayload bounds n far below.
const maxCounter = 1<<63 - 1

// PayloadKey derives the chunk key from the data key, H and the purpose the
// opener declares, so opening under another purpose cannot even decrypt.
func PayloadKey(dataKey, h []byte, purpose string) ([]byte, error) {
	info := keys.AppendLengthPrefixed(nil, format.LabelPayloadKey)
	info = keys.AppendLengthPrefixed(info, purpose)
	return hkdf.Key(sha256.New, dataKey, h, string(info), 32)
}

// AEAD returns the chunk cipher for a payload key.
func AEAD(key []byte) (cipher.AEAD, error) {
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(b)
}

// Nonce writes chunk i's nonce into dst.
func Nonce(dst *[NonceSize]byte, i uint64, last bool) {
	binary.BigEndian.PutUint64(dst[3:11], i)
	dst[0], dst[1], dst[2] = 0, 0, 0
	dst[11] = 0
	if last {
		dst[11] = 1
	}
}

// SealChunk appends the sealed chunk i to dst.
func SealChunk(a cipher.AEAD, dst, pt, h []byte, i uint64, last bool) []byte {
	var n [NonceSize]byte
	Nonce(&n, i, last)
	return a.Seal(dst, n[:], pt, h)
}

// OpenChunk appends the opened chunk i to dst.
func OpenChunk(a cipher.AEAD, dst, ct, h []byte, i uint64, last bool) ([]byte, error) {
	if i > maxCounter {
		return nil, ErrChunk
	}
	var n [NonceSize]byte
	Nonce(&n, i, last)
	out, err := a.Open(dst, n[:], ct, h)
	if err != nil {
		return nil, ErrChunk
	}
	return out, nil
}

// ChunkHash is h_i under the digest algorithm alg (format.Digest*): its
// hash of 0x00 ‖ ciphertext chunk.
func ChunkHash(alg uint8, ct []byte) [32]byte {
	d := newChunkHasher(alg)
	d.Write(domainChunk[:])
	d.Write(ct)
	var out [32]byte
	d.Sum(out[:0])
	return out
}

// newChunkHasher returns the hash of the digest algorithm alg, which the
// header's validation has limited to the two known codes.
func newChunkHasher(alg uint8) hash.Hash {
	if alg == format.DigestBLAKE3Chunks {
		return blake3.New()
	}
	return sha256.New()
}

// domainChunk is the 0x00 prefix of every chunk hash.
var domainChunk = [1]byte{0}

// Digest accumulates the payload digest from chunk hashes given in order.
type Digest struct {
	h   hash.Hash
	n   uint64
	buf [32]byte // Add copies here so the argument does not escape per chunk
}

// NewDigest starts the digest of a payload of n chunks.
func NewDigest(n uint64) *Digest {
	d := &Digest{h: sha256.New(), n: n}
	d.h.Write(keys.AppendLengthPrefixed(nil, format.LabelPayloadDigest))
	var c [8]byte
	binary.BigEndian.PutUint64(c[:], n)
	d.h.Write(c[:])
	return d
}

// Add appends the next chunk hash.
func (d *Digest) Add(ch [32]byte) {
	d.buf = ch
	d.h.Write(d.buf[:])
}

// Sum returns D.
func (d *Digest) Sum() []byte { return d.h.Sum(nil) }

// Workers is the default number of goroutines for chunk work: one per core.
func Workers() int { return max(1, runtime.GOMAXPROCS(0)) }

// Chunk is one chunk's working memory: the bytes, sealed or opened in place,
// and its hash. Chunks are recycled through a pool and carry their own hash
// state and nonce, so the per-chunk path allocates nothing.
type Chunk struct {
	buf   [format.ChunkSize + format.TagSize]byte
	n     int                                      // content length
	used  int                                      // high-water mark since the chunk left the pool: what to clear
	Hash  [32]byte                                 // h_i after [Chunk.SumHash]
	h     [format.DigestBLAKE3Chunks + 1]hash.Hash // by digest algorithm, made on first use
	nonce [NonceSize]byte
}

var chunkPool = sync.Pool{New: func() any { return new(Chunk) }}

// Buffer returns the chunk's first m bytes for filling and marks them as its
// content. m is at most ChunkSize+TagSize.
func (c *Chunk) Buffer(m int) []byte {
	c.n = m
	c.used = max(c.used, m)
	return c.buf[:m]
}

// Bytes returns the chunk's content.
func (c *Chunk) Bytes() []byte { return c.buf[:c.n] }

// SumHash sets Hash to h_i, the hash of 0x00 ‖ content under the digest
// algorithm alg (format.Digest*).
func (c *Chunk) SumHash(alg uint8) {
	h := c.h[alg]
	if h == nil {
		h = newChunkHasher(alg)
		c.h[alg] = h
	}
	h.Reset()
	h.Write(domainChunk[:])
	h.Write(c.buf[:c.n])
	h.Sum(c.Hash[:0])
}

// Seal encrypts the content (a plaintext chunk of at most ChunkSize bytes) in
// place as chunk i; the content grows by the tag.
func (c *Chunk) Seal(a cipher.AEAD, h []byte, i uint64, last bool) {
	Nonce(&c.nonce, i, last)
	c.n = len(a.Seal(c.buf[:0], c.nonce[:], c.buf[:c.n], h))
	c.used = max(c.used, c.n)
}

// Open decrypts the content (ciphertext chunk i) in place; the content
// shrinks by the tag. On failure the content is cleared and [ErrChunk]
// returned.
func (c *Chunk) Open(a cipher.AEAD, h []byte, i uint64, last bool) error {
	if i > maxCounter {
		return ErrChunk
	}
	Nonce(&c.nonce, i, last)
	pt, err := a.Open(c.buf[:0], c.nonce[:], c.buf[:c.n], h)
	if err != nil {
		clear(c.buf[:c.n])
		c.n = 0
		return ErrChunk
	}
	c.n = len(pt)
	return nil
}

// ChunksPerWorker bounds the chunks in flight per worker. More than one lets a
// worker that finished ahead of a slower one go on instead of waiting for its
// turn to emit; four measured best on two cores (512 KiB of buffers there).
const ChunksPerWorker = 4

// Run processes chunks 0 … n-1 on `workers` goroutines, the calling one
// included:
//
//   - fill(i, c), if not nil, runs for one chunk at a time in order of i,
//     for reading a sequential input;
//   - work(i, c) runs in parallel (encrypt, decrypt, hash, or read at an
//     offset);
//   - emit(i, c) runs for one chunk at a time in order of i, for writing
//     output and feeding the digest.
//
// There is no collector goroutine to hand chunks to: each worker claims the
// next index, works on it, and parks the result in a reorder ring; whichever
// worker completes the next chunk due emits it and every ready one after it.
// With one goroutine per core, no core waits for a hand-off, which is what a
// dispatcher and a collector sharing the cores cost. At most
// ChunksPerWorker×workers chunks exist at once, so memory is constant whatever
// n is, and the chunks come from a pool and are cleared before they return to
// it.
//
// The first error stops the run: no chunk is emitted after it, and Run
// returns only when no goroutine still runs a callback.
func Run(n uint64, workers int, fill, work, emit func(i uint64, c *Chunk) error) error {
	if n == 0 {
		return nil
	}
	workers = int(min(uint64(max(workers, 1)), n))
	window := int(min(uint64(ChunksPerWorker*workers), n))
	r := &run{n: n, fill: fill, work: work, emit: emit, ready: make([]*Chunk, window), all: make([]*Chunk, window)}
	r.cond.L = &r.mu
	for k := range r.all {
		r.all[k] = chunkPool.Get().(*Chunk)
	}
	r.free = append(make([]*Chunk, 0, window), r.all...)
	var wg sync.WaitGroup
	defer func() {
		// A callback that panics on the caller's goroutine (a user Reader or
		// Writer) must not leave the other workers blocked, nor return chunks
		// to the pool while they still use them: stop the run, wait, re-panic.
		if p := recover(); p != nil {
			r.mu.Lock()
			r.failLocked(errors.New("govshare/envelope: a callback panicked"))
			r.mu.Unlock()
			wg.Wait()
			r.release()
			panic(p)
		}
	}()
	for range workers - 1 {
		wg.Go(r.worker)
	}
	r.worker()
	wg.Wait()
	r.release()
	if r.err == nil && r.emitted != n {
		return errors.New("govshare/envelope: internal error: chunks left unemitted")
	}
	return r.err
}

// release clears every chunk and returns it to the pool, once no worker runs.
func (r *run) release() {
	for _, c := range r.all {
		clear(c.buf[:c.used]) // no plaintext lingers in the pool
		c.n, c.used = 0, 0
		chunkPool.Put(c)
	}
}

type run struct {
	n                uint64
	fill, work, emit func(uint64, *Chunk) error
	all              []*Chunk // every chunk of the run, returned to the pool at the end
	stop             atomic.Bool

	claimMu sync.Mutex // serializes claiming an index and fill
	next    uint64     // next index to claim

	mu       sync.Mutex
	cond     sync.Cond // a chunk was freed, or the run failed
	free     []*Chunk
	ready    []*Chunk // ready[i%len] holds worked chunk i until it is emitted
	emitted  uint64   // chunks emitted so far
	flushing bool     // a worker is emitting; others leave their chunks in ready
	err      error
}

func (r *run) worker() {
	for {
		c := r.get()
		if c == nil {
			return
		}
		i, ok, err := r.claim(c)
		if !ok {
			r.put(c)
			return
		}
		if err == nil {
			err = r.work(i, c)
		}
		if err != nil {
			r.mu.Lock()
			r.failLocked(err)
			r.mu.Unlock()
			return
		}
		r.deposit(i, c)
	}
}

// claim takes the next index and fills c with it, in index order; ok is
// false when no index is left or the run stopped. The lock is released by
// defer so a panicking fill cannot block the other workers.
func (r *run) claim(c *Chunk) (i uint64, ok bool, err error) {
	r.claimMu.Lock()
	defer r.claimMu.Unlock()
	if r.stop.Load() || r.next >= r.n {
		return 0, false, nil
	}
	i = r.next
	r.next++
	if r.fill != nil {
		err = r.fill(i, c)
	}
	return i, true, err
}

// get takes a free chunk, waiting while all are in use; nil once the run
// failed. Chunks in use are claimed but not yet emitted, so the claimed
// indices not yet emitted never span more than the ring.
func (r *run) get() *Chunk {
	r.mu.Lock()
	defer r.mu.Unlock()
	for len(r.free) == 0 && r.err == nil {
		r.cond.Wait()
	}
	if r.err != nil {
		return nil
	}
	c := r.free[len(r.free)-1]
	r.free = r.free[:len(r.free)-1]
	return c
}

func (r *run) put(c *Chunk) {
	r.mu.Lock()
	r.free = append(r.free, c)
	r.cond.Signal()
	r.mu.Unlock()
}

func (r *run) failLocked(err error) {
	if r.err == nil {
		r.err = err
		r.stop.Store(true)
		r.cond.Broadcast()
	}
}

// deposit parks worked chunk i and, unless another worker is already
// emitting, emits every chunk that is now due. A chunk deposited while the
// emitter runs emit is seen when it re-checks the ring under the lock.
// emitUnlocked calls emit without r.mu, and holds it again on return, even
// when emit panics (deposit's deferred Unlock then finds it held).
func (r *run) emitUnlocked(k uint64, c *Chunk) error {
	r.mu.Unlock()
	defer r.mu.Lock()
	return r.emit(k, c)
}

func (r *run) deposit(i uint64, c *Chunk) {
	w := uint64(len(r.ready))
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ready[i%w] = c
	if r.flushing {
		return
	}
	r.flushing = true
	for r.err == nil {
		k := r.emitted
		c := r.ready[k%w]
		if c == nil {
			break
		}
		r.ready[k%w] = nil
		err := r.emitUnlocked(k, c)
		r.emitted++
		r.free = append(r.free, c)
		r.cond.Signal()
		if err != nil {
			r.failLocked(err)
		}
	}
	r.flushing = false
}
