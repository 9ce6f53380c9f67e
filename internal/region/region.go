// Package region is the table of China's administrative divisions at
// county level and above, with their GB/T 2260 codes as the Ministry of
// Civil Affairs (民政部) publishes them, current and former (see SOURCE.md).
// It answers two questions: which divisions a 2-, 4- or 6-digit code names
// ([Lookup], for the region code of a resident ID), and which divisions an
// address starts with ([Match], to coarsen an address to a province,
// prefecture or county).
//
// The package uses the standard library only and imports nothing else from
// govshare. The table is embedded (divisions.txt, about 130 KB) and indexed
// on first use.
package region

import (
	_ "embed"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"
)

//go:generate go run ./gen -o divisions.txt

//go:embed divisions.txt
var table string

// Level is the level of a division.
type Level uint8

// Levels, coarsest first.
const (
	Province   Level = 1 // 省级: province, autonomous region, municipality, SAR
	Prefecture Level = 2 // 地级: prefecture-level city, prefecture, league, autonomous prefecture
	County     Level = 3 // 县级: district, county, county-level city, banner …
)

// Division is one division of the table. The zero Division means "none".
type Division struct {
	Code   string // six digits: 440000, 440300, 440305
	Name   string // full name: 广东省, 深圳市, 南山区
	Former bool   // the name is no longer in use under this code
}

// Level is the division's level, read from its code; 0 for the zero Division.
func (d Division) Level() Level { return codeLevel(d.Code) }

func codeLevel(code string) Level {
	switch {
	case len(code) != 6:
		return 0
	case code[2:] == "0000":
		return Province
	case code[4:] == "00":
		return Prefecture
	}
	return County
}

// Place is a province, the prefecture-level division in it and the county in
// that; lower levels may be absent (zero). A county directly under its
// province (the districts of a municipality, 济源市, 仙桃市 …) has no
// prefecture.
type Place struct {
	Province, Prefecture, County Division
	// End is the byte length of the text Match recognised, from the start
	// of its input (0 for Lookup); First is the end of the first division
	// named in it.
	End, First int
}

// Division returns the division of the given level (zero if absent).
func (p Place) Division(l Level) Division {
	switch l {
	case Province:
		return p.Province
	case Prefecture:
		return p.Prefecture
	case County:
		return p.County
	}
	return Division{}
}

// Name joins the full names of the divisions down to level l: for l =
// County, "广东省深圳市南山区". It returns "" when the division of level l
// is absent, except that a province-level division that has no prefectures
// ([Municipal]) stands for its own prefecture.
func (p Place) Name(l Level) string {
	if p.Province.Code == "" || l < Province || l > County {
		return ""
	}
	switch l {
	case Province:
		return p.Province.Name
	case Prefecture:
		switch {
		case p.Prefecture.Code != "":
			return p.Province.Name + p.Prefecture.Name
		case Municipal(p.Province.Code):
			return p.Province.Name
		}
		return ""
	}
	if p.County.Code == "" {
		return ""
	}
	return p.Province.Name + p.Prefecture.Name + p.County.Name
}

// Municipal reports whether the province-level division of code (its first
// two digits) has no prefecture level: the four municipalities (北京, 天津,
// 上海, 重庆) and the two SARs, whose next level is a district.
func Municipal(code string) bool {
	if len(code) < 2 || code[0] < '0' || code[0] > '9' || code[1] < '0' || code[1] > '9' {
		return false
	}
	return municipal(int32(code[0]-'0')*10 + int32(code[1]-'0'))
}

// municipal is Municipal of a province's two digits as a number.
func municipal(prov int32) bool {
	switch prov {
	case 11, 12, 31, 50, 81, 82:
		return true
	}
	return false
}

// Lookup returns the divisions a code names: code is 2 digits (province),
// 4 (prefecture) or 6 (any level; trailing zeros name the higher level).
// Each level is filled in when the table has it: Lookup("440305") is
// 广东省 / 深圳市 / 南山区, and a county code the table does not know still
// gives its province and prefecture. The name in use is preferred; a code
// no longer in use gives its last name (Former set). ok is false when the
// code is malformed or names no province.
func Lookup(code string) (p Place, ok bool) {
	switch len(code) {
	case 2:
		code += "0000"
	case 4:
		code += "00"
	case 6:
	default:
		return Place{}, false
	}
	for i := 0; i < 6; i++ {
		if code[i] < '0' || code[i] > '9' {
			return Place{}, false
		}
	}
	ix := load()
	p.Province, ok = ix.byCode(code[:2] + "0000")
	if !ok {
		return Place{}, false
	}
	if code[2:4] != "00" {
		p.Prefecture, _ = ix.byCode(code[:4] + "00")
	}
	if code[4:] != "00" {
		p.County, _ = ix.byCode(code)
	}
	return p, true
}

// ByCode returns the division with exactly this 6-digit code.
func ByCode(code string) (Division, bool) { return load().byCode(code) }

// provinceShort are the customary short forms of the province-level names,
// in code order, and other forms in use.
var provinceShort = map[string][]string{
	"11": {"北京"}, "12": {"天津"}, "13": {"河北"}, "14": {"山西"}, "15": {"内蒙古"},
	"21": {"辽宁"}, "22": {"吉林"}, "23": {"黑龙江"},
	"31": {"上海"}, "32": {"江苏"}, "33": {"浙江"}, "34": {"安徽"}, "35": {"福建"}, "36": {"江西"}, "37": {"山东"},
	"41": {"河南"}, "42": {"湖北"}, "43": {"湖南"}, "44": {"广东"}, "45": {"广西", "广西自治区"}, "46": {"海南"},
	"50": {"重庆"}, "51": {"四川"}, "52": {"贵州"}, "53": {"云南"}, "54": {"西藏"},
	"61": {"陕西"}, "62": {"甘肃"}, "63": {"青海"}, "64": {"宁夏", "宁夏自治区"}, "65": {"新疆", "新疆自治区"},
	"71": {"台湾"}, "81": {"香港"}, "82": {"澳门"},
}

// ethnicGroups are the 55 minority nationalities, whose names make up the
// names of autonomous prefectures and counties (延边朝鲜族自治州 → 延边).
var ethnicGroups = strings.Fields(`蒙古 回 藏 维吾尔 苗 彝 壮 布依 朝鲜 满 侗 瑶 白 土家 哈尼 哈萨克 傣 黎 傈僳 佤 畲 高山 拉祜 水
	东乡 纳西 景颇 柯尔克孜 土 达斡尔 仫佬 羌 布朗 撒拉 毛南 仡佬 锡伯 阿昌 普米 塔吉克 怒 乌孜别克 俄罗斯 鄂温克 德昂 保安
	裕固 京 塔塔尔 独龙 鄂伦春 赫哲 门巴 珞巴 基诺 各`)

// shortName is the name without its generic part: 深圳市 → 深圳, 延边朝鲜族自治州
// → 延边, 浦东新区 → 浦东. Names whose short form would be one character
// (城区, 郊区, 沙市区 …) have none.
func shortName(name string) string {
	s := name
	for _, suf := range []string{"自治州", "自治县", "自治旗", "地区", "林区", "新区", "特区", "市", "盟", "区", "县", "旗"} {
		if t, ok := strings.CutSuffix(s, suf); ok {
			s = t
			break
		}
	}
	if s == name {
		return ""
	}
	for {
		cut := false
		for _, e := range ethnicGroups {
			if t, ok := strings.CutSuffix(s, e+"族"); ok && utf8.RuneCountInString(t) >= 2 {
				s, cut = t, true
			}
		}
		if !cut {
			break
		}
	}
	if utf8.RuneCountInString(s) < 2 {
		return ""
	}
	return s
}

// named is a name with the entries of its level.
type named struct {
	name string
	es   []entry
}

// entry is a name of a division in the index, with what find tests of the
// division copied in, so that the search reads no Division.
type entry struct {
	div    int32 // index into divs
	code   int32 // the division's code as a number: 440305
	level  Level
	short  bool
	former bool
}

type index struct {
	divs  []Division
	codes map[string]int32   // code → its division in use, or its latest name
	names map[string][]entry // full, short and other names → divisions
	// byStart maps the first two runes of every name, and its level, to the
	// names of that level that start with them, shortest first: one lookup
	// gives find every name it may compare.
	byStart map[uint64][]named
}

var (
	once sync.Once
	ix   *index
)

func load() *index {
	once.Do(func() { ix = build(table) })
	return ix
}

func build(t string) *index {
	x := &index{codes: map[string]int32{}, names: map[string][]entry{}, byStart: map[uint64][]named{}}
	add := func(name string, e entry) {
		if name == "" {
			return
		}
		for _, old := range x.names[name] {
			if old.div == e.div {
				return
			}
		}
		d := x.divs[e.div]
		e.code, e.level, e.former = codeNumber(d.Code), d.Level(), d.Former
		x.names[name] = append(x.names[name], e)
		k := startKey(name, e.level)
		i := slices.IndexFunc(x.byStart[k], func(n named) bool { return n.name == name })
		if i < 0 {
			x.byStart[k] = append(x.byStart[k], named{name: name})
			slices.SortStableFunc(x.byStart[k], func(a, b named) int { return len(a.name) - len(b.name) })
			i = slices.IndexFunc(x.byStart[k], func(n named) bool { return n.name == name })
		}
		x.byStart[k][i].es = append(x.byStart[k][i].es, e)
	}
	for line := range strings.Lines(t) {
		line = strings.TrimRight(line, "\r\n")
		if line == "" || line[0] == '#' {
			continue
		}
		f := strings.Fields(line)
		if len(f) < 2 || len(f[0]) != 6 {
			continue
		}
		d := Division{Code: f[0], Name: f[1], Former: len(f) > 2 && f[2] == "*"}
		i := int32(len(x.divs))
		x.divs = append(x.divs, d)
		if _, ok := x.codes[d.Code]; !ok {
			x.codes[d.Code] = i // the table lists the name in use first
		}
		add(d.Name, entry{div: i})
		if d.Level() == Province {
			for _, s := range provinceShort[d.Code[:2]] {
				add(s, entry{div: i, short: true})
			}
			continue
		}
		add(shortName(d.Name), entry{div: i, short: true})
	}
	return x
}

// startKey packs the first 6 bytes of s (the first two characters of every
// name, all of which are 3-byte characters of at least two) and a level.
func startKey(s string, l Level) uint64 {
	k := uint64(l) << 56
	for i := 0; i < 6 && i < len(s); i++ {
		k |= uint64(s[i]) << (8 * i)
	}
	return k
}

// codeNumber is a 6-digit code as a number (the table's codes are digits).
func codeNumber(code string) int32 {
	n := int32(0)
	for i := 0; i < len(code); i++ {
		n = n*10 + int32(code[i]-'0')
	}
	return n
}

// scope is the range of codes a search may name: the whole country, a
// province's (its code's first 2 digits) or a prefecture's (first 4).
type scope struct{ lo, hi int32 }

var country = scope{0, 999999}

// within is the scope of the divisions under the division with this code,
// at the given depth of digits (2 or 4).
func within(code int32, digits int) scope {
	unit := int32(10000)
	if digits == 4 {
		unit = 100
	}
	lo := code / unit * unit
	return scope{lo, lo + unit - 1}
}

func (x *index) byCode(code string) (Division, bool) {
	i, ok := x.codes[code]
	if !ok {
		return Division{}, false
	}
	return x.divs[i], true
}

// street are the characters that, right after a short name, show it is part
// of a street or place name instead (中山路, 南京东路 is not 南京, 南山大道).
func street(r rune) bool { return strings.ContainsRune("路街道巷弄号胡里大村桥", r) }

// skipSpace skips the spaces written between the units of an address.
func skipSpace(s string, i int, rd *reads) int {
	for i < len(s) {
		switch {
		case s[i] == ' ' || s[i] == '\t':
			i++
		case strings.HasPrefix(s[i:], "\u3000"):
			i += len("\u3000")
		default:
			rd.touch(s, i+len("\u3000"))
			return i
		}
	}
	rd.touch(s, i+1)
	return i
}

// reads tracks how much of its input a Match looked at: the result is the
// same for every input that starts with s[:n] (n <= len(s)), or, when the
// search looked past the end (n > len(s)), for s alone.
type reads struct{ n int }

// touch records that the search depended on s[:n] (on the length of s,
// when n > len(s)).
func (r *reads) touch(s string, n int) {
	if n > len(s) {
		n = len(s) + 1
	}
	r.n = max(r.n, n)
}

// hit is a division named at some position of the input.
type hit struct {
	div    int32
	code   int32
	end    int
	short  bool
	former bool
}

// find appends to out the divisions of level l named at s[pos:], within
// scope sc.
// Where one name at one length names several divisions in scope, the one in
// use is taken if it is the only one; otherwise the name is ambiguous and
// dropped.
func (x *index) find(s string, pos int, l Level, sc scope, short bool, rd *reads, out []hit) []hit {
	rd.touch(s, pos+6)
	if pos >= len(s) {
		return out
	}
	for _, nm := range x.byStart[startKey(s[pos:], l)] {
		n := pos + len(nm.name)
		rd.touch(s, n)
		if n > len(s) {
			break
		}
		if s[pos:n] != nm.name {
			continue
		}
		es := nm.es
		// the one division in use of this name, or else the one former one
		var cur, old entry
		nCur, nOld := 0, 0
		for _, e := range es {
			if e.level != l || e.code < sc.lo || e.code > sc.hi || (e.short && !short) {
				continue
			}
			if e.short {
				r, size := utf8.DecodeRuneInString(s[n:])
				if r == utf8.RuneError {
					size = utf8.UTFMax
				}
				rd.touch(s, n+max(size, 1))
				if n < len(s) && street(r) {
					continue
				}
			}
			switch {
			case !e.former && (nCur == 0 || cur.code != e.code):
				cur, nCur = e, nCur+1
			case e.former && (nOld == 0 || old.code != e.code):
				old, nOld = e, nOld+1
			}
		}
		pick := cur
		switch {
		case nCur == 1:
		case nCur == 0 && nOld == 1:
			pick = old
		default:
			// several divisions of one name in use, or several former ones
			// with none in use (or none at all): the name alone does not
			// tell which.
			continue
		}
		out = append(out, hit{div: pick.div, code: pick.code, end: n, short: pick.short, former: pick.former})
	}
	return out
}

// Match finds the divisions an address starts with: a province-level name,
// then a prefecture-level name within it, then a county-level name within
// that, each optional, with spaces allowed between them. Full names are
// accepted anywhere in that order; the short forms (广东, 深圳, 南山) only
// where they cannot be read otherwise: a province's short name at the start,
// a prefecture's after its province or before one of its counties, and a
// county's after its prefecture (or its municipality) — and never right
// before 路, 街, 道 … where they name a street (中山路, 南京东路). A county
// named without its province and prefecture must be the only one of that
// name (朝阳区 alone is not enough). Of the readings, the one covering the
// most text wins. The higher levels of what is found are filled in from its
// code (杭州市西湖区 gives 浙江省 too). ok is false when no division starts s.
func Match(s string) (p Place, ok bool) {
	p, ok, _ = load().match(s)
	return p, ok
}

// match is Match, and how much of s it read (reads).
func (x *index) match(s string) (p Place, ok bool, read int) {
	var rd reads
	start := skipSpace(s, 0, &rd)
	// A hit with div -1 is a level the reading leaves out.
	none := func(end int) hit { return hit{div: -1, end: end} }
	var best [3]hit
	bestEnd, bestLevels, bestShort, bestFormer := 0, 0, 0, 0
	var pbuf, cbuf, kbuf [9]hit
	// The reading without a level comes first: of equal readings the
	// first wins.
	provs := x.find(s, start, Province, country, true, &rd, append(pbuf[:0], none(start)))
	for _, pc := range provs {
		sc, pos := country, pc.end
		if pc.div >= 0 {
			sc, pos = within(pc.code, 2), skipSpace(s, pos, &rd)
		}
		cities := x.find(s, pos, Prefecture, sc, true, &rd, append(cbuf[:0], none(pos)))
		for _, cc := range cities {
			csc, cpos := sc, cc.end
			if cc.div >= 0 {
				csc, cpos = within(cc.code, 4), skipSpace(s, cpos, &rd)
			}
			shortCounty := cc.div >= 0 || (pc.div >= 0 && municipal(pc.code/10000))
			counties := x.find(s, cpos, County, csc, shortCounty, &rd, append(kbuf[:0], none(cpos)))
			for _, kc := range counties {
				if cc.short && pc.div < 0 && kc.div < 0 {
					continue // a short prefecture name alone is not evidence
				}
				end, levels, shorts, formers := 0, 0, 0, 0
				for _, c := range [3]*hit{&pc, &cc, &kc} {
					if c.div < 0 {
						continue
					}
					end = c.end
					levels++
					if c.short {
						shorts++
					}
					if c.former {
						formers++
					}
				}
				if levels == 0 {
					continue
				}
				// The most text, then the most levels, then the fewest short
				// and former names.
				better := end > bestEnd
				if end == bestEnd {
					switch {
					case levels != bestLevels:
						better = levels > bestLevels
					case shorts != bestShort:
						better = shorts < bestShort
					default:
						better = formers < bestFormer
					}
				}
				if better {
					best = [3]hit{pc, cc, kc}
					bestEnd, bestLevels, bestShort, bestFormer = end, levels, shorts, formers
				}
			}
		}
	}
	if bestLevels == 0 {
		return Place{}, false, rd.n
	}
	for _, c := range best {
		if c.div < 0 {
			continue
		}
		d := x.divs[c.div]
		switch d.Level() {
		case Province:
			p.Province = d
		case Prefecture:
			p.Prefecture = d
		default:
			p.County = d
		}
		if p.First == 0 {
			p.First = c.end
		}
		p.End = c.end
	}
	return x.fill(p), true, rd.n
}

// fill completes the higher levels of a place from the code of its lowest.
func (x *index) fill(p Place) Place {
	low := p.County
	if low.Code == "" {
		low = p.Prefecture
	}
	if low.Code == "" {
		return p
	}
	if p.Province.Code == "" {
		p.Province, _ = x.byCode(low.Code[:2] + "0000")
	}
	if p.Prefecture.Code == "" && low.Level() == County {
		p.Prefecture, _ = x.byCode(low.Code[:4] + "00")
	}
	return p
}
