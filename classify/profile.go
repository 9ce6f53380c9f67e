package classify

import (
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/govshare/govshare/catalog"
)

// ColumnProfile is the classification of one column: its identifier type,
// category, level, sensitivity and suggested share tier, with the confidence
// and the reasons a reviewer reads before accepting it into a catalog.
type ColumnProfile struct {
	Name       string           `json:"name"`
	Type       catalog.Type     `json:"type"`
	Category   catalog.Category `json:"category"`
	Level      catalog.Level    `json:"level"`
	Sensitive  bool             `json:"sensitive"`
	Tier       catalog.Tier     `json:"tier"`
	Confidence float64          `json:"confidence"`
	Reasons    []string         `json:"reasons"`
	// Review is set when a person must look at the column before the
	// draft is used: the header names an identifier type that the values
	// do not confirm. DraftCatalog copies it into the field's review note.
	Review string `json:"review,omitempty"`
}

// Profiler classifies columns from their header and a sample of values.
// The zero value is ready to use.
type Profiler struct {
	// Now is the clock for birth dates and minors; nil means time.Now.
	Now func() time.Time
}

// Thresholds: content decides when this share of the non-blank sample
// validates as one type; a header keyword lowers the bar to headerMatch.
const (
	contentMatch = 0.9
	headerMatch  = 0.5
)

// ProfileColumn classifies one column from its header name and sampled
// values. Blank values are ignored. Content wins over a misleading header
// for the type: a column named "phone" whose values are not phone numbers
// is TypeNone. It never wins towards less protection: that column keeps the
// category, level, sensitivity and tier a phone column would have, and is
// marked for review (see the package doc, "Drafts never fail open").
func (p *Profiler) ProfileColumn(name string, values []string) ColumnProfile {
	clock := time.Now
	if p != nil && p.Now != nil {
		clock = p.Now
	}
	prof := ColumnProfile{Name: name, Type: catalog.TypeNone}
	hint := headerHint(name)
	nonBlank := make([]string, 0, len(values))
	for _, v := range values {
		if v = strings.TrimSpace(v); v != "" {
			nonBlank = append(nonBlank, v)
		}
	}
	var counts [32]int
	if len(nonBlank) > 0 {
		for _, v := range nonBlank {
			for k, t := range catalog.Types {
				if t == catalog.TypeDateOfBirth && hint.typ != catalog.TypeDateOfBirth {
					continue // dates are birth dates only by header (docs/domain.md: identifier formats and validation)
				}
				if Validate(t, v) {
					counts[k]++
				}
			}
		}
	}
	// The type most values validate as; on a tie, a type with a check
	// digit beats one without (a bare HK ID such as CA1234567 also has the
	// shape of a travel permit, but only the check digit is evidence).
	best, bestCount := -1, 0
	for k, t := range catalog.Types {
		c := counts[k]
		if c > bestCount || (c > 0 && c == bestCount && hasCheckDigit(t) && !hasCheckDigit(catalog.Types[best])) {
			best, bestCount = k, c
		}
	}
	bestFrac := float64(bestCount) / float64(max(len(nonBlank), 1))
	hintFrac := 0.0
	if hint.typ != "" {
		for k, t := range catalog.Types {
			if t == hint.typ {
				hintFrac = float64(counts[k]) / float64(max(len(nonBlank), 1))
			}
		}
	}
	n := len(nonBlank)
	switch {
	case n == 0 && hint.typ != "":
		prof.Type = hint.typ
		prof.Confidence = 0.3
		prof.Reasons = append(prof.Reasons, fmt.Sprintf("header %q suggests %s; no non-blank values in the sample to confirm", name, hint.typ))
	case n == 0:
		prof.Confidence = 0.3
		prof.Reasons = append(prof.Reasons, "no non-blank values in the sample")
	case hint.typ != "" && hintFrac >= headerMatch && hintFrac+0.05 >= bestFrac:
		prof.Type = hint.typ
		prof.Confidence = round2(min(1, hintFrac+0.1))
		prof.Reasons = append(prof.Reasons,
			fmt.Sprintf("header %q names %s", name, hint.typ),
			fmt.Sprintf("%d of %d sampled values validate as %s", int(hintFrac*float64(n)+0.5), n, hint.typ))
	case best >= 0 && bestFrac >= contentMatch:
		prof.Type = catalog.Types[best]
		prof.Confidence = round2(bestFrac)
		prof.Reasons = append(prof.Reasons, fmt.Sprintf("%d of %d sampled values validate as %s", counts[best], n, catalog.Types[best]))
		if hint.typ != "" {
			prof.Reasons = append(prof.Reasons, fmt.Sprintf("header %q suggests %s but content says %s", name, hint.typ, catalog.Types[best]))
		}
	default:
		prof.Confidence = round2(1 - bestFrac)
		if hint.typ != "" {
			prof.Reasons = append(prof.Reasons, fmt.Sprintf("header %q suggests %s but only %d of %d sampled values validate as it: not typed as it", name, hint.typ, int(hintFrac*float64(n)+0.5), n))
		} else {
			prof.Reasons = append(prof.Reasons, fmt.Sprintf("no identifier type validates for %d or more of %d sampled values", int(contentMatch*float64(n)+0.999), n))
		}
	}
	if hint.geo && prof.Type == catalog.TypeNone && n > 0 && allDegrees(nonBlank) {
		prof.Type = catalog.TypeGeoCoordinate
		prof.Confidence = 1
		prof.Reasons = append(prof.Reasons, fmt.Sprintf("header %q names a latitude or longitude and every sampled value is a number of degrees", name))
	}
	prof.applyType(nonBlank, clock())
	prof.applyHeaderCategory(hint)
	prof.applyHeaderFloor(hint, n)
	if prof.Reasons == nil {
		prof.Reasons = []string{}
	}
	return prof
}

// ProfileTable classifies the columns of one table: each column as
// ProfileColumn does, then the rules that need the whole table (an amount
// of money in a table that identifies a person is that person's: see
// the package doc). columns[i] holds the sampled values of names[i].
func (p *Profiler) ProfileTable(names []string, columns [][]string) []ColumnProfile {
	out := make([]ColumnProfile, len(names))
	for i, name := range names {
		var vals []string
		if i < len(columns) {
			vals = columns[i]
		}
		out[i] = p.ProfileColumn(name, vals)
	}
	return attachAmounts(out)
}

// Whose rows a table holds, by the types of its columns: an identity
// document names the person the row is about; a name, mobile or bank card
// does too, unless the table has an organization code (its rows are then
// organizations, and those columns their contacts), or the name is under
// a header for someone acting for an organization.
var (
	personDocTypes = []catalog.Type{catalog.TypeResidentID, catalog.TypePassport, catalog.TypeTravelPermit, catalog.TypeHKID, catalog.TypeTWID}
	personTypes    = []catalog.Type{catalog.TypePersonName, catalog.TypeMobile, catalog.TypeBankCard}
	orgRoleParts   = []string{"法定代表人", "法人代表", "法人", "负责人", "联系人", "聯繫人", "经办人", "代理人", "legalrepresentative", "legalperson", "contact"}
)

// personColumn returns the index of a column that identifies the person a
// row is about, or -1. A column marked for review counts as the type its
// header names.
func personColumn(cols []ColumnProfile) int {
	typeOf := func(c *ColumnProfile) catalog.Type {
		if c.Type == catalog.TypeNone && c.Review != "" {
			return headerHint(c.Name).typ
		}
		return c.Type
	}
	in := func(t catalog.Type, ts []catalog.Type) bool {
		for _, x := range ts {
			if t == x {
				return true
			}
		}
		return false
	}
	org := false
	for i := range cols {
		t := typeOf(&cols[i])
		if in(t, personDocTypes) {
			return i
		}
		org = org || t == catalog.TypeUSCC || t == catalog.TypeOrgCode
	}
	if org {
		return -1
	}
	for i := range cols {
		if !in(typeOf(&cols[i]), personTypes) {
			continue
		}
		h, role := normalizeHeader(cols[i].Name), false
		for _, w := range orgRoleParts {
			role = role || strings.Contains(h, w)
		}
		if !role {
			return i
		}
	}
	return -1
}

// attachAmounts returns cols with every public column of amounts raised to
// personal, conditional when the table identifies a person. It only ever
// makes a profile stricter, and applying it twice changes nothing.
func attachAmounts(cols []ColumnProfile) []ColumnProfile {
	who := personColumn(cols)
	if who < 0 {
		return cols
	}
	out := make([]ColumnProfile, len(cols))
	copy(out, cols)
	for i := range out {
		c := &out[i]
		h := headerHint(c.Name)
		if h.money == "" || c.Type != catalog.TypeNone || c.Category != catalog.CategoryPublic {
			continue
		}
		c.Category = catalog.CategoryPersonal
		if tierRank(c.Tier) < tierRank(catalog.TierConditional) {
			c.Tier = catalog.TierConditional
		}
		reasons := []string{fmt.Sprintf("header keyword %q names an amount of money and column %q identifies the person each row is about: money attached to a person is personal information, conditional", h.money, cols[who].Name)}
		for _, r := range c.Reasons {
			if r != moneyNote(h.money) {
				reasons = append(reasons, r)
			}
		}
		c.Reasons = reasons
	}
	return out
}

func round2(f float64) float64 { return float64(int(f*100+0.5)) / 100 }

// hasCheckDigit reports whether a type's values carry a check character.
func hasCheckDigit(t catalog.Type) bool {
	switch t {
	case catalog.TypeResidentID, catalog.TypeUSCC, catalog.TypeOrgCode, catalog.TypeBankCard, catalog.TypeHKID, catalog.TypeTWID:
		return true
	}
	return false
}

// tierRank orders tiers from least to most protected; an invalid tier ranks 0.
func tierRank(t catalog.Tier) int {
	switch t {
	case catalog.TierUnconditional:
		return 1
	case catalog.TierConditional:
		return 2
	case catalog.TierNotShared:
		return 3
	}
	return 0
}

// applyHeaderFloor keeps a column whose header names an identifier type at
// least as protected as that type, and at least personal and conditional,
// when the content does not confirm the type: values written in a way
// Validate does not know, mistyped check digits, or a header that lies. The
// draft is never looser than the header; it is marked for review, and the
// reasons say why without quoting any value. A URL header is exempt (URLs
// are public by themselves).
func (p *ColumnProfile) applyHeaderFloor(h hint, n int) {
	named := h.typ
	if named == "" && h.geo {
		named = catalog.TypeGeoCoordinate
	}
	if named == "" || named == catalog.TypeURL || n == 0 || p.Type == named {
		return
	}
	f := typeClasses[named]
	if f.cat == catalog.CategoryPublic {
		f.cat = catalog.CategoryPersonal
	}
	if tierRank(f.tier) < tierRank(catalog.TierConditional) {
		f.tier = catalog.TierConditional
	}
	looser := (p.Category == catalog.CategoryPublic && f.cat != catalog.CategoryPublic) ||
		p.Level.Rank() < f.level.Rank() || (f.sensitive && !p.Sensitive) || tierRank(p.Tier) < tierRank(f.tier)
	if p.Type != catalog.TypeNone && !looser {
		return // content names another type at least as protected: content wins
	}
	if p.Category == catalog.CategoryPublic {
		p.Category = f.cat
	}
	p.Level = catalog.MaxLevel(p.Level, f.level)
	p.Sensitive = p.Sensitive || f.sensitive
	if tierRank(p.Tier) < tierRank(f.tier) {
		p.Tier = f.tier
	}
	what := "the sampled values do not validate as it"
	if p.Type != catalog.TypeNone {
		what = fmt.Sprintf("the sampled values validate as %s, which is less protected", p.Type)
	}
	p.Review = fmt.Sprintf("the header names %s but %s: confirm what the column holds, then delete this note", named, what)
	p.Reasons = append([]string{fmt.Sprintf("header %q names %s but %s: kept at least as protected as %s (%s, %s, tier %s) and marked for review; content may only make a draft stricter",
		p.Name, named, what, named, f.cat, f.level, f.tier)}, p.Reasons...)
}

// typeClass is the category, level, sensitivity and suggested tier of an
// identifier type (docs/domain.md: categories and levels; GB/T 35273 Appendix B for sensitivity).
type typeClass struct {
	cat       catalog.Category
	level     catalog.Level
	sensitive bool
	tier      catalog.Tier
	why       string
}

var typeClasses = map[catalog.Type]typeClass{
	catalog.TypeResidentID:    {catalog.CategoryPersonal, catalog.LevelImportant, true, catalog.TierConditional, "resident ID numbers are sensitive personal information (specific identity)"},
	catalog.TypeUSCC:          {catalog.CategoryPublic, catalog.LevelGeneral, false, catalog.TierUnconditional, "registered entity codes are public basic data"},
	catalog.TypeOrgCode:       {catalog.CategoryPublic, catalog.LevelGeneral, false, catalog.TierUnconditional, "organization codes are public basic data"},
	catalog.TypeMobile:        {catalog.CategoryPersonal, catalog.LevelGeneral, false, catalog.TierConditional, "phone numbers identify a person"},
	catalog.TypeLandline:      {catalog.CategoryPersonal, catalog.LevelGeneral, false, catalog.TierConditional, "phone numbers identify a person"},
	catalog.TypeBankCard:      {catalog.CategoryPersonal, catalog.LevelImportant, true, catalog.TierConditional, "bank cards are financial accounts: sensitive personal information"},
	catalog.TypeLicensePlate:  {catalog.CategoryPersonal, catalog.LevelGeneral, false, catalog.TierConditional, "plates identify a vehicle's owner"},
	catalog.TypePassport:      {catalog.CategoryPersonal, catalog.LevelImportant, true, catalog.TierConditional, "identity documents are sensitive personal information"},
	catalog.TypeTravelPermit:  {catalog.CategoryPersonal, catalog.LevelImportant, true, catalog.TierConditional, "identity documents are sensitive personal information"},
	catalog.TypeHKID:          {catalog.CategoryPersonal, catalog.LevelImportant, true, catalog.TierConditional, "identity documents are sensitive personal information"},
	catalog.TypeTWID:          {catalog.CategoryPersonal, catalog.LevelImportant, true, catalog.TierConditional, "identity documents are sensitive personal information"},
	catalog.TypeEmail:         {catalog.CategoryPersonal, catalog.LevelGeneral, false, catalog.TierConditional, "email addresses identify a person"},
	catalog.TypeIPv4:          {catalog.CategoryPersonal, catalog.LevelGeneral, false, catalog.TierConditional, "IP addresses are personal information under PIPL"},
	catalog.TypeIPv6:          {catalog.CategoryPersonal, catalog.LevelGeneral, false, catalog.TierConditional, "IP addresses are personal information under PIPL"},
	catalog.TypeURL:           {catalog.CategoryPublic, catalog.LevelGeneral, false, catalog.TierUnconditional, "URLs are not personal by themselves"},
	catalog.TypePersonName:    {catalog.CategoryPersonal, catalog.LevelGeneral, false, catalog.TierConditional, "names identify a person"},
	catalog.TypeAddress:       {catalog.CategoryPersonal, catalog.LevelGeneral, false, catalog.TierConditional, "addresses locate a person"},
	catalog.TypeGeoCoordinate: {catalog.CategoryPersonal, catalog.LevelGeneral, false, catalog.TierConditional, "coordinates locate a person or site"},
	catalog.TypeDateOfBirth:   {catalog.CategoryPersonal, catalog.LevelGeneral, false, catalog.TierConditional, "birth dates are personal information"},
	catalog.TypeNone:          {catalog.CategoryPublic, catalog.LevelGeneral, false, catalog.TierUnconditional, "no identifier found: review before sharing"},
}

// TypeDefaults returns the category, level, sensitivity and suggested tier
// of an identifier type.
func TypeDefaults(t catalog.Type) (catalog.Category, catalog.Level, bool, catalog.Tier) {
	c, ok := typeClasses[t]
	if !ok {
		c = typeClasses[catalog.TypeNone]
	}
	return c.cat, c.level, c.sensitive, c.tier
}

func (p *ColumnProfile) applyType(values []string, now time.Time) {
	c := typeClasses[p.Type]
	p.Category, p.Level, p.Sensitive, p.Tier = c.cat, c.level, c.sensitive, c.tier
	p.Reasons = append(p.Reasons, c.why)
	switch p.Type {
	case catalog.TypeResidentID:
		minors := 0
		for _, v := range values {
			c, ok := Canonical(catalog.TypeResidentID, v)
			if !ok {
				continue
			}
			if id, err := ParseResidentID(c); err == nil && id.Minor(now) {
				minors++
			}
		}
		if minors > 0 {
			p.Reasons = append(p.Reasons, fmt.Sprintf("%d sampled IDs belong to minors under 14 (PIPL art. 28)", minors))
		}
	case catalog.TypeGeoCoordinate:
		fine := 0
		for _, v := range values {
			v = Fold(v)
			if c, ok := Canonical(catalog.TypeGeoCoordinate, v); ok {
				v = c
			}
			if _, _, d, ok := ParseCoordinate(v); ok && d > 3 {
				fine++
			} else if d, ok := decimals(v); ok && d > 3 {
				fine++
			}
		}
		if fine > 0 {
			p.Level, p.Sensitive = catalog.LevelImportant, true
			p.Reasons = append(p.Reasons, fmt.Sprintf("%d sampled coordinates are finer than 3 decimals (~100 m): precise location is sensitive and important (docs/domain.md)", fine))
		}
	}
}

// allDegrees reports whether every value is a decimal number of degrees.
func allDegrees(values []string) bool {
	for _, v := range values {
		x, d, ok := parseDecimal(Fold(v))
		if !ok || d < 1 || x < -180 || x > 180 {
			return false
		}
	}
	return true
}

// decimals counts the fraction digits of a single decimal number.
func decimals(s string) (int, bool) {
	_, d, ok := parseDecimal(strings.TrimSpace(s))
	return d, ok
}

func (p *ColumnProfile) applyHeaderCategory(h hint) {
	switch {
	case h.cat == catalog.CategoryNationalSecurity:
		p.Category, p.Level, p.Tier = catalog.CategoryNationalSecurity, catalog.LevelCore, catalog.TierNotShared
		p.Reasons = append([]string{fmt.Sprintf("header keyword %q marks national-security data: core, not shared (needs a legal basis)", h.word)}, p.Reasons...)
	case h.cat == catalog.CategoryTradeSecret && p.Type == catalog.TypeNone:
		p.Category, p.Level, p.Tier = catalog.CategoryTradeSecret, catalog.LevelImportant, catalog.TierConditional
		p.Reasons = append([]string{fmt.Sprintf("header keyword %q marks a trade secret", h.word)}, p.Reasons...)
	case h.cat == catalog.CategoryPersonal && p.Type == catalog.TypeNone:
		p.Category, p.Tier = catalog.CategoryPersonal, catalog.TierConditional
		if h.sensitive {
			// Personal privacy is not shared by default (docs/domain.md: share tiers); the
			// draft then fails validation until a reviewer states the legal
			// basis or chooses another tier.
			p.Level, p.Sensitive, p.Tier = catalog.LevelImportant, true, catalog.TierNotShared
			p.Reasons = append([]string{fmt.Sprintf("header keyword %q marks sensitive personal information (PIPL art. 28): not shared unless a reviewer decides otherwise", h.word)}, p.Reasons...)
		} else {
			p.Reasons = append([]string{fmt.Sprintf("header keyword %q marks personal information", h.word)}, p.Reasons...)
		}
	case h.ownMoney && p.Type == catalog.TypeNone && p.Category == catalog.CategoryPublic:
		p.Category, p.Tier = catalog.CategoryPersonal, catalog.TierConditional
		p.Reasons = append([]string{fmt.Sprintf("header keyword %q names what a person is paid, taxed or credited with: personal information, conditional", h.money)}, p.Reasons...)
	case h.money != "" && p.Type == catalog.TypeNone && p.Category == catalog.CategoryPublic:
		p.Reasons = append(p.Reasons, moneyNote(h.money))
	}
}

// moneyNote is the reason a column of amounts carries while nothing in its
// table says whose they are.
func moneyNote(word string) string {
	return fmt.Sprintf("header keyword %q names an amount of money: public unless the table identifies a person", word)
}

// hint is what a header says about its column.
type hint struct {
	typ       catalog.Type
	cat       catalog.Category
	sensitive bool
	geo       bool // a single latitude or longitude column
	word      string
	// money is the keyword naming an amount of money ("" if none);
	// ownMoney marks amounts that belong to a person by their nature
	// (wages, personal income tax, contribution base).
	money    string
	ownMoney bool
}

type headerKeywords struct {
	typ   catalog.Type
	exact []string // whole normalized header
	part  []string // contained in the normalized header
}

// headerTypes: simplified and traditional Chinese, pinyin initials and
// English. Exact lists hold short or ambiguous words; part lists are safe
// to find inside a longer header. Order matters: more specific first.
var headerTypes = []headerKeywords{
	{catalog.TypeHKID, []string{"hkid"}, []string{"香港身份证", "香港身份證"}},
	{catalog.TypeTWID, []string{"twid"}, []string{"台湾身份证", "台湾居民身份证", "台灣身分證"}},
	{catalog.TypeTravelPermit, []string{"txz", "permit"}, []string{"通行证", "通行證", "回乡证", "回鄉證"}},
	{catalog.TypeResidentID, []string{"sfz", "sfzh", "sfzhm", "gmsfhm", "zjhm", "idcard", "idno", "idnumber", "citizenid", "证件号码", "證件號碼"},
		[]string{"身份证", "身份證", "身份号码", "身分證"}},
	{catalog.TypeUSCC, []string{"tyshxydm", "shxydm", "uscc", "creditcode", "信用代码"}, []string{"统一社会信用", "統一社會信用", "社会信用代码"}},
	{catalog.TypeOrgCode, []string{"zzjgdm", "orgcode", "organizationcode"}, []string{"组织机构代码", "組織機構代碼", "机构代码"}},
	{catalog.TypeBankCard, []string{"yhkh", "khzh", "bankcard", "cardno", "cardnumber", "accountno", "卡号", "账号", "帳號"}, []string{"银行卡", "銀行卡", "银行账号", "银行帐号"}},
	{catalog.TypeLicensePlate, []string{"cph", "hphm", "plate", "licenseplate", "plateno"}, []string{"车牌", "車牌", "号牌"}},
	{catalog.TypePassport, []string{"hzh", "hzhm", "passport", "passportno"}, []string{"护照", "護照"}},
	{catalog.TypeMobile, []string{"sjh", "sjhm", "mobile", "cellphone", "cell", "phone", "mobileno", "phoneno", "phonenumber", "联系电话", "聯繫電話", "联系方式"},
		[]string{"手机", "手機", "移动电话", "移動電話"}},
	{catalog.TypeLandline, []string{"gddh", "tel", "telephone", "landline", "电话", "電話", "座机"}, []string{"固定电话", "固定電話", "办公电话", "座機", "辦公電話"}},
	{catalog.TypeEmail, []string{"yx", "dzyx", "email", "mail", "emailaddress"}, []string{"邮箱", "電郵", "电子邮件", "電子郵件", "郵箱"}},
	{catalog.TypeIPv6, []string{"ipv6"}, []string{"ipv6"}},
	{catalog.TypeIPv4, []string{"ip", "ipv4", "ipaddr", "ipaddress"}, []string{"ip地址", "服务器ip", "ipv4"}},
	{catalog.TypeURL, []string{"wz", "url", "website", "link", "homepage"}, []string{"网址", "網址", "网站", "網站", "链接"}},
	{catalog.TypeDateOfBirth, []string{"csrq", "dob", "birth", "birthday", "birthdate", "dateofbirth"}, []string{"出生", "生日"}},
	{catalog.TypeGeoCoordinate, []string{"jwd", "zb", "coord", "coordinate", "coordinates", "location", "gps", "lnglat", "lonlat", "latlng", "位置"}, []string{"经纬度", "經緯度", "坐标", "座標"}},
	{catalog.TypeAddress, []string{"dz", "zz", "address", "addr", "hjdz", "zcdz"}, []string{"地址", "住址", "住所", "居住地", "户籍地"}},
	{catalog.TypePersonName, []string{"xm", "name", "fullname", "realname", "姓名", "名字"}, []string{"姓名", "法定代表人", "联系人", "聯繫人", "户主", "申请人", "法人代表", "负责人", "经办人"}},
}

var (
	geoParts          = []string{"经度", "纬度", "經度", "緯度"}
	geoExact          = []string{"jd", "wd", "lng", "lon", "long", "longitude", "lat", "latitude"}
	tradeSecretParts  = []string{"成本", "进价", "采购价", "供货价", "供应商", "客户名单", "客户清单", "配方", "工艺", "技术参数", "底价", "报价", "毛利", "利润", "商业秘密", "unitcost", "costprice", "supplierprice", "customerlist", "formula", "margin", "tradesecret"}
	tradeSecretExact  = []string{"cost", "price", "bid"}
	nationalParts     = []string{"涉密", "密级", "军事", "军用", "国防", "保密", "控制点", "国家秘密", "classified", "military", "defense", "defence", "secretlevel"}
	sensitiveParts    = []string{"民族", "宗教", "信仰", "病历", "诊断", "病史", "健康", "疾病", "指纹", "人脸", "虹膜", "犯罪", "违法", "性取向", "收入", "存款", "余额", "行踪", "轨迹", "religion", "ethnic", "diagnosis", "medical", "health", "criminal", "fingerprint", "biometric", "income", "salary"}
	personalAttrParts = []string{"性别", "年龄", "婚姻", "学历", "职业", "marital", "education", "occupation"}
	personalAttrExact = []string{"xb", "nl", "gender", "sex", "age"}
	// Amounts of money. ownMoney words name what only a person is paid,
	// taxed or credited with; the others are a person's only when the
	// table identifies a person (attachAmounts). 收入, 存款, 余额, income
	// and salary are sensitive (above) and stricter already.
	ownMoneyParts = []string{"工资", "薪资", "薪酬", "薪金", "薪水", "应发合计", "实发合计", "应发金额", "实发金额",
		"个税", "个人所得税", "缴费基数", "wage", "payroll", "grosspay", "netpay"}
	ownMoneyExact = []string{"pay"}
	moneyParts    = []string{"金额", "补贴", "补助", "津贴", "奖金", "奖励金", "税额", "纳税", "税款", "罚款", "罚金", "罚没",
		"赔偿", "补偿", "缴费", "缴存", "缴纳", "报销", "救助金", "慰问金", "养老金", "退休金", "抚恤金", "公积金", "医保",
		"社保", "费用", "amount", "subsidy", "allowance", "bonus", "compensation", "penalty", "payment", "pension",
		"benefit", "taxamount", "taxpaid", "taxdue", "taxpayable", "balance", "deposit"}
	moneyExact = []string{"tax", "fine", "fee", "fees"}
)

// normalizeHeader lowercases and drops spaces, underscores and punctuation.
func normalizeHeader(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(strings.TrimSpace(s)) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func headerHint(name string) hint {
	h := normalizeHeader(name)
	var out hint
	if h == "" {
		return out
	}
	match := func(exact, part []string) string {
		for _, w := range exact {
			if h == w {
				return w
			}
		}
		for _, w := range part {
			if strings.Contains(h, w) {
				return w
			}
		}
		return ""
	}
	for _, k := range headerTypes {
		if w := match(k.exact, k.part); w != "" {
			out.typ, out.word = k.typ, w
			break
		}
	}
	switch {
	case match(nil, nationalParts) != "":
		out.cat, out.word = catalog.CategoryNationalSecurity, match(nil, nationalParts)
	case out.typ == "" && match(tradeSecretExact, tradeSecretParts) != "":
		out.cat, out.word = catalog.CategoryTradeSecret, match(tradeSecretExact, tradeSecretParts)
	case out.typ == "" && match(nil, sensitiveParts) != "":
		out.cat, out.sensitive, out.word = catalog.CategoryPersonal, true, match(nil, sensitiveParts)
	case out.typ == "" && match(personalAttrExact, personalAttrParts) != "":
		out.cat, out.word = catalog.CategoryPersonal, match(personalAttrExact, personalAttrParts)
	}
	if out.typ == "" {
		if w := match(geoExact, geoParts); w != "" {
			out.geo, out.word = true, w
		}
	}
	if out.typ == "" && out.cat == "" && !out.geo {
		if w := match(ownMoneyExact, ownMoneyParts); w != "" {
			out.money, out.ownMoney = w, true
		} else if w := match(moneyExact, moneyParts); w != "" {
			out.money = w
		}
	}
	return out
}
