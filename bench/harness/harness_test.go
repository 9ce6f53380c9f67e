package harness

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestTinyRun runs every comparison in tiny mode and checks what a reader
// gets: a JSON report that parses, with positive figures and ratios for
// every comparison that ran, Markdown tables, and SVG figures that parse as
// XML, one per curve and per bar figure.
func TestTinyRun(t *testing.T) {
	if testing.Short() {
		t.Skip("runs every comparison (seconds)")
	}
	out := t.TempDir()
	rep, err := Run(Options{Mode: Tiny, Out: out})
	if err != nil {
		t.Fatal(err)
	}

	b, err := os.ReadFile(filepath.Join(out, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	var got Report
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatalf("results.json: %v", err)
	}
	if got.Mode != "tiny" || got.Seconds <= 0 || len(got.Comparisons) != len(rep.Comparisons) {
		t.Fatalf("results.json: mode %q, %g s, %d comparisons", got.Mode, got.Seconds, len(got.Comparisons))
	}
	ran := map[string]bool{}
	for _, c := range got.Comparisons {
		if c.Skipped != "" {
			continue
		}
		ran[c.ID] = true
		if len(c.Results) < 2 {
			t.Errorf("%s: %d results, want a baseline and at least one more", c.ID, len(c.Results))
		}
		base := false
		for _, r := range c.Results {
			if !(r.Value > 0) || math.IsInf(r.Value, 0) || !(r.Speed > 0) || math.IsInf(r.Speed, 0) {
				t.Errorf("%s / %s: value %g %s, speed %g", c.ID, r.Name, r.Value, r.Unit, r.Speed)
			}
			if r.Name == c.Baseline {
				base = true
				if r.Speed != 1 {
					t.Errorf("%s: the baseline's speed is %g", c.ID, r.Speed)
				}
			}
		}
		if !base {
			t.Errorf("%s: no baseline row %q", c.ID, c.Baseline)
		}
	}
	for _, id := range []string{"detect", "ff1-encrypt", "ff1-decrypt", "risk-pass", "pipeline", "risk-gate"} {
		if !ran[id] {
			t.Errorf("comparison %s did not run", id)
		}
	}
	curves := map[string]Curve{}
	for _, c := range got.Curves {
		curves[c.ID] = c
		for _, s := range c.Series {
			if len(s.Points) == 0 {
				t.Errorf("%s / %s: no points", c.ID, s.Name)
			}
			for _, p := range s.Points {
				if math.IsNaN(p.X) || math.IsNaN(p.Y) || p.Y < 0 || (c.LogY && p.Y <= 0) {
					t.Errorf("%s / %s: point %+v", c.ID, s.Name, p)
				}
			}
		}
	}
	// The relations the figures are drawn to show.
	if c, ok := curves["dp-utility"]; !ok || !falls(c.Series[0].Points) {
		t.Errorf("dp-utility: the median error does not fall with ε: %+v", c)
	}
	if c, ok := curves["dp-threshold"]; !ok || !falls(c.Series[0].Points) {
		t.Errorf("dp-threshold: the hard threshold does not fall with ε: %+v", c)
	}
	if c, ok := curves["risk-levels"]; !ok || !falls(c.Series[0].Points) || c.Series[0].Points[0].Y != 1 {
		t.Errorf("risk-levels: the highest risk does not start at 1 and fall with generalization: %+v", c)
	}
	if c, ok := curves["pipeline-cores"]; !ok || len(c.Series) != 3 || len(c.Series[0].Points) != 2 {
		t.Errorf("pipeline-cores: %+v", c)
	}

	md, err := os.ReadFile(filepath.Join(out, "results.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range got.Comparisons {
		if !strings.Contains(string(md), "## "+c.Title) {
			t.Errorf("results.md has no section for %s", c.ID)
		}
	}
	if n := strings.Count(string(md), "(baseline) |"); n != len(ran) {
		t.Errorf("results.md marks %d baselines, want %d", n, len(ran))
	}

	want := []string{"detect.svg", "ff1.svg", "dp_utility.svg", "dp_threshold.svg", "risk_levels.svg", "pipeline_cores.svg"}
	if !slices.Equal(sorted(got.Figures), sorted(want)) {
		t.Errorf("figures %v, want %v", got.Figures, want)
	}
	for _, f := range got.Figures {
		b, err := os.ReadFile(filepath.Join(out, f))
		if err != nil {
			t.Fatal(err)
		}
		checkSVG(t, f, b)
		if !strings.Contains(string(md), "]("+f+")") {
			t.Errorf("results.md does not show %s", f)
		}
	}

	// The figures redraw from the JSON alone, to the same files.
	again := t.TempDir()
	rp, err := Replot(filepath.Join(out, "results.json"), again)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(rp.Figures, got.Figures) {
		t.Errorf("replot drew %v, the run %v", rp.Figures, got.Figures)
	}
	for _, f := range rp.Figures {
		b, err := os.ReadFile(filepath.Join(again, f))
		if err != nil {
			t.Fatal(err)
		}
		checkSVG(t, "replotted "+f, b)
	}
}

// falls reports whether the points' y never rises and ends below where
// it starts.
func falls(ps []Point) bool {
	for i := 1; i < len(ps); i++ {
		if ps[i].Y > ps[i-1].Y*1.0001 {
			return false
		}
	}
	return len(ps) > 1 && ps[len(ps)-1].Y < ps[0].Y
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

// checkSVG parses b as XML: an <svg> root with drawing in it.
func checkSVG(t *testing.T, name string, b []byte) {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(b))
	root, paths, texts := "", 0, 0
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("%s is not XML: %v", name, err)
		}
		if se, ok := tok.(xml.StartElement); ok {
			if root == "" {
				root = se.Name.Local
			}
			switch se.Name.Local {
			case "path":
				paths++
			case "text":
				texts++
			}
		}
	}
	if root != "svg" || paths < 5 || texts < 5 {
		t.Errorf("%s: root <%s>, %d paths, %d texts", name, root, paths, texts)
	}
}

// TestParseBench reads go test -json output, whose benchmark lines may be
// split across events, and plain benchmark lines.
func TestParseBench(t *testing.T) {
	out := `{"Action":"start","Package":"p"}
{"Action":"output","Package":"p","Output":"goos: linux\n"}
{"Action":"output","Package":"p","Output":"BenchmarkDecodeGB/table-2         \t"}
{"Action":"output","Package":"p","Output":"     100\t  1234 ns/op\t 758.00 MB/s\n"}
{"Action":"output","Package":"p","Output":"BenchmarkPass/adult-8qi  \t 3\t 5 ns/op\t 2.9e+06 baseline-rows/s\t 1.9 ratio\n"}
{"Action":"output","Package":"p","Output":"BenchmarkBroken 12 ns/op\n"}
{"Action":"pass","Package":"p"}
`
	lines, err := parseBenchJSON([]byte(out))
	if err != nil {
		t.Fatal(err)
	}
	if len(lines) != 2 {
		t.Fatalf("%d lines: %+v", len(lines), lines)
	}
	if l := lines[0]; l.Name != "DecodeGB/table" || l.Procs != 2 || l.N != 100 || l.Metrics["MB/s"] != 758 || l.Metrics["ns/op"] != 1234 {
		t.Errorf("line 1: %+v", l)
	}
	if l := lines[1]; l.Name != "Pass/adult-8qi" || l.Procs != 1 || l.Metrics["ratio"] != 1.9 || l.Metrics["baseline-rows/s"] != 2.9e6 {
		t.Errorf("line 2: %+v", l)
	}
	if _, err := parseBenchJSON([]byte("{not json\n")); err == nil {
		t.Error("broken JSON accepted")
	}
}

// TestParseMarkdownTables reads bench/redact's output form.
func TestParseMarkdownTables(t *testing.T) {
	s := "redact vs others\n\nstruct → redacted copy\n\n| library | ns/op | allocs/op | × first row | left | note |\n|---|---:|---:|---:|---:|---|\n| redact.Copy | 2700 | 12 | 1.00 | 0 of 7 | a |\n| go-masker | 2300 | 9 | 0.85 | 1 of 7 | |\n\nslog\n\n| library | ns/op |\n|---|---:|\n| x | 1 |\n"
	ts := parseMarkdownTables(s)
	if len(ts) != 2 || ts[0].title != "struct → redacted copy" || len(ts[0].rows) != 2 || ts[0].rows[1][0] != "go-masker" || ts[1].title != "slog" {
		t.Fatalf("%+v", ts)
	}
}

func TestNum(t *testing.T) {
	for f, want := range map[float64]string{1234567: "1,234,567", 2: "2", 0.5: "0.500", 45.67: "45.7", 0.001234: "0.00123", -2500: "-2,500"} {
		if got := num(f); got != want {
			t.Errorf("num(%g) = %q, want %q", f, got, want)
		}
	}
}
