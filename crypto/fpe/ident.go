package fpe

import (
	"errors"
	"fmt"
	"math/bits"
	"strings"
	"time"

	"github.com/govshare/govshare/catalog"
	"github.com/govshare/govshare/classify"
)

// Identifier-aware FPE (docs/domain.md: identifier formats and validation): each function validates its input as
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
	// ErrSmallDomain is returned when the values left to encrypt are fewer
	// than MinDomain (1,000,000): NIST SP 800-38G Rev. 1 rules such domains
	// out, since a codebook of the whole domain costs as many encryptions.
	// It is returned for a mode whose largest domain is too small (a
	// resident ID keeping region and birth year) and for a value whose own
	// domain is (a bound that leaves too few birth dates). Choose a mode
	// that keeps less, or a token.
	ErrSmallDomain = errors.New("govshare/fpe: FPE domain below 1,000,000 values (NIST SP 800-38G Rev. 1)")
)

// canonical returns the canonical form of s as a value of t when classify
// accepts it in any written form (full-width, grouped, lower case, +86,
// spreadsheet quoting), and s itself otherwise, for the checks below to
// refuse: the identifier functions take what classify.Validate takes.
func canonical(t catalog.Type, s string) string {
	if c, ok := classify.Canonical(t, s); ok {
		return c
	}
	return s
}

func invalid(typ, why string) error {
	return fmt.Errorf("%w: %s: %s", ErrInvalidIdentifier, typ, why)
}

// Domain labels: the first bytes of every internal tweak.
const (
	labelResidentID = "govshare/fpe/cn_resident_id/v1\x00"
	labelMobile     = "govshare/fpe/cn_mobile/v1\x00"
	labelBankCard   = "govshare/fpe/bank_card/v1\x00"
	labelUSCC       = "govshare/fpe/cn_uscc/v1\x00"
	labelUSCCFree   = "govshare/fpe/cn_uscc/free17/v1\x00"
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

// EncryptMobile encrypts a mainland mobile number (an allocated prefix as
// classify.ValidMobile checks), written in any form classify accepts
// (+86 138 1234 5678, full-width …). It keeps the 3-digit prefix and
// encrypts the last 8 digits with FF1 radix 10 (10^8 values), so the
// result is a valid 11-digit number with the same prefix.
func EncryptMobile(f *FF1, tweak []byte, mobile string) (string, error) {
	return cryptMobile(true, f, tweak, mobile)
}

// DecryptMobile reverses EncryptMobile under the same key and tweak.
func DecryptMobile(f *FF1, tweak []byte, mobile string) (string, error) {
	return cryptMobile(false, f, tweak, mobile)
}

func cryptMobile(enc bool, f *FF1, tweak []byte, s string) (string, error) {
	if len(s) != 11 || !allDigits(s) {
		s = canonical(catalog.TypeMobile, s)
	}
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

// EncryptBankCard encrypts a 13–19 digit card number that passes Luhn,
// written in any form classify accepts (groups of four, full-width …). It
// keeps the 6-digit BIN (issuer), encrypts the n−7 digits between the BIN
// and the check digit with FF1 radix 10 (10^(n−7) values: 10^6 for 13
// digits, 10^9 for 16), and recomputes the Luhn check digit.
func EncryptBankCard(f *FF1, tweak []byte, card string) (string, error) {
	return cryptBankCard(true, f, tweak, card)
}

// DecryptBankCard reverses EncryptBankCard under the same key and tweak.
func DecryptBankCard(f *FF1, tweak []byte, card string) (string, error) {
	return cryptBankCard(false, f, tweak, card)
}

func cryptBankCard(enc bool, f *FF1, tweak []byte, s string) (string, error) {
	if !allDigits(s) {
		s = canonical(catalog.TypeBankCard, s)
	}
	n := len(s)
	if n < 13 || n > 19 || !allDigits(s) || !classify.LuhnValid(s) {
		return "", invalid("bank_card", "want 13-19 digits passing Luhn")
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

// EncryptUSCC encrypts an 18-character unified social credit code with a
// valid mod-31 check (char 18), written in any form classify accepts (lower
// case, groups, full-width). It keeps chars 1–2 (registration authority and
// type) and 3–8 (region). When char 17 is the GB 11714 check of chars 9–16
// (the embedded organization code, as GB 32100 prescribes) it encrypts
// chars 9–16 with FF1 radix 31 over the USCC alphabet (31^8 ≈ 8.5×10^11
// values) and recomputes char 17; otherwise it encrypts chars 9–17 among the
// 31^8 × 30 strings whose char 17 is not that check (FF1 radix 31 with cycle
// walking), so the two kinds never map into each other and Decrypt knows
// which it has. Char 18 is recomputed.
func EncryptUSCC(f *FF1, tweak []byte, uscc string) (string, error) {
	return cryptUSCC(true, f, tweak, uscc)
}

// DecryptUSCC reverses EncryptUSCC under the same key and tweak.
func DecryptUSCC(f *FF1, tweak []byte, uscc string) (string, error) {
	return cryptUSCC(false, f, tweak, uscc)
}

func cryptUSCC(enc bool, f *FF1, tweak []byte, s string) (string, error) {
	s = canonical(catalog.TypeUSCC, s)
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
		return cryptUSCCFree(enc, f, tweak, s)
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

// cryptUSCCFree is cryptUSCC for codes whose char 17 is not the
// organization-code check of chars 9–16: chars 9–17 are encrypted as one
// radix-31 number, walking the cycle until char 17 again differs from the
// check of the new chars 9–16.
func cryptUSCCFree(enc bool, f *FF1, tweak []byte, s string) (string, error) {
	tb := newTweak(labelUSCCFree)
	tb = append(tb, s[:8]...)
	tb = append(tb, tweak...)
	if uint64(len(tb)) > MaxTweakLen {
		return "", ErrTweak
	}
	var x uint64
	for i := 8; i < 17; i++ {
		x = x*31 + uint64(usccIndex[s[i]])
	}
	var c fastFF1
	f.initFast(&c, 31, 9, tb)
	var out [18]byte
	copy(out[:8], s[:8])
	for {
		if enc {
			x = c.encryptInt(x)
		} else {
			x = c.decryptInt(x)
		}
		v := x
		for i := 16; i >= 8; i-- {
			out[i] = usccAlphabet[v%31]
			v /= 31
		}
		if oc, _ := classify.OrgCodeCheckDigit(string(out[8:16])); oc != out[16] {
			break
		}
	}
	out[17], _ = classify.USCCCheckDigit(string(out[:17]))
	return string(out[:]), nil
}

// ---- resident ID ----

// ResidentIDOptions chooses which parts of a resident ID stay in clear. The
// zero value encrypts region, birth date and sequence number together. The
// same options must be given to DecryptResidentID.
type ResidentIDOptions struct {
	// KeepRegion keeps the 6-digit region code. Otherwise the region is
	// encrypted among the 35 valid province prefixes (docs/domain.md: identifier formats and validation) × 10,000
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
	// dates are real calendar dates from 1900-01-01 to MaxBirthDate (its
	// calendar date in its own location). It must not be after today in
	// China Standard Time. Zero means today in China Standard Time (UTC+8),
	// so that everyone born so far can be encrypted. The bound is part of
	// the permutation: Decrypt needs the same bound as Encrypt, so to
	// decrypt on a later day, record BirthBound() when encrypting and pass
	// it here. IDs born after the bound are refused with ErrOutOfDomain.
	MaxBirthDate time.Time
}

// minBirthDay is the first day of the birth-date domain.
var minBirthDay = daysFromCivil(1900, 1, 1)

// clock is the wall clock; tests replace it to hold "today" still.
var clock = time.Now

// todayCST is today's day number in China Standard Time.
func todayCST() int {
	y, m, d := clock().In(catalog.ChinaTime).Date()
	return daysFromCivil(y, int(m), d)
}

// bound returns the day number of the last birth date of the domain.
func (o ResidentIDOptions) bound() (int, error) { return o.boundAt(todayCST()) }

// boundAt is bound with today's day number given.
func (o ResidentIDOptions) boundAt(today int) (int, error) {
	if o.MaxBirthDate.IsZero() {
		return today, nil
	}
	y, m, d := o.MaxBirthDate.Date()
	b := daysFromCivil(y, int(m), d)
	if b < minBirthDay || b > today {
		return 0, fmt.Errorf("%w: MaxBirthDate must lie between 1900-01-01 and today (China Standard Time)", ErrOptions)
	}
	return b, nil
}

// BirthBound returns the last birth date of the domain the options
// encrypt within, as a date at midnight UTC: MaxBirthDate, or today in
// China Standard Time when it is zero. Record it next to outputs made with
// the zero value and give it to Decrypt as MaxBirthDate.
func (o ResidentIDOptions) BirthBound() (time.Time, error) {
	b, err := o.bound()
	if err != nil {
		return time.Time{}, err
	}
	y, m, d := civilFromDays(b)
	return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC), nil
}

// Check reports ErrSmallDomain when no resident ID has a domain of
// MinDomain values under o: keeping region and birth year leaves at most
// 366 days × 1,000 sequence numbers (366,000), or × 500 with the sex kept
// (183,000). It also checks MaxBirthDate.
func (o ResidentIDOptions) Check() error {
	b, err := o.bound()
	if err != nil {
		return err
	}
	return o.checkBound(b)
}

// checkBound is Check under the bound b.
func (o ResidentIDOptions) checkBound(b int) error {
	regionN, seqN := uint64(len(provinces))*10000, uint64(1000)
	if o.KeepRegion {
		regionN = 1
	}
	if o.KeepSex {
		seqN = 500
	}
	dateN := uint64(b - minBirthDay + 1)
	if o.KeepBirthYear {
		dateN = min(dateN, 366)
	}
	if regionN*dateN*seqN < MinDomain {
		return fmt.Errorf("%w: keeping %s leaves at most %d values", ErrSmallDomain, o.kept(), regionN*dateN*seqN)
	}
	return nil
}

// kept names the kept parts, for errors.
func (o ResidentIDOptions) kept() string {
	var parts []string
	if o.KeepRegion {
		parts = append(parts, "region")
	}
	if o.KeepBirthYear {
		parts = append(parts, "birth year")
	}
	if o.KeepSex {
		parts = append(parts, "sex")
	}
	if len(parts) == 0 {
		return "nothing"
	}
	return strings.Join(parts, ", ")
}

// ResidentIDDomain returns how many values EncryptResidentID encrypts id
// among under o: the region choices (350,000, or 1 kept) × the birth dates
// from 1900-01-01 to the bound (within the birth year when it is kept: up
// to 366, and only up to the bound in the bound's own year) × the sequence
// numbers (1,000, or 500 with the sex kept). It fails like
// EncryptResidentID on an invalid ID, and with ErrSmallDomain when the
// count is below MinDomain.
func ResidentIDDomain(id string, o ResidentIDOptions) (uint64, error) {
	today := todayCST()
	b, err := o.boundAt(today)
	if err != nil {
		return 0, err
	}
	s, err := residentIDInput(id, b, today)
	if err != nil {
		return 0, err
	}
	n := residentIDCount(s, b, o)
	if n < MinDomain {
		return n, fmt.Errorf("%w: keeping %s leaves %d values for this birth date", ErrSmallDomain, o.kept(), n)
	}
	return n, nil
}

// residentIDCount is the domain of the (valid, canonical) ID s.
func residentIDCount(s string, bound int, o ResidentIDOptions) uint64 {
	regionN, seqN := uint64(len(provinces))*10000, uint64(1000)
	if o.KeepRegion {
		regionN = 1
	}
	if o.KeepSex {
		seqN = 500
	}
	lo, hi := minBirthDay, bound
	if o.KeepBirthYear {
		y := int(atou(s[6:10]))
		lo, hi = daysFromCivil(y, 1, 1), min(bound, daysFromCivil(y, 12, 31))
	}
	return regionN * uint64(hi-lo+1) * seqN
}

// provinces are the valid first two digits of a region code (docs/domain.md: identifier formats and validation).
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

// EncryptResidentID encrypts a resident ID (GB 11643-1999), written in any
// form classify accepts (groups, full-width, lower-case x, a legacy
// 15-digit number, which is first converted to its 18-character form), and
// returns another valid 18-character one: province prefix valid, birth
// date a real date between 1900-01-01 and the bound (opts.MaxBirthDate, by
// default today in China Standard Time), check character recomputed. The parts that opts does not keep are packed into one
// integer (region index, day index, sequence) and encrypted together as a
// permutation of exactly that many values (FF1 radix 2 with cycle walking),
// so a change in any part changes all of them and Decrypt inverts exactly.
// A lower-case x check character is accepted; outputs use upper-case X.
//
// The cost is about one FF1 call. Options that leave fewer than MinDomain
// values (ResidentIDDomain) are refused with ErrSmallDomain: keeping region
// and birth year always is (at most 366,000 values), keeping the region
// alone is only with a bound that leaves fewer than 1,000 birth dates.
func EncryptResidentID(f *FF1, tweak []byte, id string, opts ResidentIDOptions) (string, error) {
	return cryptResidentID(true, f, tweak, id, opts)
}

// DecryptResidentID reverses EncryptResidentID under the same key, tweak and
// options.
func DecryptResidentID(f *FF1, tweak []byte, id string, opts ResidentIDOptions) (string, error) {
	return cryptResidentID(false, f, tweak, id, opts)
}

func cryptResidentID(enc bool, f *FF1, tweak []byte, s string, opts ResidentIDOptions) (string, error) {
	today := todayCST()
	bound, err := opts.boundAt(today)
	if err != nil {
		return "", err
	}
	if err := opts.checkBound(bound); err != nil {
		return "", err
	}
	s, err = residentIDInput(s, bound, today)
	if err != nil {
		return "", err
	}
	if n := residentIDCount(s, bound, opts); n < MinDomain {
		return "", fmt.Errorf("%w: keeping %s leaves %d values for this birth date", ErrSmallDomain, opts.kept(), n)
	}
	prov := provinceIndex[atou(s[:2])]
	y := int(atou(s[6:10]))
	day := daysFromCivil(y, int(atou(s[10:12])), int(atou(s[12:14])))
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
	y, m, d := civilFromDays(day)
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

// residentIDInput returns the canonical 18-character form of a valid
// resident ID (a 15-digit one gains its century and check character), or
// ErrInvalidIdentifier / ErrOutOfDomain.
func residentIDInput(s string, bound, today int) (string, error) {
	if len(s) != 18 || !allDigits(s[:17]) {
		s = canonical(catalog.TypeResidentID, s)
		if len(s) == 15 && allDigits(s) {
			body := s[:6] + "19" + s[6:]
			c, _ := classify.ResidentIDCheckDigit(body)
			s = body + string(c)
		}
	}
	if len(s) != 18 || !allDigits(s[:17]) {
		return "", invalid("cn_resident_id", "want 17 digits and a check character")
	}
	check, _ := classify.ResidentIDCheckDigit(s[:17])
	if s[17] != check && !(check == 'X' && s[17] == 'x') {
		return "", invalid("cn_resident_id", "check character")
	}
	if provinceIndex[atou(s[:2])] < 0 {
		return "", invalid("cn_resident_id", "province prefix")
	}
	y, m, d := int(atou(s[6:10])), int(atou(s[10:12])), int(atou(s[12:14]))
	if y < 1900 || m < 1 || m > 12 || d < 1 || d > daysIn(y, m) {
		return "", invalid("cn_resident_id", "birth date")
	}
	day := daysFromCivil(y, m, d)
	if day > today {
		return "", invalid("cn_resident_id", "birth date in the future")
	}
	if day > bound {
		return "", ErrOutOfDomain
	}
	if s[17] == 'x' {
		s = s[:17] + "X"
	}
	return s, nil
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
