package govshare

import (
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/govshare/govshare/audit"
	"github.com/govshare/govshare/catalog"
	"github.com/govshare/govshare/internal/records"
	"github.com/govshare/govshare/policy"
	"github.com/govshare/govshare/risk"
)

// riskGate measures the re-identification risk of the records a share
// releases, as the pipeline writes them (docs/catalog.md: re-identification
// risk). Each worker counts the rows it writes on an Analyzer of its own
// (forWorker), so the count runs on every core and the in-order collector
// only adds up the records; the analyzers merge once the run is done.
type riskGate struct {
	cat *catalog.Catalog
	k   int
	qis []risk.QI // over the output columns

	workers []*risk.Analyzer // one per worker (forWorker, before the run)
	n       int64            // records counted (the only figure when no quasi-identifier leaves)
	format  records.Format   // of the run's output, which full reads again
}

// checkRiskCatalog refuses, before anything is read, a catalog whose
// threshold could not measure anything it declares: it sets
// max_prosecutor_risk or min_k but marks no field quasi_identifier. Failing
// closed here beats holding a threshold to whatever identifier parts a
// share happens to keep.
func checkRiskCatalog(cat *catalog.Catalog) error {
	if cat == nil || cat.MaxProsecutorRisk == nil && cat.MinK == nil {
		return nil
	}
	for _, f := range cat.Fields {
		if f.QuasiIdentifier {
			return nil
		}
	}
	return fmt.Errorf("govshare: catalog %q sets a re-identification threshold (max_prosecutor_risk or min_k) but marks no field quasi_identifier: true (%w)",
		cat.Resource, policy.ErrInvalidCatalog)
}

// newRiskGate prepares the measure of a run's output columns: the
// quasi-identifiers are those risk.Released finds (the catalog's, and the
// parts of identifiers that a transform keeps readable).
func newRiskGate(cat *catalog.Catalog, cols []Column) (*riskGate, error) {
	header := make([]string, len(cols))
	transforms := make(map[string]catalog.Transform, len(cols))
	for i, c := range cols {
		header[i] = c.Name
		transforms[c.Name] = c.Transform
	}
	qis, _, err := risk.Released(cat, header, transforms, nil)
	if err != nil {
		return nil, err
	}
	g := &riskGate{cat: cat, k: risk.DefaultK, qis: qis}
	if cat.MinK != nil {
		g.k = int(*cat.MinK) // records below the threshold are the ones at risk
	}
	if len(qis) > 0 {
		if _, err := risk.New(qis, nil, risk.Options{K: g.k}); err != nil {
			return nil, err
		}
	}
	return g, nil
}

// forWorker returns a new Analyzer for one worker's rows, or nil when no
// quasi-identifier leaves (the collector's count is then all there is).
// It is called before the run, for every worker.
func (g *riskGate) forWorker() *risk.Analyzer {
	if len(g.qis) == 0 {
		return nil
	}
	// By fingerprint: a share whose rows are all but unique (identifiers
	// kept whole) would otherwise hold every row's values until the end.
	a, _ := risk.New(g.qis, nil, risk.Options{K: g.k, Fingerprints: true}) // checked in newRiskGate
	g.workers = append(g.workers, a)
	return a
}

// count adds a written batch's records (collector only).
func (g *riskGate) count(b *batch) {
	g.n += int64(b.rows - len(b.errs))
}

// merged is every worker's count in one Analyzer; nil with no
// quasi-identifier. Call it only once the run is done.
func (g *riskGate) merged() *risk.Analyzer {
	if len(g.qis) == 0 {
		return nil
	}
	// Into the one with the most classes: the merge costs the others'.
	slices.SortFunc(g.workers, func(a, b *risk.Analyzer) int { return b.Classes() - a.Classes() })
	all := g.workers[0]
	for _, a := range g.workers[1:] {
		_ = all.Merge(a) // same quasi-identifiers and k, no sensitive column
	}
	g.workers = g.workers[:1]
	return all
}

// result is the figures of every record counted, without the
// contributions (risk.Analyzer.Summary): all a share that meets its
// thresholds needs. With no quasi-identifier left, every record is in one
// class.
func (g *riskGate) result() *risk.Result {
	if a := g.merged(); a != nil {
		return a.Summary()
	}
	r := &risk.Result{QuasiIdentifiers: []string{}, K: g.k}
	if n := int(g.n); n > 0 {
		r.Records, r.Classes, r.KMin = n, 1, n
		if n == 1 {
			r.Uniques, r.UniqueShare = 1, 1
		}
		r.RecordsAtMax = n
		if n < g.k {
			r.RecordsInClassesBelowK, r.ShareBelowK = n, 1
		}
		r.ProsecutorMax, r.ProsecutorAvg = 1/float64(n), 1/float64(n)
	}
	return r
}

// full is result with every quasi-identifier's contribution, from which
// a refusal names the ones to coarsen. The workers count classes by
// fingerprint, without the values that regrouping needs, so the records
// are read again from out (the run's output, as written) and counted with
// their values: only a refused share pays for that.
func (g *riskGate) full(out io.Reader) (*risk.Result, error) {
	if len(g.qis) == 0 {
		return g.result(), nil
	}
	a, err := risk.New(g.qis, nil, risk.Options{K: g.k})
	if err != nil {
		return nil, err
	}
	rd, err := records.NewReader(out, "the share's output", g.format, "")
	if err != nil {
		return nil, err
	}
	for {
		row, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		if err := a.Add(row); err != nil {
			return nil, err
		}
	}
	r := a.Result()
	if r.Records != int(g.n) {
		// What was written is what was counted; anything else is a fault.
		return nil, fmt.Errorf("govshare: the share's output holds %d records, %d were counted", r.Records, g.n)
	}
	return r, nil
}

// riskFigures is r as a log record holds it: figures and names only.
func riskFigures(cat *catalog.Catalog, r *risk.Result, coarsen []string) *audit.RiskFigures {
	f := &audit.RiskFigures{
		QuasiIdentifiers: append([]string{}, r.QuasiIdentifiers...),
		K:                r.K,
		Records:          int64(r.Records), Classes: int64(r.Classes), KMin: int64(r.KMin), Uniques: int64(r.Uniques),
		RecordsInClassesBelowK: int64(r.RecordsInClassesBelowK),
		ProsecutorMax:          r.ProsecutorMax, ProsecutorAvg: r.ProsecutorAvg,
		Coarsen: coarsen,
	}
	if cat.MaxProsecutorRisk != nil {
		f.MaxProsecutorRisk = *cat.MaxProsecutorRisk
	}
	if cat.MinK != nil {
		f.MinK = int64(*cat.MinK)
	}
	return f
}

// exceeded returns the *risk.ExceededError in err, if any.
func exceeded(err error) *risk.ExceededError {
	var e *risk.ExceededError
	if errors.As(err, &e) {
		return e
	}
	return nil
}
