package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/govshare/govshare/catalog"
	"github.com/govshare/govshare/classify"
	"github.com/govshare/govshare/internal/synth"
)

// runCLI runs the CLI in-process.
func runCLI(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(&env{stdin: strings.NewReader(stdin), stdout: &out, stderr: &errb}, args)
	return code, out.String(), errb.String()
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

type scanJSON struct {
	Columns []classify.ColumnProfile `json:"columns"`
}

func TestScanSample(t *testing.T) {
	for _, tc := range []struct {
		file string
		cols []synth.Column
		args []string
	}{
		{"population.csv", synth.PopulationColumns(), nil},
		{"population-gb18030.csv", synth.PopulationColumns(), []string{"--encoding", "gb18030"}},
		{"company.jsonl", synth.CompanyColumns(), nil},
	} {
		args := append([]string{"scan", "--json"}, tc.args...)
		code, out, errs := runCLI(t, "", append(args, filepath.Join(sampleDir, tc.file))...)
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", tc.file, code, errs)
		}
		var res scanJSON
		if err := json.Unmarshal([]byte(out), &res); err != nil {
			t.Fatalf("%s: %v", tc.file, err)
		}
		if len(res.Columns) != len(tc.cols) {
			t.Fatalf("%s: %d columns", tc.file, len(res.Columns))
		}
		for i, c := range res.Columns {
			if c.Name != tc.cols[i].Name || string(c.Type) != tc.cols[i].Type || len(c.Reasons) == 0 {
				t.Errorf("%s: column %q typed %s, want %s", tc.file, c.Name, c.Type, tc.cols[i].Type)
			}
		}
	}
	// The human table names every column.
	code, out, _ := runCLI(t, "", "scan", filepath.Join(sampleDir, "population.csv"))
	if code != 0 || !strings.Contains(out, "身份证号") || !strings.Contains(out, "cn_resident_id") {
		t.Errorf("table output: %d %s", code, out)
	}
}

func TestScanCatalogOut(t *testing.T) {
	out := filepath.Join(t.TempDir(), "draft.yaml")
	code, _, errs := runCLI(t, "", "scan", "--catalog-out", out, "--sample", "50", filepath.Join(sampleDir, "population.csv"))
	if code != 0 {
		t.Fatal(errs)
	}
	data, err := os.ReadFile(out)
	if err != nil || !strings.HasPrefix(string(data), "# DRAFT") {
		t.Fatalf("draft: %v", err)
	}
	_, err = catalog.Load(out)
	if err == nil || !strings.Contains(err.Error(), "provider is required") {
		t.Errorf("an unreviewed draft loaded: %v", err)
	}
}

func TestScanBadInput(t *testing.T) {
	gbk, _ := os.ReadFile(filepath.Join(sampleDir, "population-gb18030.csv"))
	cases := []struct {
		name, content, want string
		code                int
	}{
		{"empty.csv", "", "empty file", 1},
		{"ragged.csv", "a,b\n1,2\n3\n", "ragged.csv:3:", 1},
		{"gbk.csv", string(gbk), "use --encoding gb18030", 1},
		{"dup.csv", "a,a\n1,2\n", "duplicate column name", 1},
		{"bad.jsonl", "{\"a\":1}\nnot json\n", "bad.jsonl:2: not a JSON object", 1},
		{"nul.csv", "a,b\n\x00,\x00\n", "", 0},
	}
	for _, c := range cases {
		p := writeFile(t, c.name, c.content)
		code, _, errs := runCLI(t, "", "scan", p)
		if code != c.code || !strings.Contains(errs, c.want) {
			t.Errorf("%s: exit %d, stderr %q; want exit %d and %q", c.name, code, errs, c.code, c.want)
		}
		if strings.Count(strings.TrimSpace(errs), "\n") > 0 {
			t.Errorf("%s: error is more than one line: %q", c.name, errs)
		}
	}
	// A header-only file is an answer, not an error.
	code, out, errs := runCLI(t, "", "scan", "--json", writeFile(t, "h.csv", "身份证号,备注\n"))
	if code != 0 || !strings.Contains(out, `"type":"cn_resident_id"`) {
		t.Errorf("header-only: %d %s %s", code, out, errs)
	}
	// The ragged row's values never reach the message.
	_, _, errs = runCLI(t, "", "scan", writeFile(t, "r.csv", "a,b\n13812345678,2,3\n"))
	if strings.Contains(errs, "13812345678") {
		t.Errorf("error leaks a value: %s", errs)
	}
	if code, _, _ := runCLI(t, "", "scan"); code != 2 {
		t.Errorf("missing file: exit %d", code)
	}
	if code, _, _ := runCLI(t, "", "scan", "--sample", "0", "x.csv"); code != 2 {
		t.Errorf("bad --sample: exit %d", code)
	}
	if code, _, errs := runCLI(t, "", "scan", "/nonexistent/x.csv"); code != 1 || !strings.Contains(errs, "/nonexistent/x.csv") {
		t.Errorf("missing file: %d %s", code, errs)
	}
}

type detectJSON struct {
	Findings []struct {
		Type  string `json:"type"`
		Start int    `json:"start"`
		End   int    `json:"end"`
		Value string `json:"value"`
	} `json:"findings"`
}

func TestDetect(t *testing.T) {
	in := "第一行：手机13812345678\n身份证号：11010519491231002X，邮箱a.b@example.com\n"
	code, out, errs := runCLI(t, in, "detect", "--json")
	if code != 0 {
		t.Fatal(errs)
	}
	var res detectJSON
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	if len(res.Findings) != 3 {
		t.Fatalf("findings: %+v", res.Findings)
	}
	for _, f := range res.Findings {
		if in[f.Start:f.End] != f.Value {
			t.Errorf("offsets of %s do not point at its value", f.Type)
		}
	}
	// A file argument, human output.
	code, out, _ = runCLI(t, "", "detect", writeFile(t, "n.txt", in))
	if code != 0 || strings.Count(out, "\n") != 3 || !strings.HasPrefix(out, "cn_mobile\t") {
		t.Errorf("human output: %q", out)
	}
	// Empty input: an empty list.
	code, out, _ = runCLI(t, "", "detect", "--json", "-")
	if code != 0 || strings.TrimSpace(out) != `{"findings":[]}` {
		t.Errorf("empty input: %q", out)
	}
}

// TestDetectLargeInput crosses batch boundaries: offsets stay absolute and
// order is kept, with lines longer than a batch and no newline at the end.
func TestDetectLargeInput(t *testing.T) {
	g := synth.New(11)
	var b strings.Builder
	var want []string
	for b.Len() < 3*batchSize {
		v := g.Mobile()
		want = append(want, v)
		b.WriteString("记录" + v + "。\n")
	}
	long := strings.Repeat("x", 17<<20) // one line longer than maxBatch
	b.WriteString(long)
	v := g.ResidentID()
	want = append(want, v)
	b.WriteString(" " + v)
	in := b.String()
	code, out, errs := runCLI(t, in, "detect", "--json")
	if code != 0 {
		t.Fatal(errs)
	}
	var res detectJSON
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	if len(res.Findings) != len(want) {
		t.Fatalf("%d findings, want %d", len(res.Findings), len(want))
	}
	for i, f := range res.Findings {
		if f.Value != want[i] || in[f.Start:f.End] != f.Value {
			t.Fatalf("finding %d out of order or misplaced", i)
		}
	}
}

func TestDetectBadBytes(t *testing.T) {
	in := "\xff\xfe\x00手机13812345678\x00\xff\n"
	code, out, _ := runCLI(t, in, "detect", "--json")
	var res detectJSON
	if code != 0 || json.Unmarshal([]byte(out), &res) != nil || len(res.Findings) != 1 {
		t.Errorf("invalid UTF-8 and NUL: %d %q", code, out)
	}
	if code, _, _ := runCLI(t, "", "detect", "--encoding", "latin1"); code != 2 {
		t.Errorf("unknown encoding: exit %d", code)
	}
}

func TestUsage(t *testing.T) {
	if code, _, errs := runCLI(t, "", "frobnicate"); code != 2 || !strings.Contains(errs, "unknown command") {
		t.Errorf("unknown command: %d %s", code, errs)
	}
	if code, _, errs := runCLI(t, ""); code != 2 || !strings.Contains(errs, "govshare scan") {
		t.Errorf("no command: %d %s", code, errs)
	}
	if code, _, _ := runCLI(t, "", "help"); code != 0 {
		t.Errorf("help: %d", code)
	}
	if code, _, _ := runCLI(t, "", "scan", "--bogus", "x"); code != 2 {
		t.Errorf("bad flag: %d", code)
	}
}

func TestKeysNew(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "k")
	code, out, errs := runCLI(t, "", "keys", "new", "--dept", "tax-bureau", "--dir", dir)
	if code != 0 || !strings.Contains(out, "tax-bureau.pub") {
		t.Fatalf("keys new: %d %s %s", code, out, errs)
	}
	for name, mode := range map[string]os.FileMode{"tax-bureau.keys": 0o600, "tax-bureau.pub": 0o644, "master.key": 0o600} {
		st, err := os.Stat(filepath.Join(dir, name))
		if err != nil || st.Mode().Perm() != mode {
			t.Errorf("%s: %v, want mode %v", name, err, mode)
		}
	}
	// A second department joins the same directory; the first is never overwritten.
	if code, _, errs := runCLI(t, "", "keys", "new", "--dept", "civil-affairs-bureau", "--dir", dir); code != 0 {
		t.Fatal(errs)
	}
	if code, _, errs := runCLI(t, "", "keys", "new", "--dept", "tax-bureau", "--dir", dir); code != 1 || !strings.Contains(errs, "refusing to overwrite") {
		t.Errorf("overwrite: %d %s", code, errs)
	}
	if kr, err := loadKeyring(dir, "tax-bureau", ""); err != nil || kr.Dept() != "tax-bureau" {
		t.Errorf("load: %v", err)
	}
	if code, _, _ := runCLI(t, "", "keys", "new", "--dir", dir); code != 2 {
		t.Errorf("missing --dept: exit %d", code)
	}
	if code, _, _ := runCLI(t, "", "keys", "new", "--dept", "../evil", "--dir", dir); code == 0 {
		t.Error("a department id with a path accepted")
	}
}

// TestMaskUnmask runs the verification share end to end through the CLI:
// tokens out, withheld fields gone, unmask restores the tokenized columns.
func TestMaskUnmask(t *testing.T) {
	dir := t.TempDir()
	kdir := filepath.Join(dir, "keys")
	if code, _, errs := runCLI(t, "", "keys", "new", "--dept", "public-security-bureau", "--dir", kdir); code != 0 {
		t.Fatal(errs)
	}
	cat := "../../testdata/catalog/population.yaml"
	grants := "../../testdata/catalog/grants.yaml"
	in := filepath.Join(sampleDir, "population.csv")
	masked := filepath.Join(dir, "m.csv")
	code, _, errs := runCLI(t, "", "mask", "--catalog", cat, "--grants", grants, "--purpose", "data_verification",
		"--recipient", "civil-affairs-bureau", "--keys", kdir, in, "-o", masked)
	if code != 0 || !strings.Contains(errs, "200 rows written") || !strings.Contains(errs, "民族") {
		t.Fatalf("mask: %d %s", code, errs)
	}
	mb, _ := os.ReadFile(masked)
	orig, _ := os.ReadFile(in)
	if strings.Contains(string(mb), "民族") || bytes.Contains(mb, []byte(strings.Split(strings.Split(string(orig), "\n")[1], ",")[1])) {
		t.Error("withheld column or a raw resident ID in the masked output")
	}
	back := filepath.Join(dir, "u.csv")
	if code, _, errs := runCLI(t, "", "unmask", "--catalog", cat, "--keys", kdir, "--recipient", "civil-affairs-bureau", masked, "-o", back); code != 0 {
		t.Fatalf("unmask: %s", errs)
	}
	ub, _ := os.ReadFile(back)
	if !bytes.Contains(orig, []byte(strings.Split(string(ub), "\n")[1][:40])) {
		t.Error("unmask did not restore the first row")
	}
	// Fail closed: unknown purpose, missing catalog field, no keys for tokens.
	if code, _, _ := runCLI(t, "", "mask", "--catalog", cat, "--purpose", "curiosity", "--recipient", "x", "--keys", kdir, in); code == 0 {
		t.Error("unknown purpose accepted")
	}
	if code, _, errs := runCLI(t, "", "mask", "--catalog", cat, "--purpose", "data_verification", "--recipient", "x", in); code == 0 || !strings.Contains(errs, "keys") {
		t.Errorf("tokens without keys: %d %s", code, errs)
	}
	if code, _, _ := runCLI(t, "", "mask", "--catalog", cat, "--recipient", "x", in); code != 2 {
		t.Error("missing --purpose accepted")
	}
}

func TestStats(t *testing.T) {
	cat := "../../testdata/catalog/population.yaml"
	in := filepath.Join(sampleDir, "population.csv")
	ledger := filepath.Join(t.TempDir(), "ledger.jsonl")
	args := []string{"stats", "--catalog", cat, "--purpose", "statistics", "--epsilon", "0.6", "--person", "身份证号",
		"--group-by", "性别", "--count", "--ledger", ledger, "--recipient", "statistics-bureau", "--budget", "1,1e-4", in}
	code, out, errs := runCLI(t, "", args...)
	var rep struct {
		Epsilon float64 `json:"epsilon"`
		Results []struct {
			Group     string  `json:"group"`
			Mechanism string  `json:"mechanism"`
			Value     float64 `json:"value"`
		} `json:"results"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &rep) != nil || rep.Epsilon != 0.6 {
		t.Fatalf("stats: %d %s %s", code, out, errs)
	}
	for _, r := range rep.Results {
		if r.Mechanism == "" || (r.Group != "男" && r.Group != "女") {
			t.Errorf("result %+v", r)
		}
	}
	if strings.Contains(out, "1101") {
		t.Error("a person key reached the output")
	}
	// A second release of ε 0.6 would exceed the budget of 1: refused.
	if code, _, errs := runCLI(t, "", args...); code == 0 || !strings.Contains(errs, "budget") {
		t.Errorf("budget not enforced: %d %s", code, errs)
	}
	// Only the statistics purpose, and never a withheld field as a value.
	if code, _, _ := runCLI(t, "", "stats", "--catalog", cat, "--purpose", "work_reference", "--epsilon", "1", "--person", "身份证号", "--count", in); code != 2 {
		t.Error("stats for another purpose accepted")
	}
}
