package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// statsFixture writes an enterprise register (the person unit is the
// company, 营业收入 a trade secret, 职工人数 a public count) with its
// catalog and a grant of 营业收入 for statistics to the civil affairs
// bureau, and returns their paths.
func statsFixture(t *testing.T, blanks int) (cat, grants, in string) {
	t.Helper()
	dir := t.TempDir()
	cat = filepath.Join(dir, "enterprise.yaml")
	os.WriteFile(cat, []byte(`resource: enterprise-register
provider: public-security-bureau
tier: unconditional
fields:
  - {name: 统一社会信用代码, type: cn_uscc, category: public, level: general, sensitive: false}
  - {name: 行业, type: none, category: public, level: general, sensitive: false}
  - {name: 营业收入, type: none, category: trade_secret, level: general, sensitive: false}
  - {name: 职工人数, type: none, category: public, level: general, sensitive: false}
  - {name: 备注, type: none, category: public, level: general, sensitive: false}
`), 0o600)
	grants = filepath.Join(dir, "grants.yaml")
	os.WriteFile(grants, []byte(fmt.Sprintf(`grants:
  - id: g-stat-7
    resource: enterprise-register
    recipient: civil-affairs-bureau
    purpose: statistics
    fields: [营业收入]
    not_after: %s
    basis: "统计法 第七条"
`, time.Now().AddDate(1, 0, 0).Format(time.DateOnly))), 0o600)
	var b strings.Builder
	b.WriteString("统一社会信用代码,行业,营业收入,职工人数,备注\n")
	for i := 0; i < 400; i++ {
		id := fmt.Sprintf("91110105MA%08d", i)
		if i%50 == 7 && blanks > 0 {
			id, blanks = "", blanks-1
		}
		fmt.Fprintf(&b, "%s,%s,%d,%d,%s\n", id, []string{"制造业", "批发零售", "信息技术"}[i%3], 1000*(i%97), 10+i%40,
			fmt.Sprintf("企业%d反映其所在园区%d号楼的供暖设施长期不能正常运行请求有关部门尽快处理", i, i%9))
	}
	in = filepath.Join(dir, "enterprises.csv")
	os.WriteFile(in, []byte(b.String()), 0o600)
	return cat, grants, in
}

// spent returns the number of spends in a ledger file (0 when absent).
func spent(t *testing.T, ledger string) int {
	t.Helper()
	b, err := os.ReadFile(ledger)
	if os.IsNotExist(err) {
		return 0
	}
	if err != nil {
		t.Fatal(err)
	}
	return max(0, strings.Count(string(b), "\n")-1) // the first line is the header
}

// TestStatsRefusedBeforeCharge: each refusal of issue 11 §1 through the
// CLI exits non-zero, quickly, without charging the ledger or writing an
// envelope, and without printing a value of the input.
func TestStatsRefusedBeforeCharge(t *testing.T) {
	dir, kdir := shareSetup(t)
	pop := "../../testdata/catalog/population.yaml"
	popIn := filepath.Join(sampleDir, "population.csv")
	ent, _, entIn := statsFixture(t, 0)
	seal := []string{"--from", kdir, "--to", filepath.Join(kdir, "civil-affairs-bureau.pub")}
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"group by resident ID", []string{"--catalog", pop, "--person", "姓名", "--group-by", "身份证号", "--count", "--delta", "1e-6", popIn}, "grouped by"},
		{"group by mobile", []string{"--catalog", pop, "--person", "身份证号", "--group-by", "手机号码", "--count", popIn}, "grouped by"},
		{"group by address", []string{"--catalog", pop, "--person", "身份证号", "--group-by", "户籍地址", "--count", popIn}, "grouped by"},
		{"group by ethnicity", []string{"--catalog", pop, "--person", "身份证号", "--group-by", "民族", "--count", popIn}, "sensitive"},
		{"group by free text", []string{"--catalog", ent, "--person", "统一社会信用代码", "--group-by", "备注", "--count", entIn}, "free text"},
		{"delta 0.5", []string{"--catalog", pop, "--person", "身份证号", "--group-by", "性别", "--count", "--delta", "0.5", popIn}, "delta"},
		{"epsilon above the cap", []string{"--catalog", pop, "--person", "身份证号", "--count", "--epsilon", "11", popIn}, "epsilon"},
		{"person is group", []string{"--catalog", pop, "--person", "身份证号", "--group-by", "身份证号", "--count", popIn}, "different columns"},
		{"bounds 0,1e308", []string{"--catalog", ent, "--person", "统一社会信用代码", "--sum", "职工人数", "--bounds", "0,1e308", "--epsilon", "0.5", entIn}, "noise scale"},
		{"bounds ±1e308", []string{"--catalog", ent, "--person", "统一社会信用代码", "--sum", "职工人数", "--bounds", "-1e308,1e308", "--epsilon", "0.5", entIn}, "bounds"},
		{"trade secret without grant", []string{"--catalog", ent, "--person", "统一社会信用代码", "--sum", "营业收入", "--bounds", "0,1e5", entIn}, "withholds"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ledger := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "-")+".jsonl")
			env := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "-")+".gse")
			args := append([]string{"stats", "--purpose", "statistics", "--epsilon", "1", "--ledger", ledger}, seal...)
			args = append(append(args, "-o", env), c.args...)
			type result struct {
				code      int
				out, errs string
			}
			done := make(chan result, 1)
			go func() {
				code, out, errs := runCLI(t, "", args...)
				done <- result{code, out, errs}
			}()
			var r result
			select {
			case r = <-done:
			case <-time.After(20 * time.Second):
				t.Fatal("stats did not return within 20 s")
			}
			for _, in := range []string{popIn, entIn} {
				b, _ := os.ReadFile(in)
				for _, line := range strings.Split(string(b), "\n")[1:20] {
					for _, v := range strings.Split(line, ",") {
						if len(v) > 4 && strings.Contains(r.out+r.errs, v) {
							t.Fatal("a value of the input reached the output")
						}
					}
				}
			}
			if r.code == 0 || !strings.Contains(r.errs, c.want) {
				t.Fatalf("exit %d, stderr %q; want a refusal mentioning %q", r.code, r.errs, c.want)
			}
			if n := spent(t, ledger); n != 0 {
				t.Fatalf("a refused release charged the ledger %d times", n)
			}
			if _, err := os.Stat(env); err == nil {
				t.Fatal("a refused release left an envelope")
			}
		})
	}
}

// TestStatsBudgetFlags: a release needs --ledger or an explicit
// --unbudgeted, never both; an unbudgeted release says so.
func TestStatsBudgetFlags(t *testing.T) {
	cat := "../../testdata/catalog/population.yaml"
	in := filepath.Join(sampleDir, "population.csv")
	base := []string{"stats", "--catalog", cat, "--purpose", "statistics", "--epsilon", "1", "--person", "身份证号", "--count"}
	if code, _, errs := runCLI(t, "", append(base, in)...); code != 2 || !strings.Contains(errs, "--unbudgeted") {
		t.Errorf("no budget: %d %q", code, errs)
	}
	ledger := filepath.Join(t.TempDir(), "l.jsonl")
	if code, _, errs := runCLI(t, "", append(base, "--ledger", ledger, "--recipient", "x", "--unbudgeted", in)...); code != 2 {
		t.Errorf("--ledger and --unbudgeted: %d %q", code, errs)
	}
	code, out, errs := runCLI(t, "", append(base, "--unbudgeted", in)...)
	var rep struct {
		Unbudgeted bool `json:"unbudgeted"`
		Recipient  string
	}
	if code != 0 || json.Unmarshal([]byte(out), &rep) != nil || !rep.Unbudgeted || !strings.Contains(errs, "no privacy budget") {
		t.Errorf("--unbudgeted: %d %s %q", code, out, errs)
	}
}

// TestStatsBlankPersonKeys: a register with a few blank person keys is
// released; the provider is told how many rows were left out and why, and
// the report says nothing of them.
func TestStatsBlankPersonKeys(t *testing.T) {
	cat, _, in := statsFixture(t, 6)
	code, out, errs := runCLI(t, "", "stats", "--catalog", cat, "--purpose", "statistics", "--epsilon", "1",
		"--person", "统一社会信用代码", "--group-by", "行业", "--delta", "1e-6", "--count", "--unbudgeted", in)
	if code != 0 {
		t.Fatalf("a register with blank person keys: %d %q", code, errs)
	}
	if !strings.Contains(errs, "6 rows left out") || !strings.Contains(errs, "person key is blank") {
		t.Errorf("stderr %q does not tell the provider", errs)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		t.Fatal(err)
	}
	for k := range m {
		if strings.Contains(k, "blank") || strings.Contains(k, "exclu") {
			t.Errorf("the report carries %q", k)
		}
	}
}

// TestStatsSealedRecipientAndGrants: the sealed release is decided for the
// --to bundle's department (not "public") with the --grants given, and
// charged to that department's account: a trade secret granted to the civil
// affairs bureau for statistics goes to it and to no one else.
func TestStatsSealedRecipientAndGrants(t *testing.T) {
	dir, kdir := shareSetup(t)
	cat, grants, in := statsFixture(t, 0)
	ledger := filepath.Join(dir, "ledger.jsonl")
	run := func(to, out string) (int, string) {
		code, _, errs := runCLI(t, "", "stats", "--catalog", cat, "--grants", grants, "--purpose", "statistics",
			"--epsilon", "1", "--person", "统一社会信用代码", "--sum", "营业收入", "--bounds", "0,1e5",
			"--ledger", ledger, "--budget", "2,1e-5", "--from", kdir, "--to", filepath.Join(kdir, to+".pub"),
			"-o", filepath.Join(dir, out), in)
		return code, errs
	}
	if code, errs := run("civil-affairs-bureau", "civ.gse"); code != 0 || !strings.Contains(errs, "sealed a sum release") {
		t.Fatalf("granted release: %d %q", code, errs)
	}
	b, _ := os.ReadFile(ledger)
	if !strings.Contains(string(b), `"recipient":"civil-affairs-bureau"`) {
		t.Errorf("ledger: %s", b)
	}
	if code, out, errs := runCLI(t, "", "inspect", "--json", filepath.Join(dir, "civ.gse")); code != 0 || !strings.Contains(out, "g-stat-7") {
		t.Errorf("the envelope does not rely on the grant: %d %s %q", code, out, errs)
	}
	if code, errs := run("tax-bureau", "tax.gse"); code == 0 || !strings.Contains(errs, "withholds") {
		t.Errorf("another recipient got the granted field: %d %q", code, errs)
	}
}
