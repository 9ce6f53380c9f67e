package fpe

import (
	"errors"
	"strings"
	"testing"

	"github.com/govshare/govshare/classify"
)

// FuzzFF1RoundTrip: for any key, radix, tweak and numerals, Encrypt either
// refuses with a sentinel error or returns numerals of the same length in
// the radix that Decrypt maps back; where the uint64 path applies it must
// agree with the math/big path.
func FuzzFF1RoundTrip(f *testing.F) {
	f.Add([]byte("0123456789abcdef"), uint16(10), []byte(""), []byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9})
	f.Add([]byte("0123456789abcdef01234567"), uint16(36), []byte("tweak"), []byte("0123456789abcdefghi"))
	f.Add([]byte("0123456789abcdef0123456789abcdef"), uint16(65535), []byte("t"), []byte{1, 2, 3, 4})
	f.Add([]byte("0123456789abcdef"), uint16(1), []byte(""), make([]byte, 64))
	f.Fuzz(func(t *testing.T, key []byte, radix uint16, tweak, data []byte) {
		if len(data) > 4096 {
			return // long inputs are covered by TestLongRoundTrip; keep execs fast
		}
		r := int(radix) + 1 // 1..65536
		ff, err := NewFF1(key, r)
		if err != nil {
			if !errors.Is(err, ErrKeySize) && !errors.Is(err, ErrRadix) {
				t.Fatalf("NewFF1: unexpected error %v", err)
			}
			return
		}
		x := make([]uint16, len(data))
		for i, b := range data {
			x[i] = uint16((int(b) * 257) % r)
		}
		y, err := ff.Encrypt(tweak, x)
		if err != nil {
			if !errors.Is(err, ErrLength) {
				t.Fatalf("Encrypt: unexpected error %v", err)
			}
			return
		}
		if len(y) != len(x) {
			t.Fatal("length changed")
		}
		for _, d := range y {
			if int(d) >= r {
				t.Fatal("numeral outside the radix")
			}
		}
		if len(x)-len(x)/2 <= maxFastHalf(r) {
			slow := make([]uint16, len(x))
			if err := ff.crypt(true, r, tweak, x, slow, false); err != nil || !equal16(slow, y) {
				t.Fatalf("fast and big paths differ (%v)", err)
			}
		}
		z, err := ff.Decrypt(tweak, y)
		if err != nil || !equal16(z, x) {
			t.Fatalf("round trip failed (%v)", err)
		}
	})
}

// isCanonical reports whether s is written as the identifier functions
// output it: ASCII digits and upper-case letters only, and no 15-digit
// resident ID.
func isCanonical(s string) bool {
	if len(s) == 15 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c == 'x') {
			return false
		}
	}
	return s != ""
}

// FuzzIdentifiers: on any string, every identifier function either refuses
// with ErrInvalidIdentifier / ErrOutOfDomain / ErrSmallDomain or returns a
// valid identifier of its type that decrypts back to the canonical form of
// the input (the input itself when it is written canonically). Each input is also "repaired"
// (check characters recomputed) so the accepting path is reached often.
func FuzzIdentifiers(f *testing.F) {
	for _, s := range []string{"11010519491231002X", "13812345678", "6222021234567894", "91350100M000100Y43", "", "x",
		"110105 19491231 002x", "110105491231002", "+86 138 1234 5678", "6222 0212 3456 7894", "91350100m000100y43", "９１３５０１００Ｍ０００１００Ｙ４３"} {
		f.Add(s, []byte("t"), uint8(0))
	}
	ff, err := NewFF1(make([]byte, 16), 10)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, s string, tweak []byte, o uint8) {
		opts := ResidentIDOptions{KeepRegion: o&1 != 0, KeepBirthYear: o&2 != 0, KeepSex: o&4 != 0}
		type kind struct {
			name   string
			enc    func(string) (string, error)
			dec    func(string) (string, error)
			valid  func(string) bool
			repair func(string) string
		}
		kinds := []kind{
			{"resident", func(v string) (string, error) { return EncryptResidentID(ff, tweak, v, opts) },
				func(v string) (string, error) { return DecryptResidentID(ff, tweak, v, opts) },
				classify.ValidResidentID,
				func(v string) string {
					if len(v) < 17 {
						return v
					}
					c, _ := classify.ResidentIDCheckDigit(v[:17])
					return v[:17] + string(c)
				}},
			{"mobile", func(v string) (string, error) { return EncryptMobile(ff, tweak, v) },
				func(v string) (string, error) { return DecryptMobile(ff, tweak, v) },
				classify.ValidMobile, func(v string) string { return v }},
			{"card", func(v string) (string, error) { return EncryptBankCard(ff, tweak, v) },
				func(v string) (string, error) { return DecryptBankCard(ff, tweak, v) },
				classify.LuhnValid,
				func(v string) string {
					if len(v) < 2 {
						return v
					}
					c, _ := classify.LuhnCheckDigit(v[:len(v)-1])
					return v[:len(v)-1] + string(c)
				}},
			{"uscc", func(v string) (string, error) { return EncryptUSCC(ff, tweak, v) },
				func(v string) (string, error) { return DecryptUSCC(ff, tweak, v) },
				classify.ValidUSCC,
				func(v string) string {
					if len(v) != 18 {
						return v
					}
					b := []byte(v)
					b[16], _ = classify.OrgCodeCheckDigit(v[8:16])
					b[17], _ = classify.USCCCheckDigit(string(b[:17]))
					return string(b)
				}},
		}
		for _, k := range kinds {
			for _, in := range []string{s, k.repair(s)} {
				out, err := k.enc(in)
				if err != nil {
					if !errors.Is(err, ErrInvalidIdentifier) && !errors.Is(err, ErrOutOfDomain) && !errors.Is(err, ErrSmallDomain) {
						t.Fatalf("%s: unexpected error %v", k.name, err)
					}
				} else {
					back, err := k.dec(out)
					if !k.valid(out) || err != nil {
						t.Fatalf("%s: accepted input gave an invalid output (%v)", k.name, err)
					}
					if again, _ := k.enc(back); again != out {
						t.Fatalf("%s: round trip failed", k.name)
					}
					if len(back) != len(out) || (isCanonical(in) && back != in && !(k.name == "resident" && back == strings.ToUpper(in))) {
						t.Fatalf("%s: round trip failed", k.name)
					}
				}
				// Decrypt on arbitrary input must not panic either.
				_, _ = k.dec(in)
			}
		}
	})
}
