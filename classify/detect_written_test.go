package classify

import (
	"testing"

	"github.com/govshare/govshare/catalog"
)

// TestDetectWrittenForms: identifiers as people write them are found, with
// the span of what is written; look-alikes of §2 of issue 9 are not.
func TestDetectWrittenForms(t *testing.T) {
	card16 := luhnComplete("622848000000000000"[:15])
	card19 := luhnComplete("622202123456789012")
	cases := []struct {
		name string
		text string
		want []want
	}{
		{"full-width mobile", "手机：１３８１２３４５６７８。", []want{{catalog.TypeMobile, "１３８１２３４５６７８"}}},
		{"full-width id with x", "身份证１１０１０５１９４９１２３１００２ｘ，", []want{{catalog.TypeResidentID, "１１０１０５１９４９１２３１００２ｘ"}}},
		{"mixed widths", "证件号11010５19491231００2X", []want{{catalog.TypeResidentID, "11010５19491231００2X"}}},
		{"full-width email", "邮箱zhang＠example．com；", []want{{catalog.TypeEmail, "zhang＠example．com"}}},
		{"email with 。", "邮箱zhang@example。com，谢谢", []want{{catalog.TypeEmail, "zhang@example。com"}}},
		{"bracketed area code", "电话（0755）12345678转8001，", []want{{catalog.TypeLandline, "（0755）12345678转8001"}}},
		{"bracketed ascii", "tel (0512)41040901.", []want{{catalog.TypeLandline, "(0512)41040901"}}},
		{"landline extension", "010-62345678-8001 and 0755-23456789转8001", []want{{catalog.TypeLandline, "010-62345678-8001"}, {catalog.TypeLandline, "0755-23456789转8001"}}},
		{"id 6-8-4", "身份证号 110105 19491231 002X 已核", []want{{catalog.TypeResidentID, "110105 19491231 002X"}}},
		{"id in fours with dashes", "1101-0519-4912-3100-2X", []want{{catalog.TypeResidentID, "1101-0519-4912-3100-2X"}}},
		{"id full-width dashes", "110105－19491231－002X", []want{{catalog.TypeResidentID, "110105－19491231－002X"}}},
		{"id ocr spacing", "1101 05194 91231 002X", []want{{catalog.TypeResidentID, "1101 05194 91231 002X"}}},
		{"mobile 3-8", "手机 138 12345678。", []want{{catalog.TypeMobile, "138 12345678"}}},
		{"mobile prefixes", "+86 138 1234 5678、86-13812345678、008613812345678、(+86)13812345678",
			[]want{{catalog.TypeMobile, "+86 138 1234 5678"}, {catalog.TypeMobile, "86-13812345678"}, {catalog.TypeMobile, "008613812345678"}, {catalog.TypeMobile, "(+86)13812345678"}}},
		{"card 16 in fours", "卡号 " + group4(card16) + "。", []want{{catalog.TypeBankCard, group4(card16)}}},
		{"card 19 in fours", "卡号 " + group4(card19) + "。", []want{{catalog.TypeBankCard, group4(card19)}}},
		{"uscc in groups", "9135 0100 M000 100Y 43", []want{{catalog.TypeUSCC, "9135 0100 M000 100Y 43"}}},
		{"hk id with space", "香港身份证 A123456 (3)", []want{{catalog.TypeHKID, "A123456 (3)"}}},
		{"plates with separators", "粤B·D12345、粤B•D12345、粤B・D12345、粤B.D12345、粤B-D12345、粤B D12345",
			[]want{{catalog.TypeLicensePlate, "粤B·D12345"}, {catalog.TypeLicensePlate, "粤B•D12345"}, {catalog.TypeLicensePlate, "粤B・D12345"}, {catalog.TypeLicensePlate, "粤B.D12345"}, {catalog.TypeLicensePlate, "粤B-D12345"}, {catalog.TypeLicensePlate, "粤B D12345"}}},
		{"special plates", "粤B1234学，京A1234警，粤Z1234港", []want{{catalog.TypeLicensePlate, "粤B1234学"}, {catalog.TypeLicensePlate, "京A1234警"}, {catalog.TypeLicensePlate, "粤Z1234港"}}},
		{"nested in url", "https://x.gov.cn/q?sfzh=11010519491231002X&tel=13812345678",
			[]want{{catalog.TypeURL, "https://x.gov.cn/q?sfzh=11010519491231002X&tel=13812345678"}, {catalog.TypeResidentID, "11010519491231002X"}, {catalog.TypeMobile, "13812345678"}}},
		{"bare org code line", "D2143569X\n", []want{{catalog.TypeOrgCode, "D2143569X"}}},
		{"bare hkid line", "A1234563\n", []want{{catalog.TypeHKID, "A1234563"}}},
		{"excel forms", "'11010519491231002X =\"13812345678\" 13812345678.0", []want{{catalog.TypeResidentID, "11010519491231002X"}, {catalog.TypeMobile, "13812345678"}, {catalog.TypeMobile, "13812345678"}}},
		// Look-alikes.
		{"luhn without iin", "编码 " + luhnComplete("123456789012345"), nil},
		{"card-shaped contract number", "合同编号" + card16 + "，流水号" + card19, nil},
		{"19 digits failing luhn", "卡号 " + group4(card16+"123"), nil},
		{"versions are not ips", "版本12.17.8.182，v1.2.3.4，第6.2.8.28条", nil},
		{"amounts are not mobiles", "金额13812345678元，合计13,812,345.67，13812345678.67", nil},
		{"hotlines and icp", "12345 12315 95588 10086 400-820-8820 京ICP备12345678号-1 京公网安备 11010502030143号", nil},
		{"masked and timestamps", "138****5678 110105********002X 6222 **** **** 1234 20261203093512 1733212345678 2026-12-03 09:35:12", nil},
		{"bare org code in prose", "型号D2143569X的设备", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { checkWant(t, c.text, c.want) })
	}
}

func TestDetectWrittenMore(t *testing.T) {
	cases := []struct {
		name string
		text string
		want []want
	}{
		{"space after province", "车牌 粤 B12345，京·A12345", []want{{catalog.TypeLicensePlate, "粤 B12345"}, {catalog.TypeLicensePlate, "京·A12345"}}},
		{"em dashes", "手机138—1234—5678。", []want{{catalog.TypeMobile, "138—1234—5678"}}},
		{"bracket then dash", "(010)-62345678", []want{{catalog.TypeLandline, "(010)-62345678"}}},
		{"+86 landline", "Tel +86 10 6234 5678, +86-755-23456789", []want{{catalog.TypeLandline, "+86 10 6234 5678"}, {catalog.TypeLandline, "+86-755-23456789"}}},
		{"em dash prose", "数据——2026年", nil},
		{"dotted mobile", "手机138.1234.5678，", []want{{catalog.TypeMobile, "138.1234.5678"}}},
		{"dotted non-mobile", "版本128.1234.5678 与 10.0.0.1", []want{{catalog.TypeIPv4, "10.0.0.1"}}},
		{"legacy id 6-6-3", "身份证 110105 491231 002 已核", []want{{catalog.TypeResidentID, "110105 491231 002"}}},
		{"extension with spaces", "0755-23456789 转 8001；(010)62345678分机号8002", []want{{catalog.TypeLandline, "0755-23456789 转 8001"}, {catalog.TypeLandline, "(010)62345678分机号8002"}}},
		{"dotted name whose first character is a surname", "姓名：艾尔肯·吐尔逊，电话", []want{{catalog.TypePersonName, "艾尔肯·吐尔逊"}}},
		{"dotted name before a stop word", "申请人阿依古丽·买买提已签字", []want{{catalog.TypePersonName, "阿依古丽·买买提"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { checkWant(t, c.text, c.want) })
	}
}
