package classify

import (
	"strings"
	"testing"
	"time"

	"github.com/govshare/govshare/catalog"
)

// fixedNow pins "today" for date checks in tests.
func fixedNow(t *testing.T) {
	t.Helper()
	old := now
	now = func() time.Time { return time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC) }
	t.Cleanup(func() { now = old })
}

func TestCheckDigitVectors(t *testing.T) {
	// docs/domain.md: identifier formats and validation vectors.
	if c, ok := ResidentIDCheckDigit("11010519491231002"); !ok || c != 'X' {
		t.Errorf("resident ID check = %q, want X", c)
	}
	if c, ok := USCCCheckDigit("91350100M000100Y4"); !ok || c != '3' {
		t.Errorf("USCC check = %q, want 3", c)
	}
	if c, ok := OrgCodeCheckDigit("D2143569"); !ok || c != 'X' {
		t.Errorf("org code check = %q, want X", c)
	}
	if c, ok := HKIDCheckDigit("A123456"); !ok || c != '3' {
		t.Errorf("HKID check = %q, want 3", c)
	}
	if c, ok := TWIDCheckDigit("A12345678"); !ok || c != '9' {
		t.Errorf("TW ID check = %q, want 9", c)
	}
	if c, ok := LuhnCheckDigit("411111111111111"); !ok || c != '1' {
		t.Errorf("Luhn check = %q, want 1", c)
	}
	// The embedded organization code of the USCC vector carries its own check.
	if c, ok := OrgCodeCheckDigit("M000100Y"); !ok || c != '4' {
		t.Errorf("embedded org code check = %q, want 4", c)
	}
	// Malformed payloads.
	for _, bad := range []string{"", "1101051949123100", "1101051949123100A"} {
		if _, ok := ResidentIDCheckDigit(bad); ok {
			t.Errorf("ResidentIDCheckDigit accepted malformed payload of length %d", len(bad))
		}
	}
	if _, ok := USCCCheckDigit("91350100M000100I4"); ok {
		t.Error("USCCCheckDigit accepted I, which GB 32100 excludes")
	}
}

func TestValidators(t *testing.T) {
	fixedNow(t)
	cases := []struct {
		typ  catalog.Type
		good []string
		bad  []string
	}{
		{catalog.TypeResidentID,
			[]string{"11010519491231002X", "11010519491231002x", "110105491231002"},
			[]string{"110105194912310021", "99010519491231002X", "11010519490231002X", "110105202712310026", "1101051949123100", "110105491331002", ""}},
		{catalog.TypeUSCC, []string{"91350100M000100Y43"}, []string{"91350100M000100Y44", "91350100M000100I43", "91350100M000100Y4"}},
		{catalog.TypeOrgCode, []string{"D2143569-X", "D2143569X"}, []string{"D2143569-1", "D2143569_X", "D214356-9X"}},
		{catalog.TypeMobile, []string{"13812345678", "+8613812345678", "8613812345678", "008613812345678", "19912345678"},
			[]string{"12812345678", "10012345678", "1381234567", "19412345678", "1381234567a"}},
		{catalog.TypeLandline, []string{"010-62345678", "021-52345678", "0755-2345678", "0755-23456789", "01062345678", "(010)62345678"},
			[]string{"0755-123456", "011-62345678", "13812345678", "010-623456789"}},
		{catalog.TypeBankCard, []string{"4111111111111111", luhnComplete("621226020000000000"), "5500000000000004", group4(luhnComplete("622202000000000000"))},
			[]string{"4111111111111112", "1234567812345670", "411111111111"}},
		{catalog.TypeLicensePlate, []string{"京A12345", "粤BD12345", "沪A12345F", "川A·1234B"}, []string{"京I12345", "京A1234", "X京A12345", "京AO2345"}},
		{catalog.TypePassport, []string{"E12345678", "EA1234567", "G12345678"}, []string{"E1234567", "EI1234567", "P12345678"}},
		{catalog.TypeTravelPermit, []string{"C12345678", "CA1234567", "H1234567801", "M12345678"}, []string{"C1234567", "H123456780", "D12345678"}},
		{catalog.TypeHKID, []string{"A123456(3)", "A1234563"}, []string{"A123456(4)", "A12345(3)", "1123456(3)"}},
		{catalog.TypeTWID, []string{"A123456789"}, []string{"A123456788", "A323456789", "1123456789"}},
		{catalog.TypeEmail, []string{"zhang.san@example.com", "a+b@gov.cn", "13812345678@163.com"}, []string{"a@b", "@x.com", "a..b@x.com", "Zhang <z@x.com>", "a@x.c"}},
		{catalog.TypeIPv4, []string{"192.168.1.1", "8.8.8.8"}, []string{"256.1.1.1", "192.168.01.1", "1.2.3"}},
		{catalog.TypeIPv6, []string{"fe80::1", "2001:db8:85a3::8a2e:370:7334", "::1"}, []string{"fe80::1::2", "12:30:45", "192.168.1.1"}},
		{catalog.TypeURL, []string{"https://www.gov.cn/zhengce/", "http://example.com/a?b=1", "www.example.com"}, []string{"javascript:alert(1)", "https://", "example"}},
		{catalog.TypePersonName, []string{"张三", "欧阳娜娜", "王小明", "阿依古丽·买买提"}, []string{"张", "张三四五", "hello", "天天向上", "·"}},
		{catalog.TypeAddress, []string{"广东省深圳市南山区科技南路18号", "北京市朝阳区建国路88号", "朝阳区建国路88号院3号楼"}, []string{"北京", "今天天气很好", "深圳市"}},
		{catalog.TypeGeoCoordinate, []string{"116.397128,39.916527", "39.916527,116.397128", "116.39 39.91"}, []string{"116,39", "200.1,100.2", "abc"}},
		{catalog.TypeDateOfBirth, []string{"1990-01-02", "1990/1/2", "19900102", "1990年1月2日", "1990.01.02"}, []string{"1990-02-30", "2030-01-01", "1890-01-01", "1990-1-2-3", "9012"}},
	}
	for _, c := range cases {
		for i, v := range c.good {
			if !Validate(c.typ, v) {
				t.Errorf("%s: good case %d rejected", c.typ, i)
			}
		}
		for i, v := range c.bad {
			if Validate(c.typ, v) {
				t.Errorf("%s: bad case %d accepted", c.typ, i)
			}
		}
	}
}

// group4 writes digits in groups of four, as cards are printed.
func group4(d string) string {
	var b strings.Builder
	for i := 0; i < len(d); i += 4 {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(d[i:min(i+4, len(d))])
	}
	return b.String()
}

// luhnComplete appends the Luhn check digit.
func luhnComplete(payload string) string {
	c, _ := LuhnCheckDigit(payload)
	return payload + string(c)
}

func TestParseResidentID(t *testing.T) {
	fixedNow(t)
	id, err := ParseResidentID("11010519491231002X")
	if err != nil {
		t.Fatal(err)
	}
	if id.Region != "110105" || id.Birth != time.Date(1949, 12, 31, 0, 0, 0, 0, time.UTC) || id.Male || id.Legacy {
		t.Errorf("parsed %+v", id)
	}
	if strings.Contains(id.String(), "110105") {
		t.Error("ResidentID.String leaks the region")
	}
	if got := id.Age(time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)); got != 76 {
		t.Errorf("age = %d, want 76", got)
	}
	legacy, err := ParseResidentID("110105491231003")
	if err != nil || !legacy.Legacy || !legacy.Male || legacy.Birth.Year() != 1949 {
		t.Errorf("legacy parse: %+v %v", legacy, err)
	}
	// A child born 2020-06-01 is a minor in 2026.
	p := "11010520200601002"
	c, _ := ResidentIDCheckDigit(p)
	kid, err := ParseResidentID(p + string(c))
	if err != nil || !kid.Minor(now()) {
		t.Errorf("minor not detected: %v", err)
	}
	if _, err := ParseResidentID("110105194912310021"); err != ErrInvalid {
		t.Errorf("bad check digit: err = %v", err)
	}
}

func TestErrorsNeverCarryValues(t *testing.T) {
	_, err := ParseResidentID("110105194912310021")
	if strings.Contains(err.Error(), "1101051949") {
		t.Error("error message contains the value")
	}
}

func TestValueInHeader(t *testing.T) {
	for _, tc := range []struct {
		header []string
		col    int
		typ    catalog.Type
	}{
		{[]string{"姓名", "身份证号", "手机号码", "2024-01-01", "email", "ID"}, -1, ""},
		{[]string{"崔俊鹤", "110106200003180752", "男"}, 1, catalog.TypeResidentID},
		{[]string{"x", "y", "13812345678"}, 2, catalog.TypeMobile},
		{[]string{"name", "a@b.cn"}, 1, catalog.TypeEmail},
	} {
		col, typ, ok := ValueInHeader(tc.header)
		if tc.col < 0 {
			if ok {
				t.Errorf("header %d: column %d reported as %s", len(tc.header), col, typ)
			}
			continue
		}
		if !ok || col != tc.col || typ != tc.typ {
			t.Errorf("got %d %s %v, want %d %s", col, typ, ok, tc.col, tc.typ)
		}
	}
}
