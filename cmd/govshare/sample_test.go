package main

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/govshare/govshare/internal/synth"
	"golang.org/x/text/encoding/simplifiedchinese"
)

var update = flag.Bool("update", false, "regenerate testdata/sample from internal/synth")

const sampleDir = "../../testdata/sample"

// sampleFiles generates the bundled sample data: a population register
// (CSV), a company register (JSON Lines), free-text case notes, and a
// GB18030 copy of the register.
func sampleFiles() map[string][]byte {
	files := map[string][]byte{}
	g := synth.New(2026)
	var b bytes.Buffer
	if err := g.WriteCSV(&b, synth.PopulationColumns(), 200, g.PopulationRow); err != nil {
		panic(err)
	}
	files["population.csv"] = append([]byte(nil), b.Bytes()...)
	gbk, err := simplifiedchinese.GB18030.NewEncoder().Bytes(b.Bytes())
	if err != nil {
		panic(err)
	}
	files["population-gb18030.csv"] = gbk
	b.Reset()
	if err := g.WriteJSONL(&b, synth.CompanyColumns(), 100, g.CompanyRow); err != nil {
		panic(err)
	}
	files["company.jsonl"] = append([]byte(nil), b.Bytes()...)
	var notes strings.Builder
	for range 40 {
		text, _ := g.Text(4, nil)
		notes.WriteString(text)
		notes.WriteByte('\n')
	}
	files["notes.txt"] = []byte(notes.String())
	return files
}

// TestSampleData keeps the bundled samples equal to what the generator
// makes; run with -update after changing internal/synth.
func TestSampleData(t *testing.T) {
	for name, want := range sampleFiles() {
		path := filepath.Join(sampleDir, name)
		if *update {
			if err := os.MkdirAll(sampleDir, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, want, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (regenerate with go test ./cmd/govshare -run TestSampleData -update)", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from the generator's output (regenerate with -update)", name)
		}
	}
}
