package envelope

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"testing/cryptotest"
	"testing/iotest"

	"github.com/govshare/govshare/catalog"
	"github.com/govshare/govshare/envelope/internal/format"
)

// workerCounts are the chunk-worker counts the parallel tests compare: one
// (the sequential reference), two (the benchmark machine), and more than
// there are cores or, for small payloads, chunks.
var workerCounts = []int{1, 2, 3, 8}

// paddedSizes are payload sizes around the chunk boundaries and one large
// enough for every worker to hold several chunks at once.
var paddedSizes = []int{0, 1, format.ChunkSize, 5*format.ChunkSize + 123, 40*format.ChunkSize + 7}

// TestSealWorkerCountInvariance: under the same fixed randomness (the only
// randomness in Seal is the envelope id, the data key and the KEM's), the
// envelope is byte-identical whatever the number of chunk workers, also when
// the plaintext reader returns short reads; and envelopes sealed with fresh
// randomness on any number of workers open, on any number of workers, to the
// same plaintext.
func TestSealWorkerCountInvariance(t *testing.T) {
	tk := fixedKeys(t)
	for _, n := range paddedSizes {
		pt := samplePlaintext(n)
		opts := sampleOptions(catalog.LevelGeneral, n)
		var ref []byte
		for _, workers := range workerCounts {
			for _, short := range []bool{false, true} {
				cryptotest.SetGlobalRandom(t, 42)
				var in io.Reader = bytes.NewReader(pt)
				if short {
					in = iotest.HalfReader(in)
				}
				var out bytes.Buffer
				if _, err := sealWorkers(&out, in, opts, tk.prov, tk.recv.Public(), workers); err != nil {
					t.Fatalf("size %d, %d workers: %v", n, workers, err)
				}
				if ref == nil {
					ref = out.Bytes()
					continue
				}
				if !bytes.Equal(out.Bytes(), ref) {
					t.Fatalf("size %d, %d workers (short reads %v): envelope differs from the 1-worker one (sha256 %x vs %x)",
						n, workers, short, sha256.Sum256(out.Bytes()), sha256.Sum256(ref))
				}
			}
		}
	}
	// Fresh randomness: every seal is different, every open agrees.
	n := 9*format.ChunkSize + 1
	pt := samplePlaintext(n)
	for _, sw := range workerCounts {
		var env bytes.Buffer
		if _, err := sealWorkers(&env, bytes.NewReader(pt), sampleOptions(catalog.LevelImportant, n), tk.prov, tk.recv.Public(), sw); err != nil {
			t.Fatal(err)
		}
		for _, ow := range workerCounts {
			var got bytes.Buffer
			if _, err := openWorkers(&got, bytes.NewReader(env.Bytes()), int64(env.Len()), openOpts(tk), ow); err != nil {
				t.Fatalf("sealed on %d workers, opened on %d: %v", sw, ow, err)
			}
			if !bytes.Equal(got.Bytes(), pt) {
				t.Fatalf("sealed on %d workers, opened on %d: plaintext differs", sw, ow)
			}
		}
	}
}

// TestSealWorkersInputErrors: a plaintext shorter or longer than declared,
// a failing reader and a failing writer are reported on any number of
// workers, and nothing is written after the failure.
func TestSealWorkersInputErrors(t *testing.T) {
	tk := fixedKeys(t)
	n := 12*format.ChunkSize + 5
	pt := samplePlaintext(n)
	opts := sampleOptions(catalog.LevelGeneral, n)
	for _, workers := range workerCounts {
		for name, c := range map[string]struct {
			in   io.Reader
			w    io.Writer
			want string
		}{
			"short":       {bytes.NewReader(pt[:n-1]), io.Discard, "shorter than PayloadLength"},
			"long":        {io.MultiReader(bytes.NewReader(pt), strings.NewReader("x")), io.Discard, "longer than PayloadLength"},
			"read error":  {io.MultiReader(bytes.NewReader(pt[:7*format.ChunkSize+3]), iotest.ErrReader(errors.New("disk gone"))), io.Discard, "disk gone"},
			"write error": {bytes.NewReader(pt), &failWriter{after: 6 * format.ChunkSize}, "disk full"},
		} {
			_, err := sealWorkers(c.w, c.in, opts, tk.prov, tk.recv.Public(), workers)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("%s, %d workers: %v", name, workers, err)
			}
		}
	}
}

// TestOpenWorkersChunkFailure: a chunk that fails its AES-GCM tag in pass 2
// (a tampered payload the provider's key re-signed, so pass 1 passes) stops
// Open with ErrAuth on any number of workers, and what was written is a
// whole-chunk prefix of the plaintext that ends before the bad chunk.
func TestOpenWorkersChunkFailure(t *testing.T) {
	tk := fixedKeys(t)
	n := 20*format.ChunkSize + 300
	pt := samplePlaintext(n)
	env := seal(t, tk, sampleOptions(catalog.LevelGeneral, n), pt)
	p := split(t, env)
	stride := format.ChunkSize + format.TagSize
	for _, bad := range []int{0, 1, 10, 20} {
		b := bytes.Clone(env)
		b[p.payload[0]+bad*stride+5] ^= 0x01
		resigned := resign(t, tk, b)
		for _, workers := range workerCounts {
			for name, e := range map[string][]byte{"tampered": b, "tampered and re-signed": resigned} {
				var got bytes.Buffer
				_, err := openWorkers(&got, bytes.NewReader(e), int64(len(e)), openOpts(tk), workers)
				onlySentinel(t, err, ErrAuth)
				if name == "tampered" && got.Len() != 0 {
					t.Fatalf("chunk %d %s, %d workers: wrote %d bytes before the signature check", bad, name, workers, got.Len())
				}
				if got.Len() > bad*format.ChunkSize || got.Len()%format.ChunkSize != 0 || !bytes.HasPrefix(pt, got.Bytes()) {
					t.Fatalf("chunk %d %s, %d workers: released %d bytes, not a prefix before the bad chunk", bad, name, workers, got.Len())
				}
			}
		}
	}
}

// spyReaderAt records which payload bytes Open has read, and spyWriter
// checks on every Write that the whole payload and the signature were read
// by then: the proof that no plaintext byte leaves Open before pass 1 (every
// chunk hashed) and the signature check completed, however many workers run.
type spyReaderAt struct {
	r    io.ReaderAt
	mu   sync.Mutex
	read []bool // per byte of the envelope
}

func (s *spyReaderAt) ReadAt(b []byte, off int64) (int, error) {
	n, err := s.r.ReadAt(b, off)
	s.mu.Lock()
	for i := range n {
		s.read[int(off)+i] = true
	}
	s.mu.Unlock()
	return n, err
}

func (s *spyReaderAt) allRead(from, to int) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range s.read[from:to] {
		if !r {
			return false
		}
	}
	return true
}

type spyWriter struct {
	spy        *spyReaderAt
	from, to   int // payload and signature span
	early      int // writes that came before everything was read
	n          int
	mu         sync.Mutex
	concurrent bool
	busy       bool
}

func (w *spyWriter) Write(b []byte) (int, error) {
	w.mu.Lock()
	if w.busy {
		w.concurrent = true
	}
	w.busy = true
	w.mu.Unlock()
	if !w.spy.allRead(w.from, w.to) {
		w.early++
	}
	w.n += len(b)
	w.mu.Lock()
	w.busy = false
	w.mu.Unlock()
	return len(b), nil
}

func TestNoPlaintextBeforeAuthentication(t *testing.T) {
	tk := fixedKeys(t)
	n := 30*format.ChunkSize + 11
	pt := samplePlaintext(n)
	env := seal(t, tk, sampleOptions(catalog.LevelGeneral, n), pt)
	p := split(t, env)
	for _, workers := range workerCounts {
		t.Run(fmt.Sprintf("workers=%d", workers), func(t *testing.T) {
			spy := &spyReaderAt{r: bytes.NewReader(env), read: make([]bool, len(env))}
			w := &spyWriter{spy: spy, from: p.payload[0], to: p.sig[1]}
			if _, err := openWorkers(w, spy, int64(len(env)), openOpts(tk), workers); err != nil {
				t.Fatal(err)
			}
			if w.n != n {
				t.Fatalf("wrote %d bytes, want %d", w.n, n)
			}
			if w.early != 0 {
				t.Fatalf("%d writes came before every payload byte and the signature were read", w.early)
			}
			if w.concurrent {
				t.Fatal("Open called Write concurrently")
			}
			// The last chunk tampered: a one-pass design would have written
			// the 30 chunks before it.
			b := bytes.Clone(env)
			b[p.payload[1]-1] ^= 0x80
			var got bytes.Buffer
			if _, err := openWorkers(&got, bytes.NewReader(b), int64(len(b)), openOpts(tk), workers); !errors.Is(err, ErrAuth) || got.Len() != 0 {
				t.Fatalf("last chunk tampered: err %v, wrote %d bytes", err, got.Len())
			}
		})
	}
}
