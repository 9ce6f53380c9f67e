package fpe

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Common alphabets for EncryptString: the symbol at index i is numeral i.
const (
	Digits = "0123456789"
	Base36 = "0123456789abcdefghijklmnopqrstuvwxyz"
)

// EncryptString enciphers s, written in alphabet (whose symbols stand for
// numerals 0, 1, …, radix−1 in order; it must have exactly Radix() distinct
// symbols), and returns a string of the same length over the same alphabet.
// An error names the position of a symbol outside the alphabet, never the
// symbol.
func (f *FF1) EncryptString(tweak []byte, s, alphabet string) (string, error) {
	return f.cryptString(true, tweak, s, alphabet)
}

// DecryptString reverses EncryptString under the same tweak and alphabet.
func (f *FF1) DecryptString(tweak []byte, s, alphabet string) (string, error) {
	return f.cryptString(false, tweak, s, alphabet)
}

func (f *FF1) cryptString(enc bool, tweak []byte, s, alphabet string) (string, error) {
	if !asciiAlphabet(alphabet) {
		return f.cryptRunes(enc, tweak, s, alphabet)
	}
	if len(alphabet) != f.radix {
		return "", fmt.Errorf("%w: %d symbols for radix %d", ErrAlphabet, len(alphabet), f.radix)
	}
	// index[c] is 1 + the numeral of symbol c, 0 for a byte outside.
	var index [128]uint8
	for i := 0; i < len(alphabet); i++ {
		c := alphabet[i]
		if index[c] != 0 {
			return "", fmt.Errorf("%w: repeated symbol at index %d", ErrAlphabet, i)
		}
		index[c] = uint8(i + 1)
	}
	// Short inputs (every identifier-sized one) use a stack buffer.
	var buf [64]uint16
	x := buf[:0]
	if len(s) > len(buf) {
		x = make([]uint16, 0, len(s))
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x80 || index[c] == 0 {
			return "", fmt.Errorf("%w: position %d", ErrSymbol, i)
		}
		x = append(x, uint16(index[c]-1))
	}
	if err := f.crypt(enc, f.radix, tweak, x, x, true); err != nil {
		return "", err
	}
	var sb strings.Builder
	sb.Grow(len(x))
	for _, d := range x {
		sb.WriteByte(alphabet[d])
	}
	return sb.String(), nil
}

func asciiAlphabet(a string) bool {
	for i := 0; i < len(a); i++ {
		if a[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// cryptRunes is the general path for alphabets with non-ASCII symbols.
func (f *FF1) cryptRunes(enc bool, tweak []byte, s, alphabet string) (string, error) {
	if !utf8.ValidString(alphabet) {
		return "", fmt.Errorf("%w: not valid UTF-8", ErrAlphabet)
	}
	syms := []rune(alphabet)
	if len(syms) != f.radix {
		return "", fmt.Errorf("%w: %d symbols for radix %d", ErrAlphabet, len(syms), f.radix)
	}
	index := make(map[rune]uint16, len(syms))
	for i, r := range syms {
		if _, dup := index[r]; dup {
			return "", fmt.Errorf("%w: repeated symbol at index %d", ErrAlphabet, i)
		}
		index[r] = uint16(i)
	}
	x := make([]uint16, 0, len(s))
	for i, r := range s {
		d, ok := index[r]
		if !ok || (r == utf8.RuneError && !strings.HasPrefix(s[i:], string(utf8.RuneError))) {
			return "", fmt.Errorf("%w: position %d", ErrSymbol, len(x))
		}
		x = append(x, d)
	}
	if err := f.crypt(enc, f.radix, tweak, x, x, true); err != nil {
		return "", err
	}
	var sb strings.Builder
	sb.Grow(len(s))
	for _, d := range x {
		sb.WriteRune(syms[d])
	}
	return sb.String(), nil
}
