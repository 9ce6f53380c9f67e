package mask

import (
	"errors"
	"strings"
	"testing"

	"github.com/govshare/govshare/catalog"
)

type displayCase struct {
	t    catalog.Type
	in   string
	want string // "" means: must fail with ErrMalformed
}

var displayCases = []displayCase{
	// resident ID: first 1 and last 2; 15-digit legacy; full-width; separators.
	{catalog.TypeResidentID, "11010519491231002X", "1***************2X"},
	{catalog.TypeResidentID, "11010519491231002x", "1***************2x"},
	{catalog.TypeResidentID, "110105491231002", "1************02"},
	{catalog.TypeResidentID, "１１０１０５１９４９１２３１００２Ｘ", "１***************２Ｘ"},
	{catalog.TypeResidentID, "110105 19491231 002X", "1***** ******** **2X"},
	{catalog.TypeResidentID, "1101051949123100", ""},
	{catalog.TypeResidentID, "11010519491231002Y", ""},
	{catalog.TypeResidentID, "身份证11010519491231002X", ""},
	// mobile: 3/4, prefix kept.
	{catalog.TypeMobile, "13812345678", "138****5678"},
	{catalog.TypeMobile, "+8613812345678", "+86138****5678"},
	{catalog.TypeMobile, "+86 138-1234-5678", "+86 138-****-5678"},
	{catalog.TypeMobile, "008613812345678", "0086138****5678"},
	{catalog.TypeMobile, "１３８１２３４５６７８", "１３８****５６７８"},
	{catalog.TypeMobile, "12812345678", ""},
	{catalog.TypeMobile, "1381234567", ""},
	{catalog.TypeMobile, "138****5678", ""},
	// landline: area code and last 2.
	{catalog.TypeLandline, "010-12345678", "010-******78"},
	{catalog.TypeLandline, "0755-1234567", "0755-*****67"},
	{catalog.TypeLandline, "09157518479", "0915*****79"},
	{catalog.TypeLandline, "(021)87654321", "(021)******21"},
	{catalog.TypeLandline, "87654321", "******21"},
	{catalog.TypeLandline, "010-123", ""},
	// bank card: 4/4 grouped.
	{catalog.TypeBankCard, "6222021234561234", "6222 **** **** 1234"},
	{catalog.TypeBankCard, "6222 0212 3456 1234", "6222 **** **** 1234"},
	{catalog.TypeBankCard, "6217000130008255666", "6217 **** **** *** 5666"},
	{catalog.TypeBankCard, "62220212345", ""},
	{catalog.TypeBankCard, "62220212345612341234", ""},
	// plates: province + letter and last, 7 and 8 characters.
	{catalog.TypeLicensePlate, "京A12345", "京A****5"},
	{catalog.TypeLicensePlate, "京AD12345", "京A*****5"},
	{catalog.TypeLicensePlate, "粤B·1234警", "粤B·****警"},
	{catalog.TypeLicensePlate, "苏d40000", "苏d****0"},
	{catalog.TypeLicensePlate, "X京12345", ""},
	{catalog.TypeLicensePlate, "京A1234", ""},
	{catalog.TypeLicensePlate, "京A12警45", ""},
	// passports, permits, HK and TW ids, org code, USCC.
	{catalog.TypePassport, "E12345678", "E1*****78"},
	{catalog.TypePassport, "EA1234567", "EA*****67"},
	{catalog.TypePassport, "E123", ""},
	{catalog.TypeTravelPermit, "C12345678", "C******78"},
	{catalog.TypeTravelPermit, "H1234567801", "H********01"},
	{catalog.TypeTravelPermit, "CA", ""},
	{catalog.TypeHKID, "A123456(7)", "A******(*)"},
	{catalog.TypeHKID, "AB987654A", "AB*******"},
	{catalog.TypeHKID, "1234567(8)", ""},
	{catalog.TypeTWID, "A123456789", "A*******89"},
	{catalog.TypeTWID, "A12345678", ""},
	{catalog.TypeOrgCode, "D2143569-X", "D2******-*"},
	{catalog.TypeOrgCode, "D2143569", ""},
	{catalog.TypeUSCC, "91350100M000100Y43", "91350100**********"},
	{catalog.TypeUSCC, "91350100M000100O43", ""},
	// email: first rune of the local part + fixed four.
	{catalog.TypeEmail, "alice@example.com", "a****@example.com"},
	{catalog.TypeEmail, "张三丰@例子.中国", "张****@例子.中国"},
	{catalog.TypeEmail, "a@x.cn", "****@x.cn"},
	{catalog.TypeEmail, "a****@x.cn", ""}, // already masked
	{catalog.TypeEmail, "no-at-sign", ""},
	{catalog.TypeEmail, "a@b@c", ""},
	{catalog.TypeEmail, "a b@c.cn", ""},
	// IP addresses.
	{catalog.TypeIPv4, "10.1.2.3", "10.*.*.*"},
	{catalog.TypeIPv4, "192.168.001.1", ""},
	{catalog.TypeIPv4, "2001:db8::1", ""},
	{catalog.TypeIPv6, "2001:db8::1", "2001:*:*:*:*:*:*:*"},
	{catalog.TypeIPv6, "fe80::1%eth0", "fe80:*:*:*:*:*:*:*"},
	{catalog.TypeIPv6, "10.1.2.3", ""},
	{catalog.TypeURL, "https://a.cn/u?id=7", "https://a.cn/****"},
	{catalog.TypeURL, "https://user:pw@a.cn:8443/x", "https://a.cn/****"},
	{catalog.TypeURL, "not a url", ""},
	// names: whole surname, "·" segments, unknown surname, single rune.
	{catalog.TypePersonName, "欧阳娜娜", "欧阳**"},
	{catalog.TypePersonName, "张三", "张*"},
	{catalog.TypePersonName, "诸葛亮", "诸葛*"},
	{catalog.TypePersonName, "买买提·艾力", "买买提·**"},
	{catalog.TypePersonName, "阿卜杜勒·买买提·艾力", "阿卜杜勒·***·**"},
	{catalog.TypePersonName, "王", "*"},
	{catalog.TypePersonName, "欧阳", "欧*"},
	{catalog.TypePersonName, "Smith", "S****"},
	{catalog.TypePersonName, "😀张三", "😀**"},
	{catalog.TypePersonName, "**", ""},
	// addresses: keep the region.
	{catalog.TypeAddress, "北京市朝阳区建国路88号", "北京市朝阳区******"},
	{catalog.TypeAddress, "浙江省杭州市西湖区文三路90号", "浙江省杭州市西湖区******"},
	{catalog.TypeAddress, "浙江省 杭州市 西湖区 文三路90号", "浙江省 杭州市 西湖区*******"},
	{catalog.TypeAddress, "山东省济南市市中区经七路1号", "山东省济南市市中区*****"},
	{catalog.TypeAddress, "湖北省荆州市沙市区北京路", "湖北省荆州市沙市区***"},
	{catalog.TypeAddress, "广西南宁市青秀区民族大道1号", "广西南宁市青秀区******"},
	{catalog.TypeAddress, "内蒙古自治区呼伦贝尔市鄂温克族自治旗巴彦托海镇", "内蒙古自治区呼伦贝尔市鄂温克族自治旗*****"},
	{catalog.TypeAddress, "新疆维吾尔自治区阿克苏地区库车市天山路", "新疆维吾尔自治区阿克苏地区库车市***"},
	{catalog.TypeAddress, "吉林市昌邑区解放路", "吉林市昌邑区***"},
	{catalog.TypeAddress, "江苏省昆山市玉山镇", "江苏省昆山市***"},
	{catalog.TypeAddress, "北京市望京花园小区3号楼", "北京市*********"},
	{catalog.TypeAddress, "上海市徐汇区某某超市", "上海市徐汇区****"},
	{catalog.TypeAddress, "北京市朝阳区", "北京市***"},
	{catalog.TypeAddress, "北京市", "***"},
	{catalog.TypeAddress, "建国路88号", ""},
	{catalog.TypeAddress, "123 Main St", ""},
	// coordinates and birth dates.
	{catalog.TypeGeoCoordinate, "116.397128,39.916527", "116.39****,39.91****"},
	{catalog.TypeGeoCoordinate, "-73.9857, 40.7484", "-73.98**, 40.74**"},
	{catalog.TypeGeoCoordinate, "116.39,39.9", "116.**,39.*"},
	{catalog.TypeGeoCoordinate, "116,40", "***,**"},
	{catalog.TypeGeoCoordinate, "181.0,39.9", ""},
	{catalog.TypeGeoCoordinate, "116.4;39.9", ""},
	{catalog.TypeDateOfBirth, "1990-05-17", "1990-**-**"},
	{catalog.TypeDateOfBirth, "19900517", "1990****"},
	{catalog.TypeDateOfBirth, "1990年5月17日", "1990年*月**日"},
	{catalog.TypeDateOfBirth, "1990-02-30", ""},
}

func TestDisplay(t *testing.T) {
	for i, c := range displayCases {
		got, err := Display(c.t, c.in)
		if c.want == "" {
			if err == nil || !errors.Is(err, ErrMalformed) || got != "" {
				t.Errorf("case %d (%s): want ErrMalformed and \"\", got %q, %v", i, c.t, got, err)
			}
			if err != nil && strings.Contains(err.Error(), c.in) {
				t.Errorf("case %d (%s): error message contains the value", i, c.t)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("case %d (%s): got %q, %v; want %q", i, c.t, got, err, c.want)
		}
	}
}

func TestDisplayEveryTypeHasProfile(t *testing.T) {
	covered := map[catalog.Type]bool{}
	for _, c := range displayCases {
		if c.want != "" {
			covered[c.t] = true
		}
	}
	for _, ty := range catalog.Types {
		if !covered[ty] {
			t.Errorf("type %s has no positive Display case", ty)
		}
	}
}

func TestDisplayEmptyAndUnsupported(t *testing.T) {
	for _, ty := range catalog.Types {
		if got, err := Display(ty, ""); got != "" || err != nil {
			t.Errorf("%s: empty input gave %q, %v", ty, got, err)
		}
	}
	for _, ty := range []catalog.Type{catalog.TypeNone, "", "cn_phone"} {
		if got, err := Display(ty, "13812345678"); got != "" || !errors.Is(err, ErrUnsupported) {
			t.Errorf("%q: got %q, %v", ty, got, err)
		}
	}
}

func TestDisplayResidentID64(t *testing.T) {
	m := Masker{ResidentID64: true}
	cases := map[string]string{
		"11010519491231002X": "110105********002X",
		"110105491231002":    "110105*****1002",
	}
	for in, want := range cases {
		if got, err := m.Display(catalog.TypeResidentID, in); err != nil || got != want {
			t.Errorf("6+4: got %q, %v; want %q", got, err, want)
		}
	}
}

func TestDisplayFixedRun(t *testing.T) {
	m := Masker{FixedRun: 4}
	cases := []struct {
		t        catalog.Type
		in, want string
	}{
		{catalog.TypeMobile, "138 1234 5678", "138 **** 5678"},
		{catalog.TypeResidentID, "110105 19491231 002X", "1****2X"},
		{catalog.TypeBankCard, "6217000130008255666", "6217 **** 5666"},
		{catalog.TypeAddress, "北京市朝阳区建国路88号", "北京市朝阳区****"},
		{catalog.TypeEmail, "alice@example.com", "a****@example.com"},
		{catalog.TypePersonName, "阿卜杜勒·买买提·艾力", "阿卜杜勒·****"},
	}
	for i, c := range cases {
		if got, err := m.Display(c.t, c.in); err != nil || got != c.want {
			t.Errorf("case %d: got %q, %v; want %q", i, got, err, c.want)
		}
	}
}

// TestDisplayMaskRune checks a multi-byte mask rune in every renderer.
func TestDisplayMaskRune(t *testing.T) {
	m := Masker{Rune: '＊'}
	cases := []struct {
		t        catalog.Type
		in, want string
	}{
		{catalog.TypeMobile, "13812345678", "138＊＊＊＊5678"},
		{catalog.TypeBankCard, "6222021234561234", "6222 ＊＊＊＊ ＊＊＊＊ 1234"},
		{catalog.TypeIPv4, "10.1.2.3", "10.＊.＊.＊"},
		{catalog.TypePersonName, "欧阳娜娜", "欧阳＊＊"},
		{catalog.TypeGeoCoordinate, "116.397,39.916", "116.39＊,39.91＊"},
	}
	for i, c := range cases {
		if got, err := m.Display(c.t, c.in); err != nil || got != c.want {
			t.Errorf("case %d: got %q, %v; want %q", i, got, err, c.want)
		}
	}
}
