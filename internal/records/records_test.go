package records

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"
)

func readAll(t *testing.T, src string, f Format, enc string) ([]string, [][]string, error) {
	t.Helper()
	r, err := NewReader(strings.NewReader(src), "in", f, enc)
	if err != nil {
		return nil, nil, err
	}
	var rows [][]string
	for {
		row, err := r.Next()
		if err == io.EOF {
			return r.Header(), rows, nil
		}
		if err != nil {
			return r.Header(), rows, err
		}
		rows = append(rows, row)
	}
}

func TestCSV(t *testing.T) {
	h, rows, err := readAll(t, "\ufeff姓名,手机\r\n张三,13812345678\r\n\"李,四\",\r\n", FormatCSV, "")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(h, "|") != "姓名|手机" || len(rows) != 2 || rows[1][0] != "李,四" || rows[1][1] != "" {
		t.Fatalf("header %q rows %q", h, rows)
	}
}

func TestGB18030(t *testing.T) {
	src, _ := simplifiedchinese.GB18030.NewEncoder().String("姓名,地址\n张三,北京市朝阳区\n")
	_, rows, err := readAll(t, src, FormatCSV, "gb18030")
	if err != nil || rows[0][1] != "北京市朝阳区" {
		t.Fatalf("rows %q err %v", rows, err)
	}
	// Without the flag, GBK bytes are an error naming the line and field.
	_, _, err = readAll(t, "name,addr\nzhang,"+src[len("姓名,地址\n张三,"):], FormatCSV, "")
	var re *Error
	if !errors.As(err, &re) || re.Line != 2 || re.Field != "addr" || !strings.Contains(err.Error(), "gb18030") {
		t.Fatalf("err = %v", err)
	}
}

func TestCSVErrors(t *testing.T) {
	cases := map[string]string{
		"":                      "empty file",
		"a,b\n1,2\n3\n":         "in:3: row has a different number of fields",
		"a,a\n1,2\n":            `in:1: columns 1 and 2: duplicate column name`,
		"a,\n1,2\n":             "column 2 has an empty name",
		"a,b\n\"1,2\n":          "in:2",
		"\xff\xfe,b\n1,2\n":     "header is not valid UTF-8",
		"a,b\n1,\"x\"y\"\n":     "in:2",
		"a,b\n1,\x00\xff\xfe\n": "not valid UTF-8",
	}
	for src, want := range cases {
		_, _, err := readAll(t, src, FormatCSV, "")
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: err = %v, want %q", src, err, want)
		}
	}
	if _, _, err := readAll(t, "a\n", FormatCSV, "latin1"); err == nil {
		t.Error("unknown encoding accepted")
	}
	h, rows, err := readAll(t, "a,b\n", FormatCSV, "")
	if err != nil || len(h) != 2 || len(rows) != 0 {
		t.Errorf("header-only file: %v %v %v", h, rows, err)
	}
}

func TestJSONL(t *testing.T) {
	src := `{"姓名":"张三","amount":12345678901234567890.10,"ok":true,"note":null}` + "\n\n" +
		`{"amount":1e3,"姓名":"李四"}` + "\n"
	h, rows, err := readAll(t, src, FormatJSONL, "")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(h, "|") != "姓名|amount|ok|note" {
		t.Fatalf("key order lost: %q", h)
	}
	if rows[0][1] != "12345678901234567890.10" || rows[1][1] != "1e3" || rows[1][0] != "李四" || rows[0][2] != "true" {
		t.Fatalf("rows %q", rows)
	}
}

func TestJSONLErrors(t *testing.T) {
	cases := map[string]string{
		"":                           "empty file",
		"[1,2]\n":                    "in:1: not a JSON object",
		`{"a":1}` + "\n" + `{"b":2}`: `in:2: key 1 of the record: not among the first record's keys`, // an unknown key may be a value: by position
		`{"a":1,"a":2}`:              `key 2 of the record: duplicate key`,
		`{"a":{"b":1}}`:              "nested objects",
		`{"a":1} {"a":2}`:            "trailing data",
		`{"a":1}` + "\n" + `{"a":`:   "in:2",
		`{"a":"` + "\xff" + `"}`:     "not valid UTF-8",
	}
	for src, want := range cases {
		_, _, err := readAll(t, src, FormatJSONL, "")
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: err = %v, want %q", src, err, want)
		}
	}
}

func TestErrorNeverCarriesValue(t *testing.T) {
	_, _, err := readAll(t, "a,b\n13812345678,2,3\n", FormatCSV, "")
	if err == nil || strings.Contains(err.Error(), "13812345678") {
		t.Fatalf("err = %v", err)
	}
	_, _, err = readAll(t, `{"a":"13812345678"}`+"\n"+`{"b":"13812345678"}`, FormatJSONL, "")
	if err == nil || strings.Contains(err.Error(), "13812345678") {
		t.Fatalf("err = %v", err)
	}
}

func TestLongLine(t *testing.T) {
	long := strings.Repeat("x", 10<<20)
	_, rows, err := readAll(t, "a\n"+long+"\n", FormatCSV, "")
	if err != nil || len(rows[0][0]) != len(long) {
		t.Fatalf("10 MB field: %v", err)
	}
	_, rows, err = readAll(t, `{"a":"`+long+`"}`, FormatJSONL, "")
	if err != nil || len(rows[0][0]) != len(long) {
		t.Fatalf("10 MB JSON line: %v", err)
	}
}

func FuzzCSV(f *testing.F) {
	f.Add([]byte("\ufeff姓名,手机\r\n张三,13812345678\r\n"))
	f.Add([]byte("a,b\n\"1,2\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		fuzzRead(t, b, FormatCSV)
	})
}

func FuzzJSONL(f *testing.F) {
	f.Add([]byte(`{"a":1,"b":"x"}` + "\n" + `{"b":"y"}`))
	f.Add([]byte(`{"a":[1]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		fuzzRead(t, b, FormatJSONL)
	})
}

// fuzzRead checks that every row is as wide as the header and that errors
// are *Error with a place.
func fuzzRead(t *testing.T, b []byte, f Format) {
	r, err := NewReader(bytes.NewReader(b), "fuzz", f, "")
	if err != nil {
		var re *Error
		if !errors.As(err, &re) {
			t.Fatalf("error of type %T", err)
		}
		return
	}
	for range 10000 {
		row, err := r.Next()
		if err == io.EOF {
			return
		}
		if err != nil {
			var re *Error
			if !errors.As(err, &re) || re.Line == 0 {
				t.Fatalf("error without a place: %v", err)
			}
			return
		}
		if len(row) != len(r.Header()) {
			t.Fatalf("row of %d fields, header %d", len(row), len(r.Header()))
		}
	}
}
