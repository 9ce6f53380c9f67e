package synth

import (
	"io"
	"testing"
)

func BenchmarkValue(b *testing.B) {
	for _, typ := range []string{"cn_resident_id", "cn_uscc", "bank_card", "address", "ipv6"} {
		b.Run(typ, func(b *testing.B) {
			g := New(1)
			for b.Loop() {
				_ = g.Value(typ)
			}
		})
	}
}

func BenchmarkNegative(b *testing.B) {
	g := New(1)
	for b.Loop() {
		_, _ = g.Negative()
	}
}

func BenchmarkText10(b *testing.B) {
	g := New(1)
	for b.Loop() {
		_, _ = g.Text(10, nil)
	}
}

func BenchmarkPopulationCSV(b *testing.B) {
	g := New(1)
	for b.Loop() {
		if err := g.WriteCSV(io.Discard, PopulationColumns(), 1, g.PopulationRow); err != nil {
			b.Fatal(err)
		}
	}
}
