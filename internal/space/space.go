// Package space answers unicode.IsSpace without its table search for the
// runes outside Latin-1, which in this data are mostly Han characters: the
// checks that every value passes (a leading space to quote, an unchanged
// value to refuse) ask it of nearly every field.
package space

import "unicode/utf8"

// Is reports whether r is a space as unicode.IsSpace defines it (the
// Unicode White_Space property); a test holds the two equal for every rune.
func Is(r rune) bool {
	if r <= 0xFF {
		switch r {
		case '\t', '\n', '\v', '\f', '\r', ' ', 0x85, 0xA0:
			return true
		}
		return false
	}
	return r == 0x1680 || 0x2000 <= r && r <= 0x200a || r == 0x2028 || r == 0x2029 || r == 0x202f || r == 0x205f || r == 0x3000
}

// asciiSpace is Is for the ASCII runes.
var asciiSpace = [utf8.RuneSelf]bool{'\t': true, '\n': true, '\v': true, '\f': true, '\r': true, ' ': true}

// First reports whether s begins with a space: Is of its first rune, where
// an invalid byte is utf8.RuneError and no space. Only four bytes begin the
// UTF-8 form of a space beyond ASCII (C2, E1, E2, E3), so most text is
// answered from its first byte without decoding.
func First(s string) bool {
	if s == "" {
		return false
	}
	c := s[0]
	if c < utf8.RuneSelf {
		return asciiSpace[c]
	}
	if c != 0xC2 && c != 0xE1 && c != 0xE2 && c != 0xE3 {
		return false
	}
	r, _ := utf8.DecodeRuneInString(s)
	return Is(r)
}

// Last reports whether s ends with a space, as First does for its start:
// the UTF-8 form of every space beyond ASCII has C2, 9A, 80 or 81 as its
// second-to-last byte.
func Last(s string) bool {
	if s == "" {
		return false
	}
	c := s[len(s)-1]
	if c < utf8.RuneSelf {
		return asciiSpace[c]
	}
	if len(s) < 2 {
		return false
	}
	if p := s[len(s)-2]; p != 0xC2 && p != 0x9A && p != 0x80 && p != 0x81 {
		return false
	}
	r, _ := utf8.DecodeLastRuneInString(s)
	return Is(r)
}

// Trim is strings.TrimSpace, with First and Last deciding the ends: text
// that begins and ends with a Han character is returned at once, where
// strings.TrimSpace decodes both ends and searches unicode's tables.
func Trim(s string) string {
	for First(s) {
		_, n := utf8.DecodeRuneInString(s)
		s = s[n:]
	}
	for Last(s) {
		_, n := utf8.DecodeLastRuneInString(s)
		s = s[:len(s)-n]
	}
	return s
}
