package classify

import (
	"strings"
	"testing"
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
		typ    Type
		cat    Category
	}{
		{"身份证号", ids, TypeResidentID, CategoryPersonal},
		{"身份證號碼", ids, TypeResidentID, CategoryPersonal},
		{"sfzh", ids, TypeResidentID, CategoryPersonal},
		{"id_card", ids, TypeResidentID, CategoryPersonal},
		{"col7", ids, TypeResidentID, CategoryPersonal}, // content alone
		{"手机号码", mobiles, TypeMobile, CategoryPersonal},
		{"sjhm", mobiles, TypeMobile, CategoryPersonal},
		{"xm", []string{"张三", "欧阳娜娜", "李四"}, TypePersonName, CategoryPersonal},
		{"姓名", []string{"张三", "", "  ", "李四"}, TypePersonName, CategoryPersonal},
		{"统一社会信用代码", []string{"91350100M000100Y43"}, TypeUSCC, CategoryPublic},
		{"phone", []string{"SKU-20931-XL", "SKU-11111-S", "A1B2-C3D4"}, TypeNone, CategoryPublic},
		{"单位成本", []string{"12.50", "13.00"}, TypeNone, CategoryTradeSecret},
		{"unit_cost", []string{"12.50", "13.00"}, TypeNone, CategoryTradeSecret},
		{"经度", []string{"116.397128", "121.473701"}, TypeGeoCoordinate, CategoryPersonal},
		{"控制点坐标", []string{"116.397128,39.916527"}, TypeGeoCoordinate, CategoryNationalSecurity},
		{"出生日期", []string{"1990-01-02", "1985/3/4"}, TypeDateOfBirth, CategoryPersonal},
		{"登记日期", []string{"1990-01-02", "1985/3/4"}, TypeNone, CategoryPublic},
		{"民族", []string{"汉", "回"}, TypeNone, CategoryPersonal},
		{"身份证号", nil, TypeResidentID, CategoryPersonal},
		{"备注", nil, TypeNone, CategoryPublic},
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
	if !p.Sensitive || p.Level != LevelImportant || !strings.Contains(strings.Join(p.Reasons, ";"), "minors") {
		t.Errorf("minor not flagged: %+v", p)
	}
	fine := profile("坐标", "116.397128,39.916527")
	coarse := profile("坐标", "116.39,39.91")
	if fine.Level != LevelImportant || !fine.Sensitive || coarse.Level != LevelGeneral {
		t.Errorf("coordinate precision: fine %s/%v coarse %s", fine.Level, fine.Sensitive, coarse.Level)
	}
	ns := profile("军事设施位置", "116.397128,39.916527")
	if ns.Tier != TierNotShared || ns.Level != LevelCore {
		t.Errorf("national security: %+v", ns)
	}
}

func TestProfileContentWinsOverHeader(t *testing.T) {
	// 18-digit order numbers under an ID header are not IDs.
	p := profile("身份证号", "202611271230451234", "202611271230459876", "202611281200001111")
	if p.Type != TypeNone {
		t.Errorf("order numbers classified as %s", p.Type)
	}
	// Failed check digits are not IDs either.
	p = profile("身份证号", "110105194912310021", "110105194912310022")
	if p.Type != TypeNone {
		t.Errorf("failed check digits classified as %s", p.Type)
	}
}
