package fpe

import (
	"fmt"
	"math/rand/v2"
	"testing"

	capff1 "github.com/capitalone/fpe/ff1"
)

// Benchmarks report values/s for one goroutine (one core). Compare ours and
// capitalone/fpe on the same 18-digit inputs, key and tweak:
//
//	go test -run '^$' -bench . -benchmem ./crypto/fpe

const benchKey = "2B7E151628AED2A6ABF7158809CF4F3CEF4359D8D580AA4F7F036D6F04FC6A94"

func bench18(b *testing.B) []string {
	rng := rand.New(rand.NewPCG(99, 100))
	in := make([]string, 1024)
	for i := range in {
		in[i] = fmt.Sprintf("%018d", rng.Uint64N(1e18))
	}
	return in
}

func reportRate(b *testing.B) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "values/s")
}

func BenchmarkFF1EncryptString18(b *testing.B) {
	f := testFF1(b)
	in, tweak := bench18(b), []byte("field=tel;recipient=tax")
	i := 0
	for b.Loop() {
		if _, err := f.EncryptString(tweak, in[i&1023], Digits); err != nil {
			b.Fatal(err)
		}
		i++
	}
	reportRate(b)
}

func BenchmarkFF1DecryptString18(b *testing.B) {
	f := testFF1(b)
	in, tweak := bench18(b), []byte("field=tel;recipient=tax")
	i := 0
	for b.Loop() {
		if _, err := f.DecryptString(tweak, in[i&1023], Digits); err != nil {
			b.Fatal(err)
		}
		i++
	}
	reportRate(b)
}

func BenchmarkFF1EncryptNumerals18(b *testing.B) {
	f := testFF1(b)
	in, tweak := bench18(b), []byte("field=tel;recipient=tax")
	xs := make([][]uint16, len(in))
	for i, s := range in {
		xs[i] = toNumerals(s, Digits)
	}
	i := 0
	for b.Loop() {
		if _, err := f.Encrypt(tweak, xs[i&1023]); err != nil {
			b.Fatal(err)
		}
		i++
	}
	reportRate(b)
}

func BenchmarkCapitalOneEncrypt18(b *testing.B) {
	c, err := capff1.NewCipher(10, 64, mustHex(b, benchKey), nil)
	if err != nil {
		b.Fatal(err)
	}
	in, tweak := bench18(b), []byte("field=tel;recipient=tax")
	i := 0
	for b.Loop() {
		if _, err := c.EncryptWithTweak(in[i&1023], tweak); err != nil {
			b.Fatal(err)
		}
		i++
	}
	reportRate(b)
}

func BenchmarkCapitalOneDecrypt18(b *testing.B) {
	c, err := capff1.NewCipher(10, 64, mustHex(b, benchKey), nil)
	if err != nil {
		b.Fatal(err)
	}
	in, tweak := bench18(b), []byte("field=tel;recipient=tax")
	i := 0
	for b.Loop() {
		if _, err := c.DecryptWithTweak(in[i&1023], tweak); err != nil {
			b.Fatal(err)
		}
		i++
	}
	reportRate(b)
}

// BenchmarkFF1EncryptString60 is a 60-digit input: the math/big path.
func BenchmarkFF1EncryptString60(b *testing.B) {
	f := testFF1(b)
	s := "123456789012345678901234567890123456789012345678901234567890"
	for b.Loop() {
		if _, err := f.EncryptString(nil, s, Digits); err != nil {
			b.Fatal(err)
		}
	}
	reportRate(b)
}

func benchIDs(b *testing.B, gen func(*rand.Rand) string, fn func(f *FF1, tweak []byte, s string) (string, error)) {
	f := testFF1(b)
	rng := rand.New(rand.NewPCG(7, 8))
	in := make([]string, 1024)
	for i := range in {
		in[i] = gen(rng)
	}
	tweak := []byte("field;recipient")
	i := 0
	for b.Loop() {
		if _, err := fn(f, tweak, in[i&1023]); err != nil {
			b.Fatal(err)
		}
		i++
	}
	reportRate(b)
}

func residentBench(opts ResidentIDOptions) func(*FF1, []byte, string) (string, error) {
	return func(f *FF1, tweak []byte, s string) (string, error) { return EncryptResidentID(f, tweak, s, opts) }
}

func genRID(rng *rand.Rand) string { return genResidentID(rng, legacyBound) }

func BenchmarkEncryptResidentID(b *testing.B) {
	benchIDs(b, genRID, residentBench(ResidentIDOptions{}))
}
func BenchmarkEncryptResidentIDKeepRegionSex(b *testing.B) {
	benchIDs(b, genRID, residentBench(ResidentIDOptions{KeepRegion: true, KeepSex: true}))
}
func BenchmarkEncryptMobile(b *testing.B)   { benchIDs(b, genMobile, EncryptMobile) }
func BenchmarkEncryptBankCard(b *testing.B) { benchIDs(b, genBankCard, EncryptBankCard) }
func BenchmarkEncryptUSCC(b *testing.B)     { benchIDs(b, genUSCC, EncryptUSCC) }
