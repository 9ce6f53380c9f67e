package govshare_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/govshare/govshare"
	"github.com/govshare/govshare/classify"
	"github.com/govshare/govshare/policy"
)

func ExampleMask() {
	cat, err := classify.ParseCatalog([]byte(`
resource: population-register
provider: public-security-bureau
tier: unconditional
fields:
  - {name: 姓名, type: person_name, category: personal, level: general, sensitive: false}
  - {name: 手机号码, type: cn_mobile, category: personal, level: general, sensitive: false}
  - {name: 出生日期, type: date_of_birth, category: personal, level: general, sensitive: false}
  - {name: 宗教信仰, type: none, category: personal, level: important, sensitive: true, tier: not_shared, legal_basis: "PIPL art. 28"}
`), "catalog.yaml")
	if err != nil {
		panic(err)
	}
	in := "姓名,手机号码,出生日期,宗教信仰\n欧阳娜娜,13812345678,1990-01-02,无\n"
	rep, err := govshare.Mask(context.Background(),
		govshare.Input{Reader: strings.NewReader(in), Name: "register.csv"}, os.Stdout,
		govshare.Options{Request: policy.Request{
			Catalog: cat, Purpose: classify.PurposeWorkReference, Recipient: "tax-bureau",
			Now: time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC),
		}})
	if err != nil {
		panic(err)
	}
	for _, d := range rep.Dropped {
		fmt.Println("not shared:", d.Field)
	}
	// Output:
	// 姓名,手机号码,出生日期
	// 欧阳**,138****5678,1990
	// not shared: 宗教信仰
}
