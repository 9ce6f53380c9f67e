package govshare_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/govshare/govshare"
	"github.com/govshare/govshare/catalog"
	"github.com/govshare/govshare/crypto/keys"
	"github.com/govshare/govshare/dp"
)

// A statistics release: the library runs the policy on the columns, counts
// residents per gender with differential privacy and seals the report to
// the statistics bureau. Grouping by an identifier is refused, and so is a
// release with no budget of record that does not say so.
func ExampleShareRelease() {
	psb, _ := keys.New("public-security-bureau")
	stats, _ := keys.New("statistics-bureau")
	cat, err := catalog.Parse([]byte(`
resource: population-register
provider: public-security-bureau
tier: unconditional
fields:
  - {name: 身份证号, type: cn_resident_id, category: personal, level: important, sensitive: true}
  - {name: 手机号码, type: cn_mobile, category: personal, level: general, sensitive: false}
  - {name: 性别, type: none, category: personal, level: general, sensitive: false}
`), "catalog.yaml")
	if err != nil {
		panic(err)
	}
	var reg strings.Builder
	reg.WriteString("身份证号,手机号码,性别\n")
	for i := 0; i < 2000; i++ {
		fmt.Fprintf(&reg, "P%06d,1380000%04d,%s\n", i, i, []string{"男", "女"}[i%2])
	}
	in := func() govshare.Input {
		return govshare.Input{Reader: strings.NewReader(reg.String()), Name: "register.csv"}
	}
	q := dp.Options{Kind: dp.KindCount, Person: "身份证号", GroupBy: "性别", Epsilon: 1, Delta: 1e-6}
	opt := &govshare.ReleaseOptions{Unbudgeted: true, Now: exampleNow}

	var env bytes.Buffer
	res, err := govshare.ShareRelease(context.Background(), &env, in(), psb, stats.Public(), cat, q, opt)
	if err != nil {
		panic(err)
	}
	fmt.Println(res.Header.Recipient, res.Header.Purpose, res.Header.ContentType)
	for _, f := range res.Header.Fields {
		fmt.Println(" ", f.Name, f.Transform)
	}
	for _, r := range res.Report.Results { // 1000 people each: always released
		fmt.Println(" ", r.Group, r.Mechanism)
	}

	q.GroupBy = "手机号码"
	_, err = govshare.ShareRelease(context.Background(), &bytes.Buffer{}, in(), psb, stats.Public(), cat, q, opt)
	fmt.Println(errors.Is(err, dp.ErrGroupColumn))
	q.GroupBy = "性别"
	_, err = govshare.ShareRelease(context.Background(), &bytes.Buffer{}, in(), psb, stats.Public(), cat, q, nil)
	fmt.Println(errors.Is(err, dp.ErrNoBudget))
	// Output:
	// statistics-bureau statistics application/json
	//   身份证号 dp
	//   性别 dp
	//   女 laplace
	//   男 laplace
	// true
	// true
}
