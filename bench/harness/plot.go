package harness

import (
	"fmt"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// barFigure draws the rows of some comparisons as bars, each labelled
// with its speed against its baseline.
type barFigure struct {
	file  string
	title string
	ids   []string // comparisons, in order
}

var barFigures = []barFigure{
	{"detect.svg", "Free-text detection vs godlp (higher is faster)", []string{"detect", "detect-per-value"}},
	{"ff1.svg", "FF1 vs capitalone/fpe, 18 digits (lower is faster)", []string{"ff1-encrypt", "ff1-decrypt"}},
}

// palette is a colour-blind-safe set (Okabe–Ito).
var palette = []color.Color{
	color.RGBA{0, 114, 178, 255}, color.RGBA{213, 94, 0, 255}, color.RGBA{0, 158, 115, 255},
	color.RGBA{204, 121, 167, 255}, color.RGBA{230, 159, 0, 255}, color.RGBA{86, 180, 233, 255},
	color.RGBA{0, 0, 0, 255},
}

// drawFigures writes one SVG per bar figure whose comparisons ran and one
// per curve, into dir, and returns their names.
func drawFigures(rep *Report, dir string) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var files []string
	for _, f := range barFigures {
		var cs []Comparison
		for _, id := range f.ids {
			for _, c := range rep.Comparisons {
				if c.ID == id && c.Skipped == "" && len(c.Results) > 0 {
					cs = append(cs, c)
				}
			}
		}
		if len(cs) == 0 {
			continue
		}
		if err := drawBars(filepath.Join(dir, f.file), f.title, cs); err != nil {
			return nil, fmt.Errorf("%s: %w", f.file, err)
		}
		files = append(files, f.file)
	}
	for _, c := range rep.Curves {
		file := strings.ReplaceAll(c.ID, "-", "_") + ".svg"
		if err := drawCurve(filepath.Join(dir, file), c); err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		files = append(files, file)
	}
	return files, nil
}

// drawBars draws each result as a thick vertical segment from the axis
// floor (a bar that a log axis can draw), comparisons side by side.
func drawBars(path, title string, cs []Comparison) error {
	p := plot.New()
	p.Title.Text = title
	unit := cs[0].Results[0].Unit
	p.Y.Label.Text = unit
	var names []string
	var vals []float64
	var speeds []float64
	var group []int
	for gi, c := range cs {
		for _, r := range c.Results {
			if r.Unit != unit || r.Value <= 0 {
				continue
			}
			names = append(names, wrap(r.Name, 14))
			vals = append(vals, r.Value)
			speeds = append(speeds, r.Speed)
			group = append(group, gi)
		}
	}
	if len(vals) == 0 {
		return fmt.Errorf("nothing to draw")
	}
	lo, hi := slices.Min(vals), slices.Max(vals)
	floor := 0.0
	if hi/lo > 50 {
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = plot.LogTicks{Prec: -1}
		floor = math.Pow(10, math.Floor(math.Log10(lo)))
		p.Y.Min, p.Y.Max = floor, hi*3
	} else {
		p.Y.Min, p.Y.Max = 0, hi*1.2
	}
	var lxy plotter.XYs
	var labels []string
	for i, v := range vals {
		seg, err := plotter.NewLine(plotter.XYs{{X: float64(i), Y: floor}, {X: float64(i), Y: v}})
		if err != nil {
			return err
		}
		seg.LineStyle.Width = vg.Points(26)
		seg.LineStyle.Color = palette[group[i]%len(palette)]
		p.Add(seg)
		lxy = append(lxy, plotter.XY{X: float64(i), Y: v})
		l := num(v)
		if speeds[i] > 0 {
			l += fmt.Sprintf("\n%s×", num(speeds[i]))
		}
		labels = append(labels, l)
	}
	lab, err := plotter.NewLabels(plotter.XYLabels{XYs: lxy, Labels: labels})
	if err != nil {
		return err
	}
	for i := range lab.TextStyle {
		lab.TextStyle[i].XAlign = draw.XCenter
		lab.TextStyle[i].YAlign = draw.YBottom
	}
	p.Add(lab)
	p.NominalX(names...)
	p.X.Min, p.X.Max = -0.7, float64(len(vals))-0.3
	p.Add(plotter.NewGrid())
	return p.Save(vg.Length(max(6, 1.6*float64(len(vals))))*vg.Inch, 4.5*vg.Inch, path)
}

// wrap breaks s into lines of about n bytes at spaces.
func wrap(s string, n int) string {
	var b strings.Builder
	line := 0
	for i, w := range strings.Fields(s) {
		if i > 0 {
			if line+1+len(w) > n {
				b.WriteByte('\n')
				line = 0
			} else {
				b.WriteByte(' ')
				line++
			}
		}
		b.WriteString(w)
		line += len(w)
	}
	return b.String()
}

// drawCurve draws a curve's series as lines with points, and its marks as
// dashed reference lines.
func drawCurve(path string, c Curve) error {
	p := plot.New()
	p.Title.Text = c.Title
	p.X.Label.Text = c.XLabel
	p.Y.Label.Text = c.YLabel
	if c.LogX {
		p.X.Scale = plot.LogScale{}
		p.X.Tick.Marker = plot.LogTicks{Prec: -1}
	}
	if c.LogY {
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = plot.LogTicks{Prec: -1}
	}
	xmin, xmax, ymin, ymax := math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
	for i, s := range c.Series {
		xys := make(plotter.XYs, len(s.Points))
		for j, pt := range s.Points {
			xys[j] = plotter.XY{X: pt.X, Y: pt.Y}
			xmin, xmax = math.Min(xmin, pt.X), math.Max(xmax, pt.X)
			ymin, ymax = math.Min(ymin, pt.Y), math.Max(ymax, pt.Y)
		}
		if len(xys) == 0 {
			continue
		}
		l, pts, err := plotter.NewLinePoints(xys)
		if err != nil {
			return err
		}
		col := palette[i%len(palette)]
		l.LineStyle.Color, l.LineStyle.Width = col, vg.Points(1.5)
		pts.Color, pts.Shape = col, draw.GlyphDrawer(shapes[i%len(shapes)])
		p.Add(l, pts)
		p.Legend.Add(s.Name, l, pts)
	}
	if math.IsInf(xmin, 0) {
		return fmt.Errorf("curve %s has no points", c.ID)
	}
	for _, m := range c.Marks {
		if m.Horizontal {
			ymin, ymax = math.Min(ymin, m.Y), math.Max(ymax, m.Y)
		}
	}
	if !c.LogY && ymin >= 0 {
		ymin = 0
	}
	// Room above the data for a legend at the top: a line per entry.
	entries := float64(len(c.Series) + len(c.Marks))
	ytop := ymax * (1.1 + 0.12*entries)
	if c.LogY {
		ytop = ymax * math.Pow(10, 0.1+0.3*entries)
	}
	if c.LegendLow {
		ytop = ymax * 1.15
		if c.LogY {
			ytop = ymax * 2
		}
	}
	p.Y.Min, p.Y.Max = ymin, ytop
	if c.LogY {
		p.Y.Min = ymin / 2
	}
	for _, m := range c.Marks {
		var xys plotter.XYs
		if m.Horizontal {
			xys = plotter.XYs{{X: xmin, Y: m.Y}, {X: xmax, Y: m.Y}}
		} else {
			xys = plotter.XYs{{X: m.X, Y: p.Y.Min}, {X: m.X, Y: p.Y.Max}}
		}
		l, err := plotter.NewLine(xys)
		if err != nil {
			return err
		}
		l.LineStyle.Dashes = []vg.Length{vg.Points(5), vg.Points(3)}
		l.LineStyle.Color = color.Gray{Y: 90}
		p.Add(l)
		p.Legend.Add(m.Name, l)
	}
	// On the left, so that a viewer's wider fallback font runs into the
	// plot, not off the canvas.
	p.Legend.Top, p.Legend.Left = !c.LegendLow, true
	if c.IntX {
		var ticks []plot.Tick
		for x := math.Ceil(xmin); x <= xmax; x++ {
			ticks = append(ticks, plot.Tick{Value: x, Label: fmt.Sprint(x)})
		}
		p.X.Tick.Marker = plot.ConstantTicks(ticks)
	}
	if !c.LogX {
		pad := (xmax - xmin) * 0.04
		p.X.Min, p.X.Max = xmin-pad, xmax+pad
	}
	p.Add(plotter.NewGrid())
	return p.Save(7*vg.Inch, 4.5*vg.Inch, path)
}

var shapes = []draw.GlyphDrawer{draw.CircleGlyph{}, draw.TriangleGlyph{}, draw.SquareGlyph{}, draw.CrossGlyph{}, draw.PlusGlyph{}, draw.RingGlyph{}}
