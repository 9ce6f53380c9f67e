package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/govshare/govshare/risk"
)

// runRisk runs cmdRisk in-process (main.go registers it as "risk").
func runRisk(t *testing.T, stdin string, args ...string) (stdout string, err error) {
	t.Helper()
	var out, errb bytes.Buffer
	err = cmdRisk(&env{stdin: strings.NewReader(stdin), stdout: &out, stderr: &errb}, args)
	return out.String(), err
}

// adultCSV writes a ','-separated copy of testdata/adult/adult.csv (which
// is ';'-separated, as ARX ships it; its values hold no ',' or '"') and
// returns its path and its rows.
func adultCSV(t *testing.T) (path string, header []string, rows [][]string) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "testdata", "adult", "adult.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.ContainsAny(data, ",\"") {
		t.Fatal("adult.csv holds ',' or '\"': the copy would not be the same table")
	}
	data = bytes.ReplaceAll(data, []byte(";"), []byte(","))
	path = filepath.Join(t.TempDir(), "adult.csv")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(strings.ReplaceAll(string(data), "\r\n", "\n"), "\n"), "\n")
	header = strings.Split(lines[0], ",")
	for _, l := range lines[1:] {
		rows = append(rows, strings.Split(l, ","))
	}
	return path, header, rows
}

// count is the test's own straightforward count: class sizes over the
// joined values of cols.
func count(rows [][]string, cols []int) map[string]int {
	m := map[string]int{}
	parts := make([]string, len(cols))
	for _, r := range rows {
		for i, c := range cols {
			parts[i] = r[c]
		}
		m[strings.Join(parts, "\x1f")]++
	}
	return m
}

// countFigures returns records, classes, k_min, uniques and records in
// classes below k of a count.
func countFigures(m map[string]int, k int) (records, classes, kmin, uniques, below int) {
	classes = len(m)
	for _, n := range m {
		records += n
		if kmin == 0 || n < kmin {
			kmin = n
		}
		if n == 1 {
			uniques++
		}
		if n < k {
			below += n
		}
	}
	return
}

type riskOut struct {
	File                   string   `json:"file"`
	QuasiIdentifiers       []string `json:"quasi_identifiers"`
	K                      int      `json:"k"`
	Records                int      `json:"records"`
	Classes                int      `json:"classes"`
	KMin                   int      `json:"k_min"`
	Uniques                int      `json:"uniques"`
	RecordsInClassesBelowK int      `json:"records_in_classes_below_k"`
	ProsecutorMax          float64  `json:"prosecutor_max"`
	ProsecutorAvg          float64  `json:"prosecutor_avg"`
	LDiversity             []struct {
		Column string `json:"column"`
		L      int    `json:"l"`
	} `json:"l_diversity"`
	Contributions []struct {
		LeftOut                string  `json:"left_out"`
		Classes                int     `json:"classes"`
		KMin                   int     `json:"k_min"`
		Uniques                int     `json:"uniques"`
		RecordsInClassesBelowK int     `json:"records_in_classes_below_k"`
		ProsecutorMax          float64 `json:"prosecutor_max"`
		ProsecutorAvg          float64 `json:"prosecutor_avg"`
	} `json:"contributions"`
	Thresholds *struct {
		MaxProsecutorRisk *float64 `json:"max_prosecutor_risk"`
		MinK              *int     `json:"min_k"`
	} `json:"thresholds"`
	Refused *struct {
		Exceeded []struct {
			Threshold string `json:"threshold"`
		} `json:"exceeded"`
		Coarsen []string `json:"coarsen"`
	} `json:"refused"`
}

func decodeRisk(t *testing.T, out string) riskOut {
	t.Helper()
	var r riskOut
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("output is not the JSON report: %v", err)
	}
	return r
}

var adultQIs = []string{"age", "sex", "race", "marital-status", "education", "native-country", "workclass", "occupation"}

// TestRiskAdult: govshare risk on UCI Adult's 8 quasi-identifiers equals
// the test's own count: records, classes, k_min, uniques, records below
// k, both prosecutor risks, salary-class's l-diversity and every
// contribution.
func TestRiskAdult(t *testing.T) {
	path, header, rows := adultCSV(t)
	out, err := runRisk(t, "", "--qi", strings.Join(adultQIs[:4], ","), "--qi", strings.Join(adultQIs[4:], ","),
		"--sensitive", "salary-class", "--json", path)
	if err != nil {
		t.Fatal(err)
	}
	r := decodeRisk(t, out)
	idx := map[string]int{}
	for i, h := range header {
		idx[h] = i
	}
	var cols []int
	for _, q := range adultQIs {
		cols = append(cols, idx[q])
	}
	m := count(rows, cols)
	records, classes, kmin, uniques, below := countFigures(m, 5)
	if r.Records != records || r.Classes != classes || r.KMin != kmin || r.Uniques != uniques || r.RecordsInClassesBelowK != below || r.K != 5 {
		t.Errorf("got records %d classes %d k_min %d uniques %d below %d, want %d %d %d %d %d",
			r.Records, r.Classes, r.KMin, r.Uniques, r.RecordsInClassesBelowK, records, classes, kmin, uniques, below)
	}
	if r.Records != 30162 {
		t.Errorf("records %d, want 30162", r.Records)
	}
	if r.ProsecutorMax != 1/float64(kmin) || r.ProsecutorAvg != float64(classes)/float64(records) {
		t.Errorf("prosecutor max %v avg %v", r.ProsecutorMax, r.ProsecutorAvg)
	}
	// l-diversity of salary-class: fewest distinct values in a class
	sal := map[string]map[string]bool{}
	parts := make([]string, len(cols))
	for _, row := range rows {
		for i, c := range cols {
			parts[i] = row[c]
		}
		k := strings.Join(parts, "\x1f")
		if sal[k] == nil {
			sal[k] = map[string]bool{}
		}
		sal[k][row[idx["salary-class"]]] = true
	}
	l := 0
	for _, s := range sal {
		if l == 0 || len(s) < l {
			l = len(s)
		}
	}
	if len(r.LDiversity) != 1 || r.LDiversity[0].Column != "salary-class" || r.LDiversity[0].L != l {
		t.Errorf("l-diversity %+v, want l=%d", r.LDiversity, l)
	}
	if len(r.Contributions) != len(adultQIs) {
		t.Fatalf("%d contributions", len(r.Contributions))
	}
	for j, c := range r.Contributions {
		rest := append(append([]int(nil), cols[:j]...), cols[j+1:]...)
		_, cl, km, un, bl := countFigures(count(rows, rest), 5)
		if c.LeftOut != adultQIs[j] || c.Classes != cl || c.KMin != km || c.Uniques != un || c.RecordsInClassesBelowK != bl ||
			c.ProsecutorMax != 1/float64(km) || c.ProsecutorAvg != float64(cl)/float64(records) {
			t.Errorf("without %s: %+v, want classes %d k_min %d uniques %d below %d", adultQIs[j], c, cl, km, un, bl)
		}
	}
}

const riskCatalog = `resource: adult-extract
provider: census-bureau
tier: conditional
%THRESHOLDS%
fields:
  - {name: sex, type: none, category: personal, level: general, sensitive: false, quasi_identifier: true}
  - {name: age, type: none, category: personal, level: general, sensitive: false, quasi_identifier: true}
  - {name: race, type: none, category: personal, level: general, sensitive: false, quasi_identifier: true}
  - {name: marital-status, type: none, category: personal, level: general, sensitive: false}
  - {name: education, type: none, category: personal, level: general, sensitive: false}
  - {name: native-country, type: none, category: personal, level: general, sensitive: false}
  - {name: workclass, type: none, category: personal, level: general, sensitive: false}
  - {name: occupation, type: none, category: personal, level: general, sensitive: false}
  - {name: salary-class, type: none, category: personal, level: general, sensitive: true}
`

// TestRiskCatalog: the catalog's marked fields are the quasi-identifiers
// (with --qi adding more); its thresholds are reported, and a file over
// them is refused (an *risk.ExceededError naming the thresholds and the
// quasi-identifiers to coarsen), one within them is not; its min_k is the
// default k.
func TestRiskCatalog(t *testing.T) {
	path, _, _ := adultCSV(t)
	cat := func(th string) string {
		return writeFile(t, "catalog.yaml", strings.Replace(riskCatalog, "%THRESHOLDS%", th, 1))
	}
	// sex, age, race: Adult's classes over them are small at the edges
	out, err := runRisk(t, "", "--catalog", cat("max_prosecutor_risk: 0.2\nmin_k: 3"), "--json", path)
	var ee *risk.ExceededError
	if !errors.As(err, &ee) || !errors.Is(err, risk.ErrExceeded) {
		t.Fatalf("err = %v", err)
	}
	r := decodeRisk(t, out)
	if strings.Join(r.QuasiIdentifiers, ",") != "sex,age,race" || r.K != 3 {
		t.Errorf("qis %v k %d", r.QuasiIdentifiers, r.K)
	}
	if r.Thresholds == nil || *r.Thresholds.MinK != 3 || *r.Thresholds.MaxProsecutorRisk != 0.2 || r.Refused == nil || len(r.Refused.Coarsen) != 3 {
		t.Fatalf("thresholds %+v refused %+v", r.Thresholds, r.Refused)
	}
	if !strings.Contains(err.Error(), "adult-extract") || !strings.Contains(err.Error(), "coarsen first: ") {
		t.Errorf("error %q", err)
	}
	// The text report says so too; --k overrides min_k for the count below k.
	out, err = runRisk(t, "", "--catalog", cat("min_k: 3"), "--k", "7", path)
	if err == nil {
		t.Fatal("sex, age, race are under min_k 3 on Adult, yet no refusal")
	}
	if !strings.Contains(out, "a share would be refused") || !strings.Contains(out, "k = 7") {
		t.Errorf("text output: %q", out)
	}
	// Within: sex alone (two classes of thousands), named with --qi.
	within := strings.Replace(riskCatalog, "quasi_identifier: true", "quasi_identifier: false", -1)
	within = strings.Replace(within, "%THRESHOLDS%", "max_prosecutor_risk: 0.01\nmin_k: 100", 1)
	out, err = runRisk(t, "", "--catalog", writeFile(t, "within.yaml", within), "--qi", "sex", "--json", path)
	if err != nil {
		t.Fatalf("sex alone: %v", err)
	}
	if r := decodeRisk(t, out); r.Refused != nil || r.Classes != 2 || r.K != 100 {
		t.Errorf("within: %+v", r)
	}
	// A bad threshold fails the catalog's validation.
	if _, err := runRisk(t, "", "--catalog", cat("max_prosecutor_risk: 1.5"), path); err == nil || !strings.Contains(err.Error(), "max_prosecutor_risk") {
		t.Errorf("max_prosecutor_risk 1.5: %v", err)
	}
}

// TestRiskText: the plain-text report: the figures over all the
// quasi-identifiers, with each left out, and l-diversity.
func TestRiskText(t *testing.T) {
	csv := "district,age,diagnosis\n朝阳区,30,flu\n朝阳区,30,cold\n海淀区,41,flu\n"
	out, err := runRisk(t, csv, "--qi", "district, age", "--sensitive", "diagnosis", "-")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"<stdin>: 3 records over 2 quasi-identifiers (district, age), k = 5",
		"QUASI-IDENTIFIERS", "PROSECUTOR_MAX",
		"all                2        1      1 (33.33%)  3 (100.00%)  1.0000          0.6667",
		"without district", "without age",
		"SENSITIVE", "diagnosis  1",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in\n%s", want, out)
		}
	}
	if strings.Contains(out, "flu") || strings.Contains(out, "朝阳区") {
		t.Error("the report holds a value")
	}
}

// TestRiskErrors: errors name the file, line and column, never a value;
// usage errors for a bad command line.
func TestRiskErrors(t *testing.T) {
	good := writeFile(t, "g.csv", "a,b\nSECRET1,x\nSECRET2,y\n")
	bad := writeFile(t, "bad.csv", "a,b\nSECRET1,x\nSECRET2,y,SECRET3\n")
	gb := filepath.Join("..", "..", "testdata", "sample", "population-gb18030.csv")
	cases := []struct {
		name  string
		args  []string
		usage bool
		want  []string
	}{
		{"no file", []string{"--qi", "a"}, true, []string{"one input file"}},
		{"two files", []string{"--qi", "a", good, good}, true, []string{"one input file"}},
		{"no qi", []string{good}, true, []string{"--qi"}},
		{"empty qi", []string{"--qi", "a,,b", good}, true, []string{"column 2 of the list is empty"}},
		{"k 0", []string{"--qi", "a", "--k", "0", good}, true, []string{"--k"}},
		{"unknown qi", []string{"--qi", "a,zz", good}, false, []string{good + ":1", `"zz"`, "--qi"}},
		{"unknown sensitive", []string{"--qi", "a", "--sensitive", "zz", good}, false, []string{good + ":1", `"zz"`, "--sensitive"}},
		{"qi and sensitive", []string{"--qi", "a", "--sensitive", "a", good}, true, []string{`"a"`}},
		{"ragged row", []string{"--qi", "a", bad}, false, []string{bad + ":3", "number of fields"}},
		{"missing file", []string{"--qi", "a", filepath.Join(t.TempDir(), "none.csv")}, false, []string{"none.csv"}},
		{"gb18030 without --encoding", []string{"--qi", "性别", gb}, false, []string{"population-gb18030.csv", "gb18030"}},
		{"missing catalog", []string{"--catalog", filepath.Join(t.TempDir(), "c.yaml"), good}, false, []string{"c.yaml"}},
	}
	for _, c := range cases {
		_, err := runRisk(t, "", c.args...)
		if err == nil {
			t.Errorf("%s: no error", c.name)
			continue
		}
		var ue usageError
		if errors.As(err, &ue) != c.usage {
			t.Errorf("%s: usage error %v, want %v: %v", c.name, !c.usage, c.usage, err)
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: %q lacks %q", c.name, err, w)
			}
		}
		if strings.Contains(err.Error(), "SECRET") {
			t.Errorf("%s: the error holds a value", c.name)
		}
	}
	// With the encoding, the GB18030 sample reads.
	out, err := runRisk(t, "", "--qi", "性别,民族", "--encoding", "gb18030", "--json", gb)
	if err != nil {
		t.Fatal(err)
	}
	if r := decodeRisk(t, out); r.Records != 200 || r.Classes < 2 {
		t.Errorf("gb18030: records %d classes %d", r.Records, r.Classes)
	}
	// -h prints the flags.
	var errb bytes.Buffer
	if err := cmdRisk(&env{stdin: strings.NewReader(""), stdout: &bytes.Buffer{}, stderr: &errb}, []string{"-h"}); err == nil || !strings.Contains(errb.String(), "-sensitive") {
		t.Errorf("-h: %v %q", err, errb.String())
	}
}

// TestRiskJSONL: JSON Lines input.
func TestRiskJSONL(t *testing.T) {
	p := writeFile(t, "r.jsonl", `{"a":"x","b":1}`+"\n"+`{"a":"x","b":2}`+"\n"+`{"a":"y","b":2}`+"\n")
	out, err := runRisk(t, "", "--qi", "a", "--json", p)
	if err != nil {
		t.Fatal(err)
	}
	if r := decodeRisk(t, out); r.Records != 3 || r.Classes != 2 || r.KMin != 1 || r.Uniques != 1 {
		t.Errorf("%+v", r)
	}
}

// TestParseColumns: names are split on commas and trimmed; an empty one
// is an error.
func TestParseColumns(t *testing.T) {
	got, err := parseColumns(" age ,sex,出生 日期")
	if err != nil || strings.Join(got, "|") != "age|sex|出生 日期" {
		t.Errorf("%q %v", got, err)
	}
	for _, s := range []string{"", ",", "a,", " ,a", "a,,b"} {
		if _, err := parseColumns(s); err == nil {
			t.Errorf("%q: no error", s)
		}
	}
	var l columnList
	if err := l.Set("a,b"); err != nil || l.Set("c") != nil || l.String() != "a,b,c" {
		t.Errorf("columnList %v", l)
	}
	if err := l.Set("a,"); err == nil {
		t.Error("columnList accepted an empty name")
	}
}

// FuzzParseColumns: any list either splits into non-empty, trimmed names
// without commas that rejoin to the list's content, or is an error that
// does not hold the list.
func FuzzParseColumns(f *testing.F) {
	for _, s := range []string{"age,sex", " a , b ", "a,,b", "", "出生日期", "a,\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		cols, err := parseColumns(s)
		if err != nil {
			if len(s) > 8 && strings.Contains(err.Error(), s) {
				t.Fatal("the error holds the list")
			}
			return
		}
		for _, c := range cols {
			if c == "" || strings.Contains(c, ",") || strings.TrimSpace(c) != c {
				t.Fatalf("bad name of %d bytes", len(c))
			}
		}
		if len(cols) != strings.Count(s, ",")+1 {
			t.Fatalf("%d names from %d commas", len(cols), strings.Count(s, ","))
		}
		for _, c := range cols {
			if !strings.Contains(s, c) {
				t.Fatalf("a name of %d bytes is not in the list", len(c))
			}
		}
	})
}

// BenchmarkRiskCLI times govshare risk end to end (read, parse, count,
// report) on 200,000 rows of Adult's 8 quasi-identifiers.
func BenchmarkRiskCLI(b *testing.B) {
	data, err := os.ReadFile(filepath.Join("..", "..", "testdata", "adult", "adult.csv"))
	if err != nil {
		b.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(string(bytes.ReplaceAll(data, []byte(";"), []byte(","))), "\r\n"), "\r\n")
	const n = 200_000
	var buf strings.Builder
	buf.WriteString(lines[0] + "\n")
	for i := 0; i < n; i++ {
		buf.WriteString(lines[1+i%(len(lines)-1)] + "\n")
	}
	path := filepath.Join(b.TempDir(), "adult.csv")
	if err := os.WriteFile(path, []byte(buf.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	args := []string{"--qi", strings.Join(adultQIs, ","), "--json", path}
	for b.Loop() {
		if err := cmdRisk(&env{stdin: strings.NewReader(""), stdout: io.Discard, stderr: io.Discard}, args); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}
