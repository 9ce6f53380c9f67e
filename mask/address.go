package mask

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// AddressLevel is how far GeneralizeAddress keeps an address. The zero
// value is invalid so a forgotten option fails instead of keeping too much.
type AddressLevel int

// Address levels, coarsest first.
const (
	Province AddressLevel = iota + 1 // 省级: "浙江省"
	City                             // 地级: "浙江省杭州市" (a municipality: "北京市")
	District                         // 县级: "浙江省杭州市西湖区"
)

// province is one of the 34 province-level divisions.
type province struct {
	full      string   // canonical name, e.g. "广西壮族自治区"
	short     string   // customary short form, e.g. "广西"
	alt       []string // other written forms
	municipal bool     // 直辖市 or SAR: the next unit is a district
}

// provinces lists all 34 province-level divisions (GB/T 2260).
var provinces = [...]province{
	{full: "北京市", short: "北京", municipal: true},
	{full: "天津市", short: "天津", municipal: true},
	{full: "上海市", short: "上海", municipal: true},
	{full: "重庆市", short: "重庆", municipal: true},
	{full: "河北省", short: "河北"},
	{full: "山西省", short: "山西"},
	{full: "辽宁省", short: "辽宁"},
	{full: "吉林省", short: "吉林"},
	{full: "黑龙江省", short: "黑龙江"},
	{full: "江苏省", short: "江苏"},
	{full: "浙江省", short: "浙江"},
	{full: "安徽省", short: "安徽"},
	{full: "福建省", short: "福建"},
	{full: "江西省", short: "江西"},
	{full: "山东省", short: "山东"},
	{full: "河南省", short: "河南"},
	{full: "湖北省", short: "湖北"},
	{full: "湖南省", short: "湖南"},
	{full: "广东省", short: "广东"},
	{full: "海南省", short: "海南"},
	{full: "四川省", short: "四川"},
	{full: "贵州省", short: "贵州"},
	{full: "云南省", short: "云南"},
	{full: "陕西省", short: "陕西"},
	{full: "甘肃省", short: "甘肃"},
	{full: "青海省", short: "青海"},
	{full: "台湾省", short: "台湾"},
	{full: "内蒙古自治区", short: "内蒙古"},
	{full: "广西壮族自治区", short: "广西", alt: []string{"广西自治区"}},
	{full: "西藏自治区", short: "西藏"},
	{full: "宁夏回族自治区", short: "宁夏", alt: []string{"宁夏自治区"}},
	{full: "新疆维吾尔自治区", short: "新疆", alt: []string{"新疆自治区"}},
	{full: "香港特别行政区", short: "香港", municipal: true},
	{full: "澳门特别行政区", short: "澳门", municipal: true},
}

// matchProvince matches a province-level name at the start of s: full and
// alternative names first, then the short form unless a 市 follows it (吉林市
// is a city of 吉林省, not the province).
func matchProvince(s string) (*province, int) {
	for i := range provinces {
		p := &provinces[i]
		if strings.HasPrefix(s, p.full) {
			return p, len(p.full)
		}
		for _, a := range p.alt {
			if strings.HasPrefix(s, a) {
				return p, len(a)
			}
		}
	}
	for i := range provinces {
		p := &provinces[i]
		if strings.HasPrefix(s, p.short) && !strings.HasPrefix(s[len(p.short):], "市") {
			return p, len(p.short)
		}
	}
	return nil, 0
}

// hardStop runes never occur in the name of an administrative unit: they
// start the street part of an address.
func hardStop(r rune) bool {
	switch r {
	case '路', '街', '巷', '号', '栋', '室', '弄', '幢', '座', '层', '#':
		return true
	}
	return r < utf8.RuneSelf && r != ' ' || (r >= '０' && r <= 'ｚ') || unicode.IsPunct(r)
}

// softStop runes end the region inside a unit name but may start one
// (镇江市, 乡宁县, 道县, 村 never mind).
func softStop(r rune) bool { return r == '镇' || r == '乡' || r == '村' || r == '道' }

// notAdmin lists words ending in 区 or 市 or 旗 that are not units
// (小区 compound, 社区 community, 超市 supermarket, 红旗 road names ...;
// 营区 and 园区 stay allowed for 船营区 and 桃园区).
func notAdmin(prev, r rune) bool {
	switch r {
	case '区':
		return strings.ContainsRune("小社校景厂片街商库", prev)
	case '市':
		return strings.ContainsRune("超门夜", prev)
	case '旗':
		return prev == '红'
	}
	return false
}

func citySuffix(prev, r rune) bool {
	return r == '市' || r == '州' || r == '盟' || (r == '区' && (prev == '地' || prev == '林'))
}

func districtSuffix(_, r rune) bool { return r == '区' || r == '县' || r == '旗' || r == '市' }

// unit returns the byte length of an administrative unit at the start of s
// (leading spaces included): 1 to maxName name runes then a suffix rune, or
// 0. A 州 followed by 市 (广州市) and a 市 followed by 区 (沙市区) extend
// the unit by that rune.
func unit(s string, suffix func(prev, r rune) bool, maxName int) int {
	name, prev := 0, rune(0)
	for i, r := range s {
		if r == ' ' || r == '　' {
			if name == 0 {
				continue
			}
			return 0
		}
		if hardStop(r) || (name > 0 && softStop(r)) {
			return 0
		}
		if name > 0 && suffix(prev, r) {
			if notAdmin(prev, r) {
				return 0
			}
			end := i + utf8.RuneLen(r)
			next, w := utf8.DecodeRuneInString(s[end:])
			if (r == '州' && next == '市') || (r == '市' && next == '区') {
				end += w
			}
			return end
		}
		name++
		if name > maxName {
			return 0
		}
		prev = r
	}
	return 0
}

// region is the administrative prefix of an address.
type region struct {
	province *province
	city     string // as written, spaces trimmed
	district string
	firstEnd int // byte end of the first unit found
	end      int // byte end of the whole region prefix
}

// Name-length bounds per unit: 克孜勒苏柯尔克孜自治州 has 10 runes before 州;
// 双江拉祜族佤族布朗族傣族自治县 has 14 before 县.
const (
	maxCityName     = 12
	maxDistrictName = 15
)

// parseRegion finds province, city and district/county at the start of s.
// It is a heuristic: anything it cannot place ends the region, so it errs
// towards keeping less.
func parseRegion(s string) region {
	var r region
	pos := len(s) - len(strings.TrimLeft(s, " 　"))
	if p, n := matchProvince(s[pos:]); n > 0 {
		r.province = p
		pos += n
		r.firstEnd = pos
	}
	if r.province == nil || !r.province.municipal {
		if n := unit(s[pos:], citySuffix, maxCityName); n > 0 {
			r.city = strings.TrimSpace(s[pos : pos+n])
			pos += n
			if r.firstEnd == 0 {
				r.firstEnd = pos
			}
		}
	}
	if n := unit(s[pos:], districtSuffix, maxDistrictName); n > 0 {
		r.district = strings.TrimSpace(s[pos : pos+n])
		pos += n
		if r.firstEnd == 0 {
			r.firstEnd = pos
		}
	}
	if r.firstEnd > 0 {
		r.end = pos
	}
	return r
}

// GeneralizeAddress reduces an address to its province, city or district,
// with the province in its canonical full name ("广西" → "广西壮族自治区")
// so equal regions compare equal. City of a municipality is the
// municipality ("北京市"). A level the address does not contain is an error
// wrapping ErrMalformed: the address is not passed on in place of it.
func GeneralizeAddress(s string, level AddressLevel) (string, error) {
	if level < Province || level > District {
		return "", badArg("address level %d", int(level))
	}
	if !utf8.ValidString(s) {
		return "", malformed("address")
	}
	r := parseRegion(s)
	prov := ""
	if r.province != nil {
		prov = r.province.full
	}
	switch level {
	case Province:
		if prov == "" {
			return "", malformed("address: no province")
		}
		return prov, nil
	case City:
		if r.province != nil && r.province.municipal {
			return prov, nil
		}
		if r.city == "" {
			return "", malformed("address: no city")
		}
		return prov + r.city, nil
	}
	if r.district == "" {
		return "", malformed("address: no district")
	}
	return prov + r.city + r.district, nil
}
