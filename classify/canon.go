package classify

import (
	"net/netip"
	"strings"
	"unicode/utf8"

	"github.com/govshare/govshare/catalog"
	"github.com/govshare/govshare/internal/space"
)

// Values as people write them differ from the forms the check digits are
// defined on: full-width digits from a Chinese input method (１３８…),
// groups separated for reading (110105 19491231 002X, 138-1234-5678),
// a lower-case x, country prefixes (+86, 0086), spreadsheet quoting ('…,
// ="…", a trailing .0). Canonical maps each written form to one canonical
// form per type, so that validation, tokens, pseudonyms and FPE see one
// person's identifier written three ways as one value.

// foldRune maps a rune that people use in place of an ASCII character to
// that character: the full-width forms U+FF01–U+FF5E, the ideographic space
// U+3000 and the hyphen-like dashes. It returns the rune unchanged otherwise.
func foldRune(r rune) rune {
	switch {
	case r >= 0xFF01 && r <= 0xFF5E:
		return r - 0xFF01 + '!'
	case r == 0x3000:
		return ' '
	case r >= 0x2010 && r <= 0x2013, r == 0x2212, r == 0xFE63:
		return '-'
	}
	return r
}

// foldLead reports whether s[i:i+3] may encode a rune that folding
// changes: the full-width forms (EF BC xx, EF BD xx), the small hyphen
// (EF B9 A3), the ideographic space and full stop (E3 80 80, E3 80 82) and
// the dashes and minus (E2 80 xx, E2 88 92). A quick byte test: nearly all
// input is ASCII or plain Han text. i+2 < len(s).
func foldLead(s string, i int) bool {
	switch c := s[i]; c {
	case 0xEF:
		return s[i+1] == 0xBC || s[i+1] == 0xBD || s[i+1] == 0xB9
	case 0xE3:
		return s[i+1] == 0x80 && (s[i+2] == 0x80 || s[i+2] == 0x82)
	case 0xE2:
		return s[i+1] == 0x80 || s[i+1] == 0x88
	}
	return false
}

// needsFold reports whether s holds a rune that foldRune changes.
func needsFold(s string) bool {
	for i := 0; i+2 < len(s); {
		switch c := s[i]; {
		case c == 0xE2 || c == 0xE3 || c == 0xEF:
			if foldLead(s, i) {
				if r, _ := utf8.DecodeRuneInString(s[i:]); foldRune(r) != r {
					return true
				}
			}
			i++
		case c >= 0xE0 && c < 0xF0 && s[i+1]&0xC0 == 0x80 && s[i+2]&0xC0 == 0x80:
			// Another 3-byte character (Han text): its last two bytes are
			// continuation bytes, never a lead foldLead looks for.
			i += 3
		default:
			i++
		}
	}
	return false
}

// Fold returns s with full-width ASCII forms, the ideographic space and
// hyphen-like dashes replaced by their ASCII counterparts. Other text,
// Han characters included, is unchanged. It does not allocate when there
// is nothing to fold.
func Fold(s string) string {
	if !needsFold(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		b.WriteRune(foldRune(r))
	}
	return b.String()
}

// plainWide reports whether s[i:] begins with a valid three-byte character
// that never folds (Han text): a lead byte without the exceptions of E0
// (overlong forms) and ED (surrogates) and none of the folding leads E2,
// E3 and EF, followed by two continuation bytes.
func plainWide(s string, i int) bool {
	c := s[i]
	return (c == 0xE1 || c >= 0xE4 && c <= 0xEC || c == 0xEE) && i+2 < len(s) && s[i+1]&0xC0 == 0x80 && s[i+2]&0xC0 == 0x80
}

// FoldValid returns Fold(s) and whether s is valid UTF-8, from one pass
// over s where the two would take one each: callers that refuse invalid
// text and then fold it (address generalization, for every address) check
// both at once.
func FoldValid(s string) (string, bool) {
	fold := false
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			i++
			continue
		}
		if plainWide(s, i) {
			i += 3
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			return Fold(s), false
		}
		if !fold && foldRune(r) != r {
			fold = true
		}
		i += n
	}
	if !fold {
		return s, true
	}
	return Fold(s), true
}

// MatchesFolded reports whether a == strings.TrimSpace(Fold(s)), folding s
// only as far as the comparison goes: a value that differs early — a masked
// one, say — costs a few characters, not a pass over s (a transform's
// output is checked against its input with it, for every value).
func MatchesFolded(a, s string) bool {
	if space.First(a) || space.Last(a) {
		return false // TrimSpace leaves no space at either end
	}
	// A rune is a space folded exactly when it is one unfolded (the one
	// space that folds, U+3000, folds to ' '), so spaces are found in s
	// without folding.
	j := 0
	for space.First(s[j:]) { // the leading spaces
		_, n := utf8.DecodeRuneInString(s[j:])
		j += n
	}
	i := 0
	var buf [utf8.UTFMax]byte
	for i < len(a) && j < len(s) {
		c := s[j]
		if c < utf8.RuneSelf { // ASCII never folds
			if a[i] != c {
				return false
			}
			i, j = i+1, j+1
			continue
		}
		if plainWide(s, j) {
			if len(a)-i < 3 || a[i] != c || a[i+1] != s[j+1] || a[i+2] != s[j+2] {
				return false
			}
			i, j = i+3, j+3
			continue
		}
		r, n := utf8.DecodeRuneInString(s[j:])
		if r == utf8.RuneError && n == 1 {
			// Fold keeps an invalid byte when nothing in s folds and
			// writes U+FFFD for it when something does.
			return a == strings.TrimSpace(Fold(s))
		}
		m := utf8.EncodeRune(buf[:], foldRune(r))
		if len(a)-i < m || a[i:i+m] != string(buf[:m]) {
			return false
		}
		i, j = i+m, j+n
	}
	if i < len(a) {
		return false
	}
	for j < len(s) { // the rest must be trailing space
		if !space.First(s[j:]) {
			return false
		}
		_, n := utf8.DecodeRuneInString(s[j:])
		j += n
	}
	return true
}

// isSeparator reports the characters written between groups of one
// identifier's characters (after Fold).
func isSeparator(c byte) bool { return c == ' ' || c == '-' }

// unquote strips the wrappers a spreadsheet puts around a value typed as
// text: a leading apostrophe ('110105…) and the formula ="…". The value must
// already be folded and trimmed.
func unquote(s string) string {
	if strings.HasPrefix(s, "=\"") && strings.HasSuffix(s, "\"") && len(s) >= 3 {
		return s[2 : len(s)-1]
	}
	if strings.HasPrefix(s, "'") {
		return s[1:]
	}
	return s
}

// compact returns the ASCII letters and digits of s upper-cased, dropping
// the separators between groups. It fails on any other character, on
// separators at the ends, and on two separators in a row, so that only
// one value written in groups compacts, not a list of values.
func compact(s string, max int) (string, bool) {
	if s == "" || isSeparator(s[0]) || isSeparator(s[len(s)-1]) {
		return "", false
	}
	if len(s) <= max && isCompact(s) {
		return s, true // already canonical: no copy
	}
	var buf [32]byte
	b := buf[:0]
	sep := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case isDigit(c) || (c >= 'A' && c <= 'Z'):
		case c >= 'a' && c <= 'z':
			c -= 'a' - 'A'
		case isSeparator(c):
			if sep {
				return "", false
			}
			sep = true
			continue
		default:
			return "", false
		}
		sep = false
		if len(b) == max {
			return "", false
		}
		b = append(b, c)
	}
	return string(b), true
}

// isCompact reports whether s is only digits and upper-case ASCII letters.
func isCompact(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !isDigit(c) && (c < 'A' || c > 'Z') {
			return false
		}
	}
	return true
}

// dropDecimalZero removes the ".0" a spreadsheet appends to a number it
// stored as a float (13812345678.0).
func dropDecimalZero(s string) string {
	if t, ok := strings.CutSuffix(s, ".0"); ok && t != "" && isDigit(t[len(t)-1]) {
		return t
	}
	return s
}

// Canonical returns the canonical form of s as a value of type t, and
// whether s is a valid value of t in any written form Detect finds:
// full-width characters, grouping separators, lower-case letters, country
// prefixes and spreadsheet quoting. The canonical forms are:
//
//	cn_resident_id   18 characters, ASCII digits, upper-case X (a 15-digit
//	                 first-generation number becomes its 18-digit form, so one
//	                 person's old and new numbers are one value)
//	cn_uscc          18 upper-case characters
//	cn_org_code      XXXXXXXX-X (its printed form)
//	cn_mobile        11 digits, no country prefix
//	cn_landline      area code, "-", subscriber number [, "-", extension]
//	bank_card        the digits
//	cn_license_plate province character and upper-case letters and digits, no separator
//	cn_passport, cn_travel_permit, tw_id   upper-case, no separator
//	hk_id            A123456(7) (with brackets, as printed)
//	email            local part as written, domain in lower case
//	ipv4, ipv6       the address as net/netip prints it
//	url              the URL, folded and trimmed
//	person_name      the name, trimmed, with "·" for any middle dot
//	address          the address, folded and trimmed
//	geo_coordinate   "lon,lat" with the decimals as written
//	date_of_birth    YYYY-MM-DD
//
// Every transform of govshare acts on the canonical form (tokens,
// pseudonyms, FPE, DP person keys), so that one person written three ways is
// one value. Validate(t, s) is Canonical's ok.
func Canonical(t catalog.Type, s string) (string, bool) {
	s = space.Trim(Fold(s))
	if s == "" || len(s) > 4096 {
		return "", false
	}
	switch t {
	case catalog.TypeResidentID, catalog.TypeUSCC, catalog.TypeOrgCode, catalog.TypeMobile, catalog.TypeLandline, catalog.TypeBankCard:
		// 138—1234—5678: an em dash between groups
		s = strings.ReplaceAll(s, "—", "-")
	}
	switch t {
	case catalog.TypeResidentID:
		c, ok := compact(dropDecimalZero(unquote(s)), 18)
		if ok && ValidResidentID(c) {
			return upgradeLegacyID(c), true
		}
	case catalog.TypeUSCC:
		c, ok := compact(unquote(s), 18)
		if ok && ValidUSCC(c) {
			return c, true
		}
	case catalog.TypeOrgCode:
		// Printed XXXXXXXX-X: a separator only before the check character.
		s = unquote(s)
		if len(s) == 10 && isSeparator(s[8]) {
			s = s[:8] + s[9:]
		}
		c, ok := compact(s, 9)
		if ok && len(s) == 9 && ValidOrgCode(c) {
			return c[:8] + "-" + c[8:], true
		}
	case catalog.TypeMobile:
		return canonicalMobile(dropDecimalZero(unquote(s)))
	case catalog.TypeLandline:
		return canonicalLandline(dropDecimalZero(unquote(s)))
	case catalog.TypeBankCard:
		c, ok := compact(dropDecimalZero(unquote(s)), 19)
		if ok && ValidBankCard(c) {
			return c, true
		}
	case catalog.TypeLicensePlate:
		return canonicalPlate(s)
	case catalog.TypePassport:
		c, ok := compact(s, 9)
		if ok && ValidPassport(c) {
			return c, true
		}
	case catalog.TypeTravelPermit:
		c, ok := compact(s, 11)
		if ok && ValidTravelPermit(c) {
			return c, true
		}
	case catalog.TypeHKID:
		return canonicalHKID(s)
	case catalog.TypeTWID:
		c, ok := compact(s, 10)
		if ok && ValidTWID(c) {
			return c, true
		}
	case catalog.TypeEmail:
		s = strings.ReplaceAll(s, "。", ".")
		if at := strings.LastIndexByte(s, '@'); at > 0 && ValidEmail(s) {
			if d := strings.ToLower(s[at+1:]); d != s[at+1:] {
				return s[:at+1] + d, true
			}
			return s, true // already lower case: no copy
		}
	case catalog.TypeIPv4, catalog.TypeIPv6:
		a, err := netip.ParseAddr(s)
		if err == nil && a.Zone() == "" && (a.Is4() == (t == catalog.TypeIPv4)) && !a.Is4In6() {
			return a.String(), true
		}
	case catalog.TypeURL:
		if ValidURL(s) {
			return s, true
		}
	case catalog.TypePersonName:
		s = nameDots.Replace(s)
		if ValidPersonName(s) {
			return s, true
		}
	case catalog.TypeAddress:
		if ValidAddress(s) {
			return s, true
		}
	case catalog.TypeGeoCoordinate:
		if lon, lat, ok := splitCoordinate(s); ok {
			return lon + "," + lat, true
		}
	case catalog.TypeDateOfBirth:
		if d, ok := ParseDate(s); ok {
			return d.Format("2006-01-02"), true
		}
	}
	return "", false
}

// nameDots are the middle dots written in transliterated names.
var nameDots = strings.NewReplacer("•", "·", "・", "·", ".", "·")

// canonicalMobile strips a country prefix (+86, 0086, 86, (+86), with or
// without a separator after it) and the grouping separators.
func canonicalMobile(s string) (string, bool) {
	if len(s) == 13 && s[3] == '.' && s[8] == '.' {
		s = s[:3] + " " + s[4:8] + " " + s[9:] // 138.1234.5678
	}
	for _, p := range [...]string{"(+86)", "(86)", "+86", "0086", "86"} {
		if rest, ok := strings.CutPrefix(s, p); ok && len(rest) >= 11 {
			rest = strings.TrimLeft(rest, " -")
			if c, ok := compact(rest, 11); ok && len(c) == 11 && mobileDigits(c) {
				return c, true
			}
		}
	}
	c, ok := compact(s, 11)
	if ok && len(c) == 11 && mobileDigits(c) {
		return c, true
	}
	return "", false
}

// canonicalLandline accepts an area code in brackets or followed by a
// separator, the subscriber number possibly in groups, and an extension
// after "-", "转", "ext" or "分机".
func canonicalLandline(s string) (string, bool) {
	ext := ""
	for _, m := range [...]string{"转", "分机号", "分机", "ext.", "ext", "EXT", "x"} {
		if i := strings.LastIndex(s, m); i > 0 {
			e := strings.TrimLeft(s[i+len(m):], " .:")
			if len(e) >= 1 && len(e) <= 6 && allASCIIDigits(e) {
				s, ext = strings.TrimRight(s[:i], " -"), e
				break
			}
		}
	}
	area := ""
	// +86 10 6234 5678: the country code, then the area code without its 0
	for _, p := range [...]string{"(+86)", "+86", "0086"} {
		if rest, ok := strings.CutPrefix(s, p); ok {
			rest = strings.TrimLeft(rest, " -")
			if rest != "" && rest[0] != '0' {
				s = "0" + rest
			}
			break
		}
	}
	if s != "" && s[0] == '(' {
		i := strings.IndexByte(s, ')')
		if i < 0 {
			return "", false
		}
		area, s = s[1:i], strings.TrimLeft(s[i+1:], " -")
		if !allASCIIDigits(area) {
			return "", false
		}
	}
	if area == "" {
		// 0755-…, 010 …: an area code set off by a separator
		if i := strings.IndexAny(s, " -"); (i == 3 || i == 4) && allASCIIDigits(s[:i]) {
			area, s = s[:i], strings.TrimLeft(s[i+1:], " -")
		}
	}
	// A trailing "-NNNN" after a complete number is an extension.
	if ext == "" && area != "" {
		if i := strings.LastIndexByte(s, '-'); i > 0 {
			head, e := s[:i], s[i+1:]
			if len(e) <= 5 && allASCIIDigits(e) {
				if d, ok := compact(area+head, 12); ok && landlineSplitDelim(d, true) == len(area) {
					s, ext = head, e
				}
			}
		}
	}
	d, ok := compact(s, 12)
	if !ok {
		return "", false
	}
	d = area + d
	n := landlineSplitDelim(d, area != "")
	if n == 0 || (area != "" && n != len(area)) {
		return "", false
	}
	out := d[:n] + "-" + d[n:]
	if ext != "" {
		out += "-" + ext
	}
	return out, true
}

func allASCIIDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

// plateSeps are written between a plate's office letter and its number.
var plateSeps = []string{"·", "•", "・", ".", "-", " "}

// canonicalPlate removes the separator after the office letter and upper-cases.
func canonicalPlate(s string) (string, bool) {
	r, n := utf8.DecodeRuneInString(s)
	if !strings.ContainsRune(provinceAbbrevs, r) {
		return "", false
	}
	rest := strings.ToUpper(s[n:])
	for _, sep := range [...]string{" ", "·"} {
		if t, ok := strings.CutPrefix(rest, sep); ok {
			rest = t
			break
		}
	}
	if len(rest) > 1 {
		for _, sep := range plateSeps {
			if strings.HasPrefix(rest[1:], sep) {
				rest = rest[:1] + rest[1+len(sep):]
				break
			}
		}
	}
	c := s[:n] + rest
	if !strings.ContainsAny(rest, "·•・.- ") && ValidLicensePlate(c) {
		return c, true
	}
	return "", false
}

// canonicalHKID accepts A123456(7), A123456 (7), A1234567 and lower case.
func canonicalHKID(s string) (string, bool) {
	s = strings.ToUpper(s)
	body, check := s, ""
	if i := strings.IndexByte(s, '('); i > 0 && strings.HasSuffix(s, ")") {
		body, check = strings.TrimRight(s[:i], " "), s[i+1:len(s)-1]
	} else if len(s) >= 2 {
		body, check = s[:len(s)-1], s[len(s)-1:]
	}
	if len(check) != 1 || strings.ContainsAny(body, " ") {
		return "", false
	}
	if c := body + check; (len(c) == 8 || len(c) == 9) && ValidHKID(c) {
		return body + "(" + check + ")", true
	}
	return "", false
}

// splitCoordinate returns the two numbers of a coordinate pair as written,
// in lon,lat order.
func splitCoordinate(s string) (lon, lat string, ok bool) {
	x, _, _, ok := ParseCoordinate(s)
	if !ok {
		return "", "", false
	}
	var a, b string
	if i := strings.IndexByte(s, ','); i >= 0 {
		a, b = strings.TrimSpace(s[:i]), strings.TrimSpace(s[i+1:])
	} else if f := strings.Fields(s); len(f) == 2 {
		a, b = f[0], f[1]
	} else {
		return "", "", false
	}
	a, b = strings.TrimPrefix(a, "+"), strings.TrimPrefix(b, "+")
	// ParseCoordinate swaps a lat,lon pair; keep lon first.
	if !closeTo(x, a) {
		a, b = b, a
	}
	return a, b, true
}

// closeTo reports whether the decimal string d denotes v (as parsed).
func closeTo(v float64, d string) bool {
	f, _, ok := parseDecimal(d)
	return ok && f == v
}

// upgradeLegacyID returns the 18-character form of a valid 15-digit resident
// ID (GB 11643-1999: the year gains its century, 19, and a check character
// is appended); other values are returned as they are.
func upgradeLegacyID(id string) string {
	if len(id) != 15 {
		return id
	}
	first17 := id[:6] + "19" + id[6:]
	c, ok := ResidentIDCheckDigit(first17)
	if !ok {
		return id
	}
	return first17 + string(c)
}
