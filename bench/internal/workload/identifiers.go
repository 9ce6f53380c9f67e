package workload

import (
	"strings"

	"github.com/govshare/govshare/internal/synth"
)

// Identifiers is the detection benchmarks' corpus: n values from
// internal/synth (seed 42), bare mobiles and resident IDs in turn, one
// definition for bench/godlp and go run ./bench.
func Identifiers(n int) []string {
	g := synth.New(42)
	corpus := make([]string, n)
	for i := range corpus {
		if i%2 == 0 {
			corpus[i] = g.Mobile()
		} else {
			corpus[i] = g.ResidentID()
		}
	}
	return corpus
}

// Chunks joins values with newlines into chunks of at most size bytes.
func Chunks(values []string, size int) []string {
	var out []string
	var b strings.Builder
	for _, v := range values {
		if b.Len()+len(v)+1 > size && b.Len() > 0 {
			out = append(out, b.String())
			b.Reset()
		}
		b.WriteString(v)
		b.WriteByte('\n')
	}
	if b.Len() > 0 {
		out = append(out, b.String())
	}
	return out
}
