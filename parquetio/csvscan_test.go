package parquetio

import (
	"encoding/csv"
	"io"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
)

// scanAll cuts src into records, reading it through r.
func scanAll(r io.Reader) ([][]string, error) {
	sc := &csvScanner{r: r, name: "t.csv", line: 1}
	var out [][]string
	for {
		b := &scanBatch{}
		sc.start(b)
		for range 3 { // small batches, so records cross batch storage
			before := len(b.fields)
			ok, err := sc.record(b)
			if err != nil {
				return out, err
			}
			if !ok {
				sc.finish(b)
				return out, nil
			}
			var rec []string
			for _, f := range b.fields[before:] {
				rec = append(rec, string(f))
			}
			out = append(out, rec)
		}
		sc.finish(b)
	}
}

func TestCSVScanner(t *testing.T) {
	for _, src := range []string{
		"a,b\n1,2\n",
		"a,b\r\n1,2\r\n",
		"a,b\n1,2",
		"a,b\n\"x,\"\"y\"\"\",\"多\n行\"\n,\n",
		"a\n\"\"\n\"\"\"\"\n",
		"a,b\n\"q\",r\r\n",
		"姓名,电话\n张*,138****5678\n\" \",\n",
	} {
		want, err := csv.NewReader(strings.NewReader(src)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range []io.Reader{strings.NewReader(src), iotest.OneByteReader(strings.NewReader(src)), iotest.HalfReader(strings.NewReader(src))} {
			got, err := scanAll(r)
			if err != nil {
				t.Fatalf("%q: %v", src, err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%q: got %q, want %q", src, got, want)
			}
		}
	}
	for _, src := range []string{"a\nx\"y\n", "a\n\"x\"y\n", "a\n\"open\n"} {
		if _, err := scanAll(strings.NewReader(src)); err == nil || !strings.Contains(err.Error(), "t.csv:2") {
			t.Errorf("%q: error %v, want one at t.csv:2", src, err)
		}
	}
}
