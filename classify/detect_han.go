package classify

import (
	"strings"
	"unicode/utf8"

	"github.com/govshare/govshare/catalog"
)

// Flags on the first rune of something the Han-text branch looks for.
const (
	hanPlate    = 1 << iota // a plate's province abbreviation
	hanContext              // the first rune of a context word
	hanProvince             // the first rune of a province-level name
	hanDetail               // the last rune of an address detail suffix
)

type contextWord struct {
	word string
	typ  catalog.Type
}

// contextWords introduce person names, birth dates and addresses, which have
// no check digit and are reported only after such a word or, for addresses,
// when they start with a province-level name. Longer words come first.
var contextWords = []contextWord{
	{"法定代表人", catalog.TypePersonName}, {"法人代表", catalog.TypePersonName}, {"联系人", catalog.TypePersonName},
	{"收件人", catalog.TypePersonName}, {"收货人", catalog.TypePersonName}, {"申请人", catalog.TypePersonName},
	{"经办人", catalog.TypePersonName}, {"负责人", catalog.TypePersonName}, {"持卡人", catalog.TypePersonName},
	{"监护人", catalog.TypePersonName}, {"当事人", catalog.TypePersonName}, {"户主", catalog.TypePersonName},
	{"姓名", catalog.TypePersonName}, {"名字", catalog.TypePersonName}, {"患者", catalog.TypePersonName},
	{"聯繫人", catalog.TypePersonName}, {"申請人", catalog.TypePersonName}, {"負責人", catalog.TypePersonName},
	{"出生年月日", catalog.TypeDateOfBirth}, {"出生日期", catalog.TypeDateOfBirth}, {"出生年月", catalog.TypeDateOfBirth},
	{"出生于", catalog.TypeDateOfBirth}, {"出生於", catalog.TypeDateOfBirth}, {"生日", catalog.TypeDateOfBirth}, {"出生", catalog.TypeDateOfBirth},
	{"生于", catalog.TypeDateOfBirth}, {"生於", catalog.TypeDateOfBirth},
	{"户籍地址", catalog.TypeAddress}, {"家庭住址", catalog.TypeAddress}, {"居住地址", catalog.TypeAddress}, {"注册地址", catalog.TypeAddress},
	{"通讯地址", catalog.TypeAddress}, {"联系地址", catalog.TypeAddress}, {"现住址", catalog.TypeAddress}, {"户籍地", catalog.TypeAddress},
	{"居住地", catalog.TypeAddress}, {"住址", catalog.TypeAddress}, {"住所", catalog.TypeAddress}, {"地址", catalog.TypeAddress},
	{"戶籍地址", catalog.TypeAddress}, {"地點", catalog.TypeAddress},
}

var hanFlags = func() *[0x10000]uint8 {
	var t [0x10000]uint8
	for _, r := range provinceAbbrevs {
		t[r] |= hanPlate
	}
	for _, c := range contextWords {
		r, _ := utf8.DecodeRuneInString(c.word)
		t[r] |= hanContext
	}
	for _, p := range provinceNames {
		r, _ := utf8.DecodeRuneInString(p)
		t[r] |= hanProvince
	}
	for _, d := range detailSuffixes {
		r, _ := utf8.DecodeLastRuneInString(d)
		t[r] |= hanDetail
	}
	return &t
}()

// han looks at the non-ASCII rune r of the given size at i; it returns where
// scanning resumes, or i when nothing starts here.
func (sc *scanner) han(i int, r rune, size int) int {
	if r >= 0x10000 {
		return i
	}
	f := hanFlags[r]
	if f == 0 {
		return i
	}
	s := sc.s
	if f&hanPlate != 0 {
		// 粤B12345, and with a space or dot after the province: 粤 B12345
		p := i + size
		for _, sep := range [...]string{" ", "·"} {
			if strings.HasPrefix(s[p:], sep) && p+len(sep) < len(s) && plateLetter(s[p+len(sep)]) {
				p += len(sep)
				break
			}
		}
		if k := plateTail(s[p:]); k > 0 {
			e := p + k
			if e >= len(s) || !isAlnum(s[e]) {
				return sc.emit(catalog.TypeLicensePlate, i, e)
			}
		}
	}
	if f&hanContext != 0 {
		for _, c := range contextWords {
			if !strings.HasPrefix(s[i:], c.word) {
				continue
			}
			if e := sc.contextValue(c.typ, skipSeparators(s, i+len(c.word))); e > 0 {
				return e
			}
			break
		}
	}
	if f&hanProvince != 0 && provincePrefix(s[i:]) > 0 {
		if e := sc.address(i, false); e > i {
			return sc.emit(catalog.TypeAddress, i, e)
		}
	}
	return i
}

// englishContexts introduce values in English text; they match whole
// words, case-insensitively.
var englishContexts = []contextWord{
	{"name", catalog.TypePersonName}, {"applicant", catalog.TypePersonName}, {"contact", catalog.TypePersonName},
	{"born", catalog.TypeDateOfBirth}, {"dob", catalog.TypeDateOfBirth}, {"birthday", catalog.TypeDateOfBirth}, {"birthdate", catalog.TypeDateOfBirth},
	{"address", catalog.TypeAddress},
}

// englishContext handles an English context word s[i:j]; it returns where
// scanning resumes after a value, or 0.
func (sc *scanner) englishContext(i, j int) int {
	w := sc.s[i:j]
	for _, c := range englishContexts {
		if !strings.EqualFold(w, c.word) {
			continue
		}
		k := skipSeparators(sc.s, j)
		if k == j {
			return 0
		}
		return sc.contextValue(c.typ, k)
	}
	return 0
}

// contextValue parses a value of typ at k after a context word and emits it.
func (sc *scanner) contextValue(typ catalog.Type, k int) int {
	var e int
	switch typ {
	case catalog.TypePersonName:
		e = sc.personName(k)
	case catalog.TypeDateOfBirth:
		e = sc.date(k)
	case catalog.TypeAddress:
		e = sc.address(k, true)
	}
	if e > k {
		return sc.emit(typ, k, e)
	}
	return 0
}

// skipSeparators skips what stands between a context word and its value.
func skipSeparators(s string, k int) int {
	for k < len(s) {
		switch {
		case s[k] == ':' || s[k] == ' ' || s[k] == '\t' || s[k] == '(':
			k++
		case strings.HasPrefix(s[k:], "：") || strings.HasPrefix(s[k:], "（"):
			k += len("：")
		case strings.HasPrefix(s[k:], "为") || strings.HasPrefix(s[k:], "是"):
			k += len("为")
		default:
			return k
		}
	}
	return k
}

// nameStops begin words that end a given name in running text.
var nameStops = []string{"先生", "女士", "同志", "电话", "手机", "身份", "性别", "住址", "地址", "年龄", "出生", "联系", "号码", "证件", "男", "女", "的", "于", "在", "和", "与", "是", "等", "已", "今", "现", "家"}

// personName matches a surname and one or two given characters at k, or a
// "·"-joined name.
func (sc *scanner) personName(k int) int {
	s := sc.s
	// The candidate: Han characters and "·" only, so Surname sees a name,
	// not the rest of the text.
	c := k
	for c < len(s) && c-k < 64 {
		r, n := utf8.DecodeRuneInString(s[c:])
		if !isHan(r) && r != '·' {
			break
		}
		c += n
	}
	sur := Surname(s[k:c])
	// A name with a middle dot (艾尔肯·吐尔逊) is the whole dotted name, even
	// when its first character is also a Han surname.
	if i := strings.Index(s[k:c], "·"); i > 0 && utf8.RuneCountInString(s[k:k+i]) <= 8 {
		sur = ""
	}
	if sur == "" || strings.ContainsAny(sur, "·•・.") {
		// a dotted name: Han segments joined by "·"
		e, segs := k, 0
		for {
			st := e
			for e < len(s) {
				r, n := utf8.DecodeRuneInString(s[e:])
				if !isHan(r) || (e > st && hasAnyPrefix(s[e:], nameStops)) {
					break
				}
				e += n
			}
			if e == st {
				return 0
			}
			segs++
			if !strings.HasPrefix(s[e:], "·") || segs == 4 {
				break
			}
			e += len("·")
		}
		if segs >= 2 && ValidPersonName(s[k:e]) {
			return e
		}
		return 0
	}
	e := k + len(sur)
	given := 0
	for given < 2 && e < len(s) {
		r, n := utf8.DecodeRuneInString(s[e:])
		if !isHan(r) {
			break
		}
		if given == 1 && hasAnyPrefix(s[e:], nameStops) {
			break
		}
		if given == 0 && hasAnyPrefix(s[e:], nameStops[:14]) {
			return 0
		}
		e += n
		given++
	}
	if given == 0 {
		return 0
	}
	return e
}

func hasAnyPrefix(s string, ps []string) bool {
	for _, p := range ps {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// date matches a birth date at k in one of ParseDate's forms.
func (sc *scanner) date(k int) int {
	s := sc.s
	e := k
	for e < len(s) && e-k < 16 && (isDigit(s[e]) || s[e] == '-' || s[e] == '/' || s[e] == '.') {
		e++
	}
	if strings.HasPrefix(s[e:], "年") {
		e = k
		for e < len(s) && e-k < 24 {
			if isDigit(s[e]) {
				e++
				continue
			}
			if strings.HasPrefix(s[e:], "年") || strings.HasPrefix(s[e:], "月") {
				e += len("年")
				continue
			}
			if strings.HasPrefix(s[e:], "日") || strings.HasPrefix(s[e:], "号") {
				e += len("日")
			}
			break
		}
	}
	for e > k && (s[e-1] == '.' || s[e-1] == '-' || s[e-1] == '/') {
		e--
	}
	if e == k || (e < len(s) && isAlnum(s[e])) {
		return 0
	}
	t, ok := ParseDate(s[k:e])
	if !ok {
		return 0
	}
	y, m, d := t.Date()
	if !sc.dateOK(y, int(m), d) {
		return 0
	}
	return e
}

// addressStops end an address in running text.
var addressStops = []string{"电话", "手机", "联系", "身份", "邮箱", "姓名", "邮编"}

// address matches an address at k: Han text, digits, letters and a few
// joiners, ending at its last detail suffix. Without a context word it must
// start with a province-level name followed by an administrative suffix, and
// carry a house number.
func (sc *scanner) address(k int, ctx bool) int {
	s := sc.s
	e, end, runes, digit := k, 0, 0, false
	for e < len(s) && runes < 80 {
		r, n := utf8.DecodeRuneInString(s[e:])
		switch {
		case isHan(r):
			if runes > 0 && hasAnyPrefix(s[e:], addressStops) {
				goto done
			}
		case r < utf8.RuneSelf && isAlnum(byte(r)):
			digit = digit || isDigit(byte(r))
		case r == '-' || r == '#' || r == '－' || r == '（' || r == '）' || r == '(' || r == ')':
		default:
			goto done
		}
		e += n
		runes++
		if r < 0x10000 && hanFlags[r]&hanDetail != 0 {
			for _, d := range detailSuffixes {
				if strings.HasSuffix(s[k:e], d) {
					end = e
					break
				}
			}
		}
	}
done:
	if end == 0 {
		return 0
	}
	v := s[k:end]
	if !ValidAddress(v) {
		return 0
	}
	if !ctx {
		p := provincePrefix(v)
		rest := v[p:]
		if !(strings.HasPrefix(rest, "省") || strings.HasPrefix(rest, "市") || strings.HasPrefix(rest, "自治区") ||
			strings.HasPrefix(rest, "壮族自治区") || strings.HasPrefix(rest, "回族自治区") || strings.HasPrefix(rest, "维吾尔自治区") ||
			strings.HasPrefix(rest, "特别行政区")) || !digit {
			return 0
		}
	}
	return end
}
