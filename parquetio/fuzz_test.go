package parquetio

import (
	"bytes"
	"io"
	"strings"
	"testing"
)

// FuzzReader feeds the Reader damaged files: it may refuse them, never
// panic, and every error names the file.
func FuzzReader(f *testing.F) {
	f.Add(writeFile(f, people, 2))
	f.Add(writeFile(f, people[:1], 1))
	var csvOut bytes.Buffer
	w := NewWriter(&csvOut, "seed.parquet", func(string) Output { return Output{Date: ""} }, nil)
	_, _ = io.WriteString(w, "a,b\n1,\n,2\n")
	if err := w.Commit(); err != nil {
		f.Fatal(err)
	}
	f.Add(csvOut.Bytes())
	f.Add([]byte("PAR1PAR1"))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := NewReader(bytes.NewReader(data), int64(len(data)), "fuzz.parquet")
		if err != nil {
			if !strings.Contains(err.Error(), "fuzz.parquet") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		_, err = io.Copy(io.Discard, r.CSV(true))
		if err != nil && !strings.Contains(err.Error(), "fuzz.parquet") {
			t.Fatalf("error does not name the file: %v", err)
		}
		if err != nil && r.rg < len(r.groups) && !strings.Contains(err.Error(), "row group") {
			t.Fatalf("error does not name the row group: %v", err)
		}
	})
}
