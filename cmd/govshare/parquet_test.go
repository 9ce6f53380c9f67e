package main

import (
	"bytes"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/govshare/govshare/parquetio"
	"github.com/parquet-go/parquet-go"
)

// samplePopulationParquet writes the sample register as Parquet: the two
// date columns as DATE, the rest as strings, and every 7th mobile number
// NULL.
func samplePopulationParquet(t *testing.T, dir string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(sampleDir, "population.csv"))
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	mobile := -1
	for i, h := range recs[0] {
		if h == "手机号码" {
			mobile = i
		}
	}
	for i := 1; i < len(recs); i += 7 {
		recs[i][mobile] = "" // NULL: the writer's unescaped CSV has an empty field as NULL
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.WriteAll(recs)
	path := filepath.Join(dir, "population.parquet")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	pw := parquetio.NewWriter(f, path, func(col string) parquetio.Output {
		if col == "出生日期" || col == "登记日期" {
			return parquetio.Output{In: parquetio.Column{Node: parquet.Optional(parquet.Date())}, Keep: true}
		}
		return parquetio.Output{}
	}, &parquetio.WriterOptions{RowGroupRows: 64})
	if _, err := pw.Write(buf.Bytes()); err != nil {
		t.Fatal(err)
	}
	if err := pw.Commit(); err != nil {
		t.Fatal(err)
	}
	return path
}

// parquetTable reads a Parquet file as its column types, text rows and
// per-row nulls of one column.
func parquetTable(t *testing.T, path, nullCol string) (types map[string]string, rows [][]string, nulls []bool) {
	t.Helper()
	r, err := parquetio.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	types = map[string]string{}
	nc := -1
	for i, c := range r.Schema() {
		types[c.Name] = c.Node.Type().String() + "/" + c.Precision
		if c.Name == nullCol {
			nc = i
		}
	}
	cols, _ := r.Columns()
	rows = append(rows, cols)
	for r.Next() {
		row := make([]string, len(cols))
		if err := r.Text(row); err != nil {
			t.Fatal(err)
		}
		rows = append(rows, row)
		if nc >= 0 {
			nulls = append(nulls, r.Null(nc))
		}
	}
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	return types, rows, nulls
}

func csvText(rows [][]string) string {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	_ = w.WriteAll(rows)
	return b.String()
}

func TestMaskParquet(t *testing.T) {
	dir, kdir := shareSetup(t)
	cat, grants := "../../testdata/catalog/population.yaml", "../../testdata/catalog/grants.yaml"
	in := samplePopulationParquet(t, dir)
	masked := filepath.Join(dir, "m.parquet")
	args := []string{"mask", "--catalog", cat, "--grants", grants, "--purpose", "work_reference",
		"--recipient", "tax-bureau", "--keys", kdir}
	if code, _, errs := runCLI(t, "", append(args, in, "-o", masked)...); code != 0 || !strings.Contains(errs, "200 rows written") {
		t.Fatalf("mask to Parquet: %d %s", code, errs)
	}
	types, rows, nulls := parquetTable(t, masked, "手机号码")
	// kept DATE stays DATE; a generalized date is a DATE at year precision;
	// a masked column is a string.
	if types["登记日期"] != "DATE/" || types["出生日期"] != "DATE/year" || !strings.Contains(types["手机号码"], "STRING") {
		t.Errorf("column types %v", types)
	}
	if len(rows) != 201 || rows[1][3] != "2000" {
		t.Fatalf("%d rows; first birth year %q", len(rows), rows[1][3])
	}
	for i, null := range nulls {
		if null != (i%7 == 0) {
			t.Fatalf("row %d: NULL %t, want %t", i+1, null, i%7 == 0)
		}
	}
	// The Parquet output says what the CSV output says.
	code, fromParquet, errs := runCLI(t, "", append(args, "--out-format", "csv", in)...)
	if code != 0 {
		t.Fatalf("mask Parquet to CSV: %s", errs)
	}
	if got := csvText(rows); got != fromParquet {
		t.Errorf("Parquet output differs from CSV output")
	}
	// And the CSV run of the same register agrees, but for what Parquet
	// adds: the NULL mobiles.
	_, fromCSV, _ := runCLI(t, "", append(args, filepath.Join(sampleDir, "population.csv"))...)
	a, b := strings.Split(fromParquet, "\n"), strings.Split(fromCSV, "\n")
	if len(a) != len(b) || a[0] != b[0] || a[2] != b[2] {
		t.Errorf("Parquet and CSV inputs disagree")
	}

	// unmask restores the tokens of data_verification, the other columns
	// keep their Parquet types.
	tok := filepath.Join(dir, "t.parquet")
	if code, _, errs := runCLI(t, "", "mask", "--catalog", cat, "--grants", grants, "--purpose", "data_verification",
		"--recipient", "civil-affairs-bureau", "--keys", kdir, in, "-o", tok); code != 0 {
		t.Fatalf("mask data_verification: %s", errs)
	}
	back := filepath.Join(dir, "u.parquet")
	if code, _, errs := runCLI(t, "", "unmask", "--catalog", cat, "--keys", kdir, "--recipient", "civil-affairs-bureau", tok, "-o", back); code != 0 {
		t.Fatalf("unmask: %s", errs)
	}
	_, orig, _ := parquetTable(t, in, "")
	utypes, un, unulls := parquetTable(t, back, "手机号码")
	if utypes["登记日期"] != "DATE/" {
		t.Errorf("unmask changed a kept DATE to %s", utypes["登记日期"])
	}
	col := func(rows [][]string, name string) []string {
		i := strings.Index(","+strings.Join(rows[0], ",")+",", ","+name+",")
		if i < 0 {
			return nil
		}
		k := strings.Count(strings.Join(rows[0], ",")[:i], ",")
		var out []string
		for _, r := range rows[1:] {
			out = append(out, r[k])
		}
		return out
	}
	for _, name := range []string{"身份证号", "手机号码", "登记日期"} {
		if got, want := col(un, name), col(orig, name); got == nil || strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("%s not restored by unmask", name)
		}
	}
	for i, null := range unulls {
		if null != (i%7 == 0) {
			t.Fatalf("unmask row %d: NULL %t", i+1, null)
		}
	}
}

func TestShareParquet(t *testing.T) {
	dir, kdir := shareSetup(t)
	cat, grants := "../../testdata/catalog/population.yaml", "../../testdata/catalog/grants.yaml"
	in := samplePopulationParquet(t, dir)
	env := filepath.Join(dir, "tax.gse")
	if code, _, errs := runCLI(t, "", "share", "--catalog", cat, "--grants", grants, "--purpose", "work_reference",
		"--from", kdir, "--dept", "public-security-bureau", "--to", filepath.Join(kdir, "tax-bureau.pub"),
		"--log", filepath.Join(dir, "log"), in, "-o", env); code != 0 || !strings.Contains(errs, "sealed 200 rows") {
		t.Fatalf("share: %d %s", code, errs)
	}
	opened := filepath.Join(dir, "tax.csv")
	if code, _, errs := runCLI(t, "", "open", "--keys", kdir, "--dept", "tax-bureau", "--purpose", "work_reference",
		"--trust", filepath.Join(kdir, "public-security-bureau.pub"), env, "-o", opened); code != 0 {
		t.Fatalf("open: %s", errs)
	}
	_, masked, _ := runCLI(t, "", "mask", "--catalog", cat, "--grants", grants, "--purpose", "work_reference",
		"--recipient", "tax-bureau", "--keys", kdir, "--out-format", "csv", in)
	if got, _ := os.ReadFile(opened); string(got) != masked || masked == "" {
		t.Error("opened payload differs from mask's output")
	}
}

func TestParquetFormatFlags(t *testing.T) {
	dir := t.TempDir()
	cat := "../../testdata/catalog/population.yaml"
	in := samplePopulationParquet(t, dir)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--format", "xml", in}, "unknown format"},
		{[]string{"--format", "parquet", "-"}, "standard input"},
		{[]string{"--out-format", "jsonl", in}, "Parquet or CSV"},
		{[]string{"-o", filepath.Join(dir, "x.parquet"), filepath.Join(sampleDir, "company.jsonl")}, "CSV or Parquet input"},
	} {
		args := append([]string{"mask", "--catalog", cat, "--purpose", "work_reference", "--recipient", "tax-bureau"}, c.args...)
		if code, _, errs := runCLI(t, "", args...); code == 0 || !strings.Contains(errs, c.want) {
			t.Errorf("%v: %d %s", c.args, code, errs)
		}
	}
	// A damaged file fails naming it, and leaves no output.
	bad := filepath.Join(dir, "bad.parquet")
	b, _ := os.ReadFile(in)
	_ = os.WriteFile(bad, b[:len(b)/2], 0o644)
	out := filepath.Join(dir, "out.parquet")
	if code, _, errs := runCLI(t, "", "mask", "--catalog", cat, "--purpose", "work_reference", "--recipient", "tax-bureau", bad, "-o", out); code == 0 || !strings.Contains(errs, "bad.parquet") {
		t.Errorf("damaged file: %d %s", code, errs)
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("a failed run left its output")
	}
}
