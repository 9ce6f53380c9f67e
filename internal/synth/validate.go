package synth

import (
	"net/mail"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// This file holds the package's own validators. valid is strict: it accepts what the generators
// are specified to produce, and the tests run every positive through it. looksValid is lenient: it
// accepts anything a reasonable detector might call an identifier, and every negative is drawn
// again until looksValid rejects it.

// valid reports whether s is a well-formed value of the given type as this package generates it.
// now bounds birth dates.
func valid(typeID, s string, now time.Time) bool {
	switch typeID {
	case "cn_resident_id":
		return validResidentID18(s, now, 1930)
	case "cn_uscc":
		return validUSCC(s)
	case "cn_org_code":
		return validOrgCode(s, true)
	case "cn_mobile":
		return len(s) == 11 && isDigits(s) && inList(mobilePrefixes, s[:3])
	case "cn_landline":
		return validLandline(s)
	case "bank_card":
		return validBankCard(s)
	case "cn_license_plate":
		return validPlate(s)
	case "cn_passport":
		return validPassport(s)
	case "cn_travel_permit":
		return validTravelPermit(s)
	case "hk_id":
		return validHKID(s, true)
	case "tw_id":
		return validTWID(s)
	case "email":
		return validEmail(s)
	case "ipv4":
		a, err := netip.ParseAddr(s)
		return err == nil && a.Is4()
	case "ipv6":
		a, err := netip.ParseAddr(s)
		return err == nil && a.Is6() && !a.Is4In6() && a.Zone() == ""
	case "url":
		return validURL(s)
	case "person_name":
		return validPersonName(s)
	case "address":
		return validAddress(s)
	case "geo_coordinate":
		return validCoordinate(s)
	case "date_of_birth":
		t, err := time.Parse(time.DateOnly, s)
		return err == nil && t.Format(time.DateOnly) == s && t.Year() >= 1930 && !t.After(now)
	}
	return false
}

// validResidentID18 checks region prefix, a real birth date in [minYear, now], and the check char.
func validResidentID18(s string, now time.Time, minYear int) bool {
	if len(s) != 18 || !provincePrefixes[s[:2]] {
		return false
	}
	c, ok := residentCheck(s[:17])
	if !ok || c != s[17] {
		return false
	}
	t, ok := parseDate(s[6:14])
	return ok && t.Year() >= minYear && !t.After(now)
}

// validResidentID15 checks a legacy 15-digit ID: region prefix and a real 19YYMMDD date.
func validResidentID15(s string) bool {
	if len(s) != 15 || !isDigits(s) || !provincePrefixes[s[:2]] {
		return false
	}
	_, ok := parseDate("19" + s[6:12])
	return ok
}

// validUSCC checks the strict structure generated here: a real authority/type pair, a region
// from the table, an embedded organization code with its own valid check, and the mod-31 check.
func validUSCC(s string) bool {
	if len(s) != 18 || !inList(usccPrefixes, s[:2]) || !knownRegion(s[2:8]) {
		return false
	}
	if !validOrgCode(s[8:17], false) {
		return false
	}
	c, ok := usccCheck(s[:17])
	return ok && c == s[17]
}

func knownRegion(code string) bool {
	for _, r := range regions {
		if r.code == code {
			return true
		}
	}
	return false
}

// validOrgCode accepts XXXXXXXX-X when printed, XXXXXXXXX otherwise.
func validOrgCode(s string, printed bool) bool {
	if printed {
		if len(s) != 10 || s[8] != '-' {
			return false
		}
		s = s[:8] + s[9:]
	}
	if len(s) != 9 {
		return false
	}
	c, ok := orgCheck(s[:8])
	return ok && c == s[8]
}

func validLandline(s string) bool {
	area, num, dashed := strings.Cut(s, "-")
	if !dashed {
		// Without a dash the area code is recognised by its shape: 010 and 02X are 3 digits.
		if len(s) < 3 {
			return false
		}
		if s[:2] == "01" || s[:2] == "02" {
			area, num = s[:3], s[3:]
		} else {
			area, num = s[:min(4, len(s))], s[min(4, len(s)):]
		}
	}
	if !isDigits(area) || !isDigits(num) || area[0] != '0' || num[0] < '2' {
		return false
	}
	switch len(area) {
	case 3:
		return (area == "010" || area[1] == '2') && len(num) == 8
	case 4:
		return area[1] != '0' && area[1] != '1' && area[1] != '2' && (len(num) == 7 || len(num) == 8)
	}
	return false
}

func validBankCard(s string) bool {
	if len(s) < 16 || len(s) > 19 || !isDigits(s) || !luhnValid(s) {
		return false
	}
	for _, b := range bankBINs {
		if strings.HasPrefix(s, b.prefix) {
			for _, n := range b.lengths {
				if n == len(s) {
					return true
				}
			}
		}
	}
	return false
}

func isPlateLetter(b byte) bool { return b >= 'A' && b <= 'Z' && b != 'I' && b != 'O' }
func isDigit(b byte) bool       { return b >= '0' && b <= '9' }

func validPlate(s string) bool {
	r, size := utf8.DecodeRuneInString(s)
	if r == utf8.RuneError || !inList(plateProvinces, string(r)) {
		return false
	}
	rest := s[size:]
	if len(rest) < 1 || !isPlateLetter(rest[0]) {
		return false
	}
	tail := rest[1:]
	switch len(tail) {
	case 5:
		letters := 0
		for i := 0; i < 5; i++ {
			switch {
			case isDigit(tail[i]):
			case isPlateLetter(tail[i]):
				letters++
			default:
				return false
			}
		}
		return letters <= 2
	case 6:
		if (tail[0] == 'D' || tail[0] == 'F') && (isDigit(tail[1]) || isPlateLetter(tail[1])) && isDigits(tail[2:]) {
			return true
		}
		return isDigits(tail[:5]) && (tail[5] == 'D' || tail[5] == 'F')
	}
	return false
}

func validPassport(s string) bool {
	switch {
	case len(s) != 9:
		return false
	case (s[0] == 'E' || s[0] == 'G') && isDigits(s[1:]):
		return true
	case s[0] == 'E' && isPlateLetter(s[1]) && isDigits(s[2:]):
		return true
	}
	return false
}

func validTravelPermit(s string) bool {
	switch {
	case len(s) == 9 && s[0] == 'C' && isDigits(s[1:]):
		return true
	case len(s) == 9 && s[0] == 'C' && isPlateLetter(s[1]) && isDigits(s[2:]):
		return true
	case len(s) == 11 && (s[0] == 'H' || s[0] == 'M') && isDigits(s[1:]):
		return true
	}
	return false
}

// validHKID accepts A123456(3) when printed, A1234563 otherwise.
func validHKID(s string, printed bool) bool {
	var body string
	var check byte
	if printed {
		if len(s) < 10 || s[len(s)-1] != ')' || s[len(s)-3] != '(' {
			return false
		}
		body, check = s[:len(s)-3], s[len(s)-2]
	} else {
		if len(s) < 8 {
			return false
		}
		body, check = s[:len(s)-1], s[len(s)-1]
	}
	c, ok := hkidCheck(body)
	return ok && c == check
}

func validTWID(s string) bool {
	if len(s) != 10 || (s[1] != '1' && s[1] != '2') {
		return false
	}
	c, ok := twidCheck(s[:9])
	return ok && c == s[9]
}

func validEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" {
		return false
	}
	_, domain, _ := strings.Cut(s, "@")
	return strings.Contains(domain, ".")
}

func validURL(s string) bool {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || !strings.Contains(u.Host, ".") {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f {
			return false
		}
	}
	return true
}

func validPersonName(s string) bool {
	if family, given, ok := strings.Cut(s, "·"); ok {
		return inList(minorityGiven, family) && inList(minorityFamily, given)
	}
	var rest string
	switch {
	case hasAnyPrefix(s, compoundSurnames):
		_, rest = cutAnyPrefix(s, compoundSurnames)
	case hasAnyPrefix(s, surnames):
		_, rest = cutAnyPrefix(s, surnames)
	default:
		return false
	}
	n := 0
	for _, r := range rest {
		if !inList(givenChars, string(r)) {
			return false
		}
		n++
	}
	return n == 1 || n == 2
}

func hasAnyPrefix(s string, list []string) bool {
	_, rest := cutAnyPrefix(s, list)
	return rest != s
}

func cutAnyPrefix(s string, list []string) (prefix, rest string) {
	for _, p := range list {
		if strings.HasPrefix(s, p) {
			return p, s[len(p):]
		}
	}
	return "", s
}

// validAddress checks: a known province/city/district prefix, a known road, a house number with
// 号, and then nothing or the building suffix this package writes.
func validAddress(s string) bool {
	var rest string
	found := false
	for _, r := range regions {
		if p := r.placeName(); strings.HasPrefix(s, p) {
			rest, found = s[len(p):], true
			break
		}
	}
	if !found {
		return false
	}
	road, rest := cutAnyPrefix(rest, roads)
	if road == "" {
		return false
	}
	num, rest, ok := strings.Cut(rest, "号")
	if !ok || !isDigits(num) || num[0] == '0' {
		return false
	}
	if rest == "" {
		return true
	}
	estate, rest := cutAnyPrefix(rest, estates)
	if estate == "" || !strings.HasSuffix(rest, "室") {
		return false
	}
	// 3栋2单元501室
	for _, unit := range []string{"栋", "单元", "室"} {
		n, after, ok := strings.Cut(rest, unit)
		if !ok || !isDigits(n) {
			return false
		}
		rest = after
	}
	return rest == ""
}

// validCoordinate checks "lon,lat" with exactly 6 decimals inside China's bounding box.
func validCoordinate(s string) bool {
	lonS, latS, ok := strings.Cut(s, ",")
	if !ok {
		return false
	}
	for _, p := range []string{lonS, latS} {
		i := strings.IndexByte(p, '.')
		if i < 1 || len(p)-i-1 != 6 {
			return false
		}
	}
	lon, err1 := strconv.ParseFloat(lonS, 64)
	lat, err2 := strconv.ParseFloat(latS, 64)
	return err1 == nil && err2 == nil && lon >= 73.5 && lon <= 135 && lat >= 18 && lat <= 53.5
}

// looksValid reports whether any reasonable detector could accept s as an identifier, and if so
// of which type. It is looser than valid on purpose: negatives must fail even a lenient check.
func looksValid(s string) (typeID string, ok bool) {
	up := strings.ToUpper(s)
	switch {
	case len(s) == 18 && provincePrefixes[s[:2]] && isDigits(s[:17]) && looseResidentCheck(up):
		return "cn_resident_id", true
	case validResidentID15(s):
		return "cn_resident_id", true
	case len(up) == 18 && usccOK(up):
		return "cn_uscc", true
	case validOrgCode(up, true) || validOrgCode(up, false):
		return "cn_org_code", true
	case looseMobile(s):
		return "cn_mobile", true
	case looseLandline(s):
		return "cn_landline", true
	case len(s) >= 13 && len(s) <= 19 && isDigits(s) && luhnValid(s):
		return "bank_card", true
	case validPlate(s):
		return "cn_license_plate", true
	case validPassport(up):
		return "cn_passport", true
	case validTravelPermit(up):
		return "cn_travel_permit", true
	case validHKID(up, true) || validHKID(up, false):
		return "hk_id", true
	case validTWID(up):
		return "tw_id", true
	case strings.Contains(s, "@") && validEmail(s):
		return "email", true
	}
	if a, err := netip.ParseAddr(s); err == nil {
		if a.Is4() {
			return "ipv4", true
		}
		return "ipv6", true
	}
	switch {
	case strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://"):
		return "url", true
	case validCoordinate(s):
		return "geo_coordinate", true
	}
	if _, err := time.Parse(time.DateOnly, s); err == nil {
		return "date_of_birth", true
	}
	return "", false
}

// looseResidentCheck: any real date (no range, no future test) and a matching check char.
func looseResidentCheck(up string) bool {
	c, ok := residentCheck(up[:17])
	if !ok || c != up[17] {
		return false
	}
	_, ok = parseDate(up[6:14])
	return ok
}

func usccOK(up string) bool {
	c, ok := usccCheck(up[:17])
	return ok && c == up[17]
}

func looseMobile(s string) bool {
	s = strings.TrimPrefix(strings.TrimPrefix(s, "+"), "86")
	return len(s) == 11 && isDigits(s) && s[0] == '1' && s[1] >= '3'
}

func looseLandline(s string) bool {
	area, num, dashed := strings.Cut(s, "-")
	if dashed {
		return len(area) >= 3 && len(area) <= 4 && isDigits(area) && area[0] == '0' &&
			len(num) >= 7 && len(num) <= 8 && isDigits(num)
	}
	return len(s) >= 10 && len(s) <= 12 && isDigits(s) && s[0] == '0'
}
