package envelope

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/govshare/govshare/catalog"
	"github.com/govshare/govshare/envelope/internal/format"
)

// Throughput benchmarks run on a payload of GOVSHARE_BENCH_SIZE bytes
// (default 64MiB; suffixes KiB, MiB, GiB). Compare Seal and Open with
// BaselineAESGCM, a single-core standard-library AES-256-GCM pass over the
// same data in 64 KiB chunks, from the same run:
//
//	go test -run '^$' -bench . -cpu 2 ./envelope
//	GOVSHARE_BENCH_SIZE=1GiB go test -run '^$' -bench 'Seal$|Open$|Baseline' -benchtime 3x -cpu 2 ./envelope
func benchSize(b *testing.B) int {
	s := os.Getenv("GOVSHARE_BENCH_SIZE")
	if s == "" {
		return 64 << 20
	}
	mult := 1
	for suf, m := range map[string]int{"KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30} {
		if strings.HasSuffix(s, suf) {
			s, mult = strings.TrimSuffix(s, suf), m
		}
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		b.Fatalf("GOVSHARE_BENCH_SIZE: want a byte count like 1073741824 or 1GiB")
	}
	return n * mult
}

var bench struct {
	once    sync.Once
	pt, env []byte
}

func benchData(b *testing.B) ([]byte, []byte) {
	tk := fixedKeys(b)
	bench.once.Do(func() {
		n := benchSize(b)
		bench.pt = make([]byte, n)
		pattern := samplePlaintext(1 << 20)
		for i := 0; i < n; i += len(pattern) {
			copy(bench.pt[i:], pattern)
		}
		var out bytes.Buffer
		out.Grow(n + n/1000 + 8192)
		if _, err := Seal(&out, bytes.NewReader(bench.pt), sampleOptions(catalog.LevelGeneral, n), tk.prov, tk.recv.Public()); err != nil {
			b.Fatal(err)
		}
		bench.env = out.Bytes()
		// The setup's collections finish here, not inside a measurement
		// (a mark phase spins waiting to stop workers in assembly loops).
		runtime.GC()
	})
	return bench.pt, bench.env
}

func BenchmarkBaselineAESGCM(b *testing.B) {
	pt, _ := benchData(b)
	blk, _ := aes.NewCipher(make([]byte, 32))
	g, _ := cipher.NewGCM(blk)
	nonce := make([]byte, 12)
	out := make([]byte, 0, format.ChunkSize+16)
	b.SetBytes(int64(len(pt)))
	for b.Loop() {
		for i := 0; i < len(pt); i += format.ChunkSize {
			out = g.Seal(out[:0], nonce, pt[i:min(i+format.ChunkSize, len(pt))], nil)
		}
	}
}

func BenchmarkSeal(b *testing.B) {
	tk := fixedKeys(b)
	pt, _ := benchData(b)
	opts := sampleOptions(catalog.LevelGeneral, len(pt))
	b.SetBytes(int64(len(pt)))
	for b.Loop() {
		if _, err := Seal(io.Discard, bytes.NewReader(pt), opts, tk.prov, tk.recv.Public()); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkOpen(b *testing.B) {
	tk := fixedKeys(b)
	pt, env := benchData(b)
	opts := openOpts(tk)
	b.SetBytes(int64(len(pt)))
	for b.Loop() {
		if _, err := Open(io.Discard, bytes.NewReader(env), int64(len(env)), opts); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSealOneWorker and BenchmarkOpenOneWorker are Seal and Open on a
// single chunk worker: the sequential cost the parallel runs divide.
func BenchmarkSealOneWorker(b *testing.B) {
	tk := fixedKeys(b)
	pt, _ := benchData(b)
	opts := sampleOptions(catalog.LevelGeneral, len(pt))
	b.SetBytes(int64(len(pt)))
	for b.Loop() {
		if _, err := sealWorkers(io.Discard, bytes.NewReader(pt), opts, tk.prov, tk.recv.Public(), 1); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkOpenOneWorker(b *testing.B) {
	tk := fixedKeys(b)
	pt, env := benchData(b)
	opts := openOpts(tk)
	b.SetBytes(int64(len(pt)))
	for b.Loop() {
		if _, err := openWorkers(io.Discard, bytes.NewReader(env), int64(len(env)), opts, 1); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSealSmall and BenchmarkOpenSmall measure the fixed cost of one
// envelope (1 KiB payload) per suite: KEM, signature, header.
func BenchmarkSealSmall(b *testing.B) {
	tk := fixedKeys(b)
	pt := samplePlaintext(1024)
	for _, lv := range levels {
		b.Run(string(lv), func(b *testing.B) {
			opts := sampleOptions(lv, len(pt))
			for b.Loop() {
				if _, err := Seal(io.Discard, bytes.NewReader(pt), opts, tk.prov, tk.recv.Public()); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkOpenSmall(b *testing.B) {
	tk := fixedKeys(b)
	pt := samplePlaintext(1024)
	for _, lv := range levels {
		b.Run(string(lv), func(b *testing.B) {
			env := seal(b, tk, sampleOptions(lv, len(pt)), pt)
			opts := openOpts(tk)
			for b.Loop() {
				if _, err := Open(io.Discard, bytes.NewReader(env), int64(len(env)), opts); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
