package classify

import (
	"strings"
	"unicode/utf8"
)

// compoundSurnames are the two-character surnames of the Hundred Family
// Surnames (百家姓) that are still in use; masking keeps them whole.
var compoundSurnames = []string{
	"欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文", "司徒",
	"夏侯", "轩辕", "令狐", "端木", "独孤", "南宫", "西门", "百里", "呼延", "申屠", "太史", "澹台",
	"公冶", "宗政", "濮阳", "淳于", "单于", "太叔", "仲孙", "钟离", "闻人", "万俟", "赫连", "东郭",
	"拓跋", "乐正", "漆雕", "壤驷", "公良", "谷梁", "宰父", "巫马", "梁丘", "左丘", "东门", "公西",
	"第五", "段干", "司空", "司寇", "子车", "颛孙", "亓官", "羊舌", "微生", "公羊", "闾丘", "鲜于",
	"歐陽", "司馬", "諸葛", "長孫", "軒轅", "令狐", "獨孤", "南宮", "東方", "聞人", "鍾離", "公孫",
}

// singleSurnames covers the single-character surnames held by well over 99%
// of the population (simplified, plus the traditional forms that differ).
const singleSurnames = "" +
	"王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫阎段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤" +
	"常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝官封谈匡鞠惠荆乐冀郁胥南班储原栗燕楚鄢劳谌奚皮粟冼蔺楼盘满闻位厉伊仝区郜海阚花权强帅屠豆朴盖练廉禹井祖漆巴丰支卿国狄平计索宣晋相初门云容敬来扈晁芮都普阙浦戈伏鹿薄邸雍辜羊阿乌母裘亓修邰赫杭况那宿鲜印逯隆茹诸战慕危玉银亢嵇公哈湛宾戎勾茅利於呼居揭干但尉冶斯元束檀衣信展阴昝智幸奉植衡富尧闭由" +
	"張劉陳楊黃趙吳孫馬鄭謝韓馮鄧曹蔣葉蘇魏呂盧薑鍾譚陸範賈韋鄒熊邱閆龍陶賀顧龔錢嚴湯溫樊邢喬龐顏莊聶魯嚴歐關藍蕭"

var singleSurnameSet = func() map[rune]bool {
	m := make(map[rune]bool, 700)
	for _, r := range singleSurnames {
		m[r] = true
	}
	return m
}()

// surnameStart is, per character that begins a known surname, whether it
// is a single surname and the compound surnames it begins: one lookup per
// name instead of a pass over every compound surname.
type surnameStart struct {
	single    bool
	compounds []string
}

var surnameStarts = func() map[rune]surnameStart {
	m := make(map[rune]surnameStart, 800)
	for r := range singleSurnameSet {
		m[r] = surnameStart{single: true}
	}
	for _, c := range compoundSurnames {
		r, _ := utf8.DecodeRuneInString(c)
		s := m[r]
		s.compounds = append(s.compounds, c)
		m[r] = s
	}
	return m
}()

// Surname returns the surname at the start of a Chinese personal name: the
// compound surname when the name starts with one and has at least one given
// character after it, else the first character when it is a known surname.
// It returns "" when the name does not start with a known surname. Names
// written with "·" (minority or transliterated) return their first part.
func Surname(name string) string {
	if i := nameSepIndex(name); i > 0 {
		return name[:i]
	}
	r, n := utf8.DecodeRuneInString(name)
	st, ok := surnameStarts[r]
	if !ok {
		return ""
	}
	for _, c := range st.compounds {
		if len(name) > len(c) && strings.HasPrefix(name, c) {
			return c
		}
	}
	if st.single {
		return name[:n]
	}
	return ""
}

// nameSepIndex is strings.IndexAny(s, "·•・."), a byte scan: each
// separator's UTF-8 form begins with a byte ('.', 0xC2, 0xE2, 0xE3) that is
// never inside another character's form, so a match found byte by byte is
// the match found rune by rune, valid UTF-8 or not (fuzzed).
func nameSepIndex(s string) int {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '.':
			return i
		case 0xC2:
			if strings.HasPrefix(s[i:], "·") {
				return i
			}
		case 0xE2:
			if strings.HasPrefix(s[i:], "•") {
				return i
			}
		case 0xE3:
			if strings.HasPrefix(s[i:], "・") {
				return i
			}
		}
	}
	return -1
}

// IsSurname reports whether s is a known single or compound surname.
func IsSurname(s string) bool {
	for _, c := range compoundSurnames {
		if s == c {
			return true
		}
	}
	r, n := utf8.DecodeRuneInString(s)
	return n == len(s) && singleSurnameSet[r]
}

// isHan reports whether r is a CJK unified ideograph.
func isHan(r rune) bool {
	return (r >= 0x4E00 && r <= 0x9FFF) || (r >= 0x3400 && r <= 0x4DBF) || (r >= 0x20000 && r <= 0x2FA1F)
}

// ValidPersonName reports whether s looks like a Chinese personal name: a
// known single or compound surname followed by one or two given Han
// characters, or two to four Han segments joined by "·" as minority and
// transliterated names are written.
func ValidPersonName(s string) bool {
	if strings.ContainsAny(s, "·•・") {
		parts := strings.FieldsFunc(s, func(r rune) bool { return r == '·' || r == '•' || r == '・' })
		if len(parts) < 2 || len(parts) > 4 {
			return false
		}
		total := 0
		for _, p := range parts {
			n := 0
			for _, r := range p {
				if !isHan(r) {
					return false
				}
				n++
			}
			if n == 0 || n > 8 {
				return false
			}
			total += n
		}
		return total <= 16
	}
	sur := Surname(s)
	if sur == "" {
		return false
	}
	given := 0
	for _, r := range s[len(sur):] {
		if !isHan(r) {
			return false
		}
		given++
	}
	return given >= 1 && given <= 2
}
