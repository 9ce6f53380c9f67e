package classify_test

import (
	"strings"
	"sync"
	"testing"

	"github.com/govshare/govshare/classify"
	"github.com/govshare/govshare/internal/synth"
)

var (
	benchOnce  sync.Once
	bareChunks []string // newline-separated bare mobiles and resident IDs, 64 KiB each
	bareValues int
	mixedText  string // Chinese/English prose with embedded identifiers
)

func benchCorpus() {
	benchOnce.Do(func() {
		g := synth.New(7)
		var b strings.Builder
		for i := range 100_000 {
			if i%2 == 0 {
				b.WriteString(g.Mobile())
			} else {
				b.WriteString(g.ResidentID())
			}
			b.WriteByte('\n')
			bareValues++
			if b.Len() > 64<<10 {
				bareChunks = append(bareChunks, b.String())
				b.Reset()
			}
		}
		if b.Len() > 0 {
			bareChunks = append(bareChunks, b.String())
		}
		b.Reset()
		// Prose with identifiers of every type, and one line in four written
		// as people do (full-width, grouped, prefixed, nested in URLs) or a
		// look-alike that must not be reported.
		written := g.WrittenCorpus(40)
		for k := 0; b.Len() < 4<<20; k++ {
			text, _ := g.Text(10, nil)
			b.WriteString(text)
			b.WriteByte('\n')
			if k%4 == 3 {
				b.WriteString(written[k/4%len(written)].Text)
				b.WriteByte('\n')
			}
		}
		mixedText = b.String()
	})
}

func totalLen(ss []string) (n int) {
	for _, s := range ss {
		n += len(s)
	}
	return n
}

// BenchmarkDetectBare: one op is the whole 100,000-value corpus of bare
// mobiles and resident IDs; values/s is the figure compared with godlp.
func BenchmarkDetectBare(b *testing.B) {
	benchCorpus()
	var d classify.Detector
	var buf []classify.Finding
	b.SetBytes(int64(totalLen(bareChunks)))
	b.ReportAllocs()
	found := 0
	for b.Loop() {
		for _, c := range bareChunks {
			buf = d.AppendDetect(buf[:0], c)
			found += len(buf)
		}
	}
	b.ReportMetric(float64(bareValues)*float64(b.N)/b.Elapsed().Seconds(), "values/s")
	if found != bareValues*b.N {
		b.Fatalf("found %d of %d values", found, bareValues*b.N)
	}
}

// BenchmarkDetectBareAlloc: Detect with a fresh slice per call, to report
// allocation per detected value.
func BenchmarkDetectBareAlloc(b *testing.B) {
	benchCorpus()
	b.ReportAllocs()
	found := 0
	for b.Loop() {
		for _, c := range bareChunks {
			found += len(classify.Detect(c))
		}
	}
	b.ReportMetric(float64(found)/float64(b.N)/float64(bareValues), "found/value")
}

// BenchmarkDetectPerValue: one call per value, as a field-level API is used.
func BenchmarkDetectPerValue(b *testing.B) {
	benchCorpus()
	var d classify.Detector
	var buf []classify.Finding
	values := strings.Fields(bareChunks[0])
	b.ReportAllocs()
	for b.Loop() {
		for _, v := range values {
			buf = d.AppendDetect(buf[:0], v)
		}
	}
	b.ReportMetric(float64(len(values))*float64(b.N)/b.Elapsed().Seconds(), "values/s")
}

// BenchmarkDetectMixed: MB/s on mixed Chinese and English prose with
// identifiers in their written forms.
func BenchmarkDetectMixed(b *testing.B) {
	benchCorpus()
	var d classify.Detector
	var buf []classify.Finding
	b.SetBytes(int64(len(mixedText)))
	b.ReportAllocs()
	for b.Loop() {
		buf = d.AppendDetect(buf[:0], mixedText)
	}
}

// BenchmarkDetectParallel: run with -cpu 1,2 to see scaling with cores.
func BenchmarkDetectParallel(b *testing.B) {
	benchCorpus()
	var d classify.Detector
	b.SetBytes(int64(len(bareChunks[0])))
	b.RunParallel(func(pb *testing.PB) {
		var buf []classify.Finding
		for pb.Next() {
			buf = d.AppendDetect(buf[:0], bareChunks[0])
		}
	})
}

// BenchmarkProfileColumn: classifying a 1,000-value column.
func BenchmarkProfileColumn(b *testing.B) {
	g := synth.New(9)
	vals := make([]string, 1000)
	for i := range vals {
		vals[i] = g.ResidentID()
	}
	var p classify.Profiler
	b.ReportAllocs()
	for b.Loop() {
		p.ProfileColumn("身份证号", vals)
	}
}
