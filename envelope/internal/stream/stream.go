// Package stream is the envelope/v1 payload encryption: a STREAM
// construction (Hoang, Reyhanitabar, Rogaway, Vizár 2015) over AES-256-GCM
// with 64 KiB chunks, and the payload digest the provider signs.
//
// Chunk i (0-based) of n is sealed with
//
//	key   = HKDF-SHA256(secret = data key, salt = H, info = lp(LabelPayloadKey) ‖ lp(purpose))
//	nonce = uint88_be(i) ‖ (0x01 if i == n-1 else 0x00)
//	ct_i  = AES-256-GCM(key, nonce, pt_i, ad = H)
//
// and hashed as h_i = SHA-256(0x00 ‖ ct_i). The payload digest is
//
//	D = SHA-256(lp(LabelPayloadDigest) ‖ uint64_be(n) ‖ h_0 ‖ … ‖ h_{n-1})
//
// Chunks are independent, so sealing, hashing and opening run on every core;
// the final hash over 32-byte chunk hashes is sequential and cheap.
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

// ChunkHash is h_i: SHA-256 of 0x00 ‖ ciphertext chunk.
func ChunkHash(ct []byte) [32]byte {
	d := sha256.New()
	d.Write([]byte{0})
	d.Write(ct)
	var out [32]byte
	d.Sum(out[:0])
	return out
}

// Digest accumulates the payload digest from chunk hashes given in order.
type Digest struct {
	h hash.Hash
	n uint64
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
func (d *Digest) Add(ch [32]byte) { d.h.Write(ch[:]) }

// Sum returns D.
func (d *Digest) Sum() []byte { return d.h.Sum(nil) }

// Workers is the number of goroutines used for chunk work.
func Workers() int { return max(1, runtime.GOMAXPROCS(0)) }

// Ordered runs work(i, slot) for i in [0, n) on Workers() goroutines while the
// calling goroutine runs prepare(i, slot) before each dispatch and emit(i, slot)
// after each completion, strictly in order of i. A slot indexes one of `window`
// per-item buffers the caller owns; slot i%window is reused only after item
// i-window was emitted, so at most window items are in flight and memory stays
// constant whatever n is. The first error stops the run.
func Ordered(n uint64, window int, prepare func(i uint64, slot int) error, work func(i uint64, slot int) error, emit func(i uint64, slot int) error) error {
	if window < 1 {
		window = 1
	}
	w := uint64(window)
	type job struct {
		i    uint64
		slot int
	}
	jobs := make(chan job)
	// One buffered result channel per slot: a slot's result is consumed
	// before the slot is reused, so a worker never blocks on sending.
	done := make([]chan error, window)
	for s := range done {
		done[s] = make(chan error, 1)
	}
	for range min(Workers(), window) {
		go func() {
			for j := range jobs {
				done[j.slot] <- work(j.i, j.slot)
			}
		}()
	}
	defer close(jobs)
	var dispatched, next uint64
	wait := func() error {
		slot := int(next % w)
		err := <-done[slot]
		next++
		if err == nil {
			err = emit(next-1, slot)
		}
		return err
	}
	// fail waits for every dispatched item, so no worker still uses a
	// caller-owned slot buffer after Ordered returns.
	fail := func(err error) error {
		for ; next < dispatched; next++ {
			<-done[int(next%w)]
		}
		return err
	}
	for dispatched < n {
		if dispatched-next == w {
			if err := wait(); err != nil {
				return fail(err)
			}
		}
		slot := int(dispatched % w)
		if prepare != nil {
			if err := prepare(dispatched, slot); err != nil {
				return fail(err)
			}
		}
		jobs <- job{dispatched, slot}
		dispatched++
	}
	for next < dispatched {
		if err := wait(); err != nil {
			return fail(err)
		}
	}
	return nil
}
