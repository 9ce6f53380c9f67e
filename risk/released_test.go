package risk

import (
	"reflect"
	"strings"
	"testing"

	"github.com/govshare/govshare/catalog"
)

const registerCatalog = `resource: population-register
provider: public-security-bureau
tier: unconditional
max_prosecutor_risk: 0.2
min_k: 5
fields:
  - {name: 身份证号, type: cn_resident_id, category: personal, level: important, sensitive: true}
  - {name: 手机号码, type: cn_mobile, category: personal, level: general, sensitive: false}
  - {name: 出生日期, type: date_of_birth, category: personal, level: general, sensitive: false}
  - {name: 姓名, type: person_name, category: personal, level: general, sensitive: false}
  - {name: 性别, type: none, category: personal, level: general, sensitive: false, quasi_identifier: true}
  - {name: 职业, type: none, category: personal, level: general, sensitive: false, quasi_identifier: true}
  - {name: 病种, type: none, category: personal, level: important, sensitive: true}
  - {name: 备注, type: none, category: personal, level: general, sensitive: false}
  - {name: 银行卡号, type: bank_card, category: personal, level: important, sensitive: true}
`

func parseCatalog(t *testing.T, src string) *catalog.Catalog {
	t.Helper()
	c, err := catalog.Parse([]byte(src), "c.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestReleased: the quasi-identifiers and sensitive columns of released
// records follow the transforms: the kept part of an FPE identifier, the
// whole released value of a kept, generalized or masked identifier or
// marked field, nothing of a withheld, tokenized or pseudonymized one.
func TestReleased(t *testing.T) {
	cat := parseCatalog(t, registerCatalog)
	header := []string{"身份证号", "手机号码", "出生日期", "姓名", "性别", "职业", "病种", "备注", "银行卡号"}
	tr := map[string]catalog.Transform{
		"身份证号": catalog.TransformFPE,
		"手机号码": catalog.TransformToken,
		"出生日期": catalog.TransformGeneralize,
		"姓名":   catalog.TransformMask,
		"性别":   catalog.TransformKeep,
		"职业":   catalog.TransformPseudonym,
		"病种":   catalog.TransformKeep,
		"备注":   catalog.TransformRedact,
		"银行卡号": catalog.TransformFPE,
	}
	qis, sens, err := Released(cat, header, tr, []string{"备注", "性别"})
	if err != nil {
		t.Fatal(err)
	}
	want := []QI{
		{Name: "身份证号", Column: 0, Prefix: 6, Part: "region"},
		{Name: "出生日期", Column: 2},
		{Name: "姓名", Column: 3},
		{Name: "性别", Column: 4},
		{Name: "银行卡号", Column: 8, Prefix: 6, Part: "issuer"},
		{Name: "备注", Column: 7},
	}
	if !reflect.DeepEqual(qis, want) {
		t.Errorf("qis\n got %+v\nwant %+v", qis, want)
	}
	if !reflect.DeepEqual(sens, []Sensitive{{Name: "病种", Column: 6}}) {
		t.Errorf("sensitive %+v", sens)
	}
	// A sensitive column named on the command line is a quasi-identifier,
	// not also a sensitive one.
	_, sens, err = Released(cat, header, tr, []string{"病种"})
	if err != nil || len(sens) != 0 {
		t.Errorf("sensitive named as qi: %+v, %v", sens, err)
	}
	// a withheld column is not in the released header: its fields drop out
	qis, _, err = Released(cat, []string{"性别", "手机号码"}, map[string]catalog.Transform{"性别": catalog.TransformWithhold, "手机号码": catalog.TransformFPE}, nil)
	if err != nil || !reflect.DeepEqual(qis, []QI{{Name: "手机号码", Column: 1, Prefix: 3, Part: "network prefix"}}) {
		t.Errorf("withheld/fpe mobile: %+v, %v", qis, err)
	}
}

// TestReleasedErrors: an uncatalogued column, a column without a
// transform, an unknown transform and an unknown extra name are errors
// naming the column.
func TestReleasedErrors(t *testing.T) {
	cat := parseCatalog(t, registerCatalog)
	keep := map[string]catalog.Transform{"性别": catalog.TransformKeep}
	cases := map[string]struct {
		header []string
		tr     map[string]catalog.Transform
		extra  []string
		col    string
	}{
		"uncatalogued": {[]string{"性别", "邮编"}, keep, nil, "邮编"},
		"no transform": {[]string{"性别", "职业"}, keep, nil, "职业"},
		"unknown":      {[]string{"性别"}, map[string]catalog.Transform{"性别": "shred"}, nil, "性别"},
		"extra":        {[]string{"性别"}, keep, []string{"年龄"}, "年龄"},
	}
	for name, c := range cases {
		_, _, err := Released(cat, c.header, c.tr, c.extra)
		if err == nil || !strings.Contains(err.Error(), c.col) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, _, err := Released(nil, nil, nil, nil); err == nil {
		t.Error("nil catalog: no error")
	}
}

// TestMarked: the catalog's marked fields in header order, absent ones
// left out.
func TestMarked(t *testing.T) {
	cat := parseCatalog(t, registerCatalog)
	got := Marked(cat, []string{"职业", "身份证号", "未知", "性别"})
	if !reflect.DeepEqual(got, []QI{{Name: "职业", Column: 0}, {Name: "性别", Column: 3}}) {
		t.Errorf("Marked = %+v", got)
	}
}
