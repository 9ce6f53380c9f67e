package space

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// TestIs: Is is unicode.IsSpace, for every rune (and a few out of range).
func TestIs(t *testing.T) {
	for r := rune(-2); r <= utf8.MaxRune+2; r++ {
		if Is(r) != unicode.IsSpace(r) {
			t.Fatalf("U+%04X: %v", r, Is(r))
		}
	}
}

func BenchmarkIs(b *testing.B) {
	rs := []rune("张三 广东省深圳市\u3000x")
	b.Run("Is", func(b *testing.B) {
		for range b.N {
			for _, r := range rs {
				Is(r)
			}
		}
	})
	b.Run("unicode.IsSpace", func(b *testing.B) {
		for range b.N {
			for _, r := range rs {
				unicode.IsSpace(r)
			}
		}
	})
}

// TestFirstLastEveryRune: First and Last are Is of the first and last rune
// for every rune alone and between Han text and ASCII.
func TestFirstLastEveryRune(t *testing.T) {
	for r := rune(0); r <= utf8.MaxRune; r++ {
		if r >= 0xD800 && r <= 0xDFFF {
			continue
		}
		s := string(r)
		want := unicode.IsSpace(r)
		if First(s) != want || Last(s) != want || First(s+"中") != want || Last("a"+s) != want {
			t.Fatalf("U+%04X: First %v, Last %v", r, First(s), Last(s))
		}
	}
}

// FuzzFirstLast: First and Last are unicode.IsSpace of the rune the utf8
// package decodes first and last, on any bytes.
func FuzzFirstLast(f *testing.F) {
	for _, s := range []string{"", " ", "\u3000x", "x\u3000", "\xc2", "\x80\x80", "\xe3\x80\x80\xff", "中\u2028", "\xc2\xa0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		first, _ := utf8.DecodeRuneInString(s)
		last, _ := utf8.DecodeLastRuneInString(s)
		if s == "" {
			first, last = -1, -1
		}
		if First(s) != (s != "" && unicode.IsSpace(first)) || Last(s) != (s != "" && unicode.IsSpace(last)) {
			t.Fatalf("%x: First %v, Last %v", s, First(s), Last(s))
		}
	})
}

// FuzzTrim: Trim is strings.TrimSpace on any bytes.
func FuzzTrim(f *testing.F) {
	for _, s := range []string{"", " a ", "\u3000广东省\u3000", "\xc2\xa0x\xc2", "\u2028\u2029", "中\xe3\x80", "  \t\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := Trim(s), strings.TrimSpace(s); got != want {
			t.Fatalf("Trim(%x) = %x, want %x", s, got, want)
		}
	})
}
