package policy_test

import (
	"fmt"
	"time"

	"github.com/govshare/govshare/catalog"
	"github.com/govshare/govshare/policy"
)

const grantsYAML = `grants:
  - id: g-2026-0042
    resource: population-register
    recipient: tax-bureau
    purpose: administrative_basis
    fields: [姓名, 身份证号, 银行卡号]
    not_after: 2027-06-30
    basis: "个人所得税法 第十五条"
`

const catalogYAML = `resource: population-register
provider: public-security-bureau
tier: unconditional
fields:
  - {name: 姓名, type: person_name, category: personal, level: general, sensitive: false}
  - {name: 身份证号, type: cn_resident_id, category: personal, level: important, sensitive: true}
  - {name: 银行卡号, type: bank_card, category: personal, level: important, sensitive: true, tier: conditional}
  - {name: 民族, type: none, category: personal, level: important, sensitive: true, tier: not_shared, legal_basis: "PIPL art. 28"}
  - {name: 登记日期, type: none, category: public, level: general, sensitive: false}
`

func fixtures() (*catalog.Catalog, []policy.Grant) {
	cat, err := catalog.Parse([]byte(catalogYAML), "catalog.yaml")
	if err != nil {
		panic(err)
	}
	grants, err := policy.ParseGrants([]byte(grantsYAML), "grants.yaml")
	if err != nil {
		panic(err)
	}
	return cat, grants
}

func ExampleParseGrants() {
	grants, err := policy.ParseGrants([]byte(grantsYAML), "grants.yaml")
	if err != nil {
		panic(err)
	}
	g := grants[0]
	fmt.Println(g.ID, g.Recipient, g.Purpose, g.Fields)
	fmt.Println("valid on 2027-06-30 23:59 Beijing:", g.ValidAt(time.Date(2027, 6, 30, 23, 59, 0, 0, time.FixedZone("CST", 8*3600))))
	fmt.Println("valid on 2027-07-01 00:00 Beijing:", g.ValidAt(time.Date(2027, 6, 30, 16, 0, 0, 0, time.UTC)))

	_, err = policy.ParseGrants([]byte("grants:\n  - id: g1\n    scope: all\n"), "bad.yaml")
	fmt.Println(err)
	// Output:
	// g-2026-0042 tax-bureau administrative_basis [姓名 身份证号 银行卡号]
	// valid on 2027-06-30 23:59 Beijing: true
	// valid on 2027-07-01 00:00 Beijing: false
	// govshare/policy: grants bad.yaml:3: grant 1: unknown key "scope" (known: id, resource, recipient, purpose, fields, not_after, basis)
	// govshare/policy: grants bad.yaml:2: grant 1: missing resource
	// govshare/policy: grants bad.yaml:2: grant 1: missing recipient
	// govshare/policy: grants bad.yaml:2: grant 1: missing purpose
	// govshare/policy: grants bad.yaml:2: grant 1: missing not_after
}

func ExampleLoadGrants() {
	grants, err := policy.LoadGrants("testdata/grants.yaml")
	if err != nil {
		panic(err)
	}
	for _, g := range grants {
		fmt.Println(g.ID, g.Purpose, g.NotAfter.Format(time.DateOnly), len(g.Fields))
	}
	// Output:
	// g-2026-0042 administrative_basis 2027-06-30 3
	// g-2026-0043 data_verification 2026-12-31 1
	// g-2026-0044 statistics 2026-01-01 0
}

func ExampleDecide() {
	cat, grants := fixtures()
	now := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	for _, recipient := range []string{"tax-bureau", "statistics-bureau"} {
		req := policy.Request{Catalog: cat, Purpose: catalog.PurposeAdministrativeBasis,
			Recipient: recipient, Grants: grants, Now: now}
		d, err := policy.Decide(req, "银行卡号")
		if err != nil {
			panic(err)
		}
		fmt.Printf("%s: %s\n  %s\n", recipient, d.Transform, d.Reason)
	}
	// A field the catalog does not list is an error, never a pass-through.
	_, err := policy.Decide(policy.Request{Catalog: cat, Purpose: catalog.PurposeWorkReference, Recipient: "tax-bureau", Now: now}, "备注")
	fmt.Println(err)
	// Output:
	// tax-bureau: keep
	//   kept: personal data leaves in clear for administrative_basis, inside the purpose-bound envelope; relies on grant g-2026-0042.
	// statistics-bureau: withhold
	//   withheld: conditional-tier data leaves only under an unexpired grant for this resource, recipient and purpose that names the field, and recipient statistics-bureau has no grant for resource population-register.
	// govshare/policy: unknown field "备注": not in the catalog of population-register, and a field the catalog does not list is never passed through
}

func ExampleDecideAll() {
	cat, grants := fixtures()
	req := policy.Request{Catalog: cat, Purpose: catalog.PurposeWorkReference, Recipient: "tax-bureau",
		Grants: grants, Now: time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)}
	ds, err := policy.DecideAll(req, []string{"姓名", "身份证号", "银行卡号", "民族", "登记日期"})
	if err != nil {
		panic(err)
	}
	for _, d := range ds {
		fmt.Println(d.Field, d.Transform)
	}
	// Output:
	// 姓名 mask
	// 身份证号 mask
	// 银行卡号 withhold
	// 民族 withhold
	// 登记日期 keep
}

func ExampleExplain() {
	cat, grants := fixtures()
	req := policy.Request{Catalog: cat, Purpose: catalog.PurposeDataVerification, Recipient: "tax-bureau",
		Grants: grants, Now: time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)}
	ds, err := policy.DecideAll(req, []string{"姓名", "银行卡号", "登记日期"})
	if err != nil {
		panic(err)
	}
	fmt.Print(policy.Explain(ds))
	// Output:
	// FIELD     TRANSFORM  GRANT  REASON
	// 姓名      token      -      tokenized: personal data leaves for data_verification only as match-only tokens keyed per recipient.
	// 银行卡号  withhold   -      withheld: conditional-tier data leaves only under an unexpired grant for this resource, recipient and purpose that names the field, and grant g-2026-0042 is for another purpose (administrative_basis), not data_verification.
	// 登记日期  keep       -      kept: public data is kept for every purpose.
}
