package classify

import (
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/govshare/govshare/catalog"
)

var testClock = func() time.Time { return time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC) }

type want struct {
	typ   catalog.Type
	value string
}

func detectAll(text string) []Finding {
	d := Detector{Now: testClock}
	return d.Detect(text)
}

func TestDetect(t *testing.T) {
	card := luhnComplete("622848000000000000")
	cases := []struct {
		name string
		text string
		want []want
	}{
		{"resident id with context and full-width punctuation", "身份证号：11010519491231002X，请核对。",
			[]want{{catalog.TypeResidentID, "11010519491231002X"}}},
		{"bare ids and mobiles, no context", "11010519491231002X 13812345678\n110105491231002",
			[]want{{catalog.TypeResidentID, "11010519491231002X"}, {catalog.TypeMobile, "13812345678"}, {catalog.TypeResidentID, "110105491231002"}}},
		{"glued to Han text", "手机13812345678联系",
			[]want{{catalog.TypeMobile, "13812345678"}}},
		{"mobile with +86 and separators", "call +8613812345678 or 138-1234-5678 or 138 1234 5678.",
			[]want{{catalog.TypeMobile, "+8613812345678"}, {catalog.TypeMobile, "138-1234-5678"}, {catalog.TypeMobile, "138 1234 5678"}}},
		{"landline", "电话：010-62345678，深圳0755-2345678",
			[]want{{catalog.TypeLandline, "010-62345678"}, {catalog.TypeLandline, "0755-2345678"}}},
		{"codes", "统一社会信用代码91350100M000100Y43，组织机构代码D2143569-X。",
			[]want{{catalog.TypeUSCC, "91350100M000100Y43"}, {catalog.TypeOrgCode, "D2143569-X"}}},
		{"bank card bare and grouped", "卡号" + card + "；" + group4(card) + "。",
			[]want{{catalog.TypeBankCard, card}, {catalog.TypeBankCard, group4(card)}}},
		{"plates", "车牌京A12345与粤BD12345、沪A12345F", []want{{catalog.TypeLicensePlate, "京A12345"}, {catalog.TypeLicensePlate, "粤BD12345"}, {catalog.TypeLicensePlate, "沪A12345F"}}},
		{"documents", "护照E12345678，通行证C12345678，回乡证H1234567801，香港A123456(3)，台湾A123456789",
			[]want{{catalog.TypePassport, "E12345678"}, {catalog.TypeTravelPermit, "C12345678"}, {catalog.TypeTravelPermit, "H1234567801"}, {catalog.TypeHKID, "A123456(3)"}, {catalog.TypeTWID, "A123456789"}}},
		{"network", "mail zhang.san+x@example.gov.cn, host 10.0.0.1, v6 2001:db8::1 and ::1, see https://www.gov.cn/a?b=1.",
			[]want{{catalog.TypeEmail, "zhang.san+x@example.gov.cn"}, {catalog.TypeIPv4, "10.0.0.1"}, {catalog.TypeIPv6, "2001:db8::1"}, {catalog.TypeIPv6, "::1"}, {catalog.TypeURL, "https://www.gov.cn/a?b=1"}}},
		{"numeric email is an email, not a mobile", "邮箱13812345678@163.com", []want{{catalog.TypeEmail, "13812345678@163.com"}}},
		{"names, dates and addresses with context", "姓名：欧阳娜娜，出生日期：1990年1月2日，住址：广东省深圳市南山区科技南路18号3栋2单元501室，电话0755-23456789",
			[]want{{catalog.TypePersonName, "欧阳娜娜"}, {catalog.TypeDateOfBirth, "1990年1月2日"}, {catalog.TypeAddress, "广东省深圳市南山区科技南路18号3栋2单元501室"}, {catalog.TypeLandline, "0755-23456789"}}},
		{"name stops before a trailing word", "联系人张三电话13812345678", []want{{catalog.TypePersonName, "张三"}, {catalog.TypeMobile, "13812345678"}}},
		{"address without context starts at a province", "我住在北京市朝阳区建国路88号。", []want{{catalog.TypeAddress, "北京市朝阳区建国路88号"}}},
		{"coordinates", "位置116.397128,39.916527附近", []want{{catalog.TypeGeoCoordinate, "116.397128,39.916527"}}},
		// Look-alikes: checksums are decisive, content wins.
		{"failed check digit", "110105194912310021 91350100M000100Y44 D2143569-1 A123456(4) A123456788", nil},
		{"order numbers and fake mobiles", "订单号202611271230451234，编号10012345678、11112345678、12812345678", nil},
		{"sku codes", "SKU-20931-XL A1B2-C3D4 phone: HX-2291-B", nil},
		{"plain prose", "今天天气很好，我们去北京大学路过图书馆。The year 2026 had 365 days.", nil},
		{"version numbers and times", "v1.2.3 at 12:30:45 on 2026-11-27", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { checkWant(t, c.text, c.want) })
	}
}

// checkWant runs the detector on text and checks the findings, in order,
// against want, and that each span holds its value. Failures name types
// and lengths, never values.
func checkWant(t *testing.T, text string, want []want) {
	t.Helper()
	got := detectAll(text)
	if len(got) != len(want) {
		t.Fatalf("got %d findings %v, want %d", len(got), got, len(want))
	}
	for i, f := range got {
		if f.Type != want[i].typ || f.Value != want[i].value {
			t.Errorf("finding %d: got %s, want %s of %d bytes", i, f, want[i].typ, len(want[i].value))
		}
		if text[f.Start:f.End] != f.Value {
			t.Errorf("finding %d: span does not match value", i)
		}
	}
}

func TestDetectTypesFilter(t *testing.T) {
	d := Detector{Types: []catalog.Type{catalog.TypeMobile}, Now: testClock}
	got := d.Detect("11010519491231002X 13812345678")
	if len(got) != 1 || got[0].Type != catalog.TypeMobile {
		t.Fatalf("got %v", got)
	}
}

func TestFindingStringRedacts(t *testing.T) {
	f := detectAll("13812345678")[0]
	if s := fmt.Sprint(f); strings.Contains(s, "1381234") {
		t.Errorf("Finding prints its value: %s", s)
	}
}

func TestDetectBadInput(t *testing.T) {
	inputs := []string{
		"", "\x00\x00\x00", "\xff\xfe13812345678\xff", strings.Repeat("1", 10<<20),
		strings.Repeat("身份证号：", 1000), "13812345678\x0013812345678",
		"@@@@....::::----", strings.Repeat("a.", 1000) + "@", "姓名：", "出生日期：", "住址：",
	}
	for i, in := range inputs {
		got := detectAll(in)
		checkFindings(t, fmt.Sprintf("input %d", i), in, got)
	}
	if got := detectAll("\xff13812345678\xff"); len(got) != 1 {
		t.Errorf("mobile between invalid bytes: %d findings", len(got))
	}
}

// checkFindings asserts the invariants every result must hold.
func checkFindings(t *testing.T, name, in string, got []Finding) {
	t.Helper()
	prev := 0
	for _, f := range got {
		if f.Start < prev || f.End <= f.Start || f.End > len(in) {
			t.Fatalf("%s: bad or overlapping span %s after %d", name, f, prev)
		}
		if in[f.Start:f.End] != f.Value {
			t.Fatalf("%s: value differs from span %s", name, f)
		}
		if !f.Type.Known() || f.Type == catalog.TypeNone {
			t.Fatalf("%s: unknown type in %s", name, f)
		}
		if checksumType(f.Type) && !validInText(f) {
			t.Fatalf("%s: %s does not validate", name, f)
		}
		if !utf8.ValidString(f.Value) {
			t.Fatalf("%s: %s is not valid UTF-8", name, f)
		}
		prev = f.End
	}
}

func checksumType(t catalog.Type) bool {
	switch t {
	case catalog.TypeUSCC, catalog.TypeOrgCode, catalog.TypeBankCard, catalog.TypeHKID, catalog.TypeTWID:
		return true
	}
	return false
}

func validInText(f Finding) bool { return Validate(f.Type, f.Value) }

func FuzzDetect(f *testing.F) {
	for _, s := range []string{
		"身份证号：11010519491231002X，手机13812345678",
		"call +8613812345678 or 010-62345678, mail a.b@c.com, 10.0.0.1, ::1, https://x.cn/?a",
		"姓名：欧阳娜娜，出生日期：1990年1月2日，住址：广东省深圳市南山区科技南路18号",
		"6222 0200 0000 0000 006 京A12345 A123456(3) 116.397128,39.916527",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d := Detector{Now: testClock}
		checkFindings(t, "fuzz", s, d.Detect(s))
	})
}
