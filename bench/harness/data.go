package harness

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"iter"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/google/differential-privacy/go/v3/dpagg"
	"github.com/govshare/govshare"
	"github.com/govshare/govshare/bench/internal/workload"
	"github.com/govshare/govshare/catalog"
	"github.com/govshare/govshare/crypto/keys"
	"github.com/govshare/govshare/dp"
	"github.com/govshare/govshare/policy"
	"github.com/govshare/govshare/risk"
)

// adultQIs are the quasi-identifiers of UCI Adult in ARX's examples.
var adultQIs = []string{"age", "sex", "race", "marital-status", "education", "native-country", "workclass", "occupation"}

// loadAdult reads testdata/adult/adult.csv (';'-separated, a header row).
func (r *runner) loadAdult() ([]string, [][]string, error) {
	f, err := os.Open(filepath.Join(r.root, "testdata", "adult", "adult.csv"))
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	cr := csv.NewReader(f)
	cr.Comma = ';'
	all, err := cr.ReadAll()
	if err != nil {
		return nil, nil, err
	}
	if len(all) < 2 {
		return nil, nil, fmt.Errorf("adult.csv has no records")
	}
	return all[0], all[1:], nil
}

// riskPass: package risk's one-pass analyzer against a plain
// map[string]int over the joined quasi-identifiers, on Adult resampled,
// alternately (go test ./risk -bench Pass is the full version).
func (r *runner) riskPass() error {
	header, adult, err := r.loadAdult()
	if err != nil {
		return err
	}
	qis, err := risk.Lookup(header, adultQIs)
	if err != nil {
		return err
	}
	n := r.size(20_000, 300_000, 1_000_000)
	rng := rand.New(rand.NewPCG(7, 14))
	rows := make([][]string, n)
	for i := range rows {
		rows[i] = adult[rng.IntN(len(adult))]
	}
	parts := make([]string, len(qis))
	baseClasses := 0
	var a *risk.Analyzer
	ts, err := interleaved(r.size(1, 3, 5),
		func() error {
			m := map[string]int{}
			for _, row := range rows {
				for i, q := range qis {
					parts[i] = row[q.Column]
				}
				m[strings.Join(parts, "\x1f")]++
			}
			baseClasses = len(m)
			return nil
		},
		func() error {
			var err error
			if a, err = risk.New(qis, nil, risk.Options{}); err != nil {
				return err
			}
			for _, row := range rows {
				if err := a.Add(row); err != nil {
					return err
				}
			}
			return nil
		})
	if err != nil {
		return err
	}
	classes := a.Result().Classes
	if classes != baseClasses {
		return fmt.Errorf("analyzer found %d classes, the baseline %d", classes, baseClasses)
	}
	r.rep.Comparisons = append(r.rep.Comparisons, Comparison{
		ID:       "risk-pass",
		Title:    fmt.Sprintf("Re-identification pass vs a map[string]int baseline (Adult resampled to %d rows, 8 quasi-identifiers, %d classes)", n, classes),
		Command:  "go test ./risk -run '^$' -bench Pass -benchtime 5x -cpu 1",
		Baseline: "map[string]int over joined values",
		Goal:     "≥ 2,000,000 rows/s per core",
		Results: []Result{
			{Name: "map[string]int over joined values", Value: float64(n) / ts[0].Seconds(), Unit: "rows/s"},
			{Name: "risk.Analyzer (New and Add)", Value: float64(n) / ts[1].Seconds(), Unit: "rows/s"},
		},
	})
	return nil
}

// fixtures are the bundled catalog, grants and register, the register
// repeated to size.
type fixtures struct {
	cat    *catalog.Catalog
	grants []policy.Grant
	data   []byte
	now    time.Time
}

func (r *runner) loadFixtures(repeat int) (*fixtures, error) {
	cat, err := catalog.Load(filepath.Join(r.root, "testdata", "catalog", "population.yaml"))
	if err != nil {
		return nil, err
	}
	grants, err := policy.LoadGrants(filepath.Join(r.root, "testdata", "catalog", "grants.yaml"))
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile(filepath.Join(r.root, "testdata", "sample", "population.csv"))
	if err != nil {
		return nil, err
	}
	body := data[bytes.IndexByte(data, '\n')+1:]
	for range repeat - 1 {
		data = append(data, body...)
	}
	// The grants of the fixtures are valid on this day.
	return &fixtures{cat, grants, data, time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)}, nil
}

// pipeline: govshare.Apply on the register of bench/pipeline's workloads
// (internal/workload, generated in memory), (a) work_reference (masks,
// generalizations, a redaction) and (b) administrative_basis (token, FPE,
// pseudonym, mask, generalize), against an encoding/csv copy, at GOMAXPROCS
// 1 and 2 (bench/pipeline on 1 GiB is the full version).
func (r *runner) pipeline() error {
	var buf bytes.Buffer
	if _, err := workload.Write(&buf, int64(r.size(1, 32, 256))<<20); err != nil {
		return err
	}
	data := buf.Bytes()
	catA, err := catalog.Parse([]byte(workload.CatalogYAML(false)), "a.yaml")
	if err != nil {
		return err
	}
	catB, err := catalog.Parse([]byte(workload.CatalogYAML(true)), "b.yaml")
	if err != nil {
		return err
	}
	kr, err := keys.New(workload.Provider)
	if err != nil {
		return err
	}
	apply := func(purpose catalog.Purpose, cat *catalog.Catalog) func() error {
		return func() error {
			_, err := govshare.Apply(context.Background(), io.Discard, govshare.Input{Reader: bytes.NewReader(data), Name: "register.csv"},
				kr, "tax-bureau", purpose, cat, nil)
			return err
		}
	}
	work := []struct {
		name string
		f    func() error
	}{
		{"encoding/csv copy", func() error { return workload.Copy(bytes.NewReader(data)) }},
		{"(a) work_reference: mask, generalize, redact", apply(catalog.PurposeWorkReference, catA)},
		{"(b) token, FPE, pseudonym, mask, generalize", apply(catalog.PurposeAdministrativeBasis, catB)},
	}
	procs := []int{1, 2}
	if r.opt.Mode == Full && runtime.NumCPU() > 2 {
		procs = append(procs, runtime.NumCPU())
	}
	prev := runtime.GOMAXPROCS(0)
	defer runtime.GOMAXPROCS(prev)
	mb := float64(len(data)) / 1e6
	c := Comparison{
		ID:       "pipeline",
		Title:    fmt.Sprintf("Pipeline vs an encoding/csv copy (generated 20-column register, %.0f MB, in memory), by GOMAXPROCS", mb),
		Command:  "cd bench && go run ./pipeline -dir /tmp/pbench -runs 3",
		Baseline: "encoding/csv copy, GOMAXPROCS 1",
		Goal:     "(a) on 2 cores ≥ 50% of the copy; 2 cores ≥ 1.6× one",
	}
	series := make([]Series, len(work))
	for i, w := range work {
		series[i].Name = w.name
	}
	for _, p := range procs {
		runtime.GOMAXPROCS(p)
		fs := make([]func() error, len(work))
		for i := range work {
			fs[i] = work[i].f
			if err := fs[i](); err != nil { // warm: tables, key derivation, caches
				return err
			}
		}
		ts, err := interleaved(r.size(1, 2, 3), fs...)
		if err != nil {
			return err
		}
		for i, w := range work {
			v := mb / ts[i].Seconds()
			c.Results = append(c.Results, Result{Name: fmt.Sprintf("%s, GOMAXPROCS %d", w.name, p), Value: v, Unit: "MB/s"})
			series[i].Points = append(series[i].Points, Point{X: float64(p), Y: v})
		}
	}
	r.rep.Comparisons = append(r.rep.Comparisons, c)
	r.rep.Curves = append(r.rep.Curves, Curve{
		ID: "pipeline-cores", Title: "Pipeline throughput against cores",
		XLabel: "GOMAXPROCS", YLabel: "MB/s", Series: series, IntX: true,
		Note: "The copy is one goroutine; Apply parses, transforms and writes on every core.",
	})
	return nil
}

// riskGate: govshare.Share of the bundled register for work_reference
// with the catalog as it is (no field marked: only the identifier parts the
// transforms keep are measured) and with two fields marked
// quasi_identifier, alternately (BenchmarkRiskGate in the root
// package is the full version).
func (r *runner) riskGate() error {
	fx, err := r.loadFixtures(r.size(3, 100, 400))
	if err != nil {
		return err
	}
	psb, err := keys.New("public-security-bureau")
	if err != nil {
		return err
	}
	tax, err := keys.New("tax-bureau")
	if err != nil {
		return err
	}
	marked := *fx.cat
	marked.Fields = slices.Clone(fx.cat.Fields)
	for i := range marked.Fields {
		marked.Fields[i].QuasiIdentifier = slices.Contains([]string{"性别", "登记日期"}, marked.Fields[i].Name)
	}
	var qis int
	share := func(cat *catalog.Catalog) func() error {
		return func() error {
			res, err := govshare.Share(context.Background(), io.Discard, govshare.Input{Reader: bytes.NewReader(fx.data), Name: "register.csv"},
				psb, tax.Public(), catalog.PurposeWorkReference, cat, &govshare.ShareOptions{Grants: fx.grants, Now: fx.now})
			if err == nil && res.Risk != nil {
				qis = len(res.Risk.QuasiIdentifiers)
			}
			return err
		}
	}
	for _, f := range []func() error{share(fx.cat), share(&marked)} {
		if err := f(); err != nil { // warm
			return err
		}
	}
	ts, err := interleaved(r.size(1, 3, 5), share(fx.cat), share(&marked))
	if err != nil {
		return err
	}
	mb := float64(len(fx.data)) / 1e6
	r.rep.Comparisons = append(r.rep.Comparisons, Comparison{
		ID:       "risk-gate",
		Title:    fmt.Sprintf("Share with and without the re-identification gate (bundled register, %.1f MB, work_reference)", mb),
		Command:  "go test -run '^$' -bench RiskGate -benchtime 20x .",
		Baseline: "Share, no field marked quasi_identifier",
		Results: []Result{
			{Name: "Share, no field marked quasi_identifier", Value: mb / ts[0].Seconds(), Unit: "MB/s"},
			{Name: fmt.Sprintf("Share, %d quasi-identifiers measured", qis), Value: mb / ts[1].Seconds(), Unit: "MB/s"},
		},
	})
	return nil
}

// dpUtility: the relative error of a DP count (dp.Run, one contribution
// per person, Laplace, δ = 1e-5, grouped: half of ε to partition
// selection) against ε, up to dp.MaxEpsilon, and the hard threshold of
// partition selection (the group size above which a group is always
// released) against ε (go test -run TestRelativeErrorTable -v ./dp is the
// table version).
func (r *runner) dpUtility() error {
	trials := r.size(20, 200, 1000)
	eps := []float64{0.05, 0.1, 0.2, 0.5, 1, 2, 5, dp.MaxEpsilon}
	if r.opt.Mode == Tiny {
		eps = []float64{0.1, 1, dp.MaxEpsilon}
	}
	truths := []int{1000}
	if r.opt.Mode == Full {
		truths = append(truths, 10000)
	}
	var series []Series
	thr := Series{Name: "hard threshold (people per group)"}
	for _, truth := range truths {
		med := Series{Name: fmt.Sprintf("median relative error, %d people", truth)}
		p95 := Series{Name: fmt.Sprintf("p95 relative error, %d people", truth)}
		header := []string{"person", "group"}
		rows := make([][]string, truth)
		for i := range rows {
			rows[i] = []string{fmt.Sprintf("p%07d", i), "A"}
		}
		seq := func(yield func([]string, error) bool) {
			for _, row := range rows {
				if !yield(row, nil) {
					return
				}
			}
		}
		for _, e := range eps {
			o := dp.Options{Kind: dp.KindCount, Person: "person", GroupBy: "group", Epsilon: e, Delta: 1e-5}
			errs := make([]float64, 0, trials)
			for range trials {
				rep, _, err := dp.Run(o, iter.Seq2[[]string, error](seq), header, dp.Budget{Unbudgeted: true})
				if err != nil {
					return err
				}
				v := 0.0 // a suppressed group is a count of 0 to its recipient
				if len(rep.Results) == 1 {
					v = rep.Results[0].Value
				}
				errs = append(errs, math.Abs(v-float64(truth))/float64(truth))
			}
			slices.Sort(errs)
			// An exact count (error 0) is drawn at half a count, so that a
			// log axis can show it.
			floor := 0.5 / float64(truth)
			med.Points = append(med.Points, Point{X: e, Y: math.Max(errs[len(errs)/2], floor)})
			p95.Points = append(p95.Points, Point{X: e, Y: math.Max(errs[len(errs)*95/100], floor)})
			if truth == truths[0] {
				s := o.Split()
				sel, err := dpagg.NewPreAggSelectPartition(&dpagg.PreAggSelectPartitionOptions{
					Epsilon: s.Selection.Epsilon, Delta: s.Selection.Delta, MaxPartitionsContributed: 1,
				})
				if err != nil {
					return err
				}
				h, err := sel.GetHardThreshold()
				if err != nil {
					return err
				}
				thr.Points = append(thr.Points, Point{X: e, Y: float64(h)})
			}
		}
		series = append(series, med, p95)
	}
	r.rep.Curves = append(r.rep.Curves, Curve{
		ID: "dp-utility", Title: fmt.Sprintf("DP count: relative error against ε (%d trials)", trials),
		XLabel: "ε (total; half to partition selection)", YLabel: "relative error", LogX: true, LogY: true, LegendLow: true,
		Series: series,
		Marks:  []Mark{{Name: "dp.MaxEpsilon: larger ε refused", X: dp.MaxEpsilon}},
		Note:   "One contribution per person (L = C = 1), Laplace noise, δ = 1e-5, through dp.Run; a suppressed group counts as 0, an exact count as half a count (0.5/n) so the log axis shows it.",
	}, Curve{
		ID: "dp-threshold", Title: "DP partition selection: hard threshold against ε",
		XLabel: "ε (total; half to partition selection)", YLabel: "people per group", LogX: true, LogY: true, LegendLow: true,
		Series: []Series{thr},
		Marks:  []Mark{{Name: "dp.MaxEpsilon: larger ε refused", X: dp.MaxEpsilon}, {Name: "group size measured above", Y: float64(truths[0]), Horizontal: true}},
		Note:   "A group with at least this many people is always released (dpagg.PreAggSelectPartition, δ = 1e-5); smaller ones may be suppressed.",
	})
	return nil
}

// riskLevels: the re-identification figures of UCI Adult (8
// quasi-identifiers) generalized uniformly along ARX's hierarchies, level
// by level (risk.ByLevel; TestAdultByLevel checks it against a naive
// count).
func (r *runner) riskLevels() error {
	header, rows, err := r.loadAdult()
	if err != nil {
		return err
	}
	if n := r.size(3000, len(rows), len(rows)); n < len(rows) {
		rows = rows[:n]
	}
	qis, err := risk.Lookup(header, adultQIs)
	if err != nil {
		return err
	}
	hs := make([]*risk.Hierarchy, len(adultQIs))
	for i, q := range adultQIs {
		name := filepath.Join(r.root, "testdata", "adult", "adult_hierarchy_"+q+".csv")
		f, err := os.Open(name)
		if err != nil {
			return err
		}
		hs[i], err = risk.ParseHierarchy(f, name, ';')
		f.Close()
		if err != nil {
			return err
		}
	}
	points, err := risk.ByLevel(rows, qis, hs, risk.Options{})
	if err != nil {
		return err
	}
	names := []string{"prosecutor risk, highest (1/k_min)", "prosecutor risk, average", "share of records in classes below k = 5", "share of sample uniques"}
	series := make([]Series, len(names))
	for i, n := range names {
		series[i].Name = n
	}
	for _, p := range points {
		x := float64(p.Level)
		for i, y := range []float64{p.ProsecutorMax, p.ProsecutorAvg, p.ShareBelowK, p.UniqueShare} {
			series[i].Points = append(series[i].Points, Point{X: x, Y: y})
		}
	}
	r.rep.Curves = append(r.rep.Curves, Curve{
		ID: "risk-levels", Title: fmt.Sprintf("Re-identification risk against generalization (Adult, %d records)", len(rows)),
		XLabel: "generalization level of the 8 quasi-identifiers", YLabel: "risk / share of records", IntX: true,
		Series: series,
		Marks:  []Mark{{Name: "max_prosecutor_risk 0.2 (an example threshold)", Y: 0.2, Horizontal: true}},
		Note:   "ARX's hierarchies (testdata/adult); level 0 is the data as it is.",
	})
	return nil
}
