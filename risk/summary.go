package risk

// Summary returns the figures of the rows added so far, without the
// per-quasi-identifier contributions and the l-diversity, which Result
// computes by regrouping every class once per quasi-identifier: what a
// share that meets its thresholds records. Check on a Summary decides as
// on a Result; only the quasi-identifiers to coarsen need Result. It may
// be called more than once.
func (a *Analyzer) Summary() *Result {
	r := &Result{K: a.k, QuasiIdentifiers: make([]string, len(a.qis))}
	for i, q := range a.qis {
		r.QuasiIdentifiers[i] = q.Name
	}
	r.Figures = figures(a.classes.counts, a.k)
	return r
}
