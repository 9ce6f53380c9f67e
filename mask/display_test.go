package mask

import (
	"errors"
	"strings"
	"testing"

	"github.com/govshare/govshare/classify"
)

type displayCase struct {
	t    classify.Type
	in   string
	want string // "" means: must fail with ErrMalformed
}

var displayCases = []displayCase{
	// resident ID: first 1 and last 2; 15-digit legacy; full-width; separators.
	{classify.TypeResidentID, "11010519491231002X", "1***************2X"},
	{classify.TypeResidentID, "11010519491231002x", "1***************2x"},
	{classify.TypeResidentID, "110105491231002", "1************02"},
	{classify.TypeResidentID, "１１０１０５１９４９１２３１００２Ｘ", "１***************２Ｘ"},
	{classify.TypeResidentID, "110105 19491231 002X", "1***** ******** **2X"},
	{classify.TypeResidentID, "1101051949123100", ""},
	{classify.TypeResidentID, "11010519491231002Y", ""},
	{classify.TypeResidentID, "身份证11010519491231002X", ""},
	// mobile: 3/4, prefix kept.
	{classify.TypeMobile, "13812345678", "138****5678"},
	{classify.TypeMobile, "+8613812345678", "+86138****5678"},
	{classify.TypeMobile, "+86 138-1234-5678", "+86 138-****-5678"},
	{classify.TypeMobile, "008613812345678", "0086138****5678"},
	{classify.TypeMobile, "１３８１２３４５６７８", "１３８****５６７８"},
	{classify.TypeMobile, "12812345678", ""},
	{classify.TypeMobile, "1381234567", ""},
	{classify.TypeMobile, "138****5678", ""},
	// landline: area code and last 2.
	{classify.TypeLandline, "010-12345678", "010-******78"},
	{classify.TypeLandline, "0755-1234567", "0755-*****67"},
	{classify.TypeLandline, "09157518479", "0915*****79"},
	{classify.TypeLandline, "(021)87654321", "(021)******21"},
	{classify.TypeLandline, "87654321", "******21"},
	{classify.TypeLandline, "010-123", ""},
	// bank card: 4/4 grouped.
	{classify.TypeBankCard, "6222021234561234", "6222 **** **** 1234"},
	{classify.TypeBankCard, "6222 0212 3456 1234", "6222 **** **** 1234"},
	{classify.TypeBankCard, "6217000130008255666", "6217 **** **** *** 5666"},
	{classify.TypeBankCard, "62220212345", ""},
	{classify.TypeBankCard, "62220212345612341234", ""},
	// plates: province + letter and last, 7 and 8 characters.
	{classify.TypeLicensePlate, "京A12345", "京A****5"},
	{classify.TypeLicensePlate, "京AD12345", "京A*****5"},
	{classify.TypeLicensePlate, "粤B·1234警", "粤B·****警"},
	{classify.TypeLicensePlate, "苏d40000", "苏d****0"},
	{classify.TypeLicensePlate, "X京12345", ""},
	{classify.TypeLicensePlate, "京A1234", ""},
	{classify.TypeLicensePlate, "京A12警45", ""},
	// passports, permits, HK and TW ids, org code, USCC.
	{classify.TypePassport, "E12345678", "E1*****78"},
	{classify.TypePassport, "EA1234567", "EA*****67"},
	{classify.TypePassport, "E123", ""},
	{classify.TypeTravelPermit, "C12345678", "C******78"},
	{classify.TypeTravelPermit, "H1234567801", "H********01"},
	{classify.TypeTravelPermit, "CA", ""},
	{classify.TypeHKID, "A123456(7)", "A******(*)"},
	{classify.TypeHKID, "AB987654A", "AB*******"},
	{classify.TypeHKID, "1234567(8)", ""},
	{classify.TypeTWID, "A123456789", "A*******89"},
	{classify.TypeTWID, "A12345678", ""},
	{classify.TypeOrgCode, "D2143569-X", "D2******-*"},
	{classify.TypeOrgCode, "D2143569", ""},
	{classify.TypeUSCC, "91350100M000100Y43", "91350100**********"},
	{classify.TypeUSCC, "91350100M000100O43", ""},
	// email: first rune of the local part + fixed four.
	{classify.TypeEmail, "alice@example.com", "a****@example.com"},
	{classify.TypeEmail, "张三丰@例子.中国", "张****@例子.中国"},
	{classify.TypeEmail, "a@x.cn", "****@x.cn"},
	{classify.TypeEmail, "a****@x.cn", ""}, // already masked
	{classify.TypeEmail, "no-at-sign", ""},
	{classify.TypeEmail, "a@b@c", ""},
	{classify.TypeEmail, "a b@c.cn", ""},
	// IP addresses.
	{classify.TypeIPv4, "10.1.2.3", "10.*.*.*"},
	{classify.TypeIPv4, "192.168.001.1", ""},
	{classify.TypeIPv4, "2001:db8::1", ""},
	{classify.TypeIPv6, "2001:db8::1", "2001:*:*:*:*:*:*:*"},
	{classify.TypeIPv6, "fe80::1%eth0", "fe80:*:*:*:*:*:*:*"},
	{classify.TypeIPv6, "10.1.2.3", ""},
	{classify.TypeURL, "https://a.cn/u?id=7", "https://a.cn/****"},
	{classify.TypeURL, "https://user:pw@a.cn:8443/x", "https://a.cn/****"},
	{classify.TypeURL, "not a url", ""},
	// names: whole surname, "·" segments, unknown surname, single rune.
	{classify.TypePersonName, "欧阳娜娜", "欧阳**"},
	{classify.TypePersonName, "张三", "张*"},
	{classify.TypePersonName, "诸葛亮", "诸葛*"},
	{classify.TypePersonName, "买买提·艾力", "买买提·**"},
	{classify.TypePersonName, "阿卜杜勒·买买提·艾力", "阿卜杜勒·***·**"},
	{classify.TypePersonName, "王", "*"},
	{classify.TypePersonName, "欧阳", "欧*"},
	{classify.TypePersonName, "Smith", "S****"},
	{classify.TypePersonName, "😀张三", "😀**"},
	{classify.TypePersonName, "**", ""},
	// addresses: keep the region.
	{classify.TypeAddress, "北京市朝阳区建国路88号", "北京市朝阳区******"},
	{classify.TypeAddress, "浙江省杭州市西湖区文三路90号", "浙江省杭州市西湖区******"},
	{classify.TypeAddress, "浙江省 杭州市 西湖区 文三路90号", "浙江省 杭州市 西湖区*******"},
	{classify.TypeAddress, "山东省济南市市中区经七路1号", "山东省济南市市中区*****"},
	{classify.TypeAddress, "湖北省荆州市沙市区北京路", "湖北省荆州市沙市区***"},
	{classify.TypeAddress, "广西南宁市青秀区民族大道1号", "广西南宁市青秀区******"},
	{classify.TypeAddress, "内蒙古自治区呼伦贝尔市鄂温克族自治旗巴彦托海镇", "内蒙古自治区呼伦贝尔市鄂温克族自治旗*****"},
	{classify.TypeAddress, "新疆维吾尔自治区阿克苏地区库车市天山路", "新疆维吾尔自治区阿克苏地区库车市***"},
	{classify.TypeAddress, "吉林市昌邑区解放路", "吉林市昌邑区***"},
	{classify.TypeAddress, "江苏省昆山市玉山镇", "江苏省昆山市***"},
	{classify.TypeAddress, "北京市望京花园小区3号楼", "北京市*********"},
	{classify.TypeAddress, "上海市徐汇区某某超市", "上海市徐汇区****"},
	{classify.TypeAddress, "北京市朝阳区", "北京市***"},
	{classify.TypeAddress, "北京市", "***"},
	{classify.TypeAddress, "建国路88号", ""},
	{classify.TypeAddress, "123 Main St", ""},
	// coordinates and birth dates.
	{classify.TypeGeoCoordinate, "116.397128,39.916527", "116.39****,39.91****"},
	{classify.TypeGeoCoordinate, "-73.9857, 40.7484", "-73.98**, 40.74**"},
	{classify.TypeGeoCoordinate, "116.39,39.9", "116.**,39.*"},
	{classify.TypeGeoCoordinate, "116,40", "***,**"},
	{classify.TypeGeoCoordinate, "181.0,39.9", ""},
	{classify.TypeGeoCoordinate, "116.4;39.9", ""},
	{classify.TypeDateOfBirth, "1990-05-17", "1990-**-**"},
	{classify.TypeDateOfBirth, "19900517", "1990****"},
	{classify.TypeDateOfBirth, "1990年5月17日", "1990年*月**日"},
	{classify.TypeDateOfBirth, "1990-02-30", ""},
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
	covered := map[classify.Type]bool{}
	for _, c := range displayCases {
		if c.want != "" {
			covered[c.t] = true
		}
	}
	for _, ty := range classify.Types {
		if !covered[ty] {
			t.Errorf("type %s has no positive Display case", ty)
		}
	}
}

func TestDisplayEmptyAndUnsupported(t *testing.T) {
	for _, ty := range classify.Types {
		if got, err := Display(ty, ""); got != "" || err != nil {
			t.Errorf("%s: empty input gave %q, %v", ty, got, err)
		}
	}
	for _, ty := range []classify.Type{classify.TypeNone, "", "cn_phone"} {
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
		if got, err := m.Display(classify.TypeResidentID, in); err != nil || got != want {
			t.Errorf("6+4: got %q, %v; want %q", got, err, want)
		}
	}
}

func TestDisplayFixedRun(t *testing.T) {
	m := Masker{FixedRun: 4}
	cases := []struct {
		t        classify.Type
		in, want string
	}{
		{classify.TypeMobile, "138 1234 5678", "138 **** 5678"},
		{classify.TypeResidentID, "110105 19491231 002X", "1****2X"},
		{classify.TypeBankCard, "6217000130008255666", "6217 **** 5666"},
		{classify.TypeAddress, "北京市朝阳区建国路88号", "北京市朝阳区****"},
		{classify.TypeEmail, "alice@example.com", "a****@example.com"},
		{classify.TypePersonName, "阿卜杜勒·买买提·艾力", "阿卜杜勒·****"},
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
		t        classify.Type
		in, want string
	}{
		{classify.TypeMobile, "13812345678", "138＊＊＊＊5678"},
		{classify.TypeBankCard, "6222021234561234", "6222 ＊＊＊＊ ＊＊＊＊ 1234"},
		{classify.TypeIPv4, "10.1.2.3", "10.＊.＊.＊"},
		{classify.TypePersonName, "欧阳娜娜", "欧阳＊＊"},
		{classify.TypeGeoCoordinate, "116.397,39.916", "116.39＊,39.91＊"},
	}
	for i, c := range cases {
		if got, err := m.Display(c.t, c.in); err != nil || got != c.want {
			t.Errorf("case %d: got %q, %v; want %q", i, got, err, c.want)
		}
	}
}
