// Package sample holds govshare's bundled sample: the reviewed catalog of the
// synthetic population register, grants for it, and the generator of the
// files under testdata/sample. The demo command and the tests share it, so
// the sample the README shows and the one the demo runs are the same.
//
// Start with Catalog and Population.
package sample

import (
	"bytes"
	_ "embed"
	"fmt"
	"strings"
	"time"

	"github.com/govshare/govshare/internal/synth"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// Catalog is the reviewed catalog of the population register (YAML), as in
// testdata/catalog/population.yaml.
//
//go:embed population.yaml
var Catalog []byte

// Provider and Resource are the catalog's provider department and resource.
const (
	Provider = "public-security-bureau"
	Resource = "population-register"
)

// Population returns a synthetic population register of n rows as CSV,
// the same for the same seed.
func Population(seed uint64, n int) ([]byte, error) {
	g := synth.New(seed)
	var b bytes.Buffer
	err := g.WriteCSV(&b, synth.PopulationColumns(), n, g.PopulationRow)
	return b.Bytes(), err
}

// Grant is one conditional-sharing grant of Grants.
type Grant struct {
	ID, Recipient, Purpose string
	Fields                 []string
	NotAfter               time.Time // a date: only the calendar day counts
	Basis                  string
}

// Grants renders grants for the population register as a grants file.
func Grants(gs []Grant) []byte {
	var b strings.Builder
	b.WriteString("# Approved conditional-sharing grants for the sample population register.\ngrants:\n")
	for _, g := range gs {
		fmt.Fprintf(&b, "  - id: %s\n    resource: %s\n    recipient: %s\n    purpose: %s\n    fields: [%s]\n    not_after: %s\n    basis: %q\n",
			g.ID, Resource, g.Recipient, g.Purpose, strings.Join(g.Fields, ", "), g.NotAfter.Format(time.DateOnly), g.Basis)
	}
	return []byte(b.String())
}

// Files generates the bundled sample data of testdata/sample: a population
// register (CSV) and its GB18030 copy, a company register (JSON Lines), and
// free-text case notes.
func Files() (map[string][]byte, error) {
	files := map[string][]byte{}
	g := synth.New(2026)
	var b bytes.Buffer
	if err := g.WriteCSV(&b, synth.PopulationColumns(), 200, g.PopulationRow); err != nil {
		return nil, err
	}
	files["population.csv"] = bytes.Clone(b.Bytes())
	gbk, err := simplifiedchinese.GB18030.NewEncoder().Bytes(b.Bytes())
	if err != nil {
		return nil, err
	}
	files["population-gb18030.csv"] = gbk
	b.Reset()
	if err := g.WriteJSONL(&b, synth.CompanyColumns(), 100, g.CompanyRow); err != nil {
		return nil, err
	}
	files["company.jsonl"] = bytes.Clone(b.Bytes())
	var notes strings.Builder
	for range 40 {
		text, _ := g.Text(4, nil)
		notes.WriteString(text)
		notes.WriteByte('\n')
	}
	files["notes.txt"] = []byte(notes.String())
	return files, nil
}
