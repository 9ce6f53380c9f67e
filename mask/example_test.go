package mask_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/govshare/govshare/catalog"
	"github.com/govshare/govshare/mask"
)

func ExampleDisplay() {
	for _, v := range []struct {
		t catalog.Type
		s string
	}{
		{catalog.TypeMobile, "+86 13812345678"},
		{catalog.TypeResidentID, "11010519491231002X"},
		{catalog.TypeBankCard, "6222021234561234"},
		{catalog.TypeLicensePlate, "京AD12345"},
		{catalog.TypePersonName, "欧阳娜娜"},
		{catalog.TypeEmail, "alice@example.com"},
		{catalog.TypeAddress, "北京市朝阳区建国路88号"},
	} {
		out, _ := mask.Display(v.t, v.s)
		fmt.Println(out)
	}
	// A value without the shape of its type is an error, never passed on.
	out, err := mask.Display(catalog.TypeMobile, "12345")
	fmt.Printf("%q %v\n", out, errors.Is(err, mask.ErrMalformed))
	// Output:
	// +86 138****5678
	// 1***************2X
	// 6222 **** **** 1234
	// 京A*****5
	// 欧阳**
	// a****@example.com
	// 北京市朝阳区******
	// "" true
}

func ExampleMasker_Display() {
	m := mask.Masker{ResidentID64: true}
	out, _ := m.Display(catalog.TypeResidentID, "11010519491231002X")
	fmt.Println(out)
	// FixedRun hides how long the given name is.
	m = mask.Masker{FixedRun: 3, Rune: '×'}
	a, _ := m.Display(catalog.TypePersonName, "张三")
	b, _ := m.Display(catalog.TypePersonName, "张三丰")
	fmt.Println(a, b)
	// Output:
	// 110105********002X
	// 张××× 张×××
}

func ExampleRedact() {
	fmt.Println(mask.Redact("13812345678"), mask.Redact(""))
	// Output: *** ***
}

func ExampleMasker_Redact() {
	fmt.Println(mask.Masker{Rune: '●'}.Redact("secret"))
	// Output: ●●●
}

func ExampleTag() {
	fmt.Println(mask.Tag(catalog.TypeMobile), mask.Tag("typo"))
	// Output: <cn_mobile> <redacted>
}

func ExampleKeepEnds() {
	fmt.Println(mask.KeepEnds("13812345678", 3, 4))
	fmt.Println(mask.KeepEnds("欧阳娜娜", 2, 0))
	fmt.Println(mask.KeepEnds("1234567", 3, 4)) // keeping 3+4 would reveal all
	// Output:
	// 138****5678
	// 欧阳**
	// *******
}

func ExampleMasker_KeepEnds() {
	fmt.Println(mask.Masker{FixedRun: 2}.KeepEnds("6222021234561234", 4, 4))
	// Output: 6222**1234
}

func ExampleRange() {
	fmt.Println(mask.Range("北京市朝阳区建国路", 6, 9))
	// Output: 北京市朝阳区***
}

func ExampleMasker_Range() {
	fmt.Println(mask.Masker{Rune: '#'}.Range("ABCDEF", 1, 3))
	// Output: A##DEF
}

func ExampleBefore() {
	fmt.Println(mask.Before("alice@example.com", '@'))
	// Output: *****@example.com
}

func ExampleMasker_Before() {
	fmt.Println(mask.Masker{FixedRun: 3}.Before("alexander@example.com", '@'))
	// Output: ***@example.com
}

func ExampleAfter() {
	fmt.Println(mask.After("账号：甲乙丙", '：'))
	// Output: 账号：***
}

func ExampleMasker_After() {
	fmt.Println(mask.Masker{Rune: '_'}.After("key=value", '='))
	// Output: key=_____
}

func ExampleGeneralizeDate() {
	y, _ := mask.GeneralizeDate("1990年5月17日", mask.Year)
	m, _ := mask.GeneralizeDate("19900517", mask.Month)
	fmt.Println(y, m)
	// Output: 1990 1990-05
}

func ExampleAgeBand() {
	b, _ := mask.AgeBand(34, 10)
	fmt.Println(b)
	// Output: 30-39
}

func ExampleAgeBandFromBirth() {
	ref := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	b, _ := mask.AgeBandFromBirth("1990-05-17", ref, 5)
	fmt.Println(b)
	// Output: 35-39
}

func ExampleAgeBandFromID() {
	ref := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	b, _ := mask.AgeBandFromID("11010519491231002X", ref, 10)
	fmt.Println(b)
	// Output: 70-79
}

func ExampleIDRegion() {
	p, _ := mask.IDRegion("11010519491231002X", 2)
	c, _ := mask.IDRegion("11010519491231002X", 6)
	fmt.Println(p, c)
	// Output: 11 110105
}

func ExampleIDRegionName() {
	// The region code of an ID (here written in groups) named by GB/T 2260.
	for _, l := range []mask.AddressLevel{mask.Province, mask.City, mask.District} {
		out, _ := mask.IDRegionName("110105 19491231 002x", l)
		fmt.Println(out)
	}
	// Output:
	// 北京市
	// 北京市
	// 北京市朝阳区
}

func ExampleRoundStep() {
	a, _ := mask.RoundStep("1234.50", "100")
	b, _ := mask.RoundStep("2.675", "0.01")
	fmt.Println(a, b)
	// Output: 1200 2.68
}

func ExampleBucket() {
	b, _ := mask.Bucket("37", []string{"18", "35", "60"})
	fmt.Println(b)
	// Output: [35,60)
}

func ExampleTopBottom() {
	for _, income := range []string{"3000", "52000", "2500000"} {
		l, _ := mask.TopBottom(income, "5000", "1000000")
		fmt.Println(l)
	}
	// Output:
	// <5000
	// 52000
	// >=1000000
}

func ExampleGeneralizeAddress() {
	for _, l := range []mask.AddressLevel{mask.Province, mask.City, mask.District} {
		out, _ := mask.GeneralizeAddress("广西南宁市青秀区民族大道1号", l)
		fmt.Println(out)
	}
	// Output:
	// 广西壮族自治区
	// 广西壮族自治区南宁市
	// 广西壮族自治区南宁市青秀区
}

func ExampleGeneralizeAddressUpTo() {
	for _, a := range []string{"广东深圳南山区科技园1栋", "广东省深圳市某某路1号", "某某市幸福区和平路1号"} {
		out, l, err := mask.GeneralizeAddressUpTo(a, mask.District)
		fmt.Println(out, l, err != nil)
	}
	// Output:
	// 广东省深圳市南山区 3 false
	// 广东省深圳市 2 false
	//  0 true
}

func ExampleAddresses() {
	// One Addresses per run over a register: the second address costs a
	// lookup, since it starts with the divisions of the first.
	addrs := mask.NewAddresses()
	for _, a := range []string{"浙江省杭州市西湖区文三路90号", "浙江省杭州市西湖区学院路1号", "杭州市某某路1号"} {
		out, l, err := addrs.GeneralizeUpTo(a, mask.District)
		fmt.Println(out, l, err != nil)
	}
	// Output:
	// 浙江省杭州市西湖区 3 false
	// 浙江省杭州市西湖区 3 false
	// 浙江省杭州市 2 false
}

func ExampleRoundCoordinate() {
	out, _ := mask.RoundCoordinate("116.397128,39.916527", 2)
	fmt.Println(out)
	// Output: 116.40,39.92
}

func ExampleGridCell() {
	c, _ := mask.GridCell(116.397128, 39.916527, 0.01)
	fmt.Printf("%s %.3f,%.3f\n", c.ID(), c.Lon, c.Lat)
	// Output: 0.01/12991/29639 116.395,39.915
}

func ExampleCell_ID() {
	c, _ := mask.GridCell(121.4737, 31.2304, 0.5)
	fmt.Println(c.ID())
	// Output: 0.5/242/602
}
