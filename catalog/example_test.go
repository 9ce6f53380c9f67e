package catalog_test

import (
	"fmt"

	"github.com/govshare/govshare/catalog"
)

func ExampleParse() {
	c, err := catalog.Parse([]byte(`
resource: population-register
provider: public-security-bureau
tier: unconditional
fields:
  - {name: 身份证号, type: cn_resident_id, category: personal, level: important, sensitive: true}
  - {name: 宗教信仰, type: none, category: personal, level: important, sensitive: true, tier: not_shared}
`), "catalog.yaml")
	fmt.Println(c, err)
	// Output:
	// <nil> govshare/classify: catalog catalog.yaml:7: field "宗教信仰": tier not_shared requires legal_basis
}
