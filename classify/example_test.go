package classify_test

import (
	"fmt"
	"time"

	"github.com/govshare/govshare/catalog"
	"github.com/govshare/govshare/classify"
)

func ExampleDetect() {
	text := "申请人：欧阳娜娜，身份证号11010519491231002X，手机+8613812345678，单位代码91350100M000100Y43。"
	for _, f := range classify.Detect(text) {
		fmt.Println(f.Type, f.Start, f.End, f.Value)
	}
	// Output:
	// person_name 12 24 欧阳娜娜
	// cn_resident_id 39 57 11010519491231002X
	// cn_mobile 66 80 +8613812345678
	// cn_uscc 95 113 91350100M000100Y43
}

func ExampleDetector() {
	d := classify.Detector{Types: []catalog.Type{catalog.TypeMobile}}
	for _, f := range d.Detect("11010519491231002X 13812345678") {
		fmt.Println(f) // a Finding prints without its value
	}
	// Output:
	// cn_mobile[19:30]
}

func ExampleValidResidentID() {
	fmt.Println(classify.ValidResidentID("11010519491231002X"))
	fmt.Println(classify.ValidResidentID("110105194912310021")) // check digit fails
	// Output:
	// true
	// false
}

func ExampleParseResidentID() {
	id, err := classify.ParseResidentID("11010519491231002X")
	if err != nil {
		panic(err)
	}
	fmt.Println(id.Region, id.Birth.Format("2006-01-02"), id.Male, id.Minor(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)))
	// Output: 110105 1949-12-31 false false
}

func ExampleValidate() {
	fmt.Println(classify.Validate(catalog.TypeUSCC, "91350100M000100Y43"))
	fmt.Println(classify.Validate(catalog.TypeOrgCode, "D2143569-X"))
	fmt.Println(classify.Validate(catalog.TypeBankCard, "4111111111111111"))
	// Output:
	// true
	// true
	// true
}

func ExampleProfiler_ProfileColumn() {
	var p classify.Profiler
	col := p.ProfileColumn("phone", []string{"SKU-20931-XL", "SKU-11111-S", ""})
	fmt.Println(col.Type, col.Category, col.Tier)
	col = p.ProfileColumn("sfzh", []string{"11010519491231002X"})
	fmt.Println(col.Type, col.Category, col.Level, col.Sensitive, col.Tier)
	// Output:
	// none personal conditional
	// cn_resident_id personal important true conditional
}

func ExampleDraftCatalog() {
	var p classify.Profiler
	cols := []classify.ColumnProfile{p.ProfileColumn("手机号码", []string{"13812345678"})}
	c := classify.DraftCatalog("register", cols)
	fmt.Println(c.Fields[0].Name, c.Fields[0].Type, c.Validate() != nil)
	// Output: 手机号码 cn_mobile true
}
