package classify

import (
	"time"

	"github.com/govshare/govshare/catalog"
)

// Check-digit algorithms of docs/domain.md: identifier formats and validation. Each CheckDigit function takes the
// payload without its check character and reports false when the payload is
// malformed; each Valid function is decisive: a value that fails its check
// digit is not of that type.

var residentIDWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

const residentIDChecks = "10X98765432"

// ResidentIDCheckDigit computes the ISO 7064 MOD 11-2 check character of the
// first 17 digits of an 18-character resident ID (GB 11643-1999).
func ResidentIDCheckDigit(first17 string) (byte, bool) {
	if len(first17) != 17 {
		return 0, false
	}
	sum := 0
	for i := 0; i < 17; i++ {
		c := first17[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		sum += int(c-'0') * residentIDWeights[i]
	}
	return residentIDChecks[sum%11], true
}

// usccAlphabet is GB 32100-2015's 31-character code set: no I, O, S, V, Z.
const usccAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"

var usccValue = func() (v [256]int8) {
	for i := range v {
		v[i] = -1
	}
	for i := 0; i < len(usccAlphabet); i++ {
		v[usccAlphabet[i]] = int8(i)
	}
	return v
}()

var usccWeights = [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

// USCCCheckDigit computes the mod-31 check character of the first 17
// characters of a unified social credit code (GB 32100-2015).
func USCCCheckDigit(first17 string) (byte, bool) {
	if len(first17) != 17 {
		return 0, false
	}
	sum := 0
	for i := 0; i < 17; i++ {
		v := usccValue[first17[i]]
		if v < 0 {
			return 0, false
		}
		sum += int(v) * usccWeights[i]
	}
	return usccAlphabet[(31-sum%31)%31], true
}

var orgCodeWeights = [8]int{3, 7, 9, 10, 5, 8, 4, 2}

// orgCodeValue maps 0-9 to 0-9 and A-Z to 10-35 (GB 11714-1997).
func orgCodeValue(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'A' && c <= 'Z':
		return int(c-'A') + 10
	}
	return -1
}

// OrgCodeCheckDigit computes the mod-11 check character of the first 8
// characters of an organization code (GB 11714-1997): 10 is X, 11 is 0.
func OrgCodeCheckDigit(first8 string) (byte, bool) {
	if len(first8) != 8 {
		return 0, false
	}
	sum := 0
	for i := 0; i < 8; i++ {
		v := orgCodeValue(first8[i])
		if v < 0 {
			return 0, false
		}
		sum += v * orgCodeWeights[i]
	}
	switch c := 11 - sum%11; c {
	case 10:
		return 'X', true
	case 11:
		return '0', true
	default:
		return byte('0' + c), true
	}
}

// LuhnValid reports whether digits (ASCII digits only) pass the Luhn check.
func LuhnValid(digits string) bool {
	if len(digits) < 2 {
		return false
	}
	c, ok := LuhnCheckDigit(digits[:len(digits)-1])
	return ok && digits[len(digits)-1] == c
}

// LuhnCheckDigit computes the Luhn check digit to append to payload.
func LuhnCheckDigit(payload string) (byte, bool) {
	sum := 0
	double := true
	for i := len(payload) - 1; i >= 0; i-- {
		c := payload[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		d := int(c - '0')
		if double {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return byte('0' + (10-sum%10)%10), len(payload) > 0
}

// hkidValue maps a HKID character to its value: digits as themselves,
// letters A-Z as 10-35 and the leading space of a one-letter ID as 36.
func hkidValue(c byte) int {
	switch {
	case c == ' ':
		return 36
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'A' && c <= 'Z':
		return int(c-'A') + 10
	}
	return -1
}

// HKIDCheckDigit computes the mod-11 check character ('0'-'9' or 'A') of a
// Hong Kong identity card number given its one or two letters and six digits.
func HKIDCheckDigit(body string) (byte, bool) {
	var buf [8]byte
	switch len(body) {
	case 7:
		buf[0] = ' '
		copy(buf[1:], body)
	case 8:
		copy(buf[:], body)
	default:
		return 0, false
	}
	sum := 0
	for i, c := range buf {
		if (i < 2 && c != ' ' && (c < 'A' || c > 'Z')) || (i >= 2 && (c < '0' || c > '9')) {
			return 0, false
		}
		if i == 1 && c == ' ' {
			return 0, false
		}
		sum += hkidValue(c) * (9 - i)
	}
	switch r := (11 - sum%11) % 11; r {
	case 10:
		return 'A', true
	default:
		return byte('0' + r), true
	}
}

// twLetterCodes maps the first letter of a Taiwan ID to its two-digit code.
var twLetterCodes = [26]int{10, 11, 12, 13, 14, 15, 16, 17, 34, 18, 19, 20, 21, 22, 35, 23, 24, 25, 26, 27, 28, 29, 32, 30, 31, 33}

// TWIDCheckDigit computes the check digit of a Taiwan national ID from its
// letter and first eight digits (sex digit 1 or 2 and seven more).
func TWIDCheckDigit(first9 string) (byte, bool) {
	if len(first9) != 9 || first9[0] < 'A' || first9[0] > 'Z' || (first9[1] != '1' && first9[1] != '2') {
		return 0, false
	}
	code := twLetterCodes[first9[0]-'A']
	sum := code/10 + (code%10)*9
	for i := 1; i < 9; i++ {
		c := first9[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		sum += int(c-'0') * (9 - i)
	}
	return byte('0' + (10-sum%10)%10), true
}

// validProvince reports whether the two ASCII digits are a GB/T 2260
// province prefix (docs/domain.md: identifier formats and validation).
func validProvince(a, b byte) bool {
	if a < '0' || a > '9' || b < '0' || b > '9' {
		return false
	}
	switch p := int(a-'0')*10 + int(b-'0'); {
	case p >= 11 && p <= 15, p >= 21 && p <= 23, p >= 31 && p <= 37, p >= 41 && p <= 46,
		p >= 50 && p <= 54, p >= 61 && p <= 65, p == 71, p >= 81 && p <= 83:
		return true
	}
	return false
}

// now is the clock for "not in the future" checks; tests may replace it.
var now = time.Now

// validDate reports whether y-m-d is a real calendar date from 1900 up to today.
func validDate(y, m, d int) bool {
	if y < 1900 || m < 1 || m > 12 || d < 1 {
		return false
	}
	if d > DaysIn(y, m) {
		return false
	}
	t := now().In(catalog.ChinaTime)
	ty, tm, td := t.Date()
	return y < ty || (y == ty && (m < int(tm) || (m == int(tm) && d <= td)))
}

// DaysIn returns the number of days in month m (1–12) of year y, in the
// proleptic Gregorian calendar.
func DaysIn(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// atoiN parses n ASCII digits of s at i; ok is false on a non-digit.
func atoiN(s string, i, n int) (v int, ok bool) {
	if i+n > len(s) {
		return 0, false
	}
	for k := i; k < i+n; k++ {
		c := s[k]
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int(c-'0')
	}
	return v, true
}
