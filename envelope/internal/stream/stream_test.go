package stream

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"sync/atomic"
	"testing"
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
	info := "\x00\x00\x00\x20govshare/envelope/v1/payload-key\x00\x00\x00\x14administrative_basis"
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
	const pinned = "feb6800a5625f9db6482a72474d353cd902defbc30010d201dba5c590a40d1ab"
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
	c0, c1 := ChunkHash([]byte("a")), ChunkHash([]byte("b"))
	if c0 != sha256.Sum256([]byte("\x00a")) {
		t.Fatal("ChunkHash is not SHA-256(0x00 ‖ ct)")
	}
	d := NewDigest(2)
	d.Add(c0)
	d.Add(c1)
	ref := sha256.New()
	ref.Write([]byte("\x00\x00\x00\x23govshare/envelope/v1/payload-digest"))
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

func TestOrdered(t *testing.T) {
	for _, n := range []uint64{0, 1, 2, 7, 100} {
		for _, window := range []int{1, 3, 8} {
			slots := make([]uint64, window)
			var got []uint64
			err := Ordered(n, window,
				func(i uint64, s int) error { slots[s] = i * 10; return nil },
				func(i uint64, s int) error {
					if slots[s] != i*10 {
						return errors.New("slot reused while in flight")
					}
					slots[s]++
					return nil
				},
				func(i uint64, s int) error {
					if slots[s] != i*10+1 {
						return errors.New("emit before work")
					}
					got = append(got, i)
					return nil
				})
			if err != nil {
				t.Fatalf("n=%d window=%d: %v", n, window, err)
			}
			for k, i := range got {
				if uint64(k) != i {
					t.Fatalf("n=%d window=%d: out of order", n, window)
				}
			}
			if uint64(len(got)) != n {
				t.Fatalf("n=%d window=%d: emitted %d", n, window, len(got))
			}
		}
	}
}

func TestOrderedStopsOnError(t *testing.T) {
	boom := errors.New("boom")
	for _, where := range []string{"prepare", "work", "emit"} {
		var emitted, running atomic.Int64
		err := Ordered(1000, 4,
			func(i uint64, _ int) error {
				if where == "prepare" && i == 10 {
					return boom
				}
				return nil
			},
			func(i uint64, _ int) error {
				running.Add(1)
				defer running.Add(-1)
				if where == "work" && i == 10 {
					return boom
				}
				return nil
			},
			func(i uint64, _ int) error {
				if where == "emit" && i == 10 {
					return boom
				}
				emitted.Add(1)
				return nil
			})
		if !errors.Is(err, boom) {
			t.Fatalf("%s: got %v", where, err)
		}
		if emitted.Load() > 10 {
			t.Fatalf("%s: emitted %d items after the failure", where, emitted.Load())
		}
		if running.Load() != 0 {
			t.Fatalf("%s: workers still running after return", where)
		}
	}
}
