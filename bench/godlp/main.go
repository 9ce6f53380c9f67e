// Command godlp measures govshare's free-text detector side by side with
// bytedance/godlp v1.2.15 Deidentify on one corpus of 1,000,000 bare mobile
// numbers and resident IDs, in one run, so the ratio holds on a noisy
// machine. It lives in its own module so godlp never enters the library's
// dependencies.
//
//	cd bench && go run ./godlp [-values 1000000] [-chunk 65536]
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"runtime"
	"sync"
	"time"

	dlp "github.com/bytedance/godlp"
	"github.com/govshare/govshare/classify"

	"github.com/govshare/govshare/bench/internal/workload"
)

func main() {
	values := flag.Int("values", 1_000_000, "values in the corpus (half mobiles, half resident IDs)")
	chunk := flag.Int("chunk", 64<<10, "bytes per call: both detectors get the same newline-separated chunks")
	perValue := flag.Int("per-value", 20000, "values for the one-call-per-value comparison")
	cli := flag.Bool("cli", false, "time 'govshare detect --json FILE' and a godlp program doing the same, as whole processes")
	runs := flag.Int("runs", 5, "with -cli: runs of govshare detect; the best counts (godlp runs once)")
	dir := flag.String("dir", "", "with -cli: keep the corpus, binaries and outputs in this directory (default: a temporary one, removed)")
	flag.Parse()
	log.SetFlags(0)
	if *cli {
		n := 100_000
		flag.Visit(func(f *flag.Flag) {
			if f.Name == "values" {
				n = *values
			}
		})
		if err := runCLI(n, *runs, *dir); err != nil {
			log.Fatal(err)
		}
		return
	}

	corpus := workload.Identifiers(*values)
	chunks := workload.Chunks(corpus, *chunk)
	bytesTotal := 0
	for _, c := range chunks {
		bytesTotal += len(c)
	}
	fmt.Printf("corpus: %d values (bare mobiles and resident IDs), %d bytes, %d chunks of ≤%d bytes; GOMAXPROCS=%d\n",
		len(corpus), bytesTotal, len(chunks), *chunk, runtime.GOMAXPROCS(0))

	// govshare, one goroutine and two, each the best of several passes so
	// a moment of load from another process does not decide the figure.
	var d classify.Detector
	var buf []classify.Finding
	found := 0
	ours := best(7, func() {
		found = 0
		for _, c := range chunks {
			buf = d.AppendDetect(buf[:0], c)
			found += len(buf)
		}
	})
	fmt.Printf("govshare Detect, 1 goroutine:  %8.3fs  %12.0f values/s  %7.1f MB/s  found %d\n",
		ours.Seconds(), float64(len(corpus))/ours.Seconds(), float64(bytesTotal)/ours.Seconds()/1e6, found)
	ours2 := best(7, func() {
		var wg sync.WaitGroup
		for w := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var b []classify.Finding
				for i := w; i < len(chunks); i += 2 {
					b = d.AppendDetect(b[:0], chunks[i])
				}
			}()
		}
		wg.Wait()
	})
	fmt.Printf("govshare Detect, 2 goroutines: %8.3fs  %12.0f values/s  scaling %.2fx\n",
		ours2.Seconds(), float64(len(corpus))/ours2.Seconds(), ours.Seconds()/ours2.Seconds())

	// godlp, same chunks.
	eng, err := dlp.NewEngine("govshare.bench")
	if err != nil {
		log.Fatal(err)
	}
	if err := eng.ApplyConfigDefault(); err != nil {
		log.Fatal(err)
	}
	defer eng.Close()
	// godlp logs each call to stderr; keep the output readable.
	devnull, _ := os.Open(os.DevNull)
	stderr := os.Stderr
	os.Stderr = devnull
	start := time.Now()
	theirFound := 0
	for _, c := range chunks {
		_, res, err := eng.Deidentify(c)
		if err != nil {
			os.Stderr = stderr
			log.Fatal(err)
		}
		theirFound += len(res)
	}
	theirs := time.Since(start)
	os.Stderr = stderr
	fmt.Printf("godlp Deidentify, chunks:      %8.3fs  %12.0f values/s  found %d\n",
		theirs.Seconds(), float64(len(corpus))/theirs.Seconds(), theirFound)
	fmt.Printf("ratio (chunks, 1 goroutine each): govshare is %.0fx godlp\n", theirs.Seconds()/ours.Seconds())

	// One call per value, as a field-level API would be used.
	n := min(*perValue, len(corpus))
	start = time.Now()
	for _, v := range corpus[:n] {
		buf = d.AppendDetect(buf[:0], v)
	}
	oursPV := time.Since(start)
	start = time.Now()
	for _, v := range corpus[:n] {
		if _, _, err := eng.Deidentify(v); err != nil {
			log.Fatal(err)
		}
	}
	theirsPV := time.Since(start)
	fmt.Printf("per value (%d values): govshare %12.0f values/s, godlp %10.0f values/s, ratio %.0fx\n",
		n, float64(n)/oursPV.Seconds(), float64(n)/theirsPV.Seconds(), theirsPV.Seconds()/oursPV.Seconds())
}

// best returns the shortest of n timed runs of f.
func best(n int, f func()) time.Duration {
	var min time.Duration
	for i := range n {
		start := time.Now()
		f()
		if d := time.Since(start); i == 0 || d < min {
			min = d
		}
	}
	return min
}
