package synth

import (
	"strings"
)

// Span locates one embedded identifier in generated text: text[Start:End] == Value, in bytes.
type Span struct {
	Type       string
	Start, End int
	Value      string
}

// Context words, Chinese and English, that precede a value of each type. Chinese ones end in a CJK
// character or full-width colon so the value follows with no space; English ones end in a space
// or ": " so no ASCII letter ever touches the value (that would change word boundaries).
var contextCN = map[string][]string{
	"cn_resident_id":   {"身份证号：", "身份证号码", "公民身份号码：", "证件号码："},
	"cn_uscc":          {"统一社会信用代码：", "信用代码"},
	"cn_org_code":      {"组织机构代码：", "机构代码"},
	"cn_mobile":        {"手机：", "手机号", "联系电话：", "电话"},
	"cn_landline":      {"固定电话：", "座机", "办公电话："},
	"bank_card":        {"银行卡号：", "卡号", "收款账号："},
	"cn_license_plate": {"车牌号：", "车牌", "号牌号码："},
	"cn_passport":      {"护照号码：", "护照"},
	"cn_travel_permit": {"通行证号码：", "港澳通行证", "回乡证号码："},
	"hk_id":            {"香港身份证：", "香港身份证号码"},
	"tw_id":            {"台湾身份证字号：", "台胞身份证号"},
	"email":            {"邮箱：", "电子邮箱", "邮件发送至"},
	"ipv4":             {"服务器地址：", "来源地址", "登录地址："},
	"ipv6":             {"IPv6地址：", "源地址"},
	"url":              {"网址：", "访问", "链接"},
	"person_name":      {"姓名：", "联系人", "申请人", "经办人："},
	"address":          {"住址：", "户籍地址：", "家住", "现居住于"},
	"geo_coordinate":   {"坐标：", "经纬度", "位置"},
	"date_of_birth":    {"出生日期：", "生于", "出生于"},
}

var contextEN = map[string][]string{
	"cn_resident_id":   {"ID card no. ", "Resident ID: "},
	"cn_uscc":          {"USCC: ", "credit code "},
	"cn_org_code":      {"org code ", "Organization code: "},
	"cn_mobile":        {"call me at ", "mobile: ", "Tel: "},
	"cn_landline":      {"office phone ", "landline: "},
	"bank_card":        {"card number ", "account: "},
	"cn_license_plate": {"plate ", "vehicle "},
	"cn_passport":      {"passport no. ", "Passport: "},
	"cn_travel_permit": {"permit no. ", "travel permit "},
	"hk_id":            {"HKID ", "Hong Kong ID: "},
	"tw_id":            {"Taiwan ID ", "TW ID: "},
	"email":            {"email me at ", "mail: "},
	"ipv4":             {"from IP ", "server "},
	"ipv6":             {"IPv6 ", "host "},
	"url":              {"see ", "visit "},
	"person_name":      {"contact ", "applicant: "},
	"address":          {"lives at ", "address: "},
	"geo_coordinate":   {"location ", "coordinates: "},
	"date_of_birth":    {"born ", "DOB: "},
}

// Without context words: the value stands after a neutral word, adjacent to CJK characters.
var plainCN = []string{"", "已登记", "经核实，", "备注：", "记录显示", "另附"}
var plainEN = []string{"Record ", "Note: ", "Ref "}

// Suffixes start with a CJK character, full-width punctuation or a space, never ASCII punctuation
// that a URL, e-mail or number detector could take as part of the value.
var suffixCN = []string{"。", "，请核实。", "已归档。", "，已完成登记。", "；", "等信息已录入系统。"}
var suffixEN = []string{" today.", " for verification.", " as recorded.", " (checked)."}

// fillers contain no digits, no Latin identifiers and no surname-plus-given-name runs, so text
// built from them holds no identifier besides the ones placed on purpose (a test checks this).
var fillers = []string{
	"请各部门按要求做好数据共享工作。",
	"本次共享依据政务数据共享条例办理。",
	"申请材料齐全，符合受理条件。",
	"该事项已转交相关处室核办。",
	"Please review the record before sharing.",
	"数据使用应限于申请所述用途。",
	"The request was approved under the current catalog.",
	"如有疑问，请在工作时间内来电咨询。",
	"以上材料仅供内部审核使用。",
	"Data must not be passed to third parties.",
	"系统将自动生成共享记录。",
	"请勿将本表转发给无关人员。",
}

// Context for negatives: some honest (订单号), some misleading (a typo'd ID after 身份证号), because
// content, not the label, must decide (docs/domain.md: identifier formats and validation).
var negativeContext = map[string][]string{
	"bad_check_resident_id": {"身份证号：", "证件号码", "ID no. "},
	"bad_check_uscc":        {"统一社会信用代码：", "credit code "},
	"bad_check_org_code":    {"组织机构代码：", "机构代码"},
	"bad_luhn_bank_card":    {"卡号", "account: "},
	"bad_check_hk_id":       {"香港身份证："},
	"bad_check_tw_id":       {"台湾身份证字号："},
	"order_number_18":       {"订单号：", "交易流水号", "Order no. "},
	"fake_11_digit":         {"编号", "工单号：", "联系电话："},
	"sku":                   {"商品编码：", "货号", "item "},
}

// Text returns mixed Chinese and English free text with n embedded values, each of a type drawn
// uniformly from types (all of [Types] if types is nil), and the exact byte span of each value in
// order. Values appear with and without context words, adjacent to CJK characters with no space,
// and between full-width punctuation. It panics on an unknown type id, as [Gen.Value] does.
func (g *Gen) Text(n int, types []string) (string, []Span) {
	if types == nil {
		types = Types
	}
	var sb strings.Builder
	spans := make([]Span, 0, max(n, 0))
	for i := 0; i < n; i++ {
		if g.chance(0.3) {
			g.writeFiller(&sb)
		}
		t := pick(g, types)
		v := g.Value(t)
		var pre, post string
		english := false
		switch k := g.r.IntN(20); {
		case k < 8:
			pre, post = pick(g, contextCN[t]), pick(g, suffixCN)
		case k < 12:
			pre, post = pick(g, plainCN), pick(g, suffixCN)
		case k < 13:
			pre, post = pick(g, plainCN)+"“", "”"+pick(g, suffixCN)
		case k < 14:
			pre, post = pick(g, contextCN[t])+"（", "）"+pick(g, suffixCN)
		case k < 18:
			pre, post, english = pick(g, contextEN[t]), pick(g, suffixEN), true
		default:
			pre, post, english = pick(g, plainEN), pick(g, suffixEN), true
		}
		sb.WriteString(pre)
		start := sb.Len()
		sb.WriteString(v)
		spans = append(spans, Span{Type: t, Start: start, End: sb.Len(), Value: v})
		sb.WriteString(post)
		if english {
			sb.WriteByte(' ')
		}
	}
	if g.chance(0.5) || n <= 0 {
		g.writeFiller(&sb)
	}
	// Only the separator after an English sentence can trail; no value ends in a space.
	return strings.TrimRight(sb.String(), " "), spans
}

func (g *Gen) writeFiller(sb *strings.Builder) {
	f := pick(g, fillers)
	sb.WriteString(f)
	if f[len(f)-1] == '.' {
		sb.WriteByte(' ')
	}
}

// NegativeText returns free text with n look-alike negatives (see [Gen.Negative]) in context and
// no identifier of any type.
func (g *Gen) NegativeText(n int) string {
	var sb strings.Builder
	for i := 0; i < n; i++ {
		if g.chance(0.3) {
			g.writeFiller(&sb)
		}
		kind, v := g.Negative()
		pre := pick(g, negativeContext[kind])
		english := pre[len(pre)-1] == ' '
		sb.WriteString(pre)
		sb.WriteString(v)
		if english {
			sb.WriteString(pick(g, suffixEN) + " ")
		} else {
			sb.WriteString(pick(g, suffixCN))
		}
	}
	if g.chance(0.5) || n <= 0 {
		g.writeFiller(&sb)
	}
	return strings.TrimRight(sb.String(), " ")
}
