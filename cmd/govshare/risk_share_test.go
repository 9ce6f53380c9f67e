package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/govshare/govshare/audit"
)

// shareRiskCatalog declares district and sex quasi-identifiers; the birth date
// leaves as its year and counts too.
const shareRiskCatalog = `resource: survey
provider: public-security-bureau
tier: unconditional
max_prosecutor_risk: 0.2
fields:
  - {name: 区县, type: none, category: personal, level: general, sensitive: false, quasi_identifier: true}
  - {name: 性别, type: none, category: personal, level: general, sensitive: false, quasi_identifier: true}
  - {name: 出生日期, type: date_of_birth, category: personal, level: general, sensitive: false, transform: {administrative_basis: generalize}}
  - {name: 评分, type: none, category: public, level: general, sensitive: false}
`

// riskData has 6 records in each (district, sex, birth year) class, and
// the extra rows.
func riskData(extra ...string) string {
	var b strings.Builder
	b.WriteString("区县,性别,出生日期,评分\n")
	n := 0
	for _, d := range []string{"东城区", "西城区"} {
		for _, s := range []string{"男", "女"} {
			for y := 1970; y < 1973; y++ {
				for i := range 6 {
					n++
					fmt.Fprintf(&b, "%s,%s,%d-%02d-%02d,%d\n", d, s, y, 1+i, 1+n%28, n%10)
				}
			}
		}
	}
	for _, e := range extra {
		b.WriteString(e + "\n")
	}
	return b.String()
}

// TestShareRiskCLI: govshare share logs the figures `govshare risk` gives
// of what the recipient opens, and refuses, logs and leaves no envelope
// for a file over the catalog's max_prosecutor_risk.
func TestShareRiskCLI(t *testing.T) {
	dir, kdir := shareSetup(t)
	cat := filepath.Join(dir, "survey.yaml")
	if err := os.WriteFile(cat, []byte(shareRiskCatalog), 0o644); err != nil {
		t.Fatal(err)
	}
	logDir := filepath.Join(dir, "log")
	share := func(data, env string) (int, string) {
		in := filepath.Join(dir, filepath.Base(env)+".csv")
		if err := os.WriteFile(in, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
		code, _, errs := runCLI(t, "", "share", "--catalog", cat, "--purpose", "administrative_basis",
			"--from", kdir, "--dept", "public-security-bureau", "--to", filepath.Join(kdir, "tax-bureau.pub"),
			"--log", logDir, in, "-o", env)
		return code, errs
	}

	env := filepath.Join(dir, "ok.gse")
	if code, errs := share(riskData(), env); code != 0 || !strings.Contains(errs, "k_min 6") {
		t.Fatalf("share under the threshold: %d %s", code, errs)
	}
	opened := filepath.Join(dir, "ok-opened.csv")
	if code, _, errs := runCLI(t, "", "open", "--keys", kdir, "--dept", "tax-bureau", "--purpose", "administrative_basis",
		"--trust", filepath.Join(kdir, "public-security-bureau.pub"), env, "-o", opened); code != 0 {
		t.Fatalf("open: %s", errs)
	}
	// The catalog's marks, and the birth year the share counted.
	code, out, errs := runCLI(t, "", "risk", "--catalog", cat, "--qi", "出生日期", "--json", opened)
	var measured struct {
		QuasiIdentifiers []string `json:"quasi_identifiers"`
		K                int      `json:"k"`
		Records          int64    `json:"records"`
		Classes          int64    `json:"classes"`
		KMin             int64    `json:"k_min"`
		Uniques          int64    `json:"uniques"`
		BelowK           int64    `json:"records_in_classes_below_k"`
		ProsecutorMax    float64  `json:"prosecutor_max"`
		ProsecutorAvg    float64  `json:"prosecutor_avg"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &measured) != nil {
		t.Fatalf("risk: %d %s %s", code, out, errs)
	}

	bad := filepath.Join(dir, "bad.gse")
	code, errs = share(riskData("朝阳区,男,1980-02-02,1"), bad)
	if code == 0 || !strings.Contains(errs, "max_prosecutor_risk 0.2") || !strings.Contains(errs, "coarsen first") ||
		!strings.Contains(errs, "refused: re-identification risk over 区县, 性别, 出生日期") {
		t.Fatalf("share over the threshold: %d %s", code, errs)
	}
	if strings.Contains(errs, "朝阳区") {
		t.Error("the refusal quotes a value")
	}
	for _, f := range []string{bad, bad + ".receipt.json"} {
		if _, err := os.Stat(f); err == nil {
			t.Errorf("a refused share left %s", filepath.Base(f))
		}
	}

	var recs []audit.Record
	for e, err := range audit.Entries(logDir) {
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, e.Record)
	}
	if len(recs) != 2 {
		t.Fatalf("log holds %d records", len(recs))
	}
	sr, ok := recs[0].(audit.ShareRecord)
	if !ok || sr.Risk == nil {
		t.Fatalf("first record: %+v", recs[0])
	}
	f := sr.Risk
	if !slices.Equal(f.QuasiIdentifiers, measured.QuasiIdentifiers) || f.K != measured.K || f.Records != measured.Records ||
		f.Classes != measured.Classes || f.KMin != measured.KMin || f.Uniques != measured.Uniques ||
		f.RecordsInClassesBelowK != measured.BelowK || f.ProsecutorMax != measured.ProsecutorMax || f.ProsecutorAvg != measured.ProsecutorAvg {
		t.Errorf("logged %+v, govshare risk measures %+v", *f, measured)
	}
	rr, ok := recs[1].(audit.RefuseRecord)
	if !ok || rr.Code != audit.ReasonRiskExceeded || rr.Risk == nil || rr.Risk.KMin != 1 || len(rr.Risk.Coarsen) != 3 {
		t.Fatalf("second record: %+v", recs[1])
	}
	if code, out, errs := runCLI(t, "", "log", "verify", "--vkey", logDir+".vkey", logDir); code != 0 || !strings.Contains(out, "verifies: 2 records") {
		t.Fatalf("log verify: %d %s %s", code, out, errs)
	}
	if code, out, _ := runCLI(t, "", "log", "show", "--json", logDir); code != 0 || !strings.Contains(out, `"code":"risk_exceeded","risk":{"quasi_identifiers":["区县","性别","出生日期"]`) {
		t.Errorf("log show: %d %s", code, out)
	}
}
