// Package harness runs every side-by-side comparison of docs/benchmarks.md
// in one process (`go run ./bench`), and writes the tables as Markdown and
// JSON and the figures as SVG. Each comparison measures its baseline in the
// same run, alternating with the candidates where the runs are long, so the
// ratios hold on a shared, noisy machine; absolute figures do not.
package harness

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Result is one measured row of a comparison.
type Result struct {
	Name  string  `json:"name"`
	Value float64 `json:"value"`
	Unit  string  `json:"unit"`
	// Speed is the row's speed relative to the comparison's baseline (above
	// 1: faster), whatever the unit: value/baseline for rates, baseline/value
	// for times per operation.
	Speed float64 `json:"speed_vs_baseline"`
	Note  string  `json:"note,omitempty"`
}

// Comparison is one side-by-side table: a baseline and what is compared
// with it, measured in one run.
type Comparison struct {
	ID       string   `json:"id"`
	Title    string   `json:"title"`
	Command  string   `json:"command"` // what the docs section runs for the full version
	Baseline string   `json:"baseline"`
	Results  []Result `json:"results"`
	Goal     string   `json:"goal,omitempty"`
	Skipped  string   `json:"skipped,omitempty"` // why the comparison did not run
}

// Point is one (x, y) of a curve.
type Point struct {
	X float64 `json:"x"`
	Y float64 `json:"y"`
}

// Series is one line of a curve.
type Series struct {
	Name   string  `json:"name"`
	Points []Point `json:"points"`
}

// Mark is a reference line drawn on a curve: vertical at X, or
// horizontal at Y when Horizontal.
type Mark struct {
	Name       string  `json:"name"`
	X          float64 `json:"x,omitempty"`
	Y          float64 `json:"y,omitempty"`
	Horizontal bool    `json:"horizontal,omitempty"`
}

// Curve is a measured relation (not a ratio): drawn as a line plot.
type Curve struct {
	ID     string   `json:"id"`
	Title  string   `json:"title"`
	XLabel string   `json:"x_label"`
	YLabel string   `json:"y_label"`
	LogX   bool     `json:"log_x,omitempty"`
	LogY   bool     `json:"log_y,omitempty"`
	Series []Series `json:"series"`
	Marks  []Mark   `json:"marks,omitempty"`
	Note   string   `json:"note,omitempty"`
	// IntX draws ticks at the whole x values only (cores, levels).
	IntX bool `json:"int_x,omitempty"`
	// LegendLow puts the legend at the bottom left, for curves that fall.
	LegendLow bool `json:"-"`
}

// Report is everything one run measured.
type Report struct {
	Started     time.Time    `json:"started"`
	Seconds     float64      `json:"seconds"`
	Mode        string       `json:"mode"` // tiny, quick or full
	GoVersion   string       `json:"go_version"`
	GOMAXPROCS  int          `json:"gomaxprocs"`
	CPUs        int          `json:"cpus"`
	Comparisons []Comparison `json:"comparisons"`
	Curves      []Curve      `json:"curves"`
	Figures     []string     `json:"figures"` // SVG files written, relative to the output directory
}

// fill computes each result's speed against the comparison's baseline
// row (the first whose name is Baseline): rate units ("/s") grow with
// speed, the others (ns/op, s) shrink.
func (c *Comparison) fill() {
	base := -1
	for i, r := range c.Results {
		if r.Name == c.Baseline {
			base = i
			break
		}
	}
	if base < 0 {
		return
	}
	b := c.Results[base]
	for i := range c.Results {
		r := &c.Results[i]
		if r.Unit != b.Unit || r.Value <= 0 || b.Value <= 0 {
			continue
		}
		if isRate(r.Unit) {
			r.Speed = r.Value / b.Value
		} else {
			r.Speed = b.Value / r.Value
		}
	}
}

func isRate(unit string) bool { return strings.Contains(unit, "/s") }

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(r)
}

// WriteMarkdown writes the tables and curves as Markdown.
func (r *Report) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# go run ./bench (%s mode)\n\n", r.Mode)
	fmt.Fprintf(&b, "Run of %s, %.0f s, %s, GOMAXPROCS %d of %d CPUs. Every ratio is against a baseline measured in\n",
		r.Started.UTC().Format("2006-01-02 15:04 MST"), r.Seconds, r.GoVersion, r.GOMAXPROCS, r.CPUs)
	b.WriteString("the same run; absolute figures move with the machine's load.\n\n")
	for _, c := range r.Comparisons {
		fmt.Fprintf(&b, "## %s\n\n", c.Title)
		fmt.Fprintf(&b, "Full version: `%s`\n\n", c.Command)
		if c.Skipped != "" {
			fmt.Fprintf(&b, "Skipped: %s\n\n", c.Skipped)
			continue
		}
		b.WriteString("| | figure | × baseline | note |\n|---|---:|---:|---|\n")
		for _, res := range c.Results {
			speed := "—"
			if res.Speed > 0 {
				speed = num(res.Speed) + "×"
			}
			name := res.Name
			if res.Name == c.Baseline {
				name += " (baseline)"
			}
			fmt.Fprintf(&b, "| %s | %s %s | %s | %s |\n", name, num(res.Value), res.Unit, speed, res.Note)
		}
		if c.Goal != "" {
			fmt.Fprintf(&b, "\nGoal: %s\n", c.Goal)
		}
		b.WriteString("\n")
	}
	for _, c := range r.Curves {
		fmt.Fprintf(&b, "## %s\n\n", c.Title)
		if c.Note != "" {
			fmt.Fprintf(&b, "%s\n\n", c.Note)
		}
		fmt.Fprintf(&b, "| %s |", c.XLabel)
		xs := curveXs(c)
		for _, s := range c.Series {
			fmt.Fprintf(&b, " %s |", s.Name)
		}
		b.WriteString("\n|---:|" + strings.Repeat("---:|", len(c.Series)) + "\n")
		for _, x := range xs {
			fmt.Fprintf(&b, "| %s |", num(x))
			for _, s := range c.Series {
				cell := ""
				for _, p := range s.Points {
					if p.X == x {
						cell = num(p.Y)
					}
				}
				fmt.Fprintf(&b, " %s |", cell)
			}
			b.WriteString("\n")
		}
		for _, m := range c.Marks {
			if m.Horizontal {
				fmt.Fprintf(&b, "\nReference line: %s at %s.\n", m.Name, num(m.Y))
			} else {
				fmt.Fprintf(&b, "\nReference line: %s at %s = %s.\n", m.Name, c.XLabel, num(m.X))
			}
		}
		b.WriteString("\n")
	}
	if len(r.Figures) > 0 {
		b.WriteString("## Figures\n\n")
		for _, f := range r.Figures {
			fmt.Fprintf(&b, "![%s](%s)\n\n", strings.TrimSuffix(f, ".svg"), f)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// curveXs is the sorted union of a curve's x values.
func curveXs(c Curve) []float64 {
	seen := map[float64]bool{}
	var xs []float64
	for _, s := range c.Series {
		for _, p := range s.Points {
			if !seen[p.X] {
				seen[p.X] = true
				xs = append(xs, p.X)
			}
		}
	}
	for i := 1; i < len(xs); i++ {
		for j := i; j > 0 && xs[j] < xs[j-1]; j-- {
			xs[j], xs[j-1] = xs[j-1], xs[j]
		}
	}
	return xs
}

// num prints a figure with 3 significant digits, thousands grouped.
func num(f float64) string {
	if f == 0 || math.IsNaN(f) || math.IsInf(f, 0) {
		return strconv.FormatFloat(f, 'g', -1, 64)
	}
	a := math.Abs(f)
	if f == math.Trunc(f) && a < 1000 {
		return strconv.FormatFloat(f, 'f', 0, 64)
	}
	if a >= 1000 {
		s := strconv.FormatFloat(math.Round(f), 'f', 0, 64)
		neg := strings.HasPrefix(s, "-")
		s = strings.TrimPrefix(s, "-")
		var out []byte
		for i := range s {
			if i > 0 && (len(s)-i)%3 == 0 {
				out = append(out, ',')
			}
			out = append(out, s[i])
		}
		if neg {
			return "-" + string(out)
		}
		return string(out)
	}
	digits := 2 - int(math.Floor(math.Log10(a)))
	if digits < 0 {
		digits = 0
	}
	return strconv.FormatFloat(f, 'f', digits, 64)
}

// write writes the report's files into dir: results.json, results.md.
func (r *Report) write(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for name, fn := range map[string]func(io.Writer) error{"results.json": r.WriteJSON, "results.md": r.WriteMarkdown} {
		f, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			return err
		}
		if err := fn(f); err != nil {
			f.Close()
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
	}
	return nil
}
