package govshare_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/govshare/govshare"
	"github.com/govshare/govshare/catalog"
	"github.com/govshare/govshare/crypto/keys"
	"github.com/govshare/govshare/envelope"
	"github.com/govshare/govshare/policy"
)

func ExampleMask() {
	cat := exampleCatalog()
	in := "姓名,手机号码,出生日期,宗教信仰\n欧阳娜娜,13812345678,1990-01-02,无\n"
	rep, err := govshare.Mask(context.Background(),
		govshare.Input{Reader: strings.NewReader(in), Name: "register.csv"}, os.Stdout,
		govshare.Options{Request: policy.Request{
			Catalog: cat, Purpose: catalog.PurposeWorkReference, Recipient: "tax-bureau",
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

// exampleCatalog is a small reviewed catalog for the examples.
func exampleCatalog() *catalog.Catalog {
	cat, err := catalog.Parse([]byte(`
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
	return cat
}

// exampleShare seals a two-row register from the public security bureau to
// the tax bureau for work reference.
func exampleShare(psb, tax *keys.Keyring) []byte {
	var env bytes.Buffer
	res, err := govshare.Share(context.Background(),
		govshare.Input{Reader: strings.NewReader("姓名,手机号码\n欧阳娜娜,13812345678\n张伟,13900001111\n"), Name: "register.csv"},
		&env, govshare.ShareOptions{
			Options: govshare.Options{Request: policy.Request{
				Catalog: exampleCatalog(), Purpose: catalog.PurposeWorkReference,
				Now: time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC),
			}, Keys: psb},
			To: tax.Public(),
		})
	if err != nil {
		panic(err)
	}
	fmt.Println("sealed", res.Rows, "rows to", res.Header.Recipient, "for", res.Header.Purpose, "suite", res.Header.Suite)
	return env.Bytes()
}

func ExampleShare() {
	psb, _ := keys.New("public-security-bureau")
	tax, _ := keys.New("tax-bureau")
	env := exampleShare(psb, tax)
	_, err := envelope.Inspect(bytes.NewReader(env))
	fmt.Println("header readable without keys:", err == nil)
	// Output:
	// sealed 2 rows to tax-bureau for work_reference suite general
	// header readable without keys: true
}

func ExampleOpen() {
	psb, _ := keys.New("public-security-bureau")
	tax, _ := keys.New("tax-bureau")
	env := exampleShare(psb, tax)
	at := time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)
	open := func(p catalog.Purpose) error {
		_, err := govshare.Open(context.Background(), os.Stdout, bytes.NewReader(env), int64(len(env)),
			govshare.OpenOptions{OpenOptions: envelope.OpenOptions{Keys: tax, Purpose: p, Trust: psb.Public(), Now: at}})
		return err
	}
	fmt.Println(errors.Is(open(catalog.PurposeStatistics), envelope.ErrWrongPurpose))
	if err := open(catalog.PurposeWorkReference); err != nil {
		panic(err)
	}
	// Output:
	// sealed 2 rows to tax-bureau for work_reference suite general
	// true
	// 姓名,手机号码
	// 欧阳**,138****5678
	// 张*,139****1111
}

func ExampleShareRelease() {
	psb, _ := keys.New("public-security-bureau")
	stats, _ := keys.New("statistics-bureau")
	report := []byte(`{"kind":"count","results":[{"group":"汉族","value":187}]}`)
	var env bytes.Buffer
	res, err := govshare.ShareRelease(context.Background(),
		govshare.Release{Payload: report, ContentType: "application/json", Fields: []string{"姓名"}, RecordCount: 1},
		&env, govshare.ShareOptions{
			Options: govshare.Options{Request: policy.Request{
				Catalog: exampleCatalog(), Purpose: catalog.PurposeStatistics,
				Now: time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC),
			}, Keys: psb},
			To: stats.Public(),
		})
	if err != nil {
		panic(err)
	}
	f := res.Header.Fields[0]
	fmt.Println(res.Header.Recipient, res.Header.Purpose, res.Header.ContentType, f.Name, f.Transform)
	// Output: statistics-bureau statistics application/json 姓名 dp
}
