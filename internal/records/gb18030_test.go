package records

import (
	"bytes"
	"os"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
)

// xtextGB is the reference: x/text's GB18030 decoder over the whole input.
func xtextGB(t testing.TB, src []byte) []byte {
	out, err := simplifiedchinese.GB18030.NewDecoder().Bytes(src)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestDecodeGBKnownAnswer: every character of the BMP and a sample of the
// supplementary planes, encoded by x/text, decodes exactly as x/text
// decodes it, through the table (two-byte characters) and the fallback
// (four-byte ones); and the common CJK block round-trips. (x/text does not
// round-trip the private use area: GB18030-2005 maps it differently.)
func TestDecodeGBKnownAnswer(t *testing.T) {
	var text []rune
	for r := rune(0); r <= 0xFFFF; r++ {
		if utf8.ValidRune(r) && r != utf8.RuneError {
			text = append(text, r)
		}
	}
	for r := rune(0x10000); r <= 0x10FFFF; r += 997 {
		text = append(text, r)
	}
	gb, err := simplifiedchinese.GB18030.NewEncoder().String(string(text))
	if err != nil {
		t.Fatal(err)
	}
	want := xtextGB(t, []byte(gb))
	if got := decodeGB(nil, []byte(gb)); !bytes.Equal(got, want) {
		t.Fatalf("decoded text differs from x/text's at byte %d", diffAt(got, want))
	}
	var cjk []rune
	for r := rune(0x4E00); r <= 0x9FA5; r++ {
		cjk = append(cjk, r)
	}
	gb, err = simplifiedchinese.GB18030.NewEncoder().String("ASCII 0-9 " + string(cjk))
	if err != nil {
		t.Fatal(err)
	}
	if got := decodeGB(nil, []byte(gb)); string(got) != "ASCII 0-9 "+string(cjk) {
		t.Fatal("the CJK block does not round-trip")
	}
}

// FuzzDecodeGB: on any bytes, decodeGB gives exactly x/text's output when
// it finds the input valid (no U+FFFD), and finds invalid whatever x/text
// does. It may be stricter: x/text takes 0x3A–0x3F as the second or fourth
// byte of a four-byte character, which GB18030 limits to the digits.
func FuzzDecodeGB(f *testing.F) {
	for _, s := range []string{"", "abc", "\x81\x40", "\x81\x30\x81\x30", "\xff", "\x80", "\x81", "\x81\x30", "\xd6\xd0\xce\xc4,1\n", "\x84\x31\xa4\x37"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		got, want := decodeGB(nil, src), xtextGB(t, src)
		gotBad, wantBad := bytes.Contains(got, replacement), bytes.Contains(want, replacement)
		switch {
		case wantBad && !gotBad:
			t.Fatal("x/text finds the input invalid, decodeGB does not")
		case gotBad && !wantBad && !laxFourByte(src):
			t.Fatal("decodeGB finds valid input invalid")
		case !gotBad && !bytes.Equal(got, want):
			t.Fatalf("valid input decoded differently at byte %d", diffAt(got, want))
		}
	})
}

// laxFourByte reports a lead byte followed by what x/text, but not
// GB18030, takes for a four-byte character.
func laxFourByte(src []byte) bool {
	lax := func(c byte) bool { return 0x3A <= c && c <= 0x3F }
	digitish := func(c byte) bool { return 0x30 <= c && c <= 0x3F }
	for i := 0; i+1 < len(src); i++ {
		if src[i] >= 0x81 && (lax(src[i+1]) || i+3 < len(src) && digitish(src[i+1]) && lax(src[i+3])) {
			return true
		}
	}
	return false
}

// BenchmarkDecodeGB decodes a GB18030 register (from internal/synth via
// the test data) against x/text's decoder on the same bytes.
func BenchmarkDecodeGB(b *testing.B) {
	utf, err := os.ReadFile("../../testdata/sample/population.csv")
	if err != nil {
		b.Fatal(err)
	}
	src, err := simplifiedchinese.GB18030.NewEncoder().Bytes(bytes.Repeat(utf, 20))
	if err != nil {
		b.Fatal(err)
	}
	b.Run("table", func(b *testing.B) {
		var dst []byte
		b.SetBytes(int64(len(src)))
		for b.Loop() {
			dst = decodeGB(dst, src)
		}
	})
	b.Run("x/text", func(b *testing.B) {
		b.SetBytes(int64(len(src)))
		for b.Loop() {
			xtextGB(b, src)
		}
	})
}
