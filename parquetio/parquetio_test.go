package parquetio

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"
)

// person is a test row: the tags give each column a type the package must
// keep.
type person struct {
	Name   *string  `parquet:"name,optional"`
	Age    int32    `parquet:"age"`
	Score  *float64 `parquet:"score,optional"`
	Born   *int32   `parquet:"born,optional,date"`
	Seen   int64    `parquet:"seen,timestamp(millisecond)"`
	Amount int64    `parquet:"amount,decimal(2:18)"`
	OK     bool     `parquet:"ok"`
	Note   string   `parquet:"note"`
}

func ptr[T any](v T) *T { return &v }

func day(s string) int32 {
	t, _ := time.Parse(time.DateOnly, s)
	return int32(t.Unix() / 86400)
}

var people = []person{
	{Name: ptr("张三"), Age: 34, Score: ptr(1.5), Born: ptr(day("1990-05-17")), Seen: 1700000000123, Amount: 12345, OK: true, Note: "a, \"quoted\"\nline"},
	{Name: nil, Age: -1, Score: nil, Born: nil, Seen: -1, Amount: -5, OK: false, Note: ""},
	{Name: ptr(""), Age: 0, Score: ptr(-0.25), Born: ptr(day("2000-02-29")), Seen: 0, Amount: 100, OK: true, Note: " "},
	{Name: ptr("  "), Age: 7, Score: ptr(1e21), Born: ptr(day("1969-12-31")), Seen: 86400000, Amount: 1, OK: false, Note: "x"},
}

// writeFile writes rows with parquet-go's own struct writer, in row groups
// of rg rows: the Reader is tested on a file it did not write.
func writeFile(t testing.TB, rows []person, rg int64) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := parquet.NewGenericWriter[person](&buf, parquet.MaxRowsPerRowGroup(rg))
	for _, r := range rows {
		if _, err := w.Write([]person{r}); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func readAllText(t *testing.T, data []byte) [][]string {
	t.Helper()
	r, err := NewReader(bytes.NewReader(data), int64(len(data)), "people.parquet")
	if err != nil {
		t.Fatal(err)
	}
	cols, _ := r.Columns()
	var out [][]string
	for r.Next() {
		row := make([]string, len(cols))
		if err := r.Text(row); err != nil {
			t.Fatal(err)
		}
		out = append(out, row)
	}
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestReaderText(t *testing.T) {
	data := writeFile(t, people, 2)
	r, err := NewReader(bytes.NewReader(data), int64(len(data)), "people.parquet")
	if err != nil {
		t.Fatal(err)
	}
	cols, _ := r.Columns()
	if got := strings.Join(cols, ","); got != "name,age,score,born,seen,amount,ok,note" {
		t.Fatalf("columns %s", got)
	}
	got := readAllText(t, data)
	want := [][]string{
		{"张三", "34", "1.5", "1990-05-17", "2023-11-14T22:13:20.123Z", "123.45", "true", "a, \"quoted\"\nline"},
		{"", "-1", "", "", "1969-12-31T23:59:59.999Z", "-0.05", "false", ""},
		{"", "0", "-0.25", "2000-02-29", "1970-01-01T00:00:00Z", "1.00", "true", " "},
		{"  ", "7", "1e+21", "1969-12-31", "1970-01-02T00:00:00Z", "0.01", "false", "x"},
	}
	if len(got) != len(want) {
		t.Fatalf("%d rows, want %d", len(got), len(want))
	}
	for i := range want {
		for j := range want[i] {
			if got[i][j] != want[i][j] {
				t.Errorf("row %d column %s: got %q, want %q", i+1, cols[j], got[i][j], want[i][j])
			}
		}
	}
}

// roundTrip streams a file through CSV(true) into a Writer with plan.
func roundTrip(t *testing.T, data []byte, plan func(*Reader) func(string) Output) []byte {
	t.Helper()
	r, err := NewReader(bytes.NewReader(data), int64(len(data)), "in.parquet")
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	w := NewWriter(&out, "out.parquet", plan(r), &WriterOptions{Escaped: true, RowGroupRows: 3})
	if _, err := io.Copy(w, r.CSV(true)); err != nil {
		t.Fatal(err)
	}
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

func keepAll(r *Reader) func(string) Output {
	return func(name string) Output {
		for _, c := range r.Schema() {
			if c.Name == name {
				return Output{In: c, Keep: true}
			}
		}
		return Output{}
	}
}

// A kept column keeps its type, its nulls and its blank values.
func TestRoundTripKeepsTypesAndNulls(t *testing.T) {
	data := writeFile(t, people, 2)
	out := roundTrip(t, data, keepAll)
	var got []person
	f, err := parquet.OpenFile(bytes.NewReader(out), int64(len(out)))
	if err != nil {
		t.Fatal(err)
	}
	if n := len(f.RowGroups()); n != 2 {
		t.Errorf("%d row groups, want 2 (3 rows each)", n)
	}
	in, _ := parquet.OpenFile(bytes.NewReader(data), int64(len(data)))
	for i, c := range f.Schema().Fields() {
		want := in.Schema().Fields()[i]
		if c.Name() != want.Name() || c.Type().String() != want.Type().String() || c.Optional() != want.Optional() {
			t.Errorf("column %d: %s %s optional=%t, want %s %s optional=%t", i, c.Name(), c.Type(), c.Optional(), want.Name(), want.Type(), want.Optional())
		}
	}
	rd := parquet.NewGenericReader[person](bytes.NewReader(out))
	got = make([]person, len(people)+1)
	n, err := rd.Read(got)
	if err != nil && err != io.EOF {
		t.Fatal(err)
	}
	got = got[:n]
	if len(got) != len(people) {
		t.Fatalf("%d rows, want %d", len(got), len(people))
	}
	for i := range people {
		a, b := people[i], got[i]
		if !eqPtr(a.Name, b.Name) || a.Age != b.Age || !eqPtr(a.Score, b.Score) || !eqPtr(a.Born, b.Born) ||
			a.Seen != b.Seen || a.Amount != b.Amount || a.OK != b.OK || a.Note != b.Note {
			t.Errorf("row %d differs after the round trip", i+1)
		}
	}
}

func eqPtr[T comparable](a, b *T) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return *a == *b
}

// A changed column becomes an optional string; a generalized date stays a
// DATE and reads back at its precision.
func TestWriterChangedColumns(t *testing.T) {
	csv := "name,born,age\n张*,1990,34\n,,\n\" \",2000,\n"
	var out bytes.Buffer
	plan := func(name string) Output {
		switch name {
		case "born":
			return Output{Date: "year"}
		}
		return Output{}
	}
	w := NewWriter(&out, "out.parquet", plan, &WriterOptions{Escaped: true})
	if _, err := io.WriteString(w, csv); err != nil {
		t.Fatal(err)
	}
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	f, err := parquet.OpenFile(bytes.NewReader(out.Bytes()), int64(out.Len()))
	if err != nil {
		t.Fatal(err)
	}
	types := map[string]string{}
	for _, c := range f.Schema().Fields() {
		types[c.Name()] = c.Type().String()
		if !c.Optional() {
			t.Errorf("%s is not optional", c.Name())
		}
	}
	if types["name"] != "BYTE_ARRAY" && !strings.Contains(types["name"], "STRING") {
		t.Errorf("name is %s", types["name"])
	}
	if !strings.Contains(types["born"], "DATE") {
		t.Errorf("born is %s, want a DATE", types["born"])
	}
	got := readAllText(t, out.Bytes())
	want := [][]string{{"张*", "1990", "34"}, {"", "", ""}, {"", "2000", ""}}
	for i := range want {
		for j := range want[i] {
			if got[i][j] != want[i][j] {
				t.Errorf("row %d column %d: got %q, want %q", i+1, j+1, got[i][j], want[i][j])
			}
		}
	}
	// Row 2 is all NULL; row 3's name is the empty string, not NULL.
	var nulls []bool
	r2, _ := NewReader(bytes.NewReader(out.Bytes()), int64(out.Len()), "out.parquet")
	for r2.Next() {
		nulls = append(nulls, r2.Null(0))
	}
	if len(nulls) != 3 || nulls[0] || !nulls[1] || nulls[2] {
		t.Errorf("name nulls %v, want [false true false]", nulls)
	}
}

// A kept number that is not a number fails with its place, not its value.
func TestWriterBadKeptValue(t *testing.T) {
	data := writeFile(t, people[:1], 1)
	r, _ := NewReader(bytes.NewReader(data), int64(len(data)), "in.parquet")
	var out bytes.Buffer
	w := NewWriter(&out, "out.parquet", keepAll(r), nil)
	_, _ = io.WriteString(w, "name,age,score,born,seen,amount,ok,note\nx,secret-value,1,1990-01-01,1970-01-01T00:00:00Z,1.00,true,n\n")
	err := w.Commit()
	if err == nil {
		t.Fatal("a non-number in a kept INT32 column was written")
	}
	if strings.Contains(err.Error(), "secret-value") || !strings.Contains(err.Error(), `"age"`) || !strings.Contains(err.Error(), "out.parquet:2") {
		t.Errorf("error %q: want the place, not the value", err)
	}
}

func TestReaderRejectsNested(t *testing.T) {
	type nested struct {
		Tags []string `parquet:"tags,list"`
	}
	var buf bytes.Buffer
	w := parquet.NewGenericWriter[nested](&buf)
	_, _ = w.Write([]nested{{Tags: []string{"a"}}})
	_ = w.Close()
	_, err := NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()), "nested.parquet")
	if err == nil || !strings.Contains(err.Error(), "nested.parquet") || !strings.Contains(err.Error(), `"tags"`) {
		t.Fatalf("error %v: want a refusal naming file and column", err)
	}
}

func TestDecimal(t *testing.T) {
	for _, c := range []struct {
		x     int64
		scale int
		s     string
	}{{12345, 2, "123.45"}, {-5, 2, "-0.05"}, {0, 3, "0.000"}, {7, 0, "7"}, {-120, 1, "-12.0"}} {
		if got := string(appendDecimal(nil, c.x, c.scale)); got != c.s {
			t.Errorf("appendDecimal(%d, %d) = %s, want %s", c.x, c.scale, got, c.s)
		}
		x, err := parseDecimal(c.s, c.scale, 64)
		if err != nil || x != c.x {
			t.Errorf("parseDecimal(%s) = %d, %v", c.s, x, err)
		}
	}
	for _, s := range []string{"1.234", "1e3", "x", "1/2"} {
		if _, err := parseDecimal(s, 2, 64); err == nil {
			t.Errorf("parseDecimal(%q) accepted", s)
		}
	}
}
