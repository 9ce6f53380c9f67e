package classify

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/govshare/govshare/catalog"
)

// Finding is one identifier found in free text. Start and End are byte
// offsets into the text; Value is text[Start:End].
type Finding struct {
	Type  catalog.Type
	Start int
	End   int
	Value string
}

// String prints the type and span but never the value.
func (f Finding) String() string {
	return string(f.Type) + "[" + strconv.Itoa(f.Start) + ":" + strconv.Itoa(f.End) + "]"
}

// Detector finds identifiers in free text. The zero value detects every
// type; set Types to restrict it. A Detector is safe for concurrent use.
//
// Checksum types (resident ID, USCC, organization code, bank card, HK and TW
// ids) need no context word: the check digit decides. Person names, dates of
// birth and addresses without a province-level name are found only after a
// context word such as 姓名, 出生日期 or 住址.
type Detector struct {
	// Types, when non-empty, limits detection to these types.
	Types []catalog.Type
	// Now is the clock for "birth date not in the future"; nil means time.Now.
	Now func() time.Time
}

// Detect returns the identifiers in text with the default Detector.
func Detect(text string) []Finding {
	var d Detector
	return d.AppendDetect(nil, text)
}

// Detect returns the identifiers in text, in order, non-overlapping.
func (d *Detector) Detect(text string) []Finding { return d.AppendDetect(nil, text) }

// AppendDetect appends the findings in text to dst and returns it. Values
// are substrings of text. It allocates nothing when dst has room and text
// has no full-width or other foldable characters; otherwise it scans a
// folded copy and reports spans in text's own bytes.
func (d *Detector) AppendDetect(dst []Finding, text string) []Finding {
	sc := scanner{s: text, src: text, out: dst}
	sc.s, sc.marks = foldMapped(text)
	t := time.Now
	if d.Now != nil {
		t = d.Now
	}
	y, m, dd := t().In(catalog.ChinaTime).Date()
	sc.today = y*10000 + int(m)*100 + dd
	if len(d.Types) > 0 {
		sc.only = true
		for _, ty := range d.Types {
			for k, known := range catalog.Types {
				if ty == known {
					sc.enabled |= 1 << k
				}
			}
		}
	}
	sc.run()
	return sc.out
}

type scanner struct {
	s       string     // the text scanned: src, folded (see foldMapped)
	src     string     // the text as given; spans and Values refer to it
	marks   []foldMark // map offsets of s back to src
	out     []Finding
	today   int // yyyymmdd
	only    bool
	enabled uint32
}

func (sc *scanner) on(t catalog.Type) bool {
	if !sc.only {
		return true
	}
	for k, known := range catalog.Types {
		if t == known {
			return sc.enabled&(1<<k) != 0
		}
	}
	return false
}

func (sc *scanner) emit(t catalog.Type, start, end int) int {
	if sc.on(t) {
		os, oe := sc.orig(start), sc.orig(end)
		sc.out = append(sc.out, Finding{Type: t, Start: os, End: oe, Value: sc.src[os:oe]})
	}
	return end
}

// charClass bits for ASCII bytes.
const (
	clDigit = 1 << iota
	clUpper
	clLower
	clHex
)

var asciiClass = func() (t [256]uint8) {
	for c := '0'; c <= '9'; c++ {
		t[c] = clDigit | clHex
	}
	for c := 'A'; c <= 'Z'; c++ {
		t[c] = clUpper
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c] = clLower
	}
	for _, c := range "abcdefABCDEF" {
		t[c] |= clHex
	}
	return t
}()

func isAlnum(c byte) bool { return asciiClass[c]&(clDigit|clUpper|clLower) != 0 }

func (sc *scanner) run() {
	s := sc.s
	n := len(s)
	i := 0
	for i < n {
		c := s[i]
		if asciiClass[c] != 0 {
			j := i + 1
			digits := c <= '9'
			for j < n && asciiClass[s[j]] != 0 {
				digits = digits && s[j] <= '9'
				j++
			}
			i = sc.ascii(i, j, digits)
			continue
		}
		if c < utf8.RuneSelf {
			if c == '(' {
				if e := sc.paren(i); e > i {
					i = e
					continue
				}
			}
			if c == ':' && i+1 < n && s[i+1] == ':' && (i == 0 || !isAlnum(s[i-1])) {
				if e := sc.ipv6(i); e > i {
					i = e
					continue
				}
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if e := sc.han(i, r, size); e > i {
			i = e
			continue
		}
		i += size
	}
}

// next returns the byte at i or 0 past the end.
func (sc *scanner) at(i int) byte {
	if i < len(sc.s) && i >= 0 {
		return sc.s[i]
	}
	return 0
}

// ascii classifies the maximal ASCII alphanumeric run s[i:j] and the
// structures that may start with it; it returns where scanning resumes.
func (sc *scanner) ascii(i, j int, digits bool) int {
	s := sc.s
	next := sc.at(j)
	// Structures that extend past the run.
	switch next {
	case '@', '.', '_', '%', '+', '-':
		if e := sc.email(i); e > 0 {
			return e
		}
	}
	switch next {
	case ':':
		if j-i <= 5 && j+2 < len(s) && s[j+1] == '/' && s[j+2] == '/' {
			if e := sc.url(i); e > 0 {
				return e
			}
		}
		if j-i <= 4 && sc.allHex(i, j) {
			if e := sc.ipv6(i); e > 0 {
				return e
			}
		}
	case '.':
		if j-i == 3 && (s[i:j] == "www" || s[i:j] == "WWW") {
			if e := sc.url(i); e > 0 {
				return e
			}
		}
		if digits && j-i == 3 {
			if e := sc.dottedMobile(i, j); e > 0 {
				return sc.emit(catalog.TypeMobile, i, e)
			}
		}
		if digits && j-i <= 3 {
			if e := sc.ipv4(i); e > 0 {
				return e
			}
			if e := sc.coordinate(i); e > 0 {
				return e
			}
		}
	case '-', ' ':
		// USCCs may start with A, N or Y (the registering authority)
		if c := s[i]; isDigit(c) || c == 'A' || c == 'N' || c == 'Y' {
			if e := sc.writtenGroups(i, j); e > 0 {
				return e
			}
		}
		// HK ID with a space before its bracketed check character
		if next == ' ' && (j-i == 7 || j-i == 8) && j+4 <= len(s) && s[j+1] == '(' && s[j+3] == ')' &&
			ValidHKID(s[i:j]+s[j+1:j+4]) {
			return sc.emit(catalog.TypeHKID, i, j+4)
		}
		if next == '-' && j-i == 8 && j+2 <= len(s) && isAlnum(s[j+1]) && !isAlnum(sc.at(j+2)) {
			if ValidOrgCode(s[i : j+2]) {
				return sc.emit(catalog.TypeOrgCode, i, j+2)
			}
		}
	case '(':
		if (j-i == 7 || j-i == 8) && j+2 < len(s) && s[j+2] == ')' && ValidHKID(s[i:j+3]) {
			return sc.emit(catalog.TypeHKID, i, j+3)
		}
	}
	if !digits && j-i >= 3 && j-i <= 9 {
		if e := sc.englishContext(i, j); e > j {
			return e
		}
	}
	if t := sc.token(i, j, digits); t != catalog.TypeNone {
		start := i
		if t == catalog.TypeMobile && i > 0 && s[i-1] == '+' {
			start--
		}
		return sc.emit(t, start, j)
	}
	// A short letter prefix glued to digits ("Tel13812345678").
	if !digits {
		k := i
		for k < j && asciiClass[s[k]]&(clUpper|clLower) != 0 {
			k++
		}
		if k > i && k-i <= 8 && j-k >= 11 {
			if t := sc.token(k, j, sc.allDigits(k, j)); t != catalog.TypeNone {
				return sc.emit(t, k, j)
			}
		}
	}
	return j
}

func (sc *scanner) allHex(i, j int) bool {
	for k := i; k < j; k++ {
		if asciiClass[sc.s[k]]&clHex == 0 {
			return false
		}
	}
	return true
}

func (sc *scanner) allDigits(i, j int) bool {
	for k := i; k < j; k++ {
		if asciiClass[sc.s[k]]&clDigit == 0 {
			return false
		}
	}
	return true
}

// token classifies a whole alphanumeric run.
func (sc *scanner) token(i, j int, digits bool) catalog.Type {
	s := sc.s[i:j]
	n := len(s)
	if digits {
		switch {
		case n == 11:
			if mobilePrefix(s[0], s[1], s[2]) {
				if sc.amountAfter(j) || sc.amountBefore(i) {
					return catalog.TypeNone
				}
				return catalog.TypeMobile
			}
			if landlineSplit(s) > 0 {
				return catalog.TypeLandline
			}
		case n == 13 && s[0] == '8' && s[1] == '6' && mobileDigits(s[2:]):
			return catalog.TypeMobile
		case n == 15 && s[:4] == "0086" && mobileDigits(s[4:]):
			return catalog.TypeMobile
		case n == 18:
			if sc.residentID(s) {
				return catalog.TypeResidentID
			}
			if sc.idShape(s) {
				return catalog.TypeNone // a mistyped resident ID is nothing else
			}
			if sc.card(s, i) {
				return catalog.TypeBankCard
			}
			if usccStrict(s) {
				return catalog.TypeUSCC
			}
		case n == 15:
			if sc.legacyID(s) {
				return catalog.TypeResidentID
			}
			if sc.card(s, i) {
				return catalog.TypeBankCard
			}
		case n >= 13 && n <= 19:
			if sc.card(s, i) {
				return catalog.TypeBankCard
			}
		case n == 10 || n == 12:
			if landlineSplit(s) > 0 {
				return catalog.TypeLandline
			}
		case n == 9:
			if ValidOrgCode(s) && (sc.standalone(i, j) || sc.contextBefore(i, 24, orgCodeWords)) {
				return catalog.TypeOrgCode
			}
		}
		return catalog.TypeNone
	}
	switch n {
	case 18:
		if (s[17] == 'X' || s[17] == 'x') && sc.residentID(s) {
			return catalog.TypeResidentID
		}
		if s[17] == 'X' || s[17] == 'x' {
			if sc.idShape(s) {
				return catalog.TypeNone
			}
		}
		if usccStrict(s) {
			return catalog.TypeUSCC
		}
	case 9:
		if ValidPassport(s) {
			return catalog.TypePassport
		}
		if ValidTravelPermit(s) {
			return catalog.TypeTravelPermit
		}
		if ValidOrgCode(s) && (sc.standalone(i, j) || sc.contextBefore(i, 24, orgCodeWords)) {
			return catalog.TypeOrgCode
		}
		if ValidHKID(s) && (sc.standalone(i, j) || sc.contextBefore(i, 24, hkidWords)) {
			return catalog.TypeHKID
		}
	case 8:
		if ValidHKID(s) && (sc.standalone(i, j) || sc.contextBefore(i, 24, hkidWords)) {
			return catalog.TypeHKID
		}
	case 11:
		if ValidTravelPermit(s) {
			return catalog.TypeTravelPermit
		}
	case 10:
		if ValidTWID(s) {
			return catalog.TypeTWID
		}
	}
	return catalog.TypeNone
}

// dateOK checks y-m-d against the scanner's today.
func (sc *scanner) dateOK(y, m, d int) bool {
	if y < 1900 || m < 1 || m > 12 || d < 1 || d > DaysIn(y, m) {
		return false
	}
	return y*10000+m*100+d <= sc.today
}

func (sc *scanner) idShape(s string) bool {
	if !validProvince(s[0], s[1]) {
		return false
	}
	y, ok1 := atoiN(s, 6, 4)
	m, ok2 := atoiN(s, 10, 2)
	d, ok3 := atoiN(s, 12, 2)
	return ok1 && ok2 && ok3 && sc.dateOK(y, m, d)
}

func (sc *scanner) residentID(s string) bool {
	c, ok := ResidentIDCheckDigit(s[:17])
	if !ok || (s[17] != c && !(c == 'X' && s[17] == 'x')) {
		return false
	}
	return sc.idShape(s)
}

func (sc *scanner) legacyID(s string) bool {
	if !validProvince(s[0], s[1]) {
		return false
	}
	y, _ := atoiN(s, 6, 2)
	m, _ := atoiN(s, 8, 2)
	d, _ := atoiN(s, 10, 2)
	return sc.dateOK(1900+y, m, d)
}

// email matches local@domain starting at i.
func (sc *scanner) email(i int) int {
	s := sc.s
	k := i
	for k < len(s) && k-i <= 64 && emailLocal(s[k]) {
		k++
	}
	if k >= len(s) || s[k] != '@' || k == i {
		return 0
	}
	e := k + 1
	for e < len(s) && hostChar(s[e]) {
		e++
	}
	for e > k+1 && (s[e-1] == '.' || s[e-1] == '-') {
		e--
	}
	if ValidEmail(s[i:e]) {
		return sc.emit(catalog.TypeEmail, i, e)
	}
	return 0
}

// urlChar reports the ASCII bytes a URL may contain in running text.
func urlChar(c byte) bool {
	return c > ' ' && c < 0x7f && c != '"' && c != '<' && c != '>' && c != '\\' && c != '^' && c != '`' && c != '{' && c != '|' && c != '}'
}

func (sc *scanner) url(i int) int {
	s := sc.s
	e := i
	for e < len(s) && urlChar(s[e]) {
		e++
	}
	for e > i && strings.IndexByte(".,;:!?)]'", s[e-1]) >= 0 {
		e--
	}
	if e-i > 2048 {
		return 0
	}
	if ValidURL(s[i:e]) {
		sc.emit(catalog.TypeURL, i, e)
		sc.nestedInURL(i, e)
		return e
	}
	return 0
}

func (sc *scanner) ipv4(i int) int {
	s := sc.s
	e := i
	for e < len(s) && (isDigit(s[e]) || s[e] == '.') && e-i < 16 {
		e++
	}
	for e > i && s[e-1] == '.' {
		e--
	}
	if e < len(s) && (isAlnum(s[e]) || (s[e] == '.' && e+1 < len(s) && isDigit(s[e+1]))) {
		return 0
	}
	if ValidIPv4(s[i:e]) {
		if sc.notIPv4(i, e) {
			return e
		}
		return sc.emit(catalog.TypeIPv4, i, e)
	}
	return 0
}

func (sc *scanner) ipv6(i int) int {
	s := sc.s
	e := i
	colons := 0
	for e < len(s) && e-i < 45 && (asciiClass[s[e]]&clHex != 0 || s[e] == ':' || s[e] == '.') {
		if s[e] == ':' {
			colons++
		}
		e++
	}
	for e > i && s[e-1] == '.' {
		e--
	}
	if colons < 2 || (e < len(s) && isAlnum(s[e])) {
		return 0
	}
	if ValidIPv6(s[i:e]) {
		return sc.emit(catalog.TypeIPv6, i, e)
	}
	return 0
}

// coordinate matches "lon,lat" with at least four decimals on each side.
func (sc *scanner) coordinate(i int) int {
	s := sc.s
	num := func(k int) (int, int) { // end, decimals
		if k < len(s) && s[k] == '-' {
			k++
		}
		st := k
		for k < len(s) && isDigit(s[k]) {
			k++
		}
		if k == st || k-st > 3 || k >= len(s) || s[k] != '.' {
			return 0, 0
		}
		k++
		fs := k
		for k < len(s) && isDigit(s[k]) {
			k++
		}
		return k, k - fs
	}
	e1, d1 := num(i)
	if e1 == 0 || d1 < 4 {
		return 0
	}
	k := e1
	switch {
	case strings.HasPrefix(s[k:], ", "):
		k += 2
	case strings.HasPrefix(s[k:], ","):
		k++
	case strings.HasPrefix(s[k:], "，"):
		k += len("，")
	default:
		return 0
	}
	e2, d2 := num(k)
	if e2 == 0 || d2 < 4 || (e2 < len(s) && (isAlnum(s[e2]) || s[e2] == '.')) {
		return 0
	}
	if ValidCoordinate(s[i:e2]) {
		return sc.emit(catalog.TypeGeoCoordinate, i, e2)
	}
	return 0
}
