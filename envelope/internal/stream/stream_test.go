package stream

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/govshare/govshare/envelope/internal/format"
)

// TestChunkKnownAnswer recomputes the spec of chunk sealing (package doc)
// with the standard library alone and compares, then pins a digest of the
// outputs so a change of the construction is caught even if both agree.
func TestChunkKnownAnswer(t *testing.T) {
	dataKey := bytes.Repeat([]byte{0x11}, 32)
	h := sha256.Sum256([]byte("header"))
	key, err := PayloadKey(dataKey, h[:], "administrative_basis")
	if err != nil {
		t.Fatal(err)
	}
	info := "\x00\x00\x00\x20govshare/envelope/v2/payload-key\x00\x00\x00\x14administrative_basis"
	want, _ := hkdf.Key(sha256.New, dataKey, h[:], info, 32)
	if !bytes.Equal(key, want) {
		t.Fatal("PayloadKey differs from HKDF-SHA256(data key, H, lp(label) ‖ lp(purpose))")
	}
	a, _ := AEAD(key)
	blk, _ := aes.NewCipher(want)
	ref, _ := cipher.NewGCM(blk)
	pt := []byte("row-1,区县-001\n")
	all := sha256.New()
	for _, c := range []struct {
		i    uint64
		last bool
	}{{0, false}, {1, false}, {0x0102030405060708, true}} {
		got := SealChunk(a, nil, pt, h[:], c.i, c.last)
		nonce := []byte{0, 0, 0, byte(c.i >> 56), byte(c.i >> 48), byte(c.i >> 40), byte(c.i >> 32), byte(c.i >> 24), byte(c.i >> 16), byte(c.i >> 8), byte(c.i), 0}
		if c.last {
			nonce[11] = 1
		}
		if exp := ref.Seal(nil, nonce, pt, h[:]); !bytes.Equal(got, exp) {
			t.Fatalf("chunk %d: differs from AES-256-GCM with nonce counter ‖ flag", c.i)
		}
		all.Write(got)
	}
	const pinned = "6d5f41a6ec5b7cb04f8c2b70186d842b47ef81dd345e44b2f488d673624e34ed"
	if got := hex.EncodeToString(all.Sum(nil)); got != pinned {
		t.Fatalf("pinned chunk digest changed: %s", got)
	}
}

func TestChunkBinding(t *testing.T) {
	h := sha256.Sum256([]byte("header"))
	key, _ := PayloadKey(make([]byte, 32), h[:], "statistics")
	a, _ := AEAD(key)
	ct := SealChunk(a, nil, []byte("payload"), h[:], 3, false)
	if _, err := OpenChunk(a, nil, ct, h[:], 3, false); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenChunk(a, nil, ct, h[:], 3, true); !errors.Is(err, ErrChunk) {
		t.Error("a non-final chunk opened as the final one")
	}
	if _, err := OpenChunk(a, nil, ct, h[:], 4, false); !errors.Is(err, ErrChunk) {
		t.Error("a chunk opened at another position")
	}
	h2 := h
	h2[0] ^= 1
	if _, err := OpenChunk(a, nil, ct, h2[:], 3, false); !errors.Is(err, ErrChunk) {
		t.Error("a chunk opened under another header")
	}
	other, _ := PayloadKey(make([]byte, 32), h[:], "work_reference")
	b, _ := AEAD(other)
	if _, err := OpenChunk(b, nil, ct, h[:], 3, false); !errors.Is(err, ErrChunk) {
		t.Error("a chunk opened under another purpose's key")
	}
}

func TestDigest(t *testing.T) {
	if ChunkHash(format.DigestSHA256Chunks, []byte("a")) != sha256.Sum256([]byte("\x00a")) {
		t.Fatal("sha256-chunks: ChunkHash is not SHA-256(0x00 ‖ ct)")
	}
	// BLAKE3-256 known answers (the first is the BLAKE3 specification's
	// hash of the empty input; the others agree across two implementations).
	for _, c := range []struct{ in, want string }{
		{"", "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262"},
		{"a", "1ff621ee3430890e869728995a6cee4f2b0b61271bfc19b0092b06d778750ae8"},
		{"b", "3acbabc85b6b9ceff22334abe02e3752f93875f0c2fcdc7ef48ded6117df4170"},
	} {
		h := newChunkHasher(format.DigestBLAKE3Chunks)
		h.Write([]byte(c.in))
		if c.in == "" {
			if got := hex.EncodeToString(h.Sum(nil)); got != c.want {
				t.Fatalf("BLAKE3(\"\") = %s", got)
			}
			continue
		}
		if got := ChunkHash(format.DigestBLAKE3Chunks, []byte(c.in)); hex.EncodeToString(got[:]) != c.want {
			t.Fatalf("blake3-chunks: ChunkHash(%q) = %x", c.in, got)
		}
	}
	c0, c1 := ChunkHash(format.DigestBLAKE3Chunks, []byte("a")), ChunkHash(format.DigestBLAKE3Chunks, []byte("b"))
	d := NewDigest(2)
	d.Add(c0)
	d.Add(c1)
	ref := sha256.New()
	ref.Write([]byte("\x00\x00\x00\x23govshare/envelope/v2/payload-digest"))
	ref.Write([]byte{0, 0, 0, 0, 0, 0, 0, 2})
	ref.Write(c0[:])
	ref.Write(c1[:])
	if !bytes.Equal(d.Sum(), ref.Sum(nil)) {
		t.Fatal("Digest differs from the spec")
	}
	swapped := NewDigest(2)
	swapped.Add(c1)
	swapped.Add(c0)
	if bytes.Equal(swapped.Sum(), d.Sum()) {
		t.Fatal("digest ignores chunk order")
	}
}

// TestChunkInPlace checks that the pooled, in-place chunk operations give
// exactly the bytes of the plain functions the spec is written with.
func TestChunkInPlace(t *testing.T) {
	h := sha256.Sum256([]byte("header"))
	key, _ := PayloadKey(bytes.Repeat([]byte{7}, 32), h[:], "statistics")
	a, _ := AEAD(key)
	for _, m := range []int{0, 1, 1000, 64 << 10} {
		pt := bytes.Repeat([]byte{0x5a}, m)
		want := SealChunk(a, nil, pt, h[:], 9, m == 1000)
		c := new(Chunk)
		copy(c.Buffer(m), pt)
		c.Seal(a, h[:], 9, m == 1000)
		if !bytes.Equal(c.Bytes(), want) {
			t.Fatalf("len %d: in-place Seal differs from SealChunk", m)
		}
		for _, alg := range []uint8{format.DigestSHA256Chunks, format.DigestBLAKE3Chunks} {
			c.SumHash(alg)
			if c.Hash != ChunkHash(alg, want) {
				t.Fatalf("len %d, digest %d: SumHash differs from ChunkHash", m, alg)
			}
		}
		if err := c.Open(a, h[:], 9, m == 1000); err != nil || !bytes.Equal(c.Bytes(), pt) {
			t.Fatalf("len %d: in-place Open did not restore the plaintext (%v)", m, err)
		}
		copy(c.Buffer(len(want)), want)
		if err := c.Open(a, h[:], 10, m == 1000); !errors.Is(err, ErrChunk) || len(c.Bytes()) != 0 {
			t.Fatalf("len %d: a chunk opened at another position, or left %d bytes", m, len(c.Bytes()))
		}
		if m > 0 && !bytes.Equal(c.buf[:m], make([]byte, m)) {
			t.Fatalf("len %d: a failed Open left bytes in the buffer", m)
		}
	}
}

// TestRun checks Run's contract on many sizes and worker counts: fill runs in
// order and alone, work sees the chunk its fill made (no chunk is reused
// while in flight), emit runs in order and alone and sees the work's result,
// and no more than ChunksPerWorker×workers chunks exist at once.
func TestRun(t *testing.T) {
	for _, n := range []uint64{0, 1, 2, 7, 100, 300} {
		for _, workers := range []int{1, 2, 3, 8} {
			var nextFill, nextEmit uint64
			var inFill, inEmit atomic.Int32
			var mu, rngMu sync.Mutex
			seen := map[*Chunk]bool{}
			rng := rand.New(rand.NewPCG(n, uint64(workers)))
			err := Run(n, workers,
				func(i uint64, c *Chunk) error {
					if inFill.Add(1) != 1 {
						return errors.New("fill ran concurrently")
					}
					defer inFill.Add(-1)
					rngMu.Lock()
					d := time.Duration(rng.IntN(20)) * time.Microsecond
					rngMu.Unlock()
					time.Sleep(d) // give a concurrent fill the chance to show
					if i != nextFill {
						return fmt.Errorf("fill %d, want %d", i, nextFill)
					}
					nextFill++
					binary.BigEndian.PutUint64(c.Buffer(8), i)
					mu.Lock()
					seen[c] = true
					mu.Unlock()
					return nil
				},
				func(i uint64, c *Chunk) error {
					rngMu.Lock()
					d := time.Duration(rng.IntN(50)) * time.Microsecond
					rngMu.Unlock()
					time.Sleep(d) // finish out of order
					if got := binary.BigEndian.Uint64(c.Bytes()); got != i {
						return fmt.Errorf("work %d saw chunk %d: reused in flight", i, got)
					}
					binary.BigEndian.PutUint64(c.Buffer(16)[8:], ^i)
					return nil
				},
				func(i uint64, c *Chunk) error {
					if inEmit.Add(1) != 1 {
						return errors.New("emit ran concurrently")
					}
					defer inEmit.Add(-1)
					if i != nextEmit {
						return fmt.Errorf("emit %d, want %d", i, nextEmit)
					}
					nextEmit++
					b := c.Bytes()
					if len(b) != 16 || binary.BigEndian.Uint64(b) != i || binary.BigEndian.Uint64(b[8:]) != ^i {
						return fmt.Errorf("emit %d: chunk is not the work's result", i)
					}
					return nil
				})
			if err != nil {
				t.Fatalf("n=%d workers=%d: %v", n, workers, err)
			}
			if nextEmit != n {
				t.Fatalf("n=%d workers=%d: emitted %d", n, workers, nextEmit)
			}
			if len(seen) > ChunksPerWorker*workers {
				t.Fatalf("n=%d workers=%d: %d chunks in use", n, workers, len(seen))
			}
		}
	}
}

func TestRunStopsOnError(t *testing.T) {
	boom := errors.New("boom")
	for _, where := range []string{"fill", "work", "emit"} {
		for _, workers := range []int{1, 2, 4} {
			var emitted, running atomic.Int64
			var maxEmitted atomic.Int64
			maxEmitted.Store(-1)
			fail := func(w string, i uint64) error {
				if where == w && i == 10 {
					return boom
				}
				return nil
			}
			err := Run(1000, workers,
				func(i uint64, _ *Chunk) error { return fail("fill", i) },
				func(i uint64, _ *Chunk) error {
					running.Add(1)
					defer running.Add(-1)
					time.Sleep(10 * time.Microsecond)
					return fail("work", i)
				},
				func(i uint64, _ *Chunk) error {
					if err := fail("emit", i); err != nil {
						return err
					}
					emitted.Add(1)
					maxEmitted.Store(int64(i))
					return nil
				})
			if !errors.Is(err, boom) {
				t.Fatalf("%s, %d workers: got %v", where, workers, err)
			}
			// Nothing at or after the failing chunk is emitted.
			if emitted.Load() > 10 || maxEmitted.Load() >= 10 {
				t.Fatalf("%s, %d workers: emitted %d chunks, the last %d", where, workers, emitted.Load(), maxEmitted.Load())
			}
			if running.Load() != 0 {
				t.Fatalf("%s, %d workers: work still running after return", where, workers)
			}
		}
	}
}

// TestRunClearsChunks: chunks go back to the pool cleared, so no plaintext
// of one envelope lingers for the next.
func TestRunClearsChunks(t *testing.T) {
	var got []*Chunk
	err := Run(9, 3, nil,
		func(i uint64, c *Chunk) error {
			b := c.Buffer(int(1000 * (9 - i)))
			for k := range b {
				b[k] = 0xA5
			}
			return nil
		},
		func(_ uint64, c *Chunk) error { got = append(got, c); return nil })
	if err != nil {
		t.Fatal(err)
	}
	for k, c := range got {
		if c.n != 0 || c.used != 0 || !bytes.Equal(c.buf[:], make([]byte, len(c.buf))) {
			t.Fatalf("chunk %d went back to the pool with content", k)
		}
	}
}

// TestRunAllocations checks that the per-chunk path allocates nothing: a run
// of 4096 chunks allocates no more than a run of 16.
func TestRunAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are not meaningful under the race detector")
	}
	h := sha256.Sum256([]byte("header"))
	key, _ := PayloadKey(make([]byte, 32), h[:], "statistics")
	a, _ := AEAD(key)
	allocs := func(n uint64) float64 {
		return testing.AllocsPerRun(5, func() {
			d := NewDigest(n)
			err := Run(n, 2, nil,
				func(i uint64, c *Chunk) error {
					c.Buffer(1024)
					c.Seal(a, h[:], i, i == n-1)
					c.SumHash(format.DigestBLAKE3Chunks)
					return nil
				},
				func(_ uint64, c *Chunk) error { d.Add(c.Hash); return nil })
			if err != nil {
				t.Fatal(err)
			}
		})
	}
	small, large := allocs(16), allocs(4096)
	t.Logf("allocations per run: %v for 16 chunks, %v for 4096", small, large)
	if large > small+2 { // +2: the scheduler may allocate once in a while
		t.Fatalf("a run allocates per chunk: %v allocations for 16 chunks, %v for 4096", small, large)
	}
}

// TestRunPanicOnCaller: a callback that panics on the caller's goroutine
// (a user Reader or Writer) propagates as a panic, without a fatal
// double unlock, and leaves the pool and locks usable for the next run.
func TestRunPanicOnCaller(t *testing.T) {
	for _, where := range []string{"fill", "work", "emit"} {
		cb := func(w string) func(uint64, *Chunk) error {
			return func(i uint64, _ *Chunk) error {
				if w == where && i == 3 {
					panic("boom")
				}
				return nil
			}
		}
		func() {
			defer func() {
				if p := recover(); p != "boom" {
					t.Errorf("%s: recovered %v, want the callback's panic", where, p)
				}
			}()
			_ = Run(8, 1, cb("fill"), cb("work"), cb("emit"))
			t.Errorf("%s: Run returned after a panic", where)
		}()
		var emitted int
		if err := Run(8, 2, nil, func(uint64, *Chunk) error { return nil },
			func(uint64, *Chunk) error { emitted++; return nil }); err != nil || emitted != 8 {
			t.Errorf("after a %s panic: %v, %d emitted", where, err, emitted)
		}
	}
}
