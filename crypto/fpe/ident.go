package fpe

import (
	"errors"
	"fmt"
	"math/bits"
	"time"

	"github.com/govshare/govshare/classify"
)

// Identifier-aware FPE (DOMAIN.md §6): each function validates its input as
// an identifier of its type, encrypts only the parts it does not keep, and
// recomputes every check character, so the output is again a valid
// identifier of the same type and Decrypt restores the input exactly.
//
// The functions use f's AES key with the radix each type needs (10 for
// digits, 31 for the USCC alphabet, 2 for the resident ID's packed domain);
// f's own radix does not matter. FF1 binds the radix and length into every
// PRF call, and each type adds its own label and its kept parts to the
// tweak, so types, kept prefixes and the caller's tweak never share a
// permutation. Put the field and recipient in tweak.

var (
	// ErrInvalidIdentifier is returned for a value that is not a valid
	// identifier of the function's type, on Encrypt and on Decrypt.
	ErrInvalidIdentifier = errors.New("govshare/fpe: not a valid identifier of its type")
	// ErrOutOfDomain is returned for a valid resident ID whose birth date
	// lies after the options' MaxBirthDate, outside the encrypted domain.
	ErrOutOfDomain = errors.New("govshare/fpe: birth date after the FPE domain bound")
	// ErrOptions is returned for a MaxBirthDate before 1900 or in the future.
	ErrOptions = errors.New("govshare/fpe: invalid resident ID options")
)

func invalid(typ, why string) error {
	return fmt.Errorf("%w: %s: %s", ErrInvalidIdentifier, typ, why)
}

// Domain labels: the first bytes of every internal tweak.
const (
	labelResidentID = "govshare/fpe/cn_resident_id/v1\x00"
	labelMobile     = "govshare/fpe/cn_mobile/v1\x00"
	labelBankCard   = "govshare/fpe/bank_card/v1\x00"
	labelUSCC       = "govshare/fpe/cn_uscc/v1\x00"
)

// newTweak starts label || kept parts || caller tweak in a buffer that
// stays on the stack for the usual short tweaks. The label and the kept
// parts have a fixed length per type and options, so the encoding is
// unambiguous.
func newTweak(label string) []byte {
	b := make([]byte, 0, 128)
	return append(b, label...)
}

// ---- mobile ----

// EncryptMobile encrypts an 11-digit mainland mobile number (no +86; an
// allocated prefix as classify.ValidMobile checks). It keeps the 3-digit
// prefix and encrypts the last 8 digits with FF1 radix 10, so the result is
// a valid number with the same prefix.
func EncryptMobile(f *FF1, tweak []byte, mobile string) (string, error) {
	return cryptMobile(true, f, tweak, mobile)
}

// DecryptMobile reverses EncryptMobile under the same key and tweak.
func DecryptMobile(f *FF1, tweak []byte, mobile string) (string, error) {
	return cryptMobile(false, f, tweak, mobile)
}

func cryptMobile(enc bool, f *FF1, tweak []byte, s string) (string, error) {
	if len(s) != 11 || !allDigits(s) || !classify.ValidMobile(s) {
		return "", invalid("cn_mobile", "want 11 digits with an allocated prefix")
	}
	tb := newTweak(labelMobile)
	tb = append(tb, s[:3]...)
	tb = append(tb, tweak...)
	x := atou(s[3:])
	x, err := f.cryptDecimal(enc, tb, 8, x)
	if err != nil {
		return "", err
	}
	var out [11]byte
	copy(out[:3], s[:3])
	putDigits(out[3:], x)
	return string(out[:]), nil
}

// ---- bank card ----

// EncryptBankCard encrypts a 16–19 digit card number that passes Luhn. It
// keeps the 6-digit BIN (issuer), encrypts the digits between the BIN and
// the check digit with FF1 radix 10, and recomputes the Luhn check digit.
func EncryptBankCard(f *FF1, tweak []byte, card string) (string, error) {
	return cryptBankCard(true, f, tweak, card)
}

// DecryptBankCard reverses EncryptBankCard under the same key and tweak.
func DecryptBankCard(f *FF1, tweak []byte, card string) (string, error) {
	return cryptBankCard(false, f, tweak, card)
}

func cryptBankCard(enc bool, f *FF1, tweak []byte, s string) (string, error) {
	n := len(s)
	if n < 16 || n > 19 || !allDigits(s) || !classify.LuhnValid(s) {
		return "", invalid("bank_card", "want 16-19 digits passing Luhn")
	}
	tb := newTweak(labelBankCard)
	tb = append(tb, byte(n))
	tb = append(tb, s[:6]...)
	tb = append(tb, tweak...)
	m := n - 7
	x, err := f.cryptDecimal(enc, tb, m, atou(s[6:n-1]))
	if err != nil {
		return "", err
	}
	var out [19]byte
	copy(out[:6], s[:6])
	putDigits(out[6:n-1], x)
	c, ok := classify.LuhnCheckDigit(string(out[:n-1]))
	if !ok {
		return "", invalid("bank_card", "check digit") // unreachable: all digits
	}
	out[n-1] = c
	return string(out[:n]), nil
}

// ---- USCC ----

// usccAlphabet is GB 32100-2015's code set; numeral i is usccAlphabet[i].
const usccAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"

var usccIndex = func() (v [256]int8) {
	for i := range v {
		v[i] = -1
	}
	for i := 0; i < len(usccAlphabet); i++ {
		v[usccAlphabet[i]] = int8(i)
	}
	return v
}()

// EncryptUSCC encrypts an 18-character unified social credit code whose
// mod-31 check (char 18) and embedded GB 11714 organization-code check
// (char 17 over chars 9–16) are both valid. It keeps chars 1–2 (registration
// authority and type) and 3–8 (region), encrypts chars 9–16 with FF1 radix
// 31 over the USCC alphabet, then recomputes char 17 (0-9 or X) and char 18.
// Codes whose char 17 is not the organization-code check are refused: the
// output would have to change it, and Decrypt could not restore it.
func EncryptUSCC(f *FF1, tweak []byte, uscc string) (string, error) {
	return cryptUSCC(true, f, tweak, uscc)
}

// DecryptUSCC reverses EncryptUSCC under the same key and tweak.
func DecryptUSCC(f *FF1, tweak []byte, uscc string) (string, error) {
	return cryptUSCC(false, f, tweak, uscc)
}

func cryptUSCC(enc bool, f *FF1, tweak []byte, s string) (string, error) {
	if len(s) != 18 {
		return "", invalid("cn_uscc", "want 18 characters")
	}
	for i := 0; i < 18; i++ {
		if usccIndex[s[i]] < 0 {
			return "", invalid("cn_uscc", fmt.Sprintf("position %d outside the code set", i))
		}
	}
	if c, _ := classify.USCCCheckDigit(s[:17]); c != s[17] {
		return "", invalid("cn_uscc", "mod-31 check character")
	}
	if c, _ := classify.OrgCodeCheckDigit(s[8:16]); c != s[16] {
		return "", invalid("cn_uscc", "embedded organization-code check character")
	}
	tb := newTweak(labelUSCC)
	tb = append(tb, s[:8]...)
	tb = append(tb, tweak...)
	if uint64(len(tb)) > MaxTweakLen {
		return "", ErrTweak
	}
	var x uint64
	for i := 8; i < 16; i++ {
		x = x*31 + uint64(usccIndex[s[i]])
	}
	var c fastFF1
	f.initFast(&c, 31, 8, tb)
	if enc {
		x = c.encryptInt(x)
	} else {
		x = c.decryptInt(x)
	}
	var out [18]byte
	copy(out[:8], s[:8])
	for i := 15; i >= 8; i-- {
		out[i] = usccAlphabet[x%31]
		x /= 31
	}
	out[16], _ = classify.OrgCodeCheckDigit(string(out[8:16]))
	out[17], _ = classify.USCCCheckDigit(string(out[:17]))
	return string(out[:]), nil
}

// ---- resident ID ----

// ResidentIDOptions chooses which parts of a resident ID stay in clear. The
// zero value encrypts region, birth date and sequence number together. The
// same options must be given to DecryptResidentID.
type ResidentIDOptions struct {
	// KeepRegion keeps the 6-digit region code. Otherwise the region is
	// encrypted among the 35 valid province prefixes (DOMAIN.md §6) × 10,000
	// four-digit suffixes: the province prefix stays valid, the city and
	// county digits need not name a real division.
	KeepRegion bool
	// KeepBirthYear keeps the year of birth; the month and day are then
	// encrypted within that year, so age bands survive.
	KeepBirthYear bool
	// KeepSex keeps the parity of the 3-digit sequence number (odd = male);
	// otherwise the sequence number is encrypted among all 1,000 values and
	// the sex may change.
	KeepSex bool
	// MaxBirthDate is the last day of the birth-date domain: encrypted
	// dates are real calendar dates from 1900-01-01 to MaxBirthDate. It must
	// not be in the future when used, and Decrypt needs the same value, so
	// it is fixed rather than "today". Zero means 2025-12-31. IDs born after
	// it are refused with ErrOutOfDomain: set a later bound for new records.
	MaxBirthDate time.Time
}

var (
	minBirthDay     = daysFromCivil(1900, 1, 1)
	defaultMaxBirth = daysFromCivil(2025, 12, 31)
)

// provinces are the valid first two digits of a region code (DOMAIN.md §6).
var provinces = [...]uint8{
	11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46,
	50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83,
}

var provinceIndex = func() (v [100]int8) {
	for i := range v {
		v[i] = -1
	}
	for i, p := range provinces {
		v[p] = int8(i)
	}
	return v
}()

// EncryptResidentID encrypts an 18-character resident ID (GB 11643-1999)
// and returns another valid one: province prefix valid, birth date a real
// date between 1900-01-01 and opts.MaxBirthDate, check character
// recomputed. The parts that opts does not keep are packed into one
// integer (region index, day index, sequence) and encrypted together as a
// permutation of exactly that many values (FF1 radix 2 with cycle walking),
// so a change in any part changes all of them and Decrypt inverts exactly.
// A lower-case x check character is accepted; outputs use upper-case X.
//
// The cost is about one FF1 call with nothing kept; keeping region, year
// and sex leaves 182,500 values or fewer, which FF1's 2^20 minimum domain
// walks in about six calls (and, for a MaxBirthDate early in the birth
// year, up to a few thousand): fewer values also mean weaker hiding.
func EncryptResidentID(f *FF1, tweak []byte, id string, opts ResidentIDOptions) (string, error) {
	return cryptResidentID(true, f, tweak, id, opts)
}

// DecryptResidentID reverses EncryptResidentID under the same key, tweak and
// options.
func DecryptResidentID(f *FF1, tweak []byte, id string, opts ResidentIDOptions) (string, error) {
	return cryptResidentID(false, f, tweak, id, opts)
}

func cryptResidentID(enc bool, f *FF1, tweak []byte, s string, opts ResidentIDOptions) (string, error) {
	bound := defaultMaxBirth
	if !opts.MaxBirthDate.IsZero() {
		y, m, d := opts.MaxBirthDate.Date()
		bound = daysFromCivil(y, int(m), d)
		ty, tm, td := time.Now().Date()
		if bound < minBirthDay || bound > daysFromCivil(ty, int(tm), td) {
			return "", fmt.Errorf("%w: MaxBirthDate must lie between 1900-01-01 and today", ErrOptions)
		}
	}
	if len(s) != 18 || !allDigits(s[:17]) {
		return "", invalid("cn_resident_id", "want 17 digits and a check character")
	}
	check, _ := classify.ResidentIDCheckDigit(s[:17])
	if s[17] != check && !(check == 'X' && s[17] == 'x') {
		return "", invalid("cn_resident_id", "check character")
	}
	prov := provinceIndex[atou(s[:2])]
	if prov < 0 {
		return "", invalid("cn_resident_id", "province prefix")
	}
	y, m, d := int(atou(s[6:10])), int(atou(s[10:12])), int(atou(s[12:14]))
	if y < 1900 || m < 1 || m > 12 || d < 1 || d > daysIn(y, m) {
		return "", invalid("cn_resident_id", "birth date")
	}
	day := daysFromCivil(y, m, d)
	ty, tm, td := time.Now().Date()
	if day > daysFromCivil(ty, int(tm), td) {
		return "", invalid("cn_resident_id", "birth date in the future")
	}
	if day > bound {
		return "", ErrOutOfDomain
	}
	seq := atou(s[14:17])

	tb := newTweak(labelResidentID)
	var flags byte
	regionN, regionIdx := uint64(1), uint64(0)
	if opts.KeepRegion {
		flags |= 1
	} else {
		regionN, regionIdx = uint64(len(provinces))*10000, uint64(prov)*10000+atou(s[2:6])
	}
	lo, hi := minBirthDay, bound
	if opts.KeepBirthYear {
		flags |= 2
		lo, hi = daysFromCivil(y, 1, 1), min(bound, daysFromCivil(y, 12, 31))
	}
	seqN, seqIdx := uint64(1000), seq
	if opts.KeepSex {
		flags |= 4
		seqN, seqIdx = 500, seq/2
	}
	tb = append(tb, flags, byte(bound>>24), byte(bound>>16), byte(bound>>8), byte(bound))
	if opts.KeepRegion {
		tb = append(tb, s[:6]...)
	}
	if opts.KeepBirthYear {
		tb = append(tb, s[6:10]...)
	}
	if opts.KeepSex {
		tb = append(tb, byte('0'+seq%2))
	}
	tb = append(tb, tweak...)
	if uint64(len(tb)) > MaxTweakLen {
		return "", ErrTweak
	}

	dateN := uint64(hi - lo + 1)
	x := (regionIdx*dateN+uint64(day-lo))*seqN + seqIdx
	x = f.permute(enc, tb, x, regionN*dateN*seqN)

	seqIdx, x = x%seqN, x/seqN
	day, regionIdx = lo+int(x%dateN), x/dateN

	var out [18]byte
	if opts.KeepRegion {
		copy(out[:6], s[:6])
	} else {
		p := provinces[regionIdx/10000]
		out[0], out[1] = '0'+p/10, '0'+p%10
		putDigits(out[2:6], regionIdx%10000)
	}
	y, m, d = civilFromDays(day)
	putDigits(out[6:10], uint64(y))
	putDigits(out[10:12], uint64(m))
	putDigits(out[12:14], uint64(d))
	if opts.KeepSex {
		seqIdx = seqIdx*2 + seq%2
	}
	putDigits(out[14:17], seqIdx)
	out[17], _ = classify.ResidentIDCheckDigit(string(out[:17]))
	return string(out[:]), nil
}

// permute is a permutation of [0, n) (its inverse when enc is false): FF1
// radix 2 over L = max(20, bits(n−1)) bits, walked along its cycle until the
// value falls back into [0, n). The walk ends because the cycle through x
// returns to x; it takes 2^L/n steps on average, fewer than 2 once n ≥ 2^19.
func (f *FF1) permute(enc bool, tweak []byte, x, n uint64) uint64 {
	l := max(20, bits.Len64(n-1))
	var c fastFF1
	f.initFast(&c, 2, l, tweak)
	for {
		if enc {
			x = c.encryptInt(x)
		} else {
			x = c.decryptInt(x)
		}
		if x < n {
			return x
		}
	}
}

// cryptDecimal runs FF1 radix 10 on the n-digit number x (n ≤ 38).
func (f *FF1) cryptDecimal(enc bool, tweak []byte, n int, x uint64) (uint64, error) {
	if uint64(len(tweak)) > MaxTweakLen {
		return 0, ErrTweak
	}
	var c fastFF1
	f.initFast(&c, 10, n, tweak)
	if enc {
		return c.encryptInt(x), nil
	}
	return c.decryptInt(x), nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// atou parses ASCII digits the caller has checked.
func atou(s string) uint64 {
	var v uint64
	for i := 0; i < len(s); i++ {
		v = v*10 + uint64(s[i]-'0')
	}
	return v
}

// putDigits writes v as len(dst) decimal digits with leading zeros.
func putDigits(dst []byte, v uint64) {
	for i := len(dst) - 1; i >= 0; i-- {
		dst[i] = byte('0' + v%10)
		v /= 10
	}
}
