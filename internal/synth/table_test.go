package synth

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

// recorder wraps a row function and keeps what it returned, to compare with what was parsed back.
func recorder(f func() []string) (func() []string, *[][]string) {
	var rows [][]string
	return func() []string {
		r := f()
		rows = append(rows, r)
		return r
	}, &rows
}

func TestCSVRoundTrip(t *testing.T) {
	for name, tc := range map[string]struct {
		cols []Column
		row  func(*Gen) func() []string
	}{
		"population": {PopulationColumns(), func(g *Gen) func() []string { return g.PopulationRow }},
		"company":    {CompanyColumns(), func(g *Gen) func() []string { return g.CompanyRow }},
	} {
		g := New(20)
		row, got := recorder(tc.row(g))
		var buf bytes.Buffer
		if err := g.WriteCSV(&buf, tc.cols, 500, row); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		recs, err := csv.NewReader(&buf).ReadAll()
		if err != nil {
			t.Fatalf("%s: read back: %v", name, err)
		}
		if len(recs) != 501 {
			t.Fatalf("%s: %d records, want 501", name, len(recs))
		}
		for i, c := range tc.cols {
			if recs[0][i] != c.Name {
				t.Errorf("%s: header %d = %q, want %q", name, i, recs[0][i], c.Name)
			}
		}
		if !reflect.DeepEqual(recs[1:], *got) {
			t.Errorf("%s: rows read back differ from rows written", name)
		}
	}
}

func TestJSONLRoundTrip(t *testing.T) {
	g := New(21)
	cols := PopulationColumns()
	row, got := recorder(g.PopulationRow)
	var buf bytes.Buffer
	if err := g.WriteJSONL(&buf, cols, 300, row); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(&buf)
	i := 0
	for ; sc.Scan(); i++ {
		line := sc.Bytes()
		var m map[string]string
		if err := json.Unmarshal(line, &m); err != nil {
			t.Fatalf("line %d: %v", i, err)
		}
		if len(m) != len(cols) {
			t.Fatalf("line %d: %d keys, want %d", i, len(m), len(cols))
		}
		for j, c := range cols {
			if m[c.Name] != (*got)[i][j] {
				t.Fatalf("line %d: field %s differs from what was written", i, c.Name)
			}
		}
		// Keys appear in column order.
		dec := json.NewDecoder(bytes.NewReader(line))
		if _, err := dec.Token(); err != nil { // {
			t.Fatal(err)
		}
		for j := 0; dec.More(); j++ {
			k, _ := dec.Token()
			if k != cols[j].Name {
				t.Fatalf("line %d: key %d is %v, want %s", i, j, k, cols[j].Name)
			}
			if _, err := dec.Token(); err != nil {
				t.Fatal(err)
			}
		}
	}
	if i != 300 {
		t.Errorf("%d lines, want 300", i)
	}
}

func TestJSONStringEscaping(t *testing.T) {
	for _, s := range []string{`a"b`, "a\\b", "x<y>&z", "换行\n", "\x00", "阿依古丽·买买提"} {
		var back string
		if err := json.Unmarshal(jsonString(s), &back); err != nil || back != s {
			t.Errorf("jsonString round trip failed for %q", s)
		}
	}
	if string(jsonString("<&>")) != `"<&>"` {
		t.Error("jsonString escapes HTML characters")
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestWriteErrors(t *testing.T) {
	g := New(22)
	short := func() []string { return []string{"张三"} }
	var buf bytes.Buffer
	for name, err := range map[string]error{
		"csv width":   g.WriteCSV(&buf, PopulationColumns(), 1, short),
		"jsonl width": g.WriteJSONL(&buf, PopulationColumns(), 1, short),
		"csv io":      g.WriteCSV(failWriter{}, CompanyColumns(), 10, g.CompanyRow),
		"jsonl io":    g.WriteJSONL(failWriter{}, CompanyColumns(), 10, g.CompanyRow),
	} {
		if err == nil {
			t.Errorf("%s: no error", name)
			continue
		}
		if !strings.HasPrefix(err.Error(), "govshare/synth: ") {
			t.Errorf("%s: error %q lacks the package prefix", name, err)
		}
		if strings.Contains(err.Error(), "张三") {
			t.Errorf("%s: error contains a cell value", name)
		}
	}
}

func TestPopulationRowConsistent(t *testing.T) {
	g := New(23)
	cols := PopulationColumns()
	idx := map[string]int{}
	for i, c := range cols {
		idx[c.Name] = i
	}
	for i := 0; i < perType; i++ {
		r := g.PopulationRow()
		if len(r) != len(cols) {
			t.Fatalf("row %d: %d fields", i, len(r))
		}
		for j, c := range cols {
			if c.Type != "none" && !valid(c.Type, r[j], g.Now) {
				t.Fatalf("row %d: %s invalid (%s)", i, c.Name, fp(r[j]))
			}
			if r[j] == "" {
				t.Fatalf("row %d: %s empty", i, c.Name)
			}
		}
		id := r[idx["身份证号"]]
		male := (id[16]-'0')%2 == 1
		if sex := r[idx["性别"]]; (sex == "男") != male || (sex != "男" && sex != "女") {
			t.Fatalf("row %d: sex disagrees with the ID", i)
		}
		birth := r[idx["出生日期"]]
		if strings.ReplaceAll(birth, "-", "") != id[6:14] {
			t.Fatalf("row %d: birth date disagrees with the ID", i)
		}
		var reg region
		for _, x := range regions {
			if x.code == id[:6] {
				reg = x
			}
		}
		if !strings.HasPrefix(r[idx["户籍地址"]], reg.placeName()) {
			t.Fatalf("row %d: address not in the ID's region", i)
		}
		if !strings.HasPrefix(r[idx["固定电话"]], reg.area+"-") {
			t.Fatalf("row %d: landline area code not the region's", i)
		}
		regDate, err := time.Parse(time.DateOnly, r[idx["登记日期"]])
		if err != nil || regDate.Format(time.DateOnly) < birth || regDate.After(g.Now) || regDate.Year() < 2000 {
			t.Fatalf("row %d: registration date out of range", i)
		}
		if e := r[idx["民族"]]; !strings.HasSuffix(e, "族") {
			t.Fatalf("row %d: ethnic group malformed", i)
		}
	}
}

func TestCompanyRowConsistent(t *testing.T) {
	g := New(24)
	cols := CompanyColumns()
	for i := 0; i < perType; i++ {
		r := g.CompanyRow()
		for j, c := range cols {
			if c.Type != "none" && !valid(c.Type, r[j], g.Now) {
				t.Fatalf("row %d: %s invalid (%s)", i, c.Name, fp(r[j]))
			}
		}
		uscc, org := r[1], r[2]
		if strings.ReplaceAll(org, "-", "") != uscc[8:17] {
			t.Fatalf("row %d: org code is not the one inside the USCC", i)
		}
		if !strings.HasPrefix(uscc, "91") || !strings.HasSuffix(r[0], "公司") {
			t.Fatalf("row %d: not an enterprise", i)
		}
		var reg region
		for _, x := range regions {
			if x.code == uscc[2:8] {
				reg = x
			}
		}
		if !strings.HasPrefix(r[5], reg.placeName()) || !strings.HasPrefix(r[0], reg.city) {
			t.Fatalf("row %d: address or name not in the USCC's region", i)
		}
		// The cost column is a plain decimal, not an identifier.
		if _, ok := looksValid(r[6]); ok {
			t.Fatalf("row %d: unit cost looks like an identifier", i)
		}
	}
}
