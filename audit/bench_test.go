package audit

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"sync"
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

// withTime returns r with its time set to t.
func withTime(r Record, t time.Time) Record {
	switch r := r.(type) {
	case ShareRecord:
		r.Time = t
		return r
	case OpenRecord:
		r.Time = t
		return r
	case RefuseRecord:
		r.Time = t
		return r
	case DisputeRecord:
		r.Time = t
		return r
	}
	return r
}

// signMany signs sample records [from, from+n), record i timed base + i ms,
// on every core.
func signMany(b testing.TB, origin string, from, n int, base time.Time) []SignedRecord {
	out := make([]SignedRecord, n)
	signers := map[string]RecordSigner{}
	for _, d := range []string{"gongan", "minzheng"} {
		signers[d] = deptSigner(b, d)
	}
	var wg sync.WaitGroup
	workers := runtime.GOMAXPROCS(0)
	for w := range workers {
		wg.Go(func() {
			for i := w; i < n; i += workers {
				rec := withTime(sampleRecordID(from+i, fmt.Sprintf("env-%08d", from+i)), base.Add(time.Duration(from+i)*time.Millisecond))
				sr, err := Sign(rec, origin, signers[Actor(rec)])
				if err != nil {
					b.Error(err)
					return
				}
				out[i] = sr
			}
		})
	}
	wg.Wait()
	return out
}

// buildSignedLog writes n signed records to a new log, committing batches
// of 4096 directly (the operator's per-record checks are what the other
// benchmarks measure).
func buildSignedLog(b testing.TB, n int) (string, note.Verifier) {
	s, v, _ := newKeys(b)
	signerOf.Store(v.Name(), s)
	dir := b.(interface{ TempDir() string }).TempDir()
	l, err := Open(dir, s)
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	srs := signMany(b, s.Name(), 0, n, baseTime)
	for start := 0; start < n; start += maxBatch {
		end := min(start+maxBatch, n)
		l.clock = func() time.Time { return baseTime.Add(time.Duration(end) * time.Millisecond) }
		batch := make([]*pending, 0, end-start)
		for _, sr := range srs[start:end] {
			form, err := sr.Marshal()
			if err != nil {
				b.Fatal(err)
			}
			batch = append(batch, &pending{recs: [][]byte{form}, signed: true, recBytes: sr.raw, recTime: recordTime(sr.Record), skew: MaxSkew})
		}
		l.commit(batch)
		for _, p := range batch {
			if p.err != nil {
				b.Fatal(p.err)
			}
		}
	}
	return dir, v
}

// signerOf holds the log key buildSignedLog made last, by origin, for
// tests that append to that log afterwards (mustSignerOf).
var signerOf sync.Map

func mustSignerOf(t testing.TB, dir string) note.Signer {
	t.Helper()
	ck, err := os.ReadFile(filepath.Join(dir, checkpointFile))
	if err != nil {
		t.Fatal(err)
	}
	c, err := ParseCheckpoint(bodyOf(ck))
	if err != nil {
		t.Fatal(err)
	}
	s, ok := signerOf.Load(c.Origin)
	if !ok {
		t.Fatal("no signer for " + c.Origin)
	}
	return s.(note.Signer)
}

// sha256Files hashes the log's files as one stream: the baseline for
// Verify, which must read and hash at least that much.
func sha256Files(b testing.TB, dir string) {
	h := sha256.New()
	for _, name := range []string{recordsFile, hashesFile} {
		f, err := os.Open(filepath.Join(dir, name))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := io.CopyBuffer(h, f, make([]byte, 256<<10)); err != nil {
			b.Fatal(err)
		}
		f.Close()
	}
	h.Sum(nil)
}

// BenchmarkVerify100k: Verify of a log of 10⁵ signed records (form, times,
// duplicates, every stored hash, the root, the checkpoint) against the time
// to SHA-256 its files on one core, interleaved in the same run. The goal is
// a ratio within 3. verify-1-core/sha256 is the same with Verify on one
// goroutine (VerifyOptions.Workers = 1).
func BenchmarkVerify100k(b *testing.B) {
	dir, v := buildSignedLog(b, 100_000)
	var shaTime, verifyTime time.Duration
	var size int64
	for _, name := range []string{recordsFile, hashesFile} {
		st, _ := os.Stat(filepath.Join(dir, name))
		size += st.Size()
	}
	var oneTime time.Duration
	for b.Loop() {
		t0 := time.Now()
		sha256Files(b, dir)
		t1 := time.Now()
		if _, err := Verify(dir, v); err != nil {
			b.Fatal(err)
		}
		t2 := time.Now()
		if _, err := VerifyDir(dir, v, VerifyOptions{Workers: 1}); err != nil {
			b.Fatal(err)
		}
		shaTime += t1.Sub(t0)
		verifyTime += t2.Sub(t1)
		oneTime += time.Since(t2)
	}
	b.ReportMetric(float64(shaTime.Milliseconds())/float64(b.N), "sha256-ms")
	b.ReportMetric(float64(verifyTime.Milliseconds())/float64(b.N), "verify-ms")
	b.ReportMetric(float64(verifyTime)/float64(shaTime), "verify/sha256")
	b.ReportMetric(float64(oneTime)/float64(shaTime), "verify-1-core/sha256")
	b.ReportMetric(float64(size)/(1<<20), "MiB")
}

// BenchmarkVerify100kSignatures: the same log, with every record's
// signature checked against the departments' keys (Ed25519, on every
// core).
func BenchmarkVerify100kSignatures(b *testing.B) {
	dir, v := buildSignedLog(b, 100_000)
	reg := testRegistry(b)
	for b.Loop() {
		if _, err := VerifyDir(dir, v, VerifyOptions{Registry: reg}); err != nil {
			b.Fatal(err)
		}
	}
	reportRate(b, b.N*100_000, "records/s")
}

// BenchmarkAppendHTTP: signed appends from 32 concurrent clients through
// "log serve" on loopback (each receipt checked by its client), against 32
// goroutines appending the same kind of records to the operator in the
// same process, in the same run. The goal is a ratio of at least 0.5.
func BenchmarkAppendHTTP(b *testing.B) {
	const clients, perRound = 32, 3200
	s, v, _ := newKeys(b)
	l, err := Open(b.TempDir(), s)
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	op, _ := NewOperator(l, testRegistry(b))
	srv := NewServer(op, nil)
	hs := httptest.NewServer(srv)
	defer hs.Close()
	c, err := Dial(context.Background(), hs.URL, v, ClientOptions{})
	if err != nil {
		b.Fatal(err)
	}
	run := func(app Appender, recs []SignedRecord) time.Duration {
		var wg sync.WaitGroup
		start := time.Now()
		for w := range clients {
			wg.Go(func() {
				for i := w; i < len(recs); i += clients {
					if _, err := app.Append(context.Background(), recs[i]); err != nil {
						b.Error(err)
						return
					}
				}
			})
		}
		wg.Wait()
		return time.Since(start)
	}
	var local, remote time.Duration
	next := 0
	for b.Loop() {
		b.StopTimer()
		base := time.Now().Add(-time.Duration(next+2*perRound) * time.Millisecond)
		recs := signMany(b, op.Origin(), next, 2*perRound, base)
		next += 2 * perRound
		b.StartTimer()
		local += run(op, recs[:perRound])
		remote += run(c, recs[perRound:])
	}
	n := float64(b.N * perRound)
	b.ReportMetric(n/local.Seconds(), "local-appends/s")
	b.ReportMetric(n/remote.Seconds(), "http-appends/s")
	b.ReportMetric(local.Seconds()/remote.Seconds(), "http/local")
}

// BenchmarkServe: proofs and tiles served by "log serve" on loopback to 32
// concurrent clients, from a log of 2¹⁶ records. The goal is at least
// 5,000 requests/s.
func BenchmarkServe(b *testing.B) {
	const n = 1 << 16
	l, _, v := benchLog(b)
	ctx := context.Background()
	batch := make([]Record, 0, maxBatch)
	for i := 0; i < n; i++ {
		batch = append(batch, sampleRecord(i))
		if len(batch) == maxBatch {
			if _, err := l.AppendAll(ctx, batch); err != nil {
				b.Fatal(err)
			}
			batch = batch[:0]
		}
	}
	op, _ := NewOperator(l, testRegistry(b))
	hs := httptest.NewServer(NewServer(op, nil))
	defer hs.Close()
	if _, err := Dial(ctx, hs.URL, v, ClientOptions{}); err != nil {
		b.Fatal(err)
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 64
	hc := &http.Client{Transport: tr}
	for _, kind := range []string{"inclusion", "consistency", "tile", "entries"} {
		b.Run(kind, func(b *testing.B) {
			b.SetParallelism(16) // 2 cores here: 32 clients
			b.RunParallel(func(pb *testing.PB) {
				rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
				for pb.Next() {
					var u string
					switch kind {
					case "inclusion":
						u = fmt.Sprintf("/proof/inclusion?index=%d&size=%d", rng.IntN(n), n)
					case "consistency":
						u = fmt.Sprintf("/proof/consistency?old=%d&new=%d", 1+rng.IntN(n-1), n)
					case "tile": // a level-0 tile, or the one full level-1 tile
						if rng.IntN(8) == 0 {
							u = "/tile/" + tilePath(1, 0, 256)
						} else {
							u = "/tile/" + tilePath(0, int64(rng.IntN(n>>8)), 256)
						}
					case "entries":
						u = "/tile/" + tilePath(-1, int64(rng.IntN(n>>8)), 256)
					}
					resp, err := hc.Get(hs.URL + u)
					if err != nil {
						b.Error(err)
						return
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != http.StatusOK {
						b.Errorf("%s: %s", u, resp.Status)
						return
					}
				}
			})
			reportRate(b, b.N, "req/s")
		})
	}
}
