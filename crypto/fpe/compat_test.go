package fpe

import (
	"math/rand/v2"
	"testing"

	capff1 "github.com/capitalone/fpe/ff1"
)

// TestCapitalOneAgreement is a second opinion: capitalone/fpe v1.2.1's ff1
// (used from one goroutine, as it is not safe to share) must give the same
// ciphertexts as ours on 100,000 random 18-digit numbers with random tweaks
// (radix 10) and on a few thousand radix-36 strings of assorted lengths,
// over all three AES key sizes. Lengths past 38 digits also cover our
// math/big path.
func TestCapitalOneAgreement(t *testing.T) {
	rng := rand.New(rand.NewPCG(20, 21))
	randBytes := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		return b
	}
	randString := func(n int, alphabet string) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
		return string(b)
	}
	check := func(radix, count int, length func() int) {
		alphabet := Base36[:radix]
		for _, kl := range []int{16, 24, 32} {
			key := randBytes(kl)
			ours, err := NewFF1(key, radix)
			if err != nil {
				t.Fatal(err)
			}
			theirs, err := capff1.NewCipher(radix, 64, key, nil)
			if err != nil {
				t.Fatal(err)
			}
			for i := range count / 3 {
				x := randString(length(), alphabet)
				tweak := randBytes(rng.IntN(65))
				want, err := theirs.EncryptWithTweak(x, tweak)
				if err != nil {
					t.Fatal(err)
				}
				got, err := ours.EncryptString(tweak, x, alphabet)
				if err != nil {
					t.Fatal(err)
				}
				if got != want {
					t.Fatalf("radix %d key %d case %d (length %d, tweak %d): ciphertexts differ", radix, kl, i, len(x), len(tweak))
				}
				back, err := ours.DecryptString(tweak, got, alphabet)
				if err != nil || back != x {
					t.Fatalf("radix %d key %d case %d: round trip failed (%v)", radix, kl, i, err)
				}
			}
		}
	}
	n := 100_000
	if testing.Short() {
		n = 3_000
	} else if raceEnabled {
		n = 10_000
	}
	check(10, n, func() int { return 18 })
	check(10, 600, func() int { return 6 + rng.IntN(80) })
	check(36, 3_000, func() int { return 4 + rng.IntN(40) })
	check(2, 300, func() int { return 20 + rng.IntN(150) })
}
