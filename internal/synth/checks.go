package synth

import (
	"strings"
	"time"
)

// Check-digit algorithms, written from the standards (docs/domain.md: identifier formats and validation) and deliberately not shared
// with the classify package, so that each implementation tests the other.

var residentWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

// residentCheck returns the ISO 7064 MOD 11-2 check character of the first 17 digits of a
// GB 11643 resident ID. ok is false if body is not 17 ASCII digits.
func residentCheck(body string) (c byte, ok bool) {
	if len(body) != 17 || !isDigits(body) {
		return 0, false
	}
	sum := 0
	for i := 0; i < 17; i++ {
		sum += int(body[i]-'0') * residentWeights[i]
	}
	return "10X98765432"[sum%11], true
}

// usccAlphabet is the GB 32100 character set; a character's index is its value (I O S V Z unused).
const usccAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"

var usccWeights = [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

// usccCheck returns the mod-31 check character of the first 17 characters of a unified social
// credit code.
func usccCheck(body string) (c byte, ok bool) {
	if len(body) != 17 {
		return 0, false
	}
	sum := 0
	for i := 0; i < 17; i++ {
		v := strings.IndexByte(usccAlphabet, body[i])
		if v < 0 {
			return 0, false
		}
		sum += v * usccWeights[i]
	}
	return usccAlphabet[(31-sum%31)%31], true
}

var orgWeights = [8]int{3, 7, 9, 10, 5, 8, 4, 2}

// orgCheck returns the GB 11714 mod-11 check character of an 8-character organization code body
// (digits and A–Z, A=10 … Z=35).
func orgCheck(body string) (c byte, ok bool) {
	if len(body) != 8 {
		return 0, false
	}
	sum := 0
	for i := 0; i < 8; i++ {
		v := alnumValue(body[i])
		if v < 0 {
			return 0, false
		}
		sum += v * orgWeights[i]
	}
	switch r := 11 - sum%11; r {
	case 10:
		return 'X', true
	case 11:
		return '0', true
	default:
		return byte('0' + r), true
	}
}

// alnumValue maps 0-9 to 0-9 and A-Z to 10-35; -1 for anything else.
func alnumValue(b byte) int {
	switch {
	case b >= '0' && b <= '9':
		return int(b - '0')
	case b >= 'A' && b <= 'Z':
		return int(b-'A') + 10
	}
	return -1
}

// hkidCheck returns the check character of an HKID body: 1 or 2 uppercase letters followed by
// 6 digits. A one-letter body is padded on the left with a space worth 36.
func hkidCheck(body string) (c byte, ok bool) {
	var vals [8]int
	switch {
	case len(body) == 7:
		vals[0] = 36
		for i := 0; i < 7; i++ {
			vals[i+1] = alnumValue(body[i])
		}
	case len(body) == 8:
		for i := 0; i < 8; i++ {
			vals[i] = alnumValue(body[i])
		}
	default:
		return 0, false
	}
	letters := len(body) - 6
	for i := 0; i < letters; i++ {
		if body[i] < 'A' || body[i] > 'Z' {
			return 0, false
		}
	}
	if !isDigits(body[letters:]) {
		return 0, false
	}
	sum := 0
	for i, v := range vals {
		sum += v * (9 - i)
	}
	r := (11 - sum%11) % 11
	if r == 10 {
		return 'A', true
	}
	return byte('0' + r), true
}

// twLetterCodes: Taiwan ID first-letter codes (not alphabetical: I, O, W, X, Y, Z are out of order).
var twLetterCodes = [26]int{10, 11, 12, 13, 14, 15, 16, 17, 34, 18, 19, 20, 21, 22, 35, 23, 24, 25, 26, 27, 28, 29, 32, 30, 31, 33}

// twidCheck returns the check digit of a Taiwan ID body: uppercase letter + 8 digits.
func twidCheck(body string) (c byte, ok bool) {
	if len(body) != 9 || body[0] < 'A' || body[0] > 'Z' || !isDigits(body[1:]) {
		return 0, false
	}
	code := twLetterCodes[body[0]-'A']
	sum := code/10 + code%10*9
	for i := 1; i < 9; i++ {
		sum += int(body[i]-'0') * (9 - i)
	}
	return byte('0' + (10-sum%10)%10), true
}

// luhnCheck returns the Luhn check digit to append to the digit string body.
func luhnCheck(body string) (c byte, ok bool) {
	if !isDigits(body) {
		return 0, false
	}
	sum := 0
	double := true // the rightmost body digit is doubled once the check digit is appended
	for i := len(body) - 1; i >= 0; i-- {
		d := int(body[i] - '0')
		if double {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return byte('0' + (10-sum%10)%10), true
}

// luhnValid reports whether the digit string s passes the Luhn test.
func luhnValid(s string) bool {
	if len(s) < 2 {
		return false
	}
	c, ok := luhnCheck(s[:len(s)-1])
	return ok && c == s[len(s)-1]
}

// parseDate parses YYYYMMDD as a real calendar date (time.Date would silently normalize 0230).
func parseDate(s string) (time.Time, bool) {
	if len(s) != 8 || !isDigits(s) {
		return time.Time{}, false
	}
	y := atoi(s[:4])
	m := atoi(s[4:6])
	d := atoi(s[6:])
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if t.Year() != y || int(t.Month()) != m || t.Day() != d {
		return time.Time{}, false
	}
	return t, true
}

func atoi(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}
