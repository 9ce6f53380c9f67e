package harness

import (
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"sync"
	"time"

	dlp "github.com/bytedance/godlp"
	capff1 "github.com/capitalone/fpe/ff1"
	"github.com/govshare/govshare/classify"
	"github.com/govshare/govshare/crypto/fpe"

	"github.com/govshare/govshare/bench/internal/workload"
)

// detect: classify's free-text detector against bytedance/godlp v1.2.15
// Deidentify on one corpus of bare mobiles and resident IDs, in the same
// newline-separated chunks, one goroutine each; then one call per value
// (bench/godlp is the full version).
func (r *runner) detect() error {
	n := r.size(2_000, 20_000, 200_000)
	corpus := workload.Identifiers(n)
	chunks := workload.Chunks(corpus, 64<<10)
	var d classify.Detector
	var buf []classify.Finding
	found := 0
	ours, err := best(r.size(2, 5, 7), func() error {
		found = 0
		for _, c := range chunks {
			buf = d.AppendDetect(buf[:0], c)
			found += len(buf)
		}
		return nil
	})
	if err != nil {
		return err
	}
	ours2, err := best(r.size(2, 5, 7), func() error {
		var wg sync.WaitGroup
		for w := range 2 {
			wg.Go(func() {
				var b []classify.Finding
				for i := w; i < len(chunks); i += 2 {
					b = d.AppendDetect(b[:0], chunks[i])
				}
			})
		}
		wg.Wait()
		return nil
	})
	if err != nil {
		return err
	}

	eng, err := dlp.NewEngine("govshare.bench")
	if err != nil {
		return err
	}
	defer eng.Close()
	if err := eng.ApplyConfigDefault(); err != nil {
		return err
	}
	// godlp logs every call to stderr.
	restore := quietStderr()
	theirFound := 0
	start := time.Now()
	for _, c := range chunks {
		_, res, err := eng.Deidentify(c)
		if err != nil {
			restore()
			return err
		}
		theirFound += len(res)
	}
	theirs := time.Since(start)

	pv := min(n, r.size(500, 5_000, 20_000))
	oursPV, err := best(r.size(2, 5, 7), func() error {
		for _, v := range corpus[:pv] {
			buf = d.AppendDetect(buf[:0], v)
		}
		return nil
	})
	if err != nil {
		restore()
		return err
	}
	start = time.Now()
	for _, v := range corpus[:pv] {
		if _, _, err := eng.Deidentify(v); err != nil {
			restore()
			return err
		}
	}
	theirsPV := time.Since(start)
	restore()

	rate := func(k int, d time.Duration) float64 { return float64(k) / d.Seconds() }
	r.rep.Comparisons = append(r.rep.Comparisons, Comparison{
		ID:       "detect",
		Title:    fmt.Sprintf("Free-text detection vs bytedance/godlp v1.2.15 (%d bare mobiles and resident IDs, 64 KiB chunks)", n),
		Command:  "cd bench && go run ./godlp",
		Baseline: "godlp Deidentify, chunks",
		Goal:     "govshare ≥ 100× godlp; 2 goroutines ≥ 1.7× one",
		Results: []Result{
			{Name: "godlp Deidentify, chunks", Value: rate(n, theirs), Unit: "values/s", Note: fmt.Sprintf("found %d; one run", theirFound)},
			{Name: "govshare Detect, chunks, 1 goroutine", Value: rate(n, ours), Unit: "values/s", Note: fmt.Sprintf("found %d; best of runs", found)},
			{Name: "govshare Detect, chunks, 2 goroutines", Value: rate(n, ours2), Unit: "values/s",
				Note: fmt.Sprintf("%.2f× one goroutine", ours.Seconds()/ours2.Seconds())},
		},
	}, Comparison{
		ID:       "detect-per-value",
		Title:    fmt.Sprintf("Free-text detection vs godlp, one call per value (%d values)", pv),
		Command:  "cd bench && go run ./godlp",
		Baseline: "godlp Deidentify",
		Results: []Result{
			{Name: "godlp Deidentify", Value: rate(pv, theirsPV), Unit: "values/s"},
			{Name: "govshare Detect", Value: rate(pv, oursPV), Unit: "values/s", Note: "best of runs; godlp runs once"},
		},
	})
	return nil
}

// quietStderr points os.Stderr at /dev/null until the returned function
// restores it.
func quietStderr() func() {
	devnull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		return func() {}
	}
	old := os.Stderr
	os.Stderr = devnull
	return func() {
		os.Stderr = old
		devnull.Close()
	}
}

// ff1: our FF1 against capitalone/fpe v1.2.1 on the same 18-digit inputs,
// key and tweak (crypto/fpe's benchmarks are the full version; a test
// there checks the ciphertexts are identical).
func (r *runner) ff1() error {
	key, _ := hex.DecodeString("2B7E151628AED2A6ABF7158809CF4F3CEF4359D8D580AA4F7F036D6F04FC6A94")
	ours, err := fpe.NewFF1(key, 10)
	if err != nil {
		return err
	}
	theirs, err := capff1.NewCipher(10, 64, key, nil)
	if err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(99, 100))
	in := make([]string, 1024)
	for i := range in {
		in[i] = fmt.Sprintf("%018d", rng.Uint64N(1e18))
	}
	tweak := []byte("field=tel;recipient=tax")
	target := time.Duration(r.size(20, 300, 1000)) * time.Millisecond
	var i int
	cases := []struct {
		name string
		op   func() error
	}{
		{"capitalone/fpe Encrypt", func() error { _, err := theirs.EncryptWithTweak(in[i&1023], tweak); i++; return err }},
		{"govshare FF1 EncryptString", func() error { _, err := ours.EncryptString(tweak, in[i&1023], fpe.Digits); i++; return err }},
		{"capitalone/fpe Decrypt", func() error { _, err := theirs.DecryptWithTweak(in[i&1023], tweak); i++; return err }},
		{"govshare FF1 DecryptString", func() error { _, err := ours.DecryptString(tweak, in[i&1023], fpe.Digits); i++; return err }},
	}
	var res [4]time.Duration
	for round := range r.size(1, 2, 3) {
		for j, c := range cases {
			d, err := perOp(target, c.op)
			if err != nil {
				return err
			}
			if round == 0 || d < res[j] {
				res[j] = d
			}
		}
	}
	for _, dir := range []struct{ name, base string }{{"encrypt", "capitalone/fpe Encrypt"}, {"decrypt", "capitalone/fpe Decrypt"}} {
		c := Comparison{
			ID:       "ff1-" + dir.name,
			Title:    "FF1 " + dir.name + " vs capitalone/fpe v1.2.1 (18 decimal digits, AES-256, one core)",
			Command:  "go test -run '^$' -bench . -benchmem -benchtime 300ms ./crypto/fpe",
			Baseline: dir.base,
			Goal:     "≥ 2× capitalone/fpe",
		}
		for j, cs := range cases {
			if strings.Contains(strings.ToLower(cs.name), dir.name) {
				c.Results = append(c.Results, Result{Name: cs.name, Value: float64(res[j].Nanoseconds()), Unit: "ns/op"})
			}
		}
		r.rep.Comparisons = append(r.rep.Comparisons, c)
	}
	return nil
}
