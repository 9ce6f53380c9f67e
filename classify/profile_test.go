package classify

import (
	"strconv"
	"strings"
	"testing"

	"github.com/govshare/govshare/catalog"
)

func profile(name string, values ...string) ColumnProfile {
	p := Profiler{Now: testClock}
	return p.ProfileColumn(name, values)
}

func TestProfileHeaders(t *testing.T) {
	ids := []string{"11010519491231002X", luhnless("11010519800101001"), luhnless("31010419751212004")}
	mobiles := []string{"13812345678", "15912345678", "18600001111"}
	cases := []struct {
		header string
		values []string
		typ    catalog.Type
		cat    catalog.Category
	}{
		{"身份证号", ids, catalog.TypeResidentID, catalog.CategoryPersonal},
		{"身份證號碼", ids, catalog.TypeResidentID, catalog.CategoryPersonal},
		{"sfzh", ids, catalog.TypeResidentID, catalog.CategoryPersonal},
		{"id_card", ids, catalog.TypeResidentID, catalog.CategoryPersonal},
		{"col7", ids, catalog.TypeResidentID, catalog.CategoryPersonal}, // content alone
		{"手机号码", mobiles, catalog.TypeMobile, catalog.CategoryPersonal},
		{"sjhm", mobiles, catalog.TypeMobile, catalog.CategoryPersonal},
		{"xm", []string{"张三", "欧阳娜娜", "李四"}, catalog.TypePersonName, catalog.CategoryPersonal},
		{"姓名", []string{"张三", "", "  ", "李四"}, catalog.TypePersonName, catalog.CategoryPersonal},
		{"统一社会信用代码", []string{"91350100M000100Y43"}, catalog.TypeUSCC, catalog.CategoryPublic},
		// Content wins for the type, never towards less protection.
		{"phone", []string{"SKU-20931-XL", "SKU-11111-S", "A1B2-C3D4"}, catalog.TypeNone, catalog.CategoryPersonal},
		{"单位成本", []string{"12.50", "13.00"}, catalog.TypeNone, catalog.CategoryTradeSecret},
		{"unit_cost", []string{"12.50", "13.00"}, catalog.TypeNone, catalog.CategoryTradeSecret},
		{"经度", []string{"116.397128", "121.473701"}, catalog.TypeGeoCoordinate, catalog.CategoryPersonal},
		{"控制点坐标", []string{"116.397128,39.916527"}, catalog.TypeGeoCoordinate, catalog.CategoryNationalSecurity},
		{"出生日期", []string{"1990-01-02", "1985/3/4"}, catalog.TypeDateOfBirth, catalog.CategoryPersonal},
		{"登记日期", []string{"1990-01-02", "1985/3/4"}, catalog.TypeNone, catalog.CategoryPublic},
		{"民族", []string{"汉", "回"}, catalog.TypeNone, catalog.CategoryPersonal},
		{"身份证号", nil, catalog.TypeResidentID, catalog.CategoryPersonal},
		{"备注", nil, catalog.TypeNone, catalog.CategoryPublic},
	}
	for _, c := range cases {
		p := profile(c.header, c.values...)
		if p.Type != c.typ || p.Category != c.cat {
			t.Errorf("%s: got type %s category %s, want %s %s (reasons %v)", c.header, p.Type, p.Category, c.typ, c.cat, p.Reasons)
		}
		if len(p.Reasons) == 0 || p.Confidence <= 0 || p.Confidence > 1 || !p.Level.Valid() || !p.Tier.Valid() {
			t.Errorf("%s: incomplete profile %+v", c.header, p)
		}
	}
}

// luhnless completes a resident ID with its check digit (the helper name
// says it is not Luhn).
func luhnless(first17 string) string {
	c, _ := ResidentIDCheckDigit(first17)
	return first17 + string(c)
}

func TestProfileLevels(t *testing.T) {
	kid := luhnless("11010520200601002")
	p := profile("身份证号", kid, "11010519491231002X")
	if !p.Sensitive || p.Level != catalog.LevelImportant || !strings.Contains(strings.Join(p.Reasons, ";"), "minors") {
		t.Errorf("minor not flagged: %+v", p)
	}
	fine := profile("坐标", "116.397128,39.916527")
	coarse := profile("坐标", "116.39,39.91")
	if fine.Level != catalog.LevelImportant || !fine.Sensitive || coarse.Level != catalog.LevelGeneral {
		t.Errorf("coordinate precision: fine %s/%v coarse %s", fine.Level, fine.Sensitive, coarse.Level)
	}
	ns := profile("军事设施位置", "116.397128,39.916527")
	if ns.Tier != catalog.TierNotShared || ns.Level != catalog.LevelCore {
		t.Errorf("national security: %+v", ns)
	}
}

func TestProfileContentWinsOverHeader(t *testing.T) {
	// 18-digit order numbers under an ID header are not IDs.
	p := profile("身份证号", "202611271230451234", "202611271230459876", "202611281200001111")
	if p.Type != catalog.TypeNone {
		t.Errorf("order numbers classified as %s", p.Type)
	}
	// Failed check digits are not IDs either.
	p = profile("身份证号", "110105194912310021", "110105194912310022")
	if p.Type != catalog.TypeNone {
		t.Errorf("failed check digits classified as %s", p.Type)
	}
}

// reasonsQuote reports whether any reason holds one of the values (or its
// canonical digits), without saying which: a failure message must not
// print a value either.
func reasonsQuote(p ColumnProfile, values []string) bool {
	all := strings.Join(append(append([]string{}, p.Reasons...), p.Review), "\n")
	for _, v := range values {
		v = strings.TrimSpace(v)
		if v != "" && strings.Contains(all, v) {
			return true
		}
	}
	return false
}

func orgCode(first8 string) string {
	c, _ := OrgCodeCheckDigit(first8)
	return first8 + string(c)
}

func hkID(body string) string {
	c, _ := HKIDCheckDigit(body)
	return body + string(c)
}

// twoLetterHKIDs returns n two-letter HK IDs starting with first whose
// check character is a digit, so that each also has the shape of a travel
// permit (C + letter + 7 digits) or a passport (E + letter + 7 digits).
func twoLetterHKIDs(first string, n int) []string {
	var out []string
	for i := 100000; len(out) < n; i += 7919 {
		v := hkID(first + string(rune('A'+len(out))) + strconv.Itoa(i))
		if c := v[len(v)-1]; c >= '0' && c <= '9' {
			out = append(out, v)
		}
	}
	return out
}

// TestProfileWrittenForms: a column profiles as its type however its
// values are written, and bare check-digit forms are not taken for the
// look-alike types without a check digit.
func TestProfileWrittenForms(t *testing.T) {
	cases := []struct {
		name   string
		values []string
		typ    catalog.Type
	}{
		{"spaced IDs", []string{"110105 19491231 002X", "1101 0519 4912 3100 2x", "310104 19751212 " + luhnless("31010419751212004")[14:]}, catalog.TypeResidentID},
		{"full-width IDs", []string{"１１０１０５１９４９１２３１００２Ｘ", "１１０１０５１９４９１２３１００２ｘ"}, catalog.TypeResidentID},
		{"dashed IDs", []string{"110105-19491231-002X", "110105－19491231－002X"}, catalog.TypeResidentID},
		{"dashed mobiles", []string{"138-1234-5678", "159-1234-5678", "+86 186 0000 1111", "１３８１２３４５６７８"}, catalog.TypeMobile},
		{"bare org codes", []string{orgCode("D2143569"), orgCode("12345678"), orgCode("MA1K2L3N"), orgCode("71093457")}, catalog.TypeOrgCode},
		// Organization codes that also have a travel permit's or passport's shape.
		{"bare org codes, permit shape", []string{orgCode("C1234567"), orgCode("G7654321"), orgCode("H2345678"), orgCode("E3456789")}, catalog.TypeOrgCode},
		{"bare HK IDs", []string{hkID("A123456"), hkID("Z683365"), hkID("K456789"), "A123456 (3)"}, catalog.TypeHKID},
		// Two-letter HK IDs that also have a travel permit's (C + letter + 7
		// digits) or passport's (E + letter + 7 digits) shape: the check
		// digit is the evidence.
		{"bare HK IDs, permit shape", twoLetterHKIDs("C", 4), catalog.TypeHKID},
		{"bare HK IDs, passport shape", twoLetterHKIDs("E", 4), catalog.TypeHKID},
	}
	for _, c := range cases {
		for _, h := range []string{"col", "证件号码"} {
			p := profile(h, c.values...)
			cat, _, _, tier := TypeDefaults(c.typ)
			if p.Type != c.typ || (p.Category == catalog.CategoryPublic && cat != catalog.CategoryPublic) || tierRank(p.Tier) < tierRank(tier) {
				t.Errorf("%s under %q: got %s %s %s, want %s", c.name, h, p.Type, p.Category, p.Tier, c.typ)
			}
		}
	}
	// The minor check reads IDs in every written form too.
	kid := luhnless("11010520200601002")
	spaced := kid[:6] + " " + kid[6:14] + " " + kid[14:]
	if p := profile("身份证号", spaced, "110105 19491231 002X"); !strings.Contains(strings.Join(p.Reasons, ";"), "minors") {
		t.Errorf("a minor's spaced ID not flagged: %v", p.Reasons)
	}
}

// TestProfileHeaderFloor: a header that names an identifier type keeps the
// column at least personal and conditional when its values do not validate
// (content may only make a draft stricter), marks it for review and says
// why without quoting a value.
func TestProfileHeaderFloor(t *testing.T) {
	junk := []string{"110105/19491231/002X", "待补录", "见附件", "110105.19491231.002X", "13812345678号"}
	headers := []string{"身份证号", "公民身份号码", "证件号码", "手机号", "手机号码", "联系电话", "银行卡号", "账号",
		"统一社会信用代码", "组织机构代码", "车牌号", "护照号", "邮箱", "住址", "姓名", "出生日期", "经度", "sfzh", "phone", "香港身份证"}
	for _, h := range headers {
		p := profile(h, junk...)
		if p.Category == catalog.CategoryPublic || tierRank(p.Tier) < tierRank(catalog.TierConditional) {
			t.Errorf("%q over values that do not validate: drafted %s/%s", h, p.Category, p.Tier)
		}
		if p.Review == "" || len(p.Reasons) == 0 || !strings.Contains(p.Reasons[0], "marked for review") {
			t.Errorf("%q over values that do not validate: not marked for review, or the first reason does not say why: %v", h, p.Reasons)
		}
		if reasonsQuote(p, junk) {
			t.Errorf("%q: a reason or the review note quotes a value", h)
		}
	}
	// The floor is the named type's own class when that is stricter.
	if p := profile("身份证号", junk...); p.Level != catalog.LevelImportant || !p.Sensitive {
		t.Errorf("身份证号 over junk: level %s sensitive %v, want important and sensitive", p.Level, p.Sensitive)
	}
	// Content that validates as a less protected type does not loosen the draft.
	p := profile("身份证号", "91350100M000100Y43", "91350100M000100Y43")
	if p.Type != catalog.TypeUSCC || p.Category != catalog.CategoryPersonal || p.Tier != catalog.TierConditional || !p.Sensitive || p.Review == "" {
		t.Errorf("USCCs under 身份证号: %s %s %s sensitive %v review %q", p.Type, p.Category, p.Tier, p.Sensitive, p.Review)
	}
	// Content as protected as the header's type wins, with no review.
	landlines := []string{"010-83229230", "022-72625924", "0755-12345678"}
	if p := profile("联系电话", landlines...); p.Type != catalog.TypeLandline || p.Review != "" || p.Category != catalog.CategoryPersonal {
		t.Errorf("landlines under 联系电话: %s %s review %q", p.Type, p.Category, p.Review)
	}
	// Stricter header categories stay: national security is not lowered.
	if p := profile("涉密人员身份证号", junk...); p.Category != catalog.CategoryNationalSecurity || p.Tier != catalog.TierNotShared || p.Level != catalog.LevelCore {
		t.Errorf("涉密人员身份证号: %s %s %s", p.Category, p.Tier, p.Level)
	}
	// Values that validate, and headers naming no identifier, are unchanged.
	if p := profile("身份证号", "110105 19491231 002X"); p.Review != "" || p.Type != catalog.TypeResidentID {
		t.Errorf("valid IDs marked for review: %s %q", p.Type, p.Review)
	}
	for _, h := range []string{"备注", "网址", "订单号"} {
		if p := profile(h, junk...); p.Category != catalog.CategoryPublic || p.Review != "" {
			t.Errorf("%q: %s review %q, want public, no review", h, p.Category, p.Review)
		}
	}
}

// TestProfileAmounts: money attached to a person is personal and
// conditional; an organization's money stays public.
func TestProfileAmounts(t *testing.T) {
	amounts := []string{"1200.00", "3500", "980.50"}
	// By its nature: pay and personal income tax, column by column.
	for _, h := range []string{"工资", "应发工资", "实发金额", "薪资", "个税", "个人所得税", "缴费基数", "wage", "payroll"} {
		p := profile(h, amounts...)
		if p.Category != catalog.CategoryPersonal || p.Tier != catalog.TierConditional {
			t.Errorf("%q: %s %s, want personal conditional", h, p.Category, p.Tier)
		}
	}
	// Income, deposits and salary were sensitive already: stricter stays.
	for _, h := range []string{"收入", "存款余额", "salary", "income"} {
		if p := profile(h, amounts...); p.Category != catalog.CategoryPersonal || p.Tier != catalog.TierNotShared {
			t.Errorf("%q: %s %s, want personal not_shared", h, p.Category, p.Tier)
		}
	}
	generic := []string{"补贴金额", "罚款金额", "赔偿金额", "应纳税额", "养老金", "tax", "amount", "subsidy"}
	for _, h := range generic {
		if p := profile(h, amounts...); p.Category != catalog.CategoryPublic {
			t.Errorf("%q alone: %s, want public until the table says whose", h, p.Category)
		}
	}
	col := func(vals ...string) []string { return vals }
	ids := col("11010519491231002X", luhnless("11010519800101001"), luhnless("31010419751212004"))
	names := col("张三", "李四", "王五")
	money := col(amounts...)
	var pr Profiler
	pr.Now = testClock
	check := func(what string, names2 []string, cols [][]string, wantPersonal bool) {
		t.Helper()
		for _, ps := range [][]ColumnProfile{
			pr.ProfileTable(names2, cols),
			// DraftCatalog applies the table rule to column-by-column profiles.
			func() []ColumnProfile {
				var out []ColumnProfile
				for i, n := range names2 {
					out = append(out, pr.ProfileColumn(n, cols[i]))
				}
				d := DraftCatalog("t", out)
				for i := range out {
					out[i].Category, out[i].Tier = d.Fields[i].Category, d.Fields[i].Tier
				}
				return out
			}(),
		} {
			for _, p := range ps {
				h := headerHint(p.Name)
				if h.money == "" {
					continue
				}
				personal := p.Category == catalog.CategoryPersonal && p.Tier == catalog.TierConditional
				if personal != wantPersonal {
					t.Errorf("%s: %q drafted %s %s, want personal: %v", what, p.Name, p.Category, p.Tier, wantPersonal)
				}
			}
		}
	}
	check("subsidy list with IDs", append([]string{"姓名", "身份证号"}, generic...),
		[][]string{names, ids, money, money, money, money, money, money, money, money}, true)
	check("subsidy list with names only", []string{"xm", "补贴金额", "tax"}, [][]string{names, money, money}, true)
	check("subsidy list with mobiles only", []string{"手机号码", "补贴金额"}, [][]string{col("138-1234-5678", "13912345678"), money}, true)
	// A column marked for review counts as the type its header names.
	check("IDs written so they do not validate", []string{"身份证号", "罚款金额"}, [][]string{col("110105/19491231/002X"), money}, true)
	check("enterprise subsidies", []string{"企业名称", "统一社会信用代码", "法定代表人", "联系电话", "补贴金额"},
		[][]string{col("某某科技有限公司"), col("91350100M000100Y43"), names, col("13812345678"), money}, false)
	check("a legal representative is not the row", []string{"单位", "法定代表人", "补贴金额"}, [][]string{col("某某局"), names, money}, false)
	check("regional statistics", []string{"地区", "养老金", "补贴金额"}, [][]string{col("东城区", "西城区"), money, money}, false)
	// The table rule only raises, and applying it twice changes nothing.
	ps := pr.ProfileTable([]string{"身份证号", "补贴金额", "工资"}, [][]string{ids, money, money})
	again := attachAmounts(ps)
	for i := range ps {
		if ps[i].Category != again[i].Category || ps[i].Tier != again[i].Tier || len(ps[i].Reasons) != len(again[i].Reasons) {
			t.Errorf("attachAmounts is not idempotent on %q", ps[i].Name)
		}
	}
	if r := ps[1].Reasons; len(r) == 0 || !strings.Contains(r[0], "identifies the person") {
		t.Errorf("补贴金额 raised without saying why: %v", r)
	}
	for _, r := range ps[1].Reasons {
		if strings.Contains(r, "public unless") {
			t.Errorf("a raised amount still says it is public: %v", ps[1].Reasons)
		}
	}
}
