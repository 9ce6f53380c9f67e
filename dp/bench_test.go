package dp

import (
	"fmt"
	"iter"
	"strconv"
	"testing"
)

const benchRows = 1_000_000

// benchInput yields 1,000,000 rows over 250,000 persons (4 rows each) in 16
// districts, reusing one row slice the way csv.Reader.ReuseRecord does, so
// the benchmark measures the aggregation and not test-data allocation.
func benchInput() ([]string, iter.Seq2[[]string, error]) {
	const persons, districts = 250_000, 16
	ids := make([]string, persons)
	for i := range ids {
		ids[i] = fmt.Sprintf("11010519%09d", i)
	}
	groups := make([]string, districts)
	for i := range groups {
		groups[i] = "district-" + strconv.Itoa(i)
	}
	ages := make([]string, 100)
	for i := range ages {
		ages[i] = strconv.Itoa(i)
	}
	header := []string{"id", "district", "age"}
	return header, func(yield func([]string, error) bool) {
		row := make([]string, 3)
		for i := 0; i < benchRows; i++ {
			p := (i * 7919) % persons // interleave a person's rows
			row[0], row[1], row[2] = ids[p], groups[p%districts], ages[(p+i)%100]
			if !yield(row, nil) {
				return
			}
		}
	}
}

func benchRun(b *testing.B, opts Options) {
	header, rows := benchInput()
	b.ResetTimer()
	for b.Loop() {
		rep, _, err := Run(opts, rows, header, unbudgeted)
		if err != nil {
			b.Fatal(err)
		}
		if len(rep.Results) == 0 {
			b.Fatal("no groups released")
		}
	}
	b.ReportMetric(float64(benchRows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkGroupedCount1M: grouped count with partition selection, L = 1, C = 1.
func BenchmarkGroupedCount1M(b *testing.B) {
	benchRun(b, Options{Epsilon: 1, Delta: 1e-6, Person: "id", GroupBy: "district", Kind: KindCount})
}

// BenchmarkMean1M: ungrouped mean of ages, C = 4 (every row of a person kept).
func BenchmarkMean1M(b *testing.B) {
	benchRun(b, Options{Epsilon: 1, Person: "id", Kind: KindMean, Column: "age", Lower: 0, Upper: 100, MaxContributionsPerPartition: 4})
}

// BenchmarkGroupedMean1M: grouped mean, L = 1, C = 4.
func BenchmarkGroupedMean1M(b *testing.B) {
	benchRun(b, Options{Epsilon: 1, Delta: 1e-6, Person: "id", GroupBy: "district", Kind: KindMean, Column: "age",
		Lower: 0, Upper: 100, MaxContributionsPerPartition: 4})
}
