package mask

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/govshare/govshare/catalog"
	"github.com/govshare/govshare/classify"
	"github.com/govshare/govshare/internal/space"
)

// DatePrecision is what GeneralizeDate keeps. The zero value is invalid.
type DatePrecision int

// Date precisions.
const (
	Year  DatePrecision = iota + 1 // "2024"
	Month                          // "2024-03"
)

// parseDate accepts YYYY-MM-DD, YYYY/MM/DD, YYYY.MM.DD (month and day may
// have one digit), YYYYMMDD and YYYY年M月D日 (日 or 号 optional), with ASCII
// or full-width characters and surrounding spaces, and checks the calendar.
// It accepts every form classify.ParseDate does, and dates before 1900 or
// in the future as well.
func parseDate(s string) (y, m, d int, ok bool) {
	var buf [16]byte
	n := 0
	for _, r := range space.Trim(classify.Fold(s)) {
		var c byte
		switch {
		case r >= '0' && r <= '9':
			c = byte(r)
		case r == '-' || r == '/' || r == '.':
			c = byte(r)
		case r == '年':
			c = 'Y'
		case r == '月':
			c = 'M'
		case r == '日' || r == '号':
			c = 'D'
		default:
			return 0, 0, 0, false
		}
		if n == len(buf) {
			return 0, 0, 0, false
		}
		buf[n] = c
		n++
	}
	b := buf[:n]
	num := func(i, max int) (v, next int) {
		j := i
		for j < len(b) && j-i < max && b[j] >= '0' && b[j] <= '9' {
			v = v*10 + int(b[j]-'0')
			j++
		}
		return v, j
	}
	y, i := num(0, 4)
	if i != 4 || n < 8 {
		return 0, 0, 0, false
	}
	switch sep := b[4]; {
	case sep >= '0' && sep <= '9':
		if n != 8 {
			return 0, 0, 0, false
		}
		m, _ = num(4, 2)
		d, _ = num(6, 2)
	case sep == '-' || sep == '/' || sep == '.' || sep == 'Y':
		second, end := sep, byte(0)
		if sep == 'Y' {
			second, end = 'M', 'D'
		}
		var j int
		if m, j = num(5, 2); j == 5 || j >= n || b[j] != second {
			return 0, 0, 0, false
		}
		k := j + 1
		if d, j = num(k, 2); j == k {
			return 0, 0, 0, false
		}
		if end != 0 && j < n && b[j] == end {
			j++
		}
		if j != n {
			return 0, 0, 0, false
		}
	default:
		return 0, 0, 0, false
	}
	if y < 1 || m < 1 || m > 12 || d < 1 || d > daysIn(y, m) {
		return 0, 0, 0, false
	}
	return y, m, d, true
}

// daysIn is classify.DaysIn, named locally for the date arithmetic here.
var daysIn = classify.DaysIn

func pad(v, width int) string {
	s := strconv.Itoa(v)
	for len(s) < width {
		s = "0" + s
	}
	return s
}

// GeneralizeDate reduces a date to its year ("2024") or month ("2024-03").
// It accepts YYYY-MM-DD, YYYY/MM/DD, YYYYMMDD and YYYY年M月D日 (see
// parseDate for the exact forms); anything else, or a date not on the
// calendar, is an error wrapping ErrMalformed.
func GeneralizeDate(s string, p DatePrecision) (string, error) {
	if p != Year && p != Month {
		return "", badArg("date precision %d", int(p))
	}
	y, m, _, ok := parseDate(s)
	if !ok {
		return "", malformed("date")
	}
	if p == Year {
		return pad(y, 4), nil
	}
	return pad(y, 4) + "-" + pad(m, 2), nil
}

// maxAge bounds plausible ages; anything older is a data error.
const maxAge = 150

// AgeBand puts an age in a band of the given width aligned to multiples of
// it: AgeBand(34, 10) is "30-39"; width 1 gives the age itself. Ages outside
// 0..150 or a width < 1 are errors.
func AgeBand(age, width int) (string, error) {
	if width < 1 || width > maxAge {
		return "", badArg("age band width %d", width)
	}
	if age < 0 || age > maxAge {
		return "", badArg("age out of range 0..%d", maxAge)
	}
	lo := age / width * width
	if width == 1 {
		return strconv.Itoa(lo), nil
	}
	return strconv.Itoa(lo) + "-" + strconv.Itoa(lo+width-1), nil
}

// ageAt is the number of full years from birth y-m-d to ref's date.
func ageAt(y, m, d int, ref time.Time) (int, bool) {
	ry, rm, rd := ref.Date()
	age := ry - y
	if int(rm) < m || (int(rm) == m && rd < d) {
		age--
	}
	return age, age >= 0
}

// AgeBandFromBirth is AgeBand of the full years between a birth date (any
// form GeneralizeDate accepts) and ref's calendar date. A birth date after
// ref is an error.
func AgeBandFromBirth(birth string, ref time.Time, width int) (string, error) {
	y, m, d, ok := parseDate(birth)
	if !ok {
		return "", malformed("birth date")
	}
	age, ok := ageAt(y, m, d, ref)
	if !ok {
		return "", malformed("birth date after reference date")
	}
	return AgeBand(age, width)
}

// AgeBandFromID is AgeBand of the age, at ref, of the holder of an 18-digit
// (check digit verified) or legacy 15-digit (born 19YY) resident ID.
func AgeBandFromID(id string, ref time.Time, width int) (string, error) {
	y, m, d, ok := residentIDBirth(id)
	if !ok {
		return "", malformed("cn_resident_id")
	}
	age, ok := ageAt(y, m, d, ref)
	if !ok {
		return "", malformed("cn_resident_id: birth after reference date")
	}
	return AgeBand(age, width)
}

// canonicalID is classify.Canonical for resident IDs: any written form
// classify accepts (grouped, full-width, lower-case x, spreadsheet-quoted)
// as 18 or 15 ASCII characters.
func canonicalID(id string) (string, bool) {
	return classify.Canonical(catalog.TypeResidentID, id)
}

// residentIDBirth validates a resident ID with classify (province prefix,
// real date, and for 18 characters the MOD 11-2 check) and returns its
// birth date.
func residentIDBirth(id string) (y, m, d int, ok bool) {
	c, ok := canonicalID(id)
	if !ok {
		return 0, 0, 0, false
	}
	p, err := classify.ParseResidentID(c)
	if err != nil {
		return 0, 0, 0, false
	}
	by, bm, bd := p.Birth.Date()
	return by, int(bm), bd, true
}

// IDRegion returns the region code prefix of a valid resident ID (any
// written form classify accepts): 2 digits (province), 4 (prefecture) or 6
// (county), e.g. "1101" for a Beijing urban-district ID. The ID is
// validated as in AgeBandFromID. IDRegionName gives the region's name.
func IDRegion(id string, digits int) (string, error) {
	if digits != 2 && digits != 4 && digits != 6 {
		return "", badArg("region digits %d (want 2, 4 or 6)", digits)
	}
	c, ok := canonicalID(id)
	if !ok {
		return "", malformed("cn_resident_id")
	}
	return c[:digits], nil
}

// dec is an exact decimal: v × 10^-scale.
type dec struct {
	v     int64
	scale int
}

// maxDecDigits keeps every parsed mantissa inside int64.
const maxDecDigits = 18

// parseDec parses an optionally signed plain decimal ("-1234.50") exactly:
// the digits without the point go through strconv.ParseInt, so no binary
// float rounding ever happens. Exponents, thousands separators and more
// than 18 digits are errors.
func parseDec(s string) (dec, error) {
	s = strings.TrimSpace(s)
	body := s
	if len(body) > 0 && (body[0] == '-' || body[0] == '+') {
		body = body[1:]
	}
	intPart, frac, hasPoint := strings.Cut(body, ".")
	if intPart == "" && frac == "" || (hasPoint && frac == "") ||
		!isASCIIDigits(intPart) || !isASCIIDigits(frac) || len(intPart)+len(frac) > maxDecDigits {
		return dec{}, malformed("number")
	}
	v, err := strconv.ParseInt(s[:len(s)-len(body)]+intPart+frac, 10, 64)
	if err != nil {
		return dec{}, malformed("number")
	}
	return dec{v: v, scale: len(frac)}, nil
}

var pow10 = func() (p [maxDecDigits + 1]int64) {
	p[0] = 1
	for i := 1; i < len(p); i++ {
		p[i] = p[i-1] * 10
	}
	return p
}()

// rescale returns d at a larger scale, or false on overflow.
func (d dec) rescale(scale int) (dec, bool) {
	k := scale - d.scale
	if k < 0 || k > maxDecDigits {
		return d, false
	}
	f := pow10[k]
	if d.v > math.MaxInt64/f || d.v < math.MinInt64/f {
		return d, false
	}
	return dec{v: d.v * f, scale: scale}, true
}

// align brings a and b to a common scale.
func align(a, b dec) (dec, dec, bool) {
	s := max(a.scale, b.scale)
	a, ok1 := a.rescale(s)
	b, ok2 := b.rescale(s)
	return a, b, ok1 && ok2
}

func (d dec) cmp(e dec) (int, bool) {
	a, b, ok := align(d, e)
	if !ok {
		return 0, false
	}
	switch {
	case a.v < b.v:
		return -1, true
	case a.v > b.v:
		return 1, true
	}
	return 0, true
}

func (d dec) String() string {
	neg := d.v < 0
	u := uint64(d.v)
	if neg {
		u = -u
	}
	digits := strconv.FormatUint(u, 10)
	for len(digits) <= d.scale {
		digits = "0" + digits
	}
	if d.scale > 0 {
		digits = digits[:len(digits)-d.scale] + "." + digits[len(digits)-d.scale:]
	}
	if neg {
		return "-" + digits
	}
	return digits
}

// roundHalfAway rounds a to a multiple of step (both at one scale, step > 0),
// halves away from zero.
func roundHalfAway(a, step int64) (int64, bool) {
	q, r := a/step, a%step
	if r < 0 {
		r = -r
	}
	if r >= step-r {
		if a < 0 {
			q--
		} else {
			q++
		}
	}
	if q > math.MaxInt64/step || q < math.MinInt64/step {
		return 0, false
	}
	return q * step, true
}

// RoundStep rounds the decimal x to the nearest multiple of step, halves
// away from zero, exactly: RoundStep("1234.50", "100") is "1200" and
// RoundStep("0.125", "0.01") is "0.13". The result has step's number of
// decimals. step must be positive.
func RoundStep(x, step string) (string, error) {
	xd, err := parseDec(x)
	if err != nil {
		return "", err
	}
	sd, err := parseDec(step)
	if err != nil || sd.v <= 0 {
		return "", badArg("step must be a positive decimal")
	}
	a, st, ok := align(xd, sd)
	if !ok {
		return "", badArg("number and step too far apart in scale")
	}
	v, ok := roundHalfAway(a.v, st.v)
	if !ok {
		return "", badArg("rounded number out of range")
	}
	// v is a multiple of step, so dropping the extra decimals is exact.
	out := dec{v: v / pow10[a.scale-sd.scale], scale: sd.scale}
	return out.String(), nil
}

// parseEdges parses strictly increasing bucket edges.
func parseEdges(edges []string) ([]dec, error) {
	ds := make([]dec, len(edges))
	for i, e := range edges {
		d, err := parseDec(e)
		if err != nil {
			return nil, badArg("edge %d is not a decimal", i)
		}
		if i > 0 {
			if c, ok := ds[i-1].cmp(d); !ok || c >= 0 {
				return nil, badArg("edges not strictly increasing at %d", i)
			}
		}
		ds[i] = d
	}
	return ds, nil
}

// Bucket labels x by the half-open interval of edges it falls in: "<e0",
// "[e0,e1)", ..., ">=en". Edges must be strictly increasing; labels use the
// edges' canonical decimal form. Bucket("37", []string{"18","35","60"}) is
// "[35,60)".
func Bucket(x string, edges []string) (string, error) {
	if len(edges) == 0 {
		return "", badArg("no bucket edges")
	}
	ds, err := parseEdges(edges)
	if err != nil {
		return "", err
	}
	xd, err := parseDec(x)
	if err != nil {
		return "", err
	}
	for i, e := range ds {
		c, ok := xd.cmp(e)
		if !ok {
			return "", badArg("number out of range")
		}
		if c < 0 {
			if i == 0 {
				return "<" + e.String(), nil
			}
			return "[" + ds[i-1].String() + "," + e.String() + ")", nil
		}
	}
	return ">=" + ds[len(ds)-1].String(), nil
}

// TopBottom top- and bottom-codes x: below low gives "<low", at or above
// high gives ">=high", and values in between come back in canonical decimal
// form (combine with RoundStep to coarsen them too). low must be < high.
func TopBottom(x, low, high string) (string, error) {
	ds, err := parseEdges([]string{low, high})
	if err != nil {
		return "", err
	}
	xd, err := parseDec(x)
	if err != nil {
		return "", err
	}
	cl, ok1 := xd.cmp(ds[0])
	ch, ok2 := xd.cmp(ds[1])
	switch {
	case !ok1 || !ok2:
		return "", badArg("number out of range")
	case cl < 0:
		return "<" + ds[0].String(), nil
	case ch >= 0:
		return ">=" + ds[1].String(), nil
	}
	return xd.String(), nil
}

// splitPair splits "lon,lat" at one ASCII or full-width comma.
func splitPair(s string) (string, string, bool) {
	sep := ","
	if !strings.Contains(s, sep) {
		sep = "，"
	}
	a, b, ok := strings.Cut(s, sep)
	if !ok || strings.Contains(b, ",") || strings.Contains(b, "，") {
		return "", "", false
	}
	return a, b, true
}

var (
	lonMin, lonMax = dec{v: -180}, dec{v: 180}
	latMin, latMax = dec{v: -90}, dec{v: 90}
)

func within(d, lo, hi dec) bool {
	a, ok1 := d.cmp(lo)
	b, ok2 := d.cmp(hi)
	return ok1 && ok2 && a >= 0 && b <= 0
}

// checkLonLat validates a longitude and latitude in decimal degrees.
func checkLonLat(lonS, latS string) error {
	lon, err1 := parseDec(lonS)
	lat, err2 := parseDec(latS)
	if err1 != nil || err2 != nil || !within(lon, lonMin, lonMax) || !within(lat, latMin, latMax) {
		return malformed("geo_coordinate")
	}
	return nil
}

// maxCoordDigits is the finest precision RoundCoordinate produces
// (1e-8 degree is about 1 mm: no source is finer).
const maxCoordDigits = 8

// roundTo rounds d to digits decimals, halves away from zero, exactly.
func roundTo(d dec, digits int) (dec, bool) {
	if d.scale <= digits {
		return d.rescale(digits)
	}
	v, ok := roundHalfAway(d.v, pow10[d.scale-digits])
	if !ok {
		return d, false
	}
	return dec{v: v / pow10[d.scale-digits], scale: digits}, true
}

// RoundCoordinate rounds a "lon,lat" pair in decimal degrees to digits
// decimals (0..8), exactly and halves away from zero, after checking
// longitude in [-180, 180] and latitude in [-90, 90]. It also takes the
// other forms classify accepts (lat,lon where the order is unambiguous,
// space-separated, full-width), always answering lon,lat. Two decimals are about
// 1.1 km, three about 111 m (docs/domain.md: geospatial data). The output always has digits
// decimals and an ASCII comma.
func RoundCoordinate(s string, digits int) (string, error) {
	if digits < 0 || digits > maxCoordDigits {
		return "", badArg("coordinate digits %d (want 0..%d)", digits, maxCoordDigits)
	}
	lonS, latS, ok := splitPair(s)
	if !ok || checkLonLat(lonS, latS) != nil {
		// The other forms classify accepts: lat,lon, space-separated,
		// full-width.
		c, valid := classify.Canonical(catalog.TypeGeoCoordinate, s)
		if !valid {
			return "", malformed("geo_coordinate")
		}
		lonS, latS, _ = strings.Cut(c, ",")
		if err := checkLonLat(lonS, latS); err != nil {
			return "", err
		}
	}
	lon, _ := parseDec(lonS)
	lat, _ := parseDec(latS)
	lr, ok1 := roundTo(lon, digits)
	ar, ok2 := roundTo(lat, digits)
	if !ok1 || !ok2 {
		return "", malformed("geo_coordinate")
	}
	return lr.String() + "," + ar.String(), nil
}

// Cell is a grid cell of GridCell: its row and column counted from
// (-180, -90), its centre, and its size in degrees.
type Cell struct {
	Row, Col int
	Lon, Lat float64 // centre
	Size     float64
}

// ID names the cell as "size/row/col", stable across runs.
func (c Cell) ID() string {
	return strconv.FormatFloat(c.Size, 'g', -1, 64) + "/" + strconv.Itoa(c.Row) + "/" + strconv.Itoa(c.Col)
}

// gridSnap absorbs binary rounding at cell edges: a point within 1e-9 of a
// cell of its upper edge belongs to the upper cell (116.40 / 0.01 is
// 11639.999999999998 in float64).
const gridSnap = 1e-9

// GridCell returns the cell of a square grid of cellDegrees (0 < size <= 90)
// that contains (lon, lat): report the centre or the ID instead of the point.
// Longitude must be in [-180, 180], latitude in [-90, 90]; the points on
// the east and north edges belong to the last column and row.
func GridCell(lon, lat, cellDegrees float64) (Cell, error) {
	if math.IsNaN(cellDegrees) || cellDegrees <= 0 || cellDegrees > 90 {
		return Cell{}, badArg("cell size must be in (0, 90] degrees")
	}
	if math.IsNaN(lon) || math.IsNaN(lat) || lon < -180 || lon > 180 || lat < -90 || lat > 90 {
		return Cell{}, malformed("geo_coordinate")
	}
	cols := int(math.Ceil(360/cellDegrees - gridSnap))
	rows := int(math.Ceil(180/cellDegrees - gridSnap))
	col := min(int(math.Floor((lon+180)/cellDegrees+gridSnap)), cols-1)
	row := min(int(math.Floor((lat+90)/cellDegrees+gridSnap)), rows-1)
	return Cell{
		Row:  row,
		Col:  col,
		Lon:  min(-180+(float64(col)+0.5)*cellDegrees, 180),
		Lat:  min(-90+(float64(row)+0.5)*cellDegrees, 90),
		Size: cellDegrees,
	}, nil
}
