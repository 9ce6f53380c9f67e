package audit

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"
)

func benchLog(b *testing.B) (*Log, string, note.Verifier) {
	b.Helper()
	s, v, _ := newKeys(b)
	dir := b.TempDir()
	l, err := Open(dir, s)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { l.Close() })
	return l, dir, v
}

func reportRate(b *testing.B, records int, unit string) {
	b.ReportMetric(float64(records)/b.Elapsed().Seconds(), unit)
}

// BenchmarkAppend: one appender, each Append durable (hashes fsync, records
// fsync, checkpoint write+fsync+rename+dir fsync) before it returns.
func BenchmarkAppend(b *testing.B) {
	l, _, _ := benchLog(b)
	ctx := context.Background()
	recs := make([]Record, 64)
	for i := range recs {
		recs[i] = sampleRecord(i)
	}
	for i := 0; b.Loop(); i++ {
		if _, err := l.Append(ctx, recs[i%len(recs)]); err != nil {
			b.Fatal(err)
		}
	}
	reportRate(b, b.N, "appends/s")
}

// BenchmarkAppendConcurrent: 8, 32 and 128 goroutines appending; group
// commit turns them into one durable commit per batch.
func BenchmarkAppendConcurrent(b *testing.B) {
	for _, g := range []int{8, 32, 128} {
		b.Run(fmt.Sprintf("goroutines=%d", g), func(b *testing.B) {
			l, _, _ := benchLog(b)
			ctx := context.Background()
			b.SetParallelism((g + 1) / 2) // GOMAXPROCS is 2 here; the product is the goroutine count
			b.RunParallel(func(pb *testing.PB) {
				i := 0
				for pb.Next() {
					if _, err := l.Append(ctx, sampleRecord(i)); err != nil {
						b.Error(err)
						return
					}
					i++
				}
			})
			reportRate(b, b.N, "appends/s")
		})
	}
}

// BenchmarkAppendAll: one caller, 100 records per durable commit.
func BenchmarkAppendAll(b *testing.B) {
	l, _, _ := benchLog(b)
	ctx := context.Background()
	batch := make([]Record, 100)
	for i := range batch {
		batch[i] = sampleRecord(i)
	}
	for b.Loop() {
		if _, err := l.AppendAll(ctx, batch); err != nil {
			b.Fatal(err)
		}
	}
	reportRate(b, b.N*len(batch), "records/s")
}

// BenchmarkMillion builds a 10⁶-record log once (AppendAll in batches of
// 4096) and measures proofs against it, reopening it, and Verify.
func BenchmarkMillion(b *testing.B) {
	const n = 1_000_000
	l, dir, v := benchLog(b)
	s := l.signer
	ctx := context.Background()
	start := time.Now()
	batch := make([]Record, 0, maxBatch)
	for i := 0; i < n; i++ {
		batch = append(batch, sampleRecord(i))
		if len(batch) == maxBatch || i == n-1 {
			if _, err := l.AppendAll(ctx, batch); err != nil {
				b.Fatal(err)
			}
			batch = batch[:0]
		}
	}
	b.Logf("built %d records in %v", n, time.Since(start).Round(time.Millisecond))
	rng := rand.New(rand.NewPCG(3, 4))

	b.Run("inclusion", func(b *testing.B) {
		bytes := 0
		for b.Loop() {
			p, err := l.InclusionProof(uint64(rng.IntN(n)), n)
			if err != nil {
				b.Fatal(err)
			}
			bytes += len(p) * HashSize
		}
		b.ReportMetric(float64(bytes)/float64(b.N), "proof-bytes")
	})
	b.Run("consistency", func(b *testing.B) {
		bytes := 0
		for b.Loop() {
			p, err := l.ConsistencyProof(uint64(1+rng.IntN(n-1)), n)
			if err != nil {
				b.Fatal(err)
			}
			bytes += len(p) * HashSize
		}
		b.ReportMetric(float64(bytes)/float64(b.N), "proof-bytes")
	})
	b.Run("append-at-1M", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			if _, err := l.Append(ctx, sampleRecord(i)); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("open", func(b *testing.B) {
		for b.Loop() {
			l2, err := Open(dir, s)
			if err != nil {
				b.Fatal(err)
			}
			l2.Close()
		}
	})
	b.Run("verify", func(b *testing.B) {
		for b.Loop() {
			if _, err := Verify(dir, v); err != nil {
				b.Fatal(err)
			}
		}
	})
}
