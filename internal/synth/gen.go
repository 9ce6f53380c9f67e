package synth

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// Gen generates synthetic data from a seeded PCG source.
// A Gen is not safe for concurrent use.
type Gen struct {
	// Now is the reference date for birth dates, ages and order numbers, so that output does not
	// change with the wall clock. New sets it to 2026-11-01 UTC; change it before generating.
	Now time.Time

	r *rand.Rand
}

// New returns a generator seeded with seed. The same seed yields the same output.
func New(seed uint64) *Gen {
	return &Gen{
		Now: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC),
		r:   rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
	}
}

// Types lists the type ids that [Gen.Value] supports (docs/domain.md: identifier formats and validation), in a fixed order.
var Types = []string{
	"cn_resident_id", "cn_uscc", "cn_org_code", "cn_mobile", "cn_landline", "bank_card",
	"cn_license_plate", "cn_passport", "cn_travel_permit", "hk_id", "tw_id", "email", "ipv4",
	"ipv6", "url", "person_name", "address", "geo_coordinate", "date_of_birth",
}

// Value returns a valid value of the given type id. It panics on a type id not in [Types], which
// is a programming error rather than bad input.
func (g *Gen) Value(typeID string) string {
	switch typeID {
	case "cn_resident_id":
		return g.ResidentID()
	case "cn_uscc":
		return g.USCC()
	case "cn_org_code":
		return g.OrgCode()
	case "cn_mobile":
		return g.Mobile()
	case "cn_landline":
		return g.Landline()
	case "bank_card":
		return g.BankCard()
	case "cn_license_plate":
		return g.Plate()
	case "cn_passport":
		return g.Passport()
	case "cn_travel_permit":
		return g.TravelPermit()
	case "hk_id":
		return g.HKID()
	case "tw_id":
		return g.TWID()
	case "email":
		return g.Email()
	case "ipv4":
		return g.IPv4()
	case "ipv6":
		return g.IPv6()
	case "url":
		return g.URL()
	case "person_name":
		return g.PersonName()
	case "address":
		return g.Address()
	case "geo_coordinate":
		return g.Coordinate()
	case "date_of_birth":
		return g.DateOfBirth()
	}
	panic(fmt.Sprintf("govshare/synth: unknown type id %q", typeID))
}

// pick returns a uniformly chosen element of xs.
func pick[T any](g *Gen, xs []T) T { return xs[g.r.IntN(len(xs))] }

// chance reports true with probability p.
func (g *Gen) chance(p float64) bool { return g.r.Float64() < p }

// digits returns n random decimal digits.
func (g *Gen) digits(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('0' + g.r.IntN(10))
	}
	return string(b)
}

// digitsFrom returns n random digits whose first digit is at least lo.
func (g *Gen) digitsFrom(n int, lo byte) string {
	return string(rune(lo+byte(g.r.IntN(int('9'-lo+1))))) + g.digits(n-1)
}

func (g *Gen) plateLetter() byte {
	const letters = "ABCDEFGHJKLMNPQRSTUVWXYZ" // no I, O
	return letters[g.r.IntN(len(letters))]
}

// dateBetween returns a uniformly chosen day in [lo, hi] (both truncated to days).
func (g *Gen) dateBetween(lo, hi time.Time) time.Time {
	lo = time.Date(lo.Year(), lo.Month(), lo.Day(), 0, 0, 0, 0, time.UTC)
	hi = time.Date(hi.Year(), hi.Month(), hi.Day(), 0, 0, 0, 0, time.UTC)
	days := int(hi.Sub(lo).Hours()/24 + 0.5)
	if days <= 0 {
		return lo
	}
	return lo.AddDate(0, 0, g.r.IntN(days+1))
}

var earliestBirth = time.Date(1930, 1, 1, 0, 0, 0, 0, time.UTC)

func (g *Gen) birthDate() time.Time { return g.dateBetween(earliestBirth, g.Now) }

// residentID builds an 18-character ID for a region, birth date and sex.
func (g *Gen) residentID(r region, birth time.Time, male bool) string {
	seq := 1 + g.r.IntN(499)*2 // odd: 1..997
	if !male {
		seq = 2 + g.r.IntN(499)*2 // even: 2..998
	}
	body := r.code + birth.Format("20060102") + itoa3(seq)
	c, _ := residentCheck(body)
	return body + string(c)
}

// ResidentID returns a valid 18-character resident ID (GB 11643) with a birth date between 1930
// and g.Now.
func (g *Gen) ResidentID() string {
	return g.residentID(pick(g, regions), g.birthDate(), g.chance(0.5))
}

// ResidentID15 returns a legacy 15-digit resident ID: region + YYMMDD (born 1930–1999) + sequence.
// Legacy IDs carry no check digit.
func (g *Gen) ResidentID15() string {
	birth := g.dateBetween(earliestBirth, time.Date(1999, 12, 31, 0, 0, 0, 0, time.UTC))
	return pick(g, regions).code + birth.Format("060102") + itoa3(1+g.r.IntN(999))
}

// MinorResidentID returns a valid 18-character resident ID whose holder is under 14 at g.Now
// (sensitive personal information under PIPL art. 28).
func (g *Gen) MinorResidentID() string {
	// The 14th birthday of anyone born after this day is still ahead.
	lo := g.Now.AddDate(-14, 0, 1)
	return g.residentID(pick(g, regions), g.dateBetween(lo, g.Now), g.chance(0.5))
}

// orgBody returns an 8-character organization code body. Most real codes are all digits; some
// start with letters. Only USCC-alphabet letters are used so the body can sit inside a USCC.
func (g *Gen) orgBody() string {
	if g.chance(0.75) {
		return g.digits(8)
	}
	const letters = "ABCDEFGHJKLMNPQRTUWXY"
	n := 1 + g.r.IntN(2)
	b := []byte(g.digits(8))
	for i := 0; i < n; i++ {
		b[g.r.IntN(8)] = letters[g.r.IntN(len(letters))]
	}
	return string(b)
}

// USCC returns a valid 18-character unified social credit code (GB 32100-2015) whose chars 9–17
// are a valid organization code.
func (g *Gen) USCC() string { return g.usccWith(pick(g, usccPrefixes), pick(g, regions)) }

func (g *Gen) usccWith(prefix string, r region) string {
	body := g.orgBody()
	oc, _ := orgCheck(body)
	s := prefix + r.code + body + string(oc)
	c, _ := usccCheck(s)
	return s + string(c)
}

// OrgCode returns a valid organization code (GB 11714) in its printed form XXXXXXXX-X.
func (g *Gen) OrgCode() string {
	body := g.orgBody()
	c, _ := orgCheck(body)
	return body + "-" + string(c)
}

// Mobile returns an 11-digit mobile number with an allocated prefix.
func (g *Gen) Mobile() string { return pick(g, mobilePrefixes) + g.digits(8) }

// Landline returns a fixed-line number such as 010-62345678 or 0755-2345678; about one in five
// is written without the dash.
func (g *Gen) Landline() string {
	var area string
	if g.chance(0.8) {
		area = pick(g, regions).area
	} else {
		area = pick(g, extraAreaCodes)
	}
	n := 8
	if len(area) == 4 && g.chance(0.3) {
		n = 7
	}
	num := g.digitsFrom(n, '2')
	if g.chance(0.2) {
		return area + num
	}
	return area + "-" + num
}

// BankCard returns a Luhn-valid card number with a real BIN and a length that BIN uses.
func (g *Gen) BankCard() string {
	b := g.bin()
	n := pick(g, b.lengths)
	body := b.prefix + g.digits(n-1-len(b.prefix))
	c, _ := luhnCheck(body)
	return body + string(c)
}

func (g *Gen) bin() bin {
	total := 0
	for _, b := range bankBINs {
		total += b.weight
	}
	k := g.r.IntN(total)
	for _, b := range bankBINs {
		if k < b.weight {
			return b
		}
		k -= b.weight
	}
	return bankBINs[0]
}

// Plate returns a licence plate: 7 characters, or 8 for a new-energy vehicle (about one in five).
func (g *Gen) Plate() string {
	head := pick(g, plateProvinces) + string(g.plateLetter())
	if g.chance(0.2) {
		if g.chance(0.7) { // small new-energy car: D/F, then a letter or digit, then 4 digits
			second := byte('0' + g.r.IntN(10))
			if g.chance(0.5) {
				second = g.plateLetter()
			}
			return head + string("DF"[g.r.IntN(2)]) + string(second) + g.digits(4)
		}
		return head + g.digits(5) + string("DF"[g.r.IntN(2)])
	}
	b := []byte(g.digits(5))
	for i, n := 0, g.r.IntN(3); i < n; i++ { // 0–2 letters
		b[g.r.IntN(5)] = g.plateLetter()
	}
	return head + string(b)
}

// Passport returns an ordinary passport number: E + 8 digits, E + letter + 7 digits, or G + 8 digits.
func (g *Gen) Passport() string {
	switch k := g.r.IntN(5); {
	case k < 2:
		return "E" + g.digits(8)
	case k < 4:
		return "E" + string(g.plateLetter()) + g.digits(7)
	default:
		return "G" + g.digits(8)
	}
}

// TravelPermit returns a Mainland–Hong Kong/Macau travel permit (C + 8 digits, C + letter + 7
// digits) or a Hong Kong/Macau resident's home-return permit (H or M + 8 digits + 2 digits).
func (g *Gen) TravelPermit() string {
	switch k := g.r.IntN(10); {
	case k < 4:
		return "C" + g.digits(8)
	case k < 7:
		return "C" + string(g.plateLetter()) + g.digits(7)
	default:
		return string("HM"[g.r.IntN(2)]) + g.digits(8) + g.digits(2)
	}
}

func (g *Gen) hkidBody() string {
	body := string(byte('A'+g.r.IntN(26))) + g.digits(6)
	if g.chance(0.15) {
		body = string(byte('A'+g.r.IntN(26))) + body
	}
	return body
}

// HKID returns a Hong Kong identity card number in its printed form, e.g. A123456(3).
func (g *Gen) HKID() string {
	body := g.hkidBody()
	c, _ := hkidCheck(body)
	return body + "(" + string(c) + ")"
}

func (g *Gen) twidBody() string {
	return string(byte('A'+g.r.IntN(26))) + string("12"[g.r.IntN(2)]) + g.digits(7)
}

// TWID returns a Taiwan national ID number, e.g. A123456789.
func (g *Gen) TWID() string {
	body := g.twidBody()
	c, _ := twidCheck(body)
	return body + string(c)
}

// Email returns an address with a varied local part (dots, digits, underscores, plus tags, QQ
// numbers) at a mail provider, a government or a company domain.
func (g *Gen) Email() string {
	var local string
	switch g.r.IntN(6) {
	case 0:
		local = pick(g, emailUsers) + "." + pick(g, emailGiven)
	case 1:
		local = pick(g, emailUsers) + pick(g, emailGiven) + strconv.Itoa(g.r.IntN(100))
	case 2:
		local = pick(g, emailGiven) + "_" + pick(g, emailUsers)
	case 3:
		local = pick(g, emailUsers) + pick(g, emailGiven) + "+" + pick(g, []string{"gov", "news", "work", "bank"})
	case 4:
		// QQ numbers: 5 to 10 digits, so never an 11-digit mobile inside the address.
		return g.digitsFrom(5+g.r.IntN(6), '1') + "@qq.com"
	default:
		local = string(pick(g, emailUsers)[0]) + pick(g, emailGiven) + strconv.Itoa(1960+g.r.IntN(50))
	}
	return local + "@" + pick(g, emailDomains)
}

// IPv4 returns a dotted-quad address, private (10/8, 172.16/12, 192.168/16) or public.
func (g *Gen) IPv4() string {
	var b [4]byte
	switch g.r.IntN(4) {
	case 0:
		b = [4]byte{10, byte(g.r.IntN(256)), byte(g.r.IntN(256)), byte(1 + g.r.IntN(254))}
	case 1:
		b = [4]byte{172, byte(16 + g.r.IntN(16)), byte(g.r.IntN(256)), byte(1 + g.r.IntN(254))}
	case 2:
		b = [4]byte{192, 168, byte(g.r.IntN(256)), byte(1 + g.r.IntN(254))}
	default:
		first := pick(g, []byte{36, 39, 42, 58, 59, 60, 61, 101, 106, 110, 111, 112, 113, 114, 115, 116, 117, 118, 119, 120,
			121, 122, 123, 124, 125, 180, 182, 183, 202, 203, 210, 211, 218, 219, 220, 221, 222, 223})
		b = [4]byte{first, byte(g.r.IntN(256)), byte(g.r.IntN(256)), byte(1 + g.r.IntN(254))}
	}
	return netip.AddrFrom4(b).String()
}

// IPv6 returns an address in one of several notations: compressed (::), full with leading zeros,
// uncompressed without leading zeros, or upper case.
func (g *Gen) IPv6() string {
	var w [8]uint16
	switch g.r.IntN(5) {
	case 0:
		w[0], w[1] = 0x2001, 0x0db8
	case 1:
		w[0] = 0x240e
	case 2:
		w[0] = 0x2408
	case 3:
		w[0] = 0x2409
	default:
		w[0] = 0xfe80 // link-local: a long zero run in the middle
	}
	for i := 1; i < 8; i++ {
		if w[0] == 0xfe80 && i < 4 || i == 1 && w[1] != 0 {
			continue
		}
		w[i] = uint16(g.r.IntN(0x10000))
	}
	if g.chance(0.5) { // a zero run so the compressed form uses ::
		start := 2 + g.r.IntN(4)
		end := min(start+1+g.r.IntN(8-start), 7)
		for i := start; i < end; i++ {
			w[i] = 0
		}
	}
	var b [16]byte
	for i, x := range w {
		b[2*i], b[2*i+1] = byte(x>>8), byte(x)
	}
	a := netip.AddrFrom16(b)
	switch g.r.IntN(4) {
	case 0:
		return a.StringExpanded()
	case 1:
		parts := make([]string, 8)
		for i, x := range w {
			parts[i] = strconv.FormatUint(uint64(x), 16)
		}
		return strings.Join(parts, ":")
	case 2:
		return strings.ToUpper(a.String())
	default:
		return a.String()
	}
}

// URL returns an http or https URL with a path and, often, a query string.
func (g *Gen) URL() string {
	var sb strings.Builder
	sb.WriteString(pick(g, []string{"https://", "https://", "http://"}))
	sb.WriteString(pick(g, urlHosts))
	for i, n := 0, g.r.IntN(4); i < n; i++ {
		sb.WriteString("/" + pick(g, urlSegments))
	}
	switch g.r.IntN(3) {
	case 0:
		sb.WriteString("/" + strconv.Itoa(1000+g.r.IntN(9000)) + ".html")
	case 1:
		sb.WriteString("/")
	}
	if g.chance(0.5) {
		sb.WriteString("?" + pick(g, urlParams) + "=" + strconv.Itoa(g.r.IntN(100000)))
		if g.chance(0.5) {
			sb.WriteString("&lang=" + pick(g, []string{"zh", "en", "zh-CN"}))
		}
	}
	return sb.String()
}

// PersonName returns a Chinese name: a common surname (about 5% compound, such as 欧阳) and one or
// two given characters, or about 2% of the time a transliterated name joined by "·".
func (g *Gen) PersonName() string {
	return g.personName(g.r.Float64())
}

func (g *Gen) personName(u float64) string {
	switch {
	case u < 0.02:
		return pick(g, minorityGiven) + "·" + pick(g, minorityFamily)
	case u < 0.07:
		return pick(g, compoundSurnames) + g.given()
	default:
		return pick(g, surnames) + g.given()
	}
}

func (g *Gen) given() string {
	if g.chance(0.3) {
		return pick(g, givenChars)
	}
	return pick(g, givenChars) + pick(g, givenChars)
}

// Address returns a street address such as 广东省深圳市南山区科技南路18号 or, about half the time,
// one with a residential estate, building, unit and room: …18号阳光花园3栋2单元501室.
func (g *Gen) Address() string { return g.addressIn(pick(g, regions)) }

func (g *Gen) addressIn(r region) string {
	s := r.placeName() + pick(g, roads) + strconv.Itoa(1+g.r.IntN(300)) + "号"
	if g.chance(0.5) {
		floor := 1 + g.r.IntN(30)
		s += pick(g, estates) + strconv.Itoa(1+g.r.IntN(20)) + "栋" + strconv.Itoa(1+g.r.IntN(6)) + "单元" +
			strconv.Itoa(floor*100+1+g.r.IntN(4)) + "室"
	}
	return s
}

// Coordinate returns "lon,lat" with 6 decimals near a real city centre (WGS-84, inside China).
func (g *Gen) Coordinate() string { return g.coordinateNear(pick(g, regions)) }

func (g *Gen) coordinateNear(r region) string {
	lon := r.lon + (g.r.Float64()-0.5)*0.4
	lat := r.lat + (g.r.Float64()-0.5)*0.4
	return strconv.FormatFloat(lon, 'f', 6, 64) + "," + strconv.FormatFloat(lat, 'f', 6, 64)
}

// DateOfBirth returns a birth date between 1930-01-01 and g.Now as YYYY-MM-DD.
func (g *Gen) DateOfBirth() string { return g.birthDate().Format(time.DateOnly) }
