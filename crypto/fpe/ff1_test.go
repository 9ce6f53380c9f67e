package fpe

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
)

// nistVectors are Samples 1–9 of NIST's FF1samples.pdf (SP 800-38G
// examples): AES-128, -192, -256; radix 10 without and with a tweak, and
// radix 36.
var nistVectors = []struct {
	sample            int
	key, tweak        string
	radix             int
	plain, ciphertext string
}{
	{1, "2B7E151628AED2A6ABF7158809CF4F3C", "", 10, "0123456789", "2433477484"},
	{2, "2B7E151628AED2A6ABF7158809CF4F3C", "39383736353433323130", 10, "0123456789", "6124200773"},
	{3, "2B7E151628AED2A6ABF7158809CF4F3C", "3737373770717273373737", 36, "0123456789abcdefghi", "a9tv40mll9kdu509eum"},
	{4, "2B7E151628AED2A6ABF7158809CF4F3CEF4359D8D580AA4F", "", 10, "0123456789", "2830668132"},
	{5, "2B7E151628AED2A6ABF7158809CF4F3CEF4359D8D580AA4F", "39383736353433323130", 10, "0123456789", "2496655549"},
	{6, "2B7E151628AED2A6ABF7158809CF4F3CEF4359D8D580AA4F", "3737373770717273373737", 36, "0123456789abcdefghi", "xbj3kv35jrawxv32ysr"},
	{7, "2B7E151628AED2A6ABF7158809CF4F3CEF4359D8D580AA4F7F036D6F04FC6A94", "", 10, "0123456789", "6657667009"},
	{8, "2B7E151628AED2A6ABF7158809CF4F3CEF4359D8D580AA4F7F036D6F04FC6A94", "39383736353433323130", 10, "0123456789", "1001623463"},
	{9, "2B7E151628AED2A6ABF7158809CF4F3CEF4359D8D580AA4F7F036D6F04FC6A94", "3737373770717273373737", 36, "0123456789abcdefghi", "xs8a0azh2avyalyzuwd"},
}

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func toNumerals(s, alphabet string) []uint16 {
	x := make([]uint16, len(s))
	for i := range s {
		x[i] = uint16(strings.IndexByte(alphabet, s[i]))
	}
	return x
}

func fromNumerals(x []uint16, alphabet string) string {
	b := make([]byte, len(x))
	for i, d := range x {
		b[i] = alphabet[d]
	}
	return string(b)
}

func alphabetFor(radix int) string { return Base36[:radix] }

// TestNISTSamples checks all nine published FF1 samples both ways, through
// the numeral API, the string API, and the math/big path.
func TestNISTSamples(t *testing.T) {
	for _, v := range nistVectors {
		t.Run(fmt.Sprintf("Sample%d", v.sample), func(t *testing.T) {
			f, err := NewFF1(mustHex(t, v.key), v.radix)
			if err != nil {
				t.Fatal(err)
			}
			tweak := mustHex(t, v.tweak)
			alpha := alphabetFor(v.radix)

			ct, err := f.EncryptString(tweak, v.plain, alpha)
			if err != nil || ct != v.ciphertext {
				t.Fatalf("EncryptString = %q, %v; want %q", ct, err, v.ciphertext)
			}
			pt, err := f.DecryptString(tweak, v.ciphertext, alpha)
			if err != nil || pt != v.plain {
				t.Fatalf("DecryptString = %q, %v; want %q", pt, err, v.plain)
			}

			x := toNumerals(v.plain, alpha)
			y, err := f.Encrypt(tweak, x)
			if err != nil || fromNumerals(y, alpha) != v.ciphertext {
				t.Fatalf("Encrypt = %v, %v", y, err)
			}
			if fromNumerals(x, alpha) != v.plain {
				t.Fatal("Encrypt modified its input")
			}
			z, err := f.Decrypt(tweak, y)
			if err != nil || fromNumerals(z, alpha) != v.plain {
				t.Fatalf("Decrypt = %v, %v", z, err)
			}

			out := make([]uint16, len(x))
			if err := f.crypt(true, v.radix, tweak, x, out, false); err != nil || fromNumerals(out, alpha) != v.ciphertext {
				t.Fatalf("big path encrypt = %v, %v", out, err)
			}
			if err := f.crypt(false, v.radix, tweak, out, out, false); err != nil || fromNumerals(out, alpha) != v.plain {
				t.Fatalf("big path decrypt = %v, %v", out, err)
			}
		})
	}
}

// TestFastMatchesBig compares the uint64 path with the math/big path on
// every length where the fast path applies, for several radices and tweak
// lengths (including ones that put the round byte in an earlier block).
func TestFastMatchesBig(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	key := make([]byte, 32)
	for i := range key {
		key[i] = byte(rng.Uint32())
	}
	for _, radix := range []int{2, 3, 7, 10, 16, 26, 31, 36, 62, 255, 256, 1000, 65535, 65536} {
		f, err := NewFF1(key, radix)
		if err != nil {
			t.Fatal(err)
		}
		for n := f.MinLen(); ; n++ {
			if _, ok := pow64(uint64(radix), n-n/2); !ok {
				break
			}
			for _, tl := range []int{0, 1, 5, 15, 16, 17, 31, 40} {
				tweak := make([]byte, tl)
				for i := range tweak {
					tweak[i] = byte(rng.Uint32())
				}
				x := make([]uint16, n)
				for i := range x {
					x[i] = uint16(rng.IntN(radix))
				}
				fast := make([]uint16, n)
				slow := make([]uint16, n)
				if err := f.crypt(true, radix, tweak, x, fast, true); err != nil {
					t.Fatal(err)
				}
				if err := f.crypt(true, radix, tweak, x, slow, false); err != nil {
					t.Fatal(err)
				}
				if !equal16(fast, slow) {
					t.Fatalf("radix %d n %d tweak %d: fast and big paths differ", radix, n, tl)
				}
				back := make([]uint16, n)
				if err := f.crypt(false, radix, tweak, fast, back, true); err != nil || !equal16(back, x) {
					t.Fatalf("radix %d n %d tweak %d: fast round trip failed (%v)", radix, n, tl, err)
				}
			}
		}
	}
}

func equal16(a, b []uint16) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestLongRoundTrip exercises the math/big path on long inputs (several
// S blocks, b > 16) and checks the ciphertext changes with the tweak.
func TestLongRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, radix := range []int{2, 10, 36, 65536} {
		f, err := NewFF1(bytes.Repeat([]byte{7}, 16), radix)
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range []int{40, 77, 200, 1001, 5000} {
			x := make([]uint16, n)
			for i := range x {
				x[i] = uint16(rng.IntN(radix))
			}
			y, err := f.Encrypt([]byte("tweak"), x)
			if err != nil {
				t.Fatal(err)
			}
			y2, err := f.Encrypt([]byte("tweal"), x)
			if err != nil {
				t.Fatal(err)
			}
			if equal16(y, x) || equal16(y, y2) {
				t.Fatalf("radix %d n %d: ciphertext equals plaintext or ignores the tweak", radix, n)
			}
			for _, d := range y {
				if int(d) >= radix {
					t.Fatalf("radix %d n %d: numeral out of radix", radix, n)
				}
			}
			z, err := f.Decrypt([]byte("tweak"), y)
			if err != nil || !equal16(z, x) {
				t.Fatalf("radix %d n %d: round trip failed (%v)", radix, n, err)
			}
		}
	}
}

func TestErrors(t *testing.T) {
	key := make([]byte, 16)
	if _, err := NewFF1(make([]byte, 15), 10); !errors.Is(err, ErrKeySize) {
		t.Errorf("15-byte key: %v", err)
	}
	for _, r := range []int{-1, 0, 1, 65537} {
		if _, err := NewFF1(key, r); !errors.Is(err, ErrRadix) {
			t.Errorf("radix %d: %v", r, err)
		}
	}
	f, _ := NewFF1(key, 10)
	if f.MinLen() != 6 {
		t.Errorf("radix 10 MinLen = %d, want 6", f.MinLen())
	}
	if _, err := f.EncryptString(nil, "12345", Digits); !errors.Is(err, ErrLength) {
		t.Errorf("5 digits: %v", err)
	}
	if _, err := f.EncryptString(nil, "123456", Digits); err != nil {
		t.Errorf("6 digits: %v", err)
	}
	_, err := f.EncryptString(nil, "1234a67890", Digits)
	if !errors.Is(err, ErrSymbol) || !strings.Contains(err.Error(), "position 4") || strings.Contains(err.Error(), "1234") {
		t.Errorf("bad symbol: %v", err)
	}
	if !strings.HasPrefix(err.Error(), "govshare/fpe: ") {
		t.Errorf("error prefix: %v", err)
	}
	if _, err := f.Encrypt(nil, []uint16{1, 2, 3, 4, 5, 10}); !errors.Is(err, ErrSymbol) {
		t.Errorf("numeral 10 in radix 10: %v", err)
	}
	if _, err := f.EncryptString(nil, "123456", Base36); !errors.Is(err, ErrAlphabet) {
		t.Errorf("alphabet length: %v", err)
	}
	if _, err := f.EncryptString(nil, "123456", "0123456780"); !errors.Is(err, ErrAlphabet) {
		t.Errorf("repeated symbol: %v", err)
	}
	if _, err := f.EncryptString(nil, "12345６", Digits); !errors.Is(err, ErrSymbol) {
		t.Errorf("non-ASCII symbol: %v", err)
	}
	f2, _ := NewFF1(key, 2)
	if f2.MinLen() != 20 {
		t.Errorf("radix 2 MinLen = %d, want 20", f2.MinLen())
	}
	f3, _ := NewFF1(key, 65536)
	if f3.MinLen() != 2 {
		t.Errorf("radix 65536 MinLen = %d, want 2", f3.MinLen())
	}
}

// TestUnicodeAlphabet runs the rune path: a 10-symbol CJK alphabet must give
// the same numerals as Digits.
func TestUnicodeAlphabet(t *testing.T) {
	f, _ := NewFF1(mustHex(t, nistVectors[0].key), 10)
	const han = "零一二三四五六七八九"
	plain := "〇" // not in the alphabet
	if _, err := f.EncryptString(nil, strings.Repeat(plain, 10), han); !errors.Is(err, ErrSymbol) {
		t.Errorf("foreign rune: %v", err)
	}
	in := "零一二三四五六七八九" // 0123456789
	ct, err := f.EncryptString(nil, in, han)
	if err != nil {
		t.Fatal(err)
	}
	want := "二四三三四七七四八四" // 2433477484, Sample 1
	if ct != want {
		t.Fatalf("got %q want %q", ct, want)
	}
	pt, err := f.DecryptString(nil, ct, han)
	if err != nil || pt != in {
		t.Fatalf("round trip: %q %v", pt, err)
	}
	if _, err := f.EncryptString(nil, "零一二三四五六七八\xff", han); !errors.Is(err, ErrSymbol) {
		t.Errorf("invalid UTF-8: %v", err)
	}
}

// TestRedacted checks that no fmt verb or slog handler prints key material.
func TestRedacted(t *testing.T) {
	key := mustHex(t, "2B7E151628AED2A6ABF7158809CF4F3C")
	f, err := NewFF1(key, 10)
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	slog.New(slog.NewTextHandler(&logs, nil)).Info("x", "ff1", f)
	outs := []string{logs.String()}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%d", "%x", "%X", "%q"} {
		outs = append(outs, fmt.Sprintf(verb, f))
	}
	outs = append(outs, fmt.Sprint(f), fmt.Sprint([]*FF1{f}), fmt.Sprintf("%+v", struct{ F *FF1 }{f}))
	for i, s := range outs {
		if !strings.Contains(s, "[redacted]") {
			t.Errorf("output %d not redacted", i)
		}
		ls := strings.ToLower(s)
		for _, k := range []string{"2b7e15", "2b 7e", "43 126", "[43 "} {
			if strings.Contains(ls, k) {
				t.Errorf("output %d shows key bytes", i)
			}
		}
	}
}

// TestConcurrent shares one FF1 among 8 goroutines (run under -race) and
// checks every result equals the sequential one.
func TestConcurrent(t *testing.T) {
	f, _ := NewFF1(mustHex(t, nistVectors[6].key), 10)
	rng := rand.New(rand.NewPCG(5, 6))
	const n = 2000
	inputs := make([]string, n)
	tweaks := make([][]byte, n)
	want := make([]string, n)
	for i := range inputs {
		b := make([]byte, 6+rng.IntN(40))
		for j := range b {
			b[j] = Digits[rng.IntN(10)]
		}
		inputs[i] = string(b)
		tweaks[i] = []byte(fmt.Sprintf("t%d", rng.IntN(50)))
		var err error
		if want[i], err = f.EncryptString(tweaks[i], inputs[i], Digits); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for g := range 8 {
		wg.Go(func() {
			for k := range n {
				i := (k + g*n/8) % n // each goroutine starts elsewhere
				got, err := f.EncryptString(tweaks[i], inputs[i], Digits)
				if err != nil || got != want[i] {
					errs <- fmt.Sprintf("goroutine %d input %d: concurrent encrypt differs", g, i)
					return
				}
				back, err := f.DecryptString(tweaks[i], got, Digits)
				if err != nil || back != inputs[i] {
					errs <- fmt.Sprintf("goroutine %d input %d: concurrent decrypt differs", g, i)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

// TestNumeralConversion checks NUM/STR (with their divide-and-conquer
// split) against math/big's own base conversion.
func TestNumeralConversion(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 9))
	for _, radix := range []int{2, 10, 36} {
		for _, n := range []int{1, 19, 64, 513, 1500, 4097} {
			x := make([]uint16, n)
			for i := range x {
				x[i] = uint16(rng.IntN(radix))
			}
			s := fromNumerals(x, Base36)
			want, _ := new(big.Int).SetString(s, radix)
			got := numBig(x, radix)
			if got.Cmp(want) != 0 {
				t.Fatalf("radix %d n %d: NUM differs", radix, n)
			}
			out := make([]uint16, n)
			strBig(got, radix, out)
			if !equal16(out, x) {
				t.Fatalf("radix %d n %d: STR differs", radix, n)
			}
		}
	}
}
