package govshare

import (
	"errors"
	"fmt"
	"unsafe"

	"github.com/govshare/govshare/audit"
	"github.com/govshare/govshare/catalog"
	"github.com/govshare/govshare/policy"
	"github.com/govshare/govshare/risk"
)

// riskGate measures the re-identification risk of the records a share
// releases, as the pipeline writes them (docs/catalog.md: re-identification
// risk). Workers copy each written row's quasi-identifier values into
// their batch (batch.qi); the collector, which sees the batches in order
// and alone, counts them, so the measure streams with the output and the
// Analyzer needs no lock.
type riskGate struct {
	cat  *catalog.Catalog
	k    int
	qis  []risk.QI // over the compact row of the quasi-identifier values
	cols []int     // output column of each quasi-identifier
	a    *risk.Analyzer
	row  []string // the collector's compact row
	n    int64    // records counted (the only figure when no quasi-identifier leaves)
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
	g := &riskGate{cat: cat, k: risk.DefaultK}
	if cat.MinK != nil {
		g.k = int(*cat.MinK) // records below the threshold are the ones at risk
	}
	for i, q := range qis {
		g.cols = append(g.cols, q.Column)
		q.Column = i
		g.qis = append(g.qis, q)
	}
	if len(g.qis) > 0 {
		if g.a, err = risk.New(g.qis, nil, risk.Options{K: g.k}); err != nil {
			return nil, err
		}
		g.row = make([]string, len(g.qis))
	}
	return g, nil
}

// keep copies the quasi-identifier values of a written row into b: the
// row's strings may alias the worker's parse buffer, reused before the
// collector gets to the batch.
func (g *riskGate) keep(b *batch, row []string) {
	for _, c := range g.cols {
		b.qi = append(b.qi, row[c]...)
		b.qiEnds = append(b.qiEnds, int32(len(b.qi)))
	}
}

// count adds a written batch's rows (collector only).
func (g *riskGate) count(b *batch) error {
	n := len(g.cols)
	if n == 0 {
		g.n += int64(b.rows - len(b.errs))
		return nil
	}
	start := int32(0)
	for i := 0; i+n <= len(b.qiEnds); i += n {
		for j := range n {
			end := b.qiEnds[i+j]
			// The Analyzer keeps no reference: views of the batch's bytes do.
			g.row[j] = unsafe.String(unsafe.SliceData(b.qi[start:end]), end-start)
			start = end
		}
		if err := g.a.Add(g.row); err != nil {
			return err
		}
		g.n++
	}
	return nil
}

// result is the figures of every record counted, without the
// contributions (risk.Analyzer.Summary): all a share that meets its
// thresholds needs. With no quasi-identifier left, every record is in one
// class.
func (g *riskGate) result() *risk.Result {
	if g.a != nil {
		return g.a.Summary()
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
// a refusal names the ones to coarsen.
func (g *riskGate) full() *risk.Result {
	if g.a != nil {
		return g.a.Result()
	}
	return g.result()
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
