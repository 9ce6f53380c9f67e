package govshare_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/govshare/govshare"
	"github.com/govshare/govshare/catalog"
	"github.com/govshare/govshare/classify"
	maskpkg "github.com/govshare/govshare/mask"
)

const idCatalog = `resource: r
provider: public-security-bureau
tier: unconditional
fields:
  - {name: 身份证号, type: cn_resident_id, category: personal, level: general, sensitive: false}
  - {name: 手机号码, type: cn_mobile, category: personal, level: general, sensitive: false}
  - {name: 住址, type: address, category: personal, level: general, sensitive: false}
  - {name: 备注, type: none, category: public, level: general, sensitive: false}
`

func maskPurpose(t *testing.T, cat *catalog.Catalog, purpose catalog.Purpose, in string, opt govshare.Options) (string, *govshare.Report, error) {
	t.Helper()
	opt.Now = now
	var out bytes.Buffer
	rep, err := govshare.Apply(context.Background(), &out, govshare.Input{Reader: strings.NewReader(in), Name: "c.csv"}, providerKeys(t), "civil-affairs-bureau", purpose, cat, &opt)
	return out.String(), rep, err
}

// TestVerificationTokenOneSpelling (issue 9 §4): one resident ID written
// three ways — plain, grouped with a lower-case x, full-width — and one
// mobile written three ways get one data_verification token each, which
// Unmask reverses to the canonical form.
func TestVerificationTokenOneSpelling(t *testing.T) {
	cat := edgeCatalog(t, idCatalog)
	in := "身份证号,手机号码,住址,备注\n" +
		"11010519491231002X,13812345678,北京市朝阳区建国路88号,a\n" +
		"110105 19491231 002x,+86 138-1234-5678,北京市朝阳区建国路88号,b\n" +
		"１１０１０５１９４９１２３１００２Ｘ,１３８１２３４５６７８,北京市朝阳区建国路88号,c\n"
	out, rep, err := maskPurpose(t, cat, catalog.PurposeDataVerification, in, govshare.Options{})
	if err != nil {
		t.Fatal(err)
	}
	rows := readCSV(t, []byte(out))
	for _, name := range []string{"身份证号", "手机号码"} {
		col := column(rows, name)
		if len(col) != 3 || col[0] == "" || col[0] != col[1] || col[1] != col[2] {
			t.Errorf("%s: three spellings of one value give different tokens", name)
		}
	}
	for _, c := range rep.Columns {
		if (c.Name == "身份证号" || c.Name == "手机号码") && c.Transform != catalog.TransformToken {
			t.Fatalf("%s: %s, want token", c.Name, c.Transform)
		}
	}
	var back bytes.Buffer
	_, err = govshare.Reverse(context.Background(), &back, govshare.Input{Reader: strings.NewReader(out), Name: "m.csv"}, providerKeys(t), "civil-affairs-bureau", catalog.PurposeDataVerification, cat, &govshare.Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	rev := readCSV(t, back.Bytes())
	if got := strings.Join(column(rev, "身份证号"), "|"); got != "11010519491231002X|11010519491231002X|11010519491231002X" {
		t.Errorf("unmask does not give the canonical ID")
	}
	if got := strings.Join(column(rev, "手机号码"), "|"); got != "13812345678|13812345678|13812345678" {
		t.Errorf("unmask does not give the canonical mobile")
	}
}

// TestMaskKeepsLayout: masking keeps the written layout of a grouped or
// full-width identifier and covers its characters.
func TestMaskKeepsLayout(t *testing.T) {
	cat := edgeCatalog(t, idCatalog)
	in := "身份证号,手机号码,住址,备注\n" +
		"110105 19491231 002x,+86 138-1234-5678,北京市朝阳区建国路88号,a\n" +
		"１１０１０５１９４９１２３１００２Ｘ,１３８１２３４５６７８,北京市朝阳区建国路88号,b\n"
	out, _, err := maskPurpose(t, cat, catalog.PurposeWorkReference, in, govshare.Options{})
	if err != nil {
		t.Fatal(err)
	}
	rows := readCSV(t, []byte(out))
	if got := column(rows, "身份证号"); got[0] != "1***** ******** **2x" || got[1] != "１***************２Ｘ" {
		t.Errorf("resident IDs lost their layout")
	}
	if got := column(rows, "手机号码"); got[0] != "+86 138-****-5678" || got[1] != "１３８****５６７８" {
		t.Errorf("mobiles lost their layout")
	}
}

// TestAddressNotCoarsenedCounted (issue 9 §4): an address that names no
// GB/T 2260 division is redacted rather than passed on, and the report
// counts it per field, without the value.
func TestAddressNotCoarsenedCounted(t *testing.T) {
	cat := edgeCatalog(t, idCatalog)
	secret := "艾滋病患者王小明家住这里市幸福区"
	in := "身份证号,手机号码,住址,备注\n" +
		"11010519491231002X,13812345678,北京市朝阳区建国路88号,a\n" +
		"11010519491231002X,13812345678," + secret + ",b\n" +
		"11010519491231002X,13812345678,吸毒人员张某某现居住东城区,c\n" +
		"11010519491231002X,13812345678,广东深圳南山区科技园,d\n"
	for _, workers := range []int{1, 3} {
		out, rep, err := maskPurpose(t, cat, catalog.PurposeWorkReference, in, govshare.Options{Workers: workers})
		if err != nil {
			t.Fatal(err)
		}
		got := column(readCSV(t, []byte(out)), "住址")
		want := []string{"北京市朝阳区", maskpkg.Redact(""), maskpkg.Redact(""), "广东省深圳市南山区"}
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("workers %d: addresses not generalized as expected", workers)
		}
		if rep.NotCoarsened["住址"] != 2 || len(rep.NotCoarsened) != 1 || rep.Rows != 4 {
			t.Errorf("workers %d: report counts %v, %d rows", workers, rep.NotCoarsened, rep.Rows)
		}
		js, _ := json.Marshal(rep)
		if strings.Contains(out, "幸福区") || strings.Contains(string(js), "幸福区") || !strings.Contains(string(js), `"redacted_not_coarsenable":{"住址":2}`) {
			t.Errorf("workers %d: the value leaked or the count is missing from the report", workers)
		}
	}
}

const fpeCatalog = `resource: r
provider: public-security-bureau
tier: unconditional
fields:
  - {name: 身份证号, type: cn_resident_id, category: personal, level: general, sensitive: false, transform: {administrative_basis: fpe}}
  - {name: 手机号码, type: cn_mobile, category: personal, level: general, sensitive: false, transform: {administrative_basis: fpe}}
  - {name: 备注, type: none, category: public, level: general, sensitive: false}
`

// TestFPEColumns (issue 9 §5): the pipeline's FPE takes every written form,
// encrypts the canonical value, admits people born on the day of the run
// (the bound is that day in China Standard Time, recorded in the report),
// and Unmask with the recorded bound restores the canonical values on any
// later day.
func TestFPEColumns(t *testing.T) {
	cat := edgeCatalog(t, fpeCatalog)
	bornToday := "44030520261127123"
	c, _ := classify.ResidentIDCheckDigit(bornToday)
	bornToday += string(c)
	in := "身份证号,手机号码,备注\n" +
		"11010519491231002X,13812345678,a\n" +
		"110105 19491231 002x,+86 138-1234-5678,b\n" +
		"１１０１０５１９４９１２３１００２Ｘ,１３８１２３４５６７８,c\n" +
		bornToday + ",13812345678,d\n"
	opt := govshare.Options{Now: now}
	var out bytes.Buffer
	rep, err := govshare.Apply(context.Background(), &out, govshare.Input{Reader: strings.NewReader(in), Name: "f.csv"}, providerKeys(t), "tax-bureau", catalog.PurposeAdministrativeBasis, cat, &opt)
	if err != nil {
		t.Fatal(err)
	}
	var bound string
	for _, col := range rep.Columns {
		if col.Name != "备注" && col.Transform != catalog.TransformFPE {
			t.Fatalf("%s: %s, want fpe", col.Name, col.Transform)
		}
		if col.Name == "身份证号" {
			bound = col.FPEMaxBirthDate
		}
	}
	if bound != "2026-11-27" {
		t.Fatalf("recorded bound %q, want the day of Request.Now in China Standard Time", bound)
	}
	rows := readCSV(t, out.Bytes())
	for _, name := range []string{"身份证号", "手机号码"} {
		col := column(rows, name)
		if col[0] != col[1] || col[1] != col[2] || !classify.Validate(catalog.Type(map[string]string{"身份证号": "cn_resident_id", "手机号码": "cn_mobile"}[name]), col[0]) {
			t.Errorf("%s: three spellings give different or invalid ciphertexts", name)
		}
	}
	// Unmask a week later: without the bound it refuses (under another
	// bound the IDs would decrypt to other valid-looking IDs).
	b, _ := time.Parse(time.DateOnly, bound)
	later := opt
	later.Now = now.AddDate(0, 0, 7)
	reverse := func(dst io.Writer) error {
		_, err := govshare.Reverse(context.Background(), dst, govshare.Input{Reader: bytes.NewReader(out.Bytes()), Name: "m.csv"},
			providerKeys(t), "tax-bureau", catalog.PurposeAdministrativeBasis, cat, &later)
		return err
	}
	if err := reverse(io.Discard); !errors.Is(err, govshare.ErrFPEBound) {
		t.Fatalf("unmask without the bound: %v, want ErrFPEBound", err)
	}
	later.FPEMaxBirthDate = b
	var back bytes.Buffer
	if err := reverse(&back); err != nil {
		t.Fatal(err)
	}
	rev := readCSV(t, back.Bytes())
	if got := strings.Join(column(rev, "身份证号"), "|"); got != "11010519491231002X|11010519491231002X|11010519491231002X|"+bornToday {
		t.Errorf("unmask with the recorded bound does not restore the IDs")
	}
	if got := strings.Join(column(rev, "手机号码"), "|"); got != "13812345678|13812345678|13812345678|13812345678" {
		t.Errorf("unmask does not restore the mobiles")
	}
}
