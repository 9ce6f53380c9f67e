package mask

import (
	"fmt"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/govshare/govshare/catalog"
	"github.com/govshare/govshare/classify"
	"github.com/govshare/govshare/internal/region"
)

// Display masks s for display by the profile of type t (see the table in the
// package doc). It never returns its input: a value that does not have the
// shape of t, or that is already masked so the profile would hide nothing,
// gives "" and an error wrapping ErrMalformed; an unknown type gives "" and
// ErrUnsupported. Callers on a pipeline usually emit Redact(s) on error. The
// empty string masks to itself with no error.
func Display(t catalog.Type, s string) (string, error) { return Masker{}.Display(t, s) }

// Display is the package-level Display with m's options.
func (m Masker) Display(t catalog.Type, s string) (string, error) {
	if s == "" {
		return "", nil
	}
	if m.FixedRun == 0 && m.Rune < '0' {
		switch {
		case t == catalog.TypeMobile && len(s) == 11:
			if out, ok := m.mobileFast(s); ok {
				return out, nil
			}
		case t == catalog.TypeResidentID && len(s) == 18:
			if out, ok := m.residentIDFast(s); ok {
				return out, nil
			}
		}
	}
	// One parser per type: a value classify accepts is parsed by
	// classify.Canonical, and only what it does not accept (a mistyped
	// check digit, a number without its area code …) by the lenient rules
	// below, since it is still personal data to hide.
	var out string
	var err error
	if t == catalog.TypePersonName {
		// A name has no parse: masked as written (surname kept).
		out = m.name(s)
	} else if c, ok := classify.Canonical(t, s); ok {
		out, err = m.displayValid(t, s, c)
	} else {
		out, err = m.display(t, s)
	}
	if err != nil {
		return "", err
	}
	if out == s {
		// Input was already masked (e.g. "a****@x.cn"): returning it would
		// be indistinguishable from passing a value through.
		return "", malformed(string(t) + ": already masked")
	}
	return out, nil
}

// DisplayCanonical is Display for a value s that the caller has already
// parsed: c is classify.Canonical(t, s). It saves parsing s twice.
func DisplayCanonical(t catalog.Type, s, c string) (string, error) {
	return Masker{}.DisplayCanonical(t, s, c)
}

// DisplayCanonical is the package-level DisplayCanonical with m's options.
func (m Masker) DisplayCanonical(t catalog.Type, s, c string) (string, error) {
	if s == "" {
		return "", nil
	}
	out, err := m.displayValid(t, s, c)
	if err != nil {
		return "", err
	}
	if out == s {
		return "", malformed(string(t) + ": already masked")
	}
	return out, nil
}

func (m Masker) display(t catalog.Type, s string) (string, error) {
	switch t {
	case catalog.TypeMobile:
		return m.mobile(s)
	case catalog.TypeResidentID:
		return m.residentID(s)
	case catalog.TypeLandline:
		return m.landline(s)
	case catalog.TypeBankCard:
		return m.bankCard(s)
	case catalog.TypeLicensePlate:
		return m.plate(s)
	case catalog.TypePassport:
		return m.passport(s)
	case catalog.TypeTravelPermit:
		return m.travelPermit(s)
	case catalog.TypeHKID:
		return m.hkid(s)
	case catalog.TypeTWID:
		return m.twid(s)
	case catalog.TypeOrgCode:
		return m.orgCode(s)
	case catalog.TypeUSCC:
		return m.uscc(s)
	case catalog.TypeEmail:
		return m.email(s)
	case catalog.TypeIPv4:
		return m.ipv4(s)
	case catalog.TypeIPv6:
		return m.ipv6(s)
	case catalog.TypeURL:
		return m.url(s)
	case catalog.TypePersonName:
		return m.name(s), nil
	case catalog.TypeAddress:
		return m.address(s)
	case catalog.TypeGeoCoordinate:
		return m.coordinate(s)
	case catalog.TypeDateOfBirth:
		return m.dateOfBirth(s)
	}
	return "", &maskError{msg: fmt.Sprintf("no display profile for type %q", string(t)), kind: ErrUnsupported}
}

// displayValid masks s, a valid value of t whose canonical form is c.
// Identifier codes are masked on c's characters and rendered in s's
// layout: the separators, brackets, prefixes and full-width forms as
// written stay, the hidden characters are covered (110105 19491231 002X →
// 1***** ******** **2X). Spreadsheet quoting ('…, ="…", a trailing .0)
// is dropped. Other types are masked on their canonical form where the
// written one cannot be rendered (a coordinate written lat,lon comes out
// lon,lat).
func (m Masker) displayValid(t catalog.Type, s, c string) (string, error) {
	if t == catalog.TypeResidentID && len(c) == 18 && alnumCount(s) == 15 {
		// a first-generation number, canonical in its 18-digit form, is
		// masked as the 15 digits written
		c = c[:6] + c[8:17]
	}
	first, last := 1, 2
	if m.ResidentID64 {
		first, last = 6, 4
	}
	switch t {
	case catalog.TypeResidentID:
		return m.aligned(s, c, func(i, n int) bool { return i >= first && i < n-last }), nil
	case catalog.TypeMobile:
		return m.aligned(s, c, func(i, _ int) bool { return i >= 3 && i < 7 }), nil
	case catalog.TypeLandline:
		// c is area-subscriber[-extension]: keep the area code and the last
		// two digits of the subscriber number; hide the extension.
		area, rest, _ := strings.Cut(c, "-")
		sub, _, _ := strings.Cut(rest, "-")
		a, e := len(area), len(area)+len(sub)
		return m.aligned(s, c, func(i, _ int) bool { return i >= a && i < e-2 || i >= e }), nil
	case catalog.TypeBankCard:
		return m.bankCard(c)
	case catalog.TypeLicensePlate:
		return m.aligned(s, c, func(i, n int) bool { return i >= 2 && i < n-1 }), nil
	case catalog.TypePassport:
		return m.aligned(s, c, func(i, n int) bool { return i >= 2 && i < n-2 }), nil
	case catalog.TypeTravelPermit:
		return m.aligned(s, c, func(i, n int) bool { return i >= 1 && i < n-2 }), nil
	case catalog.TypeHKID:
		return m.aligned(s, c, func(i, n int) bool { return i >= n-7 }), nil
	case catalog.TypeTWID:
		return m.aligned(s, c, func(i, _ int) bool { return i >= 1 && i < 8 }), nil
	case catalog.TypeOrgCode:
		return m.aligned(s, c, func(i, _ int) bool { return i >= 2 }), nil
	case catalog.TypeUSCC:
		return m.aligned(s, c, func(i, _ int) bool { return i >= 8 }), nil
	case catalog.TypeEmail:
		return m.email(c)
	case catalog.TypeIPv4:
		return m.ipv4(c)
	case catalog.TypeIPv6:
		return m.ipv6(c)
	case catalog.TypeURL:
		return m.url(c)
	case catalog.TypeAddress:
		if out, err := m.address(s); err == nil {
			return out, nil
		}
		// A valid address that starts with no known division: nothing of
		// it is safe to show.
		return m.full(strings.TrimSpace(s)), nil
	case catalog.TypeGeoCoordinate:
		if out, err := m.coordinate(s); err == nil {
			return out, nil
		}
		return m.coordinate(c)
	case catalog.TypeDateOfBirth:
		if out, err := m.dateOfBirth(s); err == nil {
			return out, nil
		}
		return m.dateOfBirth(c)
	}
	return m.display(t, s)
}

// aligned renders s with the significant characters of its canonical form c
// for which hide(index, count) holds covered. Each rune of s that folds
// (full-width to ASCII, lower to upper case) to the next significant
// character of c is that character; every other rune is layout (a
// separator, a bracket, a +86 prefix) and is kept, except inside a hidden
// run when FixedRun is set. When s does not spell out c in order, c itself
// is rendered.
func (m Masker) aligned(s, c string, hide func(i, n int) bool) string {
	if s == c && m.FixedRun == 0 && m.Rune < utf8.RuneSelf && len(c) <= shortASCII && isASCII(c) {
		// hot path: written in canonical form, one byte per character
		var b [shortASCII]byte
		out := b[:copy(b[:], c)]
		n := 0
		for _, ch := range out {
			if ch != '-' && ch != '(' && ch != ')' {
				n++
			}
		}
		mr := byte(m.maskRune())
		i := 0
		for k, ch := range out {
			if ch == '-' || ch == '(' || ch == ')' {
				continue
			}
			if hide(i, n) {
				out[k] = mr
			}
			i++
		}
		return string(out)
	}
	var buf [maxSig + 4]rune
	sig := buf[:0]
	for _, r := range c {
		if r == '-' || r == '(' || r == ')' {
			continue
		}
		if len(sig) == cap(sig) {
			return m.full(c)
		}
		sig = append(sig, r)
	}
	if out, ok := m.alignOn(unsheet(s), sig, hide); ok {
		return out
	}
	out, _ := m.alignOn(c, sig, hide)
	return out
}

func (m Masker) alignOn(s string, sig []rune, hide func(i, n int) bool) (string, bool) {
	var b strings.Builder
	b.Grow(len(s) + len(sig)*(m.maskWidth()-1) + m.FixedRun*m.maskWidth())
	idx, inRun := 0, false
	for _, r := range s {
		if idx < len(sig) {
			f, ok := foldAlnum(r)
			if !ok {
				f = r
			}
			if f == sig[idx] {
				switch {
				case !hide(idx, len(sig)):
					b.WriteRune(r)
					inRun = false
				case m.FixedRun == 0:
					m.writeMask(&b, 1)
				case !inRun:
					m.writeMask(&b, m.FixedRun)
					inRun = true
				}
				idx++
				continue
			}
		}
		if m.FixedRun > 0 && inRun && idx < len(sig) && hide(idx, len(sig)) {
			continue // one block for the whole hidden run
		}
		inRun = false
		b.WriteRune(r)
	}
	return b.String(), idx == len(sig)
}

// unsheet strips the quoting a spreadsheet puts around a number typed as
// text ('…, ="…") and the .0 it appends to one stored as a float.
func unsheet(s string) string {
	t := strings.TrimSpace(s)
	u := t
	switch {
	case len(u) >= 3 && strings.HasPrefix(u, "=\"") && strings.HasSuffix(u, "\""):
		u = u[2 : len(u)-1]
	case strings.HasPrefix(u, "'"):
		u = u[1:]
	}
	if v, ok := strings.CutSuffix(u, ".0"); ok && v != "" && v[len(v)-1] >= '0' && v[len(v)-1] <= '9' {
		u = v
	}
	if u == t {
		return s
	}
	return u
}

// maxSig bounds the significant characters of an identifier code; anything
// longer is not a code of any supported type.
const maxSig = 24

// code is an identifier's significant characters (separators removed),
// full-width forms folded to ASCII and letters upper-cased, for validation.
// Rendering works on the original string so kept runes keep their form.
type code struct {
	sig [maxSig]rune
	n   int
}

func (c *code) allDigits(from, to int) bool {
	for i := from; i < to; i++ {
		if c.sig[i] < '0' || c.sig[i] > '9' {
			return false
		}
	}
	return true
}

func (c *code) hasPrefix(p string) bool {
	if c.n < len(p) {
		return false
	}
	for i := 0; i < len(p); i++ {
		if c.sig[i] != rune(p[i]) {
			return false
		}
	}
	return true
}

// isSep reports whether r is a separator people put inside identifiers.
func isSep(r rune) bool {
	switch r {
	case ' ', '-', '+', '(', ')', '.', '/', '\t', '·', '•', '・', '（', '）', '　', '－', '＋':
		return true
	}
	return false
}

// foldAlnum maps ASCII and full-width letters and digits to upper-case
// ASCII; ok is false for anything else.
func foldAlnum(r rune) (rune, bool) {
	switch {
	case r >= '0' && r <= '9', r >= 'A' && r <= 'Z':
		return r, true
	case r >= 'a' && r <= 'z':
		return r - 'a' + 'A', true
	case r >= '０' && r <= '９':
		return r - '０' + '0', true
	case r >= 'Ａ' && r <= 'Ｚ':
		return r - 'Ａ' + 'A', true
	case r >= 'ａ' && r <= 'ｚ':
		return r - 'ａ' + 'A', true
	}
	return 0, false
}

// scanCode collects the significant characters of s. Han characters are
// allowed only when allowHan (licence plates); any other rune that is neither
// a separator nor alphanumeric fails, as does invalid UTF-8.
func scanCode(s string, allowHan bool) (c code, ok bool) {
	for _, r := range s {
		if isSep(r) {
			continue
		}
		f, isAlnum := foldAlnum(r)
		if !isAlnum {
			if !allowHan || !isHan(r) {
				return c, false
			}
			f = r
		}
		if c.n == maxSig {
			return c, false
		}
		c.sig[c.n] = f
		c.n++
	}
	return c, c.n > 0
}

func isHan(r rune) bool {
	return (r >= 0x4E00 && r <= 0x9FFF) || (r >= 0x3400 && r <= 0x4DBF) || (r >= 0x20000 && r <= 0x2FA1F)
}

// renderSig hides the significant runes with index in [from, to), where a
// rune is significant unless sep says otherwise. Separators are kept, except
// those inside a hidden run when FixedRun is set (the run is one block).
func (m Masker) renderSig(s string, from, to int, sep func(rune) bool) string {
	if from >= to {
		return m.full(s)
	}
	var b strings.Builder
	b.Grow(len(s) + (to-from+m.FixedRun)*(m.maskWidth()-1) + m.FixedRun)
	mr := m.maskRune()
	idx := 0
	for _, r := range s {
		if sep(r) {
			if m.FixedRun > 0 && idx > from && idx < to {
				continue
			}
			b.WriteRune(r)
			continue
		}
		switch {
		case idx < from || idx >= to:
			b.WriteRune(r)
		case m.FixedRun == 0:
			b.WriteRune(mr)
		case idx == from:
			m.writeMask(&b, m.FixedRun)
		}
		idx++
	}
	return b.String()
}

func (m Masker) renderCode(s string, from, to int) string {
	return m.renderSig(s, from, to, isSep)
}

func isASCIIDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// mobile: keep the +86/86/0086 prefix, the first 3 and last 4 digits.
func (m Masker) mobile(s string) (string, error) {
	if len(s) == 11 && s[0] == '1' && s[1] >= '3' && s[1] <= '9' && isASCIIDigits(s) {
		return m.keep(s, 3, 7, 11), nil // hot path: plain 11 ASCII digits
	}
	c, ok := scanCode(s, false)
	if !ok || !c.allDigits(0, c.n) {
		return "", malformed("cn_mobile")
	}
	pre := 0
	switch {
	case c.n == 11:
	case c.n == 13 && c.hasPrefix("86"):
		pre = 2
	case c.n == 15 && c.hasPrefix("0086"):
		pre = 4
	default:
		return "", malformed("cn_mobile")
	}
	if c.sig[pre] != '1' || c.sig[pre+1] < '3' {
		return "", malformed("cn_mobile")
	}
	return m.renderCode(s, pre+3, pre+7), nil
}

// mobileFast masks a plain 11-digit mobile in one pass over a stack buffer.
// Display calls it only with a mask rune below '0', which can never equal
// the hidden digits, so the output always differs from the input.
func (m Masker) mobileFast(s string) (string, bool) {
	var buf [11]byte
	for i := 0; i < len(buf); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return "", false
		}
		buf[i] = c
	}
	if buf[0] != '1' || buf[1] < '3' {
		return "", false
	}
	mr := byte(m.maskRune())
	buf[3], buf[4], buf[5], buf[6] = mr, mr, mr, mr
	return string(buf[:]), true
}

// residentIDFast is mobileFast for a plain 18-character resident ID.
func (m Masker) residentIDFast(s string) (string, bool) {
	var buf [18]byte
	for i := 0; i < len(buf); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (i != 17 || (c != 'X' && c != 'x')) {
			return "", false
		}
		buf[i] = c
	}
	first, last := 1, 2
	if m.ResidentID64 {
		first, last = 6, 4
	}
	mr := byte(m.maskRune())
	for i := first; i < len(buf)-last; i++ {
		buf[i] = mr
	}
	return string(buf[:]), true
}

// residentID: first 1 and last 2 (or 6 and 4 with ResidentID64). The check
// digit is not verified: a mistyped ID is still personal data to hide.
func (m Masker) residentID(s string) (string, error) {
	first, last := 1, 2
	if m.ResidentID64 {
		first, last = 6, 4
	}
	c, ok := scanCode(s, false)
	if !ok {
		return "", malformed("cn_resident_id")
	}
	switch {
	case c.n == 18 && c.allDigits(0, 17) && (c.allDigits(17, 18) || c.sig[17] == 'X'):
	case c.n == 15 && c.allDigits(0, 15):
	default:
		return "", malformed("cn_resident_id")
	}
	return m.renderCode(s, first, c.n-last), nil
}

// landline: keep the area code (010, 02X: 3 digits; other 0XXX: 4) and the
// last 2 digits; a number without area code keeps only the last 2.
func (m Masker) landline(s string) (string, error) {
	c, ok := scanCode(s, false)
	if !ok || !c.allDigits(0, c.n) {
		return "", malformed("cn_landline")
	}
	area := 0
	if c.sig[0] == '0' {
		area = 4
		if c.n > 1 && (c.sig[1] == '1' || c.sig[1] == '2') {
			area = 3
		}
	}
	if sub := c.n - area; sub < 7 || sub > 8 {
		return "", malformed("cn_landline")
	}
	return m.renderCode(s, area, c.n-2), nil
}

// bankCard: 12-19 digits → first 4, masked middle grouped in fours, last 4,
// separated by spaces: "6222 **** **** 1234".
func (m Masker) bankCard(s string) (string, error) {
	c, ok := scanCode(s, false)
	if !ok || c.n < 12 || c.n > 19 || !c.allDigits(0, c.n) {
		return "", malformed("bank_card")
	}
	k := m.runLen(c.n - 8)
	var b strings.Builder
	b.Grow(10 + k/4 + k*m.maskWidth())
	for i := 0; i < 4; i++ {
		b.WriteByte(byte(c.sig[i]))
	}
	for i := 0; i < k; i++ {
		if i%4 == 0 {
			b.WriteByte(' ')
		}
		m.writeMask(&b, 1)
	}
	b.WriteByte(' ')
	for i := c.n - 4; i < c.n; i++ {
		b.WriteByte(byte(c.sig[i]))
	}
	return b.String(), nil
}

// plateProvinces are the province abbreviations that open a plate.
const plateProvinces = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼使领"

// plateSuffixes may end a plate (police, coach, trailer, HK/Macau, consular, test).
const plateSuffixes = "警学挂港澳领试超使"

// plate: 7 or 8 characters; keep province + letter and the last character.
func (m Masker) plate(s string) (string, error) {
	c, ok := scanCode(s, true)
	if !ok || (c.n != 7 && c.n != 8) || !strings.ContainsRune(plateProvinces, c.sig[0]) ||
		c.sig[1] < 'A' || c.sig[1] > 'Z' {
		return "", malformed("cn_license_plate")
	}
	for i := 2; i < c.n; i++ {
		if r := c.sig[i]; isHan(r) && (i != c.n-1 || !strings.ContainsRune(plateSuffixes, r)) {
			return "", malformed("cn_license_plate")
		}
	}
	return m.renderCode(s, 2, c.n-1), nil
}

func (c *code) digitCount() int {
	d := 0
	for i := 0; i < c.n; i++ {
		if c.sig[i] >= '0' && c.sig[i] <= '9' {
			d++
		}
	}
	return d
}

// passport: 6-15 letters and digits (Chinese E/G passports are 9; foreign
// ones vary) with at least 5 digits; keep first 2 and last 2.
func (m Masker) passport(s string) (string, error) {
	c, ok := scanCode(s, false)
	if !ok || c.n < 6 || c.n > 15 || c.digitCount() < 5 {
		return "", malformed("cn_passport")
	}
	return m.renderCode(s, 2, c.n-2), nil
}

// travelPermit: C+8, C+letter+7, H/M+8+2, or 8-digit Taiwan permits;
// keep first 1 and last 2.
func (m Masker) travelPermit(s string) (string, error) {
	c, ok := scanCode(s, false)
	if !ok || c.n < 8 || c.n > 11 || c.digitCount() < 7 {
		return "", malformed("cn_travel_permit")
	}
	return m.renderCode(s, 1, c.n-2), nil
}

// hkid: keep the one or two leading letters; hide the digits and check.
func (m Masker) hkid(s string) (string, error) {
	c, ok := scanCode(s, false)
	if !ok || c.n < 8 || c.n > 9 {
		return "", malformed("hk_id")
	}
	letters := c.n - 7
	for i := 0; i < letters; i++ {
		if c.sig[i] < 'A' || c.sig[i] > 'Z' {
			return "", malformed("hk_id")
		}
	}
	if !c.allDigits(letters, c.n-1) || (c.sig[c.n-1] != 'A' && !c.allDigits(c.n-1, c.n)) {
		return "", malformed("hk_id")
	}
	return m.renderCode(s, letters, c.n), nil
}

// twid: letter + 9 digits (or a second letter for old resident certificates);
// keep first 1 and last 2, so the sex digit is hidden.
func (m Masker) twid(s string) (string, error) {
	c, ok := scanCode(s, false)
	if !ok || c.n != 10 || c.sig[0] < 'A' || c.sig[0] > 'Z' || !c.allDigits(2, 10) {
		return "", malformed("tw_id")
	}
	return m.renderCode(s, 1, 8), nil
}

// orgCode: 8 characters + check (printed XXXXXXXX-X); keep the first 2.
func (m Masker) orgCode(s string) (string, error) {
	c, ok := scanCode(s, false)
	if !ok || c.n != 9 {
		return "", malformed("cn_org_code")
	}
	return m.renderCode(s, 2, 9), nil
}

const usccAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"

// uscc: keep the first 8 (registration authority, entity type and the
// 6-digit region, none of which identifies the entity) and hide the 9-character
// organization code and the check character.
func (m Masker) uscc(s string) (string, error) {
	c, ok := scanCode(s, false)
	if !ok || c.n != 18 {
		return "", malformed("cn_uscc")
	}
	for i := 0; i < 18; i++ {
		if !strings.ContainsRune(usccAlphabet, c.sig[i]) {
			return "", malformed("cn_uscc")
		}
	}
	return m.renderCode(s, 8, 18), nil
}

// emailRun is the fixed length of the masked local part: the local part's
// length is hidden even without FixedRun.
const emailRun = 4

// email: first rune of the local part, four mask runes, "@domain". A
// one-rune local part keeps nothing.
func (m Masker) email(s string) (string, error) {
	at := strings.IndexByte(s, '@')
	if at <= 0 || at != strings.LastIndexByte(s, '@') || at == len(s)-1 || !utf8.ValidString(s) {
		return "", malformed("email")
	}
	for _, r := range s {
		if r <= ' ' || r == 0x7F || r == '　' {
			return "", malformed("email")
		}
	}
	k := emailRun
	if m.FixedRun > 0 {
		k = m.FixedRun
	}
	_, w := utf8.DecodeRuneInString(s)
	if w == at {
		w = 0
	}
	var b strings.Builder
	b.Grow(w + k*m.maskWidth() + len(s) - at)
	b.WriteString(s[:w])
	m.writeMask(&b, k)
	b.WriteString(s[at:])
	return b.String(), nil
}

// ipv4: first octet, the others masked: "10.*.*.*".
func (m Masker) ipv4(s string) (string, error) {
	a, err := netip.ParseAddr(s)
	if err != nil || !a.Is4() {
		return "", malformed("ipv4")
	}
	b4 := a.As4()
	var b strings.Builder
	b.Grow(3 + 3*(1+m.maskWidth()))
	b.WriteString(strconv.Itoa(int(b4[0])))
	for i := 0; i < 3; i++ {
		b.WriteByte('.')
		m.writeMask(&b, 1)
	}
	return b.String(), nil
}

// ipv6: first group, the other seven masked: "2001:*:*:*:*:*:*:*"; a zone is
// dropped.
func (m Masker) ipv6(s string) (string, error) {
	a, err := netip.ParseAddr(s)
	if err != nil || !a.Is6() {
		return "", malformed("ipv6")
	}
	b16 := a.As16()
	var b strings.Builder
	b.Grow(4 + 7*(1+m.maskWidth()))
	b.WriteString(strconv.FormatUint(uint64(b16[0])<<8|uint64(b16[1]), 16))
	for i := 0; i < 7; i++ {
		b.WriteByte(':')
		m.writeMask(&b, 1)
	}
	return b.String(), nil
}

// url: scheme and host name; user info, port, path, query and fragment are
// replaced by one fixed masked path segment.
func (m Masker) url(s string) (string, error) {
	bare := !strings.Contains(s, "://") && strings.HasPrefix(strings.ToLower(s), "www.")
	p := s
	if bare {
		p = "http://" + s // www.example.cn/x: a host without its scheme
	}
	u, err := url.Parse(p)
	if err != nil || u.Scheme == "" || u.Hostname() == "" || !utf8.ValidString(s) {
		return "", malformed("url")
	}
	var b strings.Builder
	if !bare {
		b.WriteString(u.Scheme)
		b.WriteString("://")
	}
	b.WriteString(u.Hostname())
	b.WriteByte('/')
	m.writeMask(&b, m.runLen(emailRun))
	return b.String(), nil
}

// isNameSep reports the separators of transliterated and minority names.
func isNameSep(r rune) bool { return r == '·' || r == '•' || r == '・' || r == '.' }

// name keeps the whole surname (compound 欧阳, or the first "·" segment;
// the first rune when the surname is unknown) and masks every other rune,
// keeping "·" separators. A name with nothing after its surname is fully
// masked.
func (m Masker) name(s string) string {
	s = validUTF8(s)
	sur := classify.Surname(s)
	if sur == "" {
		_, w := utf8.DecodeRuneInString(s)
		sur = s[:w]
	}
	rest := s[len(sur):]
	hidden := 0
	for _, r := range rest {
		if !isNameSep(r) {
			hidden++
		}
	}
	if hidden == 0 {
		return m.full(s)
	}
	lead := 0
	for _, r := range rest {
		if !isNameSep(r) {
			break
		}
		lead += utf8.RuneLen(r)
	}
	if m.FixedRun > 0 {
		// One block for the whole given name: separators would reveal
		// how many segments it had.
		var b strings.Builder
		b.Grow(len(sur) + lead + m.FixedRun*m.maskWidth())
		b.WriteString(sur)
		b.WriteString(rest[:lead])
		m.writeMask(&b, m.FixedRun)
		return b.String()
	}
	var b strings.Builder
	b.Grow(len(sur) + len(rest)*m.maskWidth())
	b.WriteString(sur)
	for _, r := range rest {
		if isNameSep(r) {
			b.WriteRune(r)
		} else {
			m.writeMask(&b, 1)
		}
	}
	return b.String()
}

// address keeps the administrative divisions the address starts with
// (province, prefecture, county, as GB/T 2260 names them; see
// GeneralizeAddress) as written and masks the rest. An address that is
// nothing but its divisions keeps only the first; a single division is
// fully masked. Text that names no known division at its start is not
// kept: 某某市幸福区 is not a region.
func (m Masker) address(s string) (string, error) {
	if !utf8.ValidString(s) {
		return "", malformed("address")
	}
	p, ok := region.Match(s)
	if !ok {
		return "", malformed("address")
	}
	keep := p.End
	if strings.TrimSpace(s[keep:]) == "" {
		keep = p.First
		if keep == p.End {
			return m.full(s), nil
		}
	}
	rest := s[keep:]
	k := m.runLen(runeCount(rest))
	var b strings.Builder
	b.Grow(keep + k*m.maskWidth())
	b.WriteString(s[:keep])
	m.writeMask(&b, k)
	return b.String(), nil
}

// coordinate: "lon,lat" keeps the integer degrees and two decimals
// (about 1.1 km, docs/domain.md: geospatial data) and masks further decimals digit by digit.
// A number with two decimals or fewer has all its decimals masked, and one
// without decimals is masked entirely, so the output always hides something.
func (m Masker) coordinate(s string) (string, error) {
	lonS, latS, ok := splitPair(s)
	if !ok {
		return "", malformed("geo_coordinate")
	}
	var dec [2]int
	for i, p := range [2]string{lonS, latS} {
		d, err := parseDec(p)
		if err != nil {
			return "", malformed("geo_coordinate")
		}
		dec[i] = d.scale
	}
	if err := checkLonLat(lonS, latS); err != nil {
		return "", err
	}
	var b strings.Builder
	b.Grow(len(s) * m.maskWidth())
	k, inFrac, fi := 0, false, 0
	for _, r := range s {
		switch {
		case r == ',' || r == '，':
			k, inFrac, fi = 1, false, 0
			b.WriteRune(r)
		case r == '.':
			inFrac = true
			b.WriteRune(r)
		case r >= '0' && r <= '9':
			hide := dec[k] == 0
			if inFrac {
				fi++
				hide = dec[k] <= 2 || fi > 2
			}
			if hide {
				m.writeMask(&b, 1)
			} else {
				b.WriteRune(r)
			}
		default:
			b.WriteRune(r)
		}
	}
	return b.String(), nil
}

func isDigitRune(r rune) bool { return (r >= '0' && r <= '9') || (r >= '０' && r <= '９') }

// dateOfBirth keeps the year and masks month and day digits: "1990-**-**".
func (m Masker) dateOfBirth(s string) (string, error) {
	if _, _, _, ok := parseDate(s); !ok {
		return "", malformed("date_of_birth")
	}
	digits := 0
	for _, r := range s {
		if isDigitRune(r) {
			digits++
		}
	}
	return m.renderSig(s, 4, digits, func(r rune) bool { return !isDigitRune(r) }), nil
}

// alnumCount counts the ASCII and full-width letters and digits of s.
func alnumCount(s string) int {
	n := 0
	for _, r := range s {
		if f, ok := foldAlnum(r); ok && f != 0 {
			n++
		}
	}
	return n
}
