package classify

import (
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/govshare/govshare/catalog"
)

// ResidentID is a parsed resident identity number (GB 11643-1999).
type ResidentID struct {
	Region string    // 6-digit administrative division code (GB/T 2260)
	Birth  time.Time // birth date, UTC midnight
	Male   bool      // odd sequence number
	Legacy bool      // 15-digit first-generation number (no check digit)
}

// String never prints the number itself.
func (ResidentID) String() string { return "classify.ResidentID{[redacted]}" }

// Age returns the holder's age in whole years at t.
func (id ResidentID) Age(t time.Time) int {
	y, m, d := t.Date()
	by, bm, bd := id.Birth.Date()
	age := y - by
	if m < bm || (m == bm && d < bd) {
		age--
	}
	return age
}

// Minor reports whether the holder is under 14 at t, which makes the value
// sensitive personal information (PIPL art. 28).
func (id ResidentID) Minor(t time.Time) bool { return id.Age(t) < 14 }

// ErrInvalid is returned when a value does not validate as its type. It
// never carries the value.
var ErrInvalid = errorf("value is not a valid identifier of its type")

// ParseResidentID parses an 18-character or legacy 15-digit resident ID,
// checking the province prefix, the birth date and (18 only) the check digit.
// A lower-case x check character is accepted.
func ParseResidentID(s string) (ResidentID, error) {
	switch len(s) {
	case 18:
		c, ok := ResidentIDCheckDigit(s[:17])
		if !ok || (s[17] != c && !(c == 'X' && s[17] == 'x')) {
			return ResidentID{}, ErrInvalid
		}
		y, _ := atoiN(s, 6, 4)
		return residentIDParts(s, y, 10)
	case 15:
		if _, ok := atoiN(s, 0, 15); !ok {
			return ResidentID{}, ErrInvalid
		}
		y, _ := atoiN(s, 6, 2)
		id, err := residentIDParts(s, 1900+y, 8)
		id.Legacy = true
		return id, err
	}
	return ResidentID{}, ErrInvalid
}

// residentIDParts checks the region and date of s whose month starts at mi.
func residentIDParts(s string, y, mi int) (ResidentID, error) {
	if !validProvince(s[0], s[1]) {
		return ResidentID{}, ErrInvalid
	}
	if _, ok := atoiN(s, 2, 4); !ok {
		return ResidentID{}, ErrInvalid
	}
	m, ok1 := atoiN(s, mi, 2)
	d, ok2 := atoiN(s, mi+2, 2)
	seq, ok3 := atoiN(s, mi+4, 3)
	if !ok1 || !ok2 || !ok3 || !validDate(y, m, d) {
		return ResidentID{}, ErrInvalid
	}
	return ResidentID{
		Region: s[:6],
		Birth:  time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC),
		Male:   seq%2 == 1,
	}, nil
}

// ValidResidentID reports whether s is a valid 18- or 15-character resident ID.
func ValidResidentID(s string) bool {
	_, err := ParseResidentID(s)
	return err == nil
}

// residentIDShape reports whether an 18-character all-digit (or X-ended)
// string has a resident ID's region and birth date, whatever its check
// digit: such strings are resident IDs or nothing, never a bank card or a
// USCC, so that a mistyped ID is not reported as something else.
func residentIDShape(s string) bool {
	if len(s) != 18 {
		return false
	}
	y, ok := atoiN(s, 6, 4)
	if !ok {
		return false
	}
	_, err := residentIDParts(s, y, 10)
	return err == nil
}

// ValidUSCC reports whether s is an 18-character unified social credit code
// with a valid mod-31 check character.
func ValidUSCC(s string) bool {
	if len(s) != 18 {
		return false
	}
	c, ok := USCCCheckDigit(s[:17])
	return ok && s[17] == c
}

// usccStrict adds the structural checks used for free text, where an
// 18-character run may be anything: a known authority/type pair, a province
// prefix in the region, and the embedded GB 11714 organization code with its
// own check digit (GB 32100-2015 §4.3).
func usccStrict(s string) bool {
	if !ValidUSCC(s) || residentIDShape(s) {
		return false
	}
	if !strings.ContainsRune("123456789ANY", rune(s[0])) || !strings.ContainsRune("123459", rune(s[1])) {
		return false
	}
	if !validProvince(s[2], s[3]) {
		return false
	}
	c, ok := OrgCodeCheckDigit(s[8:16])
	return ok && s[16] == c
}

// ValidOrgCode reports whether s is an organization code, printed
// XXXXXXXX-X or as nine characters, with a valid check character.
func ValidOrgCode(s string) bool {
	switch len(s) {
	case 10:
		if s[8] != '-' {
			return false
		}
		s = s[:8] + s[9:]
	case 9:
	default:
		return false
	}
	c, ok := OrgCodeCheckDigit(s[:8])
	return ok && s[8] == c
}

// mobilePrefix reports whether the three digits are an allocated mobile prefix.
func mobilePrefix(a, b, c byte) bool {
	if a != '1' || c < '0' || c > '9' {
		return false
	}
	switch b {
	case '3', '8':
		return true
	case '4':
		return c == '5' || c == '6' || c == '7' || c == '8' || c == '9'
	case '5', '9':
		return c != '4'
	case '6':
		return c == '2' || c == '5' || c == '6' || c == '7'
	case '7':
		return c != '9'
	}
	return false
}

// ValidMobile reports whether s is a mainland mobile number: 11 digits with
// an allocated prefix, optionally preceded by +86, 86 or 0086.
func ValidMobile(s string) bool {
	for _, p := range [...]string{"+86", "0086", "86"} {
		if len(s) == 11+len(p) && strings.HasPrefix(s, p) {
			s = s[len(p):]
			break
		}
	}
	return len(s) == 11 && mobileDigits(s)
}

func mobileDigits(s string) bool {
	if _, ok := atoiN(s, 0, 11); !ok {
		return false
	}
	return mobilePrefix(s[0], s[1], s[2])
}

// landlineSplit returns the length of the area code of a digits-only
// landline number, or 0 when the number does not fit a mainland plan.
//
// Subscriber numbers do not start with 0 or 1 (1 is kept for service
// numbers); a number whose area code is delimited (in brackets or followed
// by a separator) is accepted with a leading 1 all the same, since forms and
// examples write them so and the delimiter is evidence enough.
func landlineSplit(d string) int { return landlineSplitDelim(d, false) }

func landlineSplitDelim(d string, delimited bool) int {
	if len(d) < 10 || len(d) > 12 || d[0] != '0' || d[1] == '0' {
		return 0
	}
	if _, ok := atoiN(d, 0, len(d)); !ok {
		return 0
	}
	area := 4
	if d[1] == '1' && d[2] == '0' || d[1] == '2' {
		area = 3
	}
	if d[1] == '1' && area == 4 {
		return 0 // 01X other than 010 is not an area code
	}
	sub := len(d) - area
	if sub < 7 || sub > 8 || (area == 3 && sub != 8) || d[area] == '0' || (d[area] == '1' && !delimited) {
		return 0
	}
	return area
}

// ValidLandline reports whether s is a mainland fixed-line number: area code
// 010, 02X or 0XXX then 7–8 digits, optionally separated by "-" or a space,
// or with the area code in parentheses.
func ValidLandline(s string) bool {
	if strings.HasPrefix(s, "(") || strings.HasPrefix(s, "（") {
		_, n := utf8.DecodeRuneInString(s)
		i := strings.IndexAny(s, ")）")
		if i < 0 {
			return false
		}
		_, m := utf8.DecodeRuneInString(s[i:])
		area, rest := s[n:i], strings.TrimPrefix(s[i+m:], " ")
		return landlineSplitDelim(area+rest, true) == len(area)
	}
	if i := strings.IndexAny(s, "- "); i > 0 {
		return landlineSplitDelim(s[:i]+s[i+1:], true) == i
	}
	return landlineSplit(s) > 0
}

// bankIIN reports whether the digits start with an issuer prefix of a card
// used in China and fit that scheme's lengths: UnionPay 62 (16–19), Bank of
// China's 6013 (16–19), ICBC's 9558 debit (19), Visa 4 (16, 19), Mastercard
// 51–55 and 2221–2720 (16), JCB 3528–3589 (16–19), American Express 34/37
// (15). A number that only passes Luhn, which one in ten does by chance,
// needs this evidence as well.
func bankIIN(d string) bool {
	n := len(d)
	if n < 15 {
		return false
	}
	switch d[0] {
	case '6':
		return n >= 16 && (d[1] == '2' || d[:4] == "6013")
	case '4':
		return n == 16 || n == 19
	case '5':
		return n == 16 && d[1] >= '1' && d[1] <= '5'
	case '2':
		p, _ := atoiN(d, 0, 4)
		return n == 16 && p >= 2221 && p <= 2720
	case '3':
		p, _ := atoiN(d, 0, 4)
		return (n >= 16 && p >= 3528 && p <= 3589) || (n == 15 && (d[1] == '4' || d[1] == '7'))
	case '9':
		return n == 19 && d[:4] == "9558"
	}
	return false
}

// ValidBankCard reports whether s is a payment card number: 13–19 digits
// (spaces or dashes between groups allowed), a known issuer prefix, and Luhn.
func ValidBankCard(s string) bool {
	if strings.ContainsAny(s, " -") {
		s = strings.NewReplacer(" ", "", "-", "").Replace(s)
	}
	if len(s) < 13 || len(s) > 19 {
		return false
	}
	if _, ok := atoiN(s, 0, len(s)); !ok {
		return false
	}
	return bankIIN(s) && LuhnValid(s) && !residentIDShape(s)
}

// provinceAbbrevs are the one-character province abbreviations on plates.
const provinceAbbrevs = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"

// plateSuffixes end the special plates of GA 36-2018 after four alphanumerics.
const plateSuffixes = "学挂警港澳领试超使"

func plateLetter(c byte) bool { return c >= 'A' && c <= 'Z' && c != 'I' && c != 'O' }
func plateAlnum(c byte) bool  { return plateLetter(c) || (c >= '0' && c <= '9') }
func isDigit(c byte) bool     { return c >= '0' && c <= '9' }

// plateTail checks the part after the province character: an issuing-office
// letter, then 5 characters (ordinary) or 6 (new energy with D/F), with at
// most one "·" or space after the letter. It returns the bytes consumed.
func plateTail(s string) int {
	if len(s) < 6 || !plateLetter(s[0]) {
		return 0
	}
	i := 1
	for _, sep := range plateSeps {
		if strings.HasPrefix(s[1:], sep) {
			i += len(sep)
			break
		}
	}
	body := s[i:]
	// special plates: 4 alphanumerics and a use character (学 coach, 挂
	// trailer, 警 police, 港/澳 cross-border, 领 consulate, 试 test, 超 oversize)
	if len(body) >= 4+3 && plateAlnum(body[0]) && plateAlnum(body[1]) && plateAlnum(body[2]) && plateAlnum(body[3]) {
		if r, _ := utf8.DecodeRuneInString(body[4:]); strings.ContainsRune(plateSuffixes, r) {
			return i + 4 + 3
		}
	}
	// new energy: D/F + alnum + 4 digits, or 5 digits + D/F
	if len(body) >= 6 && (body[0] == 'D' || body[0] == 'F') && plateAlnum(body[1]) &&
		isDigit(body[2]) && isDigit(body[3]) && isDigit(body[4]) && isDigit(body[5]) {
		return i + 6
	}
	if len(body) >= 6 && isDigit(body[0]) && isDigit(body[1]) && isDigit(body[2]) && isDigit(body[3]) && isDigit(body[4]) && (body[5] == 'D' || body[5] == 'F') {
		return i + 6
	}
	if len(body) < 5 {
		return 0
	}
	letters := 0
	for k := 0; k < 5; k++ {
		if !plateAlnum(body[k]) {
			return 0
		}
		if !isDigit(body[k]) {
			letters++
		}
	}
	if letters > 3 {
		return 0
	}
	return i + 5
}

// ValidLicensePlate reports whether s is a mainland plate: province
// character + letter + 5 alphanumerics (no I/O), or the 8-character
// new-energy form with D/F.
func ValidLicensePlate(s string) bool {
	r, n := utf8.DecodeRuneInString(s)
	if !strings.ContainsRune(provinceAbbrevs, r) {
		return false
	}
	k := plateTail(s[n:])
	return k > 0 && n+k == len(s)
}

// ValidPassport reports whether s is a mainland ordinary passport number:
// E + 8 digits, E + letter + 7 digits, or G + 8 digits.
func ValidPassport(s string) bool {
	if len(s) != 9 {
		return false
	}
	switch s[0] {
	case 'E':
		_, ok := atoiN(s, 2, 7)
		return ok && (isDigit(s[1]) || plateLetter(s[1]))
	case 'G':
		_, ok := atoiN(s, 1, 8)
		return ok
	}
	return false
}

// ValidTravelPermit reports whether s is a Mainland–HK/Macau permit (C + 8
// digits, C + letter + 7 digits) or a HK/Macau residents' permit (H/M + 8
// digits, optionally + 2 digits of issue count).
func ValidTravelPermit(s string) bool {
	switch {
	case len(s) == 9 && s[0] == 'C':
		_, ok := atoiN(s, 2, 7)
		return ok && (isDigit(s[1]) || plateLetter(s[1]))
	case (len(s) == 9 || len(s) == 11) && (s[0] == 'H' || s[0] == 'M'):
		_, ok := atoiN(s, 1, len(s)-1)
		return ok
	}
	return false
}

// ValidHKID reports whether s is a Hong Kong identity card number, with the
// check character in parentheses or bare: A123456(3), AB9876543.
func ValidHKID(s string) bool {
	s = strings.TrimSuffix(s, ")")
	if i := strings.IndexByte(s, '('); i >= 0 {
		if i != len(s)-2 {
			return false
		}
		s = s[:i] + s[i+1:]
	}
	if len(s) != 8 && len(s) != 9 {
		return false
	}
	c, ok := HKIDCheckDigit(s[:len(s)-1])
	return ok && s[len(s)-1] == c
}

// ValidTWID reports whether s is a Taiwan national ID with a valid check digit.
func ValidTWID(s string) bool {
	if len(s) != 10 {
		return false
	}
	c, ok := TWIDCheckDigit(s[:9])
	return ok && s[9] == c
}

func emailLocal(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || isDigit(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-'
}
func hostChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || isDigit(c) || c == '-' || c == '.'
}

// validDomain reports whether s is a DNS name with at least two labels and an
// alphabetic top-level label.
func validDomain(s string) bool {
	if len(s) < 4 || len(s) > 253 {
		return false
	}
	labels := 0
	for rest, more := s, true; more; labels++ { // label by label, without a slice of them
		var l string
		l, rest, more = strings.Cut(rest, ".")
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for i := 0; i < len(l); i++ {
			if !hostChar(l[i]) {
				return false
			}
		}
	}
	tld := s[strings.LastIndexByte(s, '.')+1:]
	if len(tld) < 2 {
		return false
	}
	for i := 0; i < len(tld); i++ {
		if !(tld[i] >= 'a' && tld[i] <= 'z' || tld[i] >= 'A' && tld[i] <= 'Z') {
			return false
		}
	}
	return labels >= 2
}

// ValidEmail reports whether s is a plain address local@domain (no display
// name): dot-atom local part of at most 64 characters and a DNS domain.
func ValidEmail(s string) bool {
	at := strings.IndexByte(s, '@')
	if at < 1 || at > 64 {
		return false
	}
	local := s[:at]
	if local[0] == '.' || local[len(local)-1] == '.' || strings.Contains(local, "..") {
		return false
	}
	for i := 0; i < len(local); i++ {
		if !emailLocal(local[i]) {
			return false
		}
	}
	return validDomain(s[at+1:])
}

// ValidIPv4 reports whether s is a dotted-quad IPv4 address (no leading zeros).
func ValidIPv4(s string) bool {
	a, err := netip.ParseAddr(s)
	return err == nil && a.Is4()
}

// ValidIPv6 reports whether s is an IPv6 address in any standard notation.
func ValidIPv6(s string) bool {
	a, err := netip.ParseAddr(s)
	return err == nil && a.Is6() && a.Zone() == ""
}

// ValidURL reports whether s is an absolute http, https or ftp URL with a
// host, or a host starting "www.".
func ValidURL(s string) bool {
	if strings.HasPrefix(s, "www.") {
		s = "http://" + s
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return false
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https", "ftp":
	default:
		return false
	}
	h := u.Hostname()
	if _, err := netip.ParseAddr(h); err == nil {
		return true
	}
	return h == "localhost" || validDomain(h)
}

// adminSuffixes end administrative-region segments of an address.
var adminSuffixes = []string{"省", "自治区", "特别行政区", "市", "区", "县", "旗", "州", "盟", "镇", "乡", "街道"}

// detailSuffixes end the detailed parts of an address.
var detailSuffixes = []string{"路", "街", "道", "巷", "弄", "胡同", "村", "组", "号", "栋", "幢", "楼", "单元", "室", "小区", "大厦", "花园", "苑"}

// ValidAddress reports whether s reads as a postal address: Han text that
// names an administrative region (or starts with a province-level name)
// and carries at least one detail suffix, 6–120 characters.
func ValidAddress(s string) bool {
	n := utf8.RuneCountInString(s)
	if n < 6 || n > 120 {
		return false
	}
	han := 0
	for _, r := range s {
		if isHan(r) {
			han++
		}
	}
	if han*2 < n {
		return false
	}
	admin := provincePrefix(s) > 0
	if !admin {
		for _, a := range adminSuffixes {
			if strings.Contains(s, a) {
				admin = true
				break
			}
		}
	}
	if !admin {
		return false
	}
	for _, d := range detailSuffixes {
		if strings.Contains(s, d) {
			return true
		}
	}
	return false
}

// provinceNames are the province-level divisions' short names.
var provinceNames = []string{
	"北京", "天津", "上海", "重庆", "河北", "山西", "辽宁", "吉林", "黑龙江", "江苏", "浙江", "安徽", "福建", "江西",
	"山东", "河南", "湖北", "湖南", "广东", "海南", "四川", "贵州", "云南", "陕西", "甘肃", "青海", "台湾",
	"内蒙古", "广西", "西藏", "宁夏", "新疆", "香港", "澳门",
}

// provincePrefix returns the byte length of a province-level name at the
// start of s (with 省/市/自治区 if present), or 0.
func provincePrefix(s string) int {
	for _, p := range provinceNames {
		if strings.HasPrefix(s, p) {
			return len(p)
		}
	}
	return 0
}

// ParseCoordinate parses a "lon,lat" pair (comma, full-width comma, or
// space separated). It accepts lat,lon order only when the first number
// cannot be a latitude and the second can. Returns the number of decimals
// of the less precise component.
func ParseCoordinate(s string) (lon, lat float64, decimals int, ok bool) {
	s = strings.TrimSpace(s)
	var a, b string
	if i := strings.IndexAny(s, ",，"); i >= 0 {
		_, n := utf8.DecodeRuneInString(s[i:])
		a, b = strings.TrimSpace(s[:i]), strings.TrimSpace(s[i+n:])
	} else if f := strings.Fields(s); len(f) == 2 {
		a, b = f[0], f[1]
	} else {
		return 0, 0, 0, false
	}
	x, dx, ok1 := parseDecimal(a)
	y, dy, ok2 := parseDecimal(b)
	if !ok1 || !ok2 || dx < 1 || dy < 1 {
		return 0, 0, 0, false
	}
	if x < -180 || x > 180 || y < -90 || y > 90 {
		if y >= -180 && y <= 180 && x >= -90 && x <= 90 {
			x, y = y, x
		} else {
			return 0, 0, 0, false
		}
	}
	return x, y, min(dx, dy), true
}

// parseDecimal parses a plain decimal number and counts its fraction digits.
func parseDecimal(s string) (float64, int, bool) {
	if s == "" || len(s) > 32 {
		return 0, 0, false
	}
	for i := 0; i < len(s); i++ {
		if !(isDigit(s[i]) || s[i] == '.' || (i == 0 && (s[i] == '-' || s[i] == '+'))) {
			return 0, 0, false
		}
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, 0, false
	}
	d := 0
	if i := strings.IndexByte(s, '.'); i >= 0 {
		d = len(s) - i - 1
	}
	return v, d, true
}

// ValidCoordinate reports whether s is a "lon,lat" pair with decimals.
func ValidCoordinate(s string) bool {
	_, _, _, ok := ParseCoordinate(s)
	return ok
}

// ParseDate parses the date forms seen in government extracts:
// YYYY-MM-DD, YYYY/MM/DD, YYYY.MM.DD, YYYYMMDD and YYYY年M月D日, checking it
// is a real date from 1900 to today.
func ParseDate(s string) (time.Time, bool) {
	var y, m, d int
	var ok bool
	switch {
	case len(s) == 8 && !strings.ContainsAny(s, "-/."):
		var ok1, ok2, ok3 bool
		y, ok1 = atoiN(s, 0, 4)
		m, ok2 = atoiN(s, 4, 2)
		d, ok3 = atoiN(s, 6, 2)
		ok = ok1 && ok2 && ok3
	case strings.Contains(s, "年"):
		rest, found := strings.CutSuffix(s, "日")
		if !found {
			rest = strings.TrimSuffix(s, "号")
		}
		ys, rest, f1 := strings.Cut(rest, "年")
		ms, ds, f2 := strings.Cut(rest, "月")
		ok = f1 && f2
		y, m, d = atoiLoose(ys), atoiLoose(ms), atoiLoose(ds)
	default:
		sep := strings.IndexAny(s, "-/.")
		if sep != 4 {
			return time.Time{}, false
		}
		parts := strings.Split(s, s[4:5])
		if len(parts) != 3 {
			return time.Time{}, false
		}
		y, m, d = atoiLoose(parts[0]), atoiLoose(parts[1]), atoiLoose(parts[2])
		ok = len(parts[0]) == 4 && len(parts[1]) <= 2 && len(parts[2]) <= 2
	}
	if !ok || !validDate(y, m, d) {
		return time.Time{}, false
	}
	return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC), true
}

// atoiLoose parses 1–4 ASCII digits; -1 on anything else.
func atoiLoose(s string) int {
	if len(s) == 0 || len(s) > 4 {
		return -1
	}
	v, ok := atoiN(s, 0, len(s))
	if !ok {
		return -1
	}
	return v
}

// Validate reports whether s is a valid value of type t in any written form
// that Canonical accepts (full-width, grouped, prefixed, quoted).
// Header-driven types (date_of_birth) validate the value's form only.
func Validate(t catalog.Type, s string) bool {
	if validStrict(t, s) {
		return true
	}
	_, ok := Canonical(t, s)
	return ok
}

// validStrict checks the plain form of each type: the fast path of Validate.
func validStrict(t catalog.Type, s string) bool {
	switch t {
	case catalog.TypeResidentID:
		return ValidResidentID(s)
	case catalog.TypeUSCC:
		return ValidUSCC(s)
	case catalog.TypeOrgCode:
		return ValidOrgCode(s)
	case catalog.TypeMobile:
		return ValidMobile(s)
	case catalog.TypeLandline:
		return ValidLandline(s)
	case catalog.TypeBankCard:
		return ValidBankCard(s)
	case catalog.TypeLicensePlate:
		return ValidLicensePlate(s)
	case catalog.TypePassport:
		return ValidPassport(s)
	case catalog.TypeTravelPermit:
		return ValidTravelPermit(s)
	case catalog.TypeHKID:
		return ValidHKID(s)
	case catalog.TypeTWID:
		return ValidTWID(s)
	case catalog.TypeEmail:
		return ValidEmail(s)
	case catalog.TypeIPv4:
		return ValidIPv4(s)
	case catalog.TypeIPv6:
		return ValidIPv6(s)
	case catalog.TypeURL:
		return ValidURL(s)
	case catalog.TypePersonName:
		return ValidPersonName(s)
	case catalog.TypeAddress:
		return ValidAddress(s)
	case catalog.TypeGeoCoordinate:
		return ValidCoordinate(s)
	case catalog.TypeDateOfBirth:
		_, ok := ParseDate(s)
		return ok
	}
	return false
}

// valueTypes are the types whose values are never column names: each has a
// check digit or a strict form that no header word takes.
var valueTypes = []catalog.Type{
	catalog.TypeResidentID, catalog.TypeUSCC, catalog.TypeMobile, catalog.TypeLandline, catalog.TypeBankCard, catalog.TypeHKID, catalog.TypeTWID,
	catalog.TypeEmail, catalog.TypeIPv4, catalog.TypeIPv6, catalog.TypeGeoCoordinate,
}

// ValueInHeader reports the first header cell that is an identifier value
// rather than a name: the sign of a file whose header row is missing, so that
// its first data row was read as the header. It returns the cell's 0-based
// column and type, never the value, so callers can say so without leaking it.
func ValueInHeader(header []string) (col int, t catalog.Type, ok bool) {
	for i, h := range header {
		for _, t := range valueTypes {
			if Validate(t, h) {
				return i, t, true
			}
		}
	}
	return 0, "", false
}
