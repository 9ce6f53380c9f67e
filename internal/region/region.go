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
	if len(code) < 2 {
		return false
	}
	switch code[:2] {
	case "11", "12", "31", "50", "81", "82":
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

// entry is a name of a division in the index.
type entry struct {
	div   int32 // index into divs
	short bool
}

type index struct {
	divs  []Division
	codes map[string]int32   // code → its division in use, or its latest name
	names map[string][]entry // full, short and other names → divisions
	// lens maps the first two runes of every name to the byte lengths of
	// the names that start with them, shortest first, so that find looks
	// up only lengths that exist.
	lens map[uint64][]uint8
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
	x := &index{codes: map[string]int32{}, names: map[string][]entry{}, lens: map[uint64][]uint8{}}
	add := func(name string, e entry) {
		if name == "" {
			return
		}
		for _, old := range x.names[name] {
			if old.div == e.div {
				return
			}
		}
		x.names[name] = append(x.names[name], e)
		p := prefix2(name)
		if !slices.Contains(x.lens[p], uint8(len(name))) {
			x.lens[p] = append(x.lens[p], uint8(len(name)))
			slices.Sort(x.lens[p])
		}
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

// prefix2 packs the first two runes of s.
func prefix2(s string) uint64 {
	r, a := utf8.DecodeRuneInString(s)
	q, _ := utf8.DecodeRuneInString(s[a:])
	return uint64(r)<<32 | uint64(uint32(q))
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
func skipSpace(s string, i int) int {
	for i < len(s) {
		switch {
		case s[i] == ' ' || s[i] == '\t':
			i++
		case strings.HasPrefix(s[i:], "\u3000"):
			i += len("\u3000")
		default:
			return i
		}
	}
	return i
}

// hit is a division named at some position of the input.
type hit struct {
	div   int32
	end   int
	short bool
}

// find returns the divisions of level l named at s[pos:], within scope (a
// code prefix: "" for the whole country, 2 digits for a province, 4 for a
// prefecture). Where one name at one length names several divisions in scope,
// the one in use is taken if it is the only one; otherwise the name is
// ambiguous and dropped.
func (x *index) find(s string, pos int, l Level, scope string, short bool, out []hit) []hit {
	out = out[:0]
	if pos >= len(s) {
		return out
	}
	for _, ln := range x.lens[prefix2(s[pos:])] {
		n := pos + int(ln)
		if n > len(s) {
			break
		}
		es, ok := x.names[s[pos:n]]
		if !ok {
			continue
		}
		// the one division in use of this name, or else the one former one
		var cur, old entry
		nCur, nOld := 0, 0
		for _, e := range es {
			d := x.divs[e.div]
			if d.Level() != l || !strings.HasPrefix(d.Code, scope) || (e.short && !short) {
				continue
			}
			if e.short {
				if r, _ := utf8.DecodeRuneInString(s[n:]); n < len(s) && street(r) {
					continue
				}
			}
			switch {
			case !d.Former && (nCur == 0 || x.divs[cur.div].Code != d.Code):
				cur, nCur = e, nCur+1
			case d.Former && (nOld == 0 || x.divs[old.div].Code != d.Code):
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
		out = append(out, hit{div: pick.div, end: n, short: pick.short})
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
	x := load()
	start := skipSpace(s, 0)
	type choice struct {
		div   int32
		end   int
		short bool
		none  bool
	}
	none := func(end int) choice { return choice{div: -1, end: end, none: true} }
	var best [3]choice
	bestEnd, bestLevels, bestShort, bestFormer := 0, 0, 0, 0
	var hbuf [8]hit
	var pbuf, cbuf, kbuf [8]choice
	provs := append(pbuf[:0], none(start))
	for _, h := range x.find(s, start, Province, "", true, hbuf[:0]) {
		provs = append(provs, choice{div: h.div, end: h.end, short: h.short})
	}
	for _, pc := range provs {
		scope, pos := "", pc.end
		if !pc.none {
			scope = x.divs[pc.div].Code[:2]
			pos = skipSpace(s, pos)
		}
		cities := append(cbuf[:0], none(pos))
		for _, h := range x.find(s, pos, Prefecture, scope, true, hbuf[:0]) {
			cities = append(cities, choice{div: h.div, end: h.end, short: h.short})
		}
		for _, cc := range cities {
			cscope, cpos := scope, cc.end
			if !cc.none {
				cscope = x.divs[cc.div].Code[:4]
				cpos = skipSpace(s, cpos)
			}
			shortCounty := !cc.none || (!pc.none && Municipal(scope))
			counties := append(kbuf[:0], none(cpos))
			for _, h := range x.find(s, cpos, County, cscope, shortCounty, hbuf[:0]) {
				counties = append(counties, choice{div: h.div, end: h.end, short: h.short})
			}
			for _, kc := range counties {
				if cc.short && pc.none && kc.none {
					continue // a short prefecture name alone is not evidence
				}
				end, levels, shorts, formers := 0, 0, 0, 0
				for _, c := range [3]choice{pc, cc, kc} {
					if c.none {
						continue
					}
					end = c.end
					levels++
					if c.short {
						shorts++
					}
					if x.divs[c.div].Former {
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
					best = [3]choice{pc, cc, kc}
					bestEnd, bestLevels, bestShort, bestFormer = end, levels, shorts, formers
				}
			}
		}
	}
	if bestLevels == 0 {
		return Place{}, false
	}
	for _, c := range best {
		if c.none {
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
	return x.fill(p), true
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
